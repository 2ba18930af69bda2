/**
 * The ClickHouse store's bridge, read-only use and re-indexing, against the real two-shard cluster
 * of scripts/clickhouse/cluster.sh (started here when it is not running, and then stopped again):
 * a reply that comes after its deadline is not taken for the next query's answer; query, analyze
 * and suspects work for the cluster's read-only user li_reader (readonly=1) and on a database
 * with no catalog, without creating one; indexing a file again replaces its tables.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES } from '../../src/engine/analyses';
import { runAnalyses } from '../../src/engine/findings/model';
import { ClickHouseStore, parseStoreUrl } from '../../src/engine/store/clickhouse/store';
import { ClickHouseHttp } from '../../src/engine/store/clickhouse/http';
import { SyncBridge } from '../../src/engine/store/clickhouse/syncBridge';

const ROOT = path.join(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');
const ACCESS = path.join(ROOT, 'test', 'fixtures', 'access.log');

function cluster(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('bash', [SCRIPT, cmd, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? 1, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** Blocks this thread, as an analysis between two queries may. */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('ClickHouse store: late replies, read-only users, re-indexing', function () {
  this.timeout(300_000);
  let startedHere = false;
  const db = `li_ro_${process.pid}`;
  const bare = `li_bare_${process.pid}`;
  let shards: string[] = [];
  let address = '';

  const onEvery = async (sql: string) => {
    for (const s of shards) {
      const n = new ClickHouseHttp(s);
      try {
        await n.command(sql);
      } finally {
        await n.close();
      }
    }
  };
  const reader = (database: string) => ({ ...parseStoreUrl(cluster('store', database).out), username: 'li_reader', password: '' });

  before(async () => {
    startedHere = cluster('status').code !== 0;
    const s = cluster('start');
    assert.equal(s.code, 0, `cluster.sh start failed: ${s.err}`);
    address = cluster('store', db).out;
    shards = parseStoreUrl(address).shards!;
    assert.equal(shards.length, 2);
    // li_reader is in users.xml (start writes it, on a running cluster too); the server reloads it within seconds
    for (let i = 0; ; i++) {
      const n = new ClickHouseHttp(shards[0], { username: 'li_reader' });
      const ok = await n.query("SELECT value FROM system.settings WHERE name = 'readonly'").then((r) => r.rows[0][0] === '1', () => false);
      await n.close();
      if (ok) break;
      assert.ok(i < 50, 'li_reader can log in to the cluster');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    if (shards.length) for (const d of [db, bare]) await onEvery(`DROP DATABASE IF EXISTS ${d}`);
    if (startedHere) assert.equal(cluster('stop').code, 0);
  });

  it('a reply that comes after its deadline is dropped, not read as the next query’s answer', async () => {
    const bridge = new SyncBridge({ url: shards[0] }, 60_000);
    try {
      // the late reply (sleep's 0, or the worker's abort a second after the deadline) lands while the next query waits
      assert.throws(() => bridge.query('SELECT sleep(3)', {}, 1000), /ClickHouse did not answer within 1 s/);
      assert.deepEqual(bridge.query('SELECT 42 + sleep(2.5) AS x').rows, [[42]]);
      // the late reply is already in the port when the next query is posted
      assert.throws(() => bridge.query("SELECT 'late', sleep(1)", {}, 300), /ClickHouse did not answer within/);
      pause(2500);
      assert.deepEqual(bridge.query("SELECT 'mine'").rows, [['mine']]);
      for (let i = 0; i < 5; i++) assert.deepEqual(bridge.query(`SELECT ${i}`).rows, [[i]]);
    } finally {
      await bridge.close();
    }
  });

  it('query, analyze and suspects work for a read-only user (readonly=1), with the catalog and without one', async () => {
    const writer = await ClickHouseStore.connect(address);
    let want: unknown;
    const chosen = ANALYSES.filter((a) => a.id === 'volume-outliers-ip');
    try {
      const out = await writer.index([ACCESS]);
      assert.equal(out[0].error, undefined);
      want = runAnalyses(chosen, writer.tables(), writer.querier()).outputs.map((o) => o.findings.map((f) => [f.id, f.score]));
    } finally {
      await writer.close();
    }
    const ro = await ClickHouseStore.connect(reader(db), { create: false });
    try {
      const access = ro.tables().find((t) => t.table === 'access');
      assert.ok(access, 'the catalog is read');
      assert.equal(access.rows, 300);
      assert.equal(ro.query('SELECT count(*) FROM access').rows[0][0], 300);
      const run = runAnalyses(chosen, ro.tables(), ro.querier());
      assert.equal(run.failed ?? 0, 0);
      assert.deepEqual(run.outputs.map((o) => o.findings.map((f) => [f.id, f.score])), want);
      // writing is refused by the server, and said so in the outcome
      const again = await ro.index([ACCESS]);
      assert.match(again[0].error?.message ?? '', /readonly/i);
    } finally {
      await ro.close();
    }

    // a database made by others: no catalog, and connecting (even as default) makes none
    await onEvery(`CREATE DATABASE IF NOT EXISTS ${bare}`);
    const n = new ClickHouseHttp(shards[0]);
    await n.command(`CREATE TABLE ${bare}.web (ts DateTime, client_ip String, user String, status UInt16, path String) ENGINE = MergeTree() ORDER BY ts`);
    await n.insert(`${bare}.web`, Array.from({ length: 50 }, (_, i) => ({ ts: `2024-05-01 10:${String(i % 60).padStart(2, '0')}:00`, client_ip: `10.0.0.${i % 5}`, user: `u${i % 3}`, status: i % 7 ? 200 : 404, path: `/p${i % 4}` })));
    for (const opts of [reader(bare), parseStoreUrl(cluster('store', bare).out)]) {
      const s = await ClickHouseStore.connect(opts, { create: false });
      try {
        assert.deepEqual(s.tables().map((t) => t.table), ['web'], opts.username);
        assert.deepEqual(s.tables()[0].columns.map((c) => [c.name, c.role]), [['ts', 'time'], ['client_ip', 'ip'], ['user', 'user'], ['status', 'outcome'], ['path', 'resource']]);
        const r = runAnalyses(chosen, s.tables(), s.querier());
        assert.deepEqual(r.outputs[0].tables[0].rows.map((row) => row[1]), [10, 10, 10, 10, 10]);
      } finally {
        await s.close();
      }
    }
    const made = await n.query(`SELECT name FROM system.tables WHERE database = '${bare}' ORDER BY name`);
    await n.close();
    assert.deepEqual(made.rows, [['web']], 'no catalog tables were made by connecting');

    // the command line as li_reader: query, analyze, suspects
    const cli = path.join(ROOT, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
    const runAs = (user: string, ...args: string[]) => {
      const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, LI_CLICKHOUSE_USER: user } });
      assert.equal(r.status, 0, `${user} ${args[0]}: ${r.stderr}`);
      return r.stdout;
    };
    const run = (...args: string[]) => runAs('li_reader', ...args);
    assert.equal(run('query', '--store', address, '--sql', 'SELECT count(*) AS n FROM access', '--csv').trim().replace(/\r\n/g, '\n'), 'n\n300');
    const analyzed = JSON.parse(run('analyze', '--store', address, '--analysis', 'volume-outliers-ip', '--json'));
    assert.deepEqual(analyzed.outputs.map((o: { findings: { id: string; score: number }[] }) => o.findings.map((f) => [f.id, f.score])), want);
    const suspects = run('suspects', '--store', address, '--json');
    assert.ok(JSON.parse(suspects).length > 0 || Object.keys(JSON.parse(suspects)).length > 0, suspects.slice(0, 200));
    assert.equal(suspects, runAs('default', 'suspects', '--store', address, '--json'));
  });

  it('indexing a file again replaces its table on every shard and its catalog entry', async () => {
    const s = await ClickHouseStore.connect(address);
    try {
      if (!s.tables().some((t) => t.table === 'access')) await s.index([ACCESS]);
      const again = await s.index([ACCESS]);
      assert.equal(again[0].error, undefined, again[0].error?.message);
      assert.equal(again[0].tables[0].table, 'access');
      assert.deepEqual(s.tables().filter((t) => t.file === ACCESS).map((t) => t.table), ['access']);
      assert.equal(s.query('SELECT count(*) FROM access').rows[0][0], 300);
      const perShard = s.query(`SELECT count(*) FROM remote('127.0.0.1', ?, 'access_local')`, [db]).rows[0][0];
      assert.ok(Number(perShard) > 100 && Number(perShard) < 200, `shard 1 holds ${perShard} of 300 rows`);
    } finally {
      await s.close();
    }
    // a new connection reads one entry for the file, and can index it again too
    const t = await ClickHouseStore.connect(address);
    try {
      assert.deepEqual(t.tables().filter((x) => x.file === ACCESS).map((x) => [x.table, x.rows]), [['access', 300]]);
      const third = await t.index([ACCESS]);
      assert.equal(third[0].error, undefined, third[0].error?.message);
      assert.deepEqual(t.tables().map((x) => x.table), ['access']);
      assert.equal(t.query('SELECT count(*) FROM access').rows[0][0], 300);
      const cols = t.query(`SELECT count(*) FROM catalog_columns FINAL WHERE table_name = 'access'`).rows[0][0];
      assert.equal(cols, t.tables()[0].columns.length);
    } finally {
      await t.close();
    }
  });
});
