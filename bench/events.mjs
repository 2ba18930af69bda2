#!/usr/bin/env node
// Bench case e: the geo-IP join and impossible travel on 1,000,000 generated sign-in events.
//
// The events (time,user,ip,action; 30 days from 2024-03-01, 20,000 users) come from a seeded
// generator here: each user signs in from three addresses of a home network among MaxMind's test
// networks (IPv4 and IPv6), 1 % of events from another test network (trips, many of them impossible),
// 3 % from addresses no geo database locates (private, or public but outside the test networks).
// The file is indexed by the CLI, then geo-ip and impossible-travel run on it, once with the
// .mmdb and once with the CSV of ranges; `--stats` gives each analysis's time after indexing.
// Target: under 5 s each.
// The answers are checked (a wrong one makes `npm run bench` exit 1): the events at private addresses
// and at public ones outside the test networks, counted by the generator as it writes them, are
// geo-ip's unlocated rows, the rest are located; and the .mmdb and the CSV of ranges give the same
// tables and the same impossible-travel findings.
//
// Alone: node bench/events.mjs [--events N] [--repeat N]  (needs dist/cli.js: node scripts/build.mjs)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GENERATOR_VERSION = 2;
const TARGET_MS = 5000;
const ANALYSES = ['geo-ip', 'impossible-travel'];

/** mulberry32: small, fast, seeded. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// networks of MaxMind's test databases (test/fixtures/GeoLite2-City-Test.flattened.csv):
// IPv4 as [first address as a number, size], IPv6 as [prefix text, size of the host part used]
const v4 = (a, b, c, d) => ((a * 256 + b) * 256 + c) * 256 + d;
const V4_NETS = [
  [v4(2, 125, 160, 216), 8], // Boxford
  [v4(67, 43, 156, 0), 256], // Bhutan
  [v4(81, 2, 69, 144), 16], // London
  [v4(81, 2, 69, 160), 32], // London
  [v4(89, 160, 20, 128), 128], // Linköping
  [v4(175, 16, 199, 0), 256], // Changchun
  [v4(202, 196, 224, 0), 4096], // Philippines
  [v4(216, 160, 83, 56), 8], // Milton
  [v4(214, 78, 0, 0), 8192], // San Diego
];
const V6_NETS = ['2001:218:', '2001:220:', '2001:238:', '2001:250:', '2a02:ff40:', '2a02:ff80:'];
const NETS = V4_NETS.length + V6_NETS.length;
const dotted = (n) => `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;

/** An address of network k, host h (stable for the same k and h). */
function address(k, h) {
  if (k < V4_NETS.length) {
    const [base, size] = V4_NETS[k];
    return dotted(base + (h % size));
  }
  return `${V6_NETS[k - V4_NETS.length]}${(h % 65536).toString(16)}::${((h >>> 16) % 65536).toString(16)}`;
}

/** Writes the events file; returns its path and how many events are at private and at unlocatable public addresses (reused when the same generator made it before). */
export function generateEvents(dir, events = 1_000_000, seed = 7) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `signins-${events}.csv`);
  const meta = `${file}.meta`;
  const key = { GENERATOR_VERSION, events, seed };
  if (fs.existsSync(file) && fs.existsSync(meta)) {
    try {
      const m = JSON.parse(fs.readFileSync(meta, 'utf8'));
      if (JSON.stringify(m.key) === JSON.stringify(key)) return { file, truth: m.truth };
    } catch {
      /* written by another version: generate again */
    }
  }
  const truth = { private: 0, outside: 0 };
  const next = rng(seed);
  const USERS = 20_000;
  const home = new Int32Array(USERS);
  const hosts = new Int32Array(USERS * 3);
  for (let u = 0; u < USERS; u++) {
    home[u] = Math.floor(next() * NETS);
    for (let k = 0; k < 3; k++) hosts[u * 3 + k] = Math.floor(next() * 2 ** 31);
  }
  const start = Date.parse('2024-03-01T00:00:00Z');
  const step = (30 * 86400 * 1000) / events;
  const ACTIONS = ['login', 'login', 'login', 'logout', 'failed'];
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'time,user,ip,action\n');
    let chunk = [];
    for (let i = 0; i < events; i++) {
      const u = Math.floor(next() * USERS);
      const r = next();
      let ip;
      if (r < 0.96) ip = address(home[u], hosts[u * 3 + Math.floor(next() * 3)]);
      else if (r < 0.97) ip = address(Math.floor(next() * NETS), Math.floor(next() * 2 ** 31));
      else if (r < 0.985) {
        truth.private++;
        ip = `10.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`;
      } else {
        truth.outside++;
        ip = `1.${Math.floor(next() * 64)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`;
      }
      const t = new Date(start + Math.floor(i * step)).toISOString().slice(0, 19) + 'Z';
      chunk.push(`${t},u${String(u).padStart(5, '0')},${ip},${ACTIONS[Math.floor(next() * ACTIONS.length)]}`);
      if (chunk.length === 50_000) {
        fs.writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(meta, JSON.stringify({ key, truth }));
  return { file, truth };
}

/** Wrong answers of one run against the generator's counts, and against the other geo database's run. */
export function checkEvents(run, truth, events, other) {
  const wrong = [];
  const located = run.outputs.find((o) => o.analysis === 'geo-ip')?.tables.find((t) => t.title.startsWith('Located and unlocated'));
  const eventsOf = (label) => located?.rows.find((r) => r[0] === label)?.[2];
  const want = [
    ['unlocated: private or reserved', truth.private],
    ['unlocated: not in the geo database', truth.outside],
    ['unlocated: not an IP address', 0],
    ['located, with coordinates', events - truth.private - truth.outside],
  ];
  for (const [label, n] of want) if (eventsOf(label) !== n) wrong.push(`${run.geo}: geo-ip says ${eventsOf(label)} events ${label}, the generator wrote ${n}`);
  if (other) {
    // the same answers from both databases (the titles name the database file, so they are left out)
    const answer = (r) => JSON.stringify(r.outputs.map((o) => [o.analysis, o.findings.map((f) => [f.entity, f.metrics]), o.tables.map((t) => t.rows)]));
    if (answer(run) !== answer(other)) wrong.push(`${run.geo} and ${other.geo} give different tables or findings`);
  }
  return wrong;
}

/** One CLI run: index the file, run both analyses; the times from --stats. */
function runOnce(cli, file, geo) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'analyze', file, '--analysis', ANALYSES.join(','), '--param', `geo=${geo}`, '--stats', '--json'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) return { failure: `exit ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || '').slice(0, 2000)}` };
  const out = { wallMs, analyses: {} };
  for (const line of r.stderr.split('\n')) {
    const m = /^analysis (\S+) on \S+: (\d+) ms, (\d+) findings/.exec(line);
    if (m) out.analyses[m[1]] = { ms: Number(m[2]), findings: Number(m[3]) };
    if (line.startsWith('{')) {
      try {
        const s = JSON.parse(line);
        out.indexMs = s.indexMs;
        out.rows = s.rows;
        out.maxRssBytes = s.maxRssBytes;
      } catch {
        /* not the stats line */
      }
    }
  }
  for (const a of ANALYSES) if (!out.analyses[a]) return { failure: `no time for ${a} in: ${r.stderr.slice(0, 2000)}` };
  try {
    out.outputs = JSON.parse(r.stdout).outputs;
  } catch (e) {
    return { failure: `--json printed no JSON: ${e.message}` };
  }
  return out;
}

export default async function run({ cli = path.join(ROOT, 'dist', 'cli.js'), benchDir = path.join(ROOT, '.bench'), repeat = 1, events = 1_000_000 } = {}) {
  const g0 = Date.now();
  const { file, truth } = generateEvents(path.join(benchDir, 'events'), events);
  const genMs = Date.now() - g0;
  const mb = fs.statSync(file).size / 1e6;
  console.log(`  ${events.toLocaleString('en-US')} events, ${mb.toFixed(1)} MB (${path.relative(process.cwd(), file)}; generated in ${genMs} ms, reused when present)`);
  const dbs = [
    ['mmdb', path.join(ROOT, 'test', 'fixtures', 'geo', 'GeoLite2-City-Test.mmdb')],
    ['csv', path.join(ROOT, 'test', 'fixtures', 'GeoLite2-City-Test.flattened.csv')],
  ];
  const results = [];
  const runs = [];
  const wrong = [];
  console.log(`  ${'geo database'.padEnd(14)}${'index ms'.padStart(10)}${'geo-ip ms'.padStart(11)}${'travel ms'.padStart(11)}${'geo-ip findings'.padStart(17)}${'travel findings'.padStart(17)}${'peak MB'.padStart(9)}  under ${TARGET_MS} ms`);
  for (const [kind, geo] of dbs) {
    let best;
    for (let k = 0; k < repeat; k++) {
      const r = runOnce(cli, file, geo);
      if (r.failure) {
        best = r;
        break;
      }
      const total = (x) => ANALYSES.reduce((s, a) => s + x.analyses[a].ms, 0);
      if (!best || total(r) < total(best)) best = r;
    }
    if (best.failure) {
      console.log(`  ${kind.padEnd(14)}FAILED: ${best.failure}`);
      results.push({ geo: kind, failure: best.failure });
      continue;
    }
    best.geo = kind;
    wrong.push(...checkEvents(best, truth, events, runs[0]));
    runs.push(best);
    const g = best.analyses['geo-ip'];
    const t = best.analyses['impossible-travel'];
    const pass = g.ms < TARGET_MS && t.ms < TARGET_MS;
    console.log(
      `  ${kind.padEnd(14)}${String(best.indexMs).padStart(10)}${String(g.ms).padStart(11)}${String(t.ms).padStart(11)}${String(g.findings).padStart(17)}${String(t.findings).padStart(17)}${String(Math.round((best.maxRssBytes ?? 0) / 1e6)).padStart(9)}  ${pass ? 'yes' : 'NO'}`,
    );
    results.push({ geo: kind, rows: best.rows, indexMs: best.indexMs, wallMs: Math.round(best.wallMs), maxRssBytes: best.maxRssBytes, geoIpMs: g.ms, travelMs: t.ms, geoIpFindings: g.findings, travelFindings: t.findings, pass });
  }
  console.log(wrong.length ? `  WRONG: ${wrong.join('; ')}` : `  answers: ${truth.private} events at private addresses and ${truth.outside} outside the test networks unlocated, as generated; the .mmdb and the CSV agree`);
  return { events, bytes: Math.round(mb * 1e6), targetMs: TARGET_MS, results, wrong };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const cli = path.resolve(ROOT, process.env.LI_BENCH_CLI ?? path.join('dist', 'cli.js'));
  if (!fs.existsSync(cli)) {
    console.error(`bench: ${cli} does not exist; build it first (node scripts/build.mjs)`);
    process.exit(2);
  }
  const out = await run({ cli, events: opt('--events', 1_000_000), repeat: opt('--repeat', 1) });
  process.exitCode = out.wrong.length || !out.results.every((r) => r.pass) ? 1 : 0;
}
