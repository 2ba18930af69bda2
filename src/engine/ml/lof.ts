/** Local outlier factor (scikit-learn's LocalOutlierFactor, exact neighbours). */
import { badInput, checkMatrix, type Matrix } from './matrix';

export interface LofOptions {
  nNeighbors?: number;
  /** 'auto' flags LOF > 1.5 (scikit-learn's offset −1.5); a share in (0, 0.5] flags that share. */
  contamination?: number | 'auto';
}

export interface LofResult {
  /** Local outlier factor per row: −negative_outlier_factor_; about 1 inside a cluster, larger for outliers. */
  lof: number[];
  /** −1 for an outlier, 1 otherwise. */
  predict: (1 | -1)[];
  /** scikit-learn's offset_ (on −lof): a row is an outlier when −lof < threshold. */
  threshold: number;
  nNeighbors: number;
}

export function localOutlierFactor(X: Matrix, opts: LofOptions = {}): LofResult {
  checkMatrix(X);
  void opts;
  throw badInput('localOutlierFactor: not implemented yet.');
}
