import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, harness, EXT_ID, inWs, api, nextMessage, editorShowing } from './helpers';

describe('Log Investigator in VS Code', () => {
  it('runs in VS Code 1.100 or later and activates', async () => {
    assert.match(vscode.version, /^1\.(\d+)\./);
    assert.ok(Number(vscode.version.split('.')[1]) >= 100);
    const a = await api();
    assert.ok(a.service);
  });

  it('registers every command it contributes, and contributes every command it registers', async () => {
    await api();
    const pkg = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    const all = await vscode.commands.getCommands(true);
    // VS Code adds commands of its own for each view (logInvestigator.files.focus, …)
    const registered = all.filter((c) => c.startsWith('logInvestigator.') && !/^logInvestigator\.(files|findings)\./.test(c)).sort();
    for (const c of contributed) assert.ok(all.includes(c), `${c} is registered`);
    for (const c of registered) assert.ok(contributed.includes(c), `${c} is contributed`);
  });

  it('indexes a log from the workspace and fills the Indexed Files view', async () => {
    const a = await api();
    const tables = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(inWs('access.log')))) as { table: string; rows: number }[];
    assert.equal(tables[0].table, 'access');
    assert.equal(tables[0].rows, 300);
    const roots = a.files.getChildren();
    assert.ok(roots.some((n) => n.kind === 'file' && n.file === inWs('access.log')));
    const fileNode = roots.find((n) => n.kind === 'file' && n.file === inWs('access.log'))!;
    const [tableNode] = a.files.getChildren(fileNode);
    const item = a.files.getTreeItem(tableNode);
    assert.equal(item.label, 'access');
    assert.match(String(item.description), /apache · 300 rows/);
    const cols = a.files.getChildren(tableNode).map((n) => a.files.getTreeItem(n));
    assert.ok(cols.some((c) => c.label === 'client_ip' && /ip · ip/.test(String(c.description))));
    await vscode.commands.executeCommand('logInvestigator.indexWorkspace', '**/*.{csv,txt,gz,log}');
    assert.ok(a.service.tables.some((t) => t.table === 'course'));
    assert.ok(a.service.tables.some((t) => t.table === 'smb_files'));
  });

  it('runs a query and the results webview answers with the rows; its table shows them', async () => {
    const a = await api();
    const r = await a.service.query('SELECT client_ip, count(*) AS n FROM access GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3');
    assert.deepEqual(r.columns, ['client_ip', 'n']);
    assert.equal(r.rows.length, 3);
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip, status, path FROM access ORDER BY _line LIMIT 50');
    assert.ok(a.results(), 'a results panel is open');
    if (harness.available()) {
      const cells = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.ok(cells.texts.includes('83.149.9.216'), `cells: ${cells.texts.slice(0, 12).join(' | ')}`);
      const links = await harness.evalWebview({ titleContains: 'Query Results', selector: 'a.srclink' });
      assert.equal(links.texts[0], 'line 1');
      await harness.screenshot('results');
    }
  });

  it('opens the source file at the right line, from the command and from a row link', async () => {
    const file = inWs('access.log');
    await vscode.commands.executeCommand('logInvestigator.openSource', file, 42);
    let editor = await editorShowing(file);
    assert.equal(editor.selection.start.line, 41);
    assert.equal(editor.selection.end.line, 41);
    assert.equal(editor.selection.end.character, editor.document.lineAt(41).text.length);
    assert.equal(editor.document.lineAt(41).text, fs.readFileSync(file, 'utf8').split('\n')[41]);
    if (harness.available()) {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      const a = await api();
      await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip FROM access WHERE _line = 7');
      const opened = nextMessage(a, 'openSource');
      await harness.evalWebview({ titleContains: 'Query Results', selector: 'a.srclink', action: 'click' });
      await opened;
      editor = await editorShowing(file);
      assert.equal(editor.selection.start.line, 6);
      await harness.screenshot('source-line');
    }
  });

  it('indexes a file over 50 MB from disk and opens it at a line', async () => {
    const a = await api();
    const file = inWs('big-access.log');
    assert.ok(fs.statSync(file).size > 50 * 1024 * 1024);
    const tables = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(file))) as { table: string; rows: number }[];
    assert.equal(tables[0].rows, 300 * 800);
    const r = await a.service.query('SELECT client_ip FROM big_access WHERE _line = 200042');
    // the big file is access.log 800 times: its line 200,042 is line ((200042 - 1) % 300) + 1 of access.log
    assert.deepEqual(r.rows, [[fs.readFileSync(inWs('access.log'), 'utf8').split('\n')[(200042 - 1) % 300].split(' ')[0]]]);
    await vscode.commands.executeCommand('logInvestigator.openSource', file, 200042);
    // such an editor is not synchronized to extensions: its tab is what the API shows
    const shown = () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputText && path.resolve(input.uri.fsPath) === path.resolve(file);
    };
    if (!shown()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the large file was not opened')), 30000);
        const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
          if (!shown()) return;
          clearTimeout(timer);
          sub.dispose();
          resolve();
        });
      });
    }
    if (harness.available()) {
      // the editor is not synchronized to extensions, so its cursor is read where a person reads it: the status bar
      const pos = await until('the cursor position of the large file', async () => {
        const r = await harness.evalWorkbench({ selector: '#status\\.editor\\.selection' }, 5000);
        return r.texts.find((t) => /Ln [\d,]+/.test(t));
      });
      assert.match(pos, /Ln 200,?042\b/, pos);
      await harness.screenshot('large-file-line');
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows log text literally: script tags, onerror handlers and javascript: links stay text', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(inWs('hostile.csv')));
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, payload FROM hostile ORDER BY _line');
    assert.ok(a.results());
    if (harness.available()) {
      const cells = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.ok(cells.texts.includes('<script>alert(1)</script>'), cells.texts.join(' | '));
      assert.ok(cells.texts.includes('<img src=x onerror=alert(2)>'));
      assert.ok(cells.texts.includes('javascript:alert(3)'));
      // no element was made from the text: the only links are the source links
      const links = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody a' });
      assert.deepEqual(links.texts, ['line 2', 'line 3', 'line 4', 'line 5']);
      const cellsOnly = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.equal(cellsOnly.count, 4 * 3, 'four rows of source link, _line and payload cells, nothing more');
    }
  });

  it('shows a 100,000-row result without putting 100,000 rows in the page', async () => {
    const a = await api();
    const started = Date.now();
    await vscode.commands.executeCommand(
      'logInvestigator.runQuery',
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, 'row ' || x AS label FROM c",
    );
    assert.ok(a.results());
    if (harness.available()) {
      const info = await harness.evalWebview({ titleContains: 'Query Results', selector: 'span.info' });
      assert.match(info.texts[0], /^100,000 rows/);
      const rows = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody tr' });
      assert.ok(rows.count > 10 && rows.count < 200, `rows in the DOM: ${rows.count}`);
      const cells = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.ok(cells.texts.includes('row 1'));
      assert.ok(Date.now() - started < 20000, `shown after ${Date.now() - started} ms`);
    }
  });

  it('draws a timeline with Vega-Lite; the chart has marks', async () => {
    const a = await api();
    const access = a.service.tables.find((t) => t.table === 'access')!;
    await vscode.commands.executeCommand('logInvestigator.showTimeline', access.table);
    if (harness.available()) {
      const chart = await harness.evalWebview({ titleContains: 'Timeline', selector: 'svg .mark-rect path' }, 60000);
      assert.ok(chart.count > 3, `bars: ${chart.count}`);
      await harness.screenshot('timeline');
    }
  });

  it('shows the status bar: the tables and rows indexed, and a click opens Indexed Files', async () => {
    const a = await api();
    const tables = a.service.tables;
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    const text = `${tables.length} tables · ${rows.toLocaleString()} rows`;
    assert.equal(a.status.text, `$(database) ${text}`);
    assert.equal(a.status.command, 'logInvestigator.files.focus');
    assert.match(String(a.status.tooltip), new RegExp(`^Log Investigator: .*access \\(300\\)`));
    if (harness.available()) {
      // shown in the workbench, with that text
      const items = await until('the status bar item', async () => {
        const r = await harness.evalWorkbench({ selector: '#workbench\\.parts\\.statusbar .statusbar-item' }, 5000);
        return r.texts.some((t) => t.includes(text)) ? r.texts : undefined;
      });
      assert.ok(items.some((t) => t.trim() === text), items.join(' | '));
    }
  });

  it('shows the views, in light, dark and high-contrast themes', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.files.focus');
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip, status, path FROM access WHERE status <> 200 ORDER BY _line');
    if (!harness.available()) return;
    await harness.screenshot('indexed-files');
    const workbench = vscode.workspace.getConfiguration('workbench');
    for (const [theme, name] of [['Default Dark Modern', 'theme-dark'], ['Default High Contrast', 'theme-high-contrast']]) {
      await workbench.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      const cells = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.ok(cells.count > 0);
      await harness.screenshot(name);
    }
    await workbench.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    assert.ok(a.results());
  });
});
