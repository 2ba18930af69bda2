/**
 * Writes the Sigma correctness fixture (test/fixtures/sigma/): Windows events
 * as JSON Lines, and the number of events each rule matches on them.
 *
 * Events: for each Windows rule of the bundled set and of every 4th rule of
 * the SigmaHQ set (when ../shared/data is here), one event built from its
 * detection (the first map of each item, values with their modifiers undone
 * where that is easy: contains → text around the value, endswith → a
 * prefix, wildcards → letters), so many rules match and many fail on a
 * filter; plus background events from the bench's generator. The counts
 * are what `runRulesOnTable` gave when the fixture was written, and the unit
 * test `sigmaFixture.test.ts` holds every later version to them.
 *
 * Run (LI_BENCH_SHARED_DATA=/path/to/shared/data when not beside the checkout):
 *   npx esbuild bench/sigmaFixture.ts --bundle --platform=node --outfile=.bench/sigmaFixture.cjs && node .bench/sigmaFixture.cjs
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../src/engine/engine';
import { seededRng } from '../src/engine/cluster/random';
import { loadSigmaRules, type SigmaRule } from '../src/engine/sigma/rule';
import { loadMappings, runRulesOnTable } from '../src/engine/sigma/run';
import { generate } from './sigmaEvents';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'test', 'fixtures', 'sigma');
const BUNDLED = path.join(ROOT, 'media', 'sigma-rules');
const SIGMAHQ = path.join(process.env.LI_BENCH_SHARED_DATA ?? path.join(ROOT, '..', 'shared', 'data'), 'sigma', 'rules');

type Json = Record<string, unknown>;

/** A value that the field's modifiers (contains, endswith…) accept, or undefined when that is not easy. */
function sample(mods: string[], v: unknown, r: () => number): unknown {
  if (v === null || typeof v === 'object') return undefined;
  if (typeof v !== 'string') {
    if (typeof v === 'number' && mods.includes('gt')) return v + 1;
    if (typeof v === 'number' && mods.includes('lt')) return v - 1;
    return v;
  }
  if (mods.some((m) => ['re', 'fieldref', 'wide', 'utf16le', 'utf16be', 'utf16', 'expand'].includes(m))) return undefined;
  if (mods.includes('cidr')) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(v);
    return m ? `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}` : undefined;
  }
  if (mods.includes('exists')) return v === 'true' || (v as unknown) === true ? 'x' : undefined;
  let s = v.replace(/\\([*?\\])/g, '$1').replace(/\*/g, r() < 0.5 ? '' : 'abc').replace(/\?/g, 'q');
  if (mods.includes('base64') || mods.includes('base64offset')) s = Buffer.from(s).toString('base64');
  if (mods.includes('contains')) return `pre ${s} post`;
  if (mods.includes('endswith')) return `C:\\Some\\Dir${s}`;
  if (mods.includes('startswith')) return `${s} tail`;
  // vary the case now and then: matching is case-insensitive
  return r() < 0.2 ? s.toUpperCase() : s;
}

function eventFor(rule: SigmaRule, r: () => number): Json | undefined {
  const det = rule.detection;
  if (!det) return undefined;
  const e: Json = {};
  for (const [name, item] of Object.entries(det)) {
    if (name === 'condition' || name === 'timeframe') continue;
    const first = Array.isArray(item) ? item[0] : item;
    if (typeof first === 'string' || typeof first === 'number') {
      e.Message = `${String(e.Message ?? '')} ${String(sample(['contains'], first, r) ?? '')}`.trim();
      continue;
    }
    if (!first || typeof first !== 'object') continue;
    for (const [key, value] of Object.entries(first as Json)) {
      const [field, ...mods] = key.split('|');
      const vals = Array.isArray(value) ? value : [value];
      const picked = mods.includes('all') ? vals : [vals[Math.floor(r() * vals.length)]];
      const got = picked.map((v) => sample(mods, v, r)).filter((v) => v !== undefined);
      if (got.length === 0) continue;
      e[field] = got.length === 1 ? got[0] : got.join(' ');
    }
  }
  return e;
}

const CHANNEL: Record<string, [number, string]> = {
  process_creation: [1, 'Microsoft-Windows-Sysmon/Operational'],
  network_connection: [3, 'Microsoft-Windows-Sysmon/Operational'],
  file_event: [11, 'Microsoft-Windows-Sysmon/Operational'],
  registry_set: [13, 'Microsoft-Windows-Sysmon/Operational'],
  registry_event: [13, 'Microsoft-Windows-Sysmon/Operational'],
  image_load: [7, 'Microsoft-Windows-Sysmon/Operational'],
  ps_script: [4104, 'Microsoft-Windows-PowerShell/Operational'],
  process_access: [10, 'Microsoft-Windows-Sysmon/Operational'],
  dns_query: [22, 'Microsoft-Windows-Sysmon/Operational'],
  pipe_created: [17, 'Microsoft-Windows-Sysmon/Operational'],
};
const SERVICE: Record<string, string> = { security: 'Security', system: 'System', application: 'Application', sysmon: 'Microsoft-Windows-Sysmon/Operational', powershell: 'Microsoft-Windows-PowerShell/Operational' };

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const r = seededRng(16);
  const bundled = loadSigmaRules([BUNDLED]).rules;
  const hq = fs.existsSync(SIGMAHQ) ? loadSigmaRules([SIGMAHQ]).rules : [];
  const sources = [...bundled, ...hq.filter((_, i) => i % 4 === 0)].filter((x) => x.logsource.product === 'windows');
  const lines: string[] = [];
  const t0 = Date.parse('2024-05-01T00:00:00Z');
  sources.forEach((rule, i) => {
    const e = eventFor(rule, r);
    if (!e) return;
    const ch = CHANNEL[rule.logsource.category ?? ''] ?? (rule.logsource.service ? ([e.EventID ?? 0, SERVICE[rule.logsource.service] ?? rule.logsource.service] as [unknown, string]) : undefined);
    if (!ch) return;
    // Security 4688 now and then for process creation (the mapping's other spelling: NewProcessName, ParentProcessName)
    if (rule.logsource.category === 'process_creation' && i % 5 === 0) {
      if (e.Image !== undefined) e.NewProcessName = e.Image;
      if (e.ParentImage !== undefined) e.ParentProcessName = e.ParentImage;
      delete e.Image;
      delete e.ParentImage;
      lines.push(JSON.stringify({ UtcTime: new Date(t0 + i * 1000).toISOString(), Computer: `ws${i % 7}`, ...e, EventID: 4688, Channel: 'Security' }));
    } else lines.push(JSON.stringify({ UtcTime: new Date(t0 + i * 1000).toISOString(), Computer: `ws${i % 7}`, ...e, EventID: e.EventID ?? ch[0], Channel: ch[1] }));
  });
  const bg = path.join(OUT, 'background.tmp');
  generate(bg, 500, 7);
  const all = [...lines, ...fs.readFileSync(bg, 'utf8').trim().split('\n')];
  fs.rmSync(bg);
  // shuffle, so planted and background events interleave
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const file = path.join(OUT, 'windows-events.jsonl');
  fs.writeFileSync(file, all.join('\n') + '\n');
  const engine = await Engine.create();
  const [o] = await engine.index([file]);
  if (o.error) throw new Error(o.error.message);
  const counts = (rules: SigmaRule[]) => {
    const tr = runRulesOnTable(rules, o.tables[0], (sql, p) => engine.query(sql, p), loadMappings());
    const out: Record<string, number> = {};
    for (const run of tr.runs) if (run.status === 'matched' || run.status === 'no match') out[`${run.rule.id ?? run.rule.title}`] = run.matched;
    return out;
  };
  const write = (name: string, c: Record<string, number>) => {
    fs.writeFileSync(path.join(OUT, name), JSON.stringify(c, null, 1) + '\n');
    console.log(`${name}: ${Object.keys(c).length} rules ran, ${Object.values(c).filter((n) => n > 0).length} matched`);
  };
  write('expected-bundled.json', counts(bundled));
  if (hq.length) write('expected-sigmahq.json', counts(hq));
  console.log(`${all.length} events (${lines.length} built from rules)`);
  await engine.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
