/**
 * Investigation notebooks: SQL, Markdown and chart cells run with our kernel and drawn by our
 * renderer; outputs saved and read back from the file; a SQL output is the results grid (sort,
 * filter, selection, copy, resize, links to the source lines); an analysis opens as a notebook of
 * its SQL and charts.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatCopy } from '../../../src/shared/copyFormat';
import { harness, ws, api, table, editorShowing } from './helpers';
import { untilView as until, shotOf, clipboardAfter } from './viewHelpers';

/** A SQL cell's output: the results grid in the renderer's box (the results view's grid is another page). */
const NB = '.li-grid';
const THEMES: [string, string][] = [['Default Light+', 'light'], ['Default Dark+', 'dark'], ['Default High Contrast', 'high-contrast']];

/** Runs a notebook's SQL cell with our kernel and waits (up to 30 s) for its output: the table item. */
async function runSqlCell(doc: vscode.NotebookDocument, index: number): Promise<vscode.NotebookCellOutputItem> {
  await vscode.commands.executeCommand('notebook.selectKernel', { id: 'log-investigator-sql', extension: 'log-investigator.log-investigator' });
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: doc.uri });
  const deadline = Date.now() + 30000;
  while (doc.cellAt(index).outputs.length === 0) {
    if (Date.now() > deadline) throw new Error(`cell ${index} of ${path.basename(doc.uri.path)} produced no output`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return doc.cellAt(index).outputs[0].items.find((i) => i.mime === 'application/vnd.log-investigator.table+json')!;
}

describe('Investigation notebooks', function () {
  before(function () {
    if (!harness.available()) this.skip();
  });

  it('an investigation notebook runs SQL and chart cells, draws them with its renderer, saves its outputs and opens again with them', async () => {
    const a = await api();
    await table(a, 'access.log');
    const file = vscode.Uri.file(path.join(ws(), 'investigation.loginv'));
    const sql = 'SELECT status, count(*) AS n FROM access GROUP BY status ORDER BY n DESC';
    const chart = { mark: 'bar', data: { sql }, encoding: { x: { field: 'status', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } };
    const source = { logInvestigatorNotebook: 1, cells: [{ kind: 'markdown', source: ['# Status codes'] }, { kind: 'sql', source: [sql] }, { kind: 'chart', source: JSON.stringify(chart, null, 2).split('\n') }] };
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(source, null, 2)));
    const doc = await vscode.workspace.openNotebookDocument(file);
    assert.equal(doc.notebookType, 'log-investigator-notebook');
    assert.deepEqual(doc.getCells().map((c) => c.document.languageId), ['markdown', 'sql', 'json']);
    await vscode.window.showNotebookDocument(doc);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'log-investigator-sql', extension: 'log-investigator.log-investigator' });
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 1, end: 3 }], document: doc.uri });
    const deadline = Date.now() + 30000;
    while (doc.cellAt(1).outputs.length === 0 || doc.cellAt(2).outputs.length === 0) {
      if (Date.now() > deadline) throw new Error('the cells produced no output');
      await new Promise((r) => setTimeout(r, 200));
    }
    const expected = await a.service.query(sql);
    const item = doc.cellAt(1).outputs[0].items.find((i) => i.mime === 'application/vnd.log-investigator.table+json')!;
    const out = JSON.parse(new TextDecoder().decode(item.data)) as { columns: string[]; rows: unknown[][]; total: number };
    assert.deepEqual([out.columns, out.rows, out.total], [expected.columns, expected.rows, expected.rows.length]);
    const cells = await until({ selector: `${NB} tbody tr[data-row] td[data-col]` }, (r) => r.count === expected.rows.length * 2, 'the renderer draws the grid');
    assert.equal(cells.texts[0], String(expected.rows[0][0]));
    await until({ selector: '.li-chart svg .mark-rect path' }, (r) => r.count === expected.rows.length, 'the renderer draws one bar per status');
    await shotOf('investigation.loginv', 'view-notebook');
    await doc.save();
    const saved = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file))) as { cells: { kind: string; source: string[]; output?: { rows?: unknown[][]; spec?: { data: { values: unknown[] } } } }[] };
    assert.deepEqual(saved.cells.map((c) => c.kind), ['markdown', 'sql', 'chart']);
    assert.deepEqual(saved.cells[1].output?.rows, expected.rows, 'the SQL output is saved');
    assert.equal(saved.cells[2].output?.spec?.data.values.length, expected.rows.length, 'the chart is saved with its data');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // VS Code keeps a document an extension opened for minutes after its editor closed, so reopening
    // the same file would hand back the one in memory: the saved bytes are opened as another file
    // instead, which only what was written can fill
    const copy = vscode.Uri.file(path.join(ws(), 'investigation-reopened.loginv'));
    await vscode.workspace.fs.copy(file, copy, { overwrite: true });
    assert.ok(!vscode.workspace.notebookDocuments.some((d) => d.uri.toString() === copy.toString()), 'the copy is not open yet');
    const again = await vscode.workspace.openNotebookDocument(copy);
    assert.notEqual(again, doc, 'a new document, read from the saved file');
    assert.deepEqual(again.getCells().map((c) => c.document.languageId), ['markdown', 'sql', 'json']);
    const reopened = again.cellAt(1).outputs[0]?.items.find((i) => i.mime === 'application/vnd.log-investigator.table+json');
    assert.ok(reopened, 'reopened with its outputs');
    assert.deepEqual((JSON.parse(new TextDecoder().decode(reopened.data)) as { rows: unknown[][] }).rows, expected.rows);
    // and it runs again: outputs cleared, the SQL cell run, its output the query's rows, drawn again
    await vscode.window.showNotebookDocument(again);
    await vscode.commands.executeCommand('notebook.clearAllCellsOutputs');
    assert.equal(again.cellAt(1).outputs.length, 0, 'outputs cleared');
    const rerun = await runSqlCell(again, 1);
    assert.deepEqual((JSON.parse(new TextDecoder().decode(rerun.data)) as { rows: unknown[][] }).rows, expected.rows, 'the re-run output is the query\'s rows');
    assert.equal(again.cellAt(1).executionSummary?.success, true, 'the cell ran and succeeded');
    const redrawn = await until({ selector: `${NB} tbody tr[data-row] td[data-col]` }, (r) => r.count === expected.rows.length * 2, 'the renderer draws the re-run grid');
    assert.equal(redrawn.texts[0], String(expected.rows[0][0]));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it("a notebook's SQL output is the results grid: sort, filter (all columns or one) and its count, keyboard selection, Ctrl+F, copy as TSV, CSV and Markdown, resize, numbers right, null, line links", async function () {
    this.timeout(180000);
    const a = await api();
    const access = await table(a, 'access.log');
    const sql = `SELECT _line, client_ip, status, NULL AS note FROM "${access.table}" WHERE status <> 200 ORDER BY _line LIMIT 8`;
    const expected = (await a.service.query(sql)).rows as [number, string, number, null][];
    const doc = await vscode.workspace.openNotebookDocument('log-investigator-notebook', new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, sql, 'sql')]));
    await vscode.window.showNotebookDocument(doc);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab!.label;
    const item = await runSqlCell(doc, 0);
    const out = JSON.parse(new TextDecoder().decode(item.data)) as { sources?: unknown; types?: string[] };
    assert.deepEqual(out.sources, [{ table: access.table, lineColumn: 0, file: 'access.log' }]);
    assert.deepEqual(out.types, ['integer', 'ip', 'integer', 'text'], "the catalog's types, saved with the output");
    const q = (selector: string) => ({ selector: `${NB} ${selector}` });
    assert.equal(expected.length, 8);
    await until(q('span.info'), (r) => /^8 rows · \d+ ms · from access\.log$/.test(r.texts[0] ?? ''), 'the row count');
    const links = await until(q('a.srclink'), (r) => r.count === expected.length, 'a line link per row');
    assert.deepEqual(links.texts, expected.map((r) => `line ${r[0]}`));
    // numbers sit right, text left, null reads "null"
    const cells = await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col]'), styles: ['text-align', 'font-style'] });
    assert.deepEqual(cells.texts, [String(expected[0][0]), expected[0][1], String(expected[0][2]), 'null']);
    assert.deepEqual(cells.styles.map((x) => x['text-align']), ['right', 'left', 'right', 'left']);
    assert.equal(cells.styles[3]['font-style'], 'italic', 'null is set apart from the text "null"');
    // sorted by status, highest first after a second click (the stable sort keeps _line order within a status)
    await harness.evalWebview({ ...q('thead th:nth-child(4)'), action: 'domClick' });
    await harness.evalWebview({ ...q('thead th:nth-child(4)'), action: 'domClick' });
    const sorted = [...expected].sort((x, y) => y[2] - x[2]);
    await until(q('tbody tr[data-row] td[data-col="0"]'), (r) => r.texts.join() === sorted.map((x) => String(x[0])).join(), 'sorted by status, highest first');
    // the keyboard: a click selects a row, Shift+Down a second; Ctrl+C copies them in each format
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Shift+ArrowDown' });
    await until(q('span.info'), (r) => (r.texts[0] ?? '').includes(' · 2 selected'), 'two rows selected');
    const active = await harness.evalWebview(q('tbody td.active'));
    assert.deepEqual(active.texts, [sorted[1][1]], 'the active cell moved down a row');
    for (const format of ['tsv', 'csv', 'markdown'] as const) {
      await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: format });
      const text = await clipboardAfter(() => harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+c' }));
      assert.equal(text, formatCopy(format, ['_line', 'client_ip', 'status', 'note'], sorted.slice(0, 2), [true, false, true, false]), format);
    }
    await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: 'tsv' });
    // Ctrl+F in the grid: the focus to its filter
    assert.equal((await harness.evalWebview(q('vscode-text-field.filter'))).focus.inMatch, false, 'the filter has no focus before');
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+f' });
    const focused = await harness.evalWebview(q('vscode-text-field.filter'));
    assert.equal(focused.focus.inMatch, true, `Ctrl+F puts the focus in the filter: ${JSON.stringify(focused.focus)}`);
    // a filter on all columns, then on one (client_ip), and the count of what it keeps: a needle found in client_ip and elsewhere
    const has = (v: unknown, n: string) => v !== null && String(v).includes(n);
    const counts = (n: string) => ({ n, anywhere: expected.filter((r) => r.some((v) => has(v, n))).length, inIp: expected.filter((r) => has(r[1], n)).length });
    const pick = [...Array(100).keys()].map((k) => counts(String(k))).find((c) => c.inIp > 0 && c.anywhere > c.inIp && c.anywhere < expected.length);
    assert.ok(pick, 'a needle in client_ip and in other columns');
    const needle = pick.n;
    await harness.evalWebview({ ...q('vscode-text-field.filter'), action: 'fill', text: needle });
    await until(q('span.info'), (r) => (r.texts[0] ?? '').startsWith(`${pick.anywhere} of ${expected.length} rows`), `${pick.anywhere} of ${expected.length} rows`);
    await harness.evalWebview({ ...q('vscode-dropdown.filter-column'), action: 'choose', text: '1' });
    await until(q('span.info'), (r) => (r.texts[0] ?? '').startsWith(`${pick.inIp} of ${expected.length} rows`), `${pick.inIp} of 8 rows by client_ip`);
    // a column widens when its edge is dragged
    const th = 'thead th:nth-child(3)';
    const before = (await harness.evalWebview(q(th))).boxes[0];
    await harness.evalWebview({ ...q(`${th} .resizer`), action: 'drag', dx: 120 });
    const after = await until(q(th), (r) => r.boxes[0].width > before.width + 100, `client_ip wider than ${before.width} px`, 10000);
    assert.ok(Math.abs(after.boxes[0].width - before.width - 120) <= 2, `by the 120 px dragged: ${before.width} -> ${after.boxes[0].width}`);
    // in each theme, photographed
    try {
      for (const [theme, name] of THEMES) {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await new Promise((r) => setTimeout(r, 800)); // the output's webview takes the theme's colours
        await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
        await shotOf(tab, `view-notebook-grid-${name}`);
      }
    } finally {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    }
    // the link opens the log at its line
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] a.srclink'), action: 'domClick' });
    const ed = await editorShowing(access.file, 10000);
    const line = ed.selection.active.line + 1;
    const row = expected.find((r) => r[0] === line);
    assert.ok(row && String(row[1]).includes(needle), `line ${line} is a row the filter kept`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Open Analysis as Notebook writes the analysis\'s SQL and charts as cells', async () => {
    const a = await api();
    const smb = await table(a, 'smb_files-planted.log');
    const run = a.findings.analyses.find((o) => o.analysis === 'session-clusters' && o.table === smb.table) ?? (await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'session-clusters'), a.findings.analyses.find((o) => o.analysis === 'session-clusters' && o.table === smb.table));
    assert.ok(run?.queries?.length, 'the run recorded its SQL');
    const editor = (await vscode.commands.executeCommand('logInvestigator.openAnalysisAsNotebook', `session-clusters|${smb.table}`)) as vscode.NotebookEditor;
    const kinds = editor.notebook.getCells().map((c) => c.document.languageId);
    assert.equal(kinds.filter((k) => k === 'sql').length, run.queries.length);
    assert.equal(kinds.filter((k) => k === 'json').length, run.charts.length);
    const firstSql = editor.notebook.getCells().find((c) => c.document.languageId === 'sql')!.document.getText();
    assert.ok(!firstSql.includes('?') || run.queries[0].params.length === 0, 'parameters are inlined');
    await a.service.query(firstSql);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
