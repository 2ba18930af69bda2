import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { safeLabel } from '../../../src/shared/safeText';
import { harness, api } from './helpers';

describe('text from a log never becomes a command link, an icon or reversed text', () => {
  const LINK = '[Show rejected lines](command:workbench.action.terminal.new)';
  const BIDI = 'user\u202Etxt.exe';

  it('a CSV header with a command link and a bidi override: the warning, the tree and the file name show them literally', async () => {
    const a = await api();
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(ws, 'hostile $(bug).csv');
    // 2,100 rows: past the 2,000 the types are inferred from, a text value in the integer column is a
    // mismatch, whose warning names the column — in the notification the extension shows
    const rows = Array.from({ length: 2100 }, (_, i) => `${i},${i === 2050 ? 'not a number' : i * 3},u${i % 7}`);
    fs.writeFileSync(file, `id,${LINK},${BIDI}\n${rows.join('\n')}\n`);
    const terminals = vscode.window.terminals.length;
    const [t] = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(file))) as { table: string; warnings: string[] }[];
    assert.ok(t.warnings.some((w) => w.includes(LINK)), `the engine's warning names the column: ${t.warnings.join(' | ')}`);

    // the Indexed Files view: labels literal, the link syntax and the icon syntax broken, the override made visible
    const fileNode = a.files.getChildren().find((n) => n.kind === 'file' && n.file === file)!;
    assert.ok(fileNode, 'the file is in the view');
    const fileItem = a.files.getTreeItem(fileNode);
    assert.equal(fileItem.label, safeLabel('hostile $(bug).csv'));
    assert.ok(!String(fileItem.label).includes('$(bug)'));
    const [tableNode] = a.files.getChildren(fileNode);
    const labels = a.files.getChildren(tableNode).map((n) => String(a.files.getTreeItem(n).label));
    assert.ok(labels.includes(safeLabel(LINK)), labels.join(' | '));
    assert.ok(!labels.some((l) => l.includes('](command:')), labels.join(' | '));
    assert.ok(labels.includes('user<U+202E>txt.exe'), labels.join(' | '));

    if (harness.available()) {
      // the notification as VS Code renders it: the header's text is there, with its brackets, and no link runs a command
      const toast = await harness.evalWorkbench({ selector: '.notifications-toasts .notification-list-item' });
      const mine = toast.texts.filter((x) => x.includes('Show rejected lines'));
      await harness.screenshot('hostile-header-notification');
      assert.ok(mine.length > 0, `a notification names the column: ${toast.texts.join(' | ')}`);
      assert.ok(mine.some((x) => x.includes('[Show rejected lines]')), mine.join(' | '));
      assert.ok(!toast.links.some((l) => /command:/.test(l) && /terminal/.test(l)), `links: ${toast.links.join(' | ')}`);
    }
    assert.equal(vscode.window.terminals.length, terminals, 'no terminal was opened');
  });
});
