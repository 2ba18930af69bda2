/**
 * RFC 5424 syslog lines: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
 * STRUCTURED-DATA MSG`, `-` for a missing field. PRI gives the facility and
 * the severity (as `level`: emerg … debug, which error-level analyses read);
 * the structured data is kept as written (`[id k="v" …][…]`) and also as JSON
 * (`{"id": {"k": "v"}}`) so that SQL can reach its parameters.
 */
import type { CellValue } from '../store/sqliteImage';

export const RFC5424_RE = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/s;

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export const RFC5424_COLUMNS = ['time', 'host', 'program', 'pid', 'msgid', 'facility', 'level', 'structured_data', 'sd', 'message'] as const;

const nil = (s: string) => (s === '-' ? null : s);

/** The structured data as {"sd-id": {"param": "value"}}, or null when there is none. */
export function structuredData(sd: string): Record<string, Record<string, string>> | null {
  if (sd === '-') return null;
  const out: Record<string, Record<string, string>> = {};
  const elem = /\[([^\s\]]+)((?:\s+[^\s=\]]+="(?:[^"\\]|\\.)*")*)\s*\]/g;
  for (let m = elem.exec(sd); m; m = elem.exec(sd)) {
    const params: Record<string, string> = {};
    const param = /([^\s=\]]+)="((?:[^"\\]|\\.)*)"/g;
    for (let p = param.exec(m[2]); p; p = param.exec(m[2])) params[p[1]] = p[2].replace(/\\(["\\\]])/g, '$1');
    out[m[1]] = params;
  }
  return out;
}

/** One line as values for RFC5424_COLUMNS, or why it is none. */
export function parseRfc5424(text: string): CellValue[] | string {
  const m = RFC5424_RE.exec(text);
  if (!m) return 'not an RFC 5424 syslog line (expected: <PRI>1 time host app procid msgid [structured data] message)';
  const pri = Number(m[1]);
  if (pri > 191) return `priority ${pri} is beyond RFC 5424's 191`;
  const procid = nil(m[5]);
  const sd = structuredData(m[7]);
  // a message may open with a UTF-8 byte-order mark (RFC 5424 §6.4)
  const msg = m[8] === undefined ? null : m[8].replace(/^\uFEFF/, '');
  return [m[2], nil(m[3]), nil(m[4]), procid !== null && /^\d+$/.test(procid) ? Number(procid) : procid, nil(m[6]), FACILITIES[pri >> 3], SEVERITIES[pri & 7], nil(m[7]), sd ? JSON.stringify(sd) : null, msg];
}
