/**
 * The host's side of a grid, shared by the results view and the tables under the charts: pages,
 * sort, filter, copy and CSV export of a `GridRows`, answered in the one message protocol.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatCsv } from '../engine/output';
import { proposedFileName } from '../shared/fileNames';
import { gridReply, type GridRows } from '../shared/gridRows';
import type { HostToWebview, WebviewToHost } from '../shared/protocol';
import { safeText } from '../shared/safeText';

/** Answers a grid's request for rows, sort, filter or copy; false for any other message. */
export async function answerGrid(rows: GridRows, m: WebviewToHost, post: (m: HostToWebview) => Promise<void>): Promise<boolean> {
  const answer = gridReply(rows, m);
  if (!answer) return false;
  if ('reply' in answer) await post(answer.reply);
  else await vscode.env.clipboard.writeText(answer.clipboard);
  return true;
}

/** A file in the workspace folder named after `name` (a table, a title), proposed by a save dialog. */
export function proposedUri(name: string, ext: string, fallback: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder && vscode.Uri.joinPath(folder, proposedFileName(name, ext, fallback));
}

/** Asks where to save the rows in view as CSV (proposing `defaultUri`) and writes them there. */
export async function exportGridCsv(rows: GridRows, defaultUri: vscode.Uri | undefined): Promise<void> {
  const uri = await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: 'Export CSV', defaultUri });
  if (!uri) return;
  const all = rows.inView();
  fs.writeFileSync(uri.fsPath, formatCsv(rows.columns.map((c) => c.name), all));
  void vscode.window.showInformationMessage(safeText(`Exported ${all.length.toLocaleString()} rows to ${vscode.workspace.asRelativePath(uri, false)}`));
}

/** A file as a view shows it: relative to the workspace folder, or its name alone when outside it (never the machine's absolute path). */
export function shownFile(file: string): string {
  const rel = vscode.workspace.asRelativePath(file, false);
  return path.isAbsolute(rel) ? path.basename(rel) : rel;
}
