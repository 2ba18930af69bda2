#!/usr/bin/env node
// The ClickHouse store beside sql.js (#17): index + first answer, and a set of ported analyses, on the
// same Apache log, through the CLI (dist/cli.js; `npm run build` first). The cluster is the project's
// (scripts/clickhouse/cluster.sh start); this bench starts it if it is not running and stops it then.
//   node bench/clickhouse.mjs [--lines N]   (default 1,000,000: test/fixtures/access.log repeated)
// Prints, per store, wall time, our process's peak memory (maxRssBytes from --stats) and the answers,
// and whether both stores gave the same top 5 and the same findings.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SCRIPT = path.join(ROOT, 'scripts', 'clickhouse', 'cluster.sh');
const at = process.argv.indexOf('--lines');
const LINES = at > 0 ? Number(process.argv[at + 1]) : 1_000_000;
const ANALYSES = 'volume-outliers-ip,volume-outliers-resource,spikes,rare-user-agents';
const TOP = 'SELECT client_ip, count(*) AS n FROM access GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5';

function run(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const stats = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).pop();
  return { ms, out: r.stdout, stats };
}
const cli = (...args) => run('node', [CLI, ...args]);
const findings = (json) => JSON.parse(json).outputs.map((o) => [o.analysis, o.findings.map((f) => [f.id, f.risk, f.reason]).sort()]).sort();

const dir = path.join(ROOT, '.bench');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'access.log');
const src = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'access.log'), 'utf8').trimEnd().split('\n');
if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8').split('\n').length - 1 !== LINES) {
  const out = fs.openSync(file, 'w');
  for (let i = 0; i < LINES; i += src.length) fs.writeSync(out, src.slice(0, Math.min(src.length, LINES - i)).join('\n') + '\n');
  fs.closeSync(out);
}
const mb = fs.statSync(file).size / 1e6;
console.log(`${LINES.toLocaleString('en-US')} lines, ${mb.toFixed(1)} MB (test/fixtures/access.log repeated)`);

const startedHere = spawnSync('bash', [SCRIPT, 'status']).status !== 0;
if (startedHere && spawnSync('bash', [SCRIPT, 'start'], { stdio: 'inherit' }).status !== 0) throw new Error('cluster.sh start failed');
const db = `li_bench_${process.pid}`;
const store = spawnSync('bash', [SCRIPT, 'store', db], { encoding: 'utf8' }).stdout.trim();
try {
  const a1 = cli('query', file, '--sql', TOP, '--csv', '--stats');
  const a2 = cli('analyze', file, '--analysis', ANALYSES, '--json', '--stats');
  const b1 = cli('index', '--store', store, file, '--stats');
  const b2 = cli('query', '--store', store, '--sql', TOP, '--csv', '--stats');
  const b3 = cli('analyze', '--store', store, '--analysis', ANALYSES, '--json', '--stats');
  const mem = (s) => `${(s.maxRssBytes / 1e6).toFixed(0)} MB`;
  console.log(`sql.js      index + top 5: ${(a1.ms / 1000).toFixed(1)} s, peak ${mem(a1.stats)}; index + ${ANALYSES}: ${(a2.ms / 1000).toFixed(1)} s`);
  console.log(`ClickHouse  index: ${(b1.ms / 1000).toFixed(1)} s, peak ${mem(b1.stats)}; top 5: ${(b2.ms / 1000).toFixed(2)} s (query ${b2.stats.queryMs} ms), peak ${mem(b2.stats)}; analyses: ${(b3.ms / 1000).toFixed(1)} s, peak ${mem(b3.stats)}`);
  console.log(`same top 5: ${a1.out === b2.out}; same findings: ${JSON.stringify(findings(a2.out)) === JSON.stringify(findings(b3.out))}`);
} finally {
  for (const p of store.replace(/^clickhouse:\/\//, '').split('/')[0].split(',')) {
    spawnSync('curl', ['-sS', `http://${p}/`, '--data-binary', `DROP DATABASE IF EXISTS ${db}`]);
  }
  if (startedHere) spawnSync('bash', [SCRIPT, 'stop'], { stdio: 'inherit' });
}
