/**
 * The TypeScript models against scikit-learn's own outputs
 * (test/fixtures/sklearn, made by scripts/sklearn-reference.py).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as ml from '../../src/engine/ml';
import { fixture } from '../helpers';

// Fixture JSON, read loosely: the tests check its shape by comparing.
type Json = Record<string, any>;

function load(name: string): Json {
  return JSON.parse(fs.readFileSync(fixture(`sklearn/${name}`), 'utf8'), (_k, v) =>
    v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v,
  ) as Json;
}

function close(actual: number, expected: number, tol: number, what: string): void {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
  assert.ok(ok, `${what}: ${actual} ≠ ${expected} (tolerance ${tol})`);
}

function allClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) close(actual[i], expected[i], tol, `${what}[${i}]`);
}

/** Spearman rank correlation (average ranks for ties). */
function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]): number[] => {
    const idx = v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Array<number>(v.length);
    for (let s = 0; s < idx.length; ) {
      let e = s;
      while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
      for (let t = s; t <= e; t++) r[idx[t]] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const m = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - m) * (rb[i] - m);
    da += (ra[i] - m) ** 2;
    db += (rb[i] - m) ** 2;
  }
  return num / Math.sqrt(da * db);
}

const flagged = (p: (1 | -1)[]): number[] => p.flatMap((v, i) => (v === -1 ? [i] : []));

describe('ml against scikit-learn', () => {
  it('standardize = StandardScaler (population std, 1 for a constant column)', () => {
    const f = load('standardize.json');
    const s = ml.standardize(f.X);
    allClose(s.mean, f.mean, 1e-13, 'mean');
    allClose(s.scale, f.scale, 1e-13, 'scale');
    assert.equal(s.scale[2], 1);
    f.Xt.forEach((row: number[], i: number) => allClose(s.transform([f.X[i]])[0], row, 1e-11, `Xt row ${i}`));
    f.Zt.forEach((row: number[], i: number) => allClose(s.transform([f.Z[i]])[0], row, 1e-11, `Zt row ${i}`));
  });

  describe('metrics', () => {
    const f = load('metrics.json');
    it('confusion matrix and classification report', () => {
      assert.deepEqual(ml.confusionMatrix(f.yTrue, f.yPred), f.confusion);
      const r = ml.classificationReport(f.yTrue, f.yPred);
      for (const c of ['0', '1']) {
        const e = f.report[c];
        assert.deepEqual(
          [r.classes[c].precision, r.classes[c].recall, r.classes[c].f1, r.classes[c].support],
          [e.precision, e.recall, e['f1-score'], e.support],
          `class ${c}`,
        );
      }
      close(r.accuracy, f.report.accuracy, 1e-15, 'accuracy');
      for (const [ours, theirs] of [
        [r.macroAvg, f.report['macro avg']],
        [r.weightedAvg, f.report['weighted avg']],
      ] as const) {
        allClose([ours.precision, ours.recall, ours.f1, ours.support], [theirs.precision, theirs.recall, theirs['f1-score'], theirs.support], 1e-15, 'avg');
      }
      assert.equal(ml.formatClassificationReport(r), f.reportText);
      // Nothing predicted positive: precision 0 (scikit-learn's zero_division=0).
      const none = ml.classificationReport(f.yTrue, f.yTrue.map(() => 0));
      assert.equal(none.classes['1'].precision, f.reportAllNegative['1'].precision);
      close(none.weightedAvg.f1, f.reportAllNegative['weighted avg']['f1-score'], 1e-15, 'weighted f1');
    });
    it('ROC curve (with and without intermediate points), AUC', () => {
      const roc = ml.rocCurve(f.yTrue, f.score);
      allClose(roc.fpr, f.roc.fpr, 1e-15, 'fpr');
      allClose(roc.tpr, f.roc.tpr, 1e-15, 'tpr');
      assert.equal(roc.thresholds[0], Infinity);
      assert.deepEqual(roc.thresholds.slice(1), f.roc.thresholds);
      const all = ml.rocCurve(f.yTrue, f.score, false);
      allClose(all.fpr, f.rocAll.fpr, 1e-15, 'fpr all');
      assert.deepEqual(all.thresholds.slice(1), f.rocAll.thresholds);
      close(ml.rocAucScore(f.yTrue, f.score), f.rocAuc, 1e-14, 'roc auc');
      close(ml.auc(roc.fpr, roc.tpr), f.rocAuc, 1e-14, 'auc of the reduced curve');
    });
    it('precision-recall curve and average precision', () => {
      const pr = ml.precisionRecallCurve(f.yTrue, f.score);
      allClose(pr.precision, f.pr.precision, 1e-15, 'precision');
      allClose(pr.recall, f.pr.recall, 1e-15, 'recall');
      assert.deepEqual(pr.thresholds, f.pr.thresholds);
      close(ml.averagePrecision(f.yTrue, f.score), f.averagePrecision, 1e-14, 'average precision');
    });
    it("Cohen's kappa, on 0/1 and on string labels", () => {
      close(ml.cohenKappa(f.yTrue, f.yPred), f.kappa, 1e-14, 'kappa');
      close(ml.cohenKappa(f.yPred, f.other), f.kappaOther, 1e-14, 'kappa other');
      const a = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a'];
      const b = ['a', 'b', 'b', 'a', 'c', 'c', 'b', 'a'];
      close(ml.cohenKappa(a, b), f.kappaStrings, 1e-14, 'kappa strings');
    });
    it('findThreshold = the book’s find_threshold on the PR curve', () => {
      const none = ml.findThreshold(f.yTrue, f.score);
      assert.deepEqual(f.thresholdsMeeting, []);
      assert.equal(none.threshold, undefined);
      assert.equal(none.candidates.length, 0);
      // The closest point still reported, below one of the targets.
      assert.ok(none.best.precision < 0.85 || none.best.recall < 0.7);
      const some = ml.findThreshold(f.yTrue, f.score, { minPrecision: 0.6, minRecall: 0.6 });
      assert.deepEqual(
        some.candidates.map((c) => c.threshold),
        f.thresholdsMeeting60,
      );
      assert.equal(some.threshold, f.thresholdsMeeting60[0]);
      assert.ok(some.best.precision >= 0.6 && some.best.recall >= 0.6);
      // The chosen threshold does what it says on the data.
      const pred = f.score.map((s: number) => (s >= some.threshold! ? 1 : 0));
      close(ml.precisionScore(f.yTrue, pred), some.best.precision, 1e-15, 'precision at threshold');
      close(ml.recallScore(f.yTrue, pred), some.best.recall, 1e-15, 'recall at threshold');
    });
  });

  describe('logistic regression', () => {
    const f = load('logistic.json');
    for (const fit of f.fits) {
      it(`C=${fit.C}, class weight ${JSON.stringify(fit.classWeight)}: the exact optimum to 1e-9, lbfgs's to 1e-3`, () => {
        const m = ml.logisticRegression(f.X, f.y, { C: fit.C, classWeight: fit.classWeight ?? undefined });
        assert.ok(m.converged);
        allClose(m.coef, fit.coef, 1e-9, 'coef');
        close(m.intercept, fit.intercept, 1e-9, 'intercept');
        // scikit-learn at its defaults (tol 1e-4, 100 iterations) stops a little short of the optimum.
        allClose(m.coef, fit.defaultCoef, 1e-3, 'coef vs default lbfgs');
        allClose(m.predictProba(f.Xtest), fit.proba, 1e-9, 'proba');
        assert.deepEqual(m.predict(f.Xtest), fit.predict);
      });
    }
    it('separable data: the L2 optimum, finite', () => {
      const s = f.separable;
      const m = ml.logisticRegression(s.X, s.y, { C: s.C });
      allClose(m.coef, s.coef, 1e-9, 'coef');
      close(m.intercept, s.intercept, 1e-9, 'intercept');
    });
  });

  describe('cross-validated C (GridSearchCV, StratifiedKFold)', () => {
    const f = load('crossValidation.json');
    it('the same test folds as StratifiedKFold(5)', () => {
      assert.deepEqual(Array.from(ml.stratifiedFolds(f.foldLabels, 5)), f.testFold);
    });
    for (const s of f.searches) {
      it(`scoring ${s.scoring}: per-fold scores, mean, std and the best C`, () => {
        const cv = ml.crossValidatedLogistic(f.X, f.y, { Cs: f.Cs, folds: 5, scoring: s.scoring });
        cv.scores.forEach((sc, i) => {
          allClose(
            sc.folds,
            s.folds.map((fold: number[]) => fold[i]),
            1e-9,
            `C=${sc.C} folds`,
          );
          close(sc.mean, s.mean[i], 1e-9, `C=${sc.C} mean`);
          close(sc.std, s.std[i], 1e-9, `C=${sc.C} std`);
        });
        assert.equal(cv.bestC, s.bestC);
        allClose(cv.model.coef, s.coef, 1e-9, 'refitted coef');
      });
    }
  });

  describe('naive Bayes and dummies', () => {
    const f = load('naiveBayes.json');
    it('GaussianNB: means, variances with var_smoothing, priors, probabilities', () => {
      const nb = ml.gaussianNB(f.X, f.y);
      nb.theta.forEach((t, c) => allClose(t, f.theta[c], 1e-12, `theta ${c}`));
      nb.variance.forEach((v, c) => allClose(v, f.var[c], 1e-12, `var ${c}`));
      allClose(nb.classPrior, f.classPrior, 1e-15, 'prior');
      allClose(nb.predictProba(f.Xtest), f.proba, 1e-9, 'proba');
      assert.deepEqual(nb.predict(f.Xtest), f.predict);
    });
    it('DummyClassifier most_frequent and prior', () => {
      for (const s of ['most_frequent', 'prior'] as const) {
        const d = ml.dummyClassifier(f.y, s);
        allClose(d.predictProba(f.Xtest), f.dummy[s].proba, 1e-15, `${s} proba`);
        assert.deepEqual(d.predict(f.Xtest), f.dummy[s].predict);
      }
    });
  });

  describe('local outlier factor', () => {
    const f = load('lof.json');
    for (const c of f.cases) {
      it(`data ${c.data}, ${c.nNeighbors} neighbours, contamination ${c.contamination}: k-distances, scores, offset and labels`, () => {
        const X = f[c.data];
        const r = ml.localOutlierFactor(X, { nNeighbors: c.nNeighbors, contamination: c.contamination });
        allClose(r.kDistance, c.kdist, 1e-12, 'k-distance');
        const expected = c.nof.map((v: number) => -v);
        if (c.data === 'A') {
          // Continuous values: no ties at the k-th place, every factor as scikit-learn's.
          allClose(r.lof, expected, 1e-10, 'lof');
          close(r.threshold, c.offset, 1e-10, 'offset');
        } else {
          // A handful of distinct patterns: rows tied at the k-th distance, where scikit-learn's pick of
          // neighbours follows its search internals; the factors of almost every row, and every label, agree.
          const same = r.lof.filter((v, i) => Math.abs(v - expected[i]) <= 1e-10 * Math.max(1, Math.abs(expected[i]))).length;
          assert.ok(same >= 0.95 * X.length, `${same} of ${X.length} factors equal`);
          assert.equal(r.threshold, c.offset);
        }
        assert.deepEqual(r.predict, c.predict);
      });
    }
    it('more duplicates than neighbours: density 1e10, factor 1 (not NaN)', () => {
      const r = ml.localOutlierFactor(f.A, { nNeighbors: 5 });
      // Row 10 has 25 copies.
      assert.equal(r.lof[10], 1);
      assert.equal(r.kDistance[10], 0);
    });
  });

  describe('isolation forest (random: compared statistically)', () => {
    const f = load('isolationForest.json');
    for (const c of f.cases) {
      it(`contamination ${c.contamination}: scores rank like scikit-learn's, planted outliers flagged, offset as np.percentile`, () => {
        const r = ml.isolationForest(f.X, { contamination: c.contamination, seed: 0 });
        const rho = spearman(r.scores, c.scores);
        assert.ok(rho >= 0.9, `Spearman ${rho}`);
        for (const p of f.planted) assert.equal(r.predict[p], -1, `planted row ${p}`);
        // Same scale: means within 2 % of scikit-learn's.
        const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
        close(mean(r.scores), mean(c.scores), 0.02, 'mean score');
        // The offset logic, exactly: on scikit-learn's own scores, ours gives its offset and its labels.
        if (c.contamination === 'auto') assert.equal(r.threshold, -0.5);
        else {
          assert.equal(ml.percentile(c.scores, 100 * c.contamination), c.offset);
          const expected = Math.round(c.contamination * f.X.length);
          const n = flagged(r.predict).length;
          assert.ok(Math.abs(n - expected) <= 1, `${n} flagged, about ${expected} expected`);
        }
        const sk = flagged(c.predict);
        const ours = new Set(flagged(r.predict));
        const common = sk.filter((i) => ours.has(i)).length;
        assert.ok(common >= 0.7 * sk.length, `${common} of scikit-learn's ${sk.length} outliers flagged`);
      });
    }
    it('with 1000 trees the ranking agrees even more closely', () => {
      const r = ml.isolationForest(f.X, { nEstimators: 1000, seed: 3 });
      const rho = spearman(r.scores, f.scores1000);
      assert.ok(rho >= 0.97, `Spearman ${rho}`);
    });
  });

  describe('SGD logistic regression (shuffling differs: compared in spirit)', () => {
    const f = load('sgd.json');
    const cosine = (a: number[], b: number[]): number => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      a.forEach((x, i) => {
        ab += x * b[i];
        aa += x * x;
        bb += b[i] * b[i];
      });
      return ab / Math.sqrt(aa * bb);
    };
    const metricsOf = (pred: number[]) => [ml.precisionScore(f.ytest, pred), ml.recallScore(f.ytest, pred), ml.accuracyScore(f.ytest, pred)];
    const median = (v: number[]): number => {
      const s = [...v].sort((x, y) => x - y);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    /** Medians over seeds 0-19, as the fixture has them for scikit-learn. */
    const seedStats = (train: (seed: number) => ml.SgdLogistic): number[] => {
      const stats = Array.from({ length: 20 }, (_, seed) => {
        const m = train(seed);
        return [cosine(m.coef, f.lbfgsCoef), ...metricsOf(m.predict(f.Xtest)), m.nIter];
      });
      return stats[0].map((_, j) => median(stats.map((s) => s[j])));
    };
    it('fit: over 20 seeds, as close to the optimum and as accurate as scikit-learn, in as many epochs', () => {
      const ours = seedStats((seed) => ml.sgdLogistic({ seed }).fit(f.Xtrain, f.ytrain));
      const theirs: number[] = f.fitSeeds;
      assert.ok(ours[0] >= theirs[0] - 0.02, `median cosine to the optimum ${ours[0]}, scikit-learn ${theirs[0]}`);
      for (let j = 1; j <= 3; j++) close(ours[j], theirs[j], 0.06, `median metric ${j}`);
      assert.ok(Math.abs(ours[4] - theirs[4]) <= 0.3 * theirs[4], `median epochs ${ours[4]}, scikit-learn ${theirs[4]}`);
      // One run against scikit-learn's run with the same seed number: same direction.
      const m = ml.sgdLogistic({ seed: 0 }).fit(f.Xtrain, f.ytrain);
      assert.ok(cosine(m.coef, f.fit.coef) >= 0.9, `cosine ${cosine(m.coef, f.fit.coef)}`);
    });
    it("the book's settings (averaged, adaptive rate) land near scikit-learn's", () => {
      const m = ml.sgdLogistic({ seed: 0, average: 1000, learningRate: 'adaptive', eta0: 0.01 }).fit(f.Xtrain, f.ytrain);
      assert.ok(cosine(m.coef, f.book.coef) >= 0.99, `cosine ${cosine(m.coef, f.book.coef)}`);
      allClose(m.coef, f.book.coef, 0.1, 'coef');
      const ours = metricsOf(m.predict(f.Xtest));
      const theirs = metricsOf(f.book.predict);
      ours.forEach((v, i) => close(v, theirs[i], 0.05, `metric ${i}`));
    });
    it('partialFit: one epoch per call, t carried over (t_ as scikit-learn), as good as scikit-learn over 20 seeds', () => {
      const m = ml.sgdLogistic({ seed: 0 });
      f.partial.forEach((step: Json, k: number) => {
        const a = k * 200;
        m.partialFit(f.Xtrain.slice(a, a + 200), f.ytrain.slice(a, a + 200), [0, 1]);
        assert.equal(m.t, step.t);
        assert.equal(m.nIter, 1);
      });
      const ours = seedStats((seed) => {
        const s = ml.sgdLogistic({ seed });
        for (const a of [0, 200, 400]) s.partialFit(f.Xtrain.slice(a, a + 200), f.ytrain.slice(a, a + 200));
        return s;
      });
      const theirs: number[] = f.partialSeeds;
      assert.ok(ours[0] >= theirs[0] - 0.05, `median cosine to the optimum ${ours[0]}, scikit-learn ${theirs[0]}`);
      for (let j = 1; j <= 3; j++) close(ours[j], theirs[j], 0.08, `median metric ${j}`);
    });
  });
});
