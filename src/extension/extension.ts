import * as vscode from 'vscode';
import { commandFailures, registerCommands, type CommandFailure } from './commands';
import { EngineService } from './engineService';
import { FilesView } from './filesView';
import { FindingMarks } from './findingMarks';
import { FindingsService } from './findingsService';
import { FindingsView } from './findingsView';
import { registerNotebooks } from './notebook';
import { initQueryHistory, pickFromHistory, queryHistory, type HistoryEntry } from './queryHistory';
import { ResultsPanel } from './resultsPanel';
import { RulesWatcher } from './rulesWatcher';
import { LnavFormatsWatcher } from './lnavFormats';
import { registerSqlEditor, type SqlEditorSupport } from './sqlEditor';
import { safeLabel, safeText } from '../shared/safeText';
import { ClickHouseConnection } from './clickhouseConnection';
import { createStatusItem } from './statusItem';

/** What activate() returns: the integration tests reach the running extension through it. */
export interface LogInvestigatorApi {
  service: EngineService;
  files: FilesView;
  findings: FindingsService;
  findingsView: FindingsView;
  findingsTree: vscode.TreeView<import('./findingsView').FindingsNode>;
  marks: FindingMarks;
  rules: RulesWatcher;
  /** The results panel, when one is open. */
  results(): ResultsPanel | undefined;
  sqlEditor: SqlEditorSupport;
  /** The queries run in this workspace, newest first. */
  history(): HistoryEntry[];
  /** Handler failures since activation (the user saw each as an error message). */
  commandFailures: readonly CommandFailure[];
  /** The status bar item: its text, tooltip and command (the workbench's DOM shows whether it is shown). */
  status: vscode.StatusBarItem;
  /** Where the data lives: the ClickHouse connection (the stored credentials of a URL, for tests). */
  clickhouse: ClickHouseConnection;
  filesTree: vscode.TreeView<import('./filesView').FilesNode>;
}

export function activate(context: vscode.ExtensionContext): LogInvestigatorApi {
  const log = vscode.window.createOutputChannel('Log Investigator', { log: true });
  const service = new EngineService(context, log);
  const files = new FilesView(service);
  const findings = new FindingsService(service);
  const findingsView = new FindingsView(findings);
  const marks = new FindingMarks(context, findings);
  const rules = new RulesWatcher(findings, () => service.tables.length > 0, log);
  const lnavFormats = new LnavFormatsWatcher(log);
  initQueryHistory(context);
  const sqlEditor = registerSqlEditor(service);
  const findingsTree = vscode.window.createTreeView('logInvestigator.findings', { treeDataProvider: findingsView, showCollapseAll: true });
  const updateBadge = () => {
    // the badge counts suspects and incidents at medium or above, not every finding
    const n = findings.model().atLeastMedium;
    findingsTree.badge = n ? { value: n, tooltip: `${n} suspect${n === 1 ? '' : 's'} or incident${n === 1 ? '' : 's'} at medium risk or above` } : undefined;
    findingsTree.description = findings.filter ? safeLabel(`filter: ${findings.filter}`, 80) : undefined;
    void vscode.commands.executeCommand('setContext', 'logInvestigator.hasFindings', findings.analyses.length > 0);
  };
  const connection = new ClickHouseConnection(context, service);
  const filesTree = vscode.window.createTreeView('logInvestigator.files', { treeDataProvider: files });
  const status = createStatusItem(service, connection, filesTree);
  context.subscriptions.push(
    log,
    service,
    files,
    status,
    connection,
    filesTree,
    // findings belong to the data they came from: a table of the same name elsewhere is other rows
    service.onDidChangeBackend(() => {
      for (const o of [...findings.analyses]) findings.clearFor(o.table);
    }),
    findings,
    findingsView,
    marks,
    rules,
    lnavFormats,
    findingsTree,
    findings.onDidChange(updateBadge),
    service.onDidChangeTables((tables) => {
      for (const o of findings.analyses) if (!tables.some((t) => t.table === o.table)) findings.clearFor(o.table);
    }),
    ...registerCommands(
      { context, service, findings, marks, rules },
      {
        'logInvestigator.connectClickHouse': () => connection.connectCommand(),
        'logInvestigator.disconnectClickHouse': () => connection.disconnectCommand(),
        'logInvestigator.chooseBackend': () => connection.chooseCommand(),
      },
    ),
    sqlEditor,
    ...registerNotebooks(context, service, () => findings.analyses),
    vscode.commands.registerCommand('logInvestigator.queryHistory', pickFromHistory),
  );
  void vscode.commands.executeCommand('setContext', 'logInvestigator.hasTables', false);
  void findings.loadLabels();
  // logInvestigator.backend = clickhouse: connect now, with the credentials kept for the URL
  if (vscode.workspace.getConfiguration('logInvestigator').get('backend') === 'clickhouse') void connection.applySettings();
  log.info(`Log Investigator ${context.extension.packageJSON.version} activated in VS Code ${vscode.version}`);
  return { service, files, findings, findingsView, findingsTree, marks, rules, results: () => ResultsPanel.active, sqlEditor, history: queryHistory, commandFailures, status, clickhouse: connection, filesTree };
}

export function deactivate(): void {
  // subscriptions dispose the engine worker
}
