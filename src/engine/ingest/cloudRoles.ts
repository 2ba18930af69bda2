/**
 * The user of a cloud audit export: the column naming who acted. The generic
 * guess (ingest/roles.ts: a name containing `user`, the first one wins) picks the
 * wrong column in these exports, whose flattened names hold `user` in many
 * places: CloudTrail's `userIdentity.type` ("IAMUser"), an Entra ID sign-in's
 * `Status.errorCode` (st-atus-er-ror), the audit log's `InitiatedBy.user.id`;
 * and Okta's `actor.alternateId` or the Azure activity log's `Caller` hold no
 * `user` at all.
 */

/** Scores a column (its name normalized: lower case, letters and digits) for a role; undefined keeps the generic score. */
export type RoleScorer = (role: string, n: string, nullShare: number) => number | undefined;

/** CloudTrail's per-call payloads and the session behind an identity: no column of theirs is the event's user, address, session or outcome. */
const CLOUDTRAIL_PAYLOADS = /^(requestparameters|responseelements|additionaleventdata|serviceeventdetails|useridentitysessioncontext)/;

/** Share of empty values under which CloudTrail's userName names (nearly) every event's user. */
const USER_NAME_FILLED = 0.05;

/**
 * The scorer of the cloud export the table's columns show, or undefined for
 * any other table. Besides the user, CloudTrail's payload columns play no
 * role (`responseElements.ConsoleLogin` is no destination for holding `resp`).
 *
 * The user: CloudTrail: `userIdentity.userName` when (nearly) every
 * event has one (IAM users); else the ARN, which every identity but an AWS
 * service has (`arn:aws:sts::…:assumed-role/Role/alice`: the role and its
 * session); else `principalId`; never the identity's type, account, access
 * key, invokedBy or session issuer, nor another account column.
 */
export function cloudRoleScorer(names: Set<string>): RoleScorer | undefined {
  const user = cloudUserScorer(names);
  if (!user) return undefined;
  const cloudtrail = isCloudTrail(names);
  return (role, n, nullShare) => (cloudtrail && CLOUDTRAIL_PAYLOADS.test(n) ? 0 : role === 'user' ? user(n, nullShare) : undefined);
}

/** The other exports, told by their columns, and their user columns (name endings, or a whole name after `^`; the best first). */
const SHAPES: { is: (names: Set<string>, ends: (x: string) => boolean) => boolean; user: string[] }[] = [
  // Entra ID audit log (Log Analytics AuditLogs or a diagnostic-settings record): who initiated the change
  { is: (_, ends) => ends('activitydisplayname') && ends('loggedbyservice'), user: ['initiatedbyuseruserprincipalname', 'initiatedbyappdisplayname'] },
  // Entra ID sign-ins (UserPrincipalName, or properties.userPrincipalName) and Identity Protection risk detections
  { is: (_, ends) => (ends('resulttype') && ends('appdisplayname')) || ends('riskeventtype'), user: ['userprincipalname'] },
  // Okta System Log events
  { is: (names) => names.has('eventtype') && names.has('actoralternateid'), user: ['actoralternateid'] },
  // Azure activity log: the workspace's Caller, or the diagnostic record's upn claim
  { is: (names, ends) => (names.has('operationname') || names.has('operationnamevalue')) && ends('resourceid'), user: ['caller', 'claimsupn'] },
  // OneLogin events: the user the event is about (user_id is a number)
  { is: (names) => names.has('eventtypeid') && names.has('accountid'), user: ['^username'] },
  // Bitbucket audit log: its author
  { is: (names) => names.has('audittypeaction'), user: ['authorname'] },
];

const isCloudTrail = (names: Set<string>) => names.has('eventsource') && names.has('eventname') && [...names].some((n) => n.startsWith('useridentity'));

/** Scores a column for the user role; undefined keeps the generic score. */
type UserScorer = (n: string, nullShare: number) => number | undefined;

function cloudUserScorer(names: Set<string>): UserScorer | undefined {
  const all = [...names];
  const ends = (x: string) => all.some((n) => n.endsWith(x));
  if (isCloudTrail(names)) {
    return (n, nullShare) => {
      if (n === 'useridentityusername') return nullShare <= USER_NAME_FILLED ? 14 : 11;
      if (n === 'useridentityarn') return 13;
      if (n === 'useridentityprincipalid') return 12;
      return n.startsWith('useridentity') || n.includes('account') ? 0 : undefined;
    };
  }
  for (const shape of SHAPES) {
    if (!shape.is(names, ends)) continue;
    return (n) => {
      const k = shape.user.findIndex((u) => (u.startsWith('^') ? n === u.slice(1) : n.endsWith(u)));
      return k < 0 ? undefined : 14 - k;
    };
  }
  return undefined;
}
