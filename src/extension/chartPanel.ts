import * as vscode from 'vscode';
import type { TableInfo } from '../engine/ingest/build';
import { errorMessage } from '../engine/errors';
import { quoteIdent } from '../engine/store/names';
import { GridRows, guessType } from '../shared/gridRows';
import { PAGE_ROWS, type ChartGrid, type ChartSpec, type ChartTable, type WebviewToHost } from '../shared/protocol';
import { chooseBucket, timelineSpec } from '../shared/views';
import type { EngineService } from './engineService';
import { answerGrid, exportGridCsv, proposedUri, shownFile } from './gridHost';
import { ResultsPanel } from './resultsPanel';
import { openSourceLine } from './sourceLinks';
import { ProtocolPanel } from './webviewPanel';
import { safeLabel } from '../shared/safeText';

/**
 * A Vega-Lite chart in a webview: a table's (or one entity's) events over
 * time, where brushing a range lists its rows; or any chart with the tables
 * behind it (evaluations, analysis results). Brushing a time range
 * shows that range's rows in the results table.
 */
export class ChartPanel extends ProtocolPanel {
  private table?: TableInfo;
  private filter?: { column: string; value: string };
  private onTableRow?: (table: number, row: number) => Promise<unknown>;
  private tables: ChartTable[] = [];
  private grids: GridRows[] = [];

  /** A table's timeline, or one entity's (rows where column = value). */
  static async show(context: vscode.ExtensionContext, service: EngineService, table: TableInfo, filter?: { column: string; value: string }): Promise<ChartPanel> {
    const panel = new ChartPanel(context, service);
    panel.filter = filter;
    await panel.load(table);
    return panel;
  }

  /** Charts with the tables behind them (evaluations, analysis views); `onTableRow` opens what a linked table row's "rows…" lists. */
  static async chart(context: vscode.ExtensionContext, service: EngineService, title: string, charts: ChartSpec[], tables: ChartTable[], onTableRow?: (table: number, row: number) => Promise<unknown>): Promise<ChartPanel> {
    const panel = new ChartPanel(context, service);
    panel.onTableRow = onTableRow;
    panel.tables = tables;
    panel.grids = tables.map((t) => new GridRows(t.columns.map((name, i) => ({ name, type: guessType(t.rows, i) })), t.rows));
    panel.panel.title = safeLabel(title, 120);
    await panel.post({ type: 'chart', title, charts, tables: tables.map((t, k) => panel.gridOf(t, panel.grids[k])) });
    return panel;
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly service: EngineService,
  ) {
    super(context, 'logInvestigator.chart', 'Chart', 'chart.js', 'graph');
  }

  private async load(table: TableInfo): Promise<void> {
    this.table = table;
    const f = this.filter;
    this.panel.title = safeLabel(f ? `Timeline: ${f.value}` : `Timeline: ${table.table}`, 120);
    try {
      const t = quoteIdent(table.table);
      const where = f ? ` AND ${quoteIdent(f.column)} = ?` : '';
      const fp = f ? [f.value] : [];
      const span = await this.service.query(`SELECT CAST(strftime('%s', min(_time)) AS INTEGER), CAST(strftime('%s', max(_time)) AS INTEGER), count(*) FROM ${t} WHERE _time IS NOT NULL${where}`, fp);
      const [lo, hi, events] = span.rows[0] as [number | null, number | null, number];
      if (lo === null || hi === null) throw new Error(`${table.table} has no time values to draw.`);
      const [secs, name] = chooseBucket(hi - lo);
      const r = await this.service.query(
        `SELECT (CAST(strftime('%s', _time) AS INTEGER) / ?) * ? AS b, count(*) FROM ${t} WHERE _time IS NOT NULL${where} GROUP BY 1 ORDER BY 1`,
        [secs, secs, ...fp],
      );
      const values = r.rows.map(([b, n]) => ({ t: new Date((b as number) * 1000).toISOString(), n: n as number }));
      const title = f ? `${f.column} = ${f.value} in ${table.table}: ${events.toLocaleString()} events` : `${table.table}: ${table.rows.toLocaleString()} events`;
      await this.post({ type: 'timeline', title, table: table.table, bucket: name, spec: timelineSpec(values, name) });
    } catch (e) {
      await this.post({ type: 'error', message: errorMessage(e) });
    }
  }

  /** A table as its grid first shows it: the first page, a "rows…" link per row when rows lead somewhere. */
  private gridOf(t: ChartTable, rows: GridRows): ChartGrid {
    return {
      title: t.title,
      columns: rows.columns,
      total: rows.total,
      offset: 0,
      rows: rows.page(0, PAGE_ROWS),
      sources: (t.sources ?? []).map((x) => ({ ...x, file: shownFile(x.file) })),
      behind: Boolean(t.linked && this.onTableRow),
      behindTitle: t.linkTitle,
      digits: 4,
    };
  }

  /** A message of the grid of table `k`: paging, sort, filter and copy as the results view's; its rows' links. */
  private async onGridMessage(k: number, m: WebviewToHost): Promise<void> {
    const rows = this.grids[k];
    if (!rows || (await answerGrid(rows, m, (x) => this.post(x)))) return;
    if (m.type === 'rowsBehind') {
      const given = rows.origin(m.row);
      if (given !== undefined) await this.onTableRow?.(k, given);
    } else if (m.type === 'openSource') {
      const source = this.tables[k].sources?.[m.source];
      if (source) await openSourceLine(this.context, source.file, m.line);
    } else if (m.type === 'exportCsv') {
      await exportGridCsv(rows, proposedUri(this.tables[k].title, 'csv', 'table'));
    }
  }

  protected async onMessage(m: WebviewToHost): Promise<void> {
    if (m.type === 'error') this.service.log.error(`chart view: ${m.message}`);
    if ('grid' in m && m.grid !== undefined) {
      await this.onGridMessage(m.grid, m);
      return;
    }
    if (m.type !== 'brush' || !this.table || !m.from || !m.to) return;
    // the brushed range, as the normalized text of _time (UTC)
    const from = m.from.replace('T', ' ').replace(/Z$/, '');
    const to = m.to.replace('T', ' ').replace(/Z$/, '');
    const f = this.filter;
    // rows of the same instant in the order of the file (a cluster's shards return ties in any order)
    const order = this.table.columns.some((c) => c.name === '_line') ? '_time, _line' : '_time';
    await ResultsPanel.show(
      this.context,
      this.service,
      `${f ? f.value : this.table.table} ${from} – ${to}`,
      `SELECT * FROM ${quoteIdent(this.table.table)} WHERE _time >= ? AND _time < ?${f ? ` AND ${quoteIdent(f.column)} = ?` : ''} ORDER BY ${order}`,
      f ? [from, to, f.value] : [from, to],
    );
  }
}
