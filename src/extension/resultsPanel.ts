import * as vscode from 'vscode';
import type { TableInfo } from '../engine/ingest/build';
import type { SqlValue } from '../engine/store/database';
import { errorMessage } from '../engine/errors';
import { rowsBehind, type RowsBehind } from '../shared/rowsBehind';
import { sqlErrorPosition } from '../shared/sqlError';
import { GridRows, typedColumns } from '../shared/gridRows';
import { PAGE_ROWS, type Cell, type ResultSource, type WebviewToHost } from '../shared/protocol';
import { resultLineSources } from '../shared/lineSources';
import { sourceTableOf } from '../shared/views';
import type { EngineService } from './engineService';
import { recordQuery } from './queryHistory';
import { openSourceLine } from './sourceLinks';
import { ProtocolPanel } from './webviewPanel';
import { safeLabel } from '../shared/safeText';
import { answerGrid, exportGridCsv, proposedUri, shownFile } from './gridHost';

const toCell = (v: SqlValue): Cell => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v); // a bigint keeps its digits as text

/**
 * Shows query results in a webview: sortable, scrolled by pages the webview
 * asks for (a 100,000-row result never crosses in one message), column types,
 * copy and CSV export, and a link from every row to its source line.
 */
export class ResultsPanel extends ProtocolPanel {
  private static current: ResultsPanel | undefined;
  /** Every row of the result, in the grid's sort order and filter. */
  private grid = new GridRows([], []);
  private behind: RowsBehind | undefined;
  private sources: ResultSource[] = [];
  private title = '';

  static async show(context: vscode.ExtensionContext, service: EngineService, title: string, sql: string, params: SqlValue[] = []): Promise<ResultsPanel> {
    if (!ResultsPanel.current?.visible) ResultsPanel.current = new ResultsPanel(context, service);
    const panel = ResultsPanel.current;
    panel.reveal();
    await panel.run(title, sql, params);
    return panel;
  }

  static get active(): ResultsPanel | undefined {
    return ResultsPanel.current?.visible ? ResultsPanel.current : undefined;
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly service: EngineService,
  ) {
    super(context, 'logInvestigator.results', 'Query Results', 'results.js', 'table');
  }

  /** Runs a query and shows its rows. */
  async run(title: string, sql: string, params: SqlValue[] = []): Promise<void> {
    const max = vscode.workspace.getConfiguration('logInvestigator').get<number>('maxResultRows', 100000);
    const started = Date.now();
    this.panel.title = safeLabel(title, 120);
    this.title = title;
    try {
      const r = await this.service.query(sql, params, max);
      const tables = this.service.tables;
      const rows = r.rows.map((row) => row.map(toCell));
      this.sources = resultSources(sql, r.columns, tables);
      this.behind = this.sources.length ? undefined : rowsBehind(sql, r.columns);
      // a column's type from the catalog when one table of the query has a column of that name
      const named = tables.filter((t) => this.sources.some((x) => x.table === t.table) || sourceTableOf(sql, ['_line'], [t]));
      const columns = typedColumns(r.columns, rows, named);
      this.grid = new GridRows(columns, rows);
      await this.post({
        type: 'result',
        title,
        sql,
        columns,
        total: this.grid.total,
        truncated: r.truncated,
        offset: 0,
        rows: this.grid.page(0, PAGE_ROWS),
        // the files as the workspace names them, not the machine's absolute paths
        sources: this.sources.map((x) => ({ ...x, file: shownFile(x.file) })),
        behind: this.behind !== undefined,
        elapsedMs: Date.now() - started,
      });
      void recordQuery(sql, { rows: rows.length });
      this.service.log.info(`query (${Date.now() - started} ms, ${rows.length} rows): ${sql.replace(/\s+/g, ' ').slice(0, 200)}`);
    } catch (e) {
      this.grid = new GridRows([], []);
      const message = errorMessage(e);
      void recordQuery(sql, { error: message });
      await this.post({ type: 'error', message, sql, position: sqlErrorPosition(sql, message) });
      this.service.log.error(`query failed: ${errorMessage(e)}`);
    }
  }

  /** The CSV file proposed for an export: named after the one table the rows come from, else the panel's title, in the workspace folder. */
  private proposedCsv(): vscode.Uri | undefined {
    return proposedUri(this.sources.length === 1 ? this.sources[0].table : (this.behind?.table ?? this.title), 'csv', 'query-results');
  }

  /** The rows an aggregated row (its index in view) summarises, in a new results view. */
  private async showRowsBehind(index: number): Promise<void> {
    const row = this.grid.row(index);
    if (!this.behind || !row) return;
    const values = this.behind.columns.map((i) => row[i]);
    const label = this.behind.columns.map((i, k) => `${this.grid.columns[i].name} = ${values[k] === null ? 'null' : String(values[k])}`).join(', ');
    // ordered by source line when the table keeps them (the query names one table)
    const hasLines = this.service.tables.some((t) => t.table === this.behind?.table && t.columns.some((c) => c.name === '_line'));
    const sql = `${this.behind.sql} ORDER BY ${hasLines ? '_line' : 'rowid'}`;
    await ResultsPanel.show(this.context, this.service, `Rows behind ${label}`.slice(0, 120), sql, values);
  }

  protected async onMessage(m: WebviewToHost): Promise<void> {
    if (await answerGrid(this.grid, m, (x) => this.post(x))) return;
    switch (m.type) {
      case 'rowsBehind':
        await this.showRowsBehind(m.row);
        return;
      case 'openSource':
        if (this.sources[m.source]) await openSourceLine(this.context, this.sources[m.source].file, m.line);
        return;
      case 'exportCsv':
        await exportGridCsv(this.grid, this.proposedCsv());
        return;
      case 'error':
        this.service.log.error(`results view: ${m.message}`);
        return;
      default:
        return;
    }
  }
}

/** The tables each row links to, with their files. */
function resultSources(sql: string, columns: string[], tables: TableInfo[]): ResultSource[] {
  return resultLineSources(sql, columns, tables).map((x) => ({ ...x, file: tables.find((t) => t.table === x.table)!.file }));
}
