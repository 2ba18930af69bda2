/**
 * The entity and measure columns of the baseline analyses: the user column
 * unless a parameter names another, and a count of events unless a numeric
 * column is named to be summed. A name that is not a column is a clear error.
 */
import type { AnalysisContext, EntityKind } from '../../findings/model';
import { LogInvestigatorError } from '../../errors';
import { quoteIdent } from '../../store/names';

const KIND_OF_ROLE: Record<string, EntityKind> = { ip: 'ip', user: 'user', group: 'group', resource: 'resource', session: 'session' };

function findColumn(cx: AnalysisContext, name: string, analysis: string, param: string) {
  const c = cx.table.columns.find((x) => x.name === name) ?? cx.table.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) throw new LogInvestigatorError('BAD_OPTION', `${analysis}: ${cx.table.table} has no column ${name} (--param ${param}=…); its columns are ${cx.table.columns.map((x) => x.name).join(', ')}`);
  return c;
}

/** The entity column (quoted), its name and the kind of its findings. */
export function entityOf(cx: AnalysisContext, analysis: string): { sql: string; name: string; kind: EntityKind } {
  const given = String(cx.param('entity')).trim();
  if (!given) return { sql: cx.col('user'), name: cx.column('user')!, kind: 'user' };
  const c = findColumn(cx, given, analysis, 'entity');
  return { sql: quoteIdent(c.name), name: c.name, kind: KIND_OF_ROLE[c.role ?? ''] ?? 'row' };
}

/** The SQL aggregate of one entity's events (count, or the sum of a numeric column) and its name in words. */
export function measureOf(cx: AnalysisContext, analysis: string): { agg: string; label: string } {
  const given = String(cx.param('measure')).trim();
  if (!given || given === 'count') return { agg: 'count(*)', label: 'events' };
  const c = findColumn(cx, given, analysis, 'measure');
  if (c.type !== 'integer' && c.type !== 'real') throw new LogInvestigatorError('BAD_OPTION', `${analysis}: the measure ${c.name} is ${c.type}, not a number`);
  return { agg: `total(${quoteIdent(c.name)})`, label: c.name };
}

/** Numbers for reasons: at most two decimals, thousands separated. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
