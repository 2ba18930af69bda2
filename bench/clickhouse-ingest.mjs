#!/usr/bin/env node
// Peak memory of our process while a large log is indexed into the two-shard ClickHouse cluster (#17):
// the rows stream to the shards in batches (src/engine/store/clickhouse/stream.ts), so the peak should
// not grow with the file. Through the CLI (dist/cli.js; `npm run build` first). The cluster is the
// project's (scripts/clickhouse/cluster.sh); this bench starts it if it is not running and stops it then.
//   node bench/clickhouse-ingest.mjs [--lines N]... [--sqljs]
// Each --lines N (default 1,000,000) makes .bench/access-N.log from test/fixtures/access.log repeated
// (kept for the next run) and indexes it; --sqljs indexes the same file into sql.js too (index + count).
// Prints per file: size, wall time, rows/s, peak RSS (maxRssBytes from --stats) and its ratio to the file,
// and the row count on the cluster (it must equal the lines).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');
const sizes = [];
let sqljs = false;
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--lines') sizes.push(Number(process.argv[++i]));
  else if (process.argv[i] === '--sqljs') sqljs = true;
  else throw new Error(`unknown argument ${process.argv[i]}`);
}
if (!sizes.length) sizes.push(1_000_000);

function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const stats = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).pop();
  return { ms, ok: r.status === 0, out: r.stdout, err: r.stderr, stats };
}

function logOf(lines) {
  const dir = path.join(ROOT, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `access-${lines}.log`);
  const done = `${file}.lines`;
  if (fs.existsSync(file) && fs.existsSync(done) && fs.readFileSync(done, 'utf8') === String(lines)) return file;
  const src = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'access.log'), 'utf8').trimEnd().split('\n');
  const block = src.join('\n') + '\n';
  const out = fs.openSync(file, 'w');
  let n = 0;
  while (n + src.length <= lines) {
    fs.writeSync(out, block);
    n += src.length;
  }
  if (n < lines) fs.writeSync(out, src.slice(0, lines - n).join('\n') + '\n');
  fs.closeSync(out);
  fs.writeFileSync(done, String(lines));
  return file;
}

const startedHere = spawnSync('bash', [SCRIPT, 'status']).status !== 0;
if (startedHere && spawnSync('bash', [SCRIPT, 'start'], { stdio: 'inherit' }).status !== 0) throw new Error('cluster.sh start failed');
const db = `li_ingest_${process.pid}`;
const store = spawnSync('bash', [SCRIPT, 'store', db], { encoding: 'utf8' }).stdout.trim();
const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
try {
  for (const lines of sizes) {
    const file = logOf(lines);
    const bytes = fs.statSync(file).size;
    console.log(`${lines.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(1)} MB (${path.relative(ROOT, file)})`);
    const b = run(['index', '--store', store, file, '--stats']);
    if (!b.ok) console.log(`  ClickHouse index failed: ${b.err.trim().split('\n').pop()}`);
    else {
      const table = path.basename(file).replace(/\.log$/, '').replace(/[^A-Za-z0-9_]/g, '_');
      const q = run(['query', '--store', store, '--sql', `SELECT count(*) FROM ${table}`, '--csv']);
      const peak = b.stats.maxRssBytes;
      console.log(`  ClickHouse  index ${(b.ms / 1000).toFixed(1)} s, ${Math.round(lines / (b.ms / 1000)).toLocaleString('en-US')} rows/s, peak ${mb(peak)} (${(peak / bytes).toFixed(2)}x the file); rows on the cluster: ${q.out.trim().split('\n').pop()}`);
    }
    if (sqljs) {
      const a = run(['query', file, '--sql', 'SELECT count(*) FROM ' + path.basename(file).replace(/\.log$/, '').replace(/[^A-Za-z0-9_]/g, '_'), '--csv', '--stats']);
      if (!a.ok) console.log(`  sql.js      failed: ${a.err.trim().split('\n').pop()}`);
      else console.log(`  sql.js      index + count ${(a.ms / 1000).toFixed(1)} s, peak ${mb(a.stats.maxRssBytes)} (${(a.stats.maxRssBytes / bytes).toFixed(2)}x the file)`);
    }
  }
} finally {
  for (const p of store.replace(/^clickhouse:\/\//, '').split('/')[0].split(',')) {
    spawnSync('curl', ['-sS', `http://${p}/`, '--data-binary', `DROP DATABASE IF EXISTS ${db}`]);
  }
  if (startedHere) spawnSync('bash', [SCRIPT, 'stop'], { stdio: 'inherit' });
}
