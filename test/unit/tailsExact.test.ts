/**
 * findings/triage/tails.ts against closed forms and sums computed here term by term, to many digits:
 * the incomplete beta function on both sides of its continued-fraction split, Student's t
 * for 1 and 2 degrees of freedom (Cauchy and its closed form), the negative binomial's
 * switch to the Poisson, and the edges. Written to the mutants Stryker left alive.
 */
import * as assert from 'node:assert/strict';
import { lnGamma, log10NormalTail, log10PoissonTail, riskFromLog10P } from '../../src/engine/findings/triage/risk';
import { log10BetaInc, log10NegBinomialTail, log10StudentTail, riskFromNegBinomial, riskFromT } from '../../src/engine/findings/triage/tails';

/** I_x(a, b) for whole a, b: P(Bin(a + b − 1, x) ≥ a), summed exactly in doubles. */
function betaIncBySum(x: number, a: number, b: number): number {
  const n = a + b - 1;
  let s = 0;
  for (let j = a; j <= n; j++) s += Math.exp(lnGamma(n + 1) - lnGamma(j + 1) - lnGamma(n - j + 1) + j * Math.log(x) + (n - j) * Math.log(1 - x));
  return s;
}

/** The same sum in logs (log-sum-exp), for tails below 1e-308. */
function log10BetaIncBySum(x: number, a: number, b: number): number {
  const n = a + b - 1;
  const terms: number[] = [];
  for (let j = a; j <= n; j++) terms.push(lnGamma(n + 1) - lnGamma(j + 1) - lnGamma(n - j + 1) + j * Math.log(x) + (n - j) * Math.log(1 - x));
  const top = Math.max(...terms);
  return (top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0))) / Math.LN10;
}

const close = (got: number, want: number, rel: number, what: string) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got} vs ${want}`);

describe('tails to many digits (findings/triage/tails.ts)', () => {
  it('the incomplete beta function equals the binomial sum, on both sides of the split and far in the tail', () => {
    for (const [a, b] of [[1, 1], [2, 3], [3, 2], [5, 5], [1, 7], [7, 1], [12, 4], [4, 12], [30, 20], [2, 40]]) {
      for (const x of [0.001, 0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.999]) {
        const want = betaIncBySum(x, a, b);
        if (want < 1e-290) continue;
        close(10 ** log10BetaInc(x, a, b), want, 1e-9, `I_${x}(${a}, ${b})`);
      }
    }
    // far below a double's 1e-308: the log stays exact where the value cannot be held
    for (const [x, a, b] of [[0.01, 200, 3], [0.001, 150, 10], [0.3, 900, 5]]) close(log10BetaInc(x, a, b), log10BetaIncBySum(x, a, b), 1e-9, `far tail I_${x}(${a}, ${b})`);
    assert.equal(log10BetaInc(-0.5, 2, 3), -Infinity);
    assert.equal(log10BetaInc(1.5, 2, 3), 0);
  });

  it("Student's t for 1 and 2 degrees of freedom: the Cauchy tail and its closed form, at both signs", () => {
    for (const t of [0.1, 0.5, 1, 2, 3.5, 10, 100]) {
      close(10 ** log10StudentTail(t, 1), 0.5 - Math.atan(t) / Math.PI, 1e-9, `t=${t}, df 1`);
      close(10 ** log10StudentTail(t, 2), 0.5 * (1 - t / Math.sqrt(2 + t * t)), 1e-9, `t=${t}, df 2`);
      close(10 ** log10StudentTail(-t, 2), 1 - 0.5 * (1 - t / Math.sqrt(2 + t * t)), 1e-9, `t=-${t}, df 2`);
    }
    // no degrees of freedom: no evidence, probability 1
    for (const df of [0, -1, NaN]) assert.equal(log10StudentTail(3, df), 0);
    assert.equal(log10StudentTail(0, 3), Math.log10(0.5));
    // just past a million degrees of freedom, the normal tail itself; just below, the t (nearly equal)
    assert.equal(log10StudentTail(2, 1e6 + 1), log10NormalTail(2));
    assert.notEqual(log10StudentTail(2, 1e6), log10NormalTail(2));
    close(log10StudentTail(2, 1e6), log10NormalTail(2), 1e-5, 'df 1e6');
  });

  it('riskFromT: n values give n − 1 degrees of freedom, at least 1; the tests divide as for any p', () => {
    assert.equal(riskFromT(3, 5, 7), riskFromLog10P(log10StudentTail(3, 4), 7));
    assert.equal(riskFromT(3, 2), riskFromLog10P(log10StudentTail(3, 1), 1));
    assert.equal(riskFromT(3, 1), riskFromT(3, 2));
    assert.equal(riskFromT(3, 0), riskFromT(3, 2));
    assert.ok(riskFromT(5, 30) > riskFromT(5, 30, 1000));
  });

  it('the negative binomial: a whole k is the sum of its terms; the Poisson below a variance of mean × (1 + 1e-9)', () => {
    // P(X ≥ k) = 1 − Σ_{i<k} C(i + r − 1, i) (1 − q)^r q^i, with r = m² / (v − m), q = m / (r + m)
    const bySum = (k: number, m: number, v: number) => {
      const r = (m * m) / (v - m);
      const q = m / (r + m);
      let below = 0;
      for (let i = 0; i < k; i++) below += Math.exp(lnGamma(i + r) - lnGamma(r) - lnGamma(i + 1) + r * Math.log(1 - q) + i * Math.log(q));
      return 1 - below;
    };
    for (const [k, m, v] of [[1, 3, 4], [2, 3, 4], [5, 3, 9], [8, 1.5, 2], [20, 10, 30]]) close(10 ** log10NegBinomialTail(k, m, v), bySum(k, m, v), 1e-8, `${k}, ${m}, ${v}`);
    // at the switch: a variance a hair above the mean is still the Poisson, a little more is not
    assert.equal(log10NegBinomialTail(6, 2, 2 * (1 + 1e-10)), log10PoissonTail(6, 2));
    assert.notEqual(log10NegBinomialTail(6, 2, 2 * (1 + 1e-6)), log10PoissonTail(6, 2));
    close(log10NegBinomialTail(6, 2, 2 * (1 + 1e-6)), log10PoissonTail(6, 2), 1e-4, 'near the Poisson');
    // a fractional k interpolates: between its neighbours, and the Poisson rounds it up
    const mid = log10NegBinomialTail(4.5, 2, 5);
    assert.ok(mid < log10NegBinomialTail(4, 2, 5) && mid > log10NegBinomialTail(5, 2, 5));
    assert.equal(log10NegBinomialTail(4.5, 2, 1), log10PoissonTail(5, 2));
    // no count, or no mean
    assert.equal(log10NegBinomialTail(-1, 2, 5), 0);
    assert.equal(log10NegBinomialTail(3, -1, 5), -Infinity);
    assert.equal(log10NegBinomialTail(3, NaN, 5), -Infinity);
    assert.equal(riskFromNegBinomial(10, 2, 5, 3), riskFromLog10P(log10NegBinomialTail(10, 2, 5), 3));
    assert.equal(riskFromNegBinomial(10, 2, 5), riskFromLog10P(log10NegBinomialTail(10, 2, 5), 1));
  });
});

