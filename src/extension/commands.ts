import * as vscode from 'vscode';
import { writeFileAtomic } from '../engine/atomicFile';
import type { TableInfo } from '../engine/ingest/build';
import { FORMATS, FORMAT_TITLES, type FormatId } from '../engine/ingest/formats';
import { quoteIdent } from '../engine/store/names';
import { ROLES, type Role } from '../engine/ingest/roles';
import type { EngineService } from './engineService';
import type { FilesNode } from './filesView';
import { ResultsPanel } from './resultsPanel';
import { openSourceLine } from './sourceLinks';
import { ChartPanel } from './chartPanel';
import { FINDINGS_COMMANDS, type FindingsContext } from './findingsCommands';
import { safeLabel, safeText } from '../shared/safeText';
import { proposedFileName } from '../shared/fileNames';
import { SIGMA_COMMANDS } from './sigma';
import { shownFile } from './gridHost';

export interface CommandContext {
  context: vscode.ExtensionContext;
  service: EngineService;
}

type Handler = (cx: CommandContext, ...args: unknown[]) => unknown;

const DEFAULT_GLOB = '**/*.{log,csv,tsv,jsonl,ndjson,txt,gz,db,sqlite,sqlite3}';

/** The file a command is about: an Explorer selection, a tree node, or the active editor. */
function fileArg(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  const node = arg as FilesNode | undefined;
  if (node?.kind === 'file') return node.file;
  if (node?.kind === 'table') return node.table.file;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
}

async function pickTable(cx: CommandContext, arg: unknown, placeHolder: string, filter: (t: TableInfo) => boolean = () => true): Promise<TableInfo | undefined> {
  const node = arg as FilesNode | undefined;
  if (node?.kind === 'table' || node?.kind === 'column') return node.table;
  if (typeof arg === 'string') return cx.service.tables.find((t) => t.table === arg);
  const tables = cx.service.tables.filter(filter);
  if (tables.length === 0) {
    void vscode.window.showInformationMessage('No indexed table fits. Index a log first: Log Investigator: Index File.');
    return undefined;
  }
  if (tables.length === 1) return tables[0];
  const pick = await vscode.window.showQuickPick(
    tables.map((t) => ({ label: safeLabel(t.table), description: `${t.format} · ${t.rows.toLocaleString()} rows`, detail: safeLabel(t.file), t })),
    { placeHolder },
  );
  return pick?.t;
}

/**
 * Resolves what detection could not: a file read as plain lines gets a quick
 * pick of formats, a headerless file its column names. Answers are
 * remembered per file and the file is indexed again with them.
 */
async function resolveAmbiguity(cx: CommandContext, tables: TableInfo[]): Promise<void> {
  for (const t of tables) {
    const choice = cx.service.choiceFor(t.file);
    if (t.format === 'lines' && !choice?.format) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'lines', description: 'keep: one message per line', detail: FORMAT_TITLES.lines },
          ...FORMATS.filter((f) => f !== 'lines' && f !== 'sqlite').map((f) => ({ label: f, description: undefined, detail: FORMAT_TITLES[f] })),
        ],
        { title: safeLabel(`${t.table}: no known log format was recognised. Read it as…`), ignoreFocusOut: true },
      );
      if (!pick) continue;
      await cx.service.rememberChoice(t.file, { ...choice, format: pick.label as FormatId });
      if (pick.label !== 'lines') {
        const again = await cx.service.index([t.file]);
        await resolveAmbiguity(cx, again);
      }
      continue;
    }
    if (t.header !== false || !t.columns.some((c) => /^col\d+$/.test(c.name)) || choice?.columns) continue;
    const n = t.columns.filter((c) => !c.name.startsWith('_')).length;
    const value = await vscode.window.showInputBox({
      title: safeLabel(`${t.table} has no header: name its ${n} columns`),
      prompt: 'Comma-separated, e.g. date,time,page,user_id,cohort_id,ip (Escape keeps col1…colN)',
      value: t.columns.filter((c) => !c.name.startsWith('_')).map((c) => c.name).join(','),
    });
    if (!value) continue;
    await cx.service.rememberChoice(t.file, { ...choice, columns: value.split(',').map((s) => s.trim()) });
    await cx.service.index([t.file]);
  }
}

/** Every command, once: package.json declares the same ids (a test checks both ways). */
export const COMMANDS: Record<string, Handler> = {
  'logInvestigator.indexFile': async (cx, arg, all) => {
    const uris = Array.isArray(all) && all.every((u) => u instanceof vscode.Uri) ? (all as vscode.Uri[]).map((u) => u.fsPath) : [];
    let files = uris.length ? uris : [fileArg(arg)].filter((f): f is string => !!f);
    if (files.length === 0) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Index', title: 'Log files to index' });
      files = picked?.map((u) => u.fsPath) ?? [];
    }
    if (files.length === 0) return [];
    const tables = await cx.service.index(files);
    await resolveAmbiguity(cx, tables);
    if (tables.length) await vscode.commands.executeCommand('logInvestigator.files.focus');
    return tables;
  },

  'logInvestigator.indexWorkspace': async (cx, globArg) => {
    const glob =
      typeof globArg === 'string'
        ? globArg
        : await vscode.window.showInputBox({ title: 'Index workspace logs', prompt: 'Files to index (a glob)', value: vscode.workspace.getConfiguration('logInvestigator').get('workspaceGlob', DEFAULT_GLOB) });
    if (!glob) return [];
    const uris = await vscode.workspace.findFiles(glob, '**/{node_modules,.git}/**', 500);
    if (uris.length === 0) {
      void vscode.window.showInformationMessage(safeText(`No files match ${glob} in this workspace.`));
      return [];
    }
    return cx.service.index(uris.map((u) => u.fsPath).sort());
  },

  'logInvestigator.runQuery': async (cx, sqlArg) => {
    let sql = typeof sqlArg === 'string' ? sqlArg : undefined;
    const editor = vscode.window.activeTextEditor;
    if (!sql && editor?.document.languageId === 'sql') sql = editor.document.getText(editor.selection.isEmpty ? undefined : editor.selection);
    if (!sql) {
      const first = cx.service.tables[0]?.table;
      sql = await vscode.window.showInputBox({ title: 'Run SQL over the indexed logs', prompt: 'One table per indexed file; every table has _line and, with time, _time (UTC)', value: first ? `SELECT * FROM ${first} LIMIT 100` : 'SELECT 1' });
    }
    if (!sql?.trim()) return undefined;
    return ResultsPanel.show(cx.context, cx.service, 'Query Results', sql);
  },

  'logInvestigator.showTimeline': async (cx, arg) => {
    const t = await pickTable(cx, arg, 'Timeline of which table?', (x) => x.columns.some((c) => c.name === '_time'));
    if (!t) return undefined;
    if (!t.columns.some((c) => c.name === '_time')) {
      void vscode.window.showWarningMessage(safeText(`${t.table} has no time column, so it has no timeline. Set a column's role to time and index it again.`));
      return undefined;
    }
    return ChartPanel.show(cx.context, cx.service, t);
  },

  'logInvestigator.showTable': async (cx, arg) => {
    const t = await pickTable(cx, arg, 'Show which table?');
    if (!t) return undefined;
    return ResultsPanel.show(cx.context, cx.service, t.table, `SELECT * FROM ${quoteIdent(t.table)}`);
  },

  'logInvestigator.showRejects': async (cx, arg) => {
    const t = await pickTable(cx, arg, 'Rejected lines of which table?', (x) => x.rejected > 0);
    if (!t) return undefined;
    return ResultsPanel.show(cx.context, cx.service, `${t.table}: rejected lines`, 'SELECT line AS _line, reason, raw FROM rejects WHERE table_name = ? ORDER BY line', [t.table]);
  },

  'logInvestigator.reindex': async (cx, arg) => {
    const t = await pickTable(cx, arg, 'Index which file again?');
    return t ? cx.service.index([t.file]) : undefined;
  },

  'logInvestigator.removeTable': async (cx, arg) => {
    const node = arg as FilesNode | undefined;
    const tables = node?.kind === 'file' ? node.tables : [await pickTable(cx, arg, 'Remove which table?')].filter((t): t is TableInfo => !!t);
    for (const t of tables) await cx.service.remove(t.table);
  },

  'logInvestigator.changeFormat': async (cx, arg) => {
    const t = await pickTable(cx, arg, 'Change the format of which file?');
    if (!t) return undefined;
    const pick = await vscode.window.showQuickPick(
      FORMATS.map((f) => ({ label: f, description: f === t.format ? 'current' : undefined, detail: FORMAT_TITLES[f] })),
      { title: safeLabel(`Read ${t.file} as`) },
    );
    if (!pick) return undefined;
    const format = pick.label as FormatId;
    let columns = cx.service.choiceFor(t.file)?.columns;
    if (format === 'spaces' || format === 'csv' || format === 'tsv') {
      const v = await vscode.window.showInputBox({ title: 'Column names for a file without a header (optional)', prompt: 'Comma-separated; leave empty to use the header or col1…colN', value: columns?.join(',') ?? '' });
      if (v === undefined) return undefined;
      columns = v.trim() ? v.split(',').map((s) => s.trim()) : undefined;
    }
    await cx.service.rememberChoice(t.file, { format, columns });
    return cx.service.index([t.file]);
  },

  'logInvestigator.setRole': async (cx, arg) => {
    const node = arg as FilesNode | undefined;
    let table: TableInfo | undefined;
    let column: string | undefined;
    if (node?.kind === 'column') {
      table = node.table;
      column = node.column.name;
    } else {
      table = await pickTable(cx, arg, 'Set a role in which table?');
      if (!table) return;
      column = (await vscode.window.showQuickPick(table.columns.map((c) => ({ label: safeLabel(c.name), description: `${c.type}${c.role ? ' · ' + c.role : ''}`, name: c.name }))))?.name;
    }
    if (!table || !column) return;
    const role = await vscode.window.showQuickPick([...ROLES.map((r) => ({ label: r })), { label: '(none)' }], { title: safeLabel(`Role of ${table.table}.${column}`) });
    if (!role) return;
    await cx.service.setRole(table.table, column, role.label === '(none)' ? null : (role.label as Role));
  },

  'logInvestigator.openSource': async (cx, file, line) => {
    if (typeof file !== 'string' || typeof line !== 'number') return;
    await openSourceLine(cx.context, file, line);
  },

  'logInvestigator.exportDatabase': async (cx) => {
    // proposed: the workspace folder's name, beside the logs
    const folder = vscode.workspace.workspaceFolders?.[0];
    const defaultUri = folder ? vscode.Uri.joinPath(folder.uri, proposedFileName(`${folder.name}-logs`, 'sqlite', 'logs')) : undefined;
    const uri = await vscode.window.showSaveDialog({ filters: { 'SQLite database': ['sqlite', 'db'] }, saveLabel: 'Save Database', defaultUri });
    if (!uri) return;
    writeFileAtomic(uri.fsPath, await cx.service.exportDatabase());
    void vscode.window.showInformationMessage(safeText(`Saved every indexed table, the catalog and the rejects to ${shownFile(uri.fsPath)}`));
  },

  'logInvestigator.showOutput': (cx) => cx.service.log.show(),
};

/** A command handler that threw: what the user saw as an error message, kept for tests and logs. */
export interface CommandFailure {
  command: string;
  message: string;
  stack?: string;
  at: number;
}

/**
 * Every handler failure since activation (newest last, at most 200). The user sees the
 * message and the log; a caller of executeCommand gets undefined, so tests read this list
 * (the integration suite fails a test during which a handler failed).
 */
export const commandFailures: CommandFailure[] = [];

/** `extra`: handlers that need no context (the ClickHouse connection's), registered and guarded the same way. */
export function registerCommands(cx: FindingsContext, extra: Record<string, (...args: unknown[]) => unknown> = {}): vscode.Disposable[] {
  const all: Record<string, (cx: FindingsContext, ...args: unknown[]) => unknown> = {
    ...COMMANDS,
    ...FINDINGS_COMMANDS,
    ...SIGMA_COMMANDS,
    ...Object.fromEntries(Object.entries(extra).map(([id, f]) => [id, (_cx: FindingsContext, ...args: unknown[]) => f(...args)])),
  };
  return Object.entries(all).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(cx, ...args);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        commandFailures.push({ command: id, message: msg, stack: e instanceof Error ? e.stack : undefined, at: Date.now() });
        if (commandFailures.length > 200) commandFailures.splice(0, commandFailures.length - 200);
        cx.service.log.error(`${id}: ${msg}`);
        void vscode.window.showErrorMessage(safeText(`Log Investigator: ${msg}`), 'Show Log').then((a) => a && cx.service.log.show());
        return undefined;
      }
    }),
  );
}
