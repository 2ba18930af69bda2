import * as assert from 'node:assert/strict';
import { legacyRisk, severityOf } from '../../src/engine/findings/model';
import { log10NormalTail, log10PoissonTail, normalTail, riskFromP, riskFromPoisson, riskFromQuantile, riskFromZ, severityOfRisk } from '../../src/engine/findings/triage/risk';

describe('the one risk scale', () => {
  it('maps expected chance findings to risk: E=1 → 25, 0.01 → 50, 1e-4 → 75, 1e-6 → 100', () => {
    assert.equal(riskFromP(1), 25);
    assert.equal(riskFromP(0.01), 50);
    assert.equal(riskFromP(1e-4), 75);
    assert.equal(riskFromP(1e-6), 100);
    assert.equal(riskFromP(1e-4, 100), 50, 'a hundred entities tested: one in 10,000 is expected once in a hundred runs');
    assert.equal(severityOfRisk(riskFromP(0.5, 100)), 'info', 'expected 50 times by chance');
    assert.equal(riskFromP(1, 1e6), 0);
  });
  it('bands the risk into severities', () => {
    assert.deepEqual([0, 24.9, 25, 49.9, 50, 74.9, 75, 89.9, 90, 100].map(severityOfRisk), ['info', 'info', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
    assert.equal(severityOfRisk(Number.NaN), 'info');
  });
  it('normal and Poisson tails agree with known values, far into the tail', () => {
    assert.ok(Math.abs(normalTail(1.959964) - 0.025) < 1e-6);
    assert.ok(Math.abs(normalTail(3) - 0.0013499) < 1e-6);
    assert.ok(Math.abs(log10NormalTail(10) - Math.log10(7.6198530241605e-24)) < 0.01);
    assert.ok(Math.abs(log10NormalTail(40) - -349.43) < 0.05, String(log10NormalTail(40)));
    // P(X ≥ 10 | λ = 2) = 4.6498e-5
    assert.ok(Math.abs(log10PoissonTail(10, 2) - Math.log10(4.6498e-5)) < 0.001);
    // P(X ≥ 1 | λ = 1) = 1 − e^−1
    assert.ok(Math.abs(10 ** log10PoissonTail(1, 1) - (1 - Math.exp(-1))) < 1e-9);
    assert.equal(log10PoissonTail(0, 3), 0);
    assert.ok(Math.abs(riskFromZ(3.719) - 75) < 0.2, 'z = 3.72 is p = 1e-4 among one test');
    assert.ok(riskFromPoisson(30, 1, 1000) > 90);
  });
  it('a quantile cannot claim more than its sample holds', () => {
    assert.equal(riskFromQuantile(0.999999, 9), riskFromP(0.1, 9));
  });
  it('keeps the old severities for analyses that have no risk of their own yet', () => {
    for (const s of [0, 2.9, 3, 3.5, 4, 5.9, 6, 9.9, 10, 15, 40]) assert.equal(severityOfRisk(legacyRisk(s)), severityOf(s), String(s));
  });
});
