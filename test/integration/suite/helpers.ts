/** What the integration test files share: the harness, the extension's API, waits without sleeps. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TableInfo } from '../../../src/engine/ingest/build';
import type { LogInvestigatorApi } from '../../../src/extension/extension';
import type { WebviewToHost } from '../../../src/shared/protocol';

export interface Box { x: number; y: number; width: number; height: number }

/** What the launcher answers about the elements a selector finds in a webview. */
export interface WebviewAnswer {
  count: number;
  texts: string[];
  svgMarks: number;
  canvases: number;
  boxes: Box[];
  /** Each SVG text of the matches: its contrast against what is under it (a chart mark when it sits on one, `onMark`, else the page). */
  textContrast: { text: string; ratio: number; fg: string; bg: string; onMark: boolean }[];
  /** The computed CSS properties asked for (`styles`), per match. */
  styles: Record<string, string>[];
  /** The webview document's client size. */
  viewport: { width: number; height: number };
  /** What has the focus after the action, and whether it is (inside) a match. */
  focus: { tag: string; className: string; inMatch: boolean };
}

/** A question to a webview: read (default) or act on the elements a selector finds. */
export interface Query {
  titleContains?: string;
  selector: string;
  action?: 'read' | 'click' | 'domClick' | 'scroll' | 'fill' | 'press' | 'drag' | 'hover' | 'choose';
  /** For 'hover': which match (default 0). */
  index?: number;
  scrollTop?: number;
  text?: string;
  key?: string;
  modifiers?: string[];
  /** For 'drag': how far the mouse moves. */
  dx?: number;
  dy?: number;
  /** CSS properties to read (computed) from each match. */
  styles?: string[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const harness = require(path.resolve(__dirname, '../../../../test/integration/harnessClient.js')) as {
  available(): boolean;
  screenshot(name: string, timeoutMs?: number): Promise<{ path: string }>;
  evalWebview(q: Query, timeoutMs?: number): Promise<WebviewAnswer>;
  evalWorkbench(q: { selector: string }, timeoutMs?: number): Promise<{ count: number; texts: string[]; links: string[] }>;
};

export const EXT_ID = 'log-investigator.log-investigator';
export const ws = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
export const inWs = (name: string): string => path.join(ws(), name);

export async function api(): Promise<LogInvestigatorApi> {
  const ext = vscode.extensions.getExtension<LogInvestigatorApi>(EXT_ID);
  assert.ok(ext, `extension ${EXT_ID} is loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Indexes a workspace file (unless it is already) and returns its table. */
export async function table(a: LogInvestigatorApi, file: string): Promise<TableInfo> {
  const full = inWs(file);
  const have = a.service.tables.find((t) => path.resolve(t.file) === path.resolve(full));
  if (have) return have;
  const tables = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(full))) as TableInfo[];
  assert.ok(tables?.length, `${file} was indexed`);
  return tables[0];
}

/** Resolves when `check` returns a value other than undefined/false, re-checked on each event (and every 100 ms); rejects after the timeout. */
export function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = async () => {
      let v: T | undefined | false;
      try {
        v = await check();
      } catch (e) {
        return reject(e);
      }
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
      setTimeout(() => void tick(), 100);
    };
    void tick();
  });
}

/** Resolves when the active editor shows `file`. */
export function editorShowing(file: string, timeoutMs = 30000): Promise<vscode.TextEditor> {
  return until(`${path.basename(file)} shown in the active editor`, () => {
    const e = vscode.window.activeTextEditor;
    return e && path.resolve(e.document.uri.fsPath) === path.resolve(file) ? e : undefined;
  }, timeoutMs);
}

/** Stubs window functions (quick picks, input boxes, dialogs) for the length of `body`, as a person would answer them. */
export async function answering<T>(stubs: Partial<Record<'showQuickPick' | 'showInputBox' | 'showSaveDialog' | 'showOpenDialog' | 'showWarningMessage' | 'showInformationMessage', unknown>>, body: () => Thenable<T>): Promise<T> {
  const w = vscode.window as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(stubs).map((k) => [k, w[k]]));
  Object.assign(w, stubs);
  try {
    return await body();
  } finally {
    Object.assign(w, saved);
  }
}

/** Resolves with the next message of a type from the results webview (no sleeps). */
export function nextMessage<T extends WebviewToHost['type']>(a: LogInvestigatorApi, type: T, timeoutMs = 30000): Promise<Extract<WebviewToHost, { type: T }>> {
  return new Promise((resolve, reject) => {
    const panel = a.results();
    if (!panel) return reject(new Error('no results panel'));
    const timer = setTimeout(() => reject(new Error(`no ${type} message within ${timeoutMs} ms`)), timeoutMs);
    const sub = panel.onDidReceiveMessage((m) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(m as Extract<WebviewToHost, { type: T }>);
    });
  });
}
