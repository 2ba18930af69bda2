import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, tmpDir } from '../helpers';
import { loadSqlJs } from '../../src/engine/store/database';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin', 'log-investigator.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('command line', function () {
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  });

  it('index prints each table as JSON: format, rows, rejects, columns with type and role', () => {
    const r = run('index', fixture('course.txt'), fixture('cohorts.csv'), '--columns', 'date,time,page,user_id,cohort_id,ip');
    assert.equal(r.code, 0, r.err);
    const tables = JSON.parse(r.out);
    assert.equal(tables.length, 2);
    assert.equal(tables[0].format, 'spaces');
    assert.equal(tables[0].rows, 200);
    assert.equal(tables[0].rejected, 0);
    assert.deepEqual(tables[0].columns.find((c: { name: string }) => c.name === 'user_id'), { name: 'user_id', type: 'integer', role: 'user' });
    assert.equal(tables[1].table, 'cohorts');
  });

  it('query joins two files and prints JSON, CSV or a text table', () => {
    const sql = 'SELECT c.name, count(*) AS n FROM course l JOIN cohorts c ON c.cohort_id = l.cohort_id GROUP BY 1 ORDER BY n DESC, 1 LIMIT 2';
    const args = ['query', fixture('course.txt'), fixture('cohorts.csv'), '--columns', 'date,time,page,user_id,cohort_id,ip', '--sql', sql];
    const j = run(...args, '--json');
    assert.equal(j.code, 0, j.err);
    const rows = JSON.parse(j.out);
    assert.equal(rows.length, 2);
    assert.deepEqual(Object.keys(rows[0]), ['name', 'n']);
    const c = run(...args, '--csv');
    assert.equal(c.out.split('\r\n')[0], 'name,n');
    assert.equal(c.out.split('\r\n')[1], `${rows[0].name},${rows[0].n}`);
    const t = run(...args);
    assert.match(t.out, /\(2 rows\)/);
  });

  it('--out saves one SQLite file with every table, the catalog and the rejects', async () => {
    const out = path.join(tmpDir(), 'db.sqlite');
    const r = run('index', fixture('events.jsonl'), fixture('logins.sqlite'), '--out', out);
    assert.equal(r.code, 0, r.err);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(out));
    const names = db.exec("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")[0].values.map((v) => v[0]);
    assert.deepEqual(names, ['attacks', 'catalog_columns', 'catalog_files', 'events', 'logs', 'rejects']);
    assert.equal(db.exec('SELECT count(*) FROM rejects')[0].values[0][0], 1);
    assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    db.close();
  });

  it('--out, --sarif and --report replace an existing file by renaming a whole new one over it (a killed write leaves the old one)', () => {
    // written in place (truncate, then write), the file would keep its inode and be cut off by a kill;
    // a temporary file renamed over it is a new inode, and none is left beside it
    const dir = tmpDir();
    const out = path.join(dir, 'db.sqlite');
    const sarif = path.join(dir, 'f.sarif');
    const report = path.join(dir, 'r.md');
    for (const f of [out, sarif, report]) fs.writeFileSync(f, 'the old file');
    const before = [out, sarif, report].map((f) => fs.statSync(f).ino);
    const i = run('index', fixture('events.jsonl'), '--out', out);
    assert.equal(i.code, 0, i.err);
    const a = run('analyze', fixture('OpenSSH_2k.log'), '--analysis', 'failure-bursts', '--sarif', sarif, '--report', report);
    assert.equal(a.code, 0, a.err);
    const after = [out, sarif, report].map((f) => fs.statSync(f).ino);
    for (let k = 0; k < 3; k++) assert.notEqual(after[k], before[k], `${[out, sarif, report][k]} was written in place`);
    assert.equal(fs.readFileSync(out).subarray(0, 15).toString('latin1'), 'SQLite format 3');
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });

  it('errors go to stderr with a non-zero exit', () => {
    const missing = run('index', '/no/such/file.log');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no such file/);
    assert.equal(missing.out.trim(), '[]');
    const bad = run('query', fixture('quoted.csv'), '--sql', 'SELECT nope FROM quoted');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /no such column: nope/);
    const usage = run('query', fixture('quoted.csv'));
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--sql/);
    const fmt = run('index', fixture('quoted.csv'), '--format', 'nonsense');
    assert.equal(fmt.code, 2);
    assert.match(fmt.err, /unknown format 'nonsense'/);
    assert.equal(run('frobnicate').code, 2);
  });

  it('one bad file among good ones: the good ones are indexed, the exit says something failed', () => {
    const r = run('index', fixture('quoted.csv'), fixture('binary.png'));
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).length, 1);
    assert.match(r.err, /binary file/);
  });

  it('--worker indexes in a worker thread with the same result; --stats reports memory', () => {
    const r = run('query', fixture('access.log'), '--worker', '--stats', '--json', '--sql', 'SELECT count(*) AS n, count(DISTINCT client_ip) AS ips FROM access');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), [{ n: 300, ips: 80 }]); // awk '{print $1}' | sort -u | wc -l
    const stats = JSON.parse(r.err.trim().split('\n').pop()!);
    assert.equal(stats.rows, 300);
    assert.ok(stats.maxRssBytes > 1e6);
  });

  it('stops quietly when its output pipe closes early (| head)', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" query "${fixture('log.csv')}" --sql "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c" | head -2`], { encoding: 'utf8' });
    assert.equal(r.stdout.split('\n').length, 3);
    assert.doesNotMatch(r.stderr, /EPIPE|Error/);
  });

  it('formats, --help and --version', () => {
    assert.match(run('formats').out, /^zeek-json\s/m);
    assert.match(run('--help').out, /log-investigator query FILE/);
    assert.match(run('--version').out, /^\d+\.\d+\.\d+/);
  });

  it('analyze --json is always one JSON object {outputs, skipped}; too little data skips an analysis with its reason', () => {
    const dir = tmpDir();
    const tiny = path.join(dir, 'auth.log');
    fs.writeFileSync(tiny, fs.readFileSync(fixture('OpenSSH_2k.log'), 'utf8').split('\n').slice(0, 5).join('\n') + '\n');
    const r = run('analyze', tiny, '--analysis', 'login-detectors', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { outputs: unknown[]; skipped: string[] };
    assert.deepEqual(j.outputs, []);
    assert.equal(j.skipped.length, 1);
    assert.match(j.skipped[0], /^login-detectors on auth: too little data: Local outlier factor needs at least 2 rows, got 1\.$/);
    const text = run('analyze', tiny, '--analysis', 'login-detectors');
    assert.equal(text.code, 0, text.err);
    assert.match(text.err, /skipped: login-detectors on auth: too little data/);
    // a log no analysis fits: still JSON, every analysis listed with why it was skipped
    const all = run('analyze', fixture('Linux_2k.log'), '--analysis', 'all', '--json');
    assert.equal(all.code, 0, all.err);
    const aj = JSON.parse(all.out) as { outputs: unknown[]; skipped: string[] };
    assert.ok(Array.isArray(aj.outputs));
    assert.ok(aj.skipped.length > 5 && aj.skipped.every((x) => /^[a-z-]+ on linux_2k: /.test(x)), aj.skipped.join('\n'));
  });
  it('analyze and suspects --json stay one JSON document when the one analysis fails on the one table; a rule failing at run time is named on stderr', () => {
    const dir = tmpDir();
    const log = path.join(dir, 'auth.log');
    fs.writeFileSync(log, fs.readFileSync(fixture('OpenSSH_2k.log'), 'utf8').split('\n').slice(0, 50).join('\n') + '\n');
    const badRules = path.join(dir, 'rules.json');
    fs.writeFileSync(badRules, '{ "rules": [ { "name": "x" "condition": "1" } ] }');
    const cases: [string[], RegExp][] = [
      [['--analysis', 'threat-list', '--param', 'threats=nope.txt'], /^threat-list on auth failed: The threat list nope\.txt is neither a file that exists nor an IP address or CIDR\.$/],
      [['--analysis', 'rules', '--param', `rules=${badRules}`], /^rules on auth failed: no rule can run: .*rules\.json:1:\d+: JSON syntax error/],
    ];
    for (const [args, reason] of cases) {
      const a = run('analyze', log, ...args, '--json');
      assert.equal(a.code, 1, a.err);
      const j = JSON.parse(a.out) as { outputs: unknown[]; skipped: string[] };
      assert.deepEqual(j.outputs, []);
      assert.equal(j.skipped.length, 1);
      assert.match(j.skipped[0], reason);
      assert.doesNotMatch(a.err, /--role ROLE=COLUMN/, 'no hint about roles for a failure');
      const s = run('suspects', log, ...args, '--json');
      assert.equal(s.code, 1, s.err);
      const sj = JSON.parse(s.out) as { skipped: string[]; groups: unknown[] };
      assert.match(sj.skipped[0], reason);
      assert.match(s.err, /^log-investigator: (threat-list|rules) on auth failed: /m);
    }
    // without --json the failure is the error, as before
    const text = run('analyze', log, '--analysis', 'threat-list', '--param', 'threats=nope.txt');
    assert.equal(text.code, 1);
    assert.equal(text.out, '');
    assert.match(text.err, /The threat list nope\.txt is neither/);
    // a rule that fails while running: the others' findings are printed, the failing one is named with its table on stderr
    const rules = path.join(dir, 'rules2.json');
    fs.writeFileSync(rules, JSON.stringify({ rules: [{ name: 'json on text', condition: "json_extract(user, '$.x') = 1" }, { name: 'fails', condition: "outcome = 'failure'", entity: 'src_ip' }] }));
    const r = run('analyze', log, '--analysis', 'rules', '--param', `rules=${rules}`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /rule "fails" \(medium\): \d+ events? from IP /);
    assert.match(r.err, /^log-investigator: rule "json on text" on table auth failed while running: malformed JSON$/m);
  });
});
