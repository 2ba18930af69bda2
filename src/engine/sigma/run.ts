/**
 * Running Sigma rules on one table: the rules whose logsource the table
 * serves, each compiled with the table's field mapping, ANDed with the log
 * source's condition, counted in SQL. A rule that fails (SQL, a regex that
 * throws) becomes a problem naming it; the others still run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { QueryResult, SqlValue } from '../store/database';
import { join, type Frag } from './compile';
import type { SigmaRule } from './rule';
import { loadSigmaRules, problemLine, sigmaFiles, type RuleSet } from './rule';
import { candidatesOf } from './prefilter';
import { tryCompile } from './report';
import { describeTable, loadMappings, type LogsourceEntry, type Mappings, type TableSource } from './sources';
import { quoteIdent } from '../store/names';
import type { TableInfo } from '../ingest/build';

export type Query = (sql: string, params?: SqlValue[]) => QueryResult;

export interface RuleRun {
  rule: SigmaRule;
  status: 'matched' | 'no match' | 'unsupported' | 'failed' | 'no fields';
  where?: string;
  params?: SqlValue[];
  matched: number;
  first?: string | null;
  last?: string | null;
  /** fields of the rule the table has no column for */
  missing: string[];
  message?: string;
  /** The line of the rule file its problem is on (unsupported, missing fields), for diagnostics. */
  line?: number;
  /** The rows the rule ran on when the prefilter picked them (a condition to AND with `where`, for queries over its matches). */
  rows?: Frag;
}

export interface TableRun {
  source?: TableSource;
  runs: RuleRun[];
  /** rules whose logsource this table does not serve */
  notApplicable: number;
}

/** A rule's own WHERE on a table and its log source's condition, or why it has none. */
type Prepared = { ok: true; entry: LogsourceEntry; rule: Frag; source?: Frag; missing: string[]; fields: string[] } | { ok: false; status: RuleRun['status']; message: string; missing: string[]; line: number };

function prepare(rule: SigmaRule, src: TableSource, entry: LogsourceEntry): Prepared {
  const resolver = src.resolver(entry);
  const c = tryCompile(rule, resolver);
  if (!c.ok) return { ok: false, status: 'unsupported', message: `${c.feature}: ${c.reason}`, missing: [], line: problemLine(rule, { feature: c.feature, message: c.reason }) };
  const { missing, fields } = c.compiled;
  if (fields.length > 0 && missing.length === fields.length) {
    return { ok: false, status: 'no fields', message: `the table has none of the rule's fields (${missing.join(', ')})`, missing, line: problemLine(rule, { fields: missing }) };
  }
  return { ok: true, entry, rule: { sql: c.compiled.where, params: c.compiled.params, need: c.compiled.need }, source: src.where(entry, resolver), missing, fields };
}

/** The WHERE a rule gets on a table (its log source's condition first), or why it has none; undefined when the table does not serve its logsource. */
export function ruleWhere(rule: SigmaRule, src: TableSource): { ok: true; where: Frag; missing: string[]; fields: string[] } | { ok: false; status: RuleRun['status']; message: string; missing: string[] } | undefined {
  const entry = src.entryFor(rule.logsource);
  if (!entry) return undefined;
  const p = prepare(rule, src, entry);
  if (!p.ok) return p;
  return { ok: true, where: p.source ? join([p.source, p.rule], 'AND') : p.rule, missing: p.missing, fields: p.fields };
}

/** Rules counted together in one scan, and the most parameters such a query binds. */
const BATCH_RULES = 100;
const BATCH_PARAMS = 20000;

type Ready = { rule: SigmaRule; p: Extract<Prepared, { ok: true }>; run: RuleRun };

/**
 * Runs every applicable rule on a table. A rule whose rows must contain
 * certain literals (need.ts) runs only on the rows that contain them
 * (prefilter.ts: found for all rules in one pass), and not at all when no
 * row does; the others, and those whose literals are too common, are
 * counted together, per log source, a batch per scan
 * (`sum(CASE WHEN rule THEN 1 END)` for each, under the log source's
 * condition). A query that fails runs rule by rule, so the failing rule is
 * named and the others still count.
 */
export function runRulesOnTable(rules: SigmaRule[], table: TableInfo, query: Query, mappings: Mappings): TableRun {
  const src = describeTable(table, mappings);
  const out: TableRun = { source: src, runs: [], notApplicable: 0 };
  if (!src) {
    out.notApplicable = rules.length;
    return out;
  }
  const t = quoteIdent(table.table);
  const hasTime = table.columns.some((c) => c.name === '_time');
  const ready: Ready[] = [];
  for (const rule of rules) {
    if (rule.correlation) continue;
    const entry = src.entryFor(rule.logsource);
    if (!entry) {
      out.notApplicable++;
      continue;
    }
    const p = prepare(rule, src, entry);
    if (!p.ok) {
      out.runs.push({ rule, status: p.status, matched: 0, missing: p.missing, message: p.message, line: p.line });
      continue;
    }
    const where = p.source ? join([p.source, p.rule], 'AND') : p.rule;
    const run: RuleRun = { rule, status: 'no match', where: where.sql, params: where.params, matched: 0, missing: p.missing, line: p.missing.length ? problemLine(rule, { fields: p.missing }) : undefined };
    out.runs.push(run);
    ready.push({ rule, p, run });
  }
  // the row id under a name no column takes (a column may be called rowid)
  const rowid = ['rowid', '_rowid_', 'oid'].find((n) => !table.columns.some((c) => c.name.toLowerCase() === n));
  const timed = hasTime ? 'count(*), min(_time), max(_time)' : 'count(*), NULL, NULL';
  const countOne = (r: RuleRun, rows?: number[]) => {
    try {
      const only: Frag | undefined = rows ? { sql: `${rowid} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(rows)] } : undefined;
      const [n, first, last] = query(`SELECT ${timed} FROM ${t} WHERE ${only ? `${only.sql} AND ` : ''}${r.where}`, only ? [...only.params, ...r.params!] : r.params).rows[0] as [number, string | null, string | null];
      r.matched = Number(n);
      if (r.matched > 0) [r.status, r.first, r.last, r.rows] = ['matched', first, last, only];
    } catch (e) {
      r.status = 'failed';
      r.message = (e as Error).message;
    }
  };
  // rules whose rows must contain literals: the rows that do, found in one pass
  const keyed = ready.filter((x) => x.p.rule.need && x.p.rule.need.length > 0);
  const rowCount = Number(query(`SELECT count(*) FROM ${t}`).rows[0][0]);
  const cands = keyed.length && rowid ? candidatesOf(keyed.map((x) => x.p.rule.need!), t, rowid, query, Math.max(1000, Math.floor(rowCount / 8))) : [];
  const scanned = new Set<Ready>(ready);
  keyed.forEach((x, i) => {
    const c = cands?.[i];
    if (c === undefined || c === 'scan') return;
    scanned.delete(x);
    if (c.length > 0) countOne(x.run, c);
  });
  // the others: counted together per log source
  const groups = new Map<LogsourceEntry, Ready[]>();
  for (const x of scanned) groups.set(x.p.entry, [...(groups.get(x.p.entry) ?? []), x]);
  for (const g of groups.values()) countBatches(g, t, query, countOne);
  for (const r of out.runs) {
    if (r.status !== 'no match' || r.matched === 0) continue;
    r.status = 'matched';
    if (!hasTime || r.first !== undefined) continue;
    try {
      const [first, last] = query(`SELECT min(_time), max(_time) FROM ${t} WHERE ${r.where}`, r.params).rows[0] as [string | null, string | null];
      r.first = first;
      r.last = last;
    } catch (e) {
      r.status = 'failed';
      r.message = (e as Error).message;
    }
  }
  return out;
}

/** The rules of one log source counted a batch per scan; a batch that fails runs rule by rule. */
function countBatches(g: Ready[], t: string, query: Query, countOne: (r: RuleRun) => void): void {
  const source = g[0].p.source;
  for (let i = 0; i < g.length; ) {
    const batch: Ready[] = [];
    let params = source?.params.length ?? 0;
    while (i < g.length && batch.length < BATCH_RULES && (batch.length === 0 || params + g[i].p.rule.params.length <= BATCH_PARAMS)) {
      params += g[i].p.rule.params.length;
      batch.push(g[i++]);
    }
    try {
      const sql = `SELECT ${batch.map((b) => `sum(CASE WHEN ${b.p.rule.sql} THEN 1 ELSE 0 END)`).join(', ')} FROM ${t}${source ? ` WHERE ${source.sql}` : ''}`;
      const row = query(sql, [...batch.flatMap((b) => b.p.rule.params), ...(source?.params ?? [])]).rows[0];
      batch.forEach((b, k) => (b.run.matched = Number(row?.[k] ?? 0)));
    } catch {
      for (const b of batch) countOne(b.run);
    }
  }
}

/** The bundled curated rules (media/sigma-rules), found upward from this module (out/…, dist/). */
export function bundledRulesDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'media', 'sigma-rules');
    if (fs.existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  return undefined;
}

const ruleCache = new Map<string, { stamp: string; set: RuleSet }>();

/** Rules from files and folders (comma-separated; `bundled` or empty: the bundled set), cached until a file changes. */
export function rulesFrom(spec: string): RuleSet {
  const parts = (spec.trim() === '' ? ['bundled'] : spec.split(',').map((s) => s.trim()).filter(Boolean)).map((p) => {
    if (p !== 'bundled') return path.resolve(p);
    const b = bundledRulesDir();
    if (!b) throw new Error('the bundled Sigma rules (media/sigma-rules) are not installed; give rule folders with --param sigma=DIR');
    return b;
  });
  // every file's name and modification time: an edit, a new or a removed file reloads
  const stamp = sigmaFiles(parts).map((f) => `${f}:${fs.statSync(f).mtimeMs}`).join('|');
  const key = parts.join('|');
  const hit = ruleCache.get(key);
  if (hit && hit.stamp === stamp) return hit.set;
  const set = loadSigmaRules(parts);
  ruleCache.set(key, { stamp, set });
  return set;
}

export { loadMappings };
