import * as assert from 'node:assert/strict';
import { lnGamma, log10NormalTail, log10PoissonTail } from '../../src/engine/findings/triage/risk';
import { log10BetaInc, log10NegBinomialTail, log10StudentTail, riskFromNegBinomial, riskFromT } from '../../src/engine/findings/triage/tails';

/** P(X ≥ k) of a negative binomial by summing its terms directly (size r, mean m). */
function nbTailBySum(k: number, mean: number, variance: number): number {
  const r = (mean * mean) / (variance - mean);
  const q = mean / (r + mean);
  let below = 0;
  for (let i = 0; i < k; i++) below += Math.exp(lnGamma(i + r) - lnGamma(r) - lnGamma(i + 1) + r * Math.log(1 - q) + i * Math.log(q));
  return 1 - below;
}

describe('tails of over-dispersed counts and estimated spreads (findings/triage/tails.ts)', () => {
  it('the incomplete beta function: I_0.5(2, 3) = P(Bin(4, ½) ≥ 2) = 11/16, and its edges', () => {
    assert.ok(Math.abs(10 ** log10BetaInc(0.5, 2, 3) - 11 / 16) < 1e-12);
    assert.equal(log10BetaInc(0, 2, 3), -Infinity);
    assert.equal(log10BetaInc(1, 2, 3), 0);
    // I_x(1, 1) = x
    assert.ok(Math.abs(10 ** log10BetaInc(0.3, 1, 1) - 0.3) < 1e-12);
  });

  it('the negative binomial tail agrees with its terms summed, and is the Poisson tail when the variance is the mean', () => {
    for (const [k, m, v] of [[3, 2, 5], [10, 2, 5], [118, 15.7, 89], [12, 0.19, 0.76], [50, 20, 30], [1, 0.5, 2]]) {
      const want = Math.log10(nbTailBySum(k, m, v));
      assert.ok(Math.abs(log10NegBinomialTail(k, m, v) - want) < 1e-6, `${k}, ${m}, ${v}: ${log10NegBinomialTail(k, m, v)} vs ${want}`);
    }
    assert.equal(log10NegBinomialTail(10, 2, 2), log10PoissonTail(10, 2));
    assert.equal(log10NegBinomialTail(10, 2, 1), log10PoissonTail(10, 2), 'under-dispersed: the Poisson');
    assert.equal(log10NegBinomialTail(0, 2, 5), 0);
    assert.equal(log10NegBinomialTail(3, 0, 0), -Infinity);
    // far tails stay finite: 400 where 21 a day (variance 25) are usual
    assert.ok(Math.abs(log10NegBinomialTail(400, 21, 25) - -212.9845) < 1e-3);
    // a wider spread makes the same day less surprising
    assert.ok(log10NegBinomialTail(60, 20, 200) > log10NegBinomialTail(60, 20, 40));
    assert.equal(riskFromNegBinomial(10, 2, 5, 100), Math.round(10 * Math.min(100, Math.max(0, 25 + 12.5 * -(log10NegBinomialTail(10, 2, 5) + 2)))) / 10);
  });

  it("Student's t: the tables' critical values, symmetric, the normal tail for many degrees of freedom", () => {
    // t(0.975) for 10 and 1 degrees of freedom: 2.228, 12.706
    assert.ok(Math.abs(10 ** log10StudentTail(2.228, 10) - 0.025) < 1e-5);
    assert.ok(Math.abs(10 ** log10StudentTail(12.706, 1) - 0.025) < 1e-5);
    assert.ok(Math.abs(10 ** log10StudentTail(-2.228, 10) - 0.975) < 1e-5);
    assert.equal(10 ** log10StudentTail(0, 5), 0.5);
    assert.equal(log10StudentTail(4, 2e6), log10NormalTail(4));
    assert.ok(Math.abs(log10StudentTail(3, 1000) - log10NormalTail(3)) < 0.02);
    // heavier for a spread estimated from few values: 8.6 σ among 12 is one in 600,000, not one in 10^17
    assert.ok(Math.abs(log10StudentTail(8.6, 11) - -5.7874) < 1e-3);
    assert.equal(riskFromT(8.6, 12, 12), 83.9, '25 + 12.5 × (5.787 − log10 12)');
  });
});
