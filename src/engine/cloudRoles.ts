/**
 * The user of a cloud audit export: the column naming who acted. The generic
 * guess (roles.ts: a name containing `user`, the first one wins) picks the
 * wrong column in these exports, whose flattened names hold `user` in many
 * places: CloudTrail's `userIdentity.type` ("IAMUser"), an Entra ID sign-in's
 * `Status.errorCode` (st-atus-er-ror), and Okta's `actor.alternateId` or the
 * Azure activity log's `Caller` hold no `user` at all.
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
  // Entra ID sign-ins, a Log Analytics export (UserPrincipalName) or a diagnostic-settings record (properties.userPrincipalName)
  if (ends('resulttype') && ends('appdisplayname')) return (n) => (n.endsWith('userprincipalname') ? 14 : undefined);
  // Okta System Log events
  if (names.has('eventtype') && names.has('actoralternateid')) return (n) => (n === 'actoralternateid' ? 14 : undefined);
  // Azure activity log: the workspace's Caller, or the diagnostic record's upn claim
  if ((names.has('operationname') || names.has('operationnamevalue')) && ends('resourceid')) {
    return (n) => (n === 'caller' ? 14 : n.endsWith('claimsupn') ? 13 : undefined);
  }
  return undefined;
}
