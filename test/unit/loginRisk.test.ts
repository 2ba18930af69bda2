/**
 * The login analyses on the one risk scale (docs/risk/login.md), on seeded
 * generated logins: who is flagged, at what risk, with which window, related
 * IPs and evidence rows; the account analysis' two kinds of findings; and the
 * triage ranking they give. Every expectation is recomputed from the rows.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES, analysisById } from '../../src/engine/analyses';
import { runAnalyses, runAnalysis, selectAnalyses } from '../../src/engine/findings/model';
import { episodes, nullRate } from '../../src/engine/analyses/login/bursts';
import { ipRisks, medianRates } from '../../src/engine/analyses/login/ipRisk';
import { riskFromPoisson } from '../../src/engine/findings/triage/risk';
import { triage } from '../../src/engine/findings/triage/triage';
import { loginAttempts, timeText, type LoginRow } from '../generators/loginAttempts';
import { indexed, tmpDir } from '../helpers';

const minuteOf = (t: string) => Math.floor(Date.parse(`${t.slice(0, 10)}T${t.slice(11)}Z`) / 60000);

async function setup(rows: LoginRow[] | string, name: string) {
  const file = path.join(tmpDir(), `${name}.csv`);
  const csv = typeof rows === 'string' ? rows : 'datetime,source_ip,username,success,failure_reason\n' + rows.map((r) => `${r.time},${r.ip},${r.user},${r.success ? 'True' : 'False'},${r.reason}`).join('\n') + '\n';
  fs.writeFileSync(file, csv);
  const { engine, tables } = await indexed([file]);
  const log = tables.find((t) => t.table === name)!;
  const q = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => engine.query(sql, p);
  return { engine, tables, q, run: (id: string, params: Record<string, string> = {}) => runAnalysis(analysisById(id)!, log, q, params, tables) };
}

describe('login risk on the one scale', () => {
  const g = loginAttempts({ seed: 11, start: '2018-03-05', days: 5, users: 30, attacks: ['2018-03-05 03:10:00', '2018-03-06 14:20:30', '2018-03-08 22:05:00'] });
  const attackers = new Set(g.windows.map((w) => w.ip));

  it('null rates: re-estimated without the flagged, from the median IP when attackers make most failures', () => {
    // 10 ordinary IPs failing 1 in 10, 3 attackers failing 95 of 100: pooled, 285 of 385 attempts fail
    const ips = [
      ...Array.from({ length: 10 }, (_, i) => ({ ip: `10.0.0.${i}`, attempts: 10, failures: 1, failedUsernames: 1, byReason: new Map<string, number>() })),
      ...Array.from({ length: 3 }, (_, i) => ({ ip: `6.6.6.${i}`, attempts: 100, failures: 95, failedUsernames: 60, byReason: new Map<string, number>() })),
    ];
    assert.equal(medianRates(ips, []).failure, 0.1);
    const { risks, rates } = ipRisks(ips, []);
    assert.equal(rates.ips, 10);
    assert.equal(rates.failure, 0.1);
    assert.deepEqual(risks.filter((r) => r.risk >= 25).map((r) => r.ip), ['6.6.6.0', '6.6.6.1', '6.6.6.2']);
    assert.ok(risks.filter((r) => r.ip.startsWith('10.')).every((r) => r.risk < 25 && r.log10p === 0));
    // per minute: 3 busy minutes among 1,000, the others at 1 count in 100 minutes
    const counts = [...Array.from({ length: 10 }, (_, i) => ({ m: i * 100, n: 1 })), { m: 500, n: 30 }, { m: 501, n: 28 }, { m: 503, n: 25 }, { m: 504, n: 1 }];
    const rate = nullRate(counts, 1000);
    // the three busy minutes are left out; the eleven minutes of one count remain
    assert.equal(rate, 11 / 997);
    const eps = episodes(counts, 1000, rate, 50);
    // one quiet minute (502) does not split the attack; minute 504 (1 count: p = 0.011, not below 0.01) is no edge of it
    assert.deepEqual(eps.map((e) => [e.first, e.last, e.total]), [[500, 503, 83]]);
    // two counts next to it would be (p ≈ 6e-5)
    assert.deepEqual(episodes(counts.map((c) => (c.m === 504 ? { m: 504, n: 2 } : c)), 1000, rate, 50).map((e) => [e.first, e.last]), [[500, 504]]);
    assert.equal(eps[0].peak.n, 30);
    assert.equal(eps[0].peak.risk, riskFromPoisson(30, rate, 1000));
  });

  it('login-per-ip: exactly the attackers, at critical risk, with their failed attempts as evidence', async () => {
    const { engine, run } = await setup(g.rows, 'logins');
    const out = run('login-per-ip');
    assert.deepEqual(new Set(out.findings.map((f) => f.entity.value)), attackers);
    for (const f of out.findings) {
      assert.ok(f.risk! >= 90, `${f.entity.value}: ${f.risk}`);
      assert.equal(f.severity, 'critical');
      assert.equal(f.evidence.total, g.rows.filter((r) => r.ip === f.entity.value && !r.success).length);
      assert.match(f.explain!.counterfactual!, /^it would not be flagged with fewer than \d+ /);
    }
    // a higher minRisk keeps the same IPs (they are far beyond it); an impossible one keeps none
    assert.equal(run('login-per-ip', { minRisk: '100.1' }).findings.length, 0);
    await engine.dispose();
  });

  it('failure-bursts: one episode per attack, with its window, its attacker among its related IPs and its failed rows; one burst per attacker', async () => {
    const { engine, run } = await setup(g.rows, 'logins');
    const out = run('failure-bursts');
    const eps = out.findings.filter((f) => f.entity.kind === 'window');
    const ips = out.findings.filter((f) => f.entity.kind === 'ip');
    assert.equal(eps.length, g.windows.length);
    assert.deepEqual(new Set(ips.map((f) => f.entity.value)), attackers);
    for (const w of g.windows) {
      const e = eps.find((f) => Date.parse(f.window!.start) <= Date.parse(`${w.end.replace(' ', 'T')}Z`) && Date.parse(f.window!.end) >= Date.parse(`${w.start.replace(' ', 'T')}Z`));
      assert.ok(e, `no episode for the attack at ${w.start}`);
      assert.ok(e.risk! >= 90);
      assert.equal(e.related![0].value, w.ip, 'the attacker is the busiest source IP of its episode');
      const [lo, hi] = [Date.parse(e.window!.start) / 60000, Date.parse(e.window!.end) / 60000];
      // evidence: the failed attempts inside the episode, not every row of its minutes
      assert.equal(e.evidence.total, g.rows.filter((r) => !r.success && minuteOf(r.time) >= lo && minuteOf(r.time) < hi).length);
      // its count: the usernames that fail in a minute without a success in it (a typo followed by a success is traffic)
      const inside = g.rows.filter((r) => minuteOf(r.time) >= lo && minuteOf(r.time) < hi);
      const gotIn = new Set(inside.filter((r) => r.success).map((r) => `${minuteOf(r.time)}|${r.user}`));
      assert.equal(e.metrics.count, new Set(inside.filter((r) => !r.success).map((r) => `${minuteOf(r.time)}|${r.user}`).filter((k) => !gotIn.has(k))).size);
      const burst = ips.find((f) => f.entity.value === w.ip)!;
      assert.equal(burst.evidence.total, g.rows.filter((r) => r.ip === w.ip && !r.success).length, 'the whole attack is one burst');
    }
    await engine.dispose();
  });

  it('login-rules: a rule-breaking hour of a user (2 usernames, a few failures) is not high; the attackers are critical', async () => {
    const extra: LoginRow[] = [0, 1, 2].map((k) => ({ time: timeText(Date.parse('2018-03-07T10:00:00Z') + k * 5000, 0), ip: g.rows[0].ip, user: k === 2 ? 'user-typo' : g.rows[0].user, success: false, reason: 'error_wrong_password' }));
    const rows = [...g.rows, ...extra].sort((a, b) => (a.time < b.time ? -1 : 1));
    const { engine, run } = await setup(rows, 'logins');
    const out = run('login-rules');
    for (const f of out.findings) {
      if (attackers.has(f.entity.value)) assert.ok(f.risk! >= 90, `${f.entity.value}: ${f.risk}`);
      else assert.ok(f.risk! < 50, `${f.entity.value}: ${f.risk} (${f.reason})`);
      const hour = String(f.metrics.worstHour);
      assert.equal(f.evidence.total, rows.filter((r) => r.ip === f.entity.value && !r.success && r.time.startsWith(hour)).length);
    }
    await engine.dispose();
  });

  it('login-accounts: a burst of guesses on one account followed by a success is loud; usernames attackers try are low, with context', async () => {
    // 40 guesses at user003's password in 80 seconds from one address, then it gets in
    const t0 = Date.parse('2018-03-07T04:00:00Z');
    const guesses: LoginRow[] = Array.from({ length: 40 }, (_, k) => ({ time: timeText(t0 + k * 2000, 0), ip: '198.51.100.7', user: 'user003', success: false, reason: 'error_wrong_password' }));
    guesses.push({ time: timeText(t0 + 90_000, 0), ip: '198.51.100.7', user: 'user003', success: true, reason: '' });
    const rows = [...g.rows, ...guesses].sort((a, b) => (a.time < b.time ? -1 : 1));
    const { engine, run } = await setup(rows, 'logins');
    const out = run('login-accounts');
    const loud = out.findings.filter((f) => f.risk! >= 50);
    assert.deepEqual(loud.map((f) => f.entity.value), ['user003']);
    assert.ok(loud[0].risk! >= 90, String(loud[0].risk));
    assert.equal(loud[0].metrics.successAfter, '2018-03-07 04:01');
    assert.equal(loud[0].evidence.total, 41, 'the burst and the success after it');
    // the others: targeted by the attackers, each at risk 30 with benign context naming how many IPs
    const targeted = out.findings.filter((f) => f.entity.value !== 'user003');
    assert.ok(targeted.length > 0);
    for (const f of targeted) {
      assert.equal(f.risk, 30);
      const n = new Set(rows.filter((r) => r.user === f.entity.value && !r.success && (attackers.has(r.ip) || r.ip === '198.51.100.7')).map((r) => r.ip)).size;
      assert.equal(f.metrics.targetingIps, n);
      assert.ok(n >= 3);
      assert.match(f.context![0].text, new RegExp(`^a username attackers try: targeted by ${n} IPs`));
    }
    // without the success the burst is an attack on the account, not misbehaviour: nothing loud
    const { engine: e2, run: run2 } = await setup([...g.rows, ...guesses.slice(0, 40)].sort((a, b) => (a.time < b.time ? -1 : 1)), 'logins');
    assert.deepEqual(run2('login-accounts').findings.filter((f) => f.risk! >= 50), []);
    await e2.dispose();
    await engine.dispose();
  });

  it('triage: the attackers are the IP group, every attack one incident, no user high', async () => {
    const { engine, tables, q } = await setup(g.rows, 'logins');
    const ids = ANALYSES.filter((a) => a.id.startsWith('login-') || a.id === 'failure-bursts').map((a) => a.id).join(',');
    const run = runAnalyses(selectAnalyses(ids, ANALYSES), tables, q);
    const t = triage(run.outputs.flatMap((o) => o.findings));
    const ipGroup = t.groups.find((x) => x.kind === 'ip')!;
    assert.deepEqual(new Set(ipGroup.suspects.map((s) => s.value)), attackers);
    assert.equal(t.incidents.length, g.windows.length);
    for (const [k, inc] of t.incidents.entries()) assert.ok(inc.entities.some((e) => e.kind === 'ip' && attackers.has(e.value)), `incident ${k}`);
    const users = t.groups.find((x) => x.kind === 'user')?.suspects ?? [];
    assert.equal(users.filter((s) => s.risk >= 75).length, 0);
    await engine.dispose();
  });
});
