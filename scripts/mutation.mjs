// `npm run test:mutation`: Stryker over src/engine with stryker.config.mjs (see there for narrowing it).
// Started through Stryker's API rather than its CLI: the CLI refuses Node 20 (Stryker 10 asks for 22),
// while the mutation run itself works on the Node 20 this project targets.
//
// Every run records its per-file counts in test/mutation/scores.json (with each file's SHA-1), so the
// engine can be measured in parts, one run per folder, and the parts add up to the whole engine:
//   npm run test:mutation                         Stryker over STRYKER_MUTATE (default: the whole engine)
//   npm run test:mutation -- --folders [F…]       one run per engine folder (or the folders given),
//                                                 skipping folders whose files are all measured and unchanged
//   npm run test:mutation -- --summary            the engine's score from scores.json: per folder, in all,
//                                                 and which files are not measured or changed since
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCORES = path.join(ROOT, 'test', 'mutation', 'scores.json');
const ENGINE = 'src/engine';
/** Stryker's valid mutants: the score is detected (killed or timed out) over these. */
const VALID = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];

const sha1 = (file) => createHash('sha1').update(fs.readFileSync(path.join(ROOT, file))).digest('hex');
const posix = (p) => p.split(path.sep).join('/');

function engineFiles(dir = path.join(ROOT, ENGINE)) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return engineFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [posix(path.relative(ROOT, full))] : [];
  });
}

/** The folder a file is reported under: src/engine/analyses/network/dns.ts → analyses/network. */
const folderOf = (file) => posix(path.dirname(path.relative(ENGINE, file))) || '.';

function loadScores() {
  try {
    return JSON.parse(fs.readFileSync(SCORES, 'utf8'));
  } catch {
    return { note: 'Per-file mutation counts of src/engine, written by scripts/mutation.mjs; the score is (Killed + Timeout) / (Killed + Timeout + Survived + NoCoverage).', files: {} };
  }
}

/** Counts per file of one run's results, merged into scores.json (files of this run replace their old entry). */
function record(results, mutated) {
  const scores = loadScores();
  const perFile = new Map(mutated.map((f) => [f, {}]));
  for (const m of results) {
    const file = posix(path.relative(ROOT, path.resolve(ROOT, m.fileName)));
    const counts = perFile.get(file) ?? {};
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    perFile.set(file, counts);
  }
  const date = new Date().toISOString().slice(0, 10);
  for (const [file, counts] of perFile) {
    if (!fs.existsSync(path.join(ROOT, file))) continue;
    // a run narrowed to some tests (STRYKER_SPEC) gives a lower bound: other tests may kill more
    scores.files[file] = { sha1: sha1(file), measured: date, ...(process.env.STRYKER_SPEC ? { tests: process.env.STRYKER_SPEC } : {}), ...counts };
  }
  scores.files = Object.fromEntries(Object.entries(scores.files).sort(([a], [b]) => a.localeCompare(b)));
  fs.mkdirSync(path.dirname(SCORES), { recursive: true });
  fs.writeFileSync(SCORES, JSON.stringify(scores, null, 1) + '\n');
}

const detected = (c) => (c.Killed ?? 0) + (c.Timeout ?? 0);
const valid = (c) => VALID.reduce((s, k) => s + (c[k] ?? 0), 0);
const pct = (d, v) => (v ? `${((100 * d) / v).toFixed(1)} %` : '—');

function summary() {
  const scores = loadScores();
  const files = engineFiles();
  const folders = new Map();
  const missing = [];
  const changed = [];
  for (const f of files) {
    const s = scores.files[f];
    const row = folders.get(folderOf(f)) ?? { files: 0, measured: 0, detected: 0, valid: 0, survived: 0, noCoverage: 0 };
    row.files++;
    if (!s) missing.push(f);
    else {
      if (s.sha1 !== sha1(f)) changed.push(f);
      row.measured++;
      row.detected += detected(s);
      row.valid += valid(s);
      row.survived += s.Survived ?? 0;
      row.noCoverage += s.NoCoverage ?? 0;
    }
    folders.set(folderOf(f), row);
  }
  const all = [...folders.values()].reduce((a, r) => ({ files: a.files + r.files, measured: a.measured + r.measured, detected: a.detected + r.detected, valid: a.valid + r.valid, survived: a.survived + r.survived, noCoverage: a.noCoverage + r.noCoverage }));
  console.log(`| folder of src/engine | files measured | mutants | detected | survived | no coverage | score |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const [name, r] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`| ${name} | ${r.measured} of ${r.files} | ${r.valid} | ${r.detected} | ${r.survived} | ${r.noCoverage} | ${pct(r.detected, r.valid)} |`);
  }
  console.log(`| **engine** | ${all.measured} of ${all.files} | ${all.valid} | ${all.detected} | ${all.survived} | ${all.noCoverage} | **${pct(all.detected, all.valid)}** |`);
  if (missing.length) console.log(`\nnot measured (${missing.length}): ${missing.join(', ')}`);
  if (changed.length) console.log(`\nchanged since measured (${changed.length}): ${changed.join(', ')}`);
  return { ...all, missing, changed };
}

async function stryker(mutate) {
  const core = path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
  // the module itself, by its path: the package's index also loads the CLI, whose version check runs on import
  const { Stryker } = await import(pathToFileURL(path.join(core, 'dist/src/stryker.js')).href);
  const { default: config } = await import(pathToFileURL(path.join(ROOT, 'stryker.config.mjs')).href);
  const options = mutate ? { ...config, mutate } : config;
  const results = await new Stryker(options).runMutationTest();
  const counts = {};
  for (const m of results) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const mutatedFiles = [...new Set(results.map((m) => posix(path.relative(ROOT, path.resolve(ROOT, m.fileName)))))];
  record(results, mutatedFiles);
  console.log(`mutation score ${pct(detected(counts), valid(counts))} (${detected(counts)} of ${valid(counts)} mutants detected; ${JSON.stringify(counts)})`);
  return counts;
}

/** One Stryker process per folder (a fresh process each: Stryker's DI does not expect two runs in one). */
function byFolders(wanted) {
  const scores = loadScores();
  const files = engineFiles();
  const folders = [...new Set(files.map(folderOf))].filter((f) => !wanted.length || wanted.includes(f));
  for (const folder of folders) {
    const own = files.filter((f) => folderOf(f) === folder);
    if (!wanted.length && own.every((f) => scores.files[f]?.sha1 === sha1(f))) {
      console.log(`[mutation] ${folder}: measured and unchanged, skipped`);
      continue;
    }
    const glob = folder === '.' ? `${ENGINE}/*.ts` : `${ENGINE}/${folder}/*.ts`;
    console.log(`[mutation] ${folder}: ${own.length} files (${new Date().toISOString()})`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, STRYKER_MUTATE: glob } });
    if (r.status !== 0) console.log(`[mutation] ${folder}: Stryker exited ${r.status ?? r.signal}`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--summary') summary();
else if (args[0] === '--folders') byFolders(args.slice(1));
else await stryker();
