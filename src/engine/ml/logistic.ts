/**
 * L2-regularised logistic regression with scikit-learn's objective
 * (C · Σ wᵢ · log-loss + ½‖coef‖², the intercept not penalised), minimised by
 * Newton's method. The objective is strictly convex, so the optimum is
 * scikit-learn's lbfgs optimum, reached to a tighter tolerance.
 */
import { solveSpd } from './linalg';
import { badInput, checkLabels, checkMatrix, uniqueRows, type Labels, type Matrix } from './matrix';

export type ClassWeight = 'balanced' | { 0: number; 1: number };

export interface LogisticOptions {
  /** Inverse of the regularisation strength (scikit-learn's C). */
  C?: number;
  penalty?: 'l2' | 'none';
  /** Newton iterations at most. */
  maxIter?: number;
  /** Stop when the largest gradient component is below tol × (1 + C · n). */
  tol?: number;
  classWeight?: ClassWeight;
  sampleWeight?: ArrayLike<number>;
}

export interface LogisticModel {
  coef: number[];
  intercept: number;
  /** Newton iterations used. */
  iterations: number;
  converged: boolean;
  decisionFunction(X: Matrix): number[];
  /** Probability of class 1 per row. */
  predictProba(X: Matrix): number[];
  /**
   * Without a threshold, scikit-learn's predict (decision > 0); with one,
   * the book's rule: probability ≥ threshold.
   */
  predict(X: Matrix, threshold?: number): (0 | 1)[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Per-sample weights from a class weighting (scikit-learn's compute_class_weight). */
export function classWeights(y: Labels, classWeight: ClassWeight | undefined): [number, number] {
  if (!classWeight) return [1, 1];
  if (classWeight === 'balanced') {
    let pos = 0;
    for (let i = 0; i < y.length; i++) pos += y[i];
    const neg = y.length - pos;
    const classes = (pos > 0 ? 1 : 0) + (neg > 0 ? 1 : 0);
    return [neg > 0 ? y.length / (classes * neg) : 1, pos > 0 ? y.length / (classes * pos) : 1];
  }
  const w: [number, number] = [classWeight[0] ?? 1, classWeight[1] ?? 1];
  if (!(w[0] >= 0 && w[1] >= 0)) throw badInput('classWeight values must be non-negative numbers.');
  return w;
}

export function logisticRegression(X: Matrix, y: Labels, opts: LogisticOptions = {}): LogisticModel {
  const d = checkMatrix(X);
  const n = X.length;
  checkLabels(y, n);
  const C = opts.C ?? 1;
  if (!(C > 0) || !Number.isFinite(C)) throw badInput(`C must be a positive number, got ${C}.`);
  const penalised = (opts.penalty ?? 'l2') === 'l2';
  if (opts.penalty && opts.penalty !== 'l2' && opts.penalty !== 'none') throw badInput(`Unknown penalty ${String(opts.penalty)}.`);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  const cw = classWeights(y, opts.classWeight);
  const sw = opts.sampleWeight;
  if (sw && sw.length !== n) throw badInput(`sampleWeight has ${sw.length} values for ${n} rows.`);

  // Identical (row, label) pairs are one weighted row: per-minute features repeat a lot.
  const u = uniqueRows(X, d);
  const slot = new Int32Array(2 * u.count).fill(-1);
  const pairOf = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const key = 2 * u.inverse[i] + y[i];
    if (slot[key] < 0) slot[key] = m++;
    pairOf[i] = slot[key];
  }
  const A = new Float64Array(m * d);
  const yy = new Float64Array(m);
  const w = new Float64Array(m);
  for (let key = 0; key < slot.length; key++) {
    const r = slot[key];
    if (r < 0) continue;
    A.set(u.data.subarray((key >> 1) * d, ((key >> 1) + 1) * d), r * d);
    yy[r] = key & 1;
  }
  for (let i = 0; i < n; i++) {
    if (sw && !(sw[i] >= 0)) throw badInput(`sampleWeight[${i}] must be a non-negative number.`);
    w[pairOf[i]] += (sw ? sw[i] : 1) * cw[y[i]];
  }
  let totalWeight = 0;
  for (let r = 0; r < m; r++) totalWeight += w[r];

  const p = d + 1;
  let beta = new Float64Array(p);
  const z = new Float64Array(m);
  const objective = (b: Float64Array): number => {
    let f = 0;
    for (let r = 0; r < m; r++) {
      let s = b[d];
      const o = r * d;
      for (let j = 0; j < d; j++) s += A[o + j] * b[j];
      z[r] = s;
      if (w[r] > 0) f += w[r] * (yy[r] === 1 ? softplus(-s) : softplus(s));
    }
    f *= C;
    if (penalised) for (let j = 0; j < d; j++) f += 0.5 * b[j] * b[j];
    return f;
  };
  let f = objective(beta);
  let iterations = 0;
  let converged = false;
  const g = new Float64Array(p);
  const H = new Float64Array(p * p);
  const gradTol = tol * (1 + C * totalWeight);
  for (; iterations < maxIter; iterations++) {
    g.fill(0);
    H.fill(0);
    const xr = new Float64Array(p);
    for (let r = 0; r < m; r++) {
      if (w[r] === 0) continue;
      const pr = sigmoid(z[r]);
      const gr = C * w[r] * (pr - yy[r]);
      const hr = C * w[r] * pr * (1 - pr);
      const o = r * d;
      for (let j = 0; j < d; j++) xr[j] = A[o + j];
      xr[d] = 1;
      for (let a = 0; a < p; a++) {
        g[a] += gr * xr[a];
        const ha = hr * xr[a];
        if (ha === 0) continue;
        const row = a * p;
        for (let b = 0; b <= a; b++) H[row + b] += ha * xr[b];
      }
    }
    if (penalised) {
      for (let j = 0; j < d; j++) {
        g[j] += beta[j];
        H[j * p + j] += 1;
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) H[b * p + a] = H[a * p + b];
    let gmax = 0;
    for (let a = 0; a < p; a++) gmax = Math.max(gmax, Math.abs(g[a]));
    if (gmax <= gradTol) {
      converged = true;
      break;
    }
    const step = solveSpd(H, g, p);
    let slope = 0;
    let stepMax = 0;
    let betaMax = 0;
    for (let a = 0; a < p; a++) {
      slope -= g[a] * step[a];
      stepMax = Math.max(stepMax, Math.abs(step[a]));
      betaMax = Math.max(betaMax, Math.abs(beta[a]));
    }
    if (stepMax <= 1e-15 * (1 + betaMax)) {
      converged = true;
      break;
    }
    // Backtracking (Armijo) keeps Newton safe far from the optimum, e.g. on separable data. Near it the
    // change in the objective is lost in rounding while the gradient is not yet small along a
    // badly scaled column: a full step whose change is within rounding is taken.
    let t = 1;
    const next = new Float64Array(p);
    let fNext = Infinity;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      for (let a = 0; a < p; a++) next[a] = beta[a] - t * step[a];
      fNext = objective(next);
      if (fNext <= f + 1e-4 * t * slope || (t === 1 && Math.abs(fNext - f) <= 1e-12 * Math.abs(f))) {
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      objective(beta);
      break;
    }
    beta = next;
    f = fNext;
  }
  return makeLogisticModel(Array.from(beta.subarray(0, d)), beta[d], iterations, converged);
}

/** A fitted linear model from its coefficients (also used by the SGD model). */
export function makeLogisticModel(coef: number[], intercept: number, iterations = 0, converged = true): LogisticModel {
  const d = coef.length;
  const decisionFunction = (X: Matrix): number[] => {
    if (X.length === 0) return [];
    const dx = checkMatrix(X, 'X to predict');
    if (dx !== d) throw badInput(`The model has ${d} features, got ${dx}.`);
    return X.map((row) => {
      let s = intercept;
      for (let j = 0; j < d; j++) s += row[j] * coef[j];
      return s;
    });
  };
  const predictProba = (X: Matrix): number[] => decisionFunction(X).map(sigmoid);
  return {
    coef,
    intercept,
    iterations,
    converged,
    decisionFunction,
    predictProba,
    predict(X: Matrix, threshold?: number): (0 | 1)[] {
      if (threshold === undefined) return decisionFunction(X).map((s) => (s > 0 ? 1 : 0));
      return predictProba(X).map((pr) => (pr >= threshold ? 1 : 0));
    },
  };
}
