/**
 * Sigma correlation rules (v2) as SQL over the rows their rules matched:
 * event_count (matches per group within the timespan), value_count
 * (distinct values of a field), temporal (every rule, any order) and
 * temporal_ordered (the rules in the order listed), grouped by the
 * group-by fields. Windows slide: each matched event opens one of
 * `timespan` seconds, and a group is flagged by its best window.
 */
import type { SqlValue } from '../store/database';
import type { AnalysisContext, EntityKind, Finding, Severity } from '../findings/model';
import { findingId } from '../findings/model';
import { riskOfSeverity } from '../findings/triage/risk';
import type { RuleRun } from './run';
import type { SigmaRule } from './rule';
import type { TableSource } from './sources';

const SEVERITY: Record<string, Severity> = { informational: 'info', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const OPS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

interface Plan {
  sql: string;
  params: SqlValue[];
  groupCols: string[];
  evidenceWhere: string;
  evidenceParams: SqlValue[];
}

/** The comparison of a correlation's condition (`gte: 10`) as SQL on `expr`, or an error. */
function threshold(cond: Record<string, unknown> | undefined, expr: string, dflt?: string): string {
  if (!cond) {
    if (dflt) return dflt;
    throw new Error('no condition (e.g. gte: 10)');
  }
  const parts = Object.entries(cond)
    .filter(([k]) => k !== 'field')
    .map(([k, v]) => {
      const op = OPS[k];
      if (!op || typeof v !== 'number') throw new Error(`condition ${k}: ${String(v)} is not a comparison with a number (gt, gte, lt, lte, eq, neq)`);
      return `${expr} ${op} ${v}`;
    });
  if (!parts.length) throw new Error('no comparison in the condition');
  return parts.join(' AND ');
}

/** The SQL of one correlation over the runs of its rules on this table. */
function plan(rule: SigmaRule, base: RuleRun[], cx: AnalysisContext, groupCols: string[], field: string | undefined): Plan {
  const c = rule.correlation!;
  const span = c.timespan;
  // seconds since 1970 (julianday counts days from 4714 BC: smaller numbers keep more precision)
  const ts = '(julianday(_time) - 2440587.5) * 86400.0';
  const g = groupCols.map((col, i) => `${col} AS g${i}`);
  const gNames = groupCols.map((_, i) => `g${i}`);
  const parts = base.map((r, i) => `SELECT rowid AS rid, ${ts} AS ts, _time AS t, ${i} AS r${field ? `, ${field} AS v` : ''}${g.length ? ', ' + g.join(', ') : ''} FROM ${cx.t} WHERE ${r.where}`);
  const params = base.flatMap((r) => r.params ?? []);
  const m = `WITH m AS (${parts.join(' UNION ALL ')})`;
  const same = gNames.map((n) => `b.${n} IS a.${n}`).join(' AND ') || '1';
  const within = span ? `b.ts >= a.ts AND b.ts <= a.ts + ${span}` : '1';
  const sel = gNames.map((n) => `a.${n}`).join(', ');
  const groupBy = gNames.length ? `GROUP BY ${gNames.map((n) => `a.${n}`).join(', ')}` : '';
  const head = `${sel ? sel + ', ' : ''}`;
  let sql: string;
  if (c.type === 'event_count') {
    const n = span ? `count(*) OVER (${gNames.length ? `PARTITION BY ${gNames.join(', ')} ` : ''}ORDER BY ts RANGE BETWEEN CURRENT ROW AND ${span} FOLLOWING)` : `count(*) OVER (${gNames.length ? `PARTITION BY ${gNames.join(', ')}` : ''})`;
    sql = `${m}, w AS (SELECT *, ${n} AS n FROM m) SELECT ${gNames.map((x) => `a.${x}`).join(', ')}${gNames.length ? ', ' : ''}max(a.n) AS best, min(a.t), max(a.t) FROM w a ${groupBy} HAVING ${threshold(c.condition, 'max(a.n)')}`;
  } else if (c.type === 'value_count' || c.type === 'temporal') {
    const what = c.type === 'value_count' ? 'count(DISTINCT b.v)' : 'count(DISTINCT b.r)';
    const cond = c.type === 'value_count' ? threshold(c.condition, 'best') : threshold(c.condition, 'best', `best >= ${base.length}`);
    sql = `${m}, s AS (SELECT ${head}a.rid, (SELECT ${what} FROM m b WHERE ${same} AND ${within}) AS best, a.t FROM m a) SELECT ${gNames.map((x) => `a.${x}`).join(', ')}${gNames.length ? ', ' : ''}max(a.best) AS best, min(a.t), max(a.t) FROM s a ${groupBy} HAVING ${cond.replace(/\bbest\b/g, 'max(a.best)')}`;
  } else if (c.type === 'temporal_ordered') {
    // a chain: rule 0 at a, then rule 1 at or after it, … all within the timespan of a
    const joins = base.slice(1).map((_, k) => {
      const i = k + 1;
      const prev = i === 1 ? 'a' : `b${i - 1}`;
      const sameI = gNames.map((n) => `b${i}.${n} IS a.${n}`).join(' AND ') || '1';
      return `JOIN m b${i} ON b${i}.r = ${i} AND ${sameI} AND b${i}.ts >= ${prev}.ts${span ? ` AND b${i}.ts <= a.ts + ${span}` : ''}`;
    });
    sql = `${m} SELECT ${gNames.map((x) => `a.${x}`).join(', ')}${gNames.length ? ', ' : ''}count(DISTINCT a.rid) AS best, min(a.t), max(${base.length > 1 ? `b${base.length - 1}` : 'a'}.t) FROM m a ${joins.join(' ')} WHERE a.r = 0 ${groupBy}`;
  } else throw new Error(`unknown correlation type ${c.type}`);
  const anyRule = base.map((r) => `(${r.where})`).join(' OR ');
  return { sql, params, groupCols, evidenceWhere: `(${anyRule})`, evidenceParams: params };
}

/** Runs the correlation rules whose rules ran on this table. */
export function runCorrelations(rules: SigmaRule[], runs: RuleRun[], cx: AnalysisContext, src: TableSource): { findings: Finding[]; rows: SqlValue[][] } {
  const findings: Finding[] = [];
  const rows: SqlValue[][] = [];
  const hasTime = cx.table.columns.some((c) => c.name === '_time');
  for (const rule of rules) {
    const c = rule.correlation;
    if (!c) continue;
    const named = (ref: string) => (r: SigmaRule) => r.name === ref || r.id === ref || r.title === ref;
    // a rule it names that the set lacks, or a correlation (chains are not supported): said, never skipped in silence
    const absent = c.rules.filter((ref) => !rules.some((r) => !r.correlation && named(ref)(r)));
    if (absent.length) {
      const chained = absent.filter((ref) => rules.some((r) => r.correlation && named(ref)(r)));
      rows.push([rule.title, c.type, null, chained.length ? `it correlates a correlation rule (${chained.join(', ')}): chains of correlations are not supported` : `it names rules the rule set does not have: ${absent.join(', ')}`]);
      continue;
    }
    const base = c.rules.map((ref) => runs.find((r) => named(ref)(r.rule)));
    // a correlation belongs to the tables its rules ran on
    if (base.some((b) => !b) || base.length === 0) continue;
    const ran = base as RuleRun[];
    if (ran.some((r) => !r.where)) {
      rows.push([rule.title, c.type, null, `a rule it correlates did not run: ${ran.find((r) => !r.where)!.message ?? ''}`]);
      continue;
    }
    try {
      if (c.aliases) throw new Error('aliases (fields named differently per rule) are not supported');
      if (!hasTime && (c.timespan || c.type.startsWith('temporal'))) throw new Error('the table has no time (_time)');
      if (c.timespanText && c.timespan === undefined) throw new Error(`timespan ${c.timespanText} is not a number with s, m, h, d, w, M or y`);
      const resolver = src.resolver(src.entryFor(ran[0].rule.logsource) ?? { product: undefined });
      const groupCols = c.groupBy.map((f) => {
        const col = resolver.field(f);
        if (!col) throw new Error(`the table has no column for the group-by field ${f}`);
        return col;
      });
      const vf = c.type === 'value_count' ? String(c.condition?.field ?? '') : undefined;
      const field = vf === undefined ? undefined : resolver.field(vf);
      if (vf !== undefined && !field) throw new Error(`value_count needs condition.field naming a column (${vf || 'none given'})`);
      const p = plan(rule, ran, cx, groupCols, field);
      const hits = cx.query(p.sql, p.params).rows;
      rows.push([rule.title, c.type, hits.length, hits.length ? 'matched' : 'no group met the condition']);
      for (const h of hits) findings.push(correlationFinding(rule, h, p, cx));
    } catch (e) {
      rows.push([rule.title, c.type, null, (e as Error).message]);
    }
  }
  return { findings, rows };
}

function correlationFinding(rule: SigmaRule, h: SqlValue[], p: Plan, cx: AnalysisContext): Finding {
  const c = rule.correlation!;
  const groups = h.slice(0, p.groupCols.length);
  const [best, first, last] = h.slice(p.groupCols.length) as [number, string | null, string | null];
  const value = groups.map((v) => (v === null ? '(empty)' : String(v))).join(' / ') || rule.title;
  const col = p.groupCols.length === 1 ? cx.table.columns.find((x) => `"${x.name.replace(/"/g, '""')}"` === p.groupCols[0]) : undefined;
  const kind: EntityKind = col?.role === 'ip' ? 'ip' : col?.role === 'user' ? 'user' : 'row';
  const severity = SEVERITY[rule.level] ?? 'medium';
  const where = [p.evidenceWhere, ...p.groupCols.map((gc, i) => (groups[i] === null ? `${gc} IS NULL` : `${gc} = ?`))].join(' AND ');
  const params = [...p.evidenceParams, ...groups.filter((v) => v !== null)];
  const what = c.type === 'event_count' ? `${best} events` : c.type === 'value_count' ? `${best} distinct ${String(c.condition?.field)}` : c.type === 'temporal' ? `${best} of ${c.rules.length} rules` : `${best} ordered sequence${best === 1 ? '' : 's'} of ${c.rules.join(' → ')}`;
  return {
    id: findingId('sigma', cx.table.table, kind, `${rule.id ?? rule.title}:${value}`),
    analysis: 'sigma',
    entity: { kind, value },
    score: Number(best),
    risk: riskOfSeverity(severity),
    severity,
    reason: `Sigma correlation "${rule.title}" (${c.type}, ${rule.level}): ${what}${c.timespanText ? ` within ${c.timespanText}` : ''}${p.groupCols.length ? ` for ${c.groupBy.join(', ')} = ${value}` : ''}${first ? ` between ${first} and ${last}` : ''}${rule.author ? `; rule by ${rule.author}` : ''}`,
    metrics: { rule: rule.title, ruleId: rule.id ?? null, level: rule.level, type: c.type, author: rule.author ?? null, references: rule.references.join(' ') || null, ruleFile: rule.file, ruleLine: rule.line, best: Number(best), first, last, sql: p.sql },
    evidence: cx.evidence(where, params),
    ...(first && last ? { window: { start: first, end: last } } : {}),
  };
}
