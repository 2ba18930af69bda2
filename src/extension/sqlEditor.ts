/**
 * `.sql` editors over the indexed logs: a "Run" CodeLens above each statement, Ctrl+Enter runs
 * the statement at the cursor (or the selection), completion of table and column names (with
 * type and role), and SQLite's errors as diagnostics at the token it names (each statement is
 * compiled with EXPLAIN, which checks names and syntax without running it).
 */
import * as vscode from 'vscode';
import { errorMessage } from '../engine/errors';
import { safeLabel } from '../shared/safeText';
import { sqlErrorPosition } from '../shared/sqlError';
import { splitStatements, statementAt } from '../shared/sqlStatements';
import type { EngineService } from './engineService';
import { shownFile } from './gridHost';

const SQL: vscode.DocumentSelector = [{ language: 'sql' }];
const quoteName = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

class RunLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly service: EngineService) {}
  refresh(): void {
    this.changed.fire();
  }
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (this.service.tables.length === 0) return [];
    return splitStatements(doc.getText()).map((s) => {
      const range = new vscode.Range(doc.positionAt(s.start), doc.positionAt(s.start));
      return new vscode.CodeLens(range, { title: '$(play) Run query', tooltip: 'Run this statement over the indexed logs (Ctrl+Enter)', command: 'logInvestigator.runQuery', arguments: [s.text] });
    });
  }
}

class NameCompletions implements vscode.CompletionItemProvider {
  constructor(private readonly service: EngineService) {}
  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    const before = doc.lineAt(pos.line).text.slice(0, pos.character);
    const dotted = /("?)([\w]+)\1\.\w*$/.exec(before);
    const tables = this.service.tables;
    const columnItems = (t: (typeof tables)[number]) =>
      t.columns.map((c) => {
        const item = new vscode.CompletionItem({ label: c.name, description: safeLabel(`${t.table} · ${c.type}${c.role ? ` · ${c.role}` : ''}`, 60) }, vscode.CompletionItemKind.Field);
        item.insertText = quoteName(c.name);
        item.detail = `${c.type}${c.role ? ` (${c.role})` : ''}`;
        item.sortText = `1${c.name}`;
        return item;
      });
    if (dotted) {
      const t = tables.find((x) => x.table.toLowerCase() === dotted[2].toLowerCase());
      return t ? columnItems(t) : [];
    }
    const text = doc.getText().toLowerCase();
    const items: vscode.CompletionItem[] = [];
    for (const t of tables) {
      const item = new vscode.CompletionItem({ label: t.table, description: safeLabel(`${t.format} · ${t.rows.toLocaleString()} rows`, 60) }, vscode.CompletionItemKind.Struct);
      item.insertText = quoteName(t.table);
      // the file as the workspace names it, never the machine's absolute path
      item.detail = `table from ${safeLabel(shownFile(t.file), 120)}`;
      item.sortText = `0${t.table}`;
      items.push(item);
      // columns of the tables the document already names
      if (text.includes(t.table.toLowerCase())) items.push(...columnItems(t));
    }
    return items;
  }
}

/** Compiles each statement with EXPLAIN and puts SQLite's errors where they point. */
class SqlDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('log-investigator-sql');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  constructor(private readonly service: EngineService) {}

  schedule(doc: vscode.TextDocument, delay = 400): void {
    if (doc.languageId !== 'sql') return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => void this.check(doc), delay));
  }

  async check(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
    if (this.service.tables.length === 0) {
      this.collection.delete(doc.uri);
      return [];
    }
    const version = doc.version;
    const found: vscode.Diagnostic[] = [];
    for (const s of splitStatements(doc.getText())) {
      try {
        await this.service.query(`EXPLAIN ${s.text}`, [], 1);
      } catch (e) {
        const message = errorMessage(e).replace(/^SQL error: /, '');
        const at = sqlErrorPosition(s.text, message);
        const start = doc.positionAt(s.start + (at ?? 0));
        const token = at === undefined ? s.text.length : /^("[^"]*"|\w+|.)/.exec(s.text.slice(at))?.[0].length ?? 1;
        const d = new vscode.Diagnostic(new vscode.Range(start, doc.positionAt(s.start + (at ?? 0) + token)), message, vscode.DiagnosticSeverity.Error);
        d.source = 'SQLite';
        found.push(d);
      }
    }
    if (doc.version === version && !doc.isClosed) this.collection.set(doc.uri, found);
    return found;
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.collection.dispose();
  }
}

/** Runs the selection, or the statement under the cursor, of the active `.sql` editor. */
async function runAtCursor(): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'sql') return undefined;
  const doc = editor.document;
  const sql = editor.selection.isEmpty ? statementAt(splitStatements(doc.getText()), doc.offsetAt(editor.selection.active))?.text : doc.getText(editor.selection);
  if (!sql?.trim()) return undefined;
  return vscode.commands.executeCommand('logInvestigator.runQuery', sql);
}

export interface SqlEditorSupport extends vscode.Disposable {
  /** Checks a document now (the tests call it; editors are checked as they change). */
  check(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]>;
}

export function registerSqlEditor(service: EngineService): SqlEditorSupport {
  const lenses = new RunLenses(service);
  const diagnostics = new SqlDiagnostics(service);
  const recheckAll = () => {
    lenses.refresh();
    for (const d of vscode.workspace.textDocuments) diagnostics.schedule(d, 0);
  };
  const subs = [
    vscode.languages.registerCodeLensProvider(SQL, lenses),
    vscode.languages.registerCompletionItemProvider(SQL, new NameCompletions(service), '.', '"'),
    vscode.commands.registerCommand('logInvestigator.runQueryAtCursor', runAtCursor),
    diagnostics,
    vscode.workspace.onDidOpenTextDocument((d) => diagnostics.schedule(d, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => diagnostics.schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.clear(d.uri)),
    service.onDidChangeTables(recheckAll),
  ];
  for (const d of vscode.workspace.textDocuments) diagnostics.schedule(d, 0);
  return { check: (doc) => diagnostics.check(doc), dispose: () => subs.forEach((s) => s.dispose()) };
}
