/**
 * One risk scale for every analysis (0–100), so that a severity means the
 * same thing whichever analysis raised it.
 *
 * The scale is the surprise of a finding measured as an expected count of
 * false alarms: E = p × N, where p is the tail probability of what was seen
 * under the analysis's own null (no attack, ordinary behaviour) and N the
 * number of entities (or windows) tested, so that looking at 5,000 users does
 * not make the most extreme of them alarming by chance alone.
 *
 *   risk = 25 + 12.5 × −log10(E), clamped to [0, 100]
 *
 *   E = 1      (one such case is expected by chance)   → 25   low
 *   E = 0.01                                           → 50   medium
 *   E = 10⁻⁴                                           → 75   high
 *   E ≈ 2.5 × 10⁻⁶                                     → 95   critical (≥ 90)
 *
 * Analyses without a probability (a rule whose author gave its severity, a
 * threat-list hit, a model's calibrated probability, a population quantile)
 * map onto the same scale with the helpers below; each analysis documents how
 * it computes its risk (README, "How risk is computed").
 */
import type { Severity } from '../model';

/** Severity bands of the risk scale. */
export const RISK_BANDS: Record<Exclude<Severity, 'info'>, number> = { low: 25, medium: 50, high: 75, critical: 90 };

export function severityOfRisk(risk: number): Severity {
  if (!(risk >= RISK_BANDS.low)) return 'info';
  if (risk >= RISK_BANDS.critical) return 'critical';
  if (risk >= RISK_BANDS.high) return 'high';
  if (risk >= RISK_BANDS.medium) return 'medium';
  return 'low';
}

const clamp = (x: number) => (Number.isFinite(x) ? Math.max(0, Math.min(100, x)) : x > 0 ? 100 : 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Risk from −log10 of the expected number of chance findings this extreme. */
export function riskFromSurprise(log10InvE: number): number {
  return round1(clamp(25 + 12.5 * log10InvE));
}

/**
 * Risk of a finding whose tail probability under the null is p, among `tests`
 * entities or windows examined (Bonferroni: E = p × tests).
 */
export function riskFromP(p: number, tests = 1): number {
  if (!(p > 0)) return 100;
  return riskFromSurprise(-Math.log10(Math.min(1e300, p * Math.max(1, tests))));
}

/**
 * The top of the scale. Risk stops at 100 (E ≤ 1.0 × 10⁻⁶): a severity needs no
 * more. But an attack with p ≈ 10⁻¹³⁰ and a burst with p ≈ 10⁻¹¹ are not the
 * same, and ranking must not break their tie by name. So a finding may carry
 * its surprise, S = −log10 E unclamped (risk = 25 + 12.5 × S below 100), and
 * ranking breaks ties of risk on it (combine.ts). A finding without one has
 * the surprise its risk implies: exact below 100, 6 at 100.
 */
export const SURPRISE_CAP = 1e6;

/** S = −log10(p × tests), unclamped (capped at SURPRISE_CAP decades for an impossible tail, p = 0). */
export function surpriseFromLog10P(log10p: number, tests = 1): number {
  const s = -(log10p + Math.log10(Math.max(1, tests)));
  return Number.isFinite(s) ? Math.min(SURPRISE_CAP, Math.round(s * 100) / 100) : s > 0 ? SURPRISE_CAP : 0;
}

/** The surprise a risk implies (its inverse below 100; 6 at 100, 0 at 25 and below … down to −2 at 0). */
export function surpriseOfRisk(risk: number): number {
  const r = Number.isFinite(risk) ? Math.max(0, Math.min(100, risk)) : 0;
  return Math.round(((r - 25) / 12.5) * 100) / 100;
}

/** Risk from −log10 p directly (for tails too small for a double), among `tests`. */
export function riskFromLog10P(log10p: number, tests = 1): number {
  return riskFromSurprise(-(log10p + Math.log10(Math.max(1, tests))));
}

/** Upper tail of the standard normal, P(Z ≥ z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** log10 of the upper normal tail, accurate far into the tail (z up to ~1e150). */
export function log10NormalTail(z: number): number {
  if (z < 5) return Math.log10(Math.max(1e-300, normalTail(z)));
  // Mills ratio asymptotic: φ(z)/z × (1 − 1/z² + 3/z⁴)
  const lnPhi = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
  const series = 1 - 1 / (z * z) + 3 / z ** 4;
  return (lnPhi - Math.log(z) + Math.log(series)) / Math.LN10;
}

/** Risk of a z-score (upper tail of a normal null), among `tests`. */
export function riskFromZ(z: number, tests = 1): number {
  return riskFromLog10P(log10NormalTail(z), tests);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7 relative). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** ln Γ(x) (Lanczos, g = 7), for x > 0. */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * log10 P(X ≥ k) for X ~ Poisson(λ): how surprising k events are where λ were
 * expected. Sums the terms from k upwards in log space (exact for the tails
 * that matter; k up to millions in a few hundred steps past the mode).
 */
export function log10PoissonTail(k: number, lambda: number): number {
  if (k <= 0) return 0;
  if (!(lambda > 0)) return -Infinity;
  if (k <= lambda) return Math.log10(Math.max(1e-300, 1 - poissonCdfBelow(k, lambda)));
  const lnTerm0 = k * Math.log(lambda) - lambda - lnGamma(k + 1);
  let sum = 1;
  let term = 1;
  for (let i = k + 1; i < k + 100000; i++) {
    term *= lambda / i;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (lnTerm0 + Math.log(sum)) / Math.LN10;
}

/** P(X < k) for Poisson(λ), summed directly (used when k ≤ λ, where the tail is not small). */
function poissonCdfBelow(k: number, lambda: number): number {
  let term = Math.exp(-lambda);
  if (term === 0) {
    // λ large: normal approximation with continuity correction
    return 1 - normalTail((k - 0.5 - lambda) / Math.sqrt(lambda));
  }
  let sum = 0;
  for (let i = 0; i < k; i++) {
    sum += term;
    term *= lambda / (i + 1);
  }
  return Math.min(1, sum);
}

/** Risk of k events where λ were expected (Poisson null), among `tests`. */
export function riskFromPoisson(k: number, lambda: number, tests = 1): number {
  return riskFromLog10P(log10PoissonTail(k, lambda), tests);
}

/**
 * Risk from a population quantile: the entity is more extreme than a share q
 * of its peers (0 ≤ q < 1) among n peers. The tail probability is 1 − q, but
 * never below 1/(n+1): a quantile cannot say more than its sample holds.
 */
export function riskFromQuantile(q: number, n: number): number {
  const p = Math.max(1 / (n + 1), 1 - q);
  return riskFromP(p, n);
}

/** Risk of a calibrated probability that the finding is real (a supervised model's p, 0–1). */
export function riskFromProbability(p: number): number {
  return round1(clamp(100 * p));
}

/** Risk of a severity stated by a person (a rule's author, a threat list, Zeek's own notice): the middle of its band. */
export function riskOfSeverity(s: Severity): number {
  return { info: 10, low: 35, medium: 60, high: 80, critical: 95 }[s];
}

/**
 * Robust z-score of a count on a log scale: counts are compared as log(1+n),
 * so a heavy tail of busy entities (a campus NAT, the most read lesson) is
 * not unusual for being heavy. Returns the median and scale used (on log1p).
 */
export function logScale(values: number[]): { median: number; scale: number } {
  const logs = values.map((v) => Math.log1p(Math.max(0, v))).sort((a, b) => a - b);
  if (logs.length === 0) return { median: 0, scale: 0 };
  const med = (xs: number[]) => (xs.length % 2 ? xs[xs.length >> 1] : (xs[(xs.length >> 1) - 1] + xs[xs.length >> 1]) / 2);
  const median = med(logs);
  const mad = 1.4826 * med(logs.map((v) => Math.abs(v - median)).sort((a, b) => a - b));
  const meanAbs = logs.reduce((s, v) => s + Math.abs(v - median), 0) / logs.length;
  return { median, scale: mad > 0 ? mad : 1.2533 * meanAbs };
}

export function logZ(value: number, s: { median: number; scale: number }): number {
  return s.scale > 0 ? (Math.log1p(Math.max(0, value)) - s.median) / s.scale : 0;
}
