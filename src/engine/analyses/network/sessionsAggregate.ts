/**
 * Network sessions from a log with a session id (Zeek's `uid`): one row per
 * session id and endpoints (originator and responder host and port when the
 * log has them), with its first and last time, events, total bytes, distinct
 * files, and the hour and weekday it began. Shared by the `sessions` and
 * `session-clusters` analyses; the aggregation is one SQL GROUP BY.
 *
 * Columns are found by role first (session, ip, time, resource) and by the
 * well-known Zeek names otherwise: there is no role for the responder's host
 * or the ports, so `id.resp_h`, `id.orig_p`, `id.resp_p` (and the usual
 * src/dst spellings) are read by name.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { AnalysisContext } from '../../findings/model';
import { quoteIdent } from '../../store/names';

/** Time-of-day buckets by the hour a session began: [from, to). */
export const BUCKETS: readonly { name: string; from: number; to: number }[] = [
  { name: 'late night', from: 0, to: 4 },
  { name: 'early morning', from: 4, to: 8 },
  { name: 'morning', from: 8, to: 12 },
  { name: 'afternoon', from: 12, to: 16 },
  { name: 'evening', from: 16, to: 20 },
  { name: 'night', from: 20, to: 24 },
];
export const BUCKETS_TEXT = 'late night 00–04, early morning 04–08, morning 08–12, afternoon 12–16, evening 16–20, night 20–24 (from the hour a session began; an hour h belongs to [from, to))';
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const bucketOf = (hour: number): string => BUCKETS.find((b) => hour >= b.from && hour < b.to)?.name ?? BUCKETS[BUCKETS.length - 1].name;

export interface SessionColumns {
  session: string;
  origHost?: string;
  origPort?: string;
  respHost?: string;
  respPort?: string;
  /** Numeric columns summed into the session's bytes. */
  bytes: string[];
  /** Columns that together name a file (distinct files per session). */
  files: string[];
  time: boolean;
  /** A numeric column with each event's own duration in seconds (Zeek conn's `duration`), added to its start. */
  duration?: string;
}

export interface SessionRow {
  /** What findings call the session: its id, with the endpoints when the id alone is not unique. */
  key: string;
  session: string;
  /** The id as stored (a number stays a number, for evidence). */
  sessionValue: SqlValue;
  origHost: SqlValue;
  origPort: SqlValue;
  respHost: SqlValue;
  respPort: SqlValue;
  first: string | null;
  last: string | null;
  /** Seconds from the first event's start to the end of the last (an event's own duration counts when the log has one). */
  duration: number | null;
  events: number;
  bytes: number;
  /** Distinct files, null when the log names none. */
  files: number | null;
  /** Hour of day the session began, with its fraction (after the UTC offset). */
  hour: number | null;
  bucket: string | null;
  weekday: string | null;
  /** First source line of the session. */
  line: number;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const NUMERIC = new Set(['integer', 'real']);

const ORIG_HOST = ['idorigh', 'origh', 'srcip', 'sourceip', 'src', 'clientip'];
const RESP_HOST = ['idresph', 'resph', 'dstip', 'destip', 'destinationip', 'dst', 'dest', 'serverip'];
const ORIG_PORT = ['idorigp', 'origp', 'srcport', 'sourceport', 'sport', 'clientport'];
const RESP_PORT = ['idrespp', 'respp', 'dstport', 'destport', 'destinationport', 'dport', 'serverport'];
/** Byte counts of a transfer or a file; Zeek's *_ip_bytes are left out (they repeat orig/resp_bytes with headers). */
const BYTES = ['size', 'seenbytes', 'totalbytes', 'origbytes', 'respbytes', 'requestbodylen', 'responsebodylen', 'bytes', 'bytesin', 'bytesout', 'sentbytes', 'receivedbytes', 'scbytes', 'csbytes', 'filesize'];

function byName(table: TableInfo, names: string[], not: (string | undefined)[] = []): string | undefined {
  for (const n of names) {
    const c = table.columns.find((x) => norm(x.name) === n && !x.name.startsWith('_') && !not.includes(x.name));
    if (c) return c.name;
  }
  return undefined;
}

/** Comma-separated column names from a parameter, each checked against the table. */
function listParam(table: TableInfo, name: string, value: string, numeric: boolean): string[] | undefined {
  const v = value.trim();
  if (!v) return undefined;
  if (v.toLowerCase() === 'none') return [];
  return v.split(',').map((s) => {
    const c = table.columns.find((x) => x.name === s.trim());
    if (!c) throw new LogInvestigatorError('BAD_OPTION', `parameter ${name}: no column ${s.trim()} in ${table.table}; it has ${table.columns.map((x) => x.name).join(', ')}`);
    if (numeric && !NUMERIC.has(c.type)) throw new LogInvestigatorError('BAD_OPTION', `parameter ${name}: column ${c.name} is ${c.type}, not a number`);
    return c.name;
  });
}

export function sessionColumns(cx: AnalysisContext, bytesParam: string, filesParam: string): SessionColumns {
  const t = cx.table;
  const session = cx.column('session');
  if (!session) throw new LogInvestigatorError('MISSING_ROLE', `no column with the role session in ${t.table}`);
  const origHost = cx.column('ip') ?? byName(t, ORIG_HOST);
  const respHost = byName(t, RESP_HOST, [origHost]);
  const origPort = byName(t, ORIG_PORT);
  const respPort = byName(t, RESP_PORT, [origPort]);
  let bytes = listParam(t, 'bytes', bytesParam, true);
  if (!bytes) {
    bytes = t.columns.filter((c) => NUMERIC.has(c.type) && BYTES.includes(norm(c.name))).map((c) => c.name);
    // files.log: seen_bytes is what went over the wire, total_bytes the file's declared size
    if (bytes.some((b) => norm(b) === 'seenbytes')) bytes = bytes.filter((b) => norm(b) !== 'totalbytes');
  }
  let files = listParam(t, 'files', filesParam, false);
  if (!files) {
    const path = byName(t, ['path']);
    const name = byName(t, ['name', 'filename']);
    // smb_files: path is the share, name the file in it
    if (path && name) files = [path, name];
    else {
      const one = name ?? byName(t, ['fuid']) ?? path ?? cx.column('resource');
      files = one ? [one] : [];
    }
  }
  const duration = t.columns.find((c) => norm(c.name) === 'duration' && NUMERIC.has(c.type))?.name;
  return { session, origHost, origPort, respHost, respPort, bytes, files, time: t.columns.some((c) => c.name === '_time'), duration };
}

/** The endpoint columns that exist, in order: orig host, orig port, resp host, resp port. */
export function endpointColumns(c: SessionColumns): string[] {
  return [c.origHost, c.origPort, c.respHost, c.respPort].filter((x): x is string => !!x);
}

/** A strftime modifier that shifts UTC by a number of hours. */
export function offsetModifier(hours: number): string {
  if (!Number.isFinite(hours) || Math.abs(hours) > 14) throw new LogInvestigatorError('BAD_OPTION', `utcOffset must be hours between -14 and 14, not ${hours}`);
  const m = Math.round(hours * 60);
  return `${m >= 0 ? '+' : ''}${m} minutes`;
}

/** Key columns of a group, in the order aggregateSessions selects them. */
const groupExprs = (c: SessionColumns): string[] => [c.session, c.origHost, c.origPort, c.respHost, c.respPort].map((x) => (x ? quoteIdent(x) : 'NULL'));

export function groupKey(r: SqlValue[]): string {
  return JSON.stringify([String(r[0]), ...r.slice(1, 5)]);
}

export function aggregateSessions(cx: AnalysisContext, c: SessionColumns, utcOffset: number): SessionRow[] {
  const keys = groupExprs(c);
  const sid = keys[0];
  const bytes = c.bytes.length ? `coalesce(sum(${c.bytes.map((b) => `coalesce(${quoteIdent(b)}, 0)`).join(' + ')}), 0)` : '0';
  const fileKey = fileKeyExpr(c);
  const files = fileKey ? `count(DISTINCT ${fileKey})` : 'NULL';
  const line = cx.table.columns.some((x) => x.name === '_line') ? '_line' : 'rowid';
  const time = c.time ? ['min(_time)', 'max(_time)'] : ['NULL', 'NULL'];
  // a conn record is one event that lasted `duration` seconds: the session ends when its longest event does
  const seconds = c.time
    ? c.duration
      ? `max(julianday(_time) * 86400.0 + coalesce(${quoteIdent(c.duration)}, 0)) - julianday(min(_time)) * 86400.0`
      : `(julianday(max(_time)) - julianday(min(_time))) * 86400.0`
    : 'NULL';
  const mod = offsetModifier(utcOffset);
  const inner = `SELECT ${keys.map((k, i) => `${k} AS k${i}`).join(', ')}, ${time[0]} AS first, ${time[1]} AS last, ${seconds} AS seconds, count(*) AS events, ${bytes} AS bytes, ${files} AS files, min(${line}) AS line FROM ${cx.t} WHERE ${sid} IS NOT NULL AND ${sid} <> '' GROUP BY 1, 2, 3, 4, 5`;
  const sql = `SELECT k0, k1, k2, k3, k4, first, last, events, bytes, files, line, seconds, CAST(strftime('%H', first, ?) AS INTEGER) + CAST(strftime('%M', first, ?) AS INTEGER) / 60.0 + CAST(strftime('%S', first, ?) AS INTEGER) / 3600.0, CAST(strftime('%w', first, ?) AS INTEGER) FROM (${inner}) ORDER BY line`;
  const rows = cx.query(sql, [mod, mod, mod, mod]).rows;
  const perId = new Map<string, number>();
  for (const r of rows) perId.set(String(r[0]), (perId.get(String(r[0])) ?? 0) + 1);
  return rows.map((r) => {
    const id = String(r[0]);
    const ends = `${r[1] ?? '?'}${r[2] !== null ? ':' + r[2] : ''} → ${r[3] ?? '?'}${r[4] !== null ? ':' + r[4] : ''}`;
    const hour = r[12] === null ? null : Number(r[12]);
    return {
      key: (perId.get(id) ?? 0) > 1 ? `${id} ${ends}` : id,
      session: id,
      sessionValue: r[0],
      origHost: r[1],
      origPort: r[2],
      respHost: r[3],
      respPort: r[4],
      first: r[5] === null ? null : String(r[5]),
      last: r[6] === null ? null : String(r[6]),
      duration: r[11] === null ? null : Math.max(0, Number(r[11])),
      events: Number(r[7]),
      bytes: Number(r[8]),
      files: r[9] === null ? null : Number(r[9]),
      hour,
      bucket: hour === null ? null : bucketOf(Math.floor(hour)),
      weekday: r[13] === null ? null : WEEKDAYS[Number(r[13])],
      line: Number(r[10]),
    };
  });
}

function fileKeyExpr(c: SessionColumns): string | undefined {
  if (!c.files.length) return undefined;
  if (c.files.length === 1) return quoteIdent(c.files[0]);
  const q = c.files.map(quoteIdent);
  return `CASE WHEN ${q.map((x) => `${x} IS NULL`).join(' AND ')} THEN NULL ELSE ${q.map((x) => `coalesce(${x}, '')`).join(` || char(31) || `)} END`;
}

/**
 * A session's bytes with each distinct file counted once, at its largest
 * size (smb_files repeats a file's size on its open, read and close); null
 * when the log names no files or has no byte column. One session at a time
 * (the session column is indexed): it is asked for flagged sessions only.
 */
export function fileBytesOf(cx: AnalysisContext, c: SessionColumns, s: SessionRow): number | null {
  const fileKey = fileKeyExpr(c);
  if (!fileKey || !c.bytes.length) return null;
  const b = c.bytes.map((x) => `coalesce(${quoteIdent(x)}, 0)`).join(' + ');
  const { where, params } = sessionWhere(c, s);
  const r = cx.query(`SELECT coalesce(sum(m), 0) FROM (SELECT max(${b}) AS m FROM ${cx.t} WHERE ${where} AND ${fileKey} IS NOT NULL GROUP BY ${fileKey})`, params);
  return Number(r.rows[0][0]);
}

/** The SQL condition (and its values) that selects one session's rows, for evidence. */
export function sessionWhere(c: SessionColumns, s: SessionRow): { where: string; params: SqlValue[] } {
  const parts = [`${quoteIdent(c.session)} = ?`];
  const params: SqlValue[] = [s.sessionValue];
  const ends: [string | undefined, SqlValue][] = [
    [c.origHost, s.origHost],
    [c.origPort, s.origPort],
    [c.respHost, s.respHost],
    [c.respPort, s.respPort],
  ];
  for (const [col, v] of ends) {
    if (!col) continue;
    parts.push(`${quoteIdent(col)} IS ?`);
    params.push(v);
  }
  return { where: parts.join(' AND '), params };
}

/**
 * Per session, the most frequent value of each given column (ties: the
 * smallest value), for categorical features such as Zeek's action or mime
 * type. Returned by groupKey.
 */
export function modalValues(cx: AnalysisContext, c: SessionColumns, columns: string[]): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>();
  if (!columns.length) return out;
  const keys = groupExprs(c);
  // one GROUP BY over every column together (one sort of the log), then each column's counts summed per session
  const vals = columns.map(quoteIdent);
  const sql = `SELECT ${keys.map((k, i) => `${k} AS k${i}`).join(', ')}, ${vals.join(', ')}, count(*) FROM ${cx.t} WHERE ${keys[0]} IS NOT NULL AND ${keys[0]} <> '' GROUP BY ${keys.map((_, i) => i + 1).join(', ')}, ${vals.map((_, i) => i + 6).join(', ')}`;
  const counts = new Map<string, Map<string | null, number>[]>();
  for (const r of cx.query(sql).rows) {
    const k = groupKey(r);
    const n = Number(r[5 + columns.length]);
    let per = counts.get(k);
    if (!per) counts.set(k, (per = columns.map(() => new Map<string | null, number>())));
    columns.forEach((_, ci) => {
      const v = r[5 + ci] === null ? null : String(r[5 + ci]);
      per![ci].set(v, (per![ci].get(v) ?? 0) + n);
    });
  }
  for (const [k, per] of counts) {
    out.set(
      k,
      per.map((m) => {
        let best: { v: string | null; n: number } | undefined;
        for (const [v, n] of m) if (!best || n > best.n || (n === best.n && best.v !== null && (v === null || v < best.v))) best = { v, n };
        return best ? best.v : null;
      }),
    );
  }
  return out;
}

/** The key aggregateSessions' rows share with modalValues: its id and endpoints. */
export function rowGroupKey(s: SessionRow): string {
  return JSON.stringify([s.session, s.origHost, s.origPort, s.respHost, s.respPort]);
}
