/** StandardScaler: centre each column on its mean and divide by its population standard deviation. */
import { badInput, checkMatrix, type Matrix } from './matrix';

export interface Standardizer {
  mean: number[];
  /** Population standard deviation per column; 1 for a constant column (as scikit-learn does). */
  scale: number[];
  transform(X: Matrix): number[][];
}

export function standardize(X: Matrix): Standardizer {
  const d = checkMatrix(X);
  const n = X.length;
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    for (let j = 0; j < d; j++) sum[j] += row[j];
  }
  const mu = sum.map((s) => s / n);
  // Two-pass variance with scikit-learn's correction term, which cancels the rounding of the mean.
  const sq = new Float64Array(d);
  const corr = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    for (let j = 0; j < d; j++) {
      const t = row[j] - mu[j];
      corr[j] += t;
      sq[j] += t * t;
    }
  }
  const eps = Number.EPSILON;
  const sigma = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const v = (sq[j] - (corr[j] * corr[j]) / n) / n;
    // scikit-learn's test for a constant column: the variance is within rounding of zero.
    const constant = v <= n * eps * v + (n * mu[j] * eps) ** 2;
    sigma[j] = constant ? 1 : Math.sqrt(v);
  }
  return {
    mean: Array.from(mu),
    scale: Array.from(sigma),
    transform(Y: Matrix): number[][] {
      if (Y.length === 0) return [];
      const dy = checkMatrix(Y, 'X to transform');
      if (dy !== d) throw badInput(`The scaler was fitted on ${d} columns, got ${dy}.`);
      const out = new Array<number[]>(Y.length);
      for (let i = 0; i < Y.length; i++) {
        const row = Y[i];
        const z = new Array<number>(d);
        for (let j = 0; j < d; j++) z[j] = (row[j] - mu[j]) / sigma[j];
        out[i] = z;
      }
      return out;
    },
  };
}
