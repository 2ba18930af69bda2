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
import { describeTable, loadMappings, type Mappings, type TableSource } from './sources';
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

/** The WHERE a rule gets on a table (its log source's condition first), or why it has none. */
export function ruleWhere(rule: SigmaRule, src: TableSource): { ok: true; where: Frag; missing: string[]; fields: string[] } | { ok: false; status: RuleRun['status']; message: string; missing: string[] } | undefined {
  const entry = src.entryFor(rule.logsource);
  if (!entry) return undefined;
  const resolver = src.resolver(entry);
  const c = tryCompile(rule, resolver);
  if (!c.ok) return { ok: false, status: 'unsupported', message: `${c.feature}: ${c.reason}`, missing: [] };
  const { missing, fields } = c.compiled;
  if (fields.length > 0 && missing.length === fields.length) {
    return { ok: false, status: 'no fields', message: `the table has none of the rule's fields (${missing.join(', ')})`, missing };
  }
  const ls = src.where(entry, resolver);
  const rw: Frag = { sql: c.compiled.where, params: c.compiled.params };
  return { ok: true, where: ls ? join([ls, rw], 'AND') : rw, missing, fields };
}

/** Runs every applicable rule on a table. */
export function runRulesOnTable(rules: SigmaRule[], table: TableInfo, query: Query, mappings: Mappings): TableRun {
  const src = describeTable(table, mappings);
  const out: TableRun = { source: src, runs: [], notApplicable: 0 };
  if (!src) {
    out.notApplicable = rules.length;
    return out;
  }
  const t = `"${table.table.replace(/"/g, '""')}"`;
  const hasTime = table.columns.some((c) => c.name === '_time');
  for (const rule of rules) {
    if (rule.correlation) continue;
    const w = ruleWhere(rule, src);
    if (!w) {
      out.notApplicable++;
      continue;
    }
    if (!w.ok) {
      out.runs.push({ rule, status: w.status, matched: 0, missing: w.missing, message: w.message });
      continue;
    }
    try {
      const r = query(`SELECT count(*)${hasTime ? ', min(_time), max(_time)' : ''} FROM ${t} WHERE ${w.where.sql}`, w.where.params).rows[0];
      const matched = Number(r[0]);
      out.runs.push({ rule, status: matched ? 'matched' : 'no match', where: w.where.sql, params: w.where.params, matched, first: hasTime ? (r[1] as string | null) : null, last: hasTime ? (r[2] as string | null) : null, missing: w.missing });
    } catch (e) {
      out.runs.push({ rule, status: 'failed', where: w.where.sql, params: w.where.params, matched: 0, missing: w.missing, message: (e as Error).message });
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
