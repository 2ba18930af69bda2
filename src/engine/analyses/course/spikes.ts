/**
 * Spikes over time with Bollinger bands: requests per day, overall and per
 * user, against an exponential moving average and k standard deviations
 * (pandas' ewm(span).mean() and .std(), bands including the day itself, as
 * the usual Bollinger %b recipe does). %b above 1 flags a day.
 *
 * Risk (docs/risk/course.md): the day's z = (n − average) / σ = k·(2·%b − 1),
 * the normal upper tail among the days tested (the log's days; for users, the
 * days of the users whose busiest day reaches minRequests).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { riskFromZ, RISK_BANDS } from '../../findings/triage/risk';
import { evidenceOf, fmt, isoDay, logData, NO_DAY, VL } from './courseData';

/** pandas' ewm(span=span).mean() and .std() (adjust=True, bias=False): weights (1 − α)^age, α = 2 / (span + 1). */
export function ewm(xs: ArrayLike<number>, span: number): { mean: Float64Array; std: Float64Array } {
  const r = 1 - 2 / (span + 1);
  const mean = new Float64Array(xs.length);
  const std = new Float64Array(xs.length);
  let s1 = 0;
  let s2 = 0;
  let sx = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    s1 = s1 * r + 1;
    s2 = s2 * r * r + 1;
    sx = sx * r + x;
    sxx = sxx * r + x * x;
    const m = sx / s1;
    mean[i] = m;
    const denom = s1 * s1 - s2;
    const biased = Math.max(0, sxx / s1 - m * m);
    std[i] = denom > 0 ? Math.sqrt((biased * s1 * s1) / denom) : NaN;
  }
  return { mean, std };
}

export interface Band {
  day: number;
  n: number;
  mean: number;
  upper: number;
  lower: number;
  /** %b: where the count lies between the lower (0) and upper (1) band; NaN while the spread is unknown or 0. */
  b: number;
}

/** Bollinger bands over a daily series that starts at firstDay. */
export function bands(counts: ArrayLike<number>, firstDay: number, span: number, k: number): Band[] {
  const { mean, std } = ewm(counts, span);
  const out: Band[] = [];
  for (let i = 0; i < counts.length; i++) {
    const s = std[i];
    const upper = mean[i] + k * s;
    const lower = mean[i] - k * s;
    out.push({ day: firstDay + i, n: counts[i], mean: mean[i], upper, lower, b: s > 0 ? (counts[i] - lower) / (upper - lower) : NaN });
  }
  return out;
}

/**
 * Each day against the same weekday of the weeks before (the median of up to `weeks` of them, at
 * least 4): log(1 + n) − log(1 + median), divided by the robust σ of that ratio over the log's days
 * (at least 0.1: day-to-day wobble under 10 % is no spread to trust). Bollinger bands over a
 * weekday/weekend series are wide (the weekend dips are their σ) and include the day itself; a
 * Wednesday at 2.5× the Wednesdays before stands out here. NaN where there are too few weeks.
 */
export function weekdayZ(counts: ArrayLike<number>, weeks = 8): { base: Float64Array; z: Float64Array } {
  const n = counts.length;
  const base = new Float64Array(n).fill(NaN);
  const ratio = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const prev: number[] = [];
    for (let j = 1; j <= weeks && i - 7 * j >= 0; j++) prev.push(counts[i - 7 * j]);
    if (prev.length < 4) continue;
    prev.sort((a, b) => a - b);
    const m = prev.length % 2 ? prev[prev.length >> 1] : (prev[(prev.length >> 1) - 1] + prev[prev.length >> 1]) / 2;
    base[i] = m;
    ratio[i] = Math.log1p(counts[i]) - Math.log1p(m);
  }
  const rs = [...ratio].filter((r) => !Number.isNaN(r)).sort((a, b) => a - b);
  const med = (xs: number[]) => (xs.length ? (xs.length % 2 ? xs[xs.length >> 1] : (xs[(xs.length >> 1) - 1] + xs[xs.length >> 1]) / 2) : 0);
  const centre = med(rs);
  const scale = Math.max(0.1, 1.4826 * med(rs.map((r) => Math.abs(r - centre)).sort((a, b) => a - b)));
  const z = ratio.map((r) => (Number.isNaN(r) ? NaN : (r - centre) / scale));
  return { base, z };
}

const round = (v: number, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);

function chart(title: string, series: Band[]): { title: string; spec: Record<string, unknown> } {
  const values = series.map((x) => ({ day: isoDay(x.day), n: x.n, mean: round(x.mean), upper: round(x.upper), lower: round(Math.max(0, x.lower)), flagged: x.b > 1 }));
  const x = { field: 'day', type: 'temporal', title: null };
  return {
    title,
    spec: {
      $schema: VL,
      data: { values },
      width: 640,
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x, y: { field: 'lower', type: 'quantitative', title: 'requests per day' }, y2: { field: 'upper' } } },
        { mark: { type: 'line', strokeDash: [4, 3] }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
        { mark: { type: 'line', strokeWidth: 1 }, encoding: { x, y: { field: 'n', type: 'quantitative' }, tooltip: [{ field: 'day', type: 'temporal' }, { field: 'n' }, { field: 'mean' }, { field: 'upper' }] } },
        { transform: [{ filter: 'datum.flagged' }], mark: { type: 'point', filled: true, color: 'red', size: 50 }, encoding: { x, y: { field: 'n', type: 'quantitative' }, tooltip: [{ field: 'day', type: 'temporal' }, { field: 'n' }, { field: 'upper' }] } },
      ],
    },
  };
}

export const spikes: Analysis = {
  id: 'spikes',
  title: 'Spikes over time (Bollinger bands)',
  description:
    'Requests per day, overall and per user, against an exponential moving average (span days) and k exponentially weighted standard deviations; a day whose %b is above 1 (above the upper band) is flagged. Days without requests count as 0 between the first and the last day.',
  needs: ['time'],
  params: [
    { name: 'span', description: 'span of the exponential moving average, in days', default: 30 },
    { name: 'k', description: 'standard deviations from the average to the bands', default: 3 },
    { name: 'minRequests', description: "fewest requests on a user's flagged day for a finding on the user", default: 100 },
  ],
  run(cx) {
    const data = logData(cx);
    const T = data.time();
    const span = Math.max(1, cx.num('span'));
    const k = cx.num('k');
    const minRequests = cx.num('minRequests');
    const findings: Finding[] = [];
    if (T.firstDay === NO_DAY) return { findings, tables: [], charts: [] };
    const counts = new Float64Array(T.lastDay - T.firstDay + 1);
    for (const line of data.lines) if (T.day[line] !== NO_DAY) counts[T.day[line] - T.firstDay]++;
    const overall = bands(counts, T.firstDay, span, k);
    const weekday = weekdayZ(counts);
    const dayRows: SqlValue[][] = [];
    for (const [i, x] of overall.entries()) {
      const wz = weekday.z[i];
      const wRisk = wz > 0 ? riskFromZ(wz, overall.length) : 0;
      const byWeekday = wRisk >= RISK_BANDS.medium;
      if (!(x.b > 1) && !byWeekday) continue;
      const z = x.b > 1 ? k * (2 * x.b - 1) : 0;
      const day = isoDay(x.day);
      const weekdayText = byWeekday ? `${(x.n / Math.max(1, weekday.base[i])).toFixed(1)}× the median of the same weekday in the weeks before (${fmt(weekday.base[i])})` : '';
      findings.push({
        id: findingId('spikes', cx.table.table, 'window', day),
        analysis: 'spikes',
        entity: { kind: 'window', value: day },
        score: Math.min(20, Math.max(z, byWeekday ? wz : 0)),
        risk: Math.max(z > 0 ? riskFromZ(z, overall.length) : 0, byWeekday ? wRisk : 0),
        severity: 'info',
        reason: `${fmt(x.n)} requests on ${day}, ${x.b > 1 ? `above the upper band ${x.upper.toFixed(1)} (moving average ${x.mean.toFixed(1)} + ${k} × ${((x.upper - x.mean) / k).toFixed(1)}); %b ${x.b.toFixed(2)}` : `%b ${x.b.toFixed(2)}`}${weekdayText ? `${x.b > 1 ? '; ' : ', '}${weekdayText}` : ''}`,
        metrics: { day, requests: x.n, average: round(x.mean), upper: round(x.upper), percentB: round(x.b, 3), weekdayMedian: Number.isNaN(weekday.base[i]) ? null : weekday.base[i], weekdayZ: Number.isNaN(wz) ? null : round(wz) },
        evidence: evidenceOf(cx, data.lines, (line) => T.day[line] === x.day, '_time >= ? AND _time < ?', [day, isoDay(x.day + 1)]),
      });
      dayRows.push([day, x.n, round(x.mean), round(x.upper), round(x.b, 3)]);
    }
    const charts = [chart('Requests per day with Bollinger bands', overall)];
    const userRows: SqlValue[][] = [];
    const pending: { f: Finding; z: number }[] = [];
    let userDays = 0;
    if (cx.column('user')) {
      const U = data.key('user');
      const usr = cx.col('user');
      let worstUser: { series: Band[]; u: SqlValue; b: number } | undefined;
      for (let uc = 0; uc < U.keys.length; uc++) {
        if (uc === U.nullCode) continue;
        const lines = U.linesOf(uc);
        let lo = Infinity;
        let hi = -Infinity;
        for (const line of lines) {
          const d = T.day[line];
          if (d === NO_DAY) continue;
          if (d < lo) lo = d;
          if (d > hi) hi = d;
        }
        if (!(hi >= lo)) continue;
        const c = new Float64Array(hi - lo + 1);
        let max = 0;
        for (const line of lines) if (T.day[line] !== NO_DAY) max = Math.max(max, ++c[T.day[line] - lo]);
        if (max < minRequests) continue; // no day can qualify
        userDays += c.length;
        const series = bands(c, lo, span, k);
        const flagged = series.filter((x) => x.b > 1 && x.n >= minRequests);
        if (!flagged.length) continue;
        const worst = flagged.reduce((a, b) => (b.b > a.b ? b : a));
        const u = U.keys[uc];
        const z = Math.min(20, k * (2 * worst.b - 1));
        const day = isoDay(worst.day);
        const f: Finding = {
          id: findingId('spikes', cx.table.table, 'user', String(u)),
          analysis: 'spikes',
          entity: { kind: 'user', value: String(u) },
          score: z,
          severity: 'info',
          window: { start: `${day}T00:00:00Z`, end: `${isoDay(worst.day + 1)}T00:00:00Z` },
          // the day itself: a flagged day of the log and the user who made it are one incident
          related: [{ kind: 'window', value: day }],
          reason: `user ${u}: ${fmt(worst.n)} requests on ${day}, above the upper band ${worst.upper.toFixed(1)} of the user's own daily requests (moving average ${worst.mean.toFixed(1)}); %b ${worst.b.toFixed(2)}${flagged.length > 1 ? `; ${flagged.length} such days` : ''}`,
          metrics: { day, requests: worst.n, average: round(worst.mean), upper: round(worst.upper), percentB: round(worst.b, 3), flaggedDays: flagged.length },
          evidence: evidenceOf(cx, lines, (line) => T.day[line] === worst.day, `${usr} = ? AND _time >= ? AND _time < ?`, [u, day, isoDay(worst.day + 1)]),
        };
        findings.push(f);
        pending.push({ f, z });
        userRows.push([u, day, worst.n, round(worst.mean), round(worst.upper), round(worst.b, 3), flagged.length]);
        if (!worstUser || worst.b > worstUser.b) worstUser = { series, u, b: worst.b };
      }
      // the users' days tested are known only now
      for (const { f, z } of pending) f.risk = riskFromZ(z, userDays);
      if (worstUser) charts.push(chart(`Requests per day of user ${worstUser.u} (the highest %b)`, worstUser.series));
    }
    userRows.sort((a, b) => Number(b[5]) - Number(a[5]));
    return {
      findings,
      tables: [
        { title: 'Flagged days (%b > 1)', columns: ['day', 'requests', 'moving average', 'upper band', '%b'], rows: dayRows },
        { title: `Users with a flagged day of at least ${minRequests} requests`, columns: ['user', 'day', 'requests', 'moving average', 'upper band', '%b', 'flagged days'], rows: userRows },
      ],
      charts,
    };
  },
};
