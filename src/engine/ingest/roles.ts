import { cloudRoleScorer } from './cloudRoles';
import type { ColumnType } from './values';

/** What a column means to the analyses; guessed from names and types, overridable by the user. */
export type Role = 'time' | 'ip' | 'destination' | 'host' | 'port' | 'user' | 'group' | 'program' | 'resource' | 'outcome' | 'label' | 'session' | 'start' | 'end';
/**
 * ip: the source (the client, the host that opens a connection); destination: the server it talks to (an address or a
 * host name) and port its port; host: the machine that wrote the line (syslog's host, a cluster log's node).
 */
export const ROLES: readonly Role[] = ['time', 'ip', 'destination', 'host', 'port', 'user', 'group', 'program', 'resource', 'outcome', 'label', 'session', 'start', 'end'];

interface RoleRule {
  role: Role;
  exact: string[];
  contains: RegExp;
  types?: ColumnType[];
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
/** Columns that make a table an HTTP log, whose `host` is the server asked (a destination), not the client. */
const HTTP_SIBLINGS = ['method', 'uri', 'useragent', 'statuscode', 'csmethod', 'csuristem', 'request'];
/** Columns of a Kerberos log, whose `client` is a principal (user@REALM), the user of the request. */
const KERBEROS_SIBLINGS = ['requesttype', 'service', 'errormsg', 'errorcode', 'ticketoptions'];
/** Columns of Windows logon events (4624, 4625, 4768, 4771 exported as JSON): the event id is the outcome, TargetUserName the user. */
const WINDOWS_LOGON_SIBLINGS = ['targetusername', 'logontype', 'ipaddress', 'workstationname', 'targetdomainname'];
/** The event-id column of a Windows event export (EventID, Event.System.EventID, event_id…). */
export const isEventIdColumn = (name: string): boolean => /(^|[^a-z])event_?id$/i.test(name) || norm(name) === 'eventid';

const RULES: RoleRule[] = [
  { role: 'time', exact: ['time', 'timestamp', 'datetime', 'ts', 'date', 'eventtime', 'timegenerated', 'createdat'], contains: /time|date/, types: ['timestamp', 'date'] },
  {
    role: 'ip',
    exact: ['ip', 'sourceip', 'srcip', 'clientip', 'remoteaddr', 'remoteip', 'idorigh', 'origh', 'ipaddress', 'clientaddr', 'src', 'sourceaddress', 'callerip', 'host'],
    contains: /ip|addr|orig|src|source|client|remote/,
    types: ['ip'],
  },
  // the other end: Zeek's id.resp_h, dst_ip, dest, server…; an address or a host name (an HTTP log's host)
  {
    role: 'destination',
    exact: ['idresph', 'resph', 'dstip', 'destip', 'destinationip', 'dst', 'dest', 'destination', 'dstaddr', 'destaddr', 'dstaddress', 'destinationaddress', 'serverip', 'server', 'serveraddr', 'serveraddress', 'dsthost', 'desthost', 'dsthostname', 'destinationhost', 'targetip', 'txhosts'],
    contains: /resp|dst|dest|server/,
  },
  // the machine that wrote the line; an address-typed host is an ip and an HTTP log's host a destination (rules above)
  { role: 'host', exact: ['host', 'hostname', 'node', 'nodename', 'computer', 'computername', 'machine', 'machinename', 'devicename'], contains: /hostname|computername|machinename/ },
  { role: 'port', exact: ['idrespp', 'respp', 'dstport', 'destport', 'destinationport', 'dport', 'serverport', 'targetport'], contains: /(resp|dst|dest|server).*port|dport/, types: ['integer'] },
  { role: 'user', exact: ['user', 'username', 'userid', 'login', 'account', 'accountname', 'email', 'sender', 'principal', 'actor', 'usr', 'student', 'studentid', 'employee', 'targetusername'], contains: /user|login|account|email|sender|student/ },
  // a program (track, department…) groups groups: a cohort table names its program
  { role: 'program', exact: ['program', 'programid', 'track', 'trackid', 'curriculum', 'department', 'dept'], contains: /program|track|curriculum/ },
  { role: 'group', exact: ['cohort', 'cohortid', 'group', 'groupid', 'team', 'org', 'organization', 'course', 'section', 'tenant', 'class', 'classid'], contains: /cohort|group|team/ },
  // the dates a group (or a labelled window) begins and ends
  { role: 'start', exact: ['start', 'startdate', 'startedat', 'startsat', 'begin', 'begindate', 'from', 'enrolled', 'enrolledat', 'windowstart'], contains: /start|begin/, types: ['date', 'timestamp'] },
  { role: 'end', exact: ['end', 'enddate', 'endedat', 'endsat', 'until', 'to', 'graduated', 'graduation', 'windowend', 'stop'], contains: /^end|enddate|until|graduat/, types: ['date', 'timestamp'] },
  { role: 'resource', exact: ['page', 'path', 'uri', 'url', 'request', 'resource', 'endpoint', 'file', 'filename', 'lesson', 'object', 'document', 'query'], contains: /page|path|uri|url|resource|endpoint|file|lesson/ },
  { role: 'outcome', exact: ['success', 'outcome', 'result', 'status', 'statuscode', 'action', 'authresult', 'succeeded', 'failurereason'], contains: /success|outcome|result|status/ },
  { role: 'label', exact: ['label', 'isattack', 'attack', 'malicious', 'ismalicious', 'isfraud', 'fraud', 'target', 'anomaly', 'isanomaly', 'y'], contains: /label|attack|malicious|fraud/ },
  { role: 'session', exact: ['uid', 'session', 'sessionid', 'sid', 'connid', 'connectionid', 'fuid'], contains: /session/ },
];

export interface RoleCandidate {
  name: string;
  type: ColumnType;
  /** Share of sampled values that were null/empty (0..1). */
  nullShare: number;
  /** false when the format says the column plays no role. */
  eligible?: boolean;
}

/**
 * One column per role: exact name matches beat partial ones, and columns
 * that are almost always empty get no role (an Apache `user` of '-' is no
 * user column). The time role prefers the normalized `_time`.
 */
export function guessRoles(cols: RoleCandidate[], overrides: Partial<Record<Role, string | null>> = {}): Map<string, Role> {
  const assigned = new Map<string, Role>();
  const taken = new Set<string>();
  const names = new Set(cols.map((c) => norm(c.name)));
  const http = HTTP_SIBLINGS.some((n) => names.has(n));
  // a connection log's host names are its ends (ip, destination), not the machine that wrote the line
  const connections = names.has('idorigh') || names.has('idresph');
  const kerberos = KERBEROS_SIBLINGS.filter((n) => names.has(n)).length >= 2;
  const windowsLogon = WINDOWS_LOGON_SIBLINGS.filter((n) => [...names].some((x) => x.endsWith(n))).length >= 2;
  const cloud = cloudRoleScorer(names);
  for (const rule of RULES) {
    if (rule.role in overrides) continue;
    let best: { name: string; score: number } | null = null;
    for (const c of cols) {
      if (taken.has(c.name) || c.eligible === false) continue;
      const n = norm(c.name);
      // a mostly empty column plays no role, except an address column by its name (an Apache error log's client_ip, on the few lines naming a client)
      const addressByName = (rule.role === 'ip' || rule.role === 'destination') && c.type === 'ip' && rule.exact.includes(n);
      if (c.nullShare > 0.95 && !(addressByName && c.nullShare < 1)) continue;
      if (c.name.startsWith('_') && !(rule.role === 'time' && c.name === '_time')) continue;
      let score = 0;
      if (rule.role === 'time' && c.name === '_time') score = 100;
      else if (rule.exact.includes(n)) score = 10;
      else if (rule.contains.test(n)) score = 5;
      if (rule.role === 'destination' && n === 'host' && http) score = 8;
      if (rule.role === 'destination' && c.type === 'ip') score += 3;
      if ((rule.role === 'destination' || rule.role === 'host') && !(c.type === 'ip' || c.type === 'text')) score = 0;
      if (rule.role === 'host' && (http || connections)) score = 0;
      if (rule.role === 'user' && n === 'client' && kerberos) score = 10;
      if (windowsLogon && rule.role === 'outcome' && isEventIdColumn(c.name)) score = 12;
      if (windowsLogon && rule.role === 'user' && n.endsWith('targetusername')) score = 12;
      if (windowsLogon && rule.role === 'user' && n.endsWith('subjectusername')) score = 0;
      if (cloud) score = cloud(rule.role, n, c.nullShare) ?? score;
      if (rule.types) {
        // a date is not a start or end date by its type alone: those need their name too
        if ((rule.role === 'start' || rule.role === 'end' || rule.role === 'port') && score === 0) continue;
        if (rule.types.includes(c.type)) score += score ? 3 : 2;
        else if (rule.role === 'time' || rule.role === 'ip' || rule.role === 'start' || rule.role === 'end') score = 0; // these roles need the right type
      }
      // the other end of a connection is a destination, never the source
      if (rule.role === 'ip' && /resp|dst|dest|server|target/.test(n)) score = 0;
      if (rule.role === 'ip' && n === 'host' && http) score = 0;
      // a count (stats.log's files) or a flag is no resource; nor is an HTTP log's host
      if (rule.role === 'resource' && (c.type === 'integer' || c.type === 'real' || c.type === 'boolean' || n === 'host')) score = 0;
      if (rule.role === 'user' && /agent/.test(n)) score = 0;
      if ((rule.role === 'user' || rule.role === 'group' || rule.role === 'program' || rule.role === 'resource') && (c.type === 'timestamp' || c.type === 'date')) score = 0;
      if (score > 0 && (!best || score > best.score)) best = { name: c.name, score };
    }
    if (best) {
      assigned.set(best.name, rule.role);
      taken.add(best.name);
    }
  }
  for (const [role, col] of Object.entries(overrides) as [Role, string | null][]) {
    for (const [k, v] of assigned) if (v === role) assigned.delete(k);
    if (col && cols.some((c) => c.name === col)) assigned.set(col, role);
  }
  return assigned;
}
