/**
 * Investigation notebooks: SQL, Markdown and chart cells run with our kernel and drawn by our
 * renderer; outputs saved and read back from the file; a SQL result sorts, filters and links
 * each row to its line; an analysis opens as a notebook of its SQL and charts.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { harness, ws, api, table } from './helpers';
import { untilView as until, shotOf } from './viewHelpers';

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
    const cells = await until({ selector: '.li-table td' }, (r) => r.count === expected.rows.length * 2, 'the renderer draws the table');
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
    const redrawn = await until({ selector: '.li-table td' }, (r) => r.count === expected.rows.length * 2, 'the renderer draws the re-run table');
    assert.equal(redrawn.texts[0], String(expected.rows[0][0]));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it("a notebook's SQL result sorts, filters and links each row to its source line", async () => {
    const a = await api();
    const access = await table(a, 'access.log');
    const sql = `SELECT _line, client_ip, status FROM "${access.table}" WHERE status >= 400 ORDER BY _line LIMIT 8`;
    const expected = (await a.service.query(sql)).rows as [number, string, number][];
    const doc = await vscode.workspace.openNotebookDocument('log-investigator-notebook', new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, sql, 'sql')]));
    await vscode.window.showNotebookDocument(doc);
    const item = await runSqlCell(doc, 0);
    assert.deepEqual((JSON.parse(new TextDecoder().decode(item.data)) as { sources?: unknown }).sources, [{ table: access.table, lineColumn: 0 }]);
    const links = await until({ selector: '.li-table a.li-src' }, (r) => r.count === expected.length, 'a line link per row');
    assert.deepEqual(links.texts, expected.map((r) => `line ${r[0]}`));
    // sorted by status, descending after a second click
    await harness.evalWebview({ selector: '.li-table th:nth-child(4)', action: 'domClick' });
    await harness.evalWebview({ selector: '.li-table th:nth-child(4)', action: 'domClick' });
    const top = [...expected].sort((x, y) => y[2] - x[2] || 0)[0];
    await until({ selector: '.li-table tbody tr:first-child td:nth-child(4)' }, (r) => r.texts[0] === String(top[2]), 'sorted by status, highest first');
    await harness.evalWebview({ selector: '.li-filterbox', action: 'fill', text: String(expected[0][1]) });
    const want = expected.filter((r) => r.some((v) => String(v).includes(String(expected[0][1])))).length;
    await until({ selector: '.li-info' }, (r) => (r.texts[0] ?? '').startsWith(`${want} of ${expected.length} rows`), 'filtered');
    // the link opens the log at its line
    await harness.evalWebview({ selector: '.li-table tbody tr:first-child a.li-src', action: 'domClick' });
    const end = Date.now() + 10000;
    let ed = vscode.window.activeTextEditor;
    while (Date.now() < end && !(ed && path.basename(ed.document.uri.fsPath) === 'access.log')) {
      await new Promise((r) => setTimeout(r, 100));
      ed = vscode.window.activeTextEditor;
    }
    assert.equal(path.basename(ed?.document.uri.fsPath ?? ''), 'access.log');
    const line = ed!.selection.active.line + 1;
    assert.ok(expected.some((r) => r[0] === line && String(r[1]) === String(expected[0][1])), `line ${line} is a row of ${expected[0][1]}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
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
