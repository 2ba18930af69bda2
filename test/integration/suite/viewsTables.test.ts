/**
 * The tables under an analysis's charts are the results grid: sorted, filtered (all columns or
 * one) and counted by the host, with the keyboard, row selection, Ctrl+F, copy as TSV, CSV and
 * Markdown, and a "rows…" link per row to the log rows behind it, the right ones after a sort.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { formatCopy } from '../../../src/shared/copyFormat';
import { compareCells } from '../../../src/shared/views';
import type { SqlValue } from '../../../src/engine/store/database';
import type { Cell } from '../../../src/shared/protocol';
import { harness, api, table } from './helpers';
import { untilView as until, clipboardAfter, closeWebviews, shotOf } from './viewHelpers';

const RESULTS = 'Query Results';
const CLUSTERS = 'Clusters of network sessions';
/** A number as the tables under the charts show it: at most 4 decimals. */
const shown = (v: Cell) => (v === null ? 'null' : typeof v === 'number' ? String(Number(v.toFixed(4))) : v);
/** An analysis's rows as the view is sent them (a blob as its size, a bigint as its digits). */
const asCells = (rows: SqlValue[][]): Cell[][] => rows.map((r) => r.map((v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v)));
const count = (n: number, of: number) => (n === of ? `${n.toLocaleString()} rows` : `${n.toLocaleString()} of ${of.toLocaleString()} rows`);

async function clusters() {
  const a = await api();
  const smb = await table(a, 'smb_files-planted.log');
  if (!a.findings.analyses.some((o) => o.analysis === 'session-clusters' && o.table === smb.table)) await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'session-clusters');
  const out = a.findings.analyses.find((o) => o.analysis === 'session-clusters' && o.table === smb.table)!;
  const t = { ...out.tables[0], rows: asCells(out.tables[0].rows) };
  assert.ok(t.rows.length > 2, 'the analysis has a table with rows');
  await closeWebviews(CLUSTERS); // a view left sorted or filtered by the test before: not the one measured
  await vscode.commands.executeCommand('logInvestigator.showAnalysis', `session-clusters|${smb.table}`);
  // the second table box is the analysis's first table (the first lists the findings)
  const box = '.table-box:nth-of-type(2)';
  const q = (selector: string) => ({ titleContains: CLUSTERS, selector: `${box} ${selector}` });
  await until(q('span.info'), (r) => r.texts[0] === count(t.rows.length, t.rows.length), 'the row count');
  return { t, q };
}

describe('The tables under the charts', function () {
  before(function () {
    if (!harness.available()) this.skip();
  });

  it('sort by a click on a column (again: the other way), and filter on all columns or one', async () => {
    const { t, q } = await clusters();
    const sorted = [...t.rows].sort((x, y) => compareCells(x[0], y[0]));
    await harness.evalWebview({ ...q('thead th:not(.src)'), action: 'domClick' });
    await until(q('tbody tr[data-row="0"] td[data-col="0"]'), (r) => r.texts[0] === shown(sorted[0][0]), 'sorted by the first column');
    await harness.evalWebview({ ...q('thead th:not(.src)'), action: 'domClick' });
    await until(q('tbody tr[data-row="0"] td[data-col="0"]'), (r) => r.texts[0] === shown(sorted[sorted.length - 1][0]), 'sorted the other way');
    const header = await harness.evalWebview(q('thead th:not(.src)'));
    assert.match(header.texts[0] ?? '', /▼/, 'the header says the direction');
    // all columns: the rows with the needle anywhere; one column: only there
    const needle = String(t.rows[t.rows.length - 1][0]);
    const anywhere = t.rows.filter((r) => r.some((v) => v !== null && String(v).toLowerCase().includes(needle.toLowerCase()))).length;
    await harness.evalWebview({ ...q('vscode-text-field.filter'), action: 'fill', text: needle });
    await until(q('span.info'), (r) => r.texts[0] === count(anywhere, t.rows.length), `filtered to ${anywhere}`);
    const inFirst = t.rows.filter((r) => r[0] !== null && String(r[0]).toLowerCase().includes(needle.toLowerCase())).length;
    await harness.evalWebview({ ...q('vscode-dropdown.filter-column'), action: 'choose', text: '0' });
    await until(q('span.info'), (r) => r.texts[0] === count(inFirst, t.rows.length), `filtered to ${inFirst} in ${t.columns[0]}`);
    const cells = await harness.evalWebview(q('tbody tr[data-row] td[data-col="0"]'));
    assert.ok(cells.texts.every((c) => c.toLowerCase().includes(needle.toLowerCase())), 'every row kept has it in that column');
  });

  it('the keyboard moves and selects, Ctrl+F goes to the filter, a selection copies as TSV, CSV and Markdown', async () => {
    const { t, q } = await clusters();
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] td[data-col="1"]'), action: 'click' });
    await until(q('tbody tr.selected'), (r) => r.count === 1, 'the clicked row selected');
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Shift+ArrowDown' });
    await until(q('span.info'), (r) => (r.texts[0] ?? '').includes(' · 2 selected'), 'two rows selected');
    const active = await harness.evalWebview(q('tbody td.active'));
    assert.deepEqual(active.texts, [shown(t.rows[1][1])], 'the active cell moved down a row');
    const numeric = t.columns.map((_, i) => t.rows.every((r) => r[i] === null || typeof r[i] === 'number') && t.rows.some((r) => typeof r[i] === 'number'));
    for (const format of ['tsv', 'csv', 'markdown'] as const) {
      await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: format });
      const text = await clipboardAfter(() => harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+c' }));
      // the values as the analysis gave them (not as shown, rounded), under the header
      assert.equal(text, formatCopy(format, t.columns, t.rows.slice(0, 2), numeric), format);
    }
    await harness.evalWebview({ ...q('vscode-dropdown.copy-format'), action: 'choose', text: 'tsv' });
    const before = await harness.evalWebview(q('vscode-text-field.filter'));
    assert.equal(before.focus.inMatch, false, 'the filter has no focus before');
    await harness.evalWebview({ ...q('.scroller'), action: 'press', key: 'Control+f' });
    const after = await harness.evalWebview(q('vscode-text-field.filter'));
    assert.equal(after.focus.inMatch, true, `Ctrl+F puts the focus in this table's filter: ${JSON.stringify(after.focus)}`);
    await shotOf(CLUSTERS, 'view-chart-table-selected');
  });

  it("rows lead to the log rows behind them, the right ones after a sort: a finding's evidence, an IP's rows", async () => {
    const a = await api();
    const log = await table(a, 'log.csv');
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
    const out = a.findings.analyses.find((o) => o.analysis === 'volume-outliers-ip' && o.table === log.table)!;
    const perIp = out.tables.findIndex((t) => t.columns[0] === 'IP');
    assert.ok(perIp >= 0 && out.findings.length > 0, 'findings and a table per IP');
    const ips = { ...out.tables[perIp], rows: asCells(out.tables[perIp].rows) };
    assert.ok(ips.rows.length > 1 && String(ips.rows[0][0]) !== String([...ips.rows].sort((x, y) => compareCells(y[0], x[0]))[0][0]), 'a descending sort puts another IP first');
    await closeWebviews(out.title);
    await vscode.commands.executeCommand('logInvestigator.showAnalysis', `volume-outliers-ip|${log.table}`);
    const title = `${out.title} — ${log.table}`;
    const box = `.table-box:nth-of-type(${perIp + 2})`; // the findings come first
    const q = (selector: string) => ({ titleContains: title, selector: `${box} ${selector}` });
    const rendered = await until(q('tbody tr[data-row]'), (r) => r.count > 0, 'the rows drawn');
    const links = await harness.evalWebview(q('tbody tr[data-row] a.behindlink'));
    assert.equal(links.count, rendered.count, 'a "rows…" link on every row');
    // sorted by IP, highest first: the first row's "rows…" lists that IP's rows (not those of the IP first as given)
    await harness.evalWebview({ ...q('thead th:not(.src)'), action: 'domClick' });
    await harness.evalWebview({ ...q('thead th:not(.src)'), action: 'domClick' });
    const ip = String([...ips.rows].sort((x, y) => compareCells(y[0], x[0]))[0][0]);
    await until(q('tbody tr[data-row="0"] td[data-col="0"]'), (r) => r.texts[0] === ip, `sorted: ${ip} first`);
    const n = Number((await a.service.query(`SELECT count(*) FROM "${log.table}" WHERE source_ip = ?`, [ip])).rows[0][0]);
    await harness.evalWebview({ ...q('tbody tr[data-row="0"] a.behindlink'), action: 'domClick' });
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => (r.texts[0] ?? '').startsWith(`${n.toLocaleString()} rows`), `the ${n} rows of ${ip}`);
    const lines = await harness.evalWebview({ titleContains: RESULTS, selector: 'a.srclink' });
    const expected = (await a.service.query(`SELECT _line FROM "${log.table}" WHERE source_ip = ? ORDER BY _line LIMIT 5`, [ip])).rows.map((r) => `line ${r[0]}`);
    assert.deepEqual(lines.texts.slice(0, 5), expected, 'each linked to its line');
    // the first finding's "rows…" lists its evidence
    const f = out.findings[0];
    await harness.evalWebview({ titleContains: title, selector: '.table-box:nth-of-type(1) tbody tr[data-row="0"] a.behindlink', action: 'domClick' });
    await until({ titleContains: RESULTS, selector: 'span.info' }, (r) => (r.texts[0] ?? '').startsWith(`${f.evidence.total.toLocaleString()} row`), `the ${f.evidence.total} evidence rows of ${f.entity.value}`);
  });
});
