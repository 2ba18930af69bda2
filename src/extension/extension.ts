import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { EngineService } from './engineService';
import { FilesView, FindingsView } from './filesView';
import { ResultsPanel } from './resultsPanel';

/** What activate() returns: the integration tests reach the running extension through it. */
export interface LogInvestigatorApi {
  service: EngineService;
  files: FilesView;
  /** The results panel, when one is open. */
  results(): ResultsPanel | undefined;
}

export function activate(context: vscode.ExtensionContext): LogInvestigatorApi {
  const log = vscode.window.createOutputChannel('Log Investigator', { log: true });
  const service = new EngineService(context, log);
  const files = new FilesView(service);
  const status = vscode.window.createStatusBarItem('logInvestigator.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Log Investigator';
  status.command = 'logInvestigator.files.focus';
  const updateStatus = () => {
    const tables = service.tables;
    if (tables.length === 0) return status.hide();
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    status.text = `$(database) ${tables.length} table${tables.length === 1 ? '' : 's'} · ${rows.toLocaleString()} rows`;
    status.tooltip = `Log Investigator: ${tables.map((t) => `${t.table} (${t.rows.toLocaleString()})`).join(', ')}`;
    status.show();
  };
  context.subscriptions.push(
    log,
    service,
    files,
    status,
    service.onDidChangeTables(updateStatus),
    vscode.window.registerTreeDataProvider('logInvestigator.files', files),
    vscode.window.registerTreeDataProvider('logInvestigator.findings', new FindingsView()),
    ...registerCommands({ context, service }),
  );
  void vscode.commands.executeCommand('setContext', 'logInvestigator.hasTables', false);
  log.info(`Log Investigator ${context.extension.packageJSON.version} activated in VS Code ${vscode.version}`);
  return { service, files, results: () => ResultsPanel.active };
}

export function deactivate(): void {
  // subscriptions dispose the engine worker
}
