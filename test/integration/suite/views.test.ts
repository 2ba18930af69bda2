/**
 * The views as a person sees them, checked from the DOM: every chart has a size and readable
 * text (contrast ≥ 4.5:1 against its background) in Light, Dark and High Contrast; the grid's
 * header stays while its rows scroll; filter, selection and copy; a failed query stays on view
 * with its position. Screenshots of each, per theme, go to the screenshots folder.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { harness, ws, api, table, nextMessage, type WebviewAnswer as Inspect } from './helpers';
import { untilView as until, expandGroupOf, shotOf, closeWebviews } from './viewHelpers';


// the themes #13 names: Light+, Dark+ and High Contrast
const THEMES: [string, string][] = [['Default Light+', 'light'], ['Default Dark+', 'dark'], ['Default High Contrast', 'high-contrast']];
const RESULTS = 'Query Results';


/** Every chart in the panel has a size; every text in it reads at 4.5:1 or better; no title is cut off. */
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

async function checkCharts(title: string, shot: string): Promise<void> {
  const restore = await expandGroupOf(title);
  try {
    await checkChartsExpanded(title, shot);
  } finally {
    await restore();
    await closeWebviews(title); // shown again in the next theme: no two views of one title for the harness to choose from
  }
}

async function checkChartsExpanded(title: string, shot: string): Promise<void> {
  const svgs = await until({ titleContains: title, selector: '.chart-view svg' }, (r) => r.count > 0 && r.boxes.every((b) => b.width > 100 && b.height > 50), `${title}: every chart has a size`, 60000);
  // a theme change redraws the charts: wait for the redraw, then every text must read
  const readable = (r: Inspect) => r.textContrast.length > 3 && r.textContrast.every((t) => t.ratio >= 4.5);
  const texts = await until({ titleContains: title, selector: '.chart-view svg' }, readable, `${title} (${shot}): text under 4.5:1 contrast`).catch(async (e: Error) => {
    await harness.screenshot(`${shot}-failed`);
    const r = await harness.evalWebview({ titleContains: title, selector: '.chart-view svg' });
    throw new Error(`${e.message.split(':')[0]}: ${JSON.stringify(r.textContrast.filter((t) => t.ratio < 4.5).slice(0, 6))} of ${r.textContrast.length} texts`);
  });
  assert.ok(texts.textContrast.length > 3);
  // the counts of a confusion matrix were read against their own cell (not the page behind the chart)
  const counts = texts.textContrast.filter((t) => /^(TP|FP|FN|TN) \d+$/.test(t.text));
  if (shot.includes('login-detectors')) assert.ok(counts.length >= 4, `${title}: the confusion matrices' counts are measured (${counts.length})`);
  for (const c of counts) assert.ok(c.onMark, `${title}: "${c.text}" measured against its cell, not ${c.bg}`);
  assert.ok(svgs.boxes[0].width > 300, `${title}: a container-wide chart is wide (${svgs.boxes[0].width} px)`);
  // no chart title is cut by the page's edge (a chart wider than its box scrolls: a title wholly past the edge is reached by scrolling)
  const titles = await harness.evalWebview({ titleContains: title, selector: '.chart-view svg g.role-title text' }, 2000).catch(() => undefined); // none within 2 s: the charts have no titles
  for (const [k, b] of (titles?.boxes ?? []).entries()) {
    const w = titles!.viewport.width;
    assert.ok(b.x >= 0 && !(b.x < w && b.x + b.width > w + 1), `${title}: the chart title "${titles!.texts[k]}" is cut off (x ${Math.round(b.x)}, width ${Math.round(b.width)}, page ${w})`);
  }
  await harness.screenshot(shot);
}

describe('Views in every theme', function () {
  before(function () {
    if (!harness.available()) this.skip();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('every chart has a size and text at 4.5:1 contrast or better, in Light+, Dark+ and High Contrast', async function () {
    // 6 views in 3 themes, each drawn, measured and photographed: over the suite's 2 minutes on a busy 2-core machine
    this.timeout(420000);
    const a = await api();
    // the views other test files left open (some of the same titles) closed first
    await closeWebviews();
    const access = await table(a, 'access.log');
    const smb = await table(a, 'smb_files-planted.log');
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'session-clusters');
    // the analysis views with legends, facet headers, maps and matrices: every one in every theme
    const course = await table(a, 'course-planted.txt');
    await table(a, 'cohorts.csv');
    await table(a, 'attacks.csv');
    const log = await table(a, 'log.csv');
    await table(a, 'signins.csv');
    const views: [string, string][] = [['busiest-resources', course.table], ['cohort-overuse', course.table], ['login-detectors', log.table], ['geo-ip', 'signins']];
    for (const [id] of views) await vscode.commands.executeCommand('logInvestigator.runAnalysis', id);
    const shown = views.map(([id, t]) => {
      const out = a.findings.analyses.find((o) => o.analysis === id && o.table === t);
      assert.ok(out && out.charts.length > 0, `${id} on ${t} has charts`);
      return { key: `${id}|${t}`, title: `${out.title} — ${t}`, shot: id };
    });
    for (const [theme, name] of THEMES) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('logInvestigator.showTimeline', access.table);
      await checkCharts('Timeline', `view-timeline-${name}`);
      await vscode.commands.executeCommand('logInvestigator.showAnalysis', `session-clusters|${smb.table}`);
      await checkCharts('Clusters of network sessions', `view-clusters-${name}`);
      for (const v of shown) {
        await vscode.commands.executeCommand('logInvestigator.showAnalysis', v.key);
        await checkCharts(v.title, `view-${v.shot}-${name}`);
      }
    }
  });

  it('symlog axes spread their labels over the axis, each naming its own value', async () => {
    const a = await api();
    const smb = await table(a, 'smb_files-planted.log');
    await vscode.commands.executeCommand('logInvestigator.showAnalysis', `session-clusters|${smb.table}`);
    // Vega labels each axis group for screen readers: "Y-axis titled 'bytes' for a symlog scale …"
    const labels = await until({ titleContains: 'Clusters of network sessions', selector: '.chart-view svg g.role-axis[aria-label*="symlog scale"] .role-axis-label text' }, (r) => r.count > 4, 'labels of a symlog axis');
    const ys = new Set(labels.boxes.map((b) => Math.round(b.y)));
    assert.equal(ys.size, labels.count, `every label at its own height: ${labels.boxes.map((b) => Math.round(b.y)).join(', ')}`);
    const span = Math.max(...labels.boxes.map((b) => b.y)) - Math.min(...labels.boxes.map((b) => b.y));
    assert.ok(span > 150, `the labels span ${span} px of the axis`);
    assert.equal(new Set(labels.texts).size, labels.count, `labels repeat: ${labels.texts.join(' ')}`);
  });

  it("the grid's header stays visible while 100,000 rows scroll under it", async () => {
    await vscode.commands.executeCommand('logInvestigator.runQuery', "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, 'row ' || x AS label FROM c");
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => /^100,000 rows/.test(r.texts[0] ?? ''), 'the result is shown');
    await harness.evalWebview({ titleContains: RESULTS, selector: '.scroller', action: 'scroll', scrollTop: 240000 });
    const scroller = (await harness.evalWebview({ titleContains: RESULTS, selector: '.scroller' })).boxes[0];
    const heads = await harness.evalWebview({ titleContains: RESULTS, selector: 'thead th .name' });
    assert.deepEqual(heads.texts, ['x', 'label']);
    // at the top of the scroller (inside its border), not 240,000 px above it
    for (const b of heads.boxes) assert.ok(b.y >= scroller.y && b.y - scroller.y <= 4, `header at ${b.y}, scroller top ${scroller.y}`);
    // the rows under the header are the ones at that scroll position (about row 10,000), not row 1
    const cells = await until({ titleContains: RESULTS, selector: 'tbody tr[data-row] td' }, (r) => r.texts.some((t) => /^row \d{4,}$/.test(t)), 'rows near the scroll position');
    const first = cells.texts.find((t) => /^row \d+$/.test(t))!;
    assert.ok(Number(first.slice(4)) > 9000, `first rendered row ${first}`);
    await shotOf(RESULTS, 'view-grid-scrolled');
  });

  it('filters rows, selects them with the keyboard and copies exactly the selection', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT _line, client_ip, status, path FROM access ORDER BY _line');
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => /^300 rows/.test(r.texts[0] ?? ''), 'all rows');
    const filtered = nextMessage(a, 'filter');
    await harness.evalWebview({ titleContains: RESULTS, selector: 'vscode-text-field.filter', action: 'fill', text: '66.249' });
    assert.equal((await filtered).text, '66.249');
    const expected = (await a.service.query("SELECT count(*) FROM access WHERE CAST(_line AS TEXT) LIKE '%66.249%' OR client_ip LIKE '%66.249%' OR CAST(status AS TEXT) LIKE '%66.249%' OR path LIKE '%66.249%'")).rows[0][0] as number;
    assert.ok(expected >= 3 && expected < 300, `${expected} rows match`);
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => r.texts[0]?.startsWith(`${expected.toLocaleString()} of 300 rows`), `"${expected} of 300 rows"`);
    await harness.evalWebview({ titleContains: RESULTS, selector: 'tbody tr[data-row="0"] td[data-col="1"]', action: 'click' });
    await until({ titleContains: RESULTS, selector: 'tbody tr.selected' }, (r) => r.count === 1, 'the clicked row selected');
    for (const n of [2, 3]) {
      await harness.evalWebview({ titleContains: RESULTS, selector: '.scroller', action: 'press', key: 'Shift+ArrowDown' });
      await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => (r.texts[0] ?? '').includes(` · ${n} selected`), `${n} rows selected`);
    }
    const selected = await harness.evalWebview({ titleContains: RESULTS, selector: 'tbody tr.selected' });
    assert.equal(selected.count, 3);
    const copied = nextMessage(a, 'copy');
    await harness.evalWebview({ titleContains: RESULTS, selector: '.scroller', action: 'press', key: 'Control+c' });
    const m = await copied;
    assert.deepEqual(m.rows, [0, 1, 2]);
    assert.equal(m.header, true);
    assert.equal(m.format, 'tsv');
    await shotOf(RESULTS, 'view-grid-filtered-selected');
  });

  it('an aggregated row lists the rows behind it, which link to their lines', async () => {
    const a = await api();
    await table(a, 'access.log');
    const sql = 'SELECT client_ip, count(*) AS n FROM access WHERE status = 200 GROUP BY 1 ORDER BY 2 DESC, 1';
    const top = (await a.service.query(sql)).rows[0] as [string, number];
    await vscode.commands.executeCommand('logInvestigator.runQuery', sql);
    await until({ titleContains: RESULTS, selector: 'a.behindlink' }, (r) => r.count > 0, 'a "rows…" link per row');
    const asked = nextMessage(a, 'rowsBehind');
    await harness.evalWebview({ titleContains: RESULTS, selector: 'tbody tr[data-row="0"] a.behindlink', action: 'domClick' });
    assert.equal((await asked).row, 0);
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => (r.texts[0] ?? '').startsWith(`${top[1].toLocaleString()} row`), `the ${top[1]} rows of ${top[0]}`);
    const ips = await harness.evalWebview({ titleContains: RESULTS, selector: 'tbody tr[data-row] td[data-col]' });
    assert.ok(ips.texts.includes(top[0]), 'the rows are the group\'s');
    const links = await harness.evalWebview({ titleContains: RESULTS, selector: 'a.srclink' });
    const expected = (await a.service.query('SELECT _line FROM access WHERE status = 200 AND client_ip = ? ORDER BY _line', [top[0]])).rows.map((r) => `line ${r[0]}`);
    assert.deepEqual(links.texts.slice(0, expected.length), expected.slice(0, links.texts.length));
    await shotOf('Rows behind', 'view-rows-behind');
  });

  it('a joined row links to its line in each table, and each link opens that file at that line', async () => {
    const a = await api();
    const log = await table(a, 'log.csv');
    const attacks = await table(a, 'attacks.csv');
    const sql = `SELECT l._line, a._line AS attack_line, l.source_ip, l.username FROM "${log.table}" l JOIN "${attacks.table}" a ON a.source_ip = l.source_ip ORDER BY l._line`;
    const first = (await a.service.query(sql)).rows[0] as [number, number, string, string];
    await vscode.commands.executeCommand('logInvestigator.runQuery', sql);
    const links = await until({ titleContains: RESULTS, selector: 'tbody tr[data-row="0"] a.srclink' }, (r) => r.count === 2, 'two links on a joined row');
    assert.deepEqual(links.texts, [`${log.table} ${first[0]}`, `${attacks.table} ${first[1]}`]);
    const asked = nextMessage(a, 'openSource');
    await harness.evalWebview({ titleContains: RESULTS, selector: 'tbody tr[data-row="0"] a.srclink[data-source="1"]', action: 'domClick' });
    assert.deepEqual(await asked, { type: 'openSource', line: first[1], source: 1 });
    const deadline = Date.now() + 10000;
    let ed = vscode.window.activeTextEditor;
    while (Date.now() < deadline && !(ed && path.basename(ed.document.uri.fsPath) === 'attacks.csv' && ed.selection.active.line === first[1] - 1)) {
      await new Promise((r) => setTimeout(r, 100));
      ed = vscode.window.activeTextEditor;
    }
    assert.equal(path.basename(ed?.document.uri.fsPath ?? ''), 'attacks.csv');
    assert.equal(ed!.selection.active.line, first[1] - 1, 'the attack\'s line is selected');
    assert.ok(ed!.document.lineAt(first[1] - 1).text.endsWith(first[2]), 'and it is the attack of that IP');
    await shotOf(RESULTS, 'view-join-links');
  });

  it('an analysis that cannot run offers the button that fixes it, and the button opens the setting', async () => {
    const a = await api();
    await table(a, 'signins.csv');
    const w = vscode.window as unknown as Record<string, unknown>;
    const c = vscode.commands as unknown as Record<string, unknown>;
    const saved = { warn: w.showWarningMessage, exec: c.executeCommand };
    const shown: { message: string; buttons: string[] }[] = [];
    const executed: unknown[][] = [];
    w.showWarningMessage = async (message: string, ...buttons: string[]) => {
      shown.push({ message, buttons });
      return buttons.find((b) => b.startsWith('Open Setting'));
    };
    const real = saved.exec as (...args: unknown[]) => Thenable<unknown>;
    c.executeCommand = (...args: unknown[]) => {
      if (args[0] === 'workbench.action.openSettings') {
        executed.push(args);
        return Promise.resolve(undefined);
      }
      return real.apply(vscode.commands, args);
    };
    try {
      await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'threat-list');
      const deadline = Date.now() + 5000;
      while (executed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      w.showWarningMessage = saved.warn;
      c.executeCommand = saved.exec;
    }
    assert.equal(shown.length, 1, 'one message');
    assert.ok(!shown[0].message.includes('\n'), 'one line');
    // threat-list needs the setting everywhere, and an IP column on the tables that have none
    assert.ok(shown[0].buttons.includes('Open Setting threatList'), shown[0].buttons.join(', '));
    assert.ok(shown[0].buttons.every((b) => ['Open Setting threatList', "Set Column's Role…"].includes(b)), shown[0].buttons.join(', '));
    assert.deepEqual(executed, [['workbench.action.openSettings', 'logInvestigator.threatList']]);
  });

  it('a long analysis runs under a progress notification naming each step, and Cancel stops it keeping what finished', async () => {
    const a = await api();
    await table(a, 'course-planted.txt');
    await table(a, 'log.csv');
    const w = vscode.window as unknown as Record<string, unknown>;
    const saved = w.withProgress;
    const seen: { options: vscode.ProgressOptions; messages: string[]; increments: number[] } = { options: {} as vscode.ProgressOptions, messages: [], increments: [] };
    // the notification as a person meets it: its options, its messages, and a Cancel pressed after the second step
    w.withProgress = (options: vscode.ProgressOptions, task: (p: vscode.Progress<{ message?: string; increment?: number }>, t: vscode.CancellationToken) => Thenable<unknown>) => {
      seen.options = options;
      const source = new vscode.CancellationTokenSource();
      return task({
        report: (v) => {
          if (v.message) seen.messages.push(v.message);
          seen.increments.push(v.increment ?? 0);
          if (seen.messages.length === 2) source.cancel();
        },
      }, source.token);
    };
    let run: { cancelled?: { done: number; total: number }; outputs: { analysis: string }[] } | undefined;
    try {
      run = (await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'all')) as typeof run;
    } finally {
      w.withProgress = saved;
    }
    assert.equal(seen.options.cancellable, true, 'the notification has a Cancel button');
    assert.equal(seen.options.location, vscode.ProgressLocation.Notification);
    assert.match(seen.messages[0], /^[a-z-]+ on [\w-]+ \(1 of \d+\)$/, seen.messages[0]);
    assert.ok(run?.cancelled, 'the run was cancelled');
    const { done, total } = run.cancelled;
    assert.ok(done >= 1 && done < total && total > 10, `stopped after ${done} of ${total}`);
    assert.ok(seen.messages.length < total, `${seen.messages.length} steps announced of ${total}`);
    assert.ok(run.outputs.length >= 1 && run.outputs.length <= done, `${run.outputs.length} outputs kept`);
    // what finished is in the Findings model; the next run is not cancelled
    assert.ok(run.outputs.every((o) => a.findings.analyses.some((x) => x.analysis === o.analysis)));
  });

  it('a failed query stays in the panel with the error and where it is', async () => {
    // "WHER" reads as an alias of access, so SQLite stops at "status"
    const sqlText = 'SELECT client_ip\nFROM access WHER status = 1';
    await vscode.commands.executeCommand('logInvestigator.runQuery', sqlText);
    const error = await until({ titleContains: RESULTS, selector: '.error' }, (r) => /syntax error/.test(r.texts[0] ?? ''), 'the error');
    assert.match(error.texts[0], /near "status": syntax error \(line 2, column 18\)/);
    const sql = await harness.evalWebview({ titleContains: RESULTS, selector: 'pre.sql' });
    assert.equal(sql.texts[0], sqlText);
    const caret = await harness.evalWebview({ titleContains: RESULTS, selector: '.error-at' });
    assert.equal(caret.texts[0], `FROM access WHER status = 1\n${' '.repeat(17)}^`);
    await shotOf(RESULTS, 'view-query-error');
  });

  it('a .sql editor: Run lenses per statement, Ctrl+Enter runs the one at the cursor, names complete, errors are diagnostics where SQLite points', async () => {
    const a = await api();
    await table(a, 'access.log');
    const text = 'SELECT client_ip, count(*) AS n FROM access GROUP BY 1;\n\nSELECT nope FROM access;\nSELECT status FROM access WHERE status = 404';
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    const editor = await vscode.window.showTextDocument(doc);
    const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri)) as vscode.CodeLens[];
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.command, l.command?.arguments?.[0]]), [
      [0, 'logInvestigator.runQuery', 'SELECT client_ip, count(*) AS n FROM access GROUP BY 1'],
      [2, 'logInvestigator.runQuery', 'SELECT nope FROM access'],
      [3, 'logInvestigator.runQuery', 'SELECT status FROM access WHERE status = 404'],
    ]);
    const diagnostics = await a.sqlEditor.check(doc);
    assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join('; '));
    assert.equal(diagnostics[0].message, 'no such column: nope');
    assert.equal(doc.getText(diagnostics[0].range), 'nope');
    assert.equal(diagnostics[0].range.start.line, 2);
    const completions = (await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(3, 'SELECT status FROM access WHERE '.length))) as vscode.CompletionList;
    const labels = completions.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const name of ['access', 'client_ip', 'status', '_line']) assert.ok(labels.includes(name), `completes ${name}`);
    const column = completions.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'client_ip')!;
    assert.match(column.detail ?? '', /^ip/, 'a column says its type');
    editor.selection = new vscode.Selection(3, 10, 3, 10);
    await vscode.commands.executeCommand('logInvestigator.runQueryAtCursor');
    assert.equal(a.history()[0].sql, 'SELECT status FROM access WHERE status = 404', 'the statement at the cursor ran');
    assert.deepEqual(a.history()[0].outcome, { rows: ((await a.service.query('SELECT count(*) FROM access WHERE status = 404')).rows[0][0]) as number });
    await harness.screenshot('view-sql-editor');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
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
