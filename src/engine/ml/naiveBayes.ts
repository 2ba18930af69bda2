/** Gaussian naive Bayes (scikit-learn's GaussianNB, var_smoothing 1e-9), for two classes 0 and 1. */
import { badInput, checkLabels, checkMatrix, type Labels, type Matrix } from './matrix';

export interface GaussianNBModel {
  /** Classes seen in training, increasing (one or both of 0 and 1). */
  classes: (0 | 1)[];
  classPrior: number[];
  /** Per class, per feature. */
  theta: number[][];
  variance: number[][];
  /** Probability of class 1 per row. */
  predictProba(X: Matrix): number[];
  /** The most probable class (or probability of 1 ≥ threshold when one is given). */
  predict(X: Matrix, threshold?: number): (0 | 1)[];
}

export function gaussianNB(X: Matrix, y: Labels, opts: { varSmoothing?: number } = {}): GaussianNBModel {
  const d = checkMatrix(X);
  const n = X.length;
  checkLabels(y, n);
  const varSmoothing = opts.varSmoothing ?? 1e-9;
  if (!(varSmoothing >= 0)) throw badInput('varSmoothing must be a non-negative number.');

  // The largest feature variance over all rows sets the smoothing added to every class variance.
  const mean = new Float64Array(d);
  for (const row of X) for (let j = 0; j < d; j++) mean[j] += row[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const varAll = new Float64Array(d);
  for (const row of X) for (let j = 0; j < d; j++) varAll[j] += (row[j] - mean[j]) ** 2;
  let maxVar = 0;
  for (let j = 0; j < d; j++) maxVar = Math.max(maxVar, varAll[j] / n);
  const epsilon = varSmoothing * maxVar;

  const classes: (0 | 1)[] = [];
  const theta: number[][] = [];
  const variance: number[][] = [];
  const counts: number[] = [];
  for (const c of [0, 1] as const) {
    let count = 0;
    const mu = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      if (y[i] !== c) continue;
      count++;
      for (let j = 0; j < d; j++) mu[j] += X[i][j];
    }
    if (count === 0) continue;
    for (let j = 0; j < d; j++) mu[j] /= count;
    const v = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      if (y[i] !== c) continue;
      for (let j = 0; j < d; j++) v[j] += (X[i][j] - mu[j]) ** 2;
    }
    for (let j = 0; j < d; j++) v[j] = v[j] / count + epsilon;
    if (v.some((x) => !(x > 0))) {
      throw badInput('GaussianNB: a feature has no variance at all (every value identical); drop it or scale the data.');
    }
    classes.push(c);
    theta.push(mu);
    variance.push(v);
    counts.push(count);
  }
  const classPrior = counts.map((c) => c / n);
  const logNorm = variance.map((v) => -0.5 * v.reduce((s, x) => s + Math.log(2 * Math.PI * x), 0));

  const jointLogLikelihood = (row: readonly number[]): number[] =>
    classes.map((_, k) => {
      let s = 0;
      const mu = theta[k];
      const v = variance[k];
      for (let j = 0; j < d; j++) s += (row[j] - mu[j]) ** 2 / v[j];
      return Math.log(classPrior[k]) + logNorm[k] - 0.5 * s;
    });
  const predictProba = (Z: Matrix): number[] => {
    if (Z.length === 0) return [];
    const dz = checkMatrix(Z, 'X to predict');
    if (dz !== d) throw badInput(`The model has ${d} features, got ${dz}.`);
    return Z.map((row) => {
      if (classes.length === 1) return classes[0];
      const [a, b] = jointLogLikelihood(row);
      // exp(b − logsumexp(a, b)), stable for very unequal likelihoods.
      return 1 / (1 + Math.exp(a - b));
    });
  };
  return {
    classes,
    classPrior,
    theta,
    variance,
    predictProba,
    predict(Z: Matrix, threshold?: number): (0 | 1)[] {
      if (threshold !== undefined) return predictProba(Z).map((p) => (p >= threshold ? 1 : 0));
      if (Z.length === 0) return [];
      checkMatrix(Z, 'X to predict');
      return Z.map((row) => {
        if (classes.length === 1) return classes[0];
        const [a, b] = jointLogLikelihood(row);
        return b > a ? 1 : 0;
      });
    },
  };
}
