// (anylog) logs outside the named formats (issue 14): message-template mining and header inference.
//   1. template miner alone: each loghub sample in ../shared/data/syslog-ssh/*_structured.csv (OpenSSH,
//      Linux, Apache 2k), its messages repeated (numbers changed each pass) up to 400,000 lines, made
//      before the clock starts so only mining is timed; lines/s by wall clock and by CPU time (target:
//      200,000); grouping accuracy on each sample (target: 0.90).
//   2. header inference alone: each system-log sample of test/fixtures/systems learned, then parsed
//      again and again up to 200,000 lines; lines/s.
//   3. end to end: a 400,000-line Hadoop-style log (the sample's lines with numbers changed) indexed by
//      the CLI (learned header, _time, _template, <table>_templates), rows/s from its --stats.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function bundle(benchDir) {
  const cjs = path.join(benchDir, 'anylogData.cjs');
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const b = spawnSync(esbuild, [path.join(ROOT, 'bench', 'anylogData.ts'), '--bundle', '--platform=node', '--format=cjs', '--log-level=warning', `--outfile=${cjs}`], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`bundling bench/anylogData.ts failed: ${b.stderr}`);
  return cjs;
}

function inProcess(cjs, call) {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(cjs)}).${call}))`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${call} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export default async function ({ cli, benchDir, sharedData }) {
  fs.mkdirSync(benchDir, { recursive: true });
  const cjs = bundle(benchDir);
  const mining = inProcess(cjs, `mining(${JSON.stringify(sharedData)}, 400000)`);
  console.log('  template miner (loghub 2k messages, numbers changed each pass):');
  if (mining.length === 0) console.log('    SKIPPED: no ../shared/data/syslog-ssh');
  for (const m of mining) {
    const ok = m.accuracy >= 0.9 && (m.lines / m.cpuMs) * 1000 >= 200000;
    console.log(`    ${m.sample.padEnd(8)} grouping accuracy ${m.accuracy.toFixed(4)} (F1 ${m.f1.toFixed(4)}, ${m.templates} templates / ${m.events} events); ${fmt(m.lines)} lines: ${fmt((m.lines / m.wallMs) * 1000)} lines/s wall, ${fmt((m.lines / m.cpuMs) * 1000)} lines/s CPU  ${ok ? 'MET' : 'NOT MET'}`);
  }
  const inference = inProcess(cjs, `inference(${JSON.stringify(path.join(ROOT, 'test', 'fixtures', 'systems'))}, 200000)`);
  console.log('  header inference (learned header, test/fixtures/systems):');
  for (const s of inference) {
    if (!s.header && !s.layout) {
      console.log(`    ${s.system.padEnd(12)} no header learned`);
      continue;
    }
    console.log(`    ${s.system.padEnd(12)} ${s.layout.padEnd(14)} ${fmt((s.lines / s.wallMs) * 1000).padStart(10)} lines/s wall, ${fmt((s.lines / s.cpuMs) * 1000).padStart(10)} lines/s CPU  [${s.columns}]`);
  }
  // end to end through the CLI
  const sample = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'systems', 'Hadoop.log'), 'utf8').split('\n').filter(Boolean);
  const file = path.join(benchDir, 'hadoop.log');
  const out = fs.createWriteStream(file);
  let n = 0;
  for (let k = 0; n < 400000; k++) {
    for (const l of sample) {
      out.write((k === 0 ? l : l.replace(/_(\d{4})_/g, (_, d) => `_${String((Number(d) + k) % 10000).padStart(4, '0')}_`)) + '\n');
      n++;
    }
  }
  await new Promise((r) => out.end(r));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'index', file, '--stats'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`index failed: ${r.stderr.slice(-2000)}`);
  const info = JSON.parse(r.stdout)[0];
  console.log(`  end to end: ${fmt(n)} lines (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) -> ${info.format}, ${fmt(info.rows)} rows, ${info.templates?.count ?? 0} templates, ${fmt(wallMs)} ms wall (${fmt((n / wallMs) * 1000)} lines/s) [${r.stderr.trim().split('\n').pop()}]`);
  return { mining, inference, endToEnd: { lines: n, rows: info.rows, format: info.format, templates: info.templates?.count, wallMs } };
}
