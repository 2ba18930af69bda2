/**
 * Choosing where the data lives (#17 item 5), in a real VS Code: the two-shard cluster is started
 * through scripts/clickhouse/cluster.sh (and stopped again when this file started it); "Connect to
 * ClickHouse…" is answered as a person answers it (URL, database, user, password; the database is
 * created when the modal offers it); the password lands in SecretStorage (read back through the
 * extension's API) and in no settings file; the status bar and the Indexed Files view show the
 * database and its tables, a table made in ClickHouse with a hostile name among them; a file indexed
 * there, an analysis, a query and a source line run against it; a server that refuses or does not
 * answer gives a message while the extension host keeps answering; Disconnect goes back to memory.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TableInfo } from '../../../src/engine/ingest/build';
import { ClickHouseHttp } from '../../../src/engine/store/clickhouse/http';
import type { FilesNode } from '../../../src/extension/filesView';
import { CHART_MIME, TABLE_MIME, type ChartOutput } from '../../../src/shared/notebookFormat';
import { answering, api, harness, inWs, until, ws } from './helpers';
import { expectCommandFailure } from './index';
import { closeWebviews, expandGroupOf, untilView } from './viewHelpers';

const ROOT = path.resolve(__dirname, '../../../..');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');
const DB = `li_it_${process.pid}`;
/** A table made in ClickHouse, not by indexing: its name would be an icon and a command link if shown raw. */
const HOSTILE = 'evil$(zap)[x](command:workbench.action.quit)';

function cluster(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('bash', [SCRIPT, cmd, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? 1, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

/** Input boxes answered in order; the prompts they were shown with are kept. */
function inputs(answers: (string | undefined)[], seen: vscode.InputBoxOptions[]) {
  return async (o: vscode.InputBoxOptions) => {
    seen.push(o);
    return answers.shift();
  };
}

describe('ClickHouse as the backend (Connect, the status bar, the tables, an analysis)', function () {
  this.timeout(300_000);
  let startedHere = false;
  let url = '';
  let shards: string[] = [];

  before(async () => {
    startedHere = cluster('status').code !== 0;
    if (startedHere) {
      const s = cluster('start');
      assert.equal(s.code, 0, `cluster.sh start failed: ${s.err}`);
    }
    const m = /^clickhouse:\/\/(127\.0\.0\.1:\d+),(127\.0\.0\.1:\d+)\//.exec(cluster('store', DB).out);
    assert.ok(m, 'cluster.sh store prints both shards');
    shards = [`http://${m[1]}`, `http://${m[2]}`];
    url = `http://${m[1]},${m[2]}`;
  });

  after(async () => {
    const a = await api();
    if (a.service.connection) await vscode.commands.executeCommand('logInvestigator.disconnectClickHouse');
    for (const s of shards) {
      const n = new ClickHouseHttp(s);
      await n.command(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
      await n.close();
    }
    if (startedHere) assert.equal(cluster('stop').code, 0);
  });

  it('connects through the command: asks URL, database, user, password; offers to create the database; keeps the password in SecretStorage only', async () => {
    const a = await api();
    const seen: vscode.InputBoxOptions[] = [];
    let modal = '';
    const info = await answering(
      {
        showInputBox: inputs([url, DB, 'default', ''], seen),
        showWarningMessage: async (m: string, o: vscode.MessageOptions, ...items: string[]) => {
          modal = m;
          assert.ok(o.modal);
          return items.find((i) => i === 'Create Database');
        },
      },
      () => vscode.commands.executeCommand('logInvestigator.connectClickHouse'),
    );
    assert.ok(info, 'connected');
    assert.deepEqual(seen.map((o) => o.title), ['Connect to ClickHouse (1/4): URL', 'Connect to ClickHouse (2/4): database', 'Connect to ClickHouse (3/4): user', 'Connect to ClickHouse (4/4): password']);
    assert.equal(seen[3].password, true, 'the password box hides what is typed');
    // the URL box checks what is typed
    assert.match(String(await seen[0].validateInput!('htp://x')), /^not a ClickHouse URL/);
    assert.equal(await seen[0].validateInput!(url), undefined);
    assert.match(modal, new RegExp(`^database ${DB} does not exist on ClickHouse at ${shards[0].replace(/[.]/g, '\\.')}`));
    assert.deepEqual(a.service.connection && [a.service.connection.url, a.service.connection.shards, a.service.connection.database, a.service.connection.cluster], [shards[0], shards, DB, 'li']);
    // the credentials are in VS Code's secret storage, the address in the settings, the password in no settings file
    assert.deepEqual(await a.clickhouse.credentials(url), { user: 'default', password: '' });
    const cfg = vscode.workspace.getConfiguration('logInvestigator');
    assert.deepEqual([cfg.get('backend'), cfg.get('clickhouse.url'), cfg.get('clickhouse.database')], ['clickhouse', url, DB]);
    const settings = fs.readFileSync(path.join(ws(), '.vscode', 'settings.json'), 'utf8');
    assert.doesNotMatch(settings, /password/i);
  });

  it('says where the data lives in the status bar, with a tooltip and a command', async () => {
    const a = await api();
    const where = `${shards[0].slice('http://'.length)}/${DB}`;
    assert.equal(a.status.text, `$(server) ClickHouse ${where} · 0 tables`);
    assert.equal(a.status.command, 'logInvestigator.chooseBackend');
    assert.match(String(a.status.tooltip), new RegExp(`^Log Investigator: the data lives in ClickHouse ${shards[0].replace(/[.]/g, '\\.')}, database ${DB} \\(2 shards, cluster li\\), user default\\.`));
    assert.equal(a.filesTree.description, where);
    if (harness.available()) {
      const items = await until('the status bar item', async () => {
        const r = await harness.evalWorkbench({ selector: '#workbench\\.parts\\.statusbar .statusbar-item' }, 5000);
        return r.texts.some((t) => t.includes(`ClickHouse ${where}`)) ? r.texts : undefined;
      });
      assert.ok(items.some((t) => t.trim() === `ClickHouse ${where} · 0 tables`), items.join(' | '));
      await harness.screenshot('clickhouse-status');
    }
  });

  it('indexes a file into the shards and lists the database’s tables, one made there with a hostile name shown as text', async () => {
    const a = await api();
    const n = new ClickHouseHttp(shards[0]);
    await n.command(`CREATE TABLE ${DB}.\`${HOSTILE}\` (ts DateTime, client_ip String, status UInt16) ENGINE = MergeTree() ORDER BY ts`);
    await n.insert(`${DB}.\`${HOSTILE}\``, [{ ts: '2024-05-01 10:00:00', client_ip: '10.0.0.1', status: 200 }, { ts: '2024-05-01 10:01:00', client_ip: '10.0.0.2', status: 404 }]);
    const tables = (await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(inWs('access.log')))) as TableInfo[];
    assert.deepEqual(tables.map((t) => [t.table, t.rows]), [['access', 300]]);
    for (const s of shards) {
      const node = new ClickHouseHttp(s);
      assert.equal(Number((await node.query(`SELECT count() FROM ${DB}.access_local`)).rows[0][0]), 150, `rows on ${s}`);
      await node.close();
    }
    await n.close();
    // reconnect through the settings (the credentials from SecretStorage) so the table made there is read too
    await a.clickhouse.applySettings(true);
    const names = a.service.tables.map((t) => t.table).sort();
    assert.deepEqual(names, ['access', HOSTILE].sort());
    const roots = a.files.getChildren();
    const file = roots.find((r): r is Extract<FilesNode, { kind: 'file' }> => r.kind === 'file')!;
    assert.equal(path.resolve(file.file), path.resolve(inWs('access.log')));
    const own = roots.find((r): r is Extract<FilesNode, { kind: 'table' }> => r.kind === 'table')!;
    const item = a.files.getTreeItem(own);
    const label = String(typeof item.label === 'string' ? item.label : item.label?.label);
    assert.notEqual(label, HOSTILE, 'the name is not shown raw');
    assert.equal(label.replace(/\u2060/g, ''), HOSTILE, 'the name reads as it is');
    assert.doesNotMatch(label, /\$\(|\]\(/);
    assert.equal(item.command, undefined);
    assert.deepEqual(a.files.getChildren(own).map((c) => c.kind === 'column' && [c.column.name, c.column.role]), [['ts', 'time'], ['client_ip', 'ip'], ['status', 'outcome']]);
    assert.match(a.status.text, / · 2 tables$/);
    assert.doesNotMatch(String(a.status.tooltip), /\$\(zap\)|\]\(command:/);
  });

  it('runs an analysis, a query and opens a source line against the cluster', async () => {
    const a = await api();
    const run = (await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip')) as { outputs: { table: string; findings: { entity?: { value: string }; evidence: { file: string; lines: number[] } }[] }[] };
    const out = run.outputs.find((o) => o.table === 'access');
    assert.ok(out && out.findings.length > 0, 'findings on access');
    const top = out.findings[0];
    assert.equal(path.resolve(top.evidence.file), path.resolve(inWs('access.log')));
    assert.ok(a.findings.analyses.some((o) => o.table === 'access' && o.analysis === 'volume-outliers-ip'));
    // the embedded database would give the same findings: the same file, the same analysis
    await vscode.commands.executeCommand('logInvestigator.runQuery', 'SELECT client_ip, count(*) AS n FROM access GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3');
    if (harness.available()) {
      const cells = await harness.evalWebview({ titleContains: 'Query Results', selector: 'tbody td' });
      assert.ok(cells.texts.includes('83.149.9.216') && cells.texts.includes('23'), cells.texts.join(' | '));
    }
    const line = top.evidence.lines[0];
    await vscode.commands.executeCommand('logInvestigator.openSource', top.evidence.file, line);
    const editor = await until('the source line', () => {
      const e = vscode.window.activeTextEditor;
      return e && path.basename(e.document.uri.fsPath) === 'access.log' && e.selection.start.line === line - 1 ? e : undefined;
    });
    assert.equal(editor.selection.start.line, line - 1);
    // a table made in ClickHouse has no file: a message, not an error
    const shown: string[] = [];
    await answering({ showWarningMessage: async (m: string) => void shown.push(m) }, () => vscode.commands.executeCommand('logInvestigator.openSource', `clickhouse:${DB}.x`, 1));
    assert.match(shown[0], /is not on this machine \(the table was made in ClickHouse, not indexed from a file\)/);
  });

  it('the timeline (drawn and brushed), a notebook\'s SQL and chart cells and the Markdown report read the cluster', async () => {
    const a = await api();
    assert.ok(a.service.connection, 'connected');
    // the status counts as written in the file, so the cluster's answer is checked against the log itself
    const byStatus = new Map<string, number>();
    for (const l of fs.readFileSync(inWs('access.log'), 'utf8').split('\n')) {
      const m = /" (\d{3}) /.exec(l);
      if (m) byStatus.set(m[1], (byStatus.get(m[1]) ?? 0) + 1);
    }
    const sql = 'SELECT status, count(*) AS n FROM access GROUP BY status ORDER BY n DESC, status';
    const chart = { mark: 'bar', data: { sql }, encoding: { x: { field: 'status', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } };
    const doc = await vscode.workspace.openNotebookDocument(
      'log-investigator-notebook',
      new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, sql, 'sql'), new vscode.NotebookCellData(vscode.NotebookCellKind.Code, JSON.stringify(chart), 'json')]),
    );
    await vscode.window.showNotebookDocument(doc);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'log-investigator-sql', extension: 'log-investigator.log-investigator' });
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 2 }], document: doc.uri });
    await until('both cells\' outputs', () => doc.cellAt(0).outputs.length > 0 && doc.cellAt(1).outputs.length > 0, 60000);
    const item = doc.cellAt(0).outputs[0].items.find((i) => i.mime === TABLE_MIME);
    assert.ok(item, `a table, not an error: ${doc.cellAt(0).outputs[0].items.map((i) => `${i.mime}: ${new TextDecoder().decode(i.data).slice(0, 200)}`).join(' | ')}`);
    const out = JSON.parse(new TextDecoder().decode(item.data)) as { columns: string[]; rows: unknown[][] };
    assert.deepEqual(out.columns, ['status', 'n']);
    assert.deepEqual(new Map(out.rows.map((r) => [String(r[0]), Number(r[1])])), byStatus, 'the counts of the file, from the shards');
    const chartItem = doc.cellAt(1).outputs[0].items.find((i) => i.mime === CHART_MIME);
    assert.ok(chartItem, `a chart: ${doc.cellAt(1).outputs[0].items.map((i) => i.mime).join(', ')}`);
    const drawn = JSON.parse(new TextDecoder().decode(chartItem.data)) as ChartOutput;
    const values = (drawn.spec.data as { values: { status: unknown; n: unknown }[] }).values;
    assert.deepEqual(new Map(values.map((v) => [String(v.status), Number(v.n)])), byStatus, 'the chart drawn from the same counts');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // the Markdown report of the analysis run on the cluster, its charts drawn headless
    const md = inWs('clickhouse-report.md');
    await vscode.commands.executeCommand('logInvestigator.exportFindings', 'markdown', md);
    const report = fs.readFileSync(md, 'utf8');
    assert.match(report, /^# Log Investigator report/m);
    assert.match(report, /IPs with unusually many events/);
    assert.doesNotMatch(report, new RegExp(ws().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no absolute path of the machine');

    if (!harness.available()) return;
    await closeWebviews('Timeline');
    await vscode.commands.executeCommand('logInvestigator.showTimeline', 'access');
    const restore = await expandGroupOf('Timeline');
    try {
      const svg = await untilView({ titleContains: 'Timeline', selector: '.chart-view svg' }, (r) => r.count === 1 && r.boxes[0].width > 300 && r.svgMarks > 10, 'the timeline drawn from the cluster');
      await harness.evalWebview({ titleContains: 'Timeline', selector: '.chart-view svg', action: 'drag', dx: -Math.round(svg.boxes[0].width / 2 - 8) });
      const tab = await until('the rows of the brushed range', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((x) => x.label.startsWith('access ') && x.label.includes(' – ')), 20000);
      const [from, to] = tab.label.slice('access '.length).split(' – ');
      const n = Number((await a.service.query('SELECT count(*) FROM access WHERE _time >= ? AND _time < ?', [from, to])).rows[0][0]);
      const all = [...byStatus.values()].reduce((x, y) => x + y, 0);
      assert.ok(n > 0 && n < all, `${n} of the ${all} rows in ${from} – ${to}`);
      await untilView({ titleContains: from, selector: 'span.info' }, (r) => (r.texts[0] ?? '').startsWith(`${n.toLocaleString()} row${n === 1 ? '' : 's'} `), `the ${n} rows of the range listed`);
      // rows of one instant in the order of the file, whichever shard answered first
      const title = { titleContains: from };
      const lines = (await harness.evalWebview({ ...title, selector: 'tbody tr td:nth-child(2)' })).texts.map(Number);
      const times = (await harness.evalWebview({ ...title, selector: 'tbody tr td:nth-child(3)' })).texts;
      assert.ok(lines.length > 10 && lines.length === times.length, `${lines.length} lines, ${times.length} times`);
      for (let i = 1; i < lines.length; i++) assert.ok(times[i - 1] < times[i] || (times[i - 1] === times[i] && lines[i - 1] < lines[i]), `row ${i + 1}: line ${lines[i]} at ${times[i]} after line ${lines[i - 1]} at ${times[i - 1]}`);
      await harness.screenshot('clickhouse-timeline');
    } finally {
      await restore();
    }
  });

  it('a server that refuses or does not answer gives a message; the extension host keeps answering and the connection stays', async () => {
    const a = await api();
    const before = a.service.connection;
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const refusedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      for (const [target, re] of [
        [`http://127.0.0.1:${refusedPort}`, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+: connection refused/],
        [`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, /ClickHouse at http:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/],
      ] as const) {
        expectCommandFailure(/connectClickHouse/);
        const failures = a.commandFailures.length;
        // the extension host's event loop keeps turning while the connection is tried
        let ticks = 0;
        const timer = setInterval(() => ticks++, 100);
        const t0 = Date.now();
        await answering({ showInputBox: inputs([target, DB, 'default', ''], []) }, () => vscode.commands.executeCommand('logInvestigator.connectClickHouse'));
        clearInterval(timer);
        const ms = Date.now() - t0;
        const f = a.commandFailures.slice(failures).find((x) => x.command === 'logInvestigator.connectClickHouse');
        assert.ok(f, 'the failure was shown');
        assert.match(f.message, re);
        assert.ok(ms < 30_000, `${ms} ms`);
        assert.ok(ticks >= Math.floor(ms / 100) - 5, `${ticks} ticks in ${ms} ms`);
        assert.equal(a.service.connection, before, 'the earlier connection stays');
      }
    } finally {
      silent.close();
    }
    assert.equal((await a.service.query('SELECT count(*) FROM access')).rows[0][0], 300);
  });

  it('Choose Where the Data Lives and Disconnect go back to the embedded database', async () => {
    const a = await api();
    const labels: string[] = [];
    await answering(
      {
        showQuickPick: async (items: readonly vscode.QuickPickItem[]) => {
          labels.push(...(await items).map((i) => i.label));
          return (await items).find((i) => i.label.includes('Disconnect'));
        },
      },
      () => vscode.commands.executeCommand('logInvestigator.chooseBackend'),
    );
    assert.deepEqual(labels, ['$(database) Embedded (in memory)', '$(server) Connect to ClickHouse…', '$(debug-disconnect) Disconnect from ClickHouse', '$(list-tree) Show the Tables']);
    await until('disconnected', () => !a.service.connection);
    assert.equal(vscode.workspace.getConfiguration('logInvestigator').get('backend'), 'embedded');
    assert.ok(!a.service.tables.some((t) => t.table === HOSTILE), 'the ClickHouse tables are gone from the view');
    assert.ok(!a.findings.analyses.some((o) => o.table === 'access' || o.table === HOSTILE), 'the findings made on ClickHouse are cleared');
    assert.equal(a.filesTree.description, undefined);
    assert.ok(!a.status.text.includes('ClickHouse') && !String(a.status.tooltip ?? '').includes('ClickHouse'), a.status.text);
    assert.equal(a.status.command, 'logInvestigator.files.focus');
    // Disconnect when not connected does nothing; the stored password stays for the next connect
    await vscode.commands.executeCommand('logInvestigator.disconnectClickHouse');
    assert.deepEqual(await a.clickhouse.credentials(url), { user: 'default', password: '' });
  });

  it('the settings alone connect (with the stored credentials) and go back to memory', async () => {
    const a = await api();
    const cfg = () => vscode.workspace.getConfiguration('logInvestigator');
    await cfg().update('backend', 'clickhouse', vscode.ConfigurationTarget.Workspace);
    const c = await until('connected from the settings', () => a.service.connection, 60_000);
    assert.deepEqual([c.shards, c.database, c.user], [shards, DB, 'default']);
    await until('the tables of the database', () => a.service.tables.some((t) => t.table === HOSTILE));
    assert.match(a.status.text, /^\$\(server\) ClickHouse /);
    await cfg().update('backend', 'embedded', vscode.ConfigurationTarget.Workspace);
    await until('disconnected by the setting', () => !a.service.connection);
    assert.ok(!a.service.tables.some((t) => t.table === HOSTILE));
  });
});
