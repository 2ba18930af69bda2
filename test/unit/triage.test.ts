import * as assert from 'node:assert/strict';
import { acrossDetections, benignRisk, combine, withinAnalysis } from '../../src/engine/findings/triage/combine';
import { buildIncidents, formatSpan, periodOfValue } from '../../src/engine/findings/triage/incidents';
import { buildSuspects, naturalCompare } from '../../src/engine/findings/triage/suspects';
import { rankOf, triage } from '../../src/engine/findings/triage/triage';
import { finding } from './triageFixtures';

const r1 = (x: number) => Math.round(x * 10) / 10;

describe('triage: combining risks', () => {
  it('within one analysis: the strongest, plus at most 10 % of the headroom', () => {
    assert.equal(withinAnalysis([60]), 60);
    assert.equal(withinAnalysis([60, 60]), 62);
    assert.equal(r1(withinAnalysis(Array(20).fill(60))), 63.8);
    assert.equal(withinAnalysis([90, 20]), 90, 'a finding below low adds nothing');
    assert.equal(withinAnalysis([]), 0);
  });

  it('across analyses: each next detection closes a damped share of the headroom', () => {
    assert.equal(acrossDetections([75, 75]).total, 82.5);
    assert.equal(r1(acrossDetections([75, 75, 75]).total), 84.6);
    assert.equal(acrossDetections([50, 50]).total, 60);
    assert.equal(r1(acrossDetections([30, 30, 30, 30, 30]).total), 42.9, 'five lows stay low');
    assert.deepEqual(acrossDetections([40, 90]).increments.map(r1), [90, 1.6]);
    assert.equal(acrossDetections([20, 10]).total, 20, 'below low: only the strongest counts');
  });

  it('twenty near-identical findings of one analysis do not outweigh one strong one', () => {
    const many = buildSuspects(Array.from({ length: 20 }, () => finding('entity-baseline', 'user', 'many', 60)));
    const one = buildSuspects([finding('working-hours', 'user', 'one', 70)]);
    assert.equal(many[0].risk, 63.8);
    assert.equal(one[0].risk, 70);
    assert.equal(many[0].contributions[0].findings, 20);
  });

  it('volume analyses count as one detection; other analyses add up', () => {
    const c = combine([finding('volume-outliers-user', 'user', 'u', 80), finding('population-outliers', 'user', 'u', 80), finding('working-hours', 'user', 'u', 60)]);
    // volume family: 80 + 20 × 0.1 × (1 − 1/2) = 81; then working-hours: 19 × 0.6 × 0.4 = 4.56
    assert.equal(c.risk, 85.6);
    assert.deepEqual(c.parts.map((p) => [p.analysis, p.risk]), [['population-outliers', 80], ['volume-outliers-user', 80], ['working-hours', 60]]);
    assert.deepEqual(c.parts.map((p) => Math.round(p.share * 1000) / 1000), [0.935, 0.012, 0.053]);
    assert.equal(r1(c.parts.reduce((s, p) => s + p.share, 0)), 1);
  });

  it('falls back to the legacy risk of the score when a finding has none', () => {
    assert.equal(buildSuspects([finding('x', 'ip', '1.2.3.4', undefined, { score: 6 })])[0].risk, 75);
  });
});

describe('triage: benign context', () => {
  const nat = { kind: 'shared-egress' as const, text: 'shared by 350 users, each with an ordinary rate' };
  it('lowers an entity flagged only for volume to below medium', () => {
    const [s] = buildSuspects([finding('volume-outliers-ip', 'ip', '10.0.0.1', 100, { context: [nat] })]);
    assert.equal(s.risk, 47.5);
    assert.equal(benignRisk(100), 47.5);
    assert.equal(s.severity, 'low');
    assert.equal(s.lowered, true);
    assert.deepEqual(s.context, [nat]);
    assert.equal(s.explanation.entity, 'Below medium because of benign context (100 before it).');
  });
  it('does not lower it when an analysis that is not about volume also flags it at medium or above', () => {
    const [s] = buildSuspects([finding('volume-outliers-ip', 'ip', '10.0.0.1', 80, { context: [nat] }), finding('suspicious-access', 'ip', '10.0.0.1', 60)]);
    assert.equal(s.risk, 84.8);
    assert.equal(s.lowered, false);
  });
  it('a second volume analysis, or a weak other one, does not lift the context', () => {
    assert.equal(buildSuspects([finding('volume-outliers-ip', 'ip', 'a', 80, { context: [nat] }), finding('entity-baseline', 'ip', 'a', 80)])[0].risk, 41.8);
    assert.equal(buildSuspects([finding('volume-outliers-ip', 'ip', 'a', 80, { context: [nat] }), finding('suspicious-access', 'ip', 'a', 40)])[0].lowered, true);
  });
});

describe('triage: ranking', () => {
  it('ties sort numerically, then by value in natural order', () => {
    const values = ['100', '105', '11', '2', 'b', 'a', '10.0.0.10', '10.0.0.9'];
    const s = buildSuspects(values.map((v) => finding('x', 'group', v, 40)));
    assert.deepEqual(s.map((x) => x.value), ['2', '10.0.0.9', '10.0.0.10', '11', '100', '105', 'a', 'b']);
    assert.ok(naturalCompare('11', '100') < 0);
  });

  it('ranks by combined risk within each group, with exact ranks', () => {
    const fs = [
      finding('volume-outliers-ip', 'ip', '1.1.1.1', 95, { context: [{ kind: 'shared-egress', text: 'campus NAT' }] }),
      finding('suspicious-access', 'ip', '2.2.2.2', 70),
      finding('login-per-ip', 'ip', '2.2.2.2', 70),
      finding('login-per-ip', 'ip', '3.3.3.3', 88),
      finding('barely-active', 'user', '5201', 55, { entity: { kind: 'user', value: '5201' } }),
      finding('cohort-overuse', 'group', '58', 91, { entity: { kind: 'group', value: '58', name: 'Hyperion' } }),
      finding('spikes', 'window', '2020-10-14', 10),
    ];
    const t = triage(fs, { perGroup: 2 });
    assert.deepEqual(t.groups.map((g) => [g.title, g.suspects.map((s) => `${s.value}=${s.risk}`)]), [
      ['IPs', ['3.3.3.3=88', '2.2.2.2=78.4', '1.1.1.1=46']],
      ['Users', ['5201=55']],
      ['Cohorts / groups', ['58=91']],
    ]);
    assert.equal(t.groups[2].suspects[0].name, 'Hyperion');
    assert.equal(t.atLeastMedium, 4);
    assert.equal(t.loud, 3);
    assert.deepEqual(rankOf(t, 'ip', '1.1.1.1'), { group: 'IPs', rank: 3, of: 3 });
    assert.equal(rankOf(t, 'window', '2020-10-14'), undefined, 'below low: left out');
    // the shown set is 2: 2.2.2.2 (78.4) falls out of it below 46 without suspicious-access and login-per-ip
    assert.deepEqual(t.groups[0].suspects[1].explanation.belowShown, ['login-per-ip', 'suspicious-access']);
    assert.deepEqual(t.groups[0].suspects[1].explanation.belowMedium, ['login-per-ip', 'suspicious-access']);
    assert.equal(t.groups[0].suspects[0].explanation.entity, 'Only login-per-ip flags it: without that finding it would not be a suspect. Without login-per-ip it would fall below the first 2 of its group.');
  });

  it('gathers baseline, peers and counterfactuals from the findings, strongest first', () => {
    const [s] = buildSuspects([
      finding('a', 'user', 'u', 60, { explain: { baseline: 'usually 3 a day', counterfactual: 'not flagged under 12' } }),
      finding('b', 'user', 'u', 80, { explain: { peers: 'peers: median 2', counterfactual: 'not flagged under 40' } }),
    ]);
    assert.deepEqual(s.explanation.baseline, ['usually 3 a day']);
    assert.deepEqual(s.explanation.peers, ['peers: median 2']);
    assert.deepEqual(s.explanation.counterfactual, ['not flagged under 40', 'not flagged under 12']);
    assert.deepEqual(s.analyses, ['b', 'a']);
    assert.equal(s.risk, 84.8);
    assert.equal(s.explanation.entity, 'Without b and a it would fall below medium.');
  });
});

describe('triage: incidents', () => {
  const attackers = ['9.9.9.1', '9.9.9.2', '9.9.9.3'];
  const attack = () => [
    finding('login-detectors', 'window', '2018-01-02 02:31', 80, { related: attackers.slice(0, 2).map((value) => ({ kind: 'ip' as const, value })) }),
    finding('login-detectors', 'window', '2018-01-02 02:32', 70, { related: [{ kind: 'ip', value: '9.9.9.3' }] }),
    finding('login-detectors', 'window', '2018-01-02 02:34', 60),
    ...attackers.map((ip) => finding('failure-bursts', 'ip', ip, 65, { window: { start: '2018-01-02T02:31:00Z', end: '2018-01-02T02:33:00Z' } })),
    // not part of it: an hour later, and a user flagged with no period
    finding('login-detectors', 'window', '2018-01-02 03:40', 55),
    finding('failure-bursts', 'ip', '9.9.9.1', 50, { window: { start: '2018-01-02T05:00:00Z', end: '2018-01-02T05:01:00Z' } }),
    finding('volume-outliers-user', 'user', 'kim', 70),
  ];

  it('parses time-window values', () => {
    assert.deepEqual(periodOfValue('2018-01-02 02:31'), { start: Date.UTC(2018, 0, 2, 2, 31), end: Date.UTC(2018, 0, 2, 2, 32) });
    assert.deepEqual(periodOfValue('2020-10-14'), { start: Date.UTC(2020, 9, 14), end: Date.UTC(2020, 9, 15) });
    assert.equal(periodOfValue('hour 14'), undefined);
    assert.equal(formatSpan(Date.UTC(2020, 9, 14), Date.UTC(2020, 9, 15)), '2020-10-14');
    assert.equal(formatSpan(Date.UTC(2018, 0, 2, 2, 31), Date.UTC(2018, 0, 2, 2, 35)), '2018-01-02 02:31–02:35 UTC');
  });

  it('joins windows that touch or are a minute apart and findings that share entities', () => {
    const inc = buildIncidents(attack());
    assert.deepEqual(inc.map((i) => [i.title, i.risk, i.findings.length]), [
      // login-detectors 80 + 20 × 0.1 × (1 − 1/3) = 81.3; failure-bursts 65 (+ 35 × 0.1 × 2/3 = 67.3): 81.3 + 18.7 × 0.673 × 0.4 = 86.3
      ['2018-01-02 02:31–02:35 UTC · 3 windows, 3 IPs', 86.3, 6],
      ['2018-01-02 03:40–03:41 UTC · 1 window', 55, 1],
    ]);
    assert.deepEqual(inc[0].entities.map((e) => e.value), ['2018-01-02 02:31', '2018-01-02 02:32', '2018-01-02 02:34', ...attackers]);
    assert.deepEqual(inc[0].analyses, ['login-detectors', 'failure-bursts']);
    assert.equal(inc[0].start, '2018-01-02T02:31:00.000Z');
    assert.equal(inc[0].end, '2018-01-02T02:35:00.000Z');
  });

  it('keeps the groups from flooding: IPs only inside a crowded incident leave the IP group', () => {
    const t = triage(attack());
    assert.equal(t.incidents.length, 2);
    const ips = t.groups.find((g) => g.kind === 'ip')!;
    assert.deepEqual(ips.suspects.map((s) => s.value), ['9.9.9.1'], 'it also has a finding outside the incident');
    assert.deepEqual(ips.absorbed.map((s) => s.value), ['9.9.9.2', '9.9.9.3']);
    const windows = t.groups.find((g) => g.kind === 'window')!;
    assert.deepEqual(windows.suspects.map((s) => s.value), ['2018-01-02 03:40'], 'alone in its incident: still listed');
    assert.deepEqual(t.groups.find((g) => g.kind === 'user')!.suspects.map((s) => s.value), ['kim']);
    assert.deepEqual(rankOf(t, 'ip', '9.9.9.2'), { group: 'Incidents', rank: 1, of: 2 });
  });

  it('an IP alone in its incident keeps its place in the IP group', () => {
    const t = triage([
      finding('failure-bursts', 'ip', '5.5.5.5', 90, { window: { start: '2018-11-02T05:06:00Z', end: '2018-11-02T05:07:00Z' } }),
      finding('login-rules', 'ip', '5.5.5.5', 80, { window: { start: '2018-11-02T05:00:00Z', end: '2018-11-02T06:00:00Z' } }),
    ]);
    assert.equal(t.incidents.length, 1);
    assert.deepEqual(t.groups.find((g) => g.kind === 'ip')!.suspects.map((s) => `${s.value}=${s.risk}`), ['5.5.5.5=93.2']);
  });
});
