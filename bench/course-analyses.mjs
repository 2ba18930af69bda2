#!/usr/bin/env node
// Bench case c: the seven course-site analyses on a 900,000-line course-site log.
//
// The log comes from test/generators/courseLog.ts (seed 42, 900,000 generated lines from 2018-01-26
// to 2021-04-21) with the generator's planted cases on top (--planted: a scraper, cross-program
// reading that stops, barely active students, a cohort over-using a lesson, ...; about 14,000 lines),
// so the analyses have something to find. It is written to .bench/course-planted.txt and reused while
// the generator's source is unchanged. One CLI process indexes it with the real cohort table and runs
// all seven analyses (they share the columns they read); `--stats` gives each analysis's time after
// indexing. Target (issue #5): under 1 s each.
//
// Alone: node bench/course-analyses.mjs [--repeat N]  (needs dist/cli.js: node scripts/build.mjs)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 1000;
const LINES = 900000;
const SEED = 42;
export const ANALYSES = ['busiest-resources', 'cohort-overuse', 'barely-active', 'suspicious-access', 'cross-program', 'alumni-reading', 'spikes'];
const COLUMNS = 'date,time,page,user_id,cohort_id,ip';

/** The generator as a CommonJS script: esbuild's bundle, else tsc's output in out/. */
function generatorScript(generatorTs, benchDir) {
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const outCjs = path.join(benchDir, 'courseLog.cjs');
  if (fs.existsSync(esbuild)) {
    const r = spawnSync(esbuild, [generatorTs, '--bundle', '--platform=node', '--format=cjs', '--log-level=warning', `--outfile=${outCjs}`], { cwd: ROOT, encoding: 'utf8' });
    if (r.status === 0) return outCjs;
  }
  const tscOut = path.join(ROOT, 'out', 'test', 'generators', 'courseLog.js');
  return fs.existsSync(tscOut) ? tscOut : null;
}

function prepare(generatorTs, benchDir) {
  fs.mkdirSync(benchDir, { recursive: true });
  const file = path.join(benchDir, 'course-planted.txt');
  const stamp = `${file}.sha1`;
  const key = createHash('sha1').update(fs.readFileSync(generatorTs)).update(`lines=${LINES} seed=${SEED} planted`).digest('hex');
  if (fs.existsSync(file) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return { file, generatedMs: 0 };
  const script = generatorScript(generatorTs, benchDir);
  if (!script) return { failure: 'could not compile test/generators/courseLog.ts (no esbuild, no out/)' };
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [script, '--lines', String(LINES), '--seed', String(SEED), '--planted', '--out', file], { encoding: 'utf8' });
  if (r.status !== 0) return { failure: `generator failed: ${(r.stderr || r.stdout).slice(0, 2000)}` };
  fs.writeFileSync(stamp, key);
  return { file, generatedMs: Date.now() - t0 };
}

function runOnce(cli, file) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'analyze', file, path.join(ROOT, 'test', 'fixtures', 'cohorts.csv'), '--columns', COLUMNS, '--analysis', ANALYSES.join(','), '--stats'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) return { failure: `exit ${r.status ?? r.signal}: ${(r.stderr || '').slice(-2000)}` };
  const out = { wallMs, analyses: {} };
  for (const line of r.stderr.split('\n')) {
    const m = /^analysis (\S+) on (\S+): (\d+) ms, (\d+) findings$/.exec(line);
    if (m && m[2] !== 'cohorts') out.analyses[m[1]] = { ms: Number(m[3]), findings: Number(m[4]) };
    if (line.startsWith('{')) {
      try {
        Object.assign(out, JSON.parse(line));
      } catch {
        /* not the stats line */
      }
    }
  }
  for (const a of ANALYSES) if (!out.analyses[a]) return { failure: `no time for ${a} in: ${r.stderr.slice(0, 2000)}` };
  return out;
}

export default async function run({ cli = path.join(ROOT, 'dist', 'cli.js'), benchDir = path.join(ROOT, '.bench'), generatorTs = path.join(ROOT, 'test', 'generators', 'courseLog.ts'), repeat = 1 } = {}) {
  const prep = prepare(generatorTs, benchDir);
  if (prep.failure) {
    console.log(`  FAILED: ${prep.failure}`);
    return { failure: prep.failure };
  }
  const mb = fs.statSync(prep.file).size / 1e6;
  console.log(`  ${path.relative(process.cwd(), prep.file)}: ${LINES.toLocaleString('en-US')} generated lines + planted cases, ${mb.toFixed(1)} MB${prep.generatedMs ? `, generated in ${prep.generatedMs} ms` : ' (reused)'}`);
  let best;
  for (let k = 0; k < repeat; k++) {
    const r = runOnce(cli, prep.file);
    if (r.failure) {
      best = r;
      break;
    }
    const total = (x) => ANALYSES.reduce((s, a) => s + x.analyses[a].ms, 0);
    if (!best || total(r) < total(best)) best = r;
  }
  if (best.failure) {
    console.log(`  FAILED: ${best.failure}`);
    return { failure: best.failure };
  }
  console.log(`  rows ${best.rows?.toLocaleString('en-US')}, indexing ${best.indexMs} ms, peak ${Math.round((best.maxRssBytes ?? 0) / 1e6)} MB, wall ${Math.round(best.wallMs)} ms`);
  console.log(`  ${'analysis'.padEnd(20)}${'ms'.padStart(8)}${'findings'.padStart(10)}  under ${TARGET_MS} ms`);
  const results = ANALYSES.map((a) => {
    const x = best.analyses[a];
    const pass = x.ms < TARGET_MS;
    console.log(`  ${a.padEnd(20)}${String(x.ms).padStart(8)}${String(x.findings).padStart(10)}  ${pass ? 'yes' : 'NO'}`);
    return { analysis: a, ms: x.ms, findings: x.findings, pass };
  });
  return { lines: best.rows, bytes: Math.round(mb * 1e6), indexMs: best.indexMs, maxRssBytes: best.maxRssBytes, targetMs: TARGET_MS, results };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--repeat');
  const cli = path.resolve(ROOT, process.env.LI_BENCH_CLI ?? path.join('dist', 'cli.js'));
  if (!fs.existsSync(cli)) {
    console.error(`bench: ${cli} does not exist; build it first (node scripts/build.mjs)`);
    process.exit(2);
  }
  const out = await run({ cli, repeat: i >= 0 ? Math.max(1, Number(args[i + 1]) || 1) : 1 });
  process.exitCode = out.failure || !out.results.every((r) => r.pass) ? 1 : 0;
}
