/**
 * Bench case sigma (bundled by bench/sigma.mjs with esbuild, run in plain Node):
 *  1. read and compile every rule of ../shared/data/sigma/rules (goal < 2 s);
 *  2. index N generated Windows events (JSON Lines, seeded: Sysmon 1/3/11/13, Security
 *     4624/4625/4688, PowerShell 4104; a few planted attacks) and run every rule that
 *     applies to them (goal < 30 s for 1,000,000 events).
 * Prints one JSON line with the numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../src/engine/engine';
import { generate } from './sigmaEvents';
import { compileReport } from '../src/engine/sigma/report';
import { loadSigmaRules } from '../src/engine/sigma/rule';
import { loadMappings, rulesFrom, runRulesOnTable } from '../src/engine/sigma/run';
import { sigmaAnalysis } from '../src/engine/analyses/rules/sigmaAnalysis';
import { runAnalysis } from '../src/engine/findings/model';

/** CPU time of this process so far, in ms (the machine is shared: wall time alone says little). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const [rulesDir, benchDir, nText] = process.argv.slice(2);
  const n = Number(nText ?? 1000000);
  const t0 = performance.now();
  const c0 = cpu();
  const set = loadSigmaRules([rulesDir]);
  const tRead = performance.now() - t0;
  const report = compileReport(set.rules);
  const tCompile = performance.now() - t0;
  const cCompile = cpu() - c0;
  const file = path.join(benchDir, `sigma-windows-${n}.jsonl`);
  if (!fs.existsSync(file)) generate(file, n);
  const engine = await Engine.create();
  const t1 = performance.now();
  const [outcome] = await engine.index([file]);
  if (outcome.error) throw new Error(outcome.error.message);
  const tIndex = performance.now() - t1;
  const t2 = performance.now();
  const c2 = cpu();
  const tr = runRulesOnTable(set.rules, outcome.tables[0], (sql, p) => engine.query(sql, p), loadMappings());
  const tRun = performance.now() - t2;
  const cRun = cpu() - c2;
  // the whole analysis as the CLI and the extension run it: the rules, then findings per rule and entity with their evidence
  // (the rules read once more into the analysis's cache first: reading is timed above)
  rulesFrom(rulesDir);
  const t3 = performance.now();
  const c3 = cpu();
  const out = runAnalysis(sigmaAnalysis, outcome.tables[0], (sql, p) => engine.query(sql, p), { sigma: rulesDir, sigmaMappings: '', maxEntities: '50' });
  const tAnalysis = performance.now() - t3;
  const cAnalysis = cpu() - c3;
  const by = (s: string) => tr.runs.filter((r) => r.status === s).length;
  console.log(
    JSON.stringify({
      rules: set.rules.length,
      compiled: report.compiled,
      unsupported: report.unsupported.map((u) => [u.feature, u.rules]),
      readMs: Math.round(tRead),
      readAndCompileMs: Math.round(tCompile),
      readAndCompileCpuMs: Math.round(cCompile),
      events: n,
      indexMs: Math.round(tIndex),
      applied: tr.runs.length,
      notApplicable: tr.notApplicable,
      matched: by('matched'),
      noFields: by('no fields'),
      failed: by('failed'),
      matchedRules: tr.runs.filter((r) => r.status === 'matched').map((r) => `${r.rule.title} (${r.matched})`),
      runMs: Math.round(tRun),
      runCpuMs: Math.round(cRun),
      analysisMs: Math.round(tAnalysis),
      analysisCpuMs: Math.round(cAnalysis),
      findings: out.findings.length,
    }),
  );
  await engine.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
