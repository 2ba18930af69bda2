/**
 * Investigation notebooks: a native VS Code notebook (`*.loginv`, readable JSON) with Markdown,
 * SQL and chart cells. SQL cells run over the indexed logs and show the results grid; chart cells
 * are Vega-Lite specs (their `data` may be `{ "sql": "…" }`), drawn by our own renderer with the
 * same rules as the chart views (vega-embed with the expression interpreter, no eval). Outputs are
 * saved. "Open Analysis as Notebook" writes an analysis's SQL and charts as cells.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../engine/errors';
import type { AnalysisOutput } from '../engine/findings/model';
import { formatTable } from '../engine/output';
import {
  CHART_MIME, NOTEBOOK_TYPE, SAVED_ROWS, TABLE_MIME, inlineParams, parseNotebook, serializeNotebook,
  type CellKind, type ChartOutput, type NotebookCellData, type TableOutput,
} from '../shared/notebookFormat';
import { GridRows, typedColumns } from '../shared/gridRows';
import { isRendererMessage, type Cell } from '../shared/protocol';
import { sourceTableOf } from '../shared/views';
import { resultLineSources } from '../shared/lineSources';
import { safeText } from '../shared/safeText';
import type { EngineService } from './engineService';
import { exportGridCsv, proposedUri, shownFile } from './gridHost';
import { openSourceLine } from './sourceLinks';

const KIND_KEY = 'logInvestigatorKind';

function toVsCell(c: NotebookCellData): vscode.NotebookCellData {
  const cell = c.kind === 'markdown'
    ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, c.source, 'markdown')
    : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, c.source, c.kind === 'sql' ? 'sql' : 'json');
  cell.metadata = { [KIND_KEY]: c.kind };
  if (c.output) cell.outputs = [outputOf(c.output)];
  return cell;
}

function kindOf(cell: vscode.NotebookCellData): CellKind {
  const stated = cell.metadata?.[KIND_KEY] as CellKind | undefined;
  if (cell.kind === vscode.NotebookCellKind.Markup) return 'markdown';
  return stated === 'chart' || stated === 'sql' ? stated : cell.languageId === 'json' ? 'chart' : 'sql';
}

function outputOf(o: NonNullable<NotebookCellData['output']>): vscode.NotebookCellOutput {
  if ('error' in o) return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(new Error(o.error))]);
  if ('rows' in o) {
    return new vscode.NotebookCellOutput([
      vscode.NotebookCellOutputItem.json(o, TABLE_MIME),
      vscode.NotebookCellOutputItem.text(formatTable(o.columns, o.rows.slice(0, 50))),
    ]);
  }
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(o, CHART_MIME)]);
}

function storedOutput(cell: vscode.NotebookCellData): NotebookCellData['output'] {
  for (const out of cell.outputs ?? []) {
    for (const item of out.items) {
      if (item.mime === TABLE_MIME || item.mime === CHART_MIME) return JSON.parse(new TextDecoder().decode(item.data)) as TableOutput | ChartOutput;
      if (item.mime === 'application/vnd.code.notebook.error') return { error: (JSON.parse(new TextDecoder().decode(item.data)) as { message: string }).message };
    }
  }
  return undefined;
}

class Serializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    return new vscode.NotebookData(parseNotebook(new TextDecoder().decode(content)).map(toVsCell));
  }
  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const cells = data.cells.map((c) => ({ kind: kindOf(c), source: c.value, output: storedOutput(c) }));
    return new TextEncoder().encode(serializeNotebook(cells.map((c) => (c.output ? c : { kind: c.kind, source: c.source }))));
  }
}

/** Runs SQL and chart cells over the indexed logs, one after another. */
class Controller implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private order = 0;
  constructor(private readonly service: EngineService) {
    this.controller = vscode.notebooks.createNotebookController('log-investigator-sql', NOTEBOOK_TYPE, 'Log Investigator (SQL over the indexed logs)');
    this.controller.supportedLanguages = ['sql', 'json'];
    this.controller.supportsExecutionOrder = true;
    this.controller.executeHandler = async (cells) => {
      for (const cell of cells) await this.run(cell);
    };
  }

  private async run(cell: vscode.NotebookCell): Promise<void> {
    const exec = this.controller.createNotebookCellExecution(cell);
    exec.executionOrder = ++this.order;
    exec.start(Date.now());
    try {
      const kind = (cell.metadata?.[KIND_KEY] as CellKind | undefined) ?? (cell.document.languageId === 'json' ? 'chart' : 'sql');
      const output = kind === 'chart' ? await this.chart(cell.document.getText()) : await this.sql(cell.document.getText());
      await exec.replaceOutput([outputOf(output)]);
      exec.end(true, Date.now());
    } catch (e) {
      await exec.replaceOutput([outputOf({ error: errorMessage(e) })]);
      exec.end(false, Date.now());
    }
  }

  private async sql(text: string): Promise<TableOutput> {
    if (!text.trim()) throw new Error('This SQL cell is empty.');
    const started = Date.now();
    const r = await this.service.query(text, [], 100000);
    const rows = r.rows.map((row) => row.map((v): Cell => (v instanceof Uint8Array ? `<${v.length} bytes>` : (v as Cell))));
    const tables = this.service.tables;
    const sources = resultLineSources(text, r.columns, tables).map((x) => ({ ...x, file: shownFile(tables.find((t) => t.table === x.table)!.file) }));
    // the types of the results view: the catalog's for a column of a table the query names
    const named = tables.filter((t) => sources.some((x) => x.table === t.table) || sourceTableOf(text, ['_line'], [t]));
    const types = typedColumns(r.columns, rows, named).map((c) => c.type);
    return { columns: r.columns, types, rows: rows.slice(0, SAVED_ROWS), total: rows.length, ms: Date.now() - started, ...(sources.length ? { sources } : {}) };
  }

  private async chart(text: string): Promise<ChartOutput> {
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`A chart cell holds a Vega-Lite spec as JSON: ${errorMessage(e)}`);
    }
    const data = spec.data as { sql?: unknown } | undefined;
    if (data && typeof data.sql === 'string') {
      const r = await this.service.query(data.sql, [], 100000);
      const values = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] instanceof Uint8Array ? null : row[i]])));
      spec = { ...spec, data: { values } };
    }
    return { spec };
  }

  dispose(): void {
    this.controller.dispose();
  }
}

/** The cells of a notebook re-running an analysis: what it is, its SQL (values inlined), its charts. */
export function analysisCells(out: AnalysisOutput, file: string): NotebookCellData[] {
  const cells: NotebookCellData[] = [
    { kind: 'markdown', source: `# ${out.title}\n\nAnalysis \`${out.analysis}\` on table \`${out.table}\` (${file.split(/[\\/]/).pop()}): ${out.findings.length} finding${out.findings.length === 1 ? '' : 's'}. Each SQL cell below is a query the analysis ran; edit and run them again.` },
  ];
  for (const q of out.queries ?? []) cells.push({ kind: 'sql', source: inlineParams(q.sql, q.params) });
  for (const c of out.charts) {
    cells.push({ kind: 'markdown', source: `## ${c.title || 'Chart'}` });
    cells.push({ kind: 'chart', source: JSON.stringify(c.spec, null, 2) });
  }
  return cells;
}

/**
 * What the renderer's grids ask of the host: a "line N" link (the table is looked up in the
 * catalog: a shared notebook names tables, not paths of another machine), a copy for the
 * clipboard, the rows in view saved as CSV.
 */
function rendererRequests(context: vscode.ExtensionContext, service: EngineService): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging('log-investigator.renderer');
  return messaging.onDidReceiveMessage(async ({ message }) => {
    if (!isRendererMessage(message)) return;
    if (message.type === 'clipboard') return vscode.env.clipboard.writeText(message.text);
    if (message.type === 'exportCsv') {
      const rows = new GridRows(message.columns.map((name) => ({ name, type: 'text' })), message.rows);
      return exportGridCsv(rows, proposedUri(message.name, 'csv', 'query-results'));
    }
    const t = service.tables.find((x) => x.table === message.table);
    if (!t) {
      void vscode.window.showWarningMessage(safeText(`The table ${message.table} is not indexed here: index its file, then follow the link again.`));
      return;
    }
    await openSourceLine(context, t.file, message.line);
  });
}

export function registerNotebooks(context: vscode.ExtensionContext, service: EngineService, analyses: () => AnalysisOutput[]): vscode.Disposable[] {
  const controller = new Controller(service);
  const open = async (cells: NotebookCellData[]) => {
    const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, new vscode.NotebookData(cells.map(toVsCell)));
    return vscode.window.showNotebookDocument(doc);
  };
  return [
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new Serializer(), { transientOutputs: false }),
    controller,
    rendererRequests(context, service),
    vscode.commands.registerCommand('logInvestigator.newNotebook', () => {
      const first = service.tables[0]?.table ?? 'my_table';
      return open([
        { kind: 'markdown', source: '# Investigation\n\nNotes, SQL over the indexed logs, and charts. Save it as a `.loginv` file to share it.' },
        { kind: 'sql', source: `SELECT * FROM ${first} LIMIT 100` },
      ]);
    }),
    vscode.commands.registerCommand('logInvestigator.openAnalysisAsNotebook', async (keyArg?: unknown) => {
      const outputs = analyses();
      const out = typeof keyArg === 'string'
        ? outputs.find((o) => `${o.analysis}|${o.table}` === keyArg)
        : (await vscode.window.showQuickPick(outputs.map((o) => ({ label: o.title, description: o.table, o })), { title: 'Open which analysis as a notebook?', matchOnDescription: true }))?.o;
      if (!out) return undefined;
      const file = service.tables.find((t) => t.table === out.table)?.file ?? out.table;
      return open(analysisCells(out, file));
    }),
  ];
}
