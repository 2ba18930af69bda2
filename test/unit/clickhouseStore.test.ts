/**
 * The ClickHouse store against a real two-shard cluster started by scripts/clickhouse/cluster.sh
 * (loopback only; stopped afterwards if this test started it). The same analyses run on sql.js and
 * on the cluster over the same fixtures, and their findings must be equal. No ClickHouse: the test
 * fails (the cluster script installs Debian's clickhouse-server when it is missing).
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANALYSES } from '../../src/engine/analyses';
import { runAnalyses, type AnalysisRun } from '../../src/engine/findings/model';
import { ClickHouseStore } from '../../src/engine/store/clickhouse/store';
import { ClickHouseHttp } from '../../src/engine/store/clickhouse/http';
import { SqlJsStore } from '../../src/engine/store/store';
import { clusterAddress, clusterScript as cluster, dropDatabase, ROOT } from '../clickhouseCluster';

const FIX = path.join(ROOT, 'test', 'fixtures');
const FILES = ['log.csv', 'access.log', 'OpenSSH_2k.log', 'Linux_2k.log'].map((f) => path.join(FIX, f));

/** The analyses checked here on the fixtures (clickhouseParity.test.ts runs every analysis on every generator). */
export const PORTED = [
  'volume-outliers-ip', 'volume-outliers-user', 'volume-outliers-resource', 'failure-bursts', 'suspicious-access', 'spikes',
  'population-outliers', 'working-hours', 'login-per-ip', 'login-rules', 'login-accounts', 'login-detectors', 'login-supervised',
  'login-online', 'rare-user-agents', 'template-novelty', 'template-rare', 'template-rates', 'rules',
];

/** Every finding as both stores must give it. */
function findingsOf(run: AnalysisRun) {
  return run.outputs
    .map((o) => ({ analysis: o.analysis, table: o.table, findings: o.findings.map((f) => ({ id: f.id, risk: f.risk, score: Number(f.score.toFixed(9)), severity: f.severity, reason: f.reason, metrics: f.metrics, lines: f.evidence.lines, total: f.evidence.total, context: f.context })).sort((x, y) => (x.id < y.id ? -1 : 1)) }))
    .sort((a, b) => (a.analysis + a.table < b.analysis + b.table ? -1 : 1));
}

describe('ClickHouse store on a two-shard cluster', function () {
  this.timeout(300_000);
  let address = '';
  const db = `li_test_${process.pid}`;
  let sqljs: SqlJsStore;
  let ch: ClickHouseStore;

  before(async () => {
    address = clusterAddress(db);
    sqljs = await SqlJsStore.create();
    ch = await ClickHouseStore.connect(address);
    const a = await sqljs.index(FILES);
    const b = await ch.index(FILES);
    assert.deepEqual(b.map((o) => o.error), FILES.map(() => undefined));
    assert.deepEqual(b.map((o) => o.tables[0].table), a.map((o) => o.tables[0].table));
  });

  after(async () => {
    await ch?.close();
    await sqljs?.close();
    if (address) await dropDatabase(address);
  });

  it('listens on loopback only, with two shards in remote_servers', () => {
    const url = cluster('url').out;
    const shards = ch.query(`SELECT shard_num, host_address FROM system.clusters WHERE cluster = 'li' ORDER BY shard_num`).rows;
    assert.deepEqual(shards.map((r) => r[1]), ['127.0.0.1', '127.0.0.1']);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const listen = execFileSync('grep', ['-h', 'listen_host', path.join(ROOT, '.clickhouse', 'node1', 'config.xml'), path.join(ROOT, '.clickhouse', 'node2', 'config.xml')], { encoding: 'utf8' });
    assert.deepEqual(listen.trim().split('\n').map((l) => l.trim()), ['<listen_host>127.0.0.1</listen_host>', '<listen_host>127.0.0.1</listen_host>']);
  });

  it('holds every row on the shards, split by _line, ordered by time and partitioned by day', () => {
    for (const t of sqljs.tables()) {
      const n = sqljs.query(`SELECT count(*), sum(_line) FROM "${t.table}"`).rows[0];
      const m = ch.query(`SELECT count(*), sum(_line) FROM "${t.table}"`).rows[0];
      assert.deepEqual(m, n, t.table);
    }
    const local = ch.query(`SELECT engine, sorting_key, partition_key FROM system.tables WHERE database = ? AND name = 'access_local'`, [db]).rows;
    assert.deepEqual(local, [['MergeTree', '_ts, _line', 'toYYYYMMDD(_ts)']]);
    // each shard has about half the rows: the Distributed table reads both
    const perShard = ch.query(`SELECT count(*) FROM remote('127.0.0.1', ?, 'access_local')`, [db]).rows[0][0];
    assert.ok(Number(perShard) > 100 && Number(perShard) < 200, `shard 1 holds ${perShard} of 300 rows`);
  });

  it('binds values safely: quotes, backslashes and SQL in a value come back as they were', () => {
    const hostile = ["x'); DROP DATABASE " + db + '; --', 'back\\slash \\\' quote', 'tab\tnew\nline', 'naïve 😀'];
    for (const v of hostile) assert.deepEqual(ch.query('SELECT ?, length(?)', [v, v]).rows, sqljs.query('SELECT ?, length(?)', [v, v]).rows);
    assert.equal(ch.query(`SELECT count(*) FROM "access" WHERE "client_ip" = ?`, ["' OR 1=1 --"]).rows[0][0], 0);
    assert.equal(ch.tables().length, sqljs.tables().length + 0, 'the database is still there');
  });

  it('reads SQLite SQL the analyses write: LIKE case and escapes, integer division, time functions', () => {
    const cases: [string, unknown[]][] = [
      ["SELECT 'ABC' LIKE 'a%', 'a_c' LIKE 'a\\_c' ESCAPE '\\', 'abc' LIKE 'a\\_c' ESCAPE '\\', 'a\\c' LIKE 'a\\c'", []],
      ['SELECT 7 / 2, -7 / 2, CAST(7.9 AS INTEGER) / 2, 7 / 2.0', []],
      ["SELECT strftime('%Y-%m-%d %H:%M', ?), CAST(strftime('%s', ?) AS INTEGER) / 60, substr(?, 1, 13)", ['2024-05-01 10:11:12.5', '2024-05-01 10:11:12', '2024-05-01 10:11:12']],
      ["SELECT datetime(?, '-7 days'), julianday(?) - julianday(?)", ['2024-05-08 10:00:00', '2024-05-02', '2024-05-01']],
      ['SELECT group_concat(x) FROM (SELECT 1 AS x)', []],
      ["SELECT ? IS ?, ? IS ?, ? IS NOT ?, 'a' || char(31) || 'b'", [1, 1, null, 1, 'x', 'x']],
      ['SELECT julianday(?), julianday(?) - julianday(?), (julianday(?) - julianday(?)) * 24.0', ['2024-03-04 08:51:10.123456', '2024-03-04 09:51:10.5', '2024-03-04 08:51:10.123', '2024-03-05 00:00:00', '2024-03-04 23:59:59.999']],
    ];
    for (const [sql, params] of cases) assert.deepEqual(ch.query(sql, params as never).rows, sqljs.query(sql, params as never).rows, sql);
  });

  it('runs the ported analyses with the same findings as sql.js', () => {
    const chosen = ANALYSES.filter((a) => PORTED.includes(a.id) && a.id !== 'rules');
    assert.equal(chosen.length, PORTED.length - 1);
    const a = runAnalyses(chosen, sqljs.tables(), sqljs.querier());
    const b = runAnalyses(chosen, ch.tables(), ch.querier());
    assert.deepEqual(b.skipped, a.skipped);
    assert.equal(b.failed ?? 0, 0);
    const fa = findingsOf(a);
    assert.ok(fa.reduce((n, o) => n + o.findings.length, 0) > 50, 'the fixtures give findings to compare');
    assert.deepEqual(findingsOf(b), fa);
  });

  it('runs user rules (their totals without window functions) with the same findings', () => {
    const rules = JSON.stringify({ rules: [
      { name: 'wrong password', condition: "failure_reason LIKE '%PASSWORD'", severity: 'medium', entity: 'source_ip', table: 'log' },
      { name: 'admin pages', condition: "path LIKE '%/Presentations/%' OR status >= 400", severity: 'low', entity: 'client_ip', table: 'access' },
    ] });
    const chosen = ANALYSES.filter((a) => a.id === 'rules');
    const a = runAnalyses(chosen, sqljs.tables(), sqljs.querier(), { rules });
    const b = runAnalyses(chosen, ch.tables(), ch.querier(), { rules });
    const fa = findingsOf(a);
    assert.ok(fa.reduce((n, o) => n + o.findings.length, 0) > 20);
    assert.deepEqual(findingsOf(b), fa);
    assert.deepEqual(b.outputs.map((o) => o.tables[0].rows), a.outputs.map((o) => o.tables[0].rows));
  });

  it('the command line indexes, queries and analyzes with --store', () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    if (!require('node:fs').existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
    const run = (...args: string[]) => {
      const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const indexed = JSON.parse(run('index', '--store', address, '--table', 'cli_events', path.join(FIX, 'events.jsonl')));
    assert.equal(indexed[0].table, 'cli_events');
    assert.equal(indexed[0].rows, JSON.parse(run('index', path.join(FIX, 'events.jsonl')))[0].rows);
    const sql = 'SELECT level, count(*) AS n FROM cli_events GROUP BY 1 ORDER BY 2 DESC, 1';
    assert.equal(run('query', '--store', address, '--sql', sql, '--csv'), run('query', path.join(FIX, 'events.jsonl'), '--table', 'cli_events', '--sql', sql, '--csv'));
    const out = JSON.parse(run('analyze', '--store', address, '--analysis', 'login-per-ip', '--json'));
    const local = JSON.parse(run('analyze', path.join(FIX, 'log.csv'), '--analysis', 'login-per-ip', '--json'));
    type Out = { table: string; findings: { id: string }[] };
    assert.deepEqual(out.outputs.filter((o: Out) => o.table === 'log').map((o: Out) => o.findings.map((f) => f.id)), local.outputs.map((o: { findings: { id: string }[] }) => o.findings.map((f) => f.id)));
  });

  it('keeps the catalog in ClickHouse: a new connection sees the tables, roles and all', async () => {
    const again = await ClickHouseStore.connect(address);
    try {
      const mine = new Set(ch.tables().map((t) => t.table));
      assert.deepEqual(again.tables().filter((t) => mine.has(t.table)).map((t) => [t.table, t.rows, t.columns.map((c) => `${c.name}:${c.type}:${c.role}`)]), ch.tables().map((t) => [t.table, t.rows, t.columns.map((c) => `${c.name}:${c.type}:${c.role}`)]));
    } finally {
      await again.close();
    }
  });

  it('investigates a table already in the database without indexing it: columns from system.columns, roles guessed', async () => {
    const n = new ClickHouseHttp(`http://${/^clickhouse:\/\/([^,]+),/.exec(address)![1]}`);
    await n.command(`CREATE TABLE ${db}.web (ts DateTime, client_ip String, user String, status UInt16, path String) ENGINE = MergeTree() ORDER BY ts`);
    await n.insert(`${db}.web`, Array.from({ length: 50 }, (_, i) => ({ ts: `2024-05-01 10:${String(i % 60).padStart(2, '0')}:00`, client_ip: `10.0.0.${i % 5}`, user: `u${i % 3}`, status: i % 7 ? 200 : 404, path: `/p${i % 4}` })));
    await n.close();
    const s = await ClickHouseStore.connect(address);
    try {
      const web = s.tables().find((t) => t.table === 'web');
      assert.ok(web, 'the table is listed');
      assert.equal(web.rows, 50);
      assert.deepEqual(web.columns.map((c) => [c.name, c.type, c.role]), [['ts', 'timestamp', 'time'], ['client_ip', 'ip', 'ip'], ['user', 'text', 'user'], ['status', 'integer', 'outcome'], ['path', 'text', 'resource']]);
      const run = runAnalyses(ANALYSES.filter((a) => a.id === 'volume-outliers-ip'), [web], s.querier());
      assert.equal(run.outputs.length, 1);
      assert.deepEqual(run.outputs[0].tables[0].rows.map((r) => r[1]), [10, 10, 10, 10, 10]);
      s.setRole('web', 'path', null);
      assert.equal(s.tables().find((t) => t.table === 'web')!.columns[4].role, null);
    } finally {
      await s.close();
    }
  });

  it('keeps integers beyond 2^53 exact on the way in (a 19-digit id as the engine reads it)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'li-ch-big-')), 'big_ids.csv');
    fs.writeFileSync(file, 'event_id,user\n6249979066121302517,a\n9223372036854775807,b\n12,c\n');
    await sqljs.index([file]);
    await ch.index([file]);
    const sql = 'SELECT event_id, user FROM big_ids WHERE event_id = 6249979066121302517 OR user <> ? ORDER BY _line';
    const want = [[6249979066121302517n, 'a'], [9223372036854775807n, 'b'], [12, 'c']];
    assert.deepEqual(sqljs.query(sql, ['a']).rows, want);
    assert.deepEqual(ch.query(sql, ['a']).rows.map(([id, u]) => [typeof id === 'string' ? BigInt(id) : id, u]), want);
  });
});
