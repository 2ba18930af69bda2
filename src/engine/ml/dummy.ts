/** Baselines that ignore the features (scikit-learn's DummyClassifier), for two classes 0 and 1. */
import { Random } from './random';
import { badInput, checkLabels, type Labels, type Matrix } from './matrix';

export type DummyStrategy = 'most_frequent' | 'prior' | 'stratified' | 'uniform';

export interface DummyModel {
  strategy: DummyStrategy;
  /** Share of class 0 and class 1 in training. */
  classPrior: [number, number];
  /** Probability of class 1 per row (rows, or just their number). */
  predictProba(X: Matrix | number): number[];
  predict(X: Matrix | number, threshold?: number): (0 | 1)[];
}

export function dummyClassifier(y: Labels, strategy: DummyStrategy = 'most_frequent', seed = 0): DummyModel {
  if (y.length === 0) throw badInput('dummyClassifier: no labels.');
  checkLabels(y, y.length);
  if (!['most_frequent', 'prior', 'stratified', 'uniform'].includes(strategy)) {
    throw badInput(`Unknown dummy strategy ${String(strategy)}.`);
  }
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const prior: [number, number] = [(y.length - pos) / y.length, pos / y.length];
  // numpy's argmax: a tie goes to the first class, 0.
  const majority: 0 | 1 = prior[1] > prior[0] ? 1 : 0;
  const rng = new Random(seed);
  const size = (X: Matrix | number): number => (typeof X === 'number' ? X : X.length);
  const draw = (n: number): number[] => {
    switch (strategy) {
      case 'most_frequent':
        return new Array<number>(n).fill(majority);
      case 'prior':
        return new Array<number>(n).fill(prior[1]);
      case 'stratified':
        return Array.from({ length: n }, () => (rng.next() < prior[1] ? 1 : 0));
      case 'uniform':
        return new Array<number>(n).fill(0.5);
    }
  };
  return {
    strategy,
    classPrior: prior,
    predictProba: (X) => draw(size(X)),
    predict(X, threshold?: number): (0 | 1)[] {
      const n = size(X);
      if (threshold !== undefined) return draw(n).map((p) => (p >= threshold ? 1 : 0));
      switch (strategy) {
        case 'most_frequent':
        case 'prior':
          return new Array<0 | 1>(n).fill(majority);
        case 'stratified':
          return draw(n) as (0 | 1)[];
        case 'uniform':
          return Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
      }
    },
  };
}
