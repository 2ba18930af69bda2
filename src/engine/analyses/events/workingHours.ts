import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { fmt } from './baselineColumns';
import { lnGamma, riskFromLog10P, severityOfRisk } from '../../findings/triage/risk';
import { isoUtc } from '../../findings/windows';
import { targetedUsernames } from '../login/accounts';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shannon entropy in bits of a distribution (shares summing to 1). */
export function entropyBits(p: readonly number[]): number {
  let h = 0;
  for (const x of p) if (x > 0) h -= x * Math.log2(x);
  return h;
}

/** Jensen–Shannon divergence in bits (0 for equal distributions, 1 for disjoint ones). */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const m = p.map((x, i) => (x + q[i]) / 2);
  return Math.max(0, entropyBits(m) - (entropyBits(p) + entropyBits(q)) / 2);
}

/** The circular mean of an hour-of-day profile (23:00 and 01:00 average to midnight, not noon). */
export function typicalHour(p: readonly number[]): number {
  let s = 0;
  let c = 0;
  p.forEach((x, h) => {
    s += x * Math.sin((2 * Math.PI * (h + 0.5)) / 24);
    c += x * Math.cos((2 * Math.PI * (h + 0.5)) / 24);
  });
  const a = Math.atan2(s, c);
  return (((a * 24) / (2 * Math.PI)) % 24 + 24) % 24;
}

/** The upper regularized incomplete gamma function Q(a, x): a series below a + 1, a continued fraction above (Numerical Recipes 6.2). */
function gammaQ(a: number, x: number): number {
  return Math.exp(lnGammaQ(a, x));
}

/** ln Q(a, x), accurate where Q is far below a double's range (the continued fraction's side). */
function lnGammaQ(a: number, x: number): number {
  if (x <= 0) return 0;
  const lead = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.log(Math.max(1e-300, 1 - sum * Math.exp(lead)));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(0, lead + Math.log(h));
}

/** P(X ≥ x) for X chi-square distributed with df degrees of freedom. */
export function chiSquareSurvival(x: number, df: number): number {
  return df <= 0 ? 1 : gammaQ(df / 2, x / 2);
}

/** log10 P(X ≥ x) for X chi-square distributed with df degrees of freedom (far into the tail). */
export function log10ChiSquareSurvival(x: number, df: number): number {
  return df <= 0 ? 0 : lnGammaQ(df / 2, x / 2) / Math.LN10;
}

/**
 * The G-test of homogeneity of two count profiles (a 2 × k table): G and
 * its p-value (chi-square with k − 1 degrees of freedom over the bins that
 * have any count). Small windows give a large divergence by chance alone; the
 * test says whether the data can tell.
 */
export function gTest(a: readonly number[], b: readonly number[]): { g: number; df: number; p: number; log10p: number } {
  const na = a.reduce((s, v) => s + v, 0);
  const nb = b.reduce((s, v) => s + v, 0);
  const n = na + nb;
  let g = 0;
  let bins = 0;
  for (let i = 0; i < a.length; i++) {
    const col = a[i] + b[i];
    if (col === 0) continue;
    bins++;
    if (a[i] > 0) g += a[i] * Math.log((a[i] * n) / (col * na));
    if (b[i] > 0) g += b[i] * Math.log((b[i] * n) / (col * nb));
  }
  g *= 2;
  const df = bins - 1;
  return { g, df, p: chiSquareSurvival(g, df), log10p: log10ChiSquareSurvival(g, df) };
}


const hhmm = (h: number) => `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.floor((h % 1) * 60)).padStart(2, '0')}`;

/**
 * A shift in working hours: per user, the hour-of-day profile (UTC) of the
 * last `recentDays` days against the profile of the days before them. The
 * Jensen–Shannon divergence measures how different the two are (0 to 1
 * bit); the entropy change says whether the hours spread out or narrowed.
 * A user is flagged when the divergence passes the threshold and a G-test
 * says the two windows really differ (a few dozen events spread over 24
 * hours diverge by 0.3–0.5 bits by chance alone). The test counts each hour
 * of each day a user was active once (the events of one burst are not
 * independent draws).
 *
 * Risk (docs/risk/events.md): the G-test's p-value, among the users judged.
 */
export const workingHours: Analysis = {
  id: 'working-hours',
  title: 'Shift in working hours',
  description: 'Per user, the hour-of-day profile of the last recentDays days against the days before; flags users whose profiles differ by more than the threshold (Jensen–Shannon divergence, bits), with the entropy change and both profiles charted.',
  needs: ['user', 'time'],
  params: [
    { name: 'recentDays', description: 'the recent window: the last this many days of the table', default: 14 },
    { name: 'threshold', description: 'Jensen–Shannon divergence (bits, 0–1) from which a user is flagged', default: 0.2 },
    { name: 'minEvents', description: 'fewest events a user needs in each window to be judged', default: 30 },
    { name: 'alpha', description: 'and the G-test of the two profiles must give a p-value below this (small windows differ by chance)', default: 0.001 },
    { name: 'top', description: 'users in the table; flagged users charted (at most 8)', default: 40 },
  ],
  run(cx) {
    const usr = cx.col('user');
    const recentDays = cx.num('recentDays');
    const threshold = cx.num('threshold');
    const minEvents = cx.num('minEvents');
    const alpha = cx.num('alpha');
    const top = Math.max(1, Math.floor(cx.num('top')));
    const [firstTime, last] = cx.query(`SELECT min(_time), max(_time) FROM ${cx.t}`).rows[0] as [string | null, string | null];
    if (!last || !firstTime) return { findings: [], tables: [], charts: [] };
    // the window is the last recentDays × 24 h, up to the last event; datetime() normalizes a fractional-second _time too
    const cutoff = String(cx.query(`SELECT datetime(?, ?)`, [last, `-${recentDays} days`]).rows[0][0]);
    // +column: SQLite's no-op unary plus keeps the planner off the column's index; walking the index to group would fetch every row at random (several times slower than a scan and a sort in sql.js)
    const rows = cx.query(
      `SELECT +${usr}, CAST(substr(_time, 12, 2) AS INTEGER), _time > ?, count(*), count(DISTINCT substr(_time, 1, 10)) FROM ${cx.t} WHERE +${usr} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2, 3`,
      [cutoff],
    ).rows as [SqlValue, number, number, number, number][];
    const users = new Map<string, { key: SqlValue; base: number[]; recent: number[]; baseHours: number[]; recentHours: number[] }>();
    const zeros = () => new Array<number>(24).fill(0);
    for (const [u, h, recent, n, days] of rows) {
      const k = String(u);
      const x = users.get(k) ?? { key: u, base: zeros(), recent: zeros(), baseHours: zeros(), recentHours: zeros() };
      (recent ? x.recent : x.base)[h] += n;
      (recent ? x.recentHours : x.baseHours)[h] += days;
      users.set(k, x);
    }
    const share = (c: number[]) => {
      const n = c.reduce((a, v) => a + v, 0);
      return c.map((v) => (n ? v / n : 0));
    };
    const judged: { user: string; key: SqlValue; nb: number; nr: number; jsd: number; p: number; log10p: number; g: number; hb: number; hr: number; tb: number; tr: number; pb: number[]; pr: number[] }[] = [];
    for (const [user, x] of users) {
      const nb = x.base.reduce((a, v) => a + v, 0);
      const nr = x.recent.reduce((a, v) => a + v, 0);
      if (nb < minEvents || nr < minEvents) continue;
      const pb = share(x.base);
      const pr = share(x.recent);
      // the test counts each hour of each day a user was active once: the events of one burst are not independent draws
      const t = gTest(x.baseHours, x.recentHours);
      judged.push({ user, key: x.key, nb, nr, jsd: jensenShannon(pb, pr), p: t.p, log10p: t.log10p, g: t.g, hb: entropyBits(pb), hr: entropyBits(pr), tb: typicalHour(pb), tr: typicalHour(pr), pb, pr });
    }
    judged.sort((a, b) => b.jsd - a.jsd || a.user.localeCompare(b.user));
    const findings: Finding[] = [];
    let targeted: Map<string, { context: import('../../findings/model').BenignContext }> | undefined;
    for (const j of judged) {
      if (j.jsd < threshold) break;
      if (j.p >= alpha) continue;
      // 3 at the threshold, 10 for profiles with nothing in common
      const score = 3 + (7 * (j.jsd - threshold)) / Math.max(1e-9, 1 - threshold);
      const risk = riskFromLog10P(j.log10p, judged.length);
      // the evidence: the recent events at hours the user now works more than before
      const more = j.pr.map((p, h) => (p > j.pb[h] ? h : -1)).filter((h) => h >= 0);
      const dH = j.hr - j.hb;
      // a username that attackers try works "odd hours" because they do: benign context from the login analyses (analyses/login/accounts.ts)
      targeted ??= cx.column('outcome') && cx.column('ip') ? targetedUsernames(cx).targeted : new Map();
      const tried = targeted.get(String(j.user));
      findings.push({
        id: findingId('working-hours', cx.table.table, 'user', j.user),
        analysis: 'working-hours',
        entity: { kind: 'user', value: j.user },
        score,
        severity: severityOfRisk(risk),
        risk,
        reason: `${j.user} works different hours in the last ${recentDays} days (${fmt(j.nr)} events) than before (${fmt(j.nb)} events): Jensen–Shannon divergence ${j.jsd.toFixed(2)} bits (threshold ${fmt(threshold)}; G-test of the active hours p ${j.log10p < -12 ? '< 1e-12' : j.p.toExponential(1)}, ${judged.length} users judged); the typical hour moved from ${hhmm(j.tb)} to ${hhmm(j.tr)} UTC; entropy ${j.hb.toFixed(2)} → ${j.hr.toFixed(2)} bits (${dH >= 0 ? '+' : ''}${dH.toFixed(2)}, ${dH > 0.1 ? 'more spread out' : dH < -0.1 ? 'narrower' : 'about as spread'})`,
        metrics: { jsd: Number(j.jsd.toFixed(4)), gTestP: Number(j.p.toPrecision(3)), log10p: Number(j.log10p.toFixed(2)), tests: judged.length, baselineEvents: j.nb, recentEvents: j.nr, entropyBaseline: Number(j.hb.toFixed(3)), entropyRecent: Number(j.hr.toFixed(3)), entropyChange: Number(dH.toFixed(3)), typicalHourBaseline: Number(j.tb.toFixed(2)), typicalHourRecent: Number(j.tr.toFixed(2)), recentSince: cutoff },
        evidence: cx.evidence(`${usr} = ? AND _time > ? AND CAST(substr(_time, 12, 2) AS INTEGER) IN (${more.map(() => '?').join(', ') || 'NULL'})`, [j.key, cutoff, ...more]),
        window: { start: isoUtc(cutoff), end: isoUtc(last) },
        explain: {
          baseline: `before ${cutoff.slice(0, 10)}: typically ${hhmm(j.tb)} UTC (${fmt(j.nb)} events)`,
          counterfactual: `It would not be flagged with profiles less than ${fmt(threshold)} bits apart.`,
        },
        ...(tried ? { context: [tried.context] } : {}),
      });
    }
    const flaggedUsers = new Set(findings.map((f) => f.entity.value));
    const charted = judged.filter((j) => flaggedUsers.has(j.user)).slice(0, 8);
    return {
      findings,
      tables: [
        {
          title: `Hour-of-day profiles: the last ${recentDays} days (since ${cutoff}) against ${firstTime.slice(0, 10)} – ${cutoff.slice(0, 10)}, most changed first`,
          columns: ['user', 'JS divergence (bits)', 'G-test p', 'events before', 'events recent', 'entropy before', 'entropy recent', 'typical hour before (UTC)', 'typical hour recent (UTC)'],
          rows: judged.slice(0, top).map((j) => [j.user, Number(j.jsd.toFixed(3)), Number(j.p.toPrecision(3)), j.nb, j.nr, Number(j.hb.toFixed(2)), Number(j.hr.toFixed(2)), hhmm(j.tb), hhmm(j.tr)]),
        },
      ],
      charts: charted.length
        ? [
            {
              title: 'Hour-of-day profiles of the flagged users: before and recent',
              spec: {
                $schema: VL,
                data: {
                  values: charted.flatMap((j) =>
                    j.pb.flatMap((p, h) => [
                      { user: j.user, hour: h, share: Number(p.toFixed(4)), window: 'before' },
                      { user: j.user, hour: h, share: Number(j.pr[h].toFixed(4)), window: `last ${recentDays} days` },
                    ]),
                  ),
                },
                facet: { row: { field: 'user', type: 'nominal', title: null } },
                spec: {
                  width: 480,
                  height: 100,
                  mark: 'bar',
                  encoding: {
                    x: { field: 'hour', type: 'ordinal', title: 'hour of day (UTC)' },
                    xOffset: { field: 'window', type: 'nominal' },
                    y: { field: 'share', type: 'quantitative', title: 'share of events', axis: { format: '%' } },
                    color: { field: 'window', type: 'nominal', title: null, scale: { domain: ['before', `last ${recentDays} days`] } },
                    tooltip: [{ field: 'user' }, { field: 'window' }, { field: 'hour' }, { field: 'share', format: '.1%' }],
                  },
                },
              },
            },
          ]
        : [],
    };
  },
};
