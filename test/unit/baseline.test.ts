import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES } from '../../src/engine/analyses';
import { entityBaseline, PRIOR_DAYS } from '../../src/engine/analyses/events/baseline';
import { riskFromLog10P } from '../../src/engine/findings/triage/risk';
import { log10NegBinomialTail, riskFromT } from '../../src/engine/findings/triage/tails';
import { populationOutliers } from '../../src/engine/analyses/events/population';
import { chiSquareSurvival, entropyBits, gTest, jensenShannon, typicalHour, workingHours } from '../../src/engine/analyses/events/workingHours';
import type { TableInfo } from '../../src/engine/ingest/build';
import type { SqlValue } from '../../src/engine/store/database';
import type { Engine } from '../../src/engine/engine';
import { LogInvestigatorError } from '../../src/engine/errors';
import type { Analysis, AnalysisOutput } from '../../src/engine/findings/model';
import { robustStats, runAnalyses, runAnalysis, selectAnalyses } from '../../src/engine/findings/model';
import { mulberry32 } from '../generators/courseLog';
import { PLANTED, eventStreamLines, userNames } from '../generators/eventStream';
import { SHARED, fixture, hasShared, indexed, tmpDir } from '../helpers';

// vega-lite and vega are ES modules; tsc's CommonJS output would turn import() into require()
const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Compiles every chart with Vega-Lite and renders it to SVG with Vega: a spec that does not draw fails here. */
async function assertChartsRender(out: AnalysisOutput): Promise<void> {
  const { compile } = await esmImport('vega-lite');
  const vega = await esmImport('vega');
  for (const c of out.charts) {
    const vg = compile(c.spec).spec;
    const view = new vega.View(vega.parse(vg), { renderer: 'none' });
    const svg: string = await view.toSVG();
    assert.match(svg, /^<svg/, c.title);
    view.finalize();
  }
}

function writeJsonl(dir: string, name: string, rows: object[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('event-stream baselines on the generated stream', () => {
  let engine: Engine;
  let table: TableInfo;
  let dir: string;
  const run = (a: Analysis, params: Record<string, string> = {}) => runAnalysis(a, table, (s, p) => engine.query(s, p), params);
  const dayLines = (user: string, day: string) => engine.query(`SELECT _line FROM "${table.table}" WHERE user = ? AND substr(_time, 1, 10) = ? ORDER BY _line`, [user, day]).rows.map((r) => Number(r[0]));

  before(async () => {
    dir = tmpDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, [...eventStreamLines()].join('\n') + '\n');
    ({ engine, tables: [table] } = await indexed([file]));
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('entity-baseline', () => {
    it('flags the planted volume spike, critical, with the day as its evidence and window; the other flagged days are chance (info)', async () => {
      const out = run(entityBaseline);
      // exact on this seed: risk (the negative-binomial tail among the entity-days judged), score (ratio or σ, the smaller), day
      assert.deepEqual(
        out.findings.map((f) => [f.entity.value, f.risk, f.severity, Number(f.score.toFixed(3)), f.metrics.day]),
        [
          [PLANTED.volumeSpike.user, 100, 'critical', 6.394, PLANTED.volumeSpike.day],
          // weekend days (Saturdays in UTC) of ordinary users, 3× their earlier weekend days: expected by chance among 1,9xx entity-days
          ['rupert@example.com', 13.6, 'info', 3.409, '2024-04-13'],
          ['yusuf@example.com', 4.8, 'info', 3.25, '2024-03-16'],
        ],
      );
      const f = out.findings[0];
      const lines = dayLines(PLANTED.volumeSpike.user, PLANTED.volumeSpike.day);
      assert.equal(f.metrics.value, lines.length);
      assert.equal(f.evidence.total, lines.length);
      // a critical finding keeps its first two rows as its representative rows; total and sql keep the day
      assert.deepEqual(f.evidence.lines, lines.slice(0, 2));
      assert.deepEqual(f.window, { start: `${PLANTED.volumeSpike.day}T00:00:00Z`, end: '2024-04-12T00:00:00Z' });
      assert.ok(Number(f.metrics.ratio) > 5, `ratio ${f.metrics.ratio}`);
      assert.equal(f.metrics.baselineDays, 28, 'a Thursday is compared with the 28 weekdays before it');
      assert.ok(Number(f.metrics.log10p) < -20, `log10 p ${f.metrics.log10p}`);
      assert.match(f.reason, /^\d+ events from sybil@example\.com on 2024-04-11, [\d.]+× the [\d.]+ a day of its 28 earlier weekdays \(flagged above 3×; [\d.]+ σ above them; chance [\d.]+e-\d+ a day, [\d,]+ entity-days judged\)$/);
      assert.match(f.explain!.counterfactual!, /^It would not be flagged with fewer than \d+ events that day\.$/);
      // the largest increase of the day is the spike too
      assert.equal(out.tables[1].rows[0][0], PLANTED.volumeSpike.user);
      assert.equal(out.charts.length, 1);
      await assertChartsRender(out);
    });

    it('by attachments: the spike first and critical; over-dispersed attachments leave two ordinary days, both chance', () => {
      const out = run(entityBaseline, { measure: 'attachments' });
      assert.deepEqual(
        out.findings.map((f) => [f.entity.value, f.risk, f.severity]),
        [
          [PLANTED.volumeSpike.user, 100, 'critical'],
          ['bianca@example.com', 12.4, 'info'],
          ['heidi@example.com', 0.4, 'info'],
        ],
      );
      assert.equal(out.tables[1].rows[0][0], PLANTED.volumeSpike.user);
      assert.ok(Number(out.tables[1].rows[0][4]) > 150, 'the spike adds ~200 attachments');
    });

    it('weekends=together compares every day with all earlier days; a bad value is refused', () => {
      const out = run(entityBaseline, { weekends: 'together' });
      assert.equal(out.findings[0].entity.value, PLANTED.volumeSpike.user);
      assert.equal(out.findings[0].metrics.baselineDays, 39);
      assert.match(out.findings[0].reason, /of its 39 earlier days/);
      assert.throws(() => run(entityBaseline, { weekends: 'split' }), /weekends is 'apart' or 'together'/);
    });

    it('takes another entity column, and refuses a column that is missing or not a number', () => {
      const out = run(entityBaseline, { entity: 'src_ip' });
      const ip = out.findings[0];
      assert.equal(ip.entity.kind, 'ip');
      assert.equal(ip.metrics.day, PLANTED.volumeSpike.day);
      assert.equal(ip.severity, 'critical');
      // the same ordinary weekend days, by address: chance (info)
      assert.deepEqual(out.findings.slice(1).map((f) => [f.entity.value, f.risk]), [['216.160.83.61', 12.7], ['216.160.83.62', 4.4]]);
      assert.throws(() => run(entityBaseline, { entity: 'nope' }), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && /no column nope/.test(e.message));
      assert.throws(() => run(entityBaseline, { measure: 'event' }), (e: unknown) => e instanceof LogInvestigatorError && /the measure event is text, not a number/.test(e.message));
    });
  });

  describe('population-outliers', () => {
    it('flags the population outlier, and only it, by overall rate (log scale by default, z-score and robust); its busiest day is the evidence', async () => {
      const exact: Record<string, [number, string, number]> = { log: [100, 'critical', 11.478], zscore: [88.4, 'high', 6.064], robust: [100, 'critical', 28.33] };
      for (const method of ['log', 'zscore', 'robust']) {
        const out = run(populationOutliers, { method });
        assert.deepEqual(out.findings.map((f) => [f.entity.value, f.risk, f.severity, Number(f.score.toFixed(3))]), [[PLANTED.populationOutlier.user, ...exact[method]]], method);
        const f = out.findings[0];
        const day = String(f.metrics.busiestDay);
        assert.equal(day, '2024-04-26');
        assert.equal(f.evidence.total, dayLines(f.entity.value, day).length);
        assert.equal(f.evidence.total, 150);
        assert.match(f.reason, method === 'zscore' ? /σ above the population's mean of/ : method === 'log' ? /robust σ \(log scale\) above the population's median of [\d.]+ \(40 entities, ×[\d.]+ a robust σ\); evidence: its busiest day, 2024-04-26 \(150 events\)$/ : /robust σ above the population's median of/);
        await assertChartsRender(out);
      }
      assert.equal(run(populationOutliers).findings[0].metrics.method, 'log');
    });

    it('day by day: the outlier on nearly every day, the spike on its day; the busiest ordinary days are chance', async () => {
      const out = run(populationOutliers, { rate: 'day' });
      assert.deepEqual(
        out.findings.map((f) => [f.entity.value, f.risk, f.severity, f.metrics.day]),
        [
          [PLANTED.populationOutlier.user, 100, 'critical', '2024-03-15'],
          [PLANTED.volumeSpike.user, 56.3, 'medium', PLANTED.volumeSpike.day],
          ['peggy@example.com', 18.2, 'info', '2024-04-09'],
          ['yusuf@example.com', 17.4, 'info', '2024-03-16'],
          ['elena@example.com', 16.7, 'info', '2024-04-27'],
          ['walter@example.com', 16.7, 'info', '2024-04-27'],
        ],
      );
      const oscar = out.findings[0];
      assert.ok(Number(oscar.metrics.flaggedDays) >= 50, `flagged on ${oscar.metrics.flaggedDays} days`);
      assert.deepEqual(oscar.window, { start: '2024-03-15T00:00:00Z', end: '2024-03-16T00:00:00Z' });
      await assertChartsRender(out);
      // Accepted with method=robust day by day: each day's population includes the zeros of quiet users, so a Saturday
      // of 15 mails is far above a median of 0; the planted two still rank first.
      const robust = run(populationOutliers, { rate: 'day', method: 'robust' });
      assert.deepEqual(robust.findings.slice(0, 2).map((f) => f.entity.value), [PLANTED.populationOutlier.user, PLANTED.volumeSpike.user]);
      assert.equal(robust.findings.length, 11);
    });

    it('compares with the entities that have minCount events: one-off names do not make ordinary ones heavy', async () => {
      // 10 users with 3–12 events a day over 10 days, and 200 names tried once each (as attackers try usernames)
      const rows: object[] = [];
      for (let u = 0; u < 10; u++) for (let d = 1; d <= 10; d++) for (let k = 0; k < 3 + u; k++) rows.push({ time: `2024-03-${String(d).padStart(2, '0')}T09:${String(k).padStart(2, '0')}:00Z`, user: `u${u}` });
      for (let n = 0; n < 200; n++) rows.push({ time: `2024-03-${String(1 + (n % 10)).padStart(2, '0')}T03:00:${String(n % 60).padStart(2, '0')}Z`, user: `guess${n}` });
      const d = tmpDir();
      const { engine: e2, tables: [t] } = await indexed([writeJsonl(d, 'names.jsonl', rows)]);
      const out = runAnalysis(populationOutliers, t, (q, p) => e2.query(q, p));
      assert.deepEqual(out.findings, []);
      // with everyone in the reference (minCount 1), the median is a one-off name and every real user is far above it
      assert.equal(runAnalysis(populationOutliers, t, (q, p) => e2.query(q, p), { minCount: '1' }).findings.length, 10);
      await e2.dispose();
      fs.rmSync(d, { recursive: true, force: true });
    });

    it('refuses unknown rate, method and direction values', () => {
      assert.throws(() => run(populationOutliers, { rate: 'weekly' }), /rate is 'overall' or 'day'/);
      assert.throws(() => run(populationOutliers, { method: 'iqr' }), /method is 'log', 'zscore' or 'robust'/);
      assert.throws(() => run(populationOutliers, { direction: 'down' }), /direction is 'above' or 'both'/);
    });
  });

  describe('working-hours', () => {
    it('flags the user who moved to night work, and only them', async () => {
      const out = run(workingHours);
      assert.deepEqual(out.findings.map((f) => f.entity.value), [PLANTED.workingHoursShift.user]);
      const f = out.findings[0];
      assert.ok(Number(f.metrics.jsd) > 0.7, `JSD ${f.metrics.jsd}`);
      assert.ok(Number(f.metrics.typicalHourBaseline) > 11 && Number(f.metrics.typicalHourBaseline) < 15);
      const recentHour = Number(f.metrics.typicalHourRecent);
      assert.ok(recentHour < 4 || recentHour > 23, `typical recent hour ${recentHour}`);
      assert.match(f.reason, /Jensen–Shannon divergence 0\.\d\d bits \(threshold 0\.2; G-test of the active hours p < 1e-12, 40 users judged\); the typical hour moved from 1\d:\d\d to 0\d:\d\d UTC; entropy/);
      assert.deepEqual([f.risk, f.severity, Number(f.score.toFixed(3))], [100, 'critical', 8.797]);
      assert.ok(Number(f.metrics.log10p) < -30, `log10 p ${f.metrics.log10p}`);
      // the period: the recent window, from its cutoff to the last event
      const lastTime = String(engine.query(`SELECT max(_time) FROM "${table.table}"`).rows[0][0]);
      assert.deepEqual(f.window, { start: `${String(f.metrics.recentSince).replace(' ', 'T').slice(0, 19)}Z`, end: `${lastTime.replace(' ', 'T').slice(0, 19)}Z` });
      // the evidence: recent events at the new (night) hours
      const ev = engine.query(f.evidence.sql, f.evidence.params).rows;
      assert.ok(ev.length > 100);
      const hour = table.columns.findIndex((c) => c.name === '_time');
      for (const r of ev) {
        const h = Number(String(r[hour]).slice(11, 13));
        assert.ok(h >= 21 || h < 8, `evidence hour ${h}`);
      }
      // every other user keeps their profile: far below the threshold
      const rows = out.tables[0].rows;
      assert.equal(rows.length, userNames().length);
      assert.ok(rows.slice(1).every((r) => Number(r[1]) < 0.1), 'ordinary users change by less than 0.1 bit');
      assert.equal(out.charts.length, 1);
      await assertChartsRender(out);
    });

    it('divergence and entropy: identical profiles 0, disjoint 1, uniform log2(24); the typical hour wraps around midnight', () => {
      const p = Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 17 ? 1 / 8 : 0));
      const q = Array.from({ length: 24 }, (_, h) => (h < 8 ? 1 / 8 : 0));
      assert.equal(jensenShannon(p, p), 0);
      assert.ok(Math.abs(jensenShannon(p, q) - 1) < 1e-12);
      assert.ok(Math.abs(entropyBits(new Array(24).fill(1 / 24)) - Math.log2(24)) < 1e-12);
      assert.equal(entropyBits(p), 3);
      const night = new Array(24).fill(0);
      night[23] = 0.5;
      night[0] = 0.5;
      const t = typicalHour(night);
      assert.ok(Math.abs(t - 0) < 1e-9 || Math.abs(t - 24) < 1e-9, `typical hour ${t}`);
      assert.ok(Math.abs(typicalHour(p) - 13) < 1e-9);
    });

    it('the G-test: chi-square tail probabilities from the tables, and small windows that differ by chance are not flagged', async () => {
      // critical values of the chi-square distribution (any statistics table): P(X ≥ x) = 0.05 or 0.001
      for (const [x, df, p] of [[3.841458820694124, 1, 0.05], [18.307038053275146, 10, 0.05], [35.17246162690806, 23, 0.05], [49.72823247, 23, 0.001]]) {
        assert.ok(Math.abs(chiSquareSurvival(x, df) - p) / p < 1e-6, `${x}, ${df}`);
      }
      // df = 2 has a closed form: exp(−x/2)
      assert.ok(Math.abs(chiSquareSurvival(7, 2) - Math.exp(-3.5)) < 1e-12);
      assert.equal(gTest([5, 5, 0], [10, 10, 0]).g, 0);
      assert.equal(gTest([5, 5, 0], [10, 10, 0]).df, 1);
      // degrees of freedom: the categories either window uses, minus one (a category empty in both does not count)
      assert.equal(gTest([1, 2, 3], [3, 2, 1]).df, 2);
      assert.equal(gTest([1, 0, 3, 0], [0, 2, 1, 0]).df, 2);
      assert.equal(gTest([4, 0, 0, 0], [0, 0, 0, 4]).df, 1);
      // G by hand for [1, 2, 3] against [3, 2, 1]: 2 Σ O ln(O / E), E from the margins (each row 6, each column 4)
      const obs = [1, 2, 3, 3, 2, 1];
      const exp = [2, 2, 2, 2, 2, 2];
      assert.ok(Math.abs(gTest([1, 2, 3], [3, 2, 1]).g - 2 * obs.reduce((x, o, i) => x + o * Math.log(o / exp[i]), 0)) < 1e-12);
      // a G-test by hand: [10, 0] against [0, 10]: G = 2 · 20 · ln 2
      assert.ok(Math.abs(gTest([10, 0], [0, 10]).g - 40 * Math.log(2)) < 1e-12);
      // 40 then 30 events drawn from the same profile (uniform over 06–21 h, seeded): the divergence passes 0.2 by chance, the test does not
      const rnd = mulberry32(1);
      const rows: object[] = [];
      const at = (day: number, k: number) => `2024-02-${String(day).padStart(2, '0')}T${String(6 + Math.floor(rnd() * 16)).padStart(2, '0')}:00:${String(k % 60).padStart(2, '0')}Z`;
      for (let k = 0; k < 40; k++) rows.push({ time: at(1 + (k % 14), k), user: 'steady' });
      for (let k = 0; k < 30; k++) rows.push({ time: at(18 + (k % 11), k), user: 'steady' });
      const dir = tmpDir();
      const file = writeJsonl(dir, 'few.jsonl', rows);
      const { engine: e2, tables: [t] } = await indexed([file]);
      const out = runAnalysis(workingHours, t, (s, p) => e2.query(s, p), { recentDays: '12', minEvents: '20' });
      const row = out.tables[0].rows[0];
      assert.deepEqual([row[3], row[4]], [40, 30]);
      assert.ok(Number(row[1]) > 0.2, `JSD ${row[1]}`);
      assert.ok(Number(row[2]) >= 0.001, `p ${row[2]}`);
      assert.equal(out.findings.length, 0);
      // the same test with alpha = 1 judges by the divergence alone
      assert.equal(runAnalysis(workingHours, t, (s, p) => e2.query(s, p), { recentDays: '12', minEvents: '20', alpha: '1', threshold: String(Number(row[1]) - 0.001) }).findings.length, 1);
      await e2.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  it('the three are registered and run together through the runner', () => {
    for (const a of [entityBaseline, populationOutliers, workingHours]) assert.ok(ANALYSES.includes(a), a.id);
    const run = runAnalyses(selectAnalyses('entity-baseline,population-outliers,working-hours', ANALYSES), [table], (s: string, p?: SqlValue[]) => engine.query(s, p), { factor: '3', method: 'robust' });
    assert.deepEqual(run.outputs.map((o) => [o.analysis, o.findings[0]?.entity.value]), [
      ['entity-baseline', PLANTED.volumeSpike.user],
      ['population-outliers', PLANTED.populationOutlier.user],
      ['working-hours', PLANTED.workingHoursShift.user],
    ]);
  });
});

describe('event-stream baselines: the arithmetic on small hand-made logs', () => {
  let dir: string;
  before(() => (dir = tmpDir()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('entity-baseline counts quiet days as zeros, compares weekdays with weekdays, and computes its risk as documented', async () => {
    // user a: 2 events a day on 1–10 March except the 5th (none), then 20 on the 12th (nothing on the 11th)
    const rows: object[] = [];
    for (let d = 1; d <= 12; d++) {
      const n = d === 5 || d === 11 ? 0 : d === 12 ? 20 : 2;
      for (let k = 0; k < n; k++) rows.push({ time: `2024-03-${String(d).padStart(2, '0')}T10:${String(k).padStart(2, '0')}:00Z`, user: 'a' });
    }
    // user b: steady, 5 a day
    for (let d = 1; d <= 12; d++) for (let k = 0; k < 5; k++) rows.push({ time: `2024-03-${String(d).padStart(2, '0')}T11:${String(k).padStart(2, '0')}:00Z`, user: 'b' });
    const file = writeJsonl(dir, 'small.jsonl', rows);
    const { engine, tables: [t] } = await indexed([file]);
    const together = runAnalysis(entityBaseline, t, (s, p) => engine.query(s, p), { weekends: 'together' });
    // before the 12th: 9 days × 2 = 18 events over 11 calendar days → 1.636…; an AVG over the 9 days with events would say 2
    assert.equal(together.findings.length, 1);
    assert.equal(together.findings[0].entity.value, 'a');
    assert.equal(together.findings[0].metrics.expandingMean, Number((18 / 11).toFixed(3)));
    assert.equal(together.findings[0].metrics.ratio, Number((20 / (18 / 11)).toFixed(2)));
    assert.equal(together.findings[0].evidence.total, 20);
    // weekends apart (the default): Tuesday the 12th against the weekdays 1, 4–8 and 11 March (2024-03-01 is a Friday):
    // 5 of them with 2 events, the 5th and the 11th quiet → 10 / 7
    const out = runAnalysis(entityBaseline, t, (s, p) => engine.query(s, p));
    assert.equal(out.findings.length, 1);
    const f = out.findings[0];
    assert.equal(f.metrics.expandingMean, Number((10 / 7).toFixed(3)));
    assert.equal(f.metrics.baselineDays, 7);
    // the risk by hand: active on 5 of 7 weekdays → (5 + 1) / (7 + 2); an active day's count negative binomial with the
    // moments of a's 5 active weekdays (2 each) and PRIOR_DAYS (2) of the population's active weekdays (a: 2 ×5 and 20, b: 5 ×8)
    const weekdays = [2, 2, 2, 2, 2, 20, 5, 5, 5, 5, 5, 5, 5, 5];
    const pm = weekdays.reduce((x, v) => x + v, 0) / weekdays.length;
    const pv = weekdays.reduce((x, v) => x + (v - pm) ** 2, 0) / (weekdays.length - 1);
    assert.equal(PRIOR_DAYS, 2);
    const mean = (10 + 2 * pm) / 7;
    const variance = (20 + 2 * (pv + pm * pm)) / 7 - mean * mean;
    const log10p = Math.log10(6 / 9) + log10NegBinomialTail(20, mean, variance);
    // judged: a on the 8th, 9th, 10th and 12th, b on the 8th–12th (7 days of history and two earlier days of their kind)
    assert.equal(f.metrics.tests, 9);
    assert.equal(f.risk, riskFromLog10P(log10p, 9));
    assert.deepEqual([f.risk, f.severity, f.metrics.log10p], [56.9, 'medium', -3.51]);
    // minDays: with 12 days of history required, nothing is judged
    assert.equal(runAnalysis(entityBaseline, t, (s, p) => engine.query(s, p), { minDays: '12' }).findings.length, 0);
    // minCount: 20 events are not enough when 21 are required
    assert.equal(runAnalysis(entityBaseline, t, (s, p) => engine.query(s, p), { minCount: '21' }).findings.length, 0);
    // populationZ: a's 20 stands out among the active days of both users (log10 21 against days of 2 and 5) only at a low bar
    const days = [...new Array(9).fill(2), 20, ...new Array(12).fill(5)].map((v) => Math.log10(1 + v));
    const pop = robustStats(days);
    const z = (Math.log10(21) - pop.median) / pop.scale;
    const withZ = (v: number) => runAnalysis(entityBaseline, t, (s, p) => engine.query(s, p), { populationZ: String(v) }).findings.length;
    assert.equal(withZ(Math.floor(z * 10) / 10), 1, `z ${z}`);
    assert.equal(withZ(Math.ceil(z * 10) / 10), 0, `z ${z}`);
    await engine.dispose();
  });

  it('population-outliers: the log scale, and the mean and population standard deviation (ddof 0) of the rates, computed by hand', async () => {
    // 11 users over the same 2 days: ten with 10 events a day, one with 40
    const rows: object[] = [];
    for (let u = 0; u < 11; u++) for (let d = 1; d <= 2; d++) for (let k = 0; k < (u === 10 ? 40 : 10); k++) rows.push({ time: `2024-03-0${d}T${String(8 + (k % 10)).padStart(2, '0')}:00:${String(k).padStart(2, '0')}Z`, user: `u${u}` });
    const file = writeJsonl(dir, 'pop.jsonl', rows);
    const { engine, tables: [t] } = await indexed([file]);
    // log scale (the default), each rate over at least minDays (7) days: 20 / 7 and 80 / 7; the median of log(1 + rate) is
    // the ten's, its MAD 0, so the scale is 1.2533 × the mean absolute deviation
    const log = runAnalysis(populationOutliers, t, (s, p) => engine.query(s, p));
    const lo = Math.log1p(20 / 7);
    const hi = Math.log1p(80 / 7);
    const scale = 1.2533 * ((hi - lo) / 11);
    assert.deepEqual(log.findings.map((f) => f.entity.value), ['u10']);
    assert.equal(log.findings[0].metrics.z, Number(((hi - lo) / scale).toFixed(2)));
    assert.equal(log.findings[0].metrics.rate, Number((80 / 7).toFixed(3)));
    // risk: Student's t with 10 degrees of freedom among the 11 entities
    assert.equal(log.findings[0].risk, riskFromT((hi - lo) / scale, 11, 11));
    assert.deepEqual([log.findings[0].risk, log.findings[0].severity], [81.8, 'high']);
    const out = runAnalysis(populationOutliers, t, (s, p) => engine.query(s, p), { method: 'zscore', minDays: '1' });
    const rates = [...new Array(10).fill(10), 40];
    const mean = rates.reduce((a, v) => a + v, 0) / rates.length;
    const sd = Math.sqrt(rates.reduce((a, v) => a + (v - mean) ** 2, 0) / rates.length);
    assert.deepEqual(out.findings.map((f) => f.entity.value), ['u10']);
    assert.equal(out.findings[0].metrics.z, Number(((40 - mean) / sd).toFixed(2)));
    assert.equal(out.findings[0].metrics.centre, Number(mean.toFixed(3)));
    assert.equal(out.findings[0].metrics.spread, Number(sd.toFixed(3)));
    await engine.dispose();
  });

  it('runs on a real login log (fixture log.csv): username, datetime', async () => {
    const { engine, tables: [t] } = await indexed([fixture('log.csv')]);
    const run = (a: Analysis, params: Record<string, string> = {}) => runAnalysis(a, t, (s, p) => engine.query(s, p), params);
    // 500 sign-ins of 180 users over 35 hours: no user has the earlier days a baseline needs, so nothing to compare
    assert.deepEqual(engine.query('SELECT count(*), count(DISTINCT username), min(substr(_time, 1, 10)), max(substr(_time, 1, 10)) FROM log').rows, [[500, 180, '2018-11-01', '2018-11-02']]);
    const base = run(entityBaseline);
    assert.deepEqual([base.findings.length, base.tables.map((x) => x.rows.length)], [0, [0, 0]]);
    assert.equal(run(workingHours, { recentDays: '7', minEvents: '5' }).tables[0].rows.length, 0);
    // population-outliers: each rate over minDays (7) days; only the three real users (15, 14, 12 sign-ins) have minCount (10)
    // events, too few for a population, and against the 177 names tried once or twice they would all be "critical"
    const pop = run(populationOutliers);
    assert.deepEqual(pop.findings, []);
    const rates = pop.tables[0];
    assert.match(rates.title, /\(log; 40 of 180, furthest first\); none flagged above it: only 3 usernames have 10 events or more, and 5 make a population$/);
    // with minCount 5 the reference has enough entities: the busiest are then compared with them, not with the one-off names
    assert.ok(run(populationOutliers, { minCount: '5' }).findings.every((f) => f.severity !== 'critical'));
    const counts = new Map(engine.query('SELECT username, count(*) FROM log GROUP BY 1').rows.map((r) => [String(r[0]), Number(r[1])]));
    for (const r of rates.rows) {
      assert.equal(r[3], counts.get(String(r[0])), `${r[0]}: its events`);
      assert.equal(r[1], Number((Number(r[3]) / 7).toFixed(3)), `${r[0]}: events a day over 7 days`);
    }
    assert.deepEqual(rates.rows[0].slice(0, 4), ['hlopez', 2.143, 7.46, 15]);
    await engine.dispose();
  });

  (hasShared ? it : it.skip)('runs on the full login logs of 2018 (shared data): the answers measured on it', async () => {
    const { engine, tables: [t] } = await indexed([path.join(SHARED, 'login-attempts', 'ch11', 'logs_2018.csv')]);
    const run = (a: Analysis) => runAnalysis(a, t, (s, p) => engine.query(s, p));
    assert.equal(t.rows, 38700);
    const base = run(entityBaseline);
    assert.equal(base.findings.length, 117);
    assert.deepEqual(base.findings.slice(0, 3).map((f) => [f.entity.value, f.risk, f.severity]), [['blopez', 86.3, 'high'], ['pbrown', 72.6, 'medium'], ['rsmith', 64.5, 'medium']]);
    // the largest increase in a day: asmith's 23 sign-ins on 2018-03-06, counted here with SQL of the test's own
    assert.deepEqual(base.tables[1].rows[0].slice(0, 3), ['asmith', '2018-03-06', 23]);
    assert.deepEqual(engine.query("SELECT count(*) FROM logs_2018 WHERE username = 'asmith' AND substr(_time, 1, 10) = '2018-03-06'").rows, [[23]]);
    // 1,797 usernames, most of them tried once or twice by guessing: nobody is above the population
    const pop = run(populationOutliers);
    assert.equal(pop.findings.length, 0);
    assert.match(pop.tables[0].title, /40 of 1797/);
    assert.deepEqual(engine.query('SELECT count(DISTINCT username) FROM logs_2018').rows, [[1797]]);
    const hours = run(workingHours);
    assert.equal(hours.findings.length, 0);
    assert.deepEqual(hours.tables[0].rows.map((r) => [r[0], r[1], r[3], r[4]]).slice(0, 2), [['vkim', 0.497, 227, 31], ['bjones', 0.451, 213, 32]]);
    await engine.dispose();
  });
});
