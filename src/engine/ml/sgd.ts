/** Logistic regression by stochastic gradient descent, updated in batches (scikit-learn's SGDClassifier, log loss). */
import { badInput, type Labels, type Matrix } from './matrix';

export interface SgdOptions {
  alpha?: number;
  learningRate?: 'optimal' | 'constant' | 'invscaling';
  eta0?: number;
  powerT?: number;
  penalty?: 'l2' | 'none';
  seed?: number;
  /** Epochs for fit(). */
  maxIter?: number;
  tol?: number;
  shuffle?: boolean;
}

export interface SgdState {
  options: Required<Omit<SgdOptions, 'seed'>> & { seed: number };
  coef: number[];
  intercept: number;
  t: number;
  rngState: number;
}

export interface SgdLogistic {
  readonly coef: number[];
  readonly intercept: number;
  partialFit(X: Matrix, y: Labels, classes?: number[]): SgdLogistic;
  fit(X: Matrix, y: Labels): SgdLogistic;
  decisionFunction(X: Matrix): number[];
  predictProba(X: Matrix): number[];
  predict(X: Matrix, threshold?: number): (0 | 1)[];
  toJSON(): SgdState;
}

export function sgdLogistic(opts: SgdOptions = {}): SgdLogistic {
  void opts;
  throw badInput('sgdLogistic: not implemented yet.');
}

sgdLogistic.fromJSON = (state: SgdState): SgdLogistic => {
  void state;
  throw badInput('sgdLogistic.fromJSON: not implemented yet.');
};

