/**
 * Rules that need no training, on per-IP hourly statistics (distinct
 * usernames and failures of each IP in each hour): a fixed threshold, a
 * percentage above the mean or the median of the same hour of the day, Tukey
 * fences, and a z-score. An IP is flagged by a rule when one of its hours
 * exceeds the rule's bound on both usernames and failures (an attacker tries
 * many usernames and fails; a user who forgot a password fails on one). When
 * labelled windows name IPs, each rule's flags are scored against them.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { log10PoissonTail, riskFromLog10P } from '../../findings/triage/risk';
import { findLabelWindows, logSource, readWindows, sourceEvidence } from './source';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const ID = 'login-rules';

interface IpHour {
  ip: string;
  hour: string;
  /** Hour of the day, 0–23: baselines are per hour of the day, as traffic follows the clock. */
  h: number;
  usernames: number;
  failures: number;
  attempts: number;
}

interface Bound {
  usernames: number;
  failures: number;
}

/** `strict`: the value must lie beyond the bound (a Tukey fence), not merely reach it. */
type Rule = { id: string; title: string; bound: (h: number) => Bound; strict?: boolean };

/** Quantile with linear interpolation (pandas' and numpy's default) of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return lo + 1 < sorted.length ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

/** Mean and sample standard deviation (ddof 1, as pandas). */
function meanStd(xs: number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = n ? xs.reduce((s, v) => s + v, 0) / n : NaN;
  const std = n > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

export const loginRules: Analysis = {
  id: ID,
  title: 'Login rules without training',
  description:
    'Per-IP hourly distinct usernames and failures against a threshold, the hourly mean or median plus a percentage, Tukey fences and a z-score; flags IPs, and with labelled windows scores each rule (false-positive and false-negative rates, precision, recall).',
  needs: ['ip', 'user', 'outcome', 'time'],
  timeFromRole: true,
  params: [
    { name: 'minUsernames', description: 'threshold rule: distinct usernames from one IP in an hour', default: 3 },
    { name: 'minFailures', description: 'threshold rule: failures from one IP in an hour', default: 5 },
    { name: 'pct', description: 'mean and median rules: percent above the baseline of the hour of day', default: 100 },
    { name: 'tukeyK', description: 'Tukey rule: fence at Q3 + k × IQR', default: 3 },
    { name: 'z', description: 'z-score rule: standard deviations above the hourly mean', default: 3 },
    { name: 'trim', description: "share of each hour of day's IP-hours with the most usernames left out of the Tukey and z-score baselines (attackers inflate them)", default: 0.05 },
  ],
  run(cx) {
    const src = logSource(cx, false);
    const { ip, user, outcome, time } = src.col as Record<'ip' | 'user' | 'outcome' | 'time', string>;
    const hours: IpHour[] = (
      cx.query(
        `SELECT ${ip}, substr(${time}, 1, 13) AS hr, count(DISTINCT ${user}), coalesce(sum(${src.fail}), 0), count(${outcome})
         FROM ${src.from} WHERE ${ip} IS NOT NULL AND ${time} IS NOT NULL GROUP BY 1, 2 HAVING count(${outcome}) > 0 ORDER BY 1, 2`,
      ).rows as [string, string, number, number, number][]
    ).map(([k, hour, usernames, failures, attempts]) => ({ ip: String(k), hour, h: Number(hour.slice(11, 13)), usernames, failures, attempts }));

    const byHour: IpHour[][] = Array.from({ length: 24 }, () => []);
    for (const x of hours) if (x.h >= 0 && x.h < 24) byHour[x.h].push(x);
    const trim = Math.min(Math.max(cx.num('trim'), 0), 0.5);
    const col = (xs: IpHour[], k: 'usernames' | 'failures') => xs.map((x) => x[k]).sort((a, b) => a - b);
    const trimmed = byHour.map((xs) => [...xs].sort((a, b) => a.usernames - b.usernames || a.failures - b.failures).slice(0, xs.length - Math.floor(trim * xs.length)));
    const stats = (sets: IpHour[][], f: (v: number[]) => number) => sets.map((xs) => ({ usernames: f(col(xs, 'usernames')), failures: f(col(xs, 'failures')) }));
    const mean = stats(byHour, (v) => meanStd(v).mean);
    const median = stats(byHour, (v) => quantile(v, 0.5));
    const k = cx.num('tukeyK');
    const fence = stats(trimmed, (v) => quantile(v, 0.75) + k * (quantile(v, 0.75) - quantile(v, 0.25)));
    const z = cx.num('z');
    const zBound = stats(trimmed, (v) => {
      const { mean: m, std } = meanStd(v);
      // no spread, no z-score: then only a value above the mean stands out
      return std > 0 ? m + z * std : m + 1e-9;
    });
    const pct = 1 + cx.num('pct') / 100;
    const rules: Rule[] = [
      { id: 'threshold', title: `≥ ${cx.num('minUsernames')} usernames and ≥ ${cx.num('minFailures')} failures in an hour`, bound: () => ({ usernames: cx.num('minUsernames'), failures: cx.num('minFailures') }) },
      { id: 'mean', title: `${cx.num('pct')} % above the hourly mean`, bound: (h) => ({ usernames: mean[h].usernames * pct, failures: mean[h].failures * pct }) },
      { id: 'median', title: `${cx.num('pct')} % above the hourly median`, bound: (h) => ({ usernames: median[h].usernames * pct, failures: median[h].failures * pct }) },
      { id: 'tukey', title: `beyond Q3 + ${k} × IQR (Tukey fence)`, bound: (h) => fence[h], strict: true },
      { id: 'zscore', title: `z-score ≥ ${z}`, bound: (h) => zBound[h] },
    ];

    // an IP is flagged by a rule at its hours beyond the bound on both measures; the worst such hour is its evidence
    const flagged = new Map<string, Map<string, IpHour>>(); // rule → ip → worst hour
    for (const r of rules) {
      const mine = new Map<string, IpHour>();
      for (const x of hours) {
        const b = r.bound(x.h);
        // a failure count of 0 never crosses a bound of 0: a rule flags failing IPs
        if (x.failures === 0) continue;
        if (r.strict ? x.usernames <= b.usernames || x.failures <= b.failures : x.usernames < b.usernames || x.failures < b.failures) continue;
        const w = mine.get(x.ip);
        if (!w || x.usernames + x.failures > w.usernames + w.failures) mine.set(x.ip, x);
      }
      flagged.set(r.id, mine);
    }

    const labelTables = findLabelWindows(cx.table, cx.tables()).filter((l) => l.entityRole === 'ip');
    const attackers = new Set(readWindows(cx.query, labelTables).map((w) => w.entity).filter((e): e is string => !!e));
    const ips = new Set(hours.map((x) => x.ip));
    const labelled = attackers.size > 0;
    const positives = [...ips].filter((x) => attackers.has(x)).length;
    const negatives = ips.size - positives;

    const ruleRows: SqlValue[][] = [];
    for (const r of rules) {
      const mine = flagged.get(r.id)!;
      const row: SqlValue[] = [r.id, r.title, mine.size];
      if (labelled) {
        let tp = 0;
        for (const x of mine.keys()) if (attackers.has(x)) tp++;
        const fp = mine.size - tp;
        const fn = positives - tp;
        const tn = negatives - fp;
        const div = (a: number, b: number) => (b ? round(a / b) : null);
        // as the book: false-positive rate fp / (fp + tn), false-discovery rate fp / (fp + tp), false-negative rate fn / (fn + tp)
        row.push(tp, fp, fn, tn, div(fp, fp + tn), div(fp, fp + tp), div(fn, fn + tp), div(tp, tp + fp), div(tp, tp + fn), div(2 * tp, 2 * tp + fp + fn));
      }
      ruleRows.push(row);
    }

    // risk: an hour beyond the rules is only as surprising as the weaker of its two measures under the trimmed mean of its hour of day (Poisson), among the IP-hours
    const poissonMean = trimmed.map((xs) => ({
      extra: Math.max(0.5, xs.reduce((t, x) => t + Math.max(0, x.usernames - 1), 0)) / Math.max(1, xs.length),
      failures: Math.max(0.5, xs.reduce((t, x) => t + x.failures, 0)) / Math.max(1, xs.length),
    }));
    const hourLog10p = (x: IpHour) => {
      const m = poissonMean[x.h];
      const tail = (k: number, lambda: number) => (k > lambda ? log10PoissonTail(k, lambda) : 0);
      return Math.max(tail(x.usernames - 1, m.extra), tail(x.failures, m.failures));
    };
    const worstHour = new Map<string, { x: IpHour; log10p: number }>();
    for (const r of rules) {
      for (const [k, x] of flagged.get(r.id)!) {
        const l = hourLog10p(x);
        const w = worstHour.get(k);
        if (!w || l < w.log10p) worstHour.set(k, { x, log10p: l });
      }
    }
    const findings: Finding[] = [];
    for (const x of ips) {
      const by = rules.filter((r) => flagged.get(r.id)!.has(x));
      if (!by.length) continue;
      const { x: worst, log10p } = worstHour.get(x)!;
      const m = poissonMean[worst.h];
      const score = by.length;
      findings.push({
        id: findingId(ID, cx.table.table, 'ip', x),
        analysis: ID,
        entity: { kind: 'ip', value: x },
        score,
        risk: riskFromLog10P(log10p, hours.length),
        severity: 'info',
        reason: `${x} is flagged by ${by.length} of ${rules.length} rules (${by.map((r) => `${r.id}: ${r.title}`).join('; ')}); worst hour ${worst.hour}:00: ${worst.usernames} distinct usernames, ${worst.failures} failures of ${worst.attempts} attempts, where an ordinary IP-hour at ${String(worst.h).padStart(2, '0')}h has ${sig(1 + m.extra)} usernames and ${sig(m.failures)} failures (Poisson tail of the weaker measure p ≈ ${pText(log10p)} among ${hours.length} IP-hours)`,
        metrics: { rules: by.map((r) => r.id).join(','), rulesFlagging: by.length, worstHour: worst.hour, usernames: worst.usernames, failures: worst.failures, attempts: worst.attempts, ...(labelled ? { labelledAttacker: attackers.has(x) ? 1 : 0 } : {}) },
        // the failed attempts of the worst hour: the rows that break the rules
        evidence: sourceEvidence(cx, src, `${ip} = ? AND ${src.fail} AND substr(${time}, 1, 13) = ?`, [x, worst.hour]),
        window: { start: `${worst.hour}:00:00Z`.replace(' ', 'T'), end: new Date(Date.parse(`${worst.hour.replace(' ', 'T')}:00:00Z`) + 3600_000).toISOString() },
        explain: { baseline: `ordinary IP-hours at ${String(worst.h).padStart(2, '0')}h (the ${Math.round(100 * trim)} % with the most usernames left out): ${sig(1 + m.extra)} usernames, ${sig(m.failures)} failures on average` },
      });
    }

    const baselineRows: SqlValue[][] = byHour.map((xs, h) => [h, xs.length, round(mean[h].usernames), round(mean[h].failures), median[h].usernames, median[h].failures, round(fence[h].usernames), round(fence[h].failures), round(zBound[h].usernames), round(zBound[h].failures)]);
    const columns = ['rule', 'flags an IP when one of its hours has', 'IPs flagged', ...(labelled ? ['TP', 'FP', 'FN', 'TN', 'false-positive rate', 'false-discovery rate', 'false-negative rate', 'precision', 'recall', 'F1'] : [])];
    return {
      findings,
      tables: [
        { title: labelled ? `Rules compared (${positives} labelled attacker IPs of ${ips.size})` : 'Rules', columns, rows: ruleRows },
        {
          title: 'Hourly baselines per hour of day (IP-hours)',
          columns: ['hour of day', 'IP-hours', 'mean usernames', 'mean failures', 'median usernames', 'median failures', 'Tukey fence usernames', 'Tukey fence failures', 'z bound usernames', 'z bound failures'],
          rows: baselineRows,
        },
        {
          title: 'IPs flagged, by rule',
          columns: ['ip', ...rules.map((r) => r.id), ...(labelled ? ['labelled attacker'] : [])],
          rows: findings
            .sort((a, b) => b.score - a.score)
            .map((f) => [f.entity.value, ...rules.map((r) => (flagged.get(r.id)!.has(f.entity.value) ? 1 : 0)), ...(labelled ? [attackers.has(f.entity.value) ? 1 : 0] : [])]),
        },
      ],
      charts: [labelled ? rateChart(ruleRows, columns) : countChart(ruleRows)],
    };
  },
};

const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(4)) : x);
const sig = (x: number) => Number(x.toPrecision(3));
const pText = (log10p: number) => (log10p > -3 ? (10 ** log10p).toPrecision(2) : `1e${Math.round(log10p)}`);

function countChart(rows: SqlValue[][]) {
  return {
    title: 'IPs flagged per rule',
    spec: {
      $schema: VL,
      data: { values: rows.map((r) => ({ rule: r[0], ips: r[2] })) },
      mark: 'bar',
      encoding: { y: { field: 'rule', type: 'nominal', sort: null, title: null }, x: { field: 'ips', type: 'quantitative', title: 'IPs flagged' } },
    },
  };
}

function rateChart(rows: SqlValue[][], columns: string[]) {
  const rates = ['false-positive rate', 'false-negative rate', 'precision', 'recall'];
  const values = rows.flatMap((r) => rates.map((m) => ({ rule: r[0], measure: m, value: r[columns.indexOf(m)] })));
  return {
    title: 'Rules against the labels',
    spec: {
      $schema: VL,
      data: { values },
      facet: { column: { field: 'measure', type: 'nominal', title: null, sort: rates } },
      spec: {
        width: 140,
        height: { step: 18 },
        mark: 'bar',
        encoding: {
          y: { field: 'rule', type: 'nominal', sort: null, title: null },
          x: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: null },
          color: { field: 'rule', type: 'nominal', legend: null },
          tooltip: [{ field: 'rule' }, { field: 'measure' }, { field: 'value', format: '.3f' }],
        },
      },
    },
  };
}
