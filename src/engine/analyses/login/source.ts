/**
 * What the login analyses read: the log (one table, or several files of the
 * same log indexed side by side, e.g. logs_2018.csv and logs_2019.csv), its
 * failure condition and failure-reason column, and the labelled windows of
 * attacks kept in other tables (start, end and maybe an IP) or in the
 * workspace labels file.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { LabelledWindow } from '../../findings/evaluate';
import type { AnalysisContext, Evidence, Querier } from '../../findings/model';
import { failureCondition, windowsLogonAttempt } from '../../findings/model';
import type { WindowLabel } from '../../findings/labels';
import { quoteIdent, RESERVED_TABLES } from '../../store/names';
import { isEventIdColumn, type Role } from '../../ingest/roles';
import { detectTimeFormat, timeParser, type ColumnType } from '../../ingest/values';

/** A table of labelled windows: quoted table and start/end columns, and the IP (or user) each names when it has one. */
export interface LabelTable {
  table: string;
  t: string;
  start: string;
  end: string;
  entity?: string;
  entityRole?: 'ip' | 'user';
}

const roleCol = (t: TableInfo, r: Role) => t.columns.find((c) => c.role === r)?.name;

/**
 * The label tables among the others: start and end roles and no group role
 * (a table with group, start and end describes cohorts, not attacks), never
 * the log itself.
 */
export function findLabelWindows(log: TableInfo, others: TableInfo[]): LabelTable[] {
  const out: LabelTable[] = [];
  for (const o of others) {
    if (o.table === log.table || RESERVED_TABLES.includes(o.table)) continue;
    const start = roleCol(o, 'start');
    const end = roleCol(o, 'end');
    if (!start || !end || roleCol(o, 'group')) continue;
    const ip = roleCol(o, 'ip');
    const user = roleCol(o, 'user');
    const entity = ip ?? user;
    out.push({ table: o.table, t: quoteIdent(o.table), start: quoteIdent(start), end: quoteIdent(end), ...(entity ? { entity: quoteIdent(entity), entityRole: ip ? 'ip' : 'user' } : {}) });
  }
  return out;
}

/** Normalized time text ('YYYY-MM-DD HH:MM:SS[.f]') from whatever a label table holds, by the format its values share. */
function normalizer(values: SqlValue[], name: string): (v: SqlValue) => string | null {
  const sample = values.filter((v) => v !== null && v !== '').slice(0, 200).map(String);
  const format = detectTimeFormat(sample, name) ?? (sample.every((v) => /^\d+(\.\d+)?$/.test(v)) ? 'epoch-s' : null);
  if (!format) return (v) => (v === null ? null : String(v));
  const parse = timeParser(format);
  return (v) => parse(v as string | number | null);
}

/** Every labelled window of the label tables, times normalized. */
export function readWindows(query: Querier, tables: LabelTable[]): LabelledWindow[] {
  const out: LabelledWindow[] = [];
  for (const l of tables) {
    const rows = query(`SELECT ${l.start}, ${l.end}, ${l.entity ?? 'NULL'} FROM ${l.t} WHERE ${l.start} IS NOT NULL AND ${l.end} IS NOT NULL`).rows;
    const ns = normalizer(rows.map((r) => r[0]), 'start');
    const ne = normalizer(rows.map((r) => r[1]), 'end');
    for (const [s, e, who] of rows) {
      const start = ns(s);
      const end = ne(e);
      if (start && end) out.push({ start, end, ...(who !== null && who !== '' ? { entity: String(who) } : {}) });
    }
  }
  return out;
}

/** Windows from the workspace labels file (the Findings view's labels): attack windows and minutes labelled malicious. */
export function windowsFromLabelFile(windows: WindowLabel[], labels: Record<string, { label: string }> = {}): LabelledWindow[] {
  const out: LabelledWindow[] = windows.map((w) => ({ start: w.start, end: w.end, ...(w.entity ? { entity: w.entity } : {}) }));
  for (const [key, l] of Object.entries(labels)) {
    // a finding about a minute carries the minute as its value: 'window:2019-01-02 01:31'
    const m = /^window:(\d{4}-\d\d-\d\d \d\d:\d\d)$/.exec(key);
    if (m && l.label === 'malicious') out.push({ start: `${m[1]}:00`, end: `${m[1]}:00` });
  }
  return out;
}

/**
 * Where the log's rows come from: the table, or the table and the other files
 * of the same log (same column names and roles), so a model can train on
 * 2018 and be tested on 2019 kept in another file. `owner` is false for every
 * file but the first of such a set: the set is analysed once.
 */
export interface LogSource {
  /** SQL for FROM: a quoted table, or a UNION ALL subquery with a `_table` column. */
  from: string;
  tables: TableInfo[];
  owner: boolean;
  /** The failure condition (SQL) over the source's columns. */
  fail: string;
  /** Quoted columns by role (those the log has). */
  col: Partial<Record<Role, string>>;
  /** The failure-reason column (quoted), when the log has one. */
  reason?: string;
}

const signature = (t: TableInfo) =>
  t.columns
    .filter((c) => !c.name.startsWith('_'))
    .map((c) => `${c.name}:${c.role ?? ''}`)
    .sort()
    .join('|');

/** The other files of the same log: identical column names and roles. */
export function siblingTables(log: TableInfo, others: TableInfo[]): TableInfo[] {
  const sig = signature(log);
  // files indexed by the engine only: the union keeps each row's _line for the evidence
  const built = (t: TableInfo) => t.columns.some((c) => c.name === '_line') && t.columns.some((c) => c.name === '_time');
  if (!built(log)) return [];
  return others.filter((o) => o.table !== log.table && !RESERVED_TABLES.includes(o.table) && signature(o) === sig && built(o));
}

const REASON_RE = /^(failure_?reason|fail_?reason|reason|error|error_?code|error_?type|failure|event|event_?type|result_?detail|status_?detail)$/i;

/** The column that says why an attempt failed: named by `param`, or found by its name (failure_reason, reason, event…). */
export function reasonColumn(t: TableInfo, param: string): string | undefined {
  if (param) {
    if (!t.columns.some((c) => c.name === param)) return undefined;
    return param;
  }
  return t.columns.find((c) => !c.role && !c.name.startsWith('_') && c.type === 'text' && REASON_RE.test(c.name))?.name;
}

/** The log source of an analysis: its table, joined by the other files of the same log when `combine` is on. */
export function logSource(cx: AnalysisContext, combine: boolean, reasonParam = ''): LogSource {
  const all = cx.tables();
  const siblings = combine ? siblingTables(cx.table, all) : [];
  const tables = [cx.table, ...siblings].sort((a, b) => all.findIndex((x) => x.table === a.table) - all.findIndex((x) => x.table === b.table));
  const outcome = cx.column('outcome');
  const reason = reasonColumn(cx.table, reasonParam);
  const col: Partial<Record<Role, string>> = {};
  for (const r of ['ip', 'user', 'outcome'] as Role[]) {
    const c = cx.column(r);
    if (c) col[r] = quoteIdent(c);
  }
  col.time = quoteIdent(cx.column('time') ?? '_time');
  const attempt = attemptCondition(cx);
  let from = attempt ? `(SELECT * FROM ${cx.t} WHERE ${attempt})` : cx.t;
  if (tables.length > 1) {
    const names = cx.table.columns.map((c) => quoteIdent(c.name)).join(', ');
    from = `(${tables.map((t) => `SELECT ${names}, ${sqlString(t.table)} AS _table FROM ${quoteIdent(t.table)}${attempt ? ` WHERE ${attempt}` : ''}`).join(' UNION ALL ')})`;
  }
  const fail = outcome ? failureCondition(cx.table, outcome) : '0';
  return {
    from,
    tables,
    owner: tables[0].table === cx.table.table,
    fail: attempt && outcome ? `(${fail} AND ${attempt})` : kerberosFail(cx.table, fail),
    col,
    ...(reason ? { reason: quoteIdent(reason) } : {}),
  };
}

/** sshd's lines that are an attempt each: "Failed password …", "Accepted publickey …". */
const SSHD_ATTEMPT = `("event" LIKE 'failed\\_%' ESCAPE '\\' OR "event" LIKE 'accepted\\_%' ESCAPE '\\')`;

/**
 * One attempt counts once. An sshd log writes several lines for one
 * attempt (PAM's "authentication failure", "Invalid user …", then "Failed
 * password for invalid user …"; "Accepted …" then PAM's "session opened"),
 * and each carries an outcome; when the log has sshd's Failed/Accepted
 * lines, only those are attempts (OpenSSH_2k.log: 183.62.140.253 made 286
 * failed attempts, as many as its "Failed password" lines, not the 582 lines
 * with a failure outcome). Undefined for every other log.
 */
export function attemptCondition(cx: AnalysisContext): string | undefined {
  const t = cx.table;
  // Windows security events: only the logon events are attempts (the export holds every other event too)
  const outcome = cx.column('outcome');
  if (outcome && isEventIdColumn(outcome)) return windowsLogonAttempt(t, quoteIdent(outcome));
  if (t.format !== 'syslog' || !t.columns.some((c) => c.name === 'event') || !t.columns.some((c) => c.name === 'outcome')) return undefined;
  return cx.query(`SELECT 1 FROM ${cx.t} WHERE ${SSHD_ATTEMPT} LIMIT 1`).rows.length ? SSHD_ATTEMPT : undefined;
}

/** Kerberos errors that are steps of an ordinary exchange (analyses/network/verdicts.ts says why). */
const ROUTINE_KERBEROS_SQL = `('KDC_ERR_PREAUTH_REQUIRED', 'KDC_ERR_BADOPTION', 'KRB_ERR_RESPONSE_TOO_BIG')`;

/** In a Kerberos log (client, request_type, error_msg) "pre-authentication required" is not a failed logon: every Windows logon begins with it. */
function kerberosFail(t: TableInfo, fail: string): string {
  const has = (n: string) => t.columns.some((c) => c.name === n);
  if (fail === '0' || !has('client') || !has('request_type') || !has('error_msg')) return fail;
  return `(${fail} AND coalesce("error_msg", '') NOT IN ${ROUTINE_KERBEROS_SQL})`;
}

/** A string literal for SQL text (only table names from the catalog go through here; values are bound). */
function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Evidence from whichever file of the source holds the rows: the first lines
 * of the first table with matching rows, and the count over all of them.
 */
export function sourceEvidence(cx: AnalysisContext, src: LogSource, where: string, params: SqlValue[], limit = 50): Evidence {
  if (src.tables.length === 1) return cx.evidence(where, params, limit);
  let first: Evidence | undefined;
  let total = 0;
  for (const t of src.tables) {
    const q = quoteIdent(t.table);
    const n = Number(cx.query(`SELECT count(*) FROM ${q} WHERE ${where}`, params).rows[0][0]);
    total += n;
    if (n && !first) {
      const lines = cx.query(`SELECT _line FROM ${q} WHERE ${where} ORDER BY _line LIMIT ${Math.max(1, Math.floor(limit))}`, params).rows.map((r) => Number(r[0]));
      first = { table: t.table, file: t.file, lines, total: n, sql: `SELECT * FROM ${q} WHERE ${where} ORDER BY _line`, params };
    }
  }
  const e = first ?? { table: cx.table.table, file: cx.table.file, lines: [], total: 0, sql: `SELECT * FROM ${cx.t} WHERE ${where}`, params };
  return { ...e, total };
}
