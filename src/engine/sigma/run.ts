/**
 * Running Sigma rules on one table: the rules whose logsource the table
 * serves, each compiled with the table's field mapping, ANDed with the log
 * source's condition, counted in SQL. A rule that fails (SQL, a regex that
 * throws) becomes a problem naming it; the others still run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { QueryResult, SqlValue } from '../database';
import { join, type Frag } from './compile';
import type { SigmaRule } from './rule';
import { loadSigmaRules, sigmaFiles, type RuleSet } from './rule';
import { tryCompile } from './report';
import { describeTable, loadMappings, type LogsourceEntry, type Mappings, type TableSource } from './sources';
import { quoteIdent } from '../names';
import type { TableInfo } from '../build';

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
}

export interface TableRun {
  source?: TableSource;
  runs: RuleRun[];
  /** rules whose logsource this table does not serve */
  notApplicable: number;
}

/** A rule's own WHERE on a table and its log source's condition, or why it has none. */
type Prepared = { ok: true; rule: Frag; source?: Frag; missing: string[]; fields: string[] } | { ok: false; status: RuleRun['status']; message: string; missing: string[] };

function prepare(rule: SigmaRule, src: TableSource, entry: LogsourceEntry): Prepared {
  const resolver = src.resolver(entry);
  const c = tryCompile(rule, resolver);
  if (!c.ok) return { ok: false, status: 'unsupported', message: `${c.feature}: ${c.reason}`, missing: [] };
  const { missing, fields } = c.compiled;
  if (fields.length > 0 && missing.length === fields.length) {
    return { ok: false, status: 'no fields', message: `the table has none of the rule's fields (${missing.join(', ')})`, missing };
  }
  return { ok: true, rule: { sql: c.compiled.where, params: c.compiled.params }, source: src.where(entry, resolver), missing, fields };
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

/**
 * Runs every applicable rule on a table. Rules of one log source are
 * counted together, a batch per scan (`sum(CASE WHEN rule THEN 1 END)` for
 * each, under the log source's condition); a batch that fails runs rule by
 * rule, so the failing rule is named and the others still count.
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
  const groups = new Map<LogsourceEntry, { rule: SigmaRule; p: Extract<Prepared, { ok: true }>; run: RuleRun }[]>();
  for (const rule of rules) {
    if (rule.correlation) continue;
    const entry = src.entryFor(rule.logsource);
    if (!entry) {
      out.notApplicable++;
      continue;
    }
    const p = prepare(rule, src, entry);
    if (!p.ok) {
      out.runs.push({ rule, status: p.status, matched: 0, missing: p.missing, message: p.message });
      continue;
    }
    const where = p.source ? join([p.source, p.rule], 'AND') : p.rule;
    const run: RuleRun = { rule, status: 'no match', where: where.sql, params: where.params, matched: 0, missing: p.missing };
    out.runs.push(run);
    const g = groups.get(entry) ?? [];
    g.push({ rule, p, run });
    groups.set(entry, g);
  }
  const countOne = (r: RuleRun) => {
    try {
      r.matched = Number(query(`SELECT count(*) FROM ${t} WHERE ${r.where}`, r.params).rows[0][0]);
    } catch (e) {
      r.status = 'failed';
      r.message = (e as Error).message;
    }
  };
  for (const g of groups.values()) {
    const source = g[0].p.source;
    for (let i = 0; i < g.length; ) {
      const batch: typeof g = [];
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
  for (const r of out.runs) {
    if (r.status !== 'no match' || r.matched === 0) continue;
    r.status = 'matched';
    if (!hasTime) continue;
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
