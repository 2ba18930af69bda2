/**
 * Sigma correlation rules, positive and negative, over an auth log written
 * here: event_count in the timespan (not spread beyond it), per group (two
 * IPs each below the threshold though together above it) and without
 * group-by; value_count (distinct users, not repeated ones); temporal (both
 * rules in the timespan, not further apart); temporal_ordered (in the listed
 * order, not the reverse). Each checks the exact groups flagged.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sigmaAnalysis } from '../../src/engine/analyses/rules/sigmaAnalysis';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import type { SqlValue } from '../../src/engine/store/database';
import { indexed, tmpDir } from '../helpers';

const A = '203.0.113.1'; // 5 failures in 40 s, always root
const B = '203.0.113.2'; // 5 failures 30 s apart (2 minutes), 5 users
const D = '203.0.113.4'; // 3 failures in 20 s …
const E = '203.0.113.5'; // … interleaved with 3 of E's: 6 in 25 s together
const F = '203.0.113.6'; // a success, then a failure 30 s later
const G = '203.0.113.7'; // a failure, then a success 3 minutes later

const lines: [string, string, string, string][] = [
  ['06:00:00', 'Failed', 'root', A], ['06:00:10', 'Failed', 'root', A], ['06:00:20', 'Failed', 'root', A], ['06:00:30', 'Failed', 'root', A], ['06:00:40', 'Failed', 'root', A],
  ['06:10:00', 'Failed', 'u1', B], ['06:10:30', 'Failed', 'u2', B], ['06:11:00', 'Failed', 'u3', B], ['06:11:30', 'Failed', 'u4', B], ['06:12:00', 'Failed', 'u5', B],
  ['06:20:00', 'Failed', 'admin', D], ['06:20:05', 'Failed', 'admin', E], ['06:20:10', 'Failed', 'admin', D], ['06:20:15', 'Failed', 'admin', E], ['06:20:20', 'Failed', 'admin', D], ['06:20:25', 'Failed', 'admin', E],
  ['06:30:00', 'Accepted', 'bob', F], ['06:30:30', 'Failed', 'bob', F],
  ['06:40:00', 'Failed', 'bob', G], ['06:43:00', 'Accepted', 'bob', G],
];

const BASE = `title: Failed SSH
name: ssh_failed
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password']
  condition: keywords
level: low
---
title: Accepted SSH
name: ssh_ok
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Accepted password']
  condition: keywords
level: low
`;
const corr = (title: string, body: string) => `---\ntitle: ${title}\nlevel: high\ncorrelation:\n${body}\n`;
const RULES =
  BASE +
  corr('Burst', '  type: event_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 1m\n  condition: {gte: 5}') +
  corr('All Failures', '  type: event_count\n  rules: [ssh_failed]\n  timespan: 1d\n  condition: {gte: 18}') +
  corr('More Than All', '  type: event_count\n  rules: [ssh_failed]\n  timespan: 1d\n  condition: {gte: 19}') +
  corr('Spray', '  type: value_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 5m\n  condition: {field: user, gte: 3}') +
  corr('Spray Fast', '  type: value_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 1m\n  condition: {field: user, gte: 4}') +
  corr('Both', '  type: temporal\n  rules: [ssh_failed, ssh_ok]\n  group-by: [src_ip]\n  timespan: 2m') +
  corr('Fail Then Ok', '  type: temporal_ordered\n  rules: [ssh_failed, ssh_ok]\n  group-by: [src_ip]\n  timespan: 10m') +
  corr('Fail Then Ok Fast', '  type: temporal_ordered\n  rules: [ssh_failed, ssh_ok]\n  group-by: [src_ip]\n  timespan: 1m') +
  corr('Unknown Rule', '  type: event_count\n  rules: [ssh_failed, no_such_rule]\n  timespan: 1m\n  condition: {gte: 1}') +
  '---\ntitle: Named Burst\nname: named_burst\ncorrelation:\n  type: event_count\n  rules: [ssh_failed]\n  timespan: 1m\n  condition: {gte: 1}\n' +
  corr('Chained', '  type: event_count\n  rules: [named_burst]\n  timespan: 1h\n  condition: {gte: 1}');

describe('Sigma correlation rules: positive and negative', () => {
  let out: AnalysisOutput;
  before(async function () {
    this.timeout(60000);
    const dir = tmpDir();
    const log = path.join(dir, 'auth.log');
    fs.writeFileSync(log, lines.map(([t, what, user, ip], i) => `Dec 10 ${t} host sshd[${100 + i}]: ${what} password for ${user} from ${ip} port ${50000 + i} ssh2`).join('\n') + '\n');
    const rules = path.join(dir, 'rules.yml');
    fs.writeFileSync(rules, RULES);
    const { engine, tables } = await indexed([log]);
    const q = (sql: string, p: SqlValue[] = []) => engine.query(sql, p);
    out = runAnalysis(sigmaAnalysis, tables[0], q, { sigma: rules }, tables);
    await engine.dispose();
  });
  const flagged = (rule: string) =>
    out.findings
      .filter((f) => f.metrics.rule === rule)
      .map((f) => [f.entity.value, f.metrics.best])
      .sort();

  it('event_count: five failures within the minute; not five spread over two minutes, nor two IPs of three each', () => {
    assert.deepEqual(flagged('Burst'), [[A, 5]]);
    const f = out.findings.find((x) => x.metrics.rule === 'Burst')!;
    // its evidence: A's five failures (the lines shown are representative ones among them)
    assert.equal(f.evidence.total, 5);
    assert.ok(f.evidence.lines.length > 0 && f.evidence.lines.every((l) => l >= 1 && l <= 5), String(f.evidence.lines));
    assert.equal(f.entity.kind, 'ip');
  });
  it('event_count without group-by counts every match: 18 meets gte 18, not gte 19', () => {
    assert.deepEqual(flagged('All Failures'), [['All Failures', 18]]);
    assert.deepEqual(flagged('More Than All'), []);
  });
  it('value_count: distinct users (B has 5 in 2 minutes; A repeats root), within the timespan (B has only 3 in 1 minute)', () => {
    assert.deepEqual(flagged('Spray'), [[B, 5]]);
    assert.deepEqual(flagged('Spray Fast'), []);
  });
  it('temporal: both rules within 2 minutes in any order (F), not 3 minutes apart (G), not only one rule (A, B, D, E)', () => {
    assert.deepEqual(flagged('Both'), [[F, 2]]);
  });
  it('temporal_ordered: the failure before the success (G), not the reverse (F); not beyond the timespan', () => {
    assert.deepEqual(flagged('Fail Then Ok'), [[G, 1]]);
    assert.deepEqual(flagged('Fail Then Ok Fast'), []);
  });
  it('the correlation table says which matched and which met no condition', () => {
    const t = out.tables.find((x) => x.title === 'Sigma correlation rules')!;
    const status = Object.fromEntries(t.rows.map((r) => [String(r[0]), [r[2], r[3]]]));
    assert.deepEqual(status['Burst'], [1, 'matched']);
    assert.deepEqual(status['More Than All'], [0, 'no group met the condition']);
    assert.deepEqual(status['Fail Then Ok Fast'], [0, 'no group met the condition']);
    assert.deepEqual(status['Unknown Rule'], [null, 'it names rules the rule set does not have: no_such_rule']);
    assert.deepEqual(status['Chained'], [null, 'it correlates a correlation rule (named_burst): chains of correlations are not supported']);
    assert.deepEqual(flagged('Unknown Rule'), []);
    assert.deepEqual(flagged('Chained'), []);
  });
});
