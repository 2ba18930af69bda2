/**
 * `log-investigator analyze FILE… --analysis sigma --param sigma=DIR[,FILE…]`:
 * folders searched recursively, files given directly, several files; findings
 * as for every analysis (the JSON output), the counts those of grep over the log.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, tmpDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin', 'log-investigator.js');

const rule = (title: string, level: string, keyword: string) =>
  `title: ${title}\nauthor: CLI Test\nlevel: ${level}\ntags: [attack.t1110]\nlogsource: {product: linux, service: sshd}\ndetection:\n  keywords: ['${keyword}']\n  condition: keywords\n`;

interface Out {
  outputs: { analysis: string; table: string; findings: { metrics: Record<string, unknown>; severity: string; evidence: { total: number; lines: number[] } }[]; tables: { title: string }[] }[];
}

describe('command line: analyze --analysis sigma --param sigma=DIR,FILE', function () {
  this.timeout(60000);
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  });

  it('reads the rules of folders recursively and of files named directly, over several logs', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'r1', 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'r2'));
    fs.writeFileSync(path.join(dir, 'r1', 'a', 'b', 'deep.yml'), rule('CLI Deep Root Failure', 'high', 'Failed password for root'));
    fs.writeFileSync(path.join(dir, 'r1', 'notes.txt'), rule('Not A Rule File', 'high', 'Failed'));
    fs.writeFileSync(path.join(dir, 'r2', 'single.yaml'), rule('CLI Invalid User', 'medium', 'Invalid user'));
    fs.writeFileSync(path.join(dir, 'r2', 'unused.yml'), rule('CLI Not Given', 'low', 'Accepted'));
    const log2 = path.join(dir, 'auth.log');
    fs.writeFileSync(log2, 'Dec 10 06:55:46 host sshd[1]: Failed password for root from 203.0.113.9 port 5 ssh2\nDec 10 06:55:47 host sshd[2]: Accepted password for bob from 203.0.113.9 port 6 ssh2\n');
    const r = spawnSync(process.execPath, [CLI, 'analyze', fixture('OpenSSH_2k.log'), log2, '--analysis', 'sigma', '--param', `sigma=${path.join(dir, 'r1')},${path.join(dir, 'r2', 'single.yaml')}`, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Out;
    const total = (table: string, title: string) => out.outputs.find((o) => o.table === table)!.findings.filter((f) => f.metrics.rule === title).reduce((n, f) => n + f.evidence.total, 0);
    const text = fs.readFileSync(fixture('OpenSSH_2k.log'), 'utf8').split('\n').filter((l) => l.includes(' sshd['));
    // keywords are case-insensitive: grep -ci
    assert.equal(total('openssh_2k', 'CLI Deep Root Failure'), text.filter((l) => l.toLowerCase().includes('failed password for root')).length);
    assert.equal(total('openssh_2k', 'CLI Invalid User'), text.filter((l) => l.toLowerCase().includes('invalid user')).length);
    assert.equal(total('auth', 'CLI Deep Root Failure'), 1);
    const rules = new Set(out.outputs.flatMap((o) => o.findings.map((f) => String(f.metrics.rule))));
    assert.deepEqual([...rules].sort(), ['CLI Deep Root Failure', 'CLI Invalid User'], 'not the .txt file, nor the .yml of r2 not named');
    const f = out.outputs[0].findings.find((x) => x.metrics.rule === 'CLI Deep Root Failure')!;
    assert.equal(f.severity, 'high');
    assert.equal(f.metrics.attack, 'T1110');
    assert.match(out.outputs[0].tables[0].title, /2 of 2 rules apply; 2 matched/);
  });

  it('--param sigmaMappings=FILE adds a log source and field mapping of the user; without it the rule has no table', () => {
    const dir = tmpDir();
    const log = path.join(dir, 'app.json');
    fs.writeFileSync(log, [{ app: { event: 'login', user: 'mallory' }, ts: '2024-12-10T06:00:00Z' }, { app: { event: 'login', user: 'alice' }, ts: '2024-12-10T06:01:00Z' }, { app: { event: 'logout', user: 'mallory' }, ts: '2024-12-10T06:02:00Z' }].map((o) => JSON.stringify(o)).join('\n') + '\n');
    const rules = path.join(dir, 'app.yml');
    fs.writeFileSync(rules, "title: App Login Of Mallory\nlevel: high\nlogsource: {product: myapp, service: auth}\ndetection:\n  sel:\n    Username: mallory\n    Action: login\n  condition: sel\n");
    const mappings = path.join(dir, 'mappings.json');
    fs.writeFileSync(mappings, JSON.stringify({ sources: [{ id: 'myapp', title: 'My app (JSON)', when: { columns: ['app.event', 'app.user'] }, fields: { Username: 'app.user', Action: 'app.event' }, logsources: [{ product: 'myapp', service: 'auth' }] }] }));
    const run = (...extra: string[]) => {
      const r = spawnSync(process.execPath, [CLI, 'analyze', log, '--analysis', 'sigma', '--param', `sigma=${rules}`, ...extra, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as Out).outputs[0];
    };
    const o = run('--param', `sigmaMappings=${mappings}`);
    assert.deepEqual(o.findings.map((f) => [f.metrics.rule, f.evidence.lines]), [['App Login Of Mallory', [1]]]);
    assert.match(o.tables[0].title, /My app \(JSON\): 1 of 1 rules apply; 1 matched/);
    const without = run();
    assert.deepEqual(without.findings, []);
    assert.match(without.tables[0].title, /no Sigma log source fits this table/);
  });

  it('a folder without rules is an error that says so', () => {
    const dir = tmpDir();
    const r = spawnSync(process.execPath, [CLI, 'analyze', fixture('OpenSSH_2k.log'), '--analysis', 'sigma', '--param', `sigma=${dir}`], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /no Sigma rule in/);
  });
});
