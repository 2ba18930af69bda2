#!/usr/bin/env node
// Issue #11, item 6: the share of each log's lines that the findings mark, on the sample workspace of
// `npm start` after running every analysis (bench/evidenceShare.ts says what is counted).
// Target: at most 5 % of any log's lines marked (a log under 20 lines, where a single mark is over 5 %, is
// listed on its own line).   Alone: node bench/evidence.mjs
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function run({ benchDir = path.join(ROOT, '.bench') } = {}) {
  fs.mkdirSync(benchDir, { recursive: true });
  const cjs = path.join(benchDir, 'evidenceShare.cjs');
  const b = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [path.join(ROOT, 'bench', 'evidenceShare.ts'), '--bundle', '--platform=node', '--format=cjs', '--main-fields=module,main', '--log-level=warning', `--outfile=${cjs}`], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`bundling bench/evidenceShare.ts failed: ${b.stderr}`);
  const { createRequire } = await import('node:module');
  const shares = await createRequire(import.meta.url)(cjs).measure(ROOT, path.join(benchDir, 'sample-workspace'));
  const pct = (n, d) => `${((100 * n) / d).toFixed(2)} %`;
  console.log(`\n  evidence on the sample workspace (all analyses): ${'file'.padEnd(24)} ${'lines'.padStart(8)}  marked (top 10 shown)  evidence lines (all suspects)  evidence rows (SQL)`);
  for (const s of shares) console.log(`    ${s.file.padEnd(70)} ${String(s.lines).padStart(8)}  ${String(s.marked).padStart(7)} ${pct(s.marked, s.lines).padStart(8)}  ${String(s.evidenceLines).padStart(10)} ${pct(s.evidenceLines, s.lines).padStart(8)}  ${String(s.evidenceRows).padStart(8)} ${pct(s.evidenceRows, s.lines).padStart(8)}`);
  if (process.argv.includes('--by-analysis')) for (const s of shares) for (const [a, v] of Object.entries(s.byAnalysis)) if (v.marked || v.rows) console.log(`      ${s.file.padEnd(24)} ${a.padEnd(26)} marked ${String(v.marked).padStart(6)} ${pct(v.marked, s.lines).padStart(8)}  rows ${String(v.rows).padStart(7)} ${pct(v.rows, s.lines).padStart(8)}`);
  // a log of fewer than 20 lines cannot carry one mark within 5 %: those are named apart, not hidden
  const sized = shares.filter((s) => s.lines >= 20);
  const tiny = shares.filter((s) => s.lines < 20 && s.marked > 0);
  const worst = sized.reduce((a, s) => (s.marked / s.lines > a.marked / a.lines ? s : a), sized[0]);
  console.log(`    ${(worst.marked / worst.lines <= 0.05 ? 'MET' : 'NOT MET').padEnd(8)} at most 5 % of any log's lines marked (logs of 20 lines or more): the most is ${pct(worst.marked, worst.lines)} (${worst.file})`);
  for (const s of tiny) console.log(`    ${'(floor)'.padEnd(8)} ${s.file}: ${s.lines} lines, where one mark is already ${pct(1, s.lines)}; ${s.marked} marked (${pct(s.marked, s.lines)})`);
  return shares;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().catch((e) => {
    console.error(`bench: ${e.stack ?? e}`);
    process.exit(1);
  });
}
