/** What the view tests share: waits on a webview's DOM, and screenshots of a view over the whole editor area. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { harness, type Query, type WebviewAnswer as Inspect } from './helpers';

/** Waits until a webview query satisfies `ok` (the view redraws after messages and theme changes). */
export async function untilView(q: Query, ok: (r: Inspect) => boolean, what: string, timeoutMs = 30000): Promise<Inspect> {
  const deadline = Date.now() + timeoutMs;
  let last: Inspect | undefined;
  while (Date.now() < deadline) {
    last = await harness.evalWebview(q, timeoutMs);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: ${JSON.stringify(last && { count: last.count, texts: last.texts.slice(0, 5), boxes: last.boxes?.slice(0, 3) })}`);
}

const GROUP_FOCUS = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh', 'Eighth'].map((n) => `workbench.action.focus${n}EditorGroup`);

/**
 * Gives the editor group showing the tab titled ~`title` the whole editor area (the others
 * hidden, the panel closed), as a person reading the view would: panels open beside the editor, in half of it.
 * Resolves with the function that puts the groups back (even widths, the active group as it was).
 */
export async function expandGroupOf(title: string): Promise<() => Promise<void>> {
  // the group active before: focused again afterwards, so that the next panel opens beside it as before (not in a new group)
  const before = vscode.window.tabGroups.activeTabGroup.viewColumn;
  // the group where that view is in front (an older view of the same title may wait in another group)
  const groups = vscode.window.tabGroups.all;
  const group = [...groups].reverse().find((g) => g.activeTab?.label.includes(title)) ?? groups.find((g) => g.tabs.some((t) => t.label.includes(title)));
  assert.ok(group, `a tab titled ~"${title}" is open: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).join(' | ')}`);
  const tab = group.tabs.find((t) => t.label.includes(title))!;
  if (group.viewColumn >= 1 && group.viewColumn <= GROUP_FOCUS.length) await vscode.commands.executeCommand(GROUP_FOCUS[group.viewColumn - 1]);
  if (!tab.isActive) await vscode.commands.executeCommand('workbench.action.openEditorAtIndex', group.tabs.indexOf(tab));
  // the panel (Output, Problems…) closed: it would cover the lower part of the view in a screenshot;
  await vscode.commands.executeCommand('workbench.action.closePanel');
  // and the notification toasts, which lie over its lower right corner
  await vscode.commands.executeCommand('notifications.clearAll');
  // maximized: the other groups hidden until the toggle is pressed again
  const maximize = vscode.window.tabGroups.all.length > 1;
  if (maximize) await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
  await new Promise((r) => setTimeout(r, 600)); // the layout settles, the webview resizes and redraws
  return async () => {
    if (maximize) await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
    await vscode.commands.executeCommand('workbench.action.evenEditorWidths');
    if (before >= 1 && before <= GROUP_FOCUS.length) await vscode.commands.executeCommand(GROUP_FOCUS[before - 1]);
    await new Promise((r) => setTimeout(r, 300));
  };
}

/** A screenshot of the view titled ~`title` over the whole editor area; the layout as it was afterwards. */
export async function shotOf(title: string, name: string): Promise<void> {
  const restore = await expandGroupOf(title);
  try {
    await harness.screenshot(name);
  } finally {
    await restore();
  }
}


/** Closes the webview tabs titled ~`title` (every webview tab without one): the next look at a view finds only the view just shown. */
export async function closeWebviews(title?: string): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && (title === undefined || t.label.includes(title)));
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}

/** What the clipboard holds after `act` (emptied first; waits up to 10 s for the copy to land). */
export async function clipboardAfter(act: () => Promise<unknown>): Promise<string> {
  await vscode.env.clipboard.writeText('');
  await act();
  const deadline = Date.now() + 10000;
  for (;;) {
    const text = await vscode.env.clipboard.readText();
    if (text !== '' || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The contrast ratio (WCAG) of two CSS colours as getComputedStyle gives them (`rgb(…)` / `rgba(…)`; a translucent foreground blended over the background). */
export function contrast(fg: string, bg: string): number {
  const parse = (c: string) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    assert.ok(m, `a colour: ${c}`);
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const b = parse(bg);
  assert.ok(b[3] > 0.99, `an opaque background: ${bg}`);
  const f0 = parse(fg);
  const f = [0, 1, 2].map((i) => f0[i] * f0[3] + b[i] * (1 - f0[3]));
  const lum = (c: number[]) => {
    const ch = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
  };
  const [x, y] = [lum(f), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

