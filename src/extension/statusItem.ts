/**
 * The status bar item of Log Investigator: where the data lives. In memory: the tables and rows
 * (click: Indexed Files); on ClickHouse: host:port/database and the tables there (click: choose where
 * the data lives: disconnect, connect elsewhere); while connecting, the URL with a spinner. Names
 * from settings and servers go through safeText (no $(icon) or command link comes from them).
 */
import * as vscode from 'vscode';
import { safeLabel, safeText } from '../shared/safeText';
import { shortWhere, type ClickHouseConnection } from './clickhouseConnection';
import type { EngineService } from './engineService';
import type { FilesNode } from './filesView';

/** The item, kept up to date (disposed with the subscriptions it is pushed to; the listeners with it). */
export function createStatusItem(service: EngineService, connection: ClickHouseConnection, filesTree: vscode.TreeView<FilesNode>): vscode.StatusBarItem {
  const status = vscode.window.createStatusBarItem('logInvestigator.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Log Investigator';
  status.command = 'logInvestigator.files.focus';
  let connectingTo: string | undefined;
  /** The status bar says where the data lives: in memory (the tables and rows), or ClickHouse host:port/database. */
  const updateStatus = () => {
    const tables = service.tables;
    const c = service.connection;
    const listed = (max: number) => tables.slice(0, max).map((t) => `${t.table} (${t.rows.toLocaleString()})`).join(', ') + (tables.length > max ? `, … ${tables.length - max} more` : '');
    filesTree.description = c ? shortWhere(c) : undefined;
    // connecting (elsewhere than the connection in use, which shows once it is made)
    if (connectingTo && connectingTo !== c?.url) {
      status.text = `$(sync~spin) ClickHouse ${safeLabel(connectingTo.replace(/^https?:\/\//, ''), 60)}…`;
      status.tooltip = safeText(`Log Investigator: connecting to ClickHouse at ${connectingTo}`);
      status.command = 'logInvestigator.chooseBackend';
      return status.show();
    }
    if (c) {
      status.text = `$(server) ClickHouse ${shortWhere(c)} · ${tables.length} table${tables.length === 1 ? '' : 's'}`;
      status.tooltip = safeText(`Log Investigator: the data lives in ${c.where}, user ${c.user}.\n${tables.length ? `Tables: ${listed(12)}` : 'No tables there yet: indexing a file puts it there.'}\nClick to disconnect or connect elsewhere.`);
      status.command = 'logInvestigator.chooseBackend';
      return status.show();
    }
    status.command = 'logInvestigator.files.focus';
    if (tables.length === 0) {
      // nothing in memory: hidden, and no word of an earlier connection left in it
      status.text = '';
      status.tooltip = undefined;
      return status.hide();
    }
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    status.text = `$(database) ${tables.length} table${tables.length === 1 ? '' : 's'} · ${rows.toLocaleString()} rows`;
    status.tooltip = safeText(`Log Investigator: ${listed(Number.MAX_SAFE_INTEGER)}\nIn memory (the embedded database of this window).`);
    status.show();
  };
  const subs = [
    service.onDidChangeTables(updateStatus),
    service.onDidChangeBackend(updateStatus),
    connection.onDidChangeConnecting((url) => {
      connectingTo = url;
      updateStatus();
    }),
  ];
  const dispose = status.dispose.bind(status);
  status.dispose = () => {
    for (const s of subs) s.dispose();
    dispose();
  };
  return status;
}
