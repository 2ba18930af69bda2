/**
 * The queries run in this workspace, newest first (workspace state, at most 100, repeats moved to
 * the top), and a picker to run one again. SQL is user text: shown through safeLabel.
 */
import * as vscode from 'vscode';
import { safeLabel } from '../shared/safeText';

const KEY = 'logInvestigator.queryHistory';
const MAX = 100;

export interface HistoryEntry {
  sql: string;
  at: string;
  /** Rows returned, or the error message. */
  outcome: { rows: number } | { error: string };
}

let state: vscode.Memento | undefined;

export function initQueryHistory(context: vscode.ExtensionContext): void {
  state = context.workspaceState;
}

export function queryHistory(): HistoryEntry[] {
  return state?.get<HistoryEntry[]>(KEY, []) ?? [];
}

export async function recordQuery(sql: string, outcome: HistoryEntry['outcome']): Promise<void> {
  if (!state || !sql.trim()) return;
  const rest = queryHistory().filter((h) => h.sql.trim() !== sql.trim());
  await state.update(KEY, [{ sql, at: new Date().toISOString(), outcome }, ...rest].slice(0, MAX));
}

/** Picks a past query and runs it (or, with a second button, opens it in a new `.sql` editor). */
export async function pickFromHistory(): Promise<unknown> {
  const items = queryHistory().map((h) => ({
    label: safeLabel(h.sql.replace(/\s+/g, ' ').trim(), 120),
    description: 'rows' in h.outcome ? `${h.outcome.rows.toLocaleString()} rows` : 'failed',
    detail: `${new Date(h.at).toLocaleString()}${'error' in h.outcome ? ` · ${safeLabel(h.outcome.error, 100)}` : ''}`,
    entry: h,
    buttons: [{ iconPath: new vscode.ThemeIcon('go-to-file'), tooltip: 'Open in a SQL editor' }],
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('No queries have been run in this workspace yet.');
    return undefined;
  }
  const pick = vscode.window.createQuickPick<(typeof items)[number]>();
  pick.title = 'Query history (this workspace)';
  pick.placeholder = 'Run a past query again';
  pick.matchOnDetail = true;
  pick.items = items;
  return new Promise((resolve) => {
    pick.onDidTriggerItemButton(async (e) => {
      pick.hide();
      const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: e.item.entry.sql });
      resolve(await vscode.window.showTextDocument(doc));
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      pick.hide();
      resolve(chosen ? vscode.commands.executeCommand('logInvestigator.runQuery', chosen.entry.sql) : undefined);
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(undefined);
    });
    pick.show();
  });
}
