#!/usr/bin/env node
// Benchmark of the Log Investigator CLI (`npm run bench` builds dist/ first, then runs this file).
//
// Cases
//   a  apache: /work/shared/data/apache/apache_access_10k.log repeated 100 times (1,000,000 lines,
//      ~237 MB) -> .bench/access.log (table `access`); top 5 client IPs. Compared with lnav's
//      built-in access_log table (column c_ip), if lnav is installed.
//   b  course: 900,000-line course-site log from test/generators/courseLog.ts (seed 42)
//      -> .bench/course.txt (table `course`); top 5 pages. Compared with the sqlite3 shell
//      (CREATE TABLE, .separator " ", .import, same query, :memory:), if sqlite3 is installed, and
//      with DuckDB (read_csv into a table, same query; bench/duckdb.mjs) if the optional dependency
//      @duckdb/node-api loads; the ratios ours / DuckDB of wall and CPU time are the #17 goal (1.5x).
//
// For each tool: wall time (process.hrtime around spawnSync), CPU time (user + system, /usr/bin/time
// -f %U %S when available: the machine may be shared, so wall time alone says little), rows/s and
// MB/s of input, peak memory (ours: maxRssBytes from --stats, others: /usr/bin/time -f %M) and its
// ratio to the file size; then the ratios to ours and whether the top 5 rows are identical.
//
//   c  the seven course-site analyses on the log of b (bench/course-analyses.mjs)
//   d  the login-attempt detectors on the 2018 per-minute features (bench/login-detectors.mjs)
//   e  geo-IP join and impossible travel on 1,000,000 generated events (bench/events.mjs)
//   sigma  compile the SigmaHQ rule set, run the applicable rules over 1,000,000 generated Windows events (bench/sigma.mjs)
//   huge  a database past 1 GiB: full scan in memory, and the saved file's PRAGMA integrity_check (bench/huge.mjs)
//   anylog  template mining and header inference on logs outside the named formats (bench/anylog.mjs)
//   beacons  the beacons analysis over 1,000,000 Zeek connections (bench/beacons.mjs)
//
// Options: --case a|b|c|d|e (repeatable, default all), --repeat N (best of N, default 1),
//          --keep-going is implicit: a failing tool is reported and the next one runs.
// Env: LI_BENCH_CLI (default dist/cli.js), LI_BENCH_SHARED_DATA (default ../shared/data).
// Exit code is 0 unless the bench itself breaks; failures of the CLI are printed, not thrown.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MISSING_EXIT as DUCKDB_MISSING } from './duckdb.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DIR = path.join(ROOT, '.bench');
// overridable for testing the bench itself
const CLI = path.resolve(ROOT, process.env.LI_BENCH_CLI ?? path.join('dist', 'cli.js'));
const SHARED_DATA = path.resolve(ROOT, process.env.LI_BENCH_SHARED_DATA ?? path.join('..', 'shared', 'data'));
const APACHE_SRC = path.join(SHARED_DATA, 'apache', 'apache_access_10k.log');
const GENERATOR_TS = path.join(ROOT, 'test', 'generators', 'courseLog.ts');
const DUCKDB_SCRIPT = path.join(ROOT, 'bench', 'duckdb.mjs');
const TIMEOUT_MS = 30 * 60 * 1000;
const MAX_BUFFER = 256 * 1024 * 1024;

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const selected = new Set();
let repeat = 1;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--case') selected.add(String(argv[++i]).toLowerCase());
  else if (argv[i] === '--repeat') repeat = Math.max(1, Number(argv[++i]) || 1);
  else if (argv[i] === '--help' || argv[i] === '-h') {
    console.log('usage: node bench/run.mjs [--case a|b|c|d|e]... [--repeat N]');
    process.exit(0);
  } else {
    console.error(`bench: unknown argument ${argv[i]}`);
    process.exit(2);
  }
}
const wants = (c) => selected.size === 0 || selected.has(c);

// ---------------------------------------------------------------- helpers
const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mb = (bytes) => bytes / 1e6;
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const GNU_TIME = (() => {
  if (!fs.existsSync('/usr/bin/time')) return null;
  const probe = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(probe.stderr) ? '/usr/bin/time' : null;
})();

/**
 * Run a command, timed with hrtime; peak RSS and CPU time (user + system, threads and waited-for
 * children included) via /usr/bin/time -o FILE -f '%M %U %S' when available.
 * Returns { ok, status, signal, error, stdout, stderr, wallMs, cpuMs, maxRssBytes }.
 */
function run(cmd, args, { input, env, cwd = ROOT } = {}) {
  let rssFile = null;
  let file = cmd;
  let fullArgs = args;
  if (GNU_TIME) {
    rssFile = path.join(os.tmpdir(), `li-bench-rss-${process.pid}-${Date.now()}.txt`);
    file = GNU_TIME;
    fullArgs = ['-o', rssFile, '-f', '%M %U %S', cmd, ...args];
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, fullArgs, {
    cwd,
    env: { ...process.env, ...env },
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: MAX_BUFFER,
    timeout: TIMEOUT_MS,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let maxRssBytes = NaN;
  let cpuMs = NaN;
  if (rssFile) {
    try {
      const m = fs.readFileSync(rssFile, 'utf8').match(/(\d+) ([\d.]+) ([\d.]+)\s*$/);
      if (m) {
        maxRssBytes = Number(m[1]) * 1024;
        cpuMs = (Number(m[2]) + Number(m[3])) * 1000;
      }
    } catch {
      /* no report (e.g. killed) */
    }
    fs.rmSync(rssFile, { force: true });
  }
  return {
    ok: !r.error && r.status === 0,
    status: r.status,
    signal: r.signal,
    error: r.error,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    wallMs,
    cpuMs,
    maxRssBytes,
  };
}

function describeFailure(r) {
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n    ');
  return `${why}${tail ? `\n    ${tail}` : ''}`;
}

/** Minimal RFC 4180 CSV parser (quotes, "" escapes, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Data rows of a CSV answer, without the header row if it names the expected columns. */
function answerRows(csvText, header) {
  const rows = parseCsv(csvText).map((r) => r.map((v) => v.trim()));
  if (rows.length && rows[0].length === header.length && rows[0].every((v, i) => v.toLowerCase() === header[i])) rows.shift();
  return rows.slice(0, 5);
}

/** Our CLI's answer: --csv output, or if that was JSON after all, JSON (array / JSON lines). */
function cliAnswerRows(stdout, header) {
  const t = stdout.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      const parsed = t.startsWith('[') ? JSON.parse(t) : t.split('\n').map((l) => JSON.parse(l));
      const list = Array.isArray(parsed) ? parsed : parsed.rows ?? [];
      return list.slice(0, 5).map((r) => (Array.isArray(r) ? r.map(String) : header.map((h) => String(r[h]))));
    } catch {
      /* fall through to CSV */
    }
  }
  return answerRows(t, header);
}

function parseStats(stderr) {
  const lines = stderr.trim().split('\n').reverse();
  for (const line of lines) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      const j = JSON.parse(s);
      if (j && typeof j === 'object' && ('indexMs' in j || 'maxRssBytes' in j)) return j;
    } catch {
      /* not the stats line */
    }
  }
  return null;
}

function bestOf(n, fn) {
  let best = null;
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (!r.ok) return r;
    if (!best || r.wallMs < best.wallMs) best = r;
  }
  return best;
}

function sha1(...parts) {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

// ---------------------------------------------------------------- inputs
function prepareApache() {
  if (!fs.existsSync(APACHE_SRC)) return { skip: `shared data not found at ${APACHE_SRC}` };
  const src = fs.readFileSync(APACHE_SRC);
  const file = path.join(BENCH_DIR, 'access.log');
  const want = src.length * 100;
  if (!fs.existsSync(file) || fs.statSync(file).size !== want) {
    process.stdout.write(`  building ${path.relative(ROOT, file)} (100 x ${path.basename(APACHE_SRC)}) ... `);
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, src);
    fs.closeSync(fd);
    console.log('done');
  }
  let lines = 0;
  for (const b of src) if (b === 10) lines++;
  return { file, lines: lines * 100 };
}

/** Compile the generator to .bench/courseLog.cjs (esbuild, else tsc output in out/). */
function generatorScript() {
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const outCjs = path.join(BENCH_DIR, 'courseLog.cjs');
  if (fs.existsSync(esbuild)) {
    const r = spawnSync(esbuild, [GENERATOR_TS, '--bundle', '--platform=node', '--format=cjs', '--log-level=warning', `--outfile=${outCjs}`], { cwd: ROOT, encoding: 'utf8' });
    if (r.status === 0) return outCjs;
    console.log(`  esbuild failed on the generator: ${describeFailure(r)}`);
  }
  const tscOut = path.join(ROOT, 'out', 'test', 'generators', 'courseLog.js');
  if (!fs.existsSync(tscOut)) spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.test.json'], { cwd: ROOT, stdio: 'inherit' });
  return fs.existsSync(tscOut) ? tscOut : null;
}

function prepareCourse() {
  const LINES = 900000;
  const SEED = 42;
  const file = path.join(BENCH_DIR, 'course.txt');
  const stamp = file + '.sha1';
  const key = sha1(fs.readFileSync(GENERATOR_TS), `lines=${LINES} seed=${SEED}`);
  if (!fs.existsSync(file) || !fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== key) {
    const script = generatorScript();
    if (!script) return { skip: 'could not compile test/generators/courseLog.ts' };
    process.stdout.write(`  generating ${path.relative(ROOT, file)} (${fmtInt(LINES)} lines, seed ${SEED}) ... `);
    const r = run(process.execPath, [script, '--lines', String(LINES), '--seed', String(SEED), '--out', file]);
    if (!r.ok) return { skip: `generator failed: ${describeFailure(r)}` };
    fs.writeFileSync(stamp, key);
    console.log(`done in ${fmt(r.wallMs / 1000)} s`);
  }
  return { file, lines: LINES };
}

// ---------------------------------------------------------------- runners
function runOurs(c) {
  if (!fs.existsSync(CLI)) return { name: 'ours', failure: `${path.relative(ROOT, CLI)} not found (run \`npm run build\`)` };
  const args = [CLI, 'query', c.file, '--sql', c.sql, '--csv', '--stats', ...(c.cliArgs ?? [])];
  const r = bestOf(repeat, () => run(process.execPath, args));
  if (!r.ok) return { name: 'ours', failure: describeFailure(r) };
  const stats = parseStats(r.stderr);
  return {
    name: 'ours',
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    // the CLI's own figure first; /usr/bin/time as fallback
    maxRssBytes: Number.isFinite(stats?.maxRssBytes) ? stats.maxRssBytes : r.maxRssBytes,
    stats,
    rows: cliAnswerRows(r.stdout, c.header),
    raw: r.stdout,
  };
}

function runLnav(c) {
  const lnav = which('lnav');
  if (!lnav) return null;
  // private HOME so the user's lnav config/state neither changes the result nor gets written
  const home = path.join(BENCH_DIR, 'lnav-home');
  fs.mkdirSync(home, { recursive: true });
  const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), TERM: 'dumb' };
  const args = ['-n', '-c', `;${c.lnavSql}`, '-c', ':write-csv-to -', c.file];
  const r = bestOf(repeat, () => run(lnav, args, { env }));
  if (!r.ok) return { name: 'lnav', failure: describeFailure(r) };
  return { name: 'lnav', wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssBytes: r.maxRssBytes, rows: answerRows(r.stdout, c.lnavHeader), raw: r.stdout };
}

function runSqlite(c) {
  const sqlite3 = which('sqlite3');
  if (!sqlite3) return null;
  const script = [
    `CREATE TABLE ${c.table}(${c.columns.map((col) => `${col} TEXT`).join(', ')});`,
    '.separator " "',
    `.import '${c.file.replace(/'/g, "''")}' ${c.table}`,
    '.mode csv',
    '.headers on',
    c.sql,
    '',
  ].join('\n');
  const r = bestOf(repeat, () => run(sqlite3, ['-batch', '-bail', ':memory:'], { input: script }));
  if (!r.ok || /error/i.test(r.stderr)) return { name: 'sqlite3', failure: describeFailure(r.ok ? { ...r, status: 'ok but stderr' } : r) };
  return { name: 'sqlite3', wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssBytes: r.maxRssBytes, rows: answerRows(r.stdout, c.header), raw: r.stdout };
}

/** DuckDB's read_csv into a table and the same query (bench/duckdb.mjs); skipped when @duckdb/node-api does not load. */
function runDuckdb(c) {
  const args = [DUCKDB_SCRIPT, c.file, c.table, c.columns.join(','), c.sql, ' '];
  const r = bestOf(repeat, () => run(process.execPath, args));
  if (r.status === DUCKDB_MISSING) return { name: 'duckdb', skipped: r.stderr.trim() };
  if (!r.ok) return { name: 'duckdb', failure: describeFailure(r) };
  return { name: 'duckdb', wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssBytes: r.maxRssBytes, rows: answerRows(r.stdout, c.header), raw: r.stdout };
}

// ---------------------------------------------------------------- report
function report(c, results) {
  const size = fs.statSync(c.file).size;
  console.log(`  input: ${path.relative(ROOT, c.file)}  ${fmtInt(c.lines)} lines, ${fmt(mb(size), 1)} MB`);
  console.log(`  ${'tool'.padEnd(8)} ${'wall s'.padStart(8)} ${'CPU s'.padStart(7)} ${'rows/s'.padStart(11)} ${'MB/s'.padStart(8)} ${'peak MB'.padStart(9)} ${'peak/file'.padStart(10)}`);
  for (const r of results) {
    if (!r) continue;
    if (r.failure) {
      console.log(`  ${r.name.padEnd(8)} FAILED: ${r.failure}`);
      continue;
    }
    if (r.skipped) {
      console.log(`  ${r.name.padEnd(8)} SKIPPED: ${r.skipped}`);
      continue;
    }
    const s = r.wallMs / 1000;
    console.log(
      `  ${r.name.padEnd(8)} ${fmt(s).padStart(8)} ${fmt(r.cpuMs / 1000).padStart(7)} ${fmtInt(c.lines / s).padStart(11)} ${fmt(mb(size) / s, 1).padStart(8)} ${fmt(mb(r.maxRssBytes), 1).padStart(9)} ${fmt(r.maxRssBytes / size).padStart(10)}`,
    );
    if (r.stats) console.log(`           stats: ${JSON.stringify(r.stats)}`);
  }
  const ours = results.find((r) => r?.name === 'ours' && !r.failure);
  for (const other of results) {
    if (!other || other.name === 'ours' || other.failure || other.skipped) continue;
    const answer = (rows) => JSON.stringify(rows);
    if (ours) {
      const t = other.wallMs / ours.wallMs;
      const m = other.maxRssBytes / ours.maxRssBytes;
      const same = answer(ours.rows) === answer(other.rows);
      console.log(
        `  vs ${other.name}: time ${other.name}/ours = ${fmt(t)} (${t >= 1 ? `ours ${fmt(t)}x faster` : `ours ${fmt(1 / t)}x slower`}), ` +
          `peak memory ${other.name}/ours = ${fmt(m)}; top 5 identical: ${same ? 'yes' : 'NO'}`,
      );
      // the goal of #17 is stated as ours / DuckDB (at most 1.5)
      if (other.name === 'duckdb') {
        const goal = (x) => (x <= 1.5 ? 'within 1.5x' : 'over 1.5x');
        const w = ours.wallMs / other.wallMs;
        const cpu = ours.cpuMs / other.cpuMs;
        console.log(`  ours / duckdb: wall ${fmt(w)} (${goal(w)}), CPU ${fmt(cpu)} (${Number.isFinite(cpu) ? goal(cpu) : 'no CPU time: install GNU time'})`);
      }
      if (!same) {
        problems.push(`(${c.id}) our answer differs from ${other.name}'s`);
        console.log(`    ours:  ${answer(ours.rows)}`);
        console.log(`    ${other.name}: ${answer(other.rows)}`);
      }
    } else {
      console.log(`  ${other.name} top 5: ${answer(other.rows)}`);
    }
  }
  if (ours) console.log(`  ours top 5: ${JSON.stringify(ours.rows)}`);
  else problems.push(`(${c.id}) our CLI failed: ${results.find((r) => r?.name === 'ours')?.failure ?? 'no result'}`);
  return results.filter(Boolean).map((r) => ({ case: c.id, tool: r.name, failure: r.failure, skipped: r.skipped, wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssBytes: r.maxRssBytes, stats: r.stats, rows: r.rows }));
}

// ---------------------------------------------------------------- main
fs.mkdirSync(BENCH_DIR, { recursive: true });
console.log(`Log Investigator bench  (node ${process.version}, ${os.cpus().length} cpu, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, load average ${os.loadavg().map((x) => fmt(x)).join(' ')})`);
console.log(`  cli: ${fs.existsSync(CLI) ? path.relative(ROOT, CLI) : 'MISSING ' + path.relative(ROOT, CLI)}` +
  `  lnav: ${which('lnav') ?? 'not installed'}  sqlite3: ${which('sqlite3') ?? 'not installed'}` +
  `  peak memory of other tools: ${GNU_TIME ? '/usr/bin/time -f %M' : 'n/a (install GNU time)'}`);
if (repeat > 1) console.log(`  best of ${repeat} runs per tool`);

const all = [];
/** Wrong answers and failures: any of them makes the bench exit 1 (timings above a goal are printed, not failed). */
const problems = [];
const cases = [
  {
    id: 'a',
    title: 'apache combined log, 1,000,000 lines: top 5 client IPs',
    prepare: prepareApache,
    table: 'access',
    header: ['client_ip', 'n'],
    lnavHeader: ['c_ip', 'n'],
    sql: 'SELECT client_ip, count(*) AS n FROM access GROUP BY client_ip ORDER BY n DESC, client_ip LIMIT 5',
    lnavSql: 'SELECT c_ip, count(*) AS n FROM access_log GROUP BY c_ip ORDER BY n DESC, c_ip LIMIT 5',
    others: [runLnav],
  },
  {
    id: 'b',
    title: 'course-site log, 900,000 lines (generator seed 42): top 5 pages',
    prepare: prepareCourse,
    table: 'course',
    columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'],
    header: ['page', 'n'],
    sql: 'SELECT page, count(*) AS n FROM course GROUP BY page ORDER BY n DESC, page LIMIT 5',
    others: [runSqlite, runDuckdb],
  },
];

for (const c of cases) {
  if (!wants(c.id)) continue;
  console.log(`\n(${c.id}) ${c.title}`);
  let input;
  try {
    input = c.prepare();
  } catch (e) {
    input = { skip: `preparing the input failed: ${e.message}` };
  }
  if (input.skip) {
    console.log(`  SKIPPED: ${input.skip}`);
    continue;
  }
  Object.assign(c, input);
  if (c.columns) c.cliArgs = ['--columns', c.columns.join(',')];
  const results = [];
  for (const fn of [runOurs, ...c.others]) {
    try {
      results.push(fn(c));
    } catch (e) {
      results.push({ name: fn.name.replace(/^run/, '').toLowerCase(), failure: `bench error: ${e.stack ?? e}` });
    }
  }
  all.push(...report(c, results));
}

// analysis cases: each module times analyses after indexing and prints its own table
const analysisCases = [
  { id: 'c', title: 'course-site analyses on the 900,000-line log (target: each under 1 s after indexing)', module: './course-analyses.mjs' },
  { id: 'd', title: 'login-attempt detectors on the 2018 minutes (target: under 10 s in total)', module: './login-detectors.mjs' },
  { id: 'e', title: 'geo join and impossible travel on 1,000,000 events (target: under 5 s each)', module: './events.mjs' },
  { id: 'triage', title: 'triage: planted and labelled cases ranked by `suspects` (targets of #11)', module: './triage.mjs' },
  { id: 'evidence', title: 'evidence: share of each log of the sample workspace that the findings mark (target of #11: at most 5 %)', module: './evidence.mjs' },
  { id: 'sigma', title: 'Sigma: compile the SigmaHQ rules (goal < 2 s), run the applicable ones over 1,000,000 Windows events (goal < 30 s)', module: './sigma.mjs' },
  { id: 'huge', title: 'a database past 1 GiB (#12): the Apache sample x 450 (1.07 GB) queried in memory and saved, integrity_check on the file', module: './huge.mjs' },
  { id: 'anylog', title: 'any log (#14): template mining (target: 200,000 lines/s, grouping accuracy 0.90) and header inference', module: './anylog.mjs' },
  { id: 'beacons', title: 'beaconing (#15) over 1,000,000 Zeek connections (target: under 5 s after indexing)', module: './beacons.mjs' },
];
for (const c of analysisCases) {
  if (!wants(c.id)) continue;
  console.log(`\n(${c.id}) ${c.title}`);
  try {
    const mod = await import(c.module);
    const out = await mod.default({ cli: CLI, benchDir: BENCH_DIR, sharedData: SHARED_DATA, generatorTs: GENERATOR_TS, root: ROOT, repeat });
    all.push({ case: c.id, result: out ?? null });
    // a module that checks answers returns them as { wrong: [...] } (or ok: false)
    for (const w of Array.isArray(out?.wrong) ? out.wrong : []) problems.push(`(${c.id}) ${typeof w === 'string' ? w : JSON.stringify(w)}`);
    if (out?.ok === false && !(Array.isArray(out?.wrong) && out.wrong.length)) problems.push(`(${c.id}) its checks failed`);
    if (out?.failure) problems.push(`(${c.id}) failed: ${out.failure}`);
  } catch (e) {
    console.log(`  FAILED: ${e.stack ?? e}`);
    all.push({ case: c.id, failure: String(e) });
    problems.push(`(${c.id}) failed: ${e.message ?? e}`);
  }
}

fs.writeFileSync(path.join(BENCH_DIR, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, loadavg: os.loadavg(), results: all }, null, 2) + '\n');
console.log(`\nload average at the end: ${os.loadavg().map((x) => fmt(x)).join(' ')} (1, 5, 15 min; ${os.cpus().length} cpu)`);
console.log(`results written to ${path.relative(ROOT, path.join(BENCH_DIR, 'results.json'))}`);
if (problems.length) {
  console.log(`\n${problems.length} wrong answer${problems.length === 1 ? '' : 's'} or failure${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
