/**
 * The commands a person runs from the Indexed Files view, the Findings view and the palette that the
 * other files do not: each run as the menu runs it (a tree node, or the quick pick and dialog answered
 * by a stub) and checked by its effect — the rows a panel shows, the file written, the tree, the clipboard.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import * as vscode from 'vscode';
import type { TableInfo } from '../../../src/engine/ingest/build';
import type { LogInvestigatorApi } from '../../../src/extension/extension';
import type { FilesNode } from '../../../src/extension/filesView';
import type { FindingsNode } from '../../../src/extension/findingsView';
import { answering, api, harness, inWs, table, until } from './helpers';

type Node<K extends FindingsNode['kind']> = Extract<FindingsNode, { kind: K }>;

const SCRATCH = 'scratch.jsonl';
const scratchTable = (a: LogInvestigatorApi): TableInfo | undefined => a.service.tables.find((t) => path.resolve(t.file) === path.resolve(inWs(SCRATCH)));
const cells = async (titleContains: string) => (await harness.evalWebview({ titleContains, selector: 'tbody td' })).texts;
const info = async (titleContains: string) => (await harness.evalWebview({ titleContains, selector: 'span.info' })).texts[0];

/** The IP suspects of the sshd log, running the analysis when this file runs alone. */
async function sshIps(a: LogInvestigatorApi): Promise<Node<'entity'>[]> {
  await table(a, 'OpenSSH_2k.log');
  if (!a.findings.analyses.some((o) => o.table === 'openssh_2k' && o.analysis === 'volume-outliers-ip')) await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
  const g = (await a.findingsView.getChildren()).find((n) => n.kind === 'group' && n.group.id === 'ip')!;
  const ips = ((await a.findingsView.getChildren(g)).filter((n) => n.kind === 'entity') as Node<'entity'>[]).filter((n) => n.entity.findings.some((f) => f.evidence.table === 'openssh_2k'));
  assert.ok(ips.length > 0, 'the sshd log has IP suspects');
  return ips;
}

describe('Commands of the views and the palette', () => {
  before(() => {
    fs.writeFileSync(inWs(SCRATCH), '{"user":"ann","n":1}\n{"user":"bob","n":2}\nnot json at all\n{"user":"cy","n":3}\n{"user":"dee","n":4}\n');
  });

  it('Show Table and Show Rejected Lines open the rows of a table and the lines it could not read', async () => {
    const a = await api();
    const [t] = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(inWs(SCRATCH)))) as TableInfo[];
    assert.deepEqual([t.table, t.format, t.rows, t.rejected], ['scratch', 'jsonl', 4, 1]);
    await vscode.commands.executeCommand('logInvestigator.showTable', { kind: 'table', table: t } satisfies FilesNode);
    assert.match(await info('scratch'), /^4 rows/);
    const shown = await cells('scratch');
    for (const u of ['ann', 'bob', 'cy', 'dee']) assert.ok(shown.includes(u), `${u}: ${shown.join(' | ')}`);
    await vscode.commands.executeCommand('logInvestigator.showRejects', { kind: 'table', table: t } satisfies FilesNode);
    assert.match(await info('scratch: rejected lines'), /^1 row\b/);
    const rejected = await cells('scratch: rejected lines');
    assert.ok(rejected.includes('not json at all') && rejected.includes('3'), rejected.join(' | '));
  });

  it('Set Column Role gives a column the role picked, and the view shows it', async () => {
    const a = await api();
    const t = scratchTable(a)!;
    const column = t.columns.find((c) => c.name === 'n')!;
    await answering({ showQuickPick: async (items: readonly { label: string }[]) => (await items).find((i) => i.label === 'group') }, () =>
      vscode.commands.executeCommand('logInvestigator.setRole', { kind: 'column', table: t, column } satisfies FilesNode),
    );
    const after = scratchTable(a)!;
    assert.equal(after.columns.find((c) => c.name === 'n')!.role, 'group');
    const item = a.files.getTreeItem({ kind: 'column', table: after, column: after.columns.find((c) => c.name === 'n')! });
    assert.match(String(item.description), /· group$/);
  });

  it('Export Database writes a SQLite file with every table, the catalog and the rejects', async () => {
    const a = await api();
    const out = inWs('exported.sqlite');
    await answering({ showSaveDialog: async () => vscode.Uri.file(out) }, () => vscode.commands.executeCommand('logInvestigator.exportDatabase'));
    const SQL = await initSqlJs();
    const db = new SQL.Database(fs.readFileSync(out));
    try {
      assert.deepEqual(db.exec('SELECT user FROM scratch ORDER BY _line')[0].values, [['ann'], ['bob'], ['cy'], ['dee']]);
      assert.deepEqual(db.exec("SELECT line, raw FROM rejects WHERE table_name = 'scratch'")[0].values, [[3, 'not json at all']]);
      for (const t of a.service.tables) assert.equal(db.exec(`SELECT count(*) FROM "${t.table}"`)[0].values[0][0], t.rows, t.table);
    } finally {
      db.close();
    }
  });

  it('Index Again reads the file as it is now; Change Format reads it as the format picked', async () => {
    const a = await api();
    fs.appendFileSync(inWs(SCRATCH), '{"user":"eve","n":5}\n');
    const again = (await vscode.commands.executeCommand('logInvestigator.reindex', { kind: 'table', table: scratchTable(a)! } satisfies FilesNode)) as TableInfo[];
    assert.equal(again[0].rows, 5);
    assert.equal(scratchTable(a)!.rows, 5);
    const lines = await answering({ showQuickPick: async (items: readonly { label: string }[]) => (await items).find((i) => i.label === 'lines') }, async () =>
      (await vscode.commands.executeCommand('logInvestigator.changeFormat', { kind: 'table', table: scratchTable(a)! } satisfies FilesNode)) as TableInfo[],
    );
    assert.deepEqual([lines[0].format, lines[0].rows, lines[0].rejected], ['lines', 6, 0]);
    assert.equal(scratchTable(a)!.format, 'lines');
    const r = await a.service.query(`SELECT count(*) FROM ${lines[0].table} WHERE _line = 3 AND message = 'not json at all'`);
    assert.equal(r.rows[0][0], 1);
  });

  it('Remove from Index drops the tables of a file from the database and the view', async () => {
    const a = await api();
    const t = scratchTable(a)!;
    const node = a.files.getChildren().find((n) => n.kind === 'file' && path.resolve(n.file) === path.resolve(t.file))!;
    assert.ok(node);
    await vscode.commands.executeCommand('logInvestigator.removeTable', node);
    assert.equal(scratchTable(a), undefined);
    assert.ok(!a.files.getChildren().some((n) => n.kind === 'file' && path.resolve(n.file) === path.resolve(t.file)));
    await assert.rejects(a.service.query(`SELECT * FROM ${t.table}`), /no such table/);
  });

  it('Show Output shows the log, with the queries run', async () => {
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT 4242 AS marker_for_the_output');
    await vscode.commands.executeCommand('logInvestigator.showOutput');
    if (harness.available()) {
      await until('the Output view showing the log', async () => {
        const r = await harness.evalWorkbench({ selector: '#workbench\\.parts\\.panel .view-lines' }, 5000);
        return r.texts.some((t) => t.includes('marker_for_the_output'));
      });
      await harness.screenshot('output');
    }
  });

  it('Query History runs a past query again', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT 4343 AS from_history');
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT 1 AS newest');
    assert.deepEqual(a.history().slice(0, 2).map((h) => h.sql), ['SELECT 1 AS newest', 'SELECT 4343 AS from_history']);
    const picked = vscode.commands.executeCommand('logInvestigator.queryHistory');
    if (!harness.available()) return void vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const rows = await until('the history picker', async () => {
      const r = await harness.evalWorkbench({ selector: '.quick-input-widget .monaco-list-row' }, 5000);
      return r.count >= 2 ? r.texts : undefined;
    });
    assert.ok(rows[0].includes('SELECT 1 AS newest') && rows[1].includes('SELECT 4343 AS from_history'), rows.join(' | '));
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await picked;
    const shown = await cells('Query Results');
    assert.ok(shown.includes('4343') && shown.length <= 2, shown.join(' | '));
    assert.equal(a.history()[0].sql, 'SELECT 4343 AS from_history', 'run again, it is the newest');
  });

  it('a suspect: Show Evidence, All Rows and Timeline of the entity open its rows; Copy puts it on the clipboard', async () => {
    const a = await api();
    const [node] = await sshIps(a);
    const ip = node.entity.value;
    const reason = ((await a.findingsView.getChildren(node)) as Node<'finding'>[]).find((r) => r.finding.evidence.table === 'openssh_2k')!;
    const evidence = await a.service.query(reason.finding.evidence.sql, reason.finding.evidence.params);
    await vscode.commands.executeCommand('logInvestigator.showEvidence', reason);
    assert.match(await info(`${ip}: ${reason.finding.analysis}`), new RegExp(`^${evidence.rows.length.toLocaleString()} rows?\\b`));
    // the rows of the IP, counted here with SQL of the test's own
    const n = Number((await a.service.query('SELECT count(*) FROM openssh_2k WHERE src_ip = ?', [ip])).rows[0][0]);
    assert.ok(n > 1);
    await vscode.commands.executeCommand('logInvestigator.entityRows', node);
    assert.match(await info(`${ip}: all rows`), new RegExp(`^${n.toLocaleString()} rows\\b`));
    assert.ok((await cells(`${ip}: all rows`)).includes(ip));
    await vscode.commands.executeCommand('logInvestigator.entityTimeline', node);
    if (harness.available()) {
      const body = await harness.evalWebview({ titleContains: `Timeline: ${ip}`, selector: 'body' });
      assert.ok(body.texts[0].includes(`src_ip = ${ip} in openssh_2k: ${n.toLocaleString()} events`), body.texts[0].slice(0, 300));
      assert.ok((await harness.evalWebview({ titleContains: `Timeline: ${ip}`, selector: 'svg .mark-rect path' }, 60000)).count > 0, 'bars');
    }
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('logInvestigator.copyFinding', node);
    const copied = await vscode.env.clipboard.readText();
    const e = node.entity;
    assert.equal(copied.split('\n')[0], `ip ${ip} (risk ${Math.round(e.risk)}, ${e.severity}${e.label ? `, ${e.label}` : ''})`);
    for (const f of e.findings) assert.ok(copied.includes(`- ${f.reason} [${f.analysis}; ${path.basename(f.evidence.file)} lines ${f.evidence.lines.slice(0, 10).join(', ')}]`), copied);
  });

  it('Filter Findings keeps the suspects that match, says so in the view, and an empty filter shows all', async () => {
    const a = await api();
    const before = await sshIps(a);
    const ip = before[0].entity.value;
    await vscode.commands.executeCommand('logInvestigator.filterFindings', ip);
    assert.equal(a.findingsTree.description, `filter: ${ip}`);
    const g = (await a.findingsView.getChildren()).find((n) => n.kind === 'group' && n.group.id === 'ip')!;
    const shown = ((await a.findingsView.getChildren(g)).filter((n) => n.kind === 'entity') as Node<'entity'>[]).map((n) => n.entity.value);
    assert.ok(shown.length >= 1 && shown.every((v) => v.includes(ip) || a.findings.entities().find((x) => x.value === v)!.findings.some((f) => f.reason.includes(ip))), shown.join(', '));
    await vscode.commands.executeCommand('logInvestigator.filterFindings', '');
    assert.equal(a.findingsTree.description, undefined);
    assert.deepEqual((await sshIps(a)).map((n) => n.entity.value), before.map((n) => n.entity.value));
  });

  it('New Notebook opens an investigation notebook with a note and a query of the first table', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.newNotebook');
    const nb = await until('a notebook editor', () => vscode.window.activeNotebookEditor?.notebook);
    assert.equal(nb.cellCount, 2);
    assert.equal(nb.cellAt(0).kind, vscode.NotebookCellKind.Markup);
    assert.match(nb.cellAt(0).document.getText(), /^# Investigation/);
    assert.equal(nb.cellAt(1).document.getText(), `SELECT * FROM ${a.service.tables[0].table} LIMIT 100`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
