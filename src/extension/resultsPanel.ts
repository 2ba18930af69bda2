import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TableInfo } from '../engine/build';
import type { SqlValue } from '../engine/database';
import { errorMessage } from '../engine/errors';
import { formatCsv } from '../engine/output';
import { filterRows, formatCopy } from '../shared/copyFormat';
import { rowsBehind, type RowsBehind } from '../shared/rowsBehind';
import { sqlErrorPosition } from '../shared/sqlError';
import { PAGE_ROWS, type Cell, type ResultColumn, type ResultSource, type WebviewToHost } from '../shared/protocol';
import { resultLineSources } from '../shared/lineSources';
import { compareCells, sourceTableOf } from '../shared/views';
import type { EngineService } from './engineService';
import { recordQuery } from './queryHistory';
import { openSourceLine } from './sourceLinks';
import { ProtocolPanel } from './webviewPanel';
import { safeLabel, safeText } from '../shared/safeText';
import { proposedFileName } from '../shared/fileNames';

const toCell = (v: SqlValue): Cell => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v); // a bigint keeps its digits as text

/**
 * Shows query results in a webview: sortable, scrolled by pages the webview
 * asks for (a 100,000-row result never crosses in one message), column types,
 * copy and CSV export, and a link from every row to its source line.
 */
export class ResultsPanel extends ProtocolPanel {
  private static current: ResultsPanel | undefined;
  /** Every row of the result, in the current sort order. */
  private all: Cell[][] = [];
  /** The rows in view: `all`, filtered. */
  private rows: Cell[][] = [];
  private filter: { text: string; column: number | null } = { text: '', column: null };
  private behind: RowsBehind | undefined;
  private columns: ResultColumn[] = [];
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
      this.all = r.rows.map((row) => row.map(toCell));
      this.rows = this.all;
      this.filter = { text: '', column: null };
      this.sources = resultSources(sql, r.columns, tables);
      this.behind = this.sources.length ? undefined : rowsBehind(sql, r.columns);
      // a column's type from the catalog when one table of the query has a column of that name
      const named = tables.filter((t) => this.sources.some((x) => x.table === t.table) || sourceTableOf(sql, ['_line'], [t]));
      this.columns = r.columns.map((name, i) => ({ name, type: named.find((t) => t.columns.some((c) => c.name === name))?.columns.find((c) => c.name === name)?.type ?? guessType(this.rows, i) }));
      await this.post({
        type: 'result',
        title,
        sql,
        columns: this.columns,
        total: this.rows.length,
        truncated: r.truncated,
        offset: 0,
        rows: this.rows.slice(0, PAGE_ROWS),
        sources: this.sources.map((x) => ({ ...x, file: shownFile(x.file) })),
        behind: this.behind !== undefined,
        elapsedMs: Date.now() - started,
      });
      void recordQuery(sql, { rows: this.all.length });
      this.service.log.info(`query (${Date.now() - started} ms, ${this.rows.length} rows): ${sql.replace(/\s+/g, ' ').slice(0, 200)}`);
    } catch (e) {
      this.all = this.rows = [];
      const message = errorMessage(e);
      void recordQuery(sql, { error: message });
      await this.post({ type: 'error', message, sql, position: sqlErrorPosition(sql, message) });
      this.service.log.error(`query failed: ${errorMessage(e)}`);
    }
  }

  private applyFilter(): void {
    this.rows = this.filter.text ? filterRows(this.all, this.filter.text, this.filter.column).map((i) => this.all[i]) : this.all;
  }

  /** The CSV file proposed for an export: named after the one table the rows come from, else the panel's title, in the workspace folder. */
  private proposedCsv(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) return undefined;
    const name = this.sources.length === 1 ? this.sources[0].table : (this.behind?.table ?? this.title);
    return vscode.Uri.joinPath(folder, proposedFileName(name, 'csv', 'query-results'));
  }

  private copyText(m: Extract<WebviewToHost, { type: 'copy' }>): string {
    return copyOf(this.rows, this.columns, m);
  }

  protected async onMessage(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return;
      case 'requestRows':
        await this.post({ type: 'rows', offset: m.offset, rows: this.rows.slice(m.offset, m.offset + Math.min(m.count, 2000)), total: this.rows.length });
        return;
      case 'sort': {
        const i = m.column;
        const dir = m.descending ? -1 : 1;
        this.all.sort((a, b) => compareCells(a[i], b[i]) * dir);
        this.applyFilter();
        await this.post({ type: 'rows', offset: 0, rows: this.rows.slice(0, PAGE_ROWS), total: this.rows.length });
        return;
      }
      case 'filter':
        this.filter = { text: m.text, column: m.column !== null && m.column >= 0 && m.column < this.columns.length ? m.column : null };
        this.applyFilter();
        await this.post({ type: 'rows', offset: 0, rows: this.rows.slice(0, PAGE_ROWS), total: this.rows.length });
        return;
      case 'rowsBehind': {
        const row = this.rows[m.row];
        if (!this.behind || !row) return;
        const values = this.behind.columns.map((i) => row[i]);
        const label = this.behind.columns.map((i, k) => `${this.columns[i].name} = ${values[k] === null ? 'null' : String(values[k])}`).join(', ');
        // ordered by source line when the table keeps them (the query names one table)
        const hasLines = this.service.tables.some((t) => t.table === this.behind?.table && t.columns.some((c) => c.name === '_line'));
        const sql = `${this.behind.sql} ORDER BY ${hasLines ? '_line' : 'rowid'}`;
        await ResultsPanel.show(this.context, this.service, `Rows behind ${label}`.slice(0, 120), sql, values);
        return;
      }
      case 'openSource':
        if (this.sources[m.source]) await openSourceLine(this.context, this.sources[m.source].file, m.line);
        return;
      case 'exportCsv': {
        const uri = await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: 'Export CSV', defaultUri: this.proposedCsv() });
        if (!uri) return;
        fs.writeFileSync(uri.fsPath, formatCsv(this.columns.map((c) => c.name), this.rows));
        void vscode.window.showInformationMessage(safeText(`Exported ${this.rows.length.toLocaleString()} rows to ${uri.fsPath}`));
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(this.copyText(m));
        return;
      case 'brush':
        return;
      case 'error':
        this.service.log.error(`results view: ${m.message}`);
        return;
    }
  }

}

/** A file as the view shows it: relative to the workspace folder, or its name alone when outside it (never the machine's absolute path). */
function shownFile(file: string): string {
  const rel = vscode.workspace.asRelativePath(file, false);
  return path.isAbsolute(rel) ? path.basename(rel) : rel;
}

/** The tables each row links to, with their files. */
function resultSources(sql: string, columns: string[], tables: TableInfo[]): ResultSource[] {
  return resultLineSources(sql, columns, tables).map((x) => ({ ...x, file: tables.find((t) => t.table === x.table)!.file }));
}

/** The rows and columns a copy request names, formatted (rows beyond the result are ignored). */
function copyOf(rows: Cell[][], columns: ResultColumn[], m: Extract<WebviewToHost, { type: 'copy' }>): string {
  const picked = Array.isArray(m.rows) ? m.rows.filter((i) => i >= 0 && i < rows.length).sort((a, b) => a - b) : range(Math.max(0, m.rows.from), Math.min(rows.length, m.rows.to));
  const cols = (m.columns ?? columns.map((_, i) => i)).filter((i) => i >= 0 && i < columns.length);
  const out = picked.map((r) => cols.map((c) => rows[r][c]));
  const numeric = cols.map((c) => /^(integer|real|number|int|float)/i.test(columns[c].type));
  return formatCopy(m.format, m.header ? cols.map((c) => columns[c].name) : null, out, numeric);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

function guessType(rows: Cell[][], i: number): string {
  let numbers = 0;
  let other = 0;
  for (let k = 0; k < Math.min(rows.length, 500); k++) {
    const v = rows[k][i];
    if (typeof v === 'number') numbers++;
    else if (v !== null) other++;
  }
  return numbers > 0 && other === 0 ? (rows.slice(0, 500).every((r) => r[i] === null || Number.isInteger(r[i])) ? 'integer' : 'real') : 'text';
}
