import type { TableInfo } from '../engine/ingest/build';
import type { SqlValue } from '../engine/store/database';
import type { AnalysisOutput } from '../engine/findings/model';
import { quoteIdent } from '../engine/store/names';
import type { Cell } from '../shared/protocol';
import type * as vscode from 'vscode';
import type { ChartTable } from '../shared/protocol';
import { ChartPanel } from './chartPanel';
import type { EngineService } from './engineService';
import { ResultsPanel } from './resultsPanel';

/** Names an analysis gives an entity column, and the role that column plays in the log. */
const ROLE_NAMES: Record<string, string> = { ip: 'ip', user: 'user', username: 'user', resource: 'resource', page: 'resource', cohort: 'group', session: 'session' };

/** How a row of a table under an analysis's charts leads to the log's rows: a finding's evidence, or the log's rows with the row's entity values. */
export type RowLink = { kind: 'evidence' } | { kind: 'entity'; columns: { index: number; column: string }[] };

/**
 * The log columns a table's columns name: the same name, or an entity name (ip, user, resource…)
 * for the column playing that role; kept only when the table's values are found in that column,
 * so a link never leads to an empty list (a cohort shown by name where the log has its id).
 */
export async function entityLinks(service: EngineService, log: TableInfo | undefined, columns: string[], rows: Cell[][]): Promise<RowLink | undefined> {
  if (!log || rows.length === 0) return undefined;
  const linked: { index: number; column: string }[] = [];
  for (const [index, name] of columns.entries()) {
    const same = log.columns.find((c) => c.name.toLowerCase() === name.toLowerCase() && !c.name.startsWith('_'));
    const role = ROLE_NAMES[name.toLowerCase()];
    const column = same?.name ?? (role ? log.columns.find((c) => c.role === role)?.name : undefined);
    if (!column || linked.some((l) => l.column === column)) continue;
    const sample = [...new Set(rows.slice(0, 20).map((r) => r[index]).filter((v): v is string | number => v !== null))];
    if (sample.length === 0) continue;
    const found = await service.query(`SELECT count(DISTINCT ${quoteIdent(column)}) FROM ${quoteIdent(log.table)} WHERE ${quoteIdent(column)} IN (${sample.map(() => '?').join(', ')})`, sample);
    // most of the values shown are values of that column
    if (Number(found.rows[0][0]) * 2 > sample.length) linked.push({ index, column });
  }
  return linked.length ? { kind: 'entity', columns: linked } : undefined;
}

/** The query listing a linked row's log rows, ordered by line, with a title saying what it lists. */
export function entityQuery(log: TableInfo, link: Extract<RowLink, { kind: 'entity' }>, row: Cell[]): { title: string; sql: string; params: SqlValue[] } {
  const where = link.columns.map((c) => `${quoteIdent(c.column)} IS ?`).join(' AND ');
  const order = log.columns.some((c) => c.name === '_line') ? '_line' : 'rowid';
  return {
    title: `Rows of ${log.table} where ${link.columns.map((c) => `${c.column} = ${row[c.index] ?? 'null'}`).join(', ')}`,
    sql: `SELECT * FROM ${quoteIdent(log.table)} WHERE ${where} ORDER BY ${order}`,
    params: link.columns.map((c) => row[c.index]),
  };
}

/** The findings of an output as the first table under its charts, each row leading to its evidence. */
export function findingsTable(out: AnalysisOutput): { title: string; columns: string[]; rows: Cell[][] } {
  return {
    title: `${out.findings.length} finding${out.findings.length === 1 ? '' : 's'}`,
    columns: ['severity', 'score', 'entity', 'reason'],
    rows: out.findings.slice(0, 200).map((f) => [f.severity, Number(f.score.toFixed(2)), f.entity.value, f.reason]),
  };
}

/** An analysis's charts with the tables behind them; the findings' rows and entity rows link to the log rows behind them. */
export async function showAnalysisOutput(context: vscode.ExtensionContext, service: EngineService, out: AnalysisOutput): Promise<ChartPanel> {
  const log = service.tables.find((t) => t.table === out.table);
  const tables: ChartTable[] = [
    { ...findingsTable(out), linked: out.findings.length > 0, linkTitle: "the finding's evidence rows" },
    ...out.tables.map((t) => ({ title: t.title, columns: t.columns, rows: t.rows.map((r) => r.map((v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v))) })),
  ];
  // a row of a table that names the log's entities leads to the log rows with those values
  const links = await Promise.all(tables.slice(1).map((t) => entityLinks(service, log, t.columns, t.rows)));
  links.forEach((l, k) => {
    if (l?.kind !== 'entity') return;
    tables[k + 1].linked = true;
    tables[k + 1].linkTitle = `the rows of ${out.table} with this row's ${l.columns.map((c) => tables[k + 1].columns[c.index]).join(' and ')}`;
  });
  return ChartPanel.chart(context, service, `${out.title} — ${out.table}`, out.charts, tables, async (table, row) => {
    if (table === 0) {
      const f = out.findings[row];
      return f && ResultsPanel.show(context, service, `${f.entity.value}: ${f.analysis}`, f.evidence.sql, f.evidence.params);
    }
    const link = links[table - 1];
    const values = tables[table]?.rows[row];
    if (link?.kind !== 'entity' || !values || !log) return undefined;
    const q = entityQuery(log, link, values);
    return ResultsPanel.show(context, service, q.title.slice(0, 120), q.sql, q.params);
  });
}
