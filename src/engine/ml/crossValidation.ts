/**
 * Choosing logistic regression's C by cross-validation: scikit-learn's
 * GridSearchCV over StratifiedKFold (no shuffle unless a seed is given), the
 * best C being the first with the highest mean score, refitted on all rows.
 */
import { Random } from './random';
import { logisticRegression, type ClassWeight, type LogisticModel } from './logistic';
import { badInput, checkLabels, checkMatrix, type Labels, type Matrix } from './matrix';
import { accuracyScore, f1Score, precisionScore, recallScore, rocAucScore } from './metrics';

export type Scoring = 'f1' | 'recall' | 'precision' | 'roc_auc' | 'accuracy';

export interface CrossValidationOptions {
  Cs: number[];
  folds?: number;
  scoring?: Scoring;
  /** Shuffle each class before dealing it into folds (scikit-learn's shuffle=True; our generator, not numpy's). */
  seed?: number;
  classWeight?: ClassWeight;
  maxIter?: number;
  tol?: number;
}

export interface CrossValidatedLogistic {
  bestC: number;
  /** Per C: mean and population standard deviation of the test-fold scores. */
  scores: { C: number; mean: number; std: number; folds: number[] }[];
  /** Refitted on every row with the best C. */
  model: LogisticModel;
}

/**
 * Test fold of each row, scikit-learn's StratifiedKFold: classes ordered by
 * first appearance, each class's rows dealt in order so every fold gets its
 * share of each class.
 */
export function stratifiedFolds(y: Labels, folds: number, seed?: number): Int32Array {
  const n = y.length;
  const firstSeen: number[] = [];
  for (let i = 0; i < n && firstSeen.length < 2; i++) if (!firstSeen.includes(y[i])) firstSeen.push(y[i]);
  const encoded = Int32Array.from({ length: n }, (_, i) => firstSeen.indexOf(y[i]));
  const k = firstSeen.length;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) counts[encoded[i]]++;
  if (Math.max(...counts) < folds) {
    throw badInput(`${folds} folds need at least ${folds} rows of some class; the largest class has ${Math.max(...counts)}.`);
  }
  // allocation[f][c] = how many rows of class c go to fold f: deal the sorted labels round-robin.
  const sorted: number[] = [];
  for (let c = 0; c < k; c++) for (let i = 0; i < counts[c]; i++) sorted.push(c);
  const allocation = Array.from({ length: folds }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) allocation[i % folds][sorted[i]]++;
  const testFold = new Int32Array(n);
  const rng = seed === undefined ? undefined : new Random(seed);
  for (let c = 0; c < k; c++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < folds; f++) for (let t = 0; t < allocation[f][c]; t++) foldsForClass.push(f);
    rng?.shuffle(foldsForClass);
    let next = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === c) testFold[i] = foldsForClass[next++];
  }
  return testFold;
}

function score(scoring: Scoring, yTrue: number[], model: LogisticModel, X: Matrix): number {
  if (scoring === 'roc_auc') return rocAucScore(yTrue, model.decisionFunction(X));
  const pred = model.predict(X);
  switch (scoring) {
    case 'f1':
      return f1Score(yTrue, pred);
    case 'recall':
      return recallScore(yTrue, pred);
    case 'precision':
      return precisionScore(yTrue, pred);
    case 'accuracy':
      return accuracyScore(yTrue, pred);
  }
}

export function crossValidatedLogistic(X: Matrix, y: Labels, opts: CrossValidationOptions): CrossValidatedLogistic {
  checkMatrix(X);
  checkLabels(y, X.length);
  const { Cs } = opts;
  if (!Array.isArray(Cs) || Cs.length === 0) throw badInput('Cs must list at least one value of C.');
  for (const C of Cs) if (!(C > 0) || !Number.isFinite(C)) throw badInput(`Every C must be a positive number, got ${C}.`);
  const folds = opts.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2) throw badInput(`folds must be an integer ≥ 2, got ${folds}.`);
  const scoring = opts.scoring ?? 'f1';
  if (!['f1', 'recall', 'precision', 'roc_auc', 'accuracy'].includes(scoring)) throw badInput(`Unknown scoring ${String(scoring)}.`);
  const testFold = stratifiedFolds(y, folds, opts.seed);
  const split = Array.from({ length: folds }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < X.length; i++) (testFold[i] === f ? test : train).push(i);
    return {
      Xtrain: train.map((i) => X[i]),
      ytrain: train.map((i) => y[i]),
      Xtest: test.map((i) => X[i]),
      ytest: test.map((i) => y[i]),
    };
  });
  const fit = { classWeight: opts.classWeight, maxIter: opts.maxIter, tol: opts.tol };
  const scores = Cs.map((C) => {
    const perFold = split.map((s) => score(scoring, s.ytest, logisticRegression(s.Xtrain, s.ytrain, { ...fit, C }), s.Xtest));
    const mean = perFold.reduce((a, b) => a + b, 0) / folds;
    const std = Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
    return { C, mean, std, folds: perFold };
  });
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i].mean > scores[best].mean) best = i;
  const bestC = Cs[best];
  return { bestC, scores, model: logisticRegression(X, y, { ...fit, C: bestC }) };
}
