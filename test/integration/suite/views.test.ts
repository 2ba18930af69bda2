/**
 * The views as a person sees them, checked from the DOM: every chart has a size and readable
 * text (contrast ≥ 4.5:1 against what is under it: the page, or the chart's mark it is drawn on)
 * in Light+, Dark+ and High Contrast; the grid's
 * header stays while its rows scroll; filter, selection and copy; a failed query stays on view
 * with its position. Screenshots of each, per theme, go to the screenshots folder.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { harness, api, table, nextMessage, type WebviewAnswer as Inspect } from './helpers';
import { untilView as until, expandGroupOf, shotOf, closeWebviews } from './viewHelpers';


// the themes #13 names: Light+, Dark+ and High Contrast
const THEMES: [string, string][] = [['Default Light+', 'light'], ['Default Dark+', 'dark'], ['Default High Contrast', 'high-contrast']];
const RESULTS = 'Query Results';


/** Every chart in the panel has a size; every text in it reads at 4.5:1 or better; no title is cut off. */
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
    // a table names its file as the workspace does, never by the machine's absolute path
    const access = completions.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'access')!;
    assert.equal(access.detail, 'table from access.log');
    editor.selection = new vscode.Selection(3, 10, 3, 10);
    await vscode.commands.executeCommand('logInvestigator.runQueryAtCursor');
    assert.equal(a.history()[0].sql, 'SELECT status FROM access WHERE status = 404', 'the statement at the cursor ran');
    assert.deepEqual(a.history()[0].outcome, { rows: ((await a.service.query('SELECT count(*) FROM access WHERE status = 404')).rows[0][0]) as number });
    await harness.screenshot('view-sql-editor');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
