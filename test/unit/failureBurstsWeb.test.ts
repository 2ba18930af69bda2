/**
 * Issue #11, session 5: failure-bursts measured against the log's own rates
 * (a web log's 404s come with its traffic; a crawler's are no attack), the
 * representative rows as evidence, and the surprise that breaks ties where
 * risk stops at 100. Exact numbers on the seeded web log of
 * test/generators/webLog.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById, ANALYSES } from '../../src/engine/analyses';
import type { Finding } from '../../src/engine/findings/model';
import { runAnalyses, runAnalysis } from '../../src/engine/findings/model';
import { episodes, fitTraffic, trafficRate, type MinuteTraffic } from '../../src/engine/analyses/login/bursts';
import { combine } from '../../src/engine/findings/triage/combine';
import { EVIDENCE_MARKS, representative } from '../../src/engine/findings/triage/evidence';
import { riskFromLog10P, surpriseFromLog10P, surpriseOfRisk } from '../../src/engine/findings/triage/risk';
import { compareSuspects } from '../../src/engine/findings/triage/suspects';
import { triage } from '../../src/engine/findings/triage/triage';
import { generateWebLog, WEB_PLANTED } from '../generators/webLog';
import { fixture, hasShared, indexed, SHARED, tmpDir } from '../helpers';

const finding = (analysis: string, value: string, risk: number, surprise?: number): Finding => ({
  id: `${analysis}:t:ip:${value}`,
  analysis,
  entity: { kind: 'ip', value },
  score: 1,
  risk,
  ...(surprise === undefined ? {} : { surprise }),
  severity: 'info',
  reason: 'r',
  metrics: {},
  evidence: { table: 't', file: 'f', lines: [1, 2, 3], total: 3, sql: '', params: [] },
});

describe('failure bursts against the log\'s own rates', () => {
  it('the traffic null: λ = base + perTraffic × s, fitted by maximum likelihood, without the flagged minutes', () => {
    // 100 busy minutes (50 successes, 2 failures each) and 900 empty ones, 9 of them with one failure
    const counts: MinuteTraffic[] = [...Array.from({ length: 100 }, (_, i) => ({ m: i, n: 2, s: 50 })), ...Array.from({ length: 9 }, (_, i) => ({ m: 200 + i * 100, n: 1, s: 0 }))];
    const fit = fitTraffic(counts, 1000, 5000);
    // the solution of the likelihood equations: base 0.01, perTraffic 0.04 × (1 − 0.005)
    assert.ok(Math.abs(fit.base - 0.01) < 1e-6, `base ${fit.base}`);
    assert.ok(Math.abs(fit.perTraffic - 0.0398) < 1e-6, `perTraffic ${fit.perTraffic}`);
    // an attack minute: 30 failures and no traffic; a busy minute with 5 failures is its traffic's
    const attacked = [...counts, { m: 150, n: 30, s: 0 }, { m: 151, n: 5, s: 50 }];
    const rate = trafficRate(attacked, 1000, 5050);
    assert.equal(rate.flagged, 1);
    const at = new Map(attacked.map((c) => [c.m, c.s]));
    const eps = episodes(attacked.filter((c) => c.n > 0), 1000, (m) => rate.base + rate.perTraffic * (at.get(m) ?? 0), 50);
    assert.deepEqual(eps.map((e) => [e.first, e.last, e.total]), [[150, 150, 30]]);
  });

  describe('on a seeded web log (404s come with traffic, all requests at minute :05 of each hour)', () => {
    let outputs: ReturnType<typeof runAnalyses>['outputs'];
    let bursts: Finding[];
    before(async () => {
      const file = path.join(tmpDir(), 'web.log');
      fs.writeFileSync(file, generateWebLog().join('\n') + '\n');
      const { engine, tables } = await indexed([file]);
      try {
        const q = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => engine.query(sql, p);
        bursts = runAnalysis(analysisById('failure-bursts')!, tables[0], q, {}, tables).findings;
        outputs = runAnalyses([...ANALYSES], tables, q, {}).outputs;
      } finally {
        await engine.dispose();
      }
    });

    it('no attack minute; only the crawler and the scanner burst, the crawler with its context; the browser missing six fonts is none', () => {
      // before: 46 critical minutes (4–7 errors against 0.005 expected a minute, the log's rate spread over every minute of 48 hours)
      assert.equal(bursts.filter((f) => f.entity.kind === 'window').length, 0);
      assert.deepEqual(
        bursts.map((f) => [f.entity.value, f.risk, f.surprise, f.metrics.failuresInBurst, f.metrics.attemptsInBurst, (f.context ?? []).map((c) => c.kind).join()]),
        [
          [WEB_PLANTED.crawler, 100, 10.58, 14, 25, 'crawler'],
          [WEB_PLANTED.scanner, 100, 6.89, 8, 8, ''],
        ],
      );
      assert.match(bursts[1].reason, /8 failed attempts of 8 .* where 0\.207 were expected \(an IP fails 0\.0971 times in a minute of activity, or 2\.59 % of its attempts, whichever is more\)/);
      assert.ok(!bursts.some((f) => f.entity.value === WEB_PLANTED.fonts || f.entity.value === WEB_PLANTED.monitor));
    });

    it('triage: the scanner is the one loud suspect; the crawler falls below medium by its context', () => {
      const t = triage(outputs.flatMap((o) => o.findings));
      assert.equal(t.incidents.length, 0);
      assert.equal(t.loud, 1);
      const ips = t.groups.find((g) => g.kind === 'ip')!.suspects;
      assert.equal(ips[0].value, WEB_PLANTED.scanner);
      const crawler = ips.find((s) => s.value === WEB_PLANTED.crawler)!;
      assert.ok(crawler.lowered && crawler.risk < 50, `crawler ${crawler.risk}`);
    });

    it('evidence: a loud finding keeps its first rows as its representative rows; the count and the SQL keep all', () => {
      const scanner = bursts.find((f) => f.entity.value === WEB_PLANTED.scanner)!;
      assert.equal(scanner.severity, 'critical');
      assert.equal(scanner.evidence.lines.length, EVIDENCE_MARKS.loud);
      assert.equal(scanner.evidence.total, 8);
    });
  });

  it('login logs keep their bursts: both attacks of log.csv, as episodes and as IPs', async () => {
    const { engine, tables } = await indexed([fixture('log.csv')]);
    try {
      const out = runAnalysis(analysisById('failure-bursts')!, tables[0], (sql, p = []) => engine.query(sql, p), {}, tables);
      assert.deepEqual(
        out.findings.map((f) => [f.entity.kind, f.entity.value, f.risk, f.surprise]),
        [
          // the attackers' usernames fail without a success; the log's ordinary failures come with one (a typo, then in)
          ['window', '2018-11-02 05:06–05:11', 100, 486.64],
          ['window', '2018-11-02 11:42–11:45', 100, 194.34],
          ['ip', '212.79.15.228', 100, 106.03],
          ['ip', '44.207.171.119', 100, 41.81],
        ],
      );
      // a log of failures alone (no success recorded): the time null decides, as before
      const ssh = await indexed([fixture('OpenSSH_2k.log')]);
      try {
        const s = runAnalysis(analysisById('failure-bursts')!, ssh.tables[0], (sql, p = []) => ssh.engine.query(sql, p), {}, ssh.tables);
        assert.deepEqual(s.findings.map((f) => [f.entity.value, f.risk]), [['112.95.230.3', 100], ['5.188.10.180', 73], ['2025-12-10 08:24', 57.9]]);
      } finally {
        await ssh.engine.dispose();
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe('the top of the risk scale', () => {
  it('surprise: −log10 E unclamped; the risk it implies below 100', () => {
    assert.equal(surpriseFromLog10P(-130, 2109), 126.68);
    assert.equal(riskFromLog10P(-130, 2109), 100);
    assert.equal(surpriseOfRisk(75), 4);
    assert.equal(surpriseOfRisk(100), 6);
    assert.equal(surpriseFromLog10P(-Infinity), 1e6);
  });

  it('ties of risk break on the surprise, then the name; independent detections add their surprises', () => {
    assert.ok(compareSuspects({ risk: 100, value: '9.9.9.9', surprise: 40 }, { risk: 100, value: '1.1.1.1', surprise: 12 }) < 0);
    assert.ok(compareSuspects({ risk: 100, value: '9.9.9.9', surprise: 12 }, { risk: 100, value: '1.1.1.1', surprise: 12 }) > 0);
    assert.ok(compareSuspects({ risk: 99.9, value: '1.1.1.1', surprise: 900 }, { risk: 100, value: '9.9.9.9', surprise: 6 }) > 0, 'risk first');
    // failure-bursts 40 decades (its strongest of two), login-per-ip 20, a volume finding at 75 (4 implied)
    const c = combine([finding('failure-bursts', 'x', 100, 40), finding('failure-bursts', 'x', 100, 30), finding('login-per-ip', 'x', 100, 20), finding('volume-outliers-ip', 'x', 75)]);
    assert.equal(c.risk, 100);
    assert.equal(c.surprise, 64);
    const t = triage([finding('login-per-ip', '1.1.1.1', 100, 8), finding('login-per-ip', '9.9.9.9', 100, 80), finding('login-per-ip', '5.5.5.5', 100)]);
    assert.deepEqual(t.groups[0].suspects.map((s) => s.value), ['9.9.9.9', '1.1.1.1', '5.5.5.5']);
  });

  it('representative rows: two for a loud finding, one for any other; a copy, total and sql intact', () => {
    const e = { table: 't', file: 'f', lines: [4, 5, 6, 7], total: 90, sql: 'SELECT 1', params: [] };
    assert.deepEqual(representative(e, 'critical').lines, [4, 5]);
    assert.deepEqual(representative(e, 'medium').lines, [4]);
    assert.equal(representative(e, 'low').total, 90);
    assert.deepEqual(e.lines, [4, 5, 6, 7], 'the shared evidence is not cut in place');
  });
});

(hasShared ? describe : describe.skip)('failure bursts on the public Apache sample (../shared/data/apache)', () => {
  it('apache_access_10k: no attack minute (33 critical before); the FCKeditor scanner is the one loud suspect', async () => {
    const { engine, tables } = await indexed([path.join(SHARED, 'apache', 'apache_access_10k.log')]);
    try {
      const run = runAnalyses([...ANALYSES], tables, (sql, p = []) => engine.query(sql, p), {});
      const bursts = run.outputs.find((o) => o.analysis === 'failure-bursts')!.findings;
      assert.equal(bursts.filter((f) => f.entity.kind === 'window').length, 0);
      const t = triage(run.outputs.flatMap((o) => o.findings));
      assert.equal(t.incidents.length, 0);
      assert.equal(t.loud, 1);
      assert.equal(t.groups.find((g) => g.kind === 'ip')!.suspects[0].value, '91.236.75.25');
    } finally {
      await engine.dispose();
    }
  });
});



describe('impossible travel: the sort for a log in time order', () => {
  it('a log out of time order gives the same legs as the same log in order (the general path sorts on time)', async () => {
    const src = fs.readFileSync(fixture('geo/signins.csv'), 'utf8').trim().split('\n');
    const dir = tmpDir();
    const inOrder = path.join(dir, 'inorder.csv');
    const reversed = path.join(dir, 'reversed.csv');
    fs.writeFileSync(inOrder, src.join('\n') + '\n');
    fs.writeFileSync(reversed, [src[0], ...src.slice(1).reverse()].join('\n') + '\n');
    const { engine, tables } = await indexed([inOrder, reversed]);
    try {
      const q = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => engine.query(sql, p);
      const geo = fixture('geo/GeoLite2-City-Test.mmdb');
      const legs = (t: (typeof tables)[number]) => runAnalysis(analysisById('impossible-travel')!, t, q, { geo }, tables).findings.map((f) => [f.entity.value, f.metrics.fastestKmh, ...places(f), f.metrics.fromTime, f.metrics.toTime, f.metrics.legs]);
      // two places in the same second have no direction: their order is the rows'
      const places = (f: Finding) => (f.metrics.fastestKmh === null ? [f.metrics.from, f.metrics.to].sort() : [f.metrics.from, f.metrics.to]);
      const a = legs(tables.find((t) => t.table === 'inorder')!);
      assert.deepEqual(a.map((x) => x[0]), ['heidi', 'alice', 'carol']);
      assert.deepEqual(legs(tables.find((t) => t.table === 'reversed')!), a);
    } finally {
      await engine.dispose();
    }
  });
});
