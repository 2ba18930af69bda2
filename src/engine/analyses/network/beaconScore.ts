/**
 * RITA's beacon score for one source → destination (port) pair, from the
 * times and sizes of its connections (activecm/rita, beacon analysis):
 *
 * - interval skew: 1 − |Bowley skew| of the gaps between connections
 *   ((Q1 + Q3 − 2·Q2) / (Q3 − Q1)); jitter that is symmetric keeps it at 1;
 * - interval MAD: 1 − MAD / median of the gaps (RITA divides the MAD by a
 *   fixed 30 s; relative to the median it means the same for a 10 s and a
 *   1 h beacon);
 * - connection count: the beats seen over the beats a beacon at the median
 *   gap would make over the pair's span (missing beats lower it a little);
 * - sizes: 1 − |Bowley skew| and 1 − MAD / median of the bytes sent, averaged
 *   (a beacon sends the same small check-in each time);
 * - hours: the share of the capture's hours of the day in which the pair is
 *   active (a beacon does not sleep at night; a person does).
 *
 * score = ½ · mean(skew, MAD, count) + ¼ · sizes + ¼ · hours, 0–1.
 *
 * Risk (docs/risk/network.md) tests the regularity against random arrivals:
 * under a Poisson process with the pair's own rate, a gap falls within ±25 %
 * of the median gap with probability 2^−0.75 − 2^−1.25 ≈ 0.174. Gaps of 1.5
 * medians or more (a missed beat, a pause) are neither counted nor held
 * against the pair: they are left out, so the null is conditioned on a gap
 * below 1.5 medians (probability 1 − 2^−1.5): p₀ = 0.174 / 0.646 ≈ 0.270.
 * k gaps near the median out of the m below 1.5 medians is a binomial tail,
 * among the pairs tested.
 */
import { log10BetaInc } from '../../findings/triage/tails';

/** P(an exponential gap lies within ±25 % of the exponential's median, given it is below 1.5 medians). */
export const P_NEAR_MEDIAN = (2 ** -0.75 - 2 ** -1.25) / (1 - 2 ** -1.5);
/** Connections closer than this (seconds) are one beat (a check-in that opens two connections). */
export const SAME_BEAT = 1;

export interface BeaconParts {
  connections: number;
  beats: number;
  /** First to last beat (s). */
  span: number;
  /** Median gap between beats (s). */
  interval: number;
  skew: number;
  mad: number;
  count: number;
  sizes: number;
  hours: number;
  /** Distinct hours of the day the pair was active in, of those the capture covers. */
  activeHours: number;
  captureHours: number;
  score: number;
  /** Gaps within ±25 % of the median, of the gaps below 1.5 medians (missed beats and pauses left out). */
  near: number;
  tested: number;
  /** log10 of the binomial tail P(X ≥ near) under random arrivals. */
  log10p: number;
  /** The gaps between beats, in time order. */
  gaps: Float64Array;
}

/** Numbers, as a plain array or a typed one (the beacon analysis parses SQL's lists straight into Float64Arrays). */
export type Numbers = ArrayLike<number>;

function quantile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0);

/** 1 − |Bowley skew| and 1 − MAD/median of a list (sorted ascending). */
function regularity(sorted: Float64Array): { skew: number; mad: number; median: number } {
  const q1 = quantile(sorted, 0.25);
  const q2 = quantile(sorted, 0.5);
  const q3 = quantile(sorted, 0.75);
  // quartiles within 2 % of the median are equal: timer noise of a microsecond is no skew
  const bowley = q3 - q1 > 0.02 * Math.abs(q2) ? (q1 + q3 - 2 * q2) / (q3 - q1) : 0;
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i] - q2);
  const mad = quantile(dev.sort(), 0.5);
  return { skew: clamp01(1 - Math.abs(bowley)), mad: q2 > 0 ? clamp01(1 - mad / q2) : mad === 0 ? 1 : 0, median: q2 };
}

/** log10 P(X ≥ k), X ~ Binomial(n, p). */
export function log10BinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  return log10BetaInc(p, k, n - k + 1);
}

/** The times, sorted, with connections closer than SAME_BEAT to the beat before folded into it. */
function beatsOf(times: Numbers): Float64Array {
  const ts = Float64Array.from(times).sort();
  let n = 0;
  for (let i = 0; i < ts.length; i++) if (n === 0 || ts[i] - ts[n - 1] >= SAME_BEAT) ts[n++] = ts[i];
  return ts.subarray(0, n);
}

/** Gaps near the median (±25 %) of those below 1.5 medians, and how many were tested. */
function nearMedian(gaps: Float64Array, median: number): { near: number; tested: number } {
  let near = 0;
  let tested = 0;
  for (let i = 0; i < gaps.length; i++) {
    const r = median > 0 ? gaps[i] / median : 0;
    if (r >= 1.5) continue; // a missed beat, or a pause
    tested++;
    if (Math.abs(r - 1) <= 0.25) near++;
  }
  return { near, tested };
}

/**
 * The score and its parts; undefined when the pair has fewer than
 * `minBeats` beats. `times` need not be sorted; `sizes` are per connection.
 * `captureHours`: hours of the day the capture covers (1–24).
 */
export function beaconScore(times: Numbers, sizes: Numbers, captureHours: number, minBeats = 6): BeaconParts | undefined {
  const beatsAt = beatsOf(times);
  if (beatsAt.length < minBeats) return undefined;
  const gaps = new Float64Array(beatsAt.length - 1);
  for (let i = 1; i < beatsAt.length; i++) gaps[i - 1] = beatsAt[i] - beatsAt[i - 1];
  const g = regularity(gaps.slice().sort());
  const span = beatsAt[beatsAt.length - 1] - beatsAt[0];
  const count = g.median > 0 ? clamp01(beatsAt.length / (span / g.median + 1)) : 0;
  const finite = new Float64Array(sizes.length);
  let m = 0;
  for (let i = 0; i < sizes.length; i++) if (Number.isFinite(sizes[i])) finite[m++] = sizes[i];
  const s = m >= 3 ? regularity(finite.subarray(0, m).sort()) : { skew: 0.5, mad: 0.5 };
  const sizeScore = (s.skew + s.mad) / 2;
  let hourBits = 0;
  for (let i = 0; i < beatsAt.length; i++) hourBits |= 1 << (Math.floor(beatsAt[i] / 3600) % 24);
  let activeHours = 0;
  for (let b = hourBits; b; b &= b - 1) activeHours++;
  const hoursScore = clamp01(activeHours / Math.max(1, Math.min(24, captureHours)));
  const ts3 = (g.skew + g.mad + count) / 3;
  const score = 0.5 * ts3 + 0.25 * sizeScore + 0.25 * hoursScore;
  const { near, tested } = nearMedian(gaps, g.median);
  return {
    connections: times.length,
    beats: beatsAt.length,
    span,
    interval: g.median,
    skew: g.skew,
    mad: g.mad,
    count,
    sizes: sizeScore,
    hours: hoursScore,
    activeHours,
    captureHours: Math.min(24, captureHours),
    score,
    near,
    tested,
    log10p: log10BinomialTail(near, tested, P_NEAR_MEDIAN),
    gaps,
  };
}
