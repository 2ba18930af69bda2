/**
 * The local two-shard ClickHouse cluster for the tests, through scripts/clickhouse/cluster.sh:
 * started on first use when it is not running, and stopped once after every test file has run
 * (a root-level `after` hook) only when a test started it; a cluster that was running already is
 * left as it was. Each test works in a database of its own and drops it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ClickHouseHttp } from '../src/engine/store/clickhouse/http';

export const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');

export function clusterScript(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('bash', [SCRIPT, cmd, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? 1, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

let startedHere = false;

/** The store address of database `db` on the running cluster, starting the cluster when it is not running. */
export function clusterAddress(db: string): string {
  if (clusterScript('status').code !== 0) {
    const s = clusterScript('start');
    assert.equal(s.code, 0, `cluster.sh start failed: ${s.err}`);
    assert.match(s.out, /^http:\/\/127\.0\.0\.1:\d+$/m);
    startedHere = true;
  }
  const address = clusterScript('store', db).out;
  assert.match(address, new RegExp(`^clickhouse://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+/${db}\\?cluster=li$`));
  return address;
}

/** Drops the database on every shard of the address. */
export async function dropDatabase(address: string): Promise<void> {
  const m = /^clickhouse:\/\/([^/]+)\/([A-Za-z0-9_]+)/.exec(address);
  if (!m) return;
  for (const s of m[1].split(',')) {
    const n = new ClickHouseHttp(`http://${s}`);
    try {
      await n.command(`DROP DATABASE IF EXISTS ${m[2]}`);
    } finally {
      await n.close();
    }
  }
}

// the root suite's last hook: after every file that used the cluster
if (typeof after === 'function') after(() => {
  if (startedHere) assert.equal(clusterScript('stop').code, 0);
  startedHere = false;
});
