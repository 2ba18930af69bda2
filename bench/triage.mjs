#!/usr/bin/env node
// Bench case triage (issue #11): is the ranked list of suspects one an analyst can trust?
//
// Runs `log-investigator suspects --json --limit 0` on every seeded generator of test/generators
// (course site at 200,000 and 1,000,000 lines with its planted cases, the e-mail/sign-in stream at
// about 200,000 events, generated login attempts, smb_files, the seeded Zeek capture of
// test/generators/zeek.ts with its planted network cases; bench/triageData.ts writes them to
// .bench/triage/) and on the labelled login data of ../shared/data/login-attempts (ch08: log.csv and
// attacks.csv; ch11: logs_2018.csv and hackers_2018.csv). Prints, for every planted or labelled case,
// its rank in its group (or among the incidents that hold it), the loud (high/critical) suspects per
// data set, precision at k, the loud false positives where the planted entities are known (the Zeek
// capture), and each target of #11 as MET or NOT MET. Then times `suspects` against
// `analyze` on the 1M-line course log (target: the ranking adds under 1 s).
//
// Alone: node bench/triage.mjs [--only NAME]   (needs dist/cli.js: node scripts/build.mjs)
//   --only NAME: only the data sets whose name contains NAME (e.g. "stream", "smb", "zeek", "course site 200k",
//   "ch08", "ch11"); the timing on the 1M-line course log runs only when its set does.
// Exit code: 0 unless the bench itself breaks (a CLI run fails, its JSON does not parse); a target
// NOT MET is printed, not an error.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOP = 10;

const verdict = (ok) => (ok ? 'MET' : 'NOT MET');

function manifest(benchDir) {
  const dir = path.join(benchDir, 'triage');
  fs.mkdirSync(dir, { recursive: true });
  const cjs = path.join(benchDir, 'triageData.cjs');
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const b = spawnSync(esbuild, [path.join(ROOT, 'bench', 'triageData.ts'), '--bundle', '--platform=node', '--format=cjs', '--log-level=warning', `--outfile=${cjs}`], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`bundling bench/triageData.ts failed: ${b.stderr}`);
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(cjs)}).writeAll(${JSON.stringify(dir)})))`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`writing the data sets failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function suspects(cli, files, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'suspects', ...files, ...args, '--json', '--limit', '0', '--stats'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, timeout: 30 * 60 * 1000 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !r.stdout) throw new Error(`suspects ${files.map((f) => path.basename(f)).join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr || '').slice(-2000)}`);
  const json = JSON.parse(r.stdout);
  const m = /analyses (\d+) ms, triage (\d+) ms/.exec(r.stderr);
  return { json, wallMs, analysesMs: m ? Number(m[1]) : NaN, triageMs: m ? Number(m[2]) : NaN };
}

/** Best rank of any of the values in its kind's group (by the analysis, when given); else in the incidents that hold one. */
function rankOf(json, kind, values, analysis) {
  const g = json.groups.find((x) => x.kind === kind);
  const want = new Set(values);
  const by = (x) => !analysis || x.analyses.includes(analysis);
  const i = g ? g.suspects.findIndex((s) => want.has(s.value) && by(s)) : -1;
  if (i >= 0) return { where: g.title, rank: i + 1, of: g.total, risk: g.suspects[i].risk, severity: g.suspects[i].severity };
  const k = json.incidents.shown.findIndex((x) => by(x) && x.entities.some((e) => e.kind === kind && want.has(e.value)));
  if (k >= 0) return { where: 'Incidents', rank: k + 1, of: json.incidents.total, risk: json.incidents.shown[k].risk, severity: json.incidents.shown[k].severity };
  return undefined;
}

/**
 * High/critical suspects and incidents that name no planted entity ("kind:value"); a session counts as
 * planted when one of its reasons names a planted host as an endpoint ("from 10.3.0.31:61671 to …").
 */
function loudFalsePositives(json, planted) {
  const set = new Set(planted);
  const hosts = planted.filter((k) => k.startsWith('ip:')).map((k) => k.slice(3));
  const endpoint = (text) => hosts.some((h) => text.includes(`from ${h}:`) || text.includes(`to ${h}:`));
  const out = [];
  for (const g of json.groups)
    for (const s of g.suspects) {
      if (s.risk < 75 || set.has(`${s.kind}:${s.value}`)) continue;
      if (s.kind === 'session' && s.reasons.some((r) => endpoint(r.reason))) continue;
      out.push(`${s.kind} ${s.value} (${s.analyses.join(', ')}, ${Math.round(s.risk)})`);
    }
  for (const i of json.incidents.shown) if (i.risk >= 75 && !i.entities.some((e) => set.has(`${e.kind}:${e.value}`))) out.push(`incident ${i.title} (${i.analyses.join(', ')})`);
  return out;
}

const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);

function generated(cli, set, summary) {
  const out = suspects(cli, set.files, set.args);
  console.log(`\n  ${set.name}: ${out.json.groups.reduce((n, g) => n + g.total, 0)} suspects, ${out.json.incidents.total} incidents, ${out.json.loud} high/critical; analyses ${out.analysesMs} ms, triage ${out.triageMs} ms`);
  console.log(`    ${pad('planted case', 36)}${pad('group', 18)}${padL('rank', 6)}${padL('of', 7)}${padL('risk', 6)}  top ${TOP}`);
  const ranks = [];
  for (const t of set.targets) {
    const r = rankOf(out.json, t.kind, t.values, t.analysis);
    const ok = !!r && r.rank <= TOP;
    ranks.push({ ...t, ...r, ok });
    console.log(`    ${pad(t.case, 36)}${pad(r?.where ?? `(${t.kind}: not found)`, 18)}${padL(r?.rank ?? '-', 6)}${padL(r?.of ?? '-', 7)}${padL(r ? Math.round(r.risk) : '-', 6)}  ${ok ? 'yes' : 'NO'}`);
  }
  // precision at 10 per group that holds a planted case: planted entities among the first 10 shown
  const planted = new Map();
  for (const t of set.targets) for (const v of t.values) planted.set(`${t.kind}:${v}`, true);
  for (const kind of [...new Set(set.targets.map((t) => t.kind))]) {
    const g = out.json.groups.find((x) => x.kind === kind);
    if (!g) continue;
    const top = g.suspects.slice(0, TOP);
    const hits = top.filter((s) => planted.has(`${kind}:${s.value}`)).length;
    console.log(`    precision at ${TOP} in ${g.title}: ${hits}/${top.length}`);
  }
  let falsePositives;
  if (set.planted) {
    falsePositives = loudFalsePositives(out.json, set.planted);
    console.log(`    loud false positives (high/critical, naming no planted entity): ${falsePositives.length}${falsePositives.length ? `: ${falsePositives.slice(0, 10).join('; ')}${falsePositives.length > 10 ? '; …' : ''}` : ''}`);
    if (set.falsePositiveTarget !== undefined) summary.push({ target: `${set.name}: at most ${set.falsePositiveTarget} loud false positives`, ok: falsePositives.length <= set.falsePositiveTarget, detail: String(falsePositives.length) });
  }
  const allTop = ranks.every((r) => r.ok);
  summary.push({ target: `${set.name}: every planted case in the top ${TOP} of its group`, ok: allTop, detail: `${ranks.filter((r) => r.ok).length}/${ranks.length}` });
  if (set.loudTarget !== undefined) summary.push({ target: `${set.name}: at most ${set.loudTarget} high/critical suspects`, ok: out.json.loud <= set.loudTarget, detail: String(out.json.loud) });
  return { name: set.name, loud: out.json.loud, ranks, falsePositives, analysesMs: out.analysesMs, triageMs: out.triageMs, wallMs: out.wallMs };
}

const csvRows = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const utc = (s) => Date.parse(`${s.replace(' ', 'T')}Z`);

function ch08(cli, dir, summary) {
  const out = suspects(cli, [path.join(dir, 'log.csv')], []);
  const attackers = new Set(csvRows(path.join(dir, 'attacks.csv')).map((r) => r[2]));
  const ips = out.json.groups.find((g) => g.kind === 'ip');
  const top = (ips?.suspects ?? []).slice(0, attackers.size);
  const kept = top.filter((s) => attackers.has(s.value)).length;
  const users = out.json.groups.find((g) => g.kind === 'user');
  const loudUsers = (users?.suspects ?? []).filter((s) => s.risk >= 75).length;
  console.log(`\n  ch08 (labelled): ${out.json.loud} high/critical in all; IP group top ${attackers.size}: ${kept} of the ${attackers.size} labelled attackers (precision at ${attackers.size}: ${(kept / attackers.size).toFixed(3)}); users: ${loudUsers} high/critical of ${users?.total ?? 0}`);
  const missed = [...attackers].filter((a) => !top.some((s) => s.value === a));
  for (const a of missed.slice(0, 10)) {
    const r = rankOf(out.json, 'ip', [a]);
    console.log(`    attacker ${a}: ${r ? `${r.where} rank ${r.rank} (risk ${Math.round(r.risk)})` : 'not a suspect'}`);
  }
  summary.push({ target: `ch08: the IP group's top ${attackers.size} hold all ${attackers.size} labelled attackers`, ok: kept === attackers.size, detail: `${kept}/${attackers.size}` });
  summary.push({ target: 'ch08: at most 10 of its users high or critical', ok: loudUsers <= 10, detail: `${loudUsers} of ${users?.total ?? 0}` });
  return { kept, attackers: attackers.size, loudUsers, loud: out.json.loud };
}

function ch11(cli, dir, summary) {
  const out = suspects(cli, [path.join(dir, 'logs_2018.csv')], []);
  const windows = csvRows(path.join(dir, 'hackers_2018.csv')).map((r) => ({ start: utc(r[0]), end: utc(r[1]) }));
  const top = out.json.incidents.shown.slice(0, windows.length).map((i) => ({ start: Date.parse(i.start), end: Date.parse(i.end) }));
  const covered = windows.filter((w) => top.some((i) => i.start <= w.end && i.end >= w.start)).length;
  const hits = top.filter((i) => windows.some((w) => i.start <= w.end && i.end >= w.start)).length;
  const share = covered / windows.length;
  console.log(`\n  ch11 2018 (labelled): ${out.json.incidents.total} incidents, ${out.json.loud} high/critical; the top ${windows.length} incidents cover ${covered} of the ${windows.length} labelled attack windows (${(100 * share).toFixed(1)} %); precision at ${windows.length}: ${top.length ? (hits / top.length).toFixed(3) : 'n/a'} (${hits} of ${top.length} overlap an attack)`);
  summary.push({ target: `ch11 2018: the top ${windows.length} incidents cover at least 80 % of the ${windows.length} labelled windows`, ok: share >= 0.8, detail: `${covered}/${windows.length}` });
  return { covered, windows: windows.length, incidents: out.json.incidents.total, loud: out.json.loud };
}

function timing(cli, set, summary) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'analyze', ...set.files, ...set.args, '--analysis', 'all'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, timeout: 30 * 60 * 1000 });
  const analyzeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !r.stdout) throw new Error(`analyze failed: ${(r.stderr || '').slice(-2000)}`);
  const s = suspects(cli, set.files, set.args);
  console.log(`\n  ${set.name}: analyze --analysis all ${Math.round(analyzeMs)} ms wall; suspects ${Math.round(s.wallMs)} ms wall (difference ${Math.round(s.wallMs - analyzeMs)} ms), of which the ranking (triage) ${s.triageMs} ms after the analyses' ${s.analysesMs} ms`);
  summary.push({ target: `suspects adds under 1 s to the analyses on the ${set.name} log (ranking time)`, ok: s.triageMs < 1000, detail: `${s.triageMs} ms (wall difference ${Math.round(s.wallMs - analyzeMs)} ms)` });
  return { analyzeMs, suspectsMs: s.wallMs, triageMs: s.triageMs };
}

export default async function run({ cli = path.join(ROOT, 'dist', 'cli.js'), benchDir = path.join(ROOT, '.bench'), sharedData = path.join(ROOT, '..', 'shared', 'data'), only = '' } = {}) {
  const summary = [];
  const wanted = (name) => !only || name.toLowerCase().includes(only.toLowerCase());
  const sets = manifest(benchDir).filter((s) => wanted(s.name));
  const results = { generated: [], labelled: {} };
  for (const set of sets) results.generated.push(generated(cli, set, summary));
  const login = path.join(sharedData, 'login-attempts');
  if (!wanted('ch08 (labelled)')) {
    // not asked for
  } else if (fs.existsSync(path.join(login, 'ch08', 'log.csv'))) results.labelled.ch08 = ch08(cli, path.join(login, 'ch08'), summary);
  else console.log(`\n  ch08: SKIPPED (${path.join(login, 'ch08')} is absent)`);
  if (!wanted('ch11 2018 (labelled)')) {
    // not asked for
  } else if (fs.existsSync(path.join(login, 'ch11', 'logs_2018.csv'))) results.labelled.ch11 = ch11(cli, path.join(login, 'ch11'), summary);
  else console.log(`\n  ch11: SKIPPED (${path.join(login, 'ch11')} is absent)`);
  const big = sets.find((s) => s.name.endsWith('1M'));
  if (big) results.timing = timing(cli, big, summary);
  console.log('\n  targets of #11');
  for (const s of summary) console.log(`    ${pad(verdict(s.ok), 8)} ${s.target}: ${s.detail}`);
  return { ...results, summary };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cli = path.resolve(ROOT, process.env.LI_BENCH_CLI ?? path.join('dist', 'cli.js'));
  if (!fs.existsSync(cli)) {
    console.error(`bench: ${cli} does not exist; build it first (node scripts/build.mjs)`);
    process.exit(2);
  }
  try {
    const i = process.argv.indexOf('--only');
    const only = i > 0 ? (process.argv[i + 1] ?? '') : '';
    await run({ cli, only, sharedData: path.resolve(ROOT, process.env.LI_BENCH_SHARED_DATA ?? path.join('..', 'shared', 'data')) });
  } catch (e) {
    console.error(`bench: ${e.stack ?? e}`);
    process.exit(1);
  }
}
