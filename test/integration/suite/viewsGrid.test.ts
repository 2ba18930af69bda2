/**
 * The results grid and the smaller things of the views, checked by their effect in the DOM and on
 * the clipboard: Copy copies the rows on screen, Ctrl+F goes to the filter, a cell or a selection
 * copies as TSV, CSV and Markdown, a column widens when its edge is dragged, numbers sit right and
 * null reads "null"; the Indexed Files icons name the type; the export picker explains each format;
 * the save dialogs propose a file.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { harness, ws, api, table, answering } from './helpers';
import { untilView as until, shotOf, clipboardAfter } from './viewHelpers';

const RESULTS = 'Query Results';
const q = (selector: string) => ({ titleContains: RESULTS, selector });
// quoting, a delimiter, a pipe and a null: what each format must get right
const SMALL = `SELECT 1 AS n, 'a,b' AS s, NULL AS t UNION ALL SELECT 2.5, 'say "hi"', 'x|y'`;

async function showSmall(): Promise<void> {
  await vscode.commands.executeCommand('logInvestigator.runQuery', SMALL);
  await until(q('span.info'), (r) => /^2 rows/.test(r.texts[0] ?? ''), 'the two rows');
}

describe('The results grid in use', function () {
  before(function () {
    if (!harness.available()) this.skip();
  });

  it('"Copy" without a selection copies exactly the rows on screen', async () => {
    const a = await api();
    await table(a, 'access.log');
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip, status FROM access ORDER BY _line');
    const info = await until(q('span.info'), (r) => /^300 rows/.test(r.texts[0] ?? ''), 'all rows');
    // the file the rows come from as the workspace names it, not the machine's absolute path
    assert.match(info.texts[0], / · from access\.log$/);
    assert.ok(!info.texts[0].includes(ws()), `no absolute path: ${info.texts[0]}`);
    await harness.evalWebview({ ...q('.scroller'), action: 'scroll', scrollTop: 1500 });
    const scroller = (await harness.evalWebview(q('.scroller'))).boxes[0];
    const head = (await harness.evalWebview(q('thead th'))).boxes[0]; // the sticky header cells (thead itself scrolls away)
    // rows drawn: those on screen and the ones rendered above and below it (overscan)
    const rows = await until(q('tbody tr[data-row]'), (r) => r.count > 0 && r.boxes[0].y < head.y, 'rows rendered above the screen');
    const top = head.y + head.height;
    const bottom = scroller.y + scroller.height;
    const visible = rows.boxes.map((b, k) => ({ b, k })).filter(({ b }) => b.y + b.height > top + 0.5 && b.y < bottom - 0.5);
    assert.ok(visible.length >= 5 && visible.length < rows.count, `${visible.length} rows on screen of ${rows.count} rendered`);
    const firstLine = (await harness.evalWebview(q(`tbody tr[data-row] td[data-col="0"]`))).texts[visible[0].k];
    const text = await clipboardAfter(() => harness.evalWebview({ ...q('vscode-button.copy'), action: 'domClick' }));
    const lines = text.replace(/\n$/, '').split('\n');
    assert.equal(lines[0], '_line\tclient_ip\tstatus', 'a header first');
    assert.equal(lines.length - 1, visible.length, `copied ${lines.length - 1} rows, ${visible.length} on screen`);
    assert.equal(lines[1].split('\t')[0], firstLine, 'starting at the first row on screen');
  });

  it('Ctrl+F in the grid puts the focus in the filter box', async () => {
    await showSmall();
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
    const before = await harness.evalWebview(q('vscode-text-field.filter'));
    assert.equal(before.focus.inMatch, false, `the filter has no focus before: ${JSON.stringify(before.focus)}`);
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+f' });
    const after = await harness.evalWebview(q('vscode-text-field.filter'));
    assert.equal(after.focus.inMatch, true, `the filter has the focus: ${JSON.stringify(after.focus)}`);
  });

  it('a cell, and a selection of rows, copy as TSV, CSV and Markdown', async () => {
    await showSmall();
    // the active cell alone: a click selects its row, Escape keeps only the cell, Ctrl+C copies its value
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
    await until(q('tbody tr.selected'), (r) => r.count === 1, 'the clicked row selected');
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Escape' });
    await until(q('span.info'), (r) => !(r.texts[0] ?? '').includes('selected'), 'no row selected');
    assert.equal(await clipboardAfter(() => harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+c' })), 'a,b', 'the cell');
    // two rows selected (click, Shift+Down), copied in each format
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="0"]'), action: 'click' });
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Shift+ArrowDown' });
    await until(q('span.info'), (r) => (r.texts[0] ?? '').includes(' · 2 selected'), 'two rows selected');
    const expected: [string, string][] = [
      ['tsv', 'n\ts\tt\n1\ta,b\t\n2.5\t"say ""hi"""\tx|y\n'],
      ['csv', 'n,s,t\r\n1,"a,b",\r\n2.5,"say ""hi""",x|y\r\n'],
      ['markdown', '| n | s | t |\n| ---: | --- | --- |\n| 1 | a,b | null |\n| 2.5 | say "hi" | x\\|y |\n'],
    ];
    for (const [format, want] of expected) {
      await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: format });
      assert.equal(await clipboardAfter(() => harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+c' })), want, format);
    }
    await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: 'tsv' });
  });

  it("dragging a column header's edge widens the column", async () => {
    await showSmall();
    const th = 'thead th:nth-child(2)';
    const before = (await harness.evalWebview(q(th))).boxes[0];
    const cellBefore = (await harness.evalWebview(q('tbody tr[data-row="0"] td[data-col="1"]'))).boxes[0];
    await harness.evalWebview({ ...q(`${th} .resizer`), action: 'drag', dx: 120 });
    const after = await until(q(th), (r) => r.boxes[0].width > before.width + 100, `column s wider than ${before.width} px`, 10000);
    const cellAfter = (await harness.evalWebview(q('tbody tr[data-row="0"] td[data-col="1"]'))).boxes[0];
    assert.ok(Math.abs(after.boxes[0].width - before.width - 120) <= 2, `by the 120 px dragged: ${before.width} -> ${after.boxes[0].width}`);
    assert.ok(Math.abs(cellAfter.width - after.boxes[0].width) <= 1 && cellAfter.width > cellBefore.width + 100, 'and its cells with it');
  });

  it("a selected row stands out in High Contrast, dark and light: the theme's active border around it", async function () {
    this.timeout(120000);
    const rgbs = (css: string) => [...css.matchAll(/rgba?\((\d+), (\d+), (\d+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
    const hex = (h: string) => [0, 2, 4].map((i) => parseInt(h.trim().replace('#', '').slice(i, i + 2), 16));
    const lum = (c: number[]) => 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const contrast = (a: number[], b: number[]) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const props = ['box-shadow', '--vscode-contrastActiveBorder', '--vscode-editor-background'];
    try {
      for (const theme of ['Default High Contrast', 'Default High Contrast Light']) {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await showSmall();
        await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
        const sel = await until({ ...q('tbody tr.selected td[data-col="1"]'), styles: props }, (r) => r.count === 1 && r.styles[0]['box-shadow'] !== 'none', `${theme}: the selected row has a border`, 10000);
        const other = await harness.evalWebview({ ...q('tbody tr[data-row="1"] td[data-col="1"]'), styles: props });
        const s = sel.styles[0];
        assert.equal(other.styles[0]['box-shadow'], 'none', `${theme}: a row not selected has none`);
        const border = rgbs(s['box-shadow']);
        assert.equal(border.length, 2, `${theme}: a border above and below: ${s['box-shadow']}`);
        assert.deepEqual(border[0], hex(s['--vscode-contrastActiveBorder']), `${theme}: in the theme's active border colour`);
        const ratio = contrast(border[0], hex(s['--vscode-editor-background']));
        assert.ok(ratio >= 3, `${theme}: the border reads at ${ratio.toFixed(2)}:1 against the background`);
        await shotOf(RESULTS, `view-grid-selected-${theme.endsWith('Light') ? 'hc-light' : 'hc-dark'}`);
      }
    } finally {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('numbers sit right, text left, and null reads "null"', async () => {
    await showSmall();
    const cells = await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col]'), styles: ['text-align', 'font-style'] });
    assert.deepEqual(cells.texts, ['1', 'a,b', 'null']);
    assert.equal(cells.styles[0]['text-align'], 'right', 'a number sits right');
    assert.ok(['left', 'start'].includes(cells.styles[1]['text-align']), `text sits left (${cells.styles[1]['text-align']})`);
    assert.equal(cells.styles[2]['font-style'], 'italic', 'null is set apart from the text "null"');
    const heads = await harness.evalWebview({ ...q('thead th'), styles: ['text-align'] });
    assert.equal(heads.styles[0]['text-align'], 'right', "a number column's header sits right");
  });
});

describe('Indexed Files, export and save dialogs', () => {
  it('a column icon names its type, the same icon for the same type in every table', async () => {
    const a = await api();
    for (const f of ['access.log', 'log.csv', 'smb_files-planted.log']) await table(a, f);
    const iconOf = new Map<string, Set<string>>();
    for (const file of a.files.getChildren()) {
      for (const t of a.files.getChildren(file)) {
        for (const c of a.files.getChildren(t)) {
          const item = a.files.getTreeItem(c);
          const id = (item.iconPath as vscode.ThemeIcon).id;
          assert.ok(c.kind === 'column');
          iconOf.set(c.column.type, (iconOf.get(c.column.type) ?? new Set()).add(id));
          assert.ok(String(item.description).startsWith(c.column.type), `${c.column.name}: the type is written beside it`);
        }
      }
    }
    for (const [type, icons] of iconOf) assert.equal(icons.size, 1, `${type} has one icon: ${[...icons].join(', ')}`);
    const icon = (type: string) => [...(iconOf.get(type) ?? [])][0];
    assert.equal(icon('integer'), 'symbol-number');
    assert.equal(icon('timestamp'), 'calendar');
    assert.equal(icon('ip'), 'globe');
    assert.equal(icon('text'), 'symbol-string');
    if (iconOf.has('real')) assert.equal(icon('real'), icon('integer'), 'every number alike');
    assert.equal(new Set([icon('integer'), icon('timestamp'), icon('ip'), icon('text')]).size, 4, 'number, time, IP and text differ');
  });

  it('the export picker explains each format', async () => {
    const a = await api();
    const smb = await table(a, 'smb_files-planted.log');
    if (!a.findings.analyses.some((o) => o.table === smb.table)) await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'session-clusters');
    let shown: { items: vscode.QuickPickItem[]; options?: vscode.QuickPickOptions } | undefined;
    await answering({ showQuickPick: async (items: readonly vscode.QuickPickItem[], options?: vscode.QuickPickOptions) => ((shown = { items: [...(await items)], options }), undefined) }, () =>
      vscode.commands.executeCommand('logInvestigator.exportFindings'),
    );
    assert.ok(shown, 'a format picker');
    assert.deepEqual(shown.items.map((i) => i.label), ['SARIF 2.1.0', 'Markdown report', 'CSV', 'JSON']);
    for (const i of shown.items) assert.ok((i.detail ?? '').length > 30, `${i.label} is explained: "${i.detail}"`);
    assert.match(shown.items[0].detail!, /SARIF viewers|code scanning/);
    assert.match(shown.items[1].detail!, /report/i);
    assert.match(shown.items[2].detail!, /spreadsheet/i);
    assert.match(shown.items[3].detail!, /script/i);
    assert.equal(shown.options?.matchOnDetail, true, 'the explanations are searched too');
  });

  it('Export CSV and Save Database As propose a file in the workspace folder', async () => {
    const a = await api();
    await table(a, 'access.log');
    const asked: vscode.SaveDialogOptions[] = [];
    const stub = { showSaveDialog: async (o: vscode.SaveDialogOptions) => (asked.push(o), undefined) };
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip FROM access WHERE status = 404');
    await until(q('span.info'), (r) => /rows? · /.test(r.texts[0] ?? ''), 'the rows');
    await answering(stub, async () => {
      await harness.evalWebview({ ...q('vscode-button.export'), action: 'domClick' });
      const deadline = Date.now() + 10000;
      while (asked.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await vscode.commands.executeCommand('logInvestigator.exportDatabase');
    });
    assert.equal(asked.length, 2, 'two save dialogs');
    assert.equal(asked[0].defaultUri?.fsPath, path.join(ws(), 'access.csv'), 'the CSV named after its table');
    const folder = vscode.workspace.workspaceFolders![0].name;
    assert.equal(asked[1].defaultUri?.fsPath, path.join(ws(), `${folder}-logs.sqlite`), 'the database after the workspace');
    // saved: the message names the file as the workspace does, not by the machine's absolute path
    const told: string[] = [];
    const saved = vscode.Uri.file(path.join(ws(), 'saved-logs.sqlite'));
    await answering({ showSaveDialog: async () => saved, showInformationMessage: async (m: string) => (told.push(m), undefined) }, () => vscode.commands.executeCommand('logInvestigator.exportDatabase'));
    assert.equal(told[0], 'Saved every indexed table, the catalog and the rejects to saved-logs.sqlite');
    await vscode.workspace.fs.delete(saved);
  });
});
