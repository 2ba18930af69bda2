import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, indexed, tmpDir } from '../helpers';
import { ANALYSES } from '../../src/engine/analyses';
import { runAnalyses, selectAnalyses } from '../../src/engine/findings/model';
import { loginAttempts } from '../generators/loginAttempts';
import type { AnalysisOutput } from '../../src/engine/findings/model';
import { rankOf, triage } from '../../src/engine/findings/triage/triage';
import { incidentCard, mdText, suspectCard } from '../../src/engine/findings/triage/card';
import { buildSuspects } from '../../src/engine/findings/triage/suspects';
import { readLines } from '../../src/extension/lineText';
import { finding } from './triageFixtures';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin', 'log-investigator.js');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('suspects on the command line', function () {
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  });
  const args = ['suspects', fixture('log.csv'), '--analysis', 'failure-bursts,login-detectors'];

  it('prints the ranked suspects and incidents as JSON, with reasons and evidence', () => {
    const r = run(...args, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['loud', 'atLeastMedium', 'incidents', 'groups', 'skipped']);
    assert.equal(j.loud, 4);
    assert.deepEqual(j.skipped, []);
    assert.deepEqual(j.incidents.shown.map((i: { title: string; risk: number }) => [i.title, i.risk]), [['2018-11-02 05:06–05:11 UTC · 6 windows, 1 IP', 100], ['2018-11-02 11:42–11:45 UTC · 4 windows, 1 IP', 100]]);
    const ips = j.groups.find((g: { kind: string }) => g.kind === 'ip');
    // both at risk 100: the tie breaks on the surprise (−log10 E), not the name: 216 failures of 253 attempts in 5 minutes before 92 of 117 in 3
    assert.deepEqual(ips.suspects.map((s: { value: string; risk: number; severity: string; surprise: number }) => [s.value, s.risk, s.severity, s.surprise]), [['212.79.15.228', 100, 'critical', 106.03], ['44.207.171.119', 100, 'critical', 41.81]]);
    assert.deepEqual(ips.suspects[0].reasons.map((x: { analysis: string; score: number; share: number }) => [x.analysis, x.score, x.share]), [['failure-bursts', 108.12, 1]]);
    // a loud finding's representative rows: its first two failures; the count keeps all 216
    assert.deepEqual(ips.suspects[0].evidence[0].lines, [109, 111]);
    assert.equal(ips.suspects[0].evidence[0].total, 216);
    assert.equal(j.groups.find((g: { kind: string }) => g.kind === 'window').absorbedIntoIncidents, 10);
  });

  it('orders exactly as the engine ranks the findings of analyze (the code the Findings view uses)', () => {
    const a = run('analyze', fixture('log.csv'), '--analysis', 'failure-bursts,login-detectors', '--json');
    const outputs = (JSON.parse(a.out) as { outputs: AnalysisOutput[] }).outputs;
    const t = triage(outputs.flatMap((o) => o.findings));
    const j = JSON.parse(run(...args, '--json', '--limit', '0').out);
    assert.deepEqual(j.groups.map((g: { suspects: { value: string }[] }) => g.suspects.map((s) => s.value)), t.groups.map((g) => g.suspects.map((s) => s.value)));
    assert.deepEqual(j.incidents.shown.map((i: { id: string }) => i.id), t.incidents.map((i) => i.id));
  });

  it('as text: each group with its first N, then the loud count; the skipped analyses on stderr', () => {
    const r = run(...args, '--limit', '1');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'Incidents (1 of 2)');
    assert.equal(lines[1], '    1. risk 100 critical 2018-11-02 05:06–05:11 UTC · 6 windows, 1 IP  [failure-bursts, login-detectors]');
    assert.ok(lines.includes('IPs (1 of 2)'));
    assert.ok(lines.includes('    1. risk 100 critical ip 212.79.15.228  [failure-bursts]'), r.out);
    // every flagged minute lies in an incident of several windows: the group has nothing of its own to show
    assert.ok(!lines.some((l) => l.startsWith('Time windows')), r.out);
    assert.equal(lines[lines.length - 2], '4 high or critical, 4 medium or above.');
    const all = run('suspects', fixture('log.csv'), '--analysis', 'failure-bursts,cohort-overuse', '--json');
    assert.match(JSON.parse(all.out).skipped[0], /^cohort-overuse on log: /);
    // several analyses as text: a pair skipped for a missing role is counted, not spelled out; too little data is named
    const tiny = path.join(tmpDir(), 'auth.log');
    fs.writeFileSync(tiny, fs.readFileSync(fixture('OpenSSH_2k.log'), 'utf8').split('\n').slice(0, 5).join('\n') + '\n');
    const text = run('suspects', tiny, fixture('access.log'), '--analysis', 'login-detectors,cohort-overuse');
    assert.equal(text.code, 0, text.err);
    assert.deepEqual(text.err.trim().split('\n'), [
      'log-investigator: skipped: login-detectors on auth: too little data: Local outlier factor needs at least 2 rows, got 1.',
      'log-investigator: 3 analysis–table pairs skipped because the table lacks a column role or parameter the analysis needs (--json lists each with why; --role ROLE=COLUMN gives a column a role)',
    ]);
  });

  it('rejects a bad --limit or --min-severity', () => {
    assert.equal(run(...args, '--limit', '-1').code, 2);
    const r = run(...args, '--min-severity', 'loud');
    assert.equal(r.code, 2);
    assert.match(r.err, /--min-severity takes one of info, low, medium, high, critical, not 'loud'/);
  });
});

describe('explanation cards and evidence text', () => {
  it('make text from files literal Markdown', () => {
    assert.equal(mdText('[x](command:evil) $(zap) *b*'), '\\[x\\]\u2060\\(command:evil\\) $\u2060\\(zap\\) \\*b\\*');
    const [s] = buildSuspects([finding('cohort-overuse', 'group', '58', 91, { entity: { kind: 'group', value: '58', name: 'Hyperion' }, reason: 'cohort Hyperion reads mysql/indexes 40× more', explain: { peers: 'other cohorts: 1.2 a student' } })]);
    const card = suspectCard(s).split('\n');
    assert.equal(card[0], '## group 58 · Hyperion');
    assert.equal(card[2], '**Risk 91 of 100 — critical**, from 1 analysis.');
    assert.ok(card.includes('| cohort\\-overuse | t | 91 | 100 % | 1 |'), card.join('\n'));
    assert.ok(card.includes('- other cohorts: 1\\.2 a student'));
    const inc = triage([finding('spikes', 'window', '2020-10-14', 60)]).incidents[0];
    assert.equal(incidentCard(inc).split('\n')[0], '## Incident 2020\\-10\\-14 · 1 window');
  });

  it('reads only the lines asked for, from checkpoints, and gzip files too', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'big.log');
    fs.writeFileSync(file, Array.from({ length: 25_000 }, (_, i) => `line ${i + 1}${i === 4 ? '\r' : ''}`).join('\n'));
    const got = await readLines(file, [5, 1, 24_999, 25_000, 25_001, 0]);
    assert.deepEqual([...got].sort((a, b) => a[0] - b[0]), [[1, 'line 1'], [5, 'line 5'], [24_999, 'line 24999'], [25_000, 'line 25000']]);
    assert.deepEqual([...(await readLines(file, [20_001, 12_345]))].sort((a, b) => a[0] - b[0]), [[12_345, 'line 12345'], [20_001, 'line 20001']], 'from a checkpoint');
    const gz = path.join(dir, 'small.log.gz');
    fs.writeFileSync(gz, require('node:zlib').gzipSync('a\nb\nc\n'));
    assert.deepEqual([...(await readLines(gz, [2, 3]))], [[2, 'b'], [3, 'c']]);
    assert.equal((await readLines(path.join(dir, 'missing.log'), [1])).size, 0);
  });
});

describe('suspects on generated login attempts', () => {
  it('ranks the three planted attackers first among the IPs, each attack minute an incident', async () => {
    const g = loginAttempts({ seed: 11, start: '2018-03-05', days: 5, users: 30, attacks: ['2018-03-05 03:10:00', '2018-03-06 14:20:30', '2018-03-08 22:05:00'] });
    const file = path.join(tmpDir(), 'logins.csv');
    fs.writeFileSync(file, g.csv);
    const { engine, tables } = await indexed([file]);
    try {
      const run = runAnalyses(selectAnalyses('failure-bursts,login-per-ip,volume-outliers-ip,login-detectors', ANALYSES), tables, (sql, p = []) => engine.query(sql, p));
      const t = triage(run.outputs.flatMap((o) => o.findings));
      const attackers = g.windows.map((w) => w.ip);
      assert.deepEqual(attackers.map((ip) => rankOf(t, 'ip', ip)?.rank).sort(), [1, 2, 3]);
      const ips = t.groups.find((x) => x.kind === 'ip')!.suspects;
      assert.deepEqual(ips.slice(0, 3).map((s) => s.analyses.includes('failure-bursts')), [true, true, true]);
      // every attack's minutes lie in an incident that overlaps its window
      for (const w of g.windows) {
        const start = Date.parse(`${w.start.replace(' ', 'T')}Z`);
        const end = Date.parse(`${w.end.replace(' ', 'T')}Z`);
        assert.ok(t.incidents.some((i) => Date.parse(i.start) <= end && Date.parse(i.end) >= start), `${w.start}: ${t.incidents.map((i) => i.title).join(' | ')}`);
      }
    } finally {
      await engine.dispose();
    }
  });
});
