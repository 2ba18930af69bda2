/**
 * Tail probabilities for over-dispersed counts, in log10 so that tails far
 * below a double's range still rank (risk.ts clamps the risk, not the
 * probability).
 *
 * A day's count of an entity is rarely Poisson: people have busy and quiet
 * days, students read in bursts. The negative binomial (a Poisson whose rate
 * itself varies, gamma-distributed) with the mean and variance of the
 * entity's own earlier days is the null of the baseline analyses; when the
 * days vary no more than a Poisson would, it is the Poisson.
 */
import { lnGamma, log10NormalTail, log10PoissonTail, riskFromLog10P } from './risk';

const LN10 = Math.LN10;

/** Continued fraction of the incomplete beta function (Numerical Recipes 6.4, modified Lentz). */
function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** log10 of the regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function log10BetaInc(x: number, a: number, b: number): number {
  if (x <= 0) return -Infinity;
  if (x >= 1) return 0;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (lnFront + Math.log(betaCf(x, a, b)) - Math.log(a)) / LN10;
  // the other side: I_x(a, b) = 1 − I_{1−x}(b, a), not small here
  const rest = Math.exp(lnFront) * betaCf(1 - x, b, a) / b;
  return Math.log10(Math.max(1e-300, 1 - rest));
}

/**
 * log10 P(X ≥ k) for a count X with the given mean and variance: negative
 * binomial with size r = mean² / (variance − mean) when the variance exceeds
 * the mean (P(X ≥ k) = I_q(k, r), q = mean / (r + mean)), Poisson otherwise.
 * k need not be a whole number (a measure summed over a day): the incomplete
 * beta function interpolates.
 */
export function log10NegBinomialTail(k: number, mean: number, variance: number): number {
  if (k <= 0) return 0;
  if (!(mean > 0)) return -Infinity;
  if (!(variance > mean * (1 + 1e-9))) return log10PoissonTail(Math.ceil(k), mean);
  const r = (mean * mean) / (variance - mean);
  return log10BetaInc(mean / (r + mean), k, r);
}

/** Risk of a count k where the entity's own days had this mean and variance (negative binomial null), among `tests`. */
export function riskFromNegBinomial(k: number, mean: number, variance: number, tests = 1): number {
  return riskFromLog10P(log10NegBinomialTail(k, mean, variance), tests);
}

/**
 * log10 P(T ≥ t) for Student's t with df degrees of freedom: the tail of a
 * z-score whose spread was estimated from df + 1 values rather than known.
 * Heavier than the normal tail for small samples, the same for large ones;
 * df of Infinity (or above 1e6) is the normal tail.
 */
export function log10StudentTail(t: number, df: number): number {
  if (!(df > 0)) return 0;
  if (df > 1e6) return log10NormalTail(t);
  if (t === 0) return Math.log10(0.5);
  if (t < 0) return Math.log10(Math.max(1e-300, 1 - 10 ** log10StudentTail(-t, df)));
  // P(T ≥ t) = ½ · I_{df/(df+t²)}(df/2, ½)
  return log10BetaInc(df / (df + t * t), df / 2, 0.5) - Math.log10(2);
}

/** Risk of a z-score whose spread was estimated from n values (Student's t, n − 1 degrees of freedom), among `tests`. */
export function riskFromT(z: number, n: number, tests = 1): number {
  return riskFromLog10P(log10StudentTail(z, Math.max(1, n - 1)), tests);
}
