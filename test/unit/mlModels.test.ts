/** The ml library's behaviour beyond scikit-learn's numbers: bad input, persistence, determinism, edge cases. */
import { strict as assert } from 'node:assert';
import * as ml from '../../src/engine/ml';
import { LogInvestigatorError } from '../../src/engine/errors';

const badOption = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && pattern.test(e.message));
};

/** Two Gaussian blobs and their labels, from the seeded generator. */
function blobs(n: number, seed: number): { X: number[][]; y: (0 | 1)[] } {
  const rng = new ml.Random(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const y = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0) as 0 | 1);
  return { X: y.map((c) => [gauss() + 2 * c, gauss() - c, gauss()]), y };
}

describe('ml: behaviour and bad input', () => {
  it('the generator is seeded and uniform', () => {
    const a = new ml.Random(42);
    const b = new ml.Random(42);
    const xs = Array.from({ length: 10000 }, () => a.next());
    assert.deepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => b.next()),
    );
    assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => new ml.Random(43).next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const sample = Array.from(new ml.Random(1).sampleWithoutReplacement(100, 60));
    assert.equal(new Set(sample).size, 60);
    assert.ok(sample.every((i) => i >= 0 && i < 100));
  });

  it('bad shapes and values are clear errors, not crashes', () => {
    badOption(() => ml.standardize([]), /no rows/);
    badOption(() => ml.standardize([[1, 2], [3]]), /row 1 has 1 values/);
    badOption(() => ml.standardize([[1, NaN]]), /not a finite number/);
    badOption(() => ml.logisticRegression([[1], [2]], [0, 2]), /0 or 1/);
    badOption(() => ml.logisticRegression([[1], [2]], [0]), /1 labels for 2 rows/);
    badOption(() => ml.logisticRegression([[1], [2]], [0, 1], { C: 0 }), /C must be/);
    badOption(() => ml.isolationForest([[1], [2]], { contamination: 0.7 }), /contamination/);
    badOption(() => ml.isolationForest([[1], [2]], { nEstimators: 0 }), /nEstimators/);
    // too little data is its own code: analyses that meet it are skipped with the reason, not failed
    assert.throws(() => ml.localOutlierFactor([[1]]), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'TOO_LITTLE_DATA' && /at least 2 rows/.test(e.message));
    badOption(() => ml.localOutlierFactor([[1], [2]], { nNeighbors: 0 }), /nNeighbors/);
    badOption(() => ml.crossValidatedLogistic([[1], [2], [3]], [0, 1, 0], { Cs: [1], folds: 5 }), /folds need/);
    badOption(() => ml.crossValidatedLogistic([[1], [2]], [0, 1], { Cs: [] }), /Cs/);
    badOption(() => ml.confusionMatrix([0, 1], [1]), /2 values against 1/);
    badOption(() => ml.findThreshold([0, 1], [0.1, 0.9], { minPrecision: 2 }), /minPrecision/);
    badOption(() => ml.sgdLogistic({ alpha: -1 }), /alpha/);
    badOption(() => ml.sgdLogistic().predict([[1]]), /not been trained/);
    const m = ml.logisticRegression([[1], [2]], [0, 1]);
    badOption(() => m.predict([[1, 2]]), /1 features, got 2/);
    badOption(() => ml.sgdLogistic.fromJSON({ kind: 'nope' } as never), /Not a saved/);
  });

  it('logistic regression: Newton converges in a few steps; duplicates are weights', () => {
    const { X, y } = blobs(400, 1);
    const m = ml.logisticRegression(X, y);
    assert.ok(m.converged && m.iterations < 15, `${m.iterations} iterations`);
    // Every row twice = weight 2 = C twice as large (the penalty is not repeated).
    const twice = ml.logisticRegression([...X, ...X], [...y, ...y]);
    const doubleC = ml.logisticRegression(X, y, { C: 2 });
    twice.coef.forEach((c, j) => assert.ok(Math.abs(c - doubleC.coef[j]) < 1e-9));
    const weighted = ml.logisticRegression(X, y, { sampleWeight: X.map(() => 2) });
    weighted.coef.forEach((c, j) => assert.ok(Math.abs(c - doubleC.coef[j]) < 1e-9));
    // A threshold is the book's rule (probability ≥ threshold), no threshold is scikit-learn's predict.
    const p = m.predictProba(X);
    assert.deepEqual(
      m.predict(X, 0.2),
      p.map((v) => (v >= 0.2 ? 1 : 0)),
    );
    assert.deepEqual(
      m.predict(X),
      p.map((v) => (v > 0.5 ? 1 : 0)),
    );
  });

  it('the SGD model persists to JSON and carries on exactly where it stopped', () => {
    const { X, y } = blobs(600, 2);
    const a = ml.sgdLogistic({ seed: 7, average: 50 });
    a.partialFit(X.slice(0, 200), y.slice(0, 200));
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    const b = ml.sgdLogistic.fromJSON(saved);
    assert.deepEqual(b.coef, a.coef);
    assert.equal(b.t, 201);
    a.partialFit(X.slice(200, 400), y.slice(200, 400));
    b.partialFit(X.slice(200, 400), y.slice(200, 400));
    assert.deepEqual(b.coef, a.coef);
    assert.equal(b.intercept, a.intercept);
    assert.equal(b.t, 401);
    assert.deepEqual(b.predictProba(X.slice(400)), a.predictProba(X.slice(400)));
    // fit starts over.
    const c = ml.sgdLogistic({ seed: 7 }).fit(X, y);
    assert.ok(c.nIter > 1);
    assert.equal(c.t, 1 + c.nIter * X.length);
    const acc = ml.accuracyScore(y, c.predict(X));
    assert.ok(acc > 0.8, `accuracy ${acc}`);
  });

  it('isolation forest and LOF: same seed same scores; identical rows score alike; planted outlier first', () => {
    const { X } = blobs(500, 3);
    X.push([12, -12, 12]);
    X.push([...X[0]], [...X[0]]);
    const a = ml.isolationForest(X, { seed: 5 });
    const b = ml.isolationForest(X, { seed: 5 });
    assert.deepEqual(a.scores, b.scores);
    assert.notDeepEqual(a.scores, ml.isolationForest(X, { seed: 6 }).scores);
    assert.equal(a.scores[501], a.scores[0]);
    assert.equal(Math.min(...a.scores), a.scores[500]);
    assert.deepEqual(a.model.scoreSamples([X[500]]), [a.scores[500]]);
    // Below the interpolated 5th percentile: floor(0.05 · (n − 1)) + 1 rows when no scores tie.
    assert.equal(a.predict.filter((p) => p === -1).length, Math.floor(0.05 * (X.length - 1)) + 1);
    const l = ml.localOutlierFactor(X);
    assert.equal(Math.max(...l.lof), l.lof[500]);
    assert.equal(l.predict[500], -1);
    assert.equal(l.lof[501], l.lof[0]);
  });

  it('metrics: degenerate inputs follow scikit-learn (0 without a denominator, NaN ROC without a class)', () => {
    assert.deepEqual(ml.classificationReport([0, 0], [0, 0]).classes, { '0': { precision: 1, recall: 1, f1: 1, support: 2 } });
    assert.equal(ml.precisionScore([1, 0], [0, 0]), 0);
    const roc = ml.rocCurve([0, 0, 0], [0.1, 0.2, 0.3]);
    assert.ok(Number.isNaN(roc.tpr[1]));
    badOption(() => ml.rocAucScore([0, 0], [0.1, 0.2]), /both classes/);
    assert.equal(ml.cohenKappa([1, 0, 1], [1, 0, 1]), 1);
    const dummy = ml.dummyClassifier([0, 1, 1, 1], 'stratified', 3);
    const draws = dummy.predict(4000);
    const share = draws.filter((v) => v === 1).length / draws.length;
    assert.ok(Math.abs(share - 0.75) < 0.03, `stratified share ${share}`);
  });
});
