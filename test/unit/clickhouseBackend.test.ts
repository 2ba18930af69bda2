/**
 * Choosing the backend on the command line (#17, item 5): `--backend clickhouse --url URL
 * [--database DB]` on index, query, analyze and suspects, against the real two-shard cluster of
 * scripts/clickhouse/cluster.sh (started here when it is not running, and then stopped again), and
 * the messages for a wrong URL, a server that does not answer and a database that is not there.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { backendOptions } from '../../src/engine/store/clickhouse/connect';
import { ClickHouseHttp } from '../../src/engine/store/clickhouse/http';
import { ClickHouseStore } from '../../src/engine/store/clickhouse/store';
import { EngineClient } from '../../src/engine/engineClient';

/** Lines of a file that contain a text (the access log's status is the only ' 404 ' on a line). */
const execFileCount = (file: string, text: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(text)).length;

const ROOT = path.join(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const ACCESS = path.join(ROOT, 'test', 'fixtures', 'access.log');

function cluster(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('bash', [SCRIPT, cmd, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? 1, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** The CLI, asynchronously (a test's own HTTP server must answer while it runs). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } }, (e, out, err) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? ((e as { code: number }).code) : 1) : 0;
      resolve({ code, out, err: err.trim(), ms: Date.now() - t0 });
    });
  });
}

/** A loopback port nobody listens on (the kernel's choice, closed again). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('Choosing the ClickHouse backend on the command line', function () {
  this.timeout(300_000);
  let startedHere = false;
  let url = '';
  const db = `li_backend_${process.pid}`;

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
    startedHere = cluster('status').code !== 0;
    if (startedHere) {
      const s = cluster('start');
      assert.equal(s.code, 0, `cluster.sh start failed: ${s.err}`);
    }
    // every shard, in the cluster's order, as --url takes them
    const address = cluster('store', db).out;
    const m = /^clickhouse:\/\/(127\.0\.0\.1:\d+,127\.0\.0\.1:\d+)\/\w+\?cluster=li$/.exec(address);
    assert.ok(m, address);
    url = `http://${m[1]}`;
  });

  after(async () => {
    if (url) {
      for (const h of url.slice('http://'.length).split(',')) {
        const n = new ClickHouseHttp(`http://${h}`);
        await n.command(`DROP DATABASE IF EXISTS ${db}`);
        await n.close();
      }
    }
    if (startedHere) assert.equal(cluster('stop').code, 0);
  });

  const ch = (...args: string[]) => [...args, '--backend', 'clickhouse', '--url', url, '--database', db];

  it('index, query, analyze and suspects run on the cluster and answer as the embedded store does', async () => {
    const idx = await cli(ch('index', ACCESS));
    assert.equal(idx.code, 0, idx.err);
    const [t] = JSON.parse(idx.out) as { table: string; rows: number }[];
    assert.deepEqual([t.table, t.rows], ['access', 300]);
    // the rows are on both shards (row _line on shard _line % 2)
    for (const h of url.slice('http://'.length).split(',')) {
      const n = new ClickHouseHttp(`http://${h}`);
      const local = Number((await n.query(`SELECT count() FROM ${db}.access_local`)).rows[0][0]);
      await n.close();
      assert.equal(local, 150, `rows on shard ${h}`);
    }
    const sql = 'SELECT client_ip, count(*) AS n FROM access GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5';
    const q = await cli(ch('query', '--sql', sql, '--csv'));
    assert.equal(q.code, 0, q.err);
    assert.equal(q.out, (await cli(['query', ACCESS, '--sql', sql, '--csv'])).out);
    assert.match(q.out, /^client_ip,n\r?\n83\.149\.9\.216,23\r?\n/);
    type Run = { outputs: { analysis: string; findings: { id: string; score: number }[] }[] };
    const ids = (r: Run) => r.outputs.map((o) => [o.analysis, o.findings.map((f) => `${f.id} ${f.score.toFixed(6)}`).sort()]);
    const a = await cli(ch('analyze', '--analysis', 'volume-outliers-ip,rare-user-agents', '--json'));
    assert.equal(a.code, 0, a.err);
    const embedded = JSON.parse((await cli(['analyze', ACCESS, '--analysis', 'volume-outliers-ip,rare-user-agents', '--json'])).out) as Run;
    assert.ok(ids(embedded).flatMap((x) => x[1]).length > 5);
    assert.deepEqual(ids(JSON.parse(a.out) as Run), ids(embedded));
    const s = await cli(ch('suspects', '--analysis', 'volume-outliers-ip', '--json', '--limit', '3'));
    assert.equal(s.code, 0, s.err);
    const sEmbedded = await cli(['suspects', ACCESS, '--analysis', 'volume-outliers-ip', '--json', '--limit', '3']);
    assert.deepEqual(JSON.parse(s.out), JSON.parse(sEmbedded.out));
    // --store is the same store, the address in one piece
    const viaStore = await cli(['query', '--store', cluster('store', db).out, '--sql', sql, '--csv']);
    assert.equal(viaStore.out, q.out);
  });

  it('says what is wrong with a URL, and which options go together', async () => {
    const cases: [string[], number, RegExp][] = [
      [['query', '--backend', 'clickhouse', '--url', 'htp://127.0.0.1:8123', '--sql', 'SELECT 1'], 1, /not a ClickHouse URL: 'htp:\/\/127\.0\.0\.1:8123'; give http:\/\/HOST:PORT/],
      [['query', '--backend', 'clickhouse', '--url', 'http://127.0.0.1:99999', '--sql', 'SELECT 1'], 1, /port 99999 in the ClickHouse URL is not a TCP port/],
      [['query', '--backend', 'clickhouse', '--url', 'http://me:secret@127.0.0.1:8123', '--sql', 'SELECT 1'], 1, /takes no user or password .*LI_CLICKHOUSE_PASSWORD/],
      [['query', '--backend', 'clickhouse', '--url', 'http://127.0.0.1:8123/a', '--database', 'b', '--sql', 'SELECT 1'], 1, /names database a and --database names b/],
      [['query', '--backend', 'clickhouse', '--url', 'http://127.0.0.1:8123', '--database', 'x;drop', '--sql', 'SELECT 1'], 1, /database names here are letters, digits and _.*'x;drop'/],
      [['query', '--backend', 'clickhouse', '--sql', 'SELECT 1'], 2, /--backend clickhouse needs --url http:\/\/HOST:PORT/],
      [['query', '--url', 'http://127.0.0.1:8123', '--sql', 'SELECT 1'], 2, /--url goes with --backend clickhouse/],
      [['query', '--backend', 'duck', '--url', 'http://127.0.0.1:8123', '--sql', 'SELECT 1'], 2, /--backend takes embedded or clickhouse, not 'duck'/],
      [['query', '--store', 'clickhouse://127.0.0.1:8123/x', '--backend', 'clickhouse', '--url', 'http://127.0.0.1:8123', '--sql', 'SELECT 1'], 2, /either --store ADDRESS or --backend clickhouse --url URL, not both/],
      [['shell', ACCESS, '--backend', 'clickhouse', '--url', 'http://127.0.0.1:8123'], 2, /goes with index, query, analyze and suspects \(not shell/],
    ];
    for (const [args, code, re] of cases) {
      const r = await cli(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err.split('\n')[0], re, args.join(' '));
    }
  });

  it('says when no server listens, when one does not answer in time, and when it is not ClickHouse', async () => {
    const refused = await cli(['query', '--backend', 'clickhouse', '--url', `http://127.0.0.1:${await closedPort()}`, '--sql', 'SELECT 1']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^log-investigator: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+: connection refused/);
    // a server that takes the connection and never answers: the connect timeout (10 s) ends the wait
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    // a web server that is not ClickHouse
    const web = http.createServer((_q, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const [s, w] = await Promise.all([
        cli(['analyze', '--backend', 'clickhouse', '--url', `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`]),
        cli(['suspects', '--backend', 'clickhouse', '--url', `http://127.0.0.1:${(web.address() as net.AddressInfo).port}`]),
      ]);
      assert.equal(s.code, 1);
      assert.match(s.err, /^log-investigator: ClickHouse at http:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/);
      assert.ok(s.ms >= 9_500 && s.ms < 60_000, `${s.ms} ms`);
      assert.equal(w.code, 1);
      assert.match(w.err, /^log-investigator: the server at http:\/\/127\.0\.0\.1:\d+ answers HTTP but not as ClickHouse’s HTTP interface \(its \/ping: not here\)$/);
    } finally {
      silent.close();
      web.close();
    }
    // the native port instead of HTTP: ClickHouse's own words
    const native = Number(fs.readFileSync(path.join(ROOT, '.clickhouse', 'ports'), 'utf8').split(' ')[1]);
    const n = await cli(['query', '--backend', 'clickhouse', '--url', `http://127.0.0.1:${native}`, '--sql', 'SELECT 1']);
    assert.equal(n.code, 1);
    assert.match(n.err, new RegExp(`^log-investigator: the server at http://127\\.0\\.0\\.1:${native} answers HTTP but not as ClickHouse’s HTTP interface \\(its /ping: Port ${native} is for clickhouse-client program\\. You must use port \\d+ for HTTP\\.\\)$`));
  });

  it('says when the database is not there, without creating it, and a wrong password', async () => {
    const missing = `li_missing_${process.pid}`;
    for (const cmd of [['query', '--sql', 'SELECT 1'], ['analyze'], ['suspects']]) {
      const r = await cli([...cmd, '--backend', 'clickhouse', '--url', url, '--database', missing]);
      assert.equal(r.code, 1, cmd[0]);
      assert.match(r.err, new RegExp(`^log-investigator: database ${missing} does not exist on ClickHouse at http://127\\.0\\.0\\.1:\\d+ \\(there: .*\\b${db}\\b.*\\); indexing a file into it creates it$`), cmd[0]);
    }
    const n = new ClickHouseHttp(url.split(',')[0]);
    const there = await n.query(`SELECT count() FROM system.databases WHERE name = '${missing}'`);
    await n.close();
    assert.equal(Number(there.rows[0][0]), 0, 'query, analyze and suspects do not create the database');
    const wrong = await cli(['query', '--backend', 'clickhouse', '--url', url, '--database', db, '--sql', 'SELECT 1'], { LI_CLICKHOUSE_PASSWORD: 'not-the-password' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /^log-investigator: ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused the user or password: Code: 193, e\.displayText\(\) = DB::Exception: Wrong password for user default$/);
  });

  it('the engine worker holds the ClickHouse store as the extension uses it: tables, query, analysis with cancel, and the embedded-only requests refused', async () => {
    const client = new EngineClient(undefined, { clickhouse: { options: backendOptions({ url, database: db }), create: false, connectTimeoutMs: 5_000 } });
    try {
      const w = await client.where();
      assert.equal(w.kind, 'clickhouse');
      assert.match(w.where, new RegExp(`^ClickHouse http://127\\.0\\.0\\.1:\\d+, database ${db} \\(2 shards, cluster li\\)$`));
      assert.ok((await client.tables()).some((t) => t.table === 'access' && t.rows === 300));
      assert.deepEqual((await client.query('SELECT count(*) FROM access WHERE status = ?', [404])).rows, [[Number(execFileCount(ACCESS, ' 404 '))]]);
      const run = await client.analyze('volume-outliers-ip', {}, ['access']);
      assert.ok(run.outputs[0].findings.length > 0);
      const ac = new AbortController();
      ac.abort();
      const stopped = await client.analyze('all', {}, ['access'], { signal: ac.signal });
      assert.equal(stopped.outputs.length, 0, 'a cancelled run stops at its first query');
      await assert.rejects(client.remove('access'), /Removing a table is for the embedded database; the tables here are in ClickHouse/);
      await assert.rejects(client.exportDatabase(), /Saving the database as a SQLite file is for the embedded database/);
    } finally {
      await client.dispose();
    }
    // a server that is not there: every request says why, the first one included
    const gone = new EngineClient(undefined, { clickhouse: { options: backendOptions({ url: `http://127.0.0.1:${await closedPort()}` }), create: false, connectTimeoutMs: 2_000 } });
    try {
      await assert.rejects(gone.where(), /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+: connection refused/);
      await assert.rejects(gone.tables(), /connection refused/);
    } finally {
      await gone.dispose();
    }
  });

  it('the store takes a shorter connect timeout and the same address in parts', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const t0 = Date.now();
    try {
      await assert.rejects(ClickHouseStore.connect(backendOptions({ url: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}` }), { connectTimeoutMs: 700 }), /did not answer within 1 s/);
    } finally {
      silent.close();
    }
    assert.ok(Date.now() - t0 < 5_000, `${Date.now() - t0} ms`);
    const o = backendOptions({ url: `${url}/`, database: db });
    assert.deepEqual([o.shards, o.database, o.cluster], [url.slice(7).split(',').map((h) => `http://${h}`), db, 'li']);
    assert.deepEqual(backendOptions({ url: 'https://ch.example' }).shards, ['https://ch.example:8443']);
  });
});
