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
  const mean = new Array<number>(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) mean[j] += row[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Two-pass variance with scikit-learn's correction term, which cancels the rounding of the mean.
  const sq = new Array<number>(d).fill(0);
  const corr = new Array<number>(d).fill(0);
  for (const row of X) {
    for (let j = 0; j < d; j++) {
      const t = row[j] - mean[j];
      corr[j] += t;
      sq[j] += t * t;
    }
  }
  const eps = Number.EPSILON;
  const scale = mean.map((m, j) => {
    const v = (sq[j] - (corr[j] * corr[j]) / n) / n;
    // scikit-learn's test for a constant column: the variance is within rounding of zero.
    const constant = v <= n * eps * v + (n * m * eps) ** 2;
    return constant ? 1 : Math.sqrt(v);
  });
  return {
    mean,
    scale,
    transform(Y: Matrix): number[][] {
      if (Y.length === 0) return [];
      const dy = checkMatrix(Y, 'X to transform');
      if (dy !== d) throw badInput(`The scaler was fitted on ${d} columns, got ${dy}.`);
      return Y.map((row) => row.map((x, j) => (x - mean[j]) / scale[j]));
    },
  };
}
