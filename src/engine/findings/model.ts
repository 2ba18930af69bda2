/**
 * One model for every analysis: findings about entities (an IP, a user, a
 * group, a resource, a time window, a session, a row), each with a score, a
 * severity, a reason in plain words, the metrics behind it, and the source
 * lines that produced it. Analyses declare the column roles they need and run
 * on any table whose columns play those roles.
 */
import { mergeAcrossTables } from './acrossTables';
import type { TableInfo } from '../ingest/build';
import type { QueryResult, SqlValue } from '../store/database';
import { catalogTables } from '../store/catalog';
import { LogInvestigatorError } from '../errors';
import { quoteIdent } from '../store/names';
import { isEventIdColumn, type Role } from '../ingest/roles';
import { severityOfRisk } from './triage/risk';
import { representative } from './triage/evidence';

export type EntityKind = 'ip' | 'user' | 'group' | 'resource' | 'window' | 'session' | 'template' | 'row';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface Evidence {
  table: string;
  file: string;
  /** The first source lines (1-based) of the rows behind the finding. */
  lines: number[];
  /** How many rows there are in all. */
  total: number;
  /** SQL (with its parameters) that lists every evidence row. */
  sql: string;
  params: SqlValue[];
}

/** Why an entity may be ordinary despite a finding: a shared egress (NAT) address, a crawler or monitoring agent, a service account, a popular resource. */
export interface BenignContext {
  kind: 'shared-egress' | 'crawler' | 'monitoring' | 'service-account' | 'popular' | 'routine' | 'other';
  /** In plain words, with the figures: "shared by 350 users, each with an ordinary rate (median 12 requests a day)". */
  text: string;
}

/** What makes the finding understandable without opening the data: the entity's own baseline, its peers, and what would have to differ for it not to be flagged. */
export interface Explanation {
  baseline?: string;
  peers?: string;
  /** "It would not be flagged with fewer than 41 failures in that minute." */
  counterfactual?: string;
}

export interface Finding {
  /** Stable across runs: analysis, entity kind and value, table. Labels attach to it. */
  id: string;
  analysis: string;
  /** value: the id as the log writes it; name: what a group table (or the log) calls it, shown beside the id ("58 · Hyperion"). */
  entity: { kind: EntityKind; value: string; name?: string };
  /** The analysis's own statistic (a z-score, a ratio, a probability…), as its reason states it; not comparable across analyses. */
  score: number;
  /**
   * Risk on the one 0–100 scale of src/engine/findings/triage/risk.ts (comparable
   * across analyses). Every analysis sets it; runAnalysis derives the
   * severity from it.
   */
  risk?: number;
  /**
   * −log10 of the expected number of chance findings this extreme, unclamped
   * (findings/triage/risk.ts, surpriseFromLog10P): where risk stops at 100, ranking
   * breaks ties on it. Unset: the surprise the risk implies.
   */
  surprise?: number;
  severity: Severity;
  reason: string;
  metrics: Record<string, number | string | null>;
  evidence: Evidence;
  /** The period the finding is about (ISO 8601 UTC), when it is about one: the burst minute, the flagged day. Incidents join findings that share a window. */
  window?: { start: string; end: string };
  /** Other entities taking part (the source IPs of an attack minute, the user of a session), so that an incident can gather them. */
  related?: { kind: EntityKind; value: string }[];
  /** Descriptions of why the entity may be benign; ranking lowers such findings unless another analysis also flags the entity. */
  context?: BenignContext[];
  explain?: Explanation;
}

export interface ResultTable {
  title: string;
  columns: string[];
  rows: SqlValue[][];
}

export interface AnalysisOutput {
  analysis: string;
  title: string;
  table: string;
  findings: Finding[];
  tables: ResultTable[];
  /** Vega-Lite specs with their data inline. */
  charts: { title: string; spec: Record<string, unknown> }[];
  /** Wall time of the run in milliseconds (set by runAnalysis). */
  ms?: number;
  /** The SQL the analysis ran, in order, each text once (at most 20; set by runAnalysis): "Open as Notebook" writes them as cells. */
  queries?: { sql: string; params: SqlValue[] }[];
}

export interface ParamSpec {
  name: string;
  description: string;
  default: number | string;
}

/** What an analysis sees: one table, its role columns, its parameters, and SQL. */
export interface AnalysisContext {
  table: TableInfo;
  /** The quoted table name, for SQL. */
  t: string;
  /** The quoted column playing a role (the analysis declared it, so it exists). */
  col(role: Role): string;
  /** The column's name, unquoted, or undefined when no column plays the role. */
  column(role: Role): string | undefined;
  param(name: string): number | string;
  num(name: string): number;
  query(sql: string, params?: SqlValue[]): QueryResult;
  /** false when the store has no window functions (OVER): ClickHouse 18.16; the analysis then takes a form without them. */
  windows?: false;
  /** Evidence: the rows matching a condition (its values bound). */
  evidence(where: string, params: SqlValue[], limit?: number): Evidence;
  /** Every table of the database (this one included), for analyses that join other files: labels, the other months of a log. */
  tables(): TableInfo[];
  /** The table of this log's groups (cohorts): quoted table and columns by role; undefined when none is indexed. */
  groups(): GroupTable | undefined;
}

/** A table whose rows describe groups: a group column joined to the log's, start and end dates, maybe a program and a name. */
export interface GroupTable {
  table: string;
  t: string;
  group: string;
  start: string;
  end: string;
  program?: string;
  name?: string;
}

/** The group table among the others: group, start and end roles (the log itself is not one). */
export function findGroupTable(log: TableInfo, others: TableInfo[]): GroupTable | undefined {
  for (const o of others) {
    if (o.table === log.table) continue;
    const col = (r: Role) => o.columns.find((c) => c.role === r)?.name;
    const group = col('group');
    const start = col('start');
    const end = col('end');
    if (!group || !start || !end) continue;
    const program = col('program');
    const name = o.columns.find((c) => /^(name|title|label|cohort_?name|group_?name)$/i.test(c.name))?.name;
    return { table: o.table, t: quoteIdent(o.table), group: quoteIdent(group), start: quoteIdent(start), end: quoteIdent(end), program: program && quoteIdent(program), name: name && quoteIdent(name) };
  }
  return undefined;
}

export interface Analysis {
  id: string;
  title: string;
  description: string;
  /** Roles the table must have; `time` means the table has `_time`. */
  needs: Role[];
  /** Also runs on tables of periods (with start and end roles: cohorts, labelled windows), which the others leave alone. */
  periodTables?: boolean;
  /** Reads time only through cx.column('time'), so a column with the time role will do where a table has no `_time` (SQLite files). */
  timeFromRole?: boolean;
  /** Also needs the group table (a table with group, start and end columns). */
  needsGroups?: boolean;
  params: ParamSpec[];
  /** Parameters without a usable default that must be given (e.g. a geo database file); missing ones are reported like missing roles. */
  requiredParams?: string[];
  /** Beyond roles, the kind of log the analysis reads (a DNS log's query and rcode, a connection log's bytes): why this table is not one, or undefined when it is. */
  shape?(t: TableInfo): string | undefined;
  /** What a finding is about whatever the table (a source → destination:port pair): findings with the same key on several tables of a run are one (findings/acrossTables.ts). */
  sameAcross?(f: Finding): string | undefined;
  run(cx: AnalysisContext): Omit<AnalysisOutput, 'analysis' | 'title' | 'table'>;
}

/** Risk (0–100) of a score on the old robust-z-like scale, for analyses that do not compute their own risk yet; keeps their severities (3 → 25 low, 4 → 50 medium, 6 → 75 high, 10 → 90 critical). */
export function legacyRisk(score: number): number {
  const knots: [number, number][] = [[0, 0], [3, 25], [4, 50], [6, 75], [10, 90], [20, 100]];
  if (!(score > 0)) return 0;
  for (let i = 1; i < knots.length; i++) {
    const [x0, y0] = knots[i - 1];
    const [x1, y1] = knots[i];
    if (score <= x1) return Math.round((y0 + ((score - x0) / (x1 - x0)) * (y1 - y0)) * 10) / 10;
  }
  return 100;
}

/** Severity from a score on the old robust-z-like scale (3 is unusual, 10 extreme); analyses now set a risk instead (findings/triage/risk.ts). */
export function severityOf(score: number): Severity {
  if (score >= 10) return 'critical';
  if (score >= 6) return 'high';
  if (score >= 4) return 'medium';
  if (score >= 3) return 'low';
  return 'info';
}

export function findingId(analysis: string, table: string, kind: EntityKind, value: string): string {
  return `${analysis}:${table}:${kind}:${value}`;
}

/** Something an analysis needs that a table (or the run) lacks. */
export type Missing =
  | { kind: 'role'; role: Role }
  | { kind: 'groups' }
  | { kind: 'param'; name: string }
  /** the table lists periods (start and end: cohorts, labelled windows): it describes a log, it is not one */
  | { kind: 'log' }
  /** the table is not the kind of log the analysis reads (Analysis.shape) */
  | { kind: 'shape'; text: string };

/** What an analysis needs that a table lacks: roles, the group table, required parameters; or that the table is no log at all. */
export function missingRoles(a: Analysis, t: TableInfo, others: TableInfo[] = [], params: Record<string, string> = {}): Missing[] {
  if (!a.periodTables && t.columns.some((c) => c.role === 'start') && t.columns.some((c) => c.role === 'end')) return [{ kind: 'log' }];
  // time: the normalized _time; analyses that read time through cx.column('time') also take a column with the time role (tables read from SQLite files have no _time)
  const hasTime = (c: TableInfo['columns'][number]) => c.name === '_time' || (a.timeFromRole === true && c.role === 'time');
  const missing: Missing[] = a.needs.filter((r) => (r === 'time' ? !t.columns.some(hasTime) : !t.columns.some((c) => c.role === r))).map((role) => ({ kind: 'role', role }));
  if (a.needsGroups && !findGroupTable(t, others)) missing.push({ kind: 'groups' });
  for (const p of a.requiredParams ?? []) if (!params[p]) missing.push({ kind: 'param', name: p });
  const shape = missing.length ? undefined : a.shape?.(t);
  if (shape) missing.push({ kind: 'shape', text: shape });
  return missing;
}

/** What is missing, in words: "no column with the role ip, outcome; the parameter geo". */
export function describeMissing(missing: Missing[]): string {
  const roles = missing.flatMap((m) => (m.kind === 'role' ? [m.role] : []));
  const parts = roles.length ? [`no column with the role ${roles.join(', ')}`] : [];
  for (const m of missing) {
    if (m.kind === 'groups') parts.push('no group table (a table with group, start and end columns, e.g. cohorts.csv)');
    else if (m.kind === 'param') parts.push(`the parameter ${m.name} is not given`);
    else if (m.kind === 'log') parts.push('a table of periods (start and end), not a log');
    else if (m.kind === 'shape') parts.push(m.text);
  }
  return parts.join('; ');
}

/** What running one or more analyses over every table gave: the outputs, and why the others were skipped. */
export interface AnalysisRun {
  outputs: AnalysisOutput[];
  skipped: string[];
  /** How many analysis–table pairs failed (their errors are among the skipped). */
  failed?: number;
  /** How many were skipped because the table holds too little data for the method (reasons among the skipped). */
  tooLittle?: number;
  /** The person cancelled: how many analysis–table pairs had finished, of how many; `outputs` holds theirs. */
  cancelled?: { done: number; total: number };
}

/** One analysis on one table, as a run announces it before it starts. */
export interface AnalysisStep {
  /** Pairs finished before this one. */
  done: number;
  total: number;
  analysis: string;
  table: string;
}

/** How a caller follows a run and stops it. */
export interface RunHooks {
  onStep?(step: AnalysisStep): void;
  /** Checked before each pair; a query may also throw CancelledError. Either way the run returns what finished. */
  cancelled?(): boolean;
}

/**
 * The analyses a selection names: 'all', one id, or ids separated by commas.
 * Throws BAD_OPTION for an unknown id.
 */
export function selectAnalyses(selection: string, all: readonly Analysis[]): Analysis[] {
  if (selection === 'all') return [...all];
  const ids = selection.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !all.some((a) => a.id === id));
  if (unknown.length || ids.length === 0) throw new LogInvestigatorError('BAD_OPTION', `unknown analysis '${unknown[0] ?? selection}'; the analyses are ${all.map((a) => a.id).join(', ')}`);
  return ids.map((id) => all.find((a) => a.id === id)!);
}

/**
 * Runs the selected analyses on every table (or the given ones) that has the
 * roles each needs. Each analysis gets the parameters it declares; a
 * parameter that none of the selected analyses declares is an error.
 */
export function runAnalyses(chosen: Analysis[], tables: TableInfo[], query: Querier, params: Record<string, string> = {}, only?: string[], hooks: RunHooks = {}): AnalysisRun {
  for (const k of Object.keys(params)) {
    if (!chosen.some((a) => a.params.some((p) => p.name === k))) {
      throw new LogInvestigatorError('BAD_OPTION', `no chosen analysis has a parameter ${k}; ${chosen.length === 1 ? `${chosen[0].id} takes ${chosen[0].params.map((p) => p.name).join(', ') || 'none'}` : 'see analyze --list'}.`);
    }
  }
  const run: AnalysisRun = { outputs: [], skipped: [] };
  const plan: { a: Analysis; t: TableInfo; mine: Record<string, string> }[] = [];
  for (const a of chosen) {
    const mine = Object.fromEntries(Object.entries(params).filter(([k]) => a.params.some((p) => p.name === k)));
    for (const t of tables) {
      if (only && !only.includes(t.table)) continue;
      const missing = missingRoles(a, t, tables, mine);
      if (missing.length) run.skipped.push(`${a.id} on ${t.table}: ${describeMissing(missing)}`);
      else plan.push({ a, t, mine });
    }
  }
  const single = chosen.length === 1 && tables.filter((x) => !only || only.includes(x.table)).length === 1;
  for (const [done, { a, t, mine }] of plan.entries()) {
    if (hooks.cancelled?.()) {
      run.cancelled = { done, total: plan.length };
      break;
    }
    hooks.onStep?.({ done, total: plan.length, analysis: a.id, table: t.table });
    try {
      run.outputs.push(runAnalysis(a, t, query, mine, tables));
    } catch (e) {
      if (e instanceof LogInvestigatorError && e.code === 'CANCELLED') {
        run.cancelled = { done, total: plan.length };
        break;
      }
      if (e instanceof LogInvestigatorError && e.code === 'TOO_LITTLE_DATA') {
        run.skipped.push(`${a.id} on ${t.table}: too little data: ${e.message}`);
        run.tooLittle = (run.tooLittle ?? 0) + 1;
        continue;
      }
      // one analysis failing on one table (a bad parameter, an unreadable file) does not stop the others; a single one reports its error
      if (single) throw e;
      run.skipped.push(`${a.id} on ${t.table} failed: ${e instanceof Error ? e.message : String(e)}`);
      run.failed = (run.failed ?? 0) + 1;
    }
  }
  mergeAcrossTables(run.outputs, chosen);
  return run;
}

export type Querier = ((sql: string, params?: SqlValue[]) => QueryResult) & { windows?: false };

/** Runs an analysis on a table, after checking that the table has the roles it needs. */
export function runAnalysis(a: Analysis, table: TableInfo, query: Querier, params: Record<string, string> = {}, others: TableInfo[] = []): AnalysisOutput {
  const missing = missingRoles(a, table, others, params);
  if (missing.length) {
    const role = missing.find((m): m is Extract<Missing, { kind: 'role' }> => m.kind === 'role')?.role;
    const hint = role ? ` Give a column the role with --role ${role}=COLUMN (or "Set Column's Role" in VS Code).` : '';
    throw new LogInvestigatorError('MISSING_ROLE', `${a.id} cannot run on ${table.table}: ${describeMissing(missing)}.${hint}`);
  }
  for (const k of Object.keys(params)) {
    if (!a.params.some((p) => p.name === k)) throw new LogInvestigatorError('BAD_OPTION', `${a.id} has no parameter ${k}; it takes ${a.params.map((p) => p.name).join(', ') || 'none'}.`);
  }
  const t = quoteIdent(table.table);
  const hasLines = table.columns.some((c) => c.name === '_line');
  const queries: { sql: string; params: SqlValue[] }[] = [];
  const recorded: Querier = (sql, p) => {
    if (queries.length < 20 && !queries.some((q) => q.sql === sql)) queries.push({ sql, params: [...(p ?? [])] });
    return query(sql, p);
  };
  const cx: AnalysisContext = {
    table,
    t,
    column: (role) => (role === 'time' && table.columns.some((c) => c.name === '_time') ? '_time' : table.columns.find((c) => c.role === role)?.name),
    col(role) {
      const c = this.column(role);
      if (!c) throw new LogInvestigatorError('MISSING_ROLE', `${a.id} needs a column with the role ${role} in ${table.table}.`);
      return quoteIdent(c);
    },
    param(name) {
      const spec = a.params.find((p) => p.name === name);
      if (!spec) throw new Error(`${a.id} reads an undeclared parameter ${name}`);
      return params[name] ?? spec.default;
    },
    num(name) {
      const v = Number(this.param(name));
      if (!Number.isFinite(v)) throw new LogInvestigatorError('BAD_OPTION', `${a.id}: parameter ${name} must be a number, not ${this.param(name)}`);
      return v;
    },
    query: recorded,
    ...(query.windows === false ? { windows: false as const } : {}),
    evidence(where, params, limit = 50) {
      const order = hasLines ? '_line' : 'rowid';
      // two queries: the LIMIT stops early, and the count can use a covering index
      const sql = `SELECT ${order} FROM ${t} WHERE ${where} ORDER BY ${order}`;
      const lines = query(`${sql} LIMIT ${Math.max(1, Math.floor(limit))}`, params).rows.map((r) => Number(r[0]));
      const total = Number(query(`SELECT count(*) FROM ${t} WHERE ${where}`, params).rows[0][0]);
      return { table: table.table, file: table.file, lines: hasLines ? lines : [], total, sql: `SELECT * FROM ${t} WHERE ${where} ORDER BY ${order}`, params };
    },
    groups: () => findGroupTable(table, others),
    tables: () => (others.length ? others : catalogTables(query)),
  };
  const t0 = performance.now();
  const out = a.run(cx);
  for (const f of out.findings) {
    // one scale: the severity always follows the risk (an analysis that has not set a risk yet keeps its old score-based one)
    f.risk ??= legacyRisk(f.score);
    f.severity = severityOfRisk(f.risk);
    // the rows that make the finding: its representative rows (findings/triage/evidence.ts); total and sql keep all
    f.evidence = representative(f.evidence, f.severity);
  }
  out.findings.sort((x, y) => (y.risk ?? 0) - (x.risk ?? 0) || y.score - x.score);
  return { analysis: a.id, title: a.title, table: table.table, ...out, ms: Math.round(performance.now() - t0), queries };
}

/**
 * Robust centre and spread: the median, the MAD (scaled to a standard
 * deviation for normal data), and the scale a robust z-score divides by.
 * When most values are equal the MAD is 0; the scale then falls back to the
 * mean absolute deviation (× 1.2533, the usual modified-z fallback) instead of
 * making every value above the median infinitely unusual. A scale of 0 means
 * all values are equal: nothing stands out.
 */
export function robustStats(values: number[]): { median: number; mad: number; scale: number } {
  if (values.length === 0) return { median: 0, mad: 0, scale: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const med = (xs: number[]) => {
    const m = xs.length >> 1;
    return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
  };
  const median = med(sorted);
  const mad = 1.4826 * med(sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b));
  const meanAbs = sorted.reduce((s, v) => s + Math.abs(v - median), 0) / sorted.length;
  return { median, mad, scale: mad > 0 ? mad : 1.2533 * meanAbs };
}

/** How many robust standard deviations a value lies above the median (0 when nothing varies). */
export function robustZ(value: number, stats: { median: number; scale: number }): number {
  return stats.scale > 0 ? (value - stats.median) / stats.scale : 0;
}

/**
 * An SQL condition that is true for failed events, from the outcome column's
 * type and values: booleans (0 = failure), HTTP-like status codes (≥ 400), or
 * words such as failure / failed / denied / error.
 */
export function failureCondition(table: TableInfo, column: string): string {
  const c = table.columns.find((x) => x.name === column);
  const q = quoteIdent(column);
  if (isEventIdColumn(column)) return windowsLogonFailure(table, q);
  if (c?.type === 'boolean') return `${q} = 0`;
  if (c?.type === 'integer') return `${q} >= 400`;
  return `lower(${q}) IN ('failure', 'failed', 'fail', 'denied', 'error', 'invalid', 'rejected', 'false')`;
}

/** The Status column of a Windows event export (Status, Event.EventData.Status; not SubStatus), as lower-case SQL text. */
function windowsStatus(table: TableInfo): string {
  const st = table.columns.find((x) => /(^|\.)status$/i.test(x.name));
  return st ? `lower(coalesce(CAST(${quoteIdent(st.name)} AS TEXT), ''))` : "''";
}

/**
 * Failed logons among Windows security events: 4625 (logon failed), 4771 (Kerberos pre-authentication
 * failed) unless its status is 0x19 (pre-authentication required, a routine step), and 4768 / 4776
 * (Kerberos TGT, NTLM validation) with a non-zero status.
 */
export function windowsLogonFailure(table: TableInfo, q: string): string {
  const s = windowsStatus(table);
  const id = `CAST(${q} AS INTEGER)`;
  return `(${id} = 4625 OR (${id} = 4771 AND ${s} <> '0x19') OR (${id} IN (4768, 4776) AND ${s} NOT IN ('', '0x0', '0')))`;
}

/** Windows events that are logon attempts (4624, 4625, 4768, 4771, 4776), without 4771's routine pre-authentication-required. */
export function windowsLogonAttempt(table: TableInfo, q: string): string {
  const id = `CAST(${q} AS INTEGER)`;
  return `(${id} IN (4624, 4625, 4768, 4776) OR (${id} = 4771 AND ${windowsStatus(table)} <> '0x19'))`;
}
