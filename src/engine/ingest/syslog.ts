/**
 * Syslog lines: BSD (RFC 3164: `Mon DD HH:MM:SS host program[pid]: message`, or an ISO stamp in its place)
 * and RFC 5424 (`<PRI>1 time host app procid msgid [sd] message`, ingest/rfc5424.ts). A file may hold both
 * (relays that forward in both forms, a daemon switched to RFC 5424 midway): each line is read by the form it
 * has. sshd's messages add event, user, source address and port, and outcome.
 */
import type { FixedColumn } from './formats';
import type { CellValue } from '../store/sqliteImage';
import { parseRfc5424, RFC5424_RE } from './rfc5424';

// The tag (program[pid]:) is optional: lines such as `syslogd 1.4.1: restart.` keep their text as the message.
export const SYSLOG_LINE_RE = /^([A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) (\S+) +(?:((?:-- )?[^\s[:]+(?: \d+(?:\.\d+)+)?)(?:\[(\d+)\])?(?:: ?| (?=\(\[\d+\]\):)))?(.*)$/;
// the program tag as syslog daemons write it: `sshd[19939]:`, `sshd(pam_unix)[19939]:`, `logrotate:`, and the
// edge cases kept as loghub's ground truth has them: `syslogd 1.4.1:` (program with its version), `-- root[2421]:`
// (program `-- root`), Mac's `sandboxd[129] ([31211]):` (pid 129; the responsible process stays in the message)

const SYSLOG_BASE: FixedColumn[] = [
  { name: 'time', type: 'timestamp', timeFormat: 'syslog' },
  { name: 'host', type: 'text' },
  { name: 'program', type: 'text', role: null },
  { name: 'pid', type: 'integer' },
  { name: 'message', type: 'text' },
];
const SSHD_COLUMNS: FixedColumn[] = [
  { name: 'event', type: 'text' },
  { name: 'user', type: 'text' },
  { name: 'src_ip', type: 'ip' },
  { name: 'src_port', type: 'integer' },
  { name: 'outcome', type: 'text' },
];

interface SshdFields {
  event: string;
  user: string | null;
  ip: string | null;
  port: number | null;
  outcome: 'success' | 'failure' | null;
}

const SSHD_RULES: [RegExp, (m: RegExpExecArray) => SshdFields][] = [
  [/^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)/, (m) => ({ event: m[2] ? `failed_${m[1]}_invalid_user` : `failed_${m[1]}`, user: m[3], ip: m[4], port: +m[5], outcome: 'failure' })],
  [/^Accepted (\S+) for (.*?) from (\S+) port (\d+)/, (m) => ({ event: `accepted_${m[1]}`, user: m[2], ip: m[3], port: +m[4], outcome: 'success' })],
  [/^Invalid user (.*?) from (\S+)(?: port (\d+))?/, (m) => ({ event: 'invalid_user', user: m[1] || null, ip: m[2], port: m[3] ? +m[3] : null, outcome: 'failure' })],
  [/authentication failure;.*?rhost=(\S*)(?:\s+user=(\S+))?/, (m) => ({ event: 'auth_failure', user: m[2] ?? null, ip: m[1] || null, port: null, outcome: 'failure' })],
  [/^error: maximum authentication attempts exceeded for (invalid user )?(.*?) from (\S+) port (\d+)/, (m) => ({ event: 'max_auth_attempts', user: m[2], ip: m[3], port: +m[4], outcome: 'failure' })],
  [/^reverse mapping checking getaddrinfo for .*? \[(\S+)\] failed - POSSIBLE BREAK-IN ATTEMPT/, (m) => ({ event: 'break_in_attempt', user: null, ip: m[1], port: null, outcome: null })],
  [/^Received disconnect from (\S+?)(?::| port (\d+))/, (m) => ({ event: 'disconnect', user: null, ip: m[1], port: m[2] ? +m[2] : null, outcome: null })],
  [/^Connection closed by (?:(?:invalid |authenticating )?user (\S+) )?(\S+)(?: port (\d+))?/, (m) => ({ event: 'connection_closed', user: m[1] ?? null, ip: m[2], port: m[3] ? +m[3] : null, outcome: null })],
  [/^Disconnected from (?:(?:invalid |authenticating )?user (\S+) )?(\S+) port (\d+)/, (m) => ({ event: 'disconnected', user: m[1] ?? null, ip: m[2], port: +m[3], outcome: null })],
  [/^input_userauth_request: invalid user (\S*)/, (m) => ({ event: 'invalid_user', user: m[1] || null, ip: null, port: null, outcome: 'failure' })],
  [/^pam_unix\(sshd:session\): session opened for user (\S+)/, (m) => ({ event: 'session_opened', user: m[1], ip: null, port: null, outcome: 'success' })],
];

export function parseSshd(message: string): SshdFields | null {
  let msg = message;
  const rep = /^message repeated \d+ times: \[ ?(.*?) ?\]$/.exec(msg);
  if (rep) msg = rep[1];
  for (const [re, f] of SSHD_RULES) {
    const m = re.exec(msg);
    if (m) return f(m);
  }
  return null;
}

const RFC5424_FIXED: FixedColumn[] = [
  { name: 'time', type: 'timestamp', timeFormat: 'iso' },
  { name: 'host', type: 'text' },
  { name: 'program', type: 'text', role: null },
  { name: 'pid', type: 'integer' },
  { name: 'msgid', type: 'text', role: null },
  { name: 'facility', type: 'text', role: null },
  { name: 'level', type: 'text' },
  { name: 'structured_data', type: 'text', role: null },
  { name: 'sd', type: 'json', role: null },
  { name: 'message', type: 'text' },
];

/** A BSD line as time, host, program, pid, message, or null. */
function bsdRow(text: string): CellValue[] | null {
  const m = SYSLOG_LINE_RE.exec(text);
  return m ? [m[1], m[2], m[3] ?? null, m[4] ? +m[4] : null, m[5]] : null;
}

const sshdOf = (program: CellValue, message: CellValue): CellValue[] => {
  const s = typeof program === 'string' && program.startsWith('sshd') && typeof message === 'string' ? parseSshd(message) : null;
  return s ? [s.event, s.user, s.ip, s.port, s.outcome] : [null, null, null, null, null];
};

export interface SyslogReader {
  columns: FixedColumn[];
  row: (text: string) => CellValue[] | string;
}

/**
 * How a syslog file is read, from its first lines: with RFC 5424's columns when any line has that form (BSD lines
 * leave msgid, facility, level and structured data empty), otherwise with BSD's (a later RFC 5424 line gives its
 * time, host, app, procid and the rest of the line as message). The time column reads both stamps ('syslog').
 */
export function syslogReader(sample: readonly string[]): SyslogReader {
  const rfc = sample.filter((l) => RFC5424_RE.test(l));
  const bsd = sample.map((l) => SYSLOG_LINE_RE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const withSshd = bsd.some((m) => !!m[3]?.startsWith('sshd')) || rfc.some((l) => / sshd /.test(l.slice(0, 120)));
  const sshd = withSshd ? SSHD_COLUMNS : [];
  const bad = 'not a syslog line (expected: Mon DD HH:MM:SS host program[pid]: message, or RFC 5424: <PRI>1 time host app procid msgid [sd] message)';
  if (rfc.length > 0) {
    const columns = [...RFC5424_FIXED, ...sshd];
    // the syslog reading takes ISO stamps and BSD ones (without a year: the ISO stamps before them give it)
    columns[0] = { ...columns[0], timeFormat: 'syslog' };
    return {
      columns,
      row: (text) => {
        let row: CellValue[] | string;
        if (text.startsWith('<')) row = parseRfc5424(text);
        else {
          const b = bsdRow(text);
          row = b ? [b[0], b[1], b[2], b[3], null, null, null, null, null, b[4]] : bad;
        }
        return typeof row === 'string' || !withSshd ? row : [...row, ...sshdOf(row[2], row[9])];
      },
    };
  }
  const columns = [...SYSLOG_BASE, ...sshd];
  columns[0] = { ...columns[0], timeFormat: bsd.length > 0 && bsd.every((m) => /^\d{4}-/.test(m[1])) ? 'iso' : 'syslog' };
  return {
    columns,
    row: (text) => {
      const row = bsdRow(text);
      if (row) return withSshd ? [...row, ...sshdOf(row[2], row[4])] : row;
      const r = text.startsWith('<') ? parseRfc5424(text) : bad;
      if (typeof r === 'string') return r;
      // time, host, app, procid; the structured data stays in the message as written, sshd's fields come from the message after it
      const out = [r[0], r[1], r[2], r[3], r[7] === null ? r[9] : r[9] === null ? r[7] : `${r[7]} ${r[9]}`];
      return withSshd ? [...out, ...sshdOf(r[2], r[9])] : out;
    },
  };
}
