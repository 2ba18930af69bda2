#!/usr/bin/env node
// Bench case sigma: compile every rule of ../shared/data/sigma/rules (goal < 2 s) and run every
// rule that applies over N generated Windows events (default 1,000,000; goal < 30 s).
// bench/sigmaBench.ts is bundled with esbuild into .bench/ and run in plain Node.
//
// Alone: node bench/sigma.mjs [--events N]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function run({ benchDir, sharedData, events } = {}) {
  benchDir ??= path.join(ROOT, '.bench');
  sharedData ??= path.join(ROOT, '..', 'shared', 'data');
  const n = events ?? 1000000;
  const rules = path.join(sharedData, 'sigma', 'rules');
  if (!fs.existsSync(rules)) {
    console.log(`  SKIPPED: no rule set at ${rules}`);
    return { skipped: true };
  }
  fs.mkdirSync(benchDir, { recursive: true });
  const out = path.join(benchDir, 'sigmaBench.cjs');
  await build({ entryPoints: [path.join(ROOT, 'bench', 'sigmaBench.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error', external: ['vscode'] });
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', out, rules, benchDir, String(n)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`sigma bench failed: ${r.stderr || r.stdout}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  const ok = (v, goal) => (v <= goal ? 'meets' : 'MISSES');
  console.log(`  rules: ${res.rules}, compiled ${res.compiled} (${((100 * res.compiled) / res.rules).toFixed(1)} %); read + compile ${res.readAndCompileMs} ms wall, ${res.readAndCompileCpuMs} ms CPU (read ${res.readMs} ms) — ${ok(res.readAndCompileMs, 2000)} the 2 s goal`);
  console.log(`  ${res.events.toLocaleString('en-US')} Windows events indexed in ${(res.indexMs / 1000).toFixed(1)} s; ${res.applied} rules apply (${res.noFields} lack every field), ${res.matched} matched, ${res.failed} failed`);
  console.log(`  running the applicable rules: ${(res.runMs / 1000).toFixed(1)} s wall, ${(res.runCpuMs / 1000).toFixed(1)} s CPU — ${ok(res.runMs, 30000)} the 30 s goal`);
  console.log(`  the whole analysis (rules, then ${res.findings} findings with their evidence): ${(res.analysisMs / 1000).toFixed(1)} s wall, ${(res.analysisCpuMs / 1000).toFixed(1)} s CPU`);
  console.log(`  load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(`  matched: ${res.matchedRules.join('; ')}`);
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--events');
  await run({ events: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
