/**
 * Logistic regression by stochastic gradient descent, updated batch by batch
 * (scikit-learn's SGDClassifier with loss='log_loss'): each partialFit is one
 * epoch over the batch in a shuffled order, the step count t carrying over
 * from call to call so the 'optimal' learning rate keeps decaying; fit runs
 * epochs from scratch until the training loss stops improving. The state
 * (coefficients, averages, t) serialises to JSON, so a model trained on one
 * month can be stored and updated with the next.
 */
import { Random } from './random';
import { sigmoid } from './logistic';
import { badInput, checkLabels, checkMatrix, uniqueRows, type Labels, type Matrix } from './matrix';

export type SgdLearningRate = 'optimal' | 'constant' | 'invscaling' | 'adaptive';

export interface SgdOptions {
  /** Regularisation strength (scikit-learn's alpha). */
  alpha?: number;
  learningRate?: SgdLearningRate;
  /** Initial learning rate for 'constant', 'invscaling' and 'adaptive'. */
  eta0?: number;
  powerT?: number;
  penalty?: 'l2' | 'none';
  seed?: number;
  /** Epochs at most for fit(). */
  maxIter?: number;
  /** fit() stops (or, with 'adaptive', divides the rate by 5) after nIterNoChange epochs whose loss improved by less than tol · rows. */
  tol?: number;
  nIterNoChange?: number;
  shuffle?: boolean;
  /** Averaged SGD: false, true (average from the first step), or the step count after which to average. */
  average?: boolean | number;
  classWeight?: { 0: number; 1: number };
}

type ResolvedOptions = Required<Omit<SgdOptions, 'average' | 'classWeight'>> & { average: number; classWeight: [number, number] };

export interface SgdState {
  kind: 'sgd-logistic';
  version: 1;
  options: ResolvedOptions;
  coef: number[];
  intercept: number;
  averageCoef: number[];
  averageIntercept: number;
  /** scikit-learn's t_: 1 + the number of steps taken. */
  t: number;
  /** Calls so far: each call's shuffle is seeded from the seed and this count. */
  calls: number;
}

export interface SgdLogistic {
  /** The coefficients used to predict (the averaged ones once averaging has started). */
  readonly coef: number[];
  readonly intercept: number;
  /** Steps taken plus one (scikit-learn's t_). */
  readonly t: number;
  /** Epochs the last call ran. */
  readonly nIter: number;
  partialFit(X: Matrix, y: Labels, classes?: number[], sampleWeight?: ArrayLike<number>): SgdLogistic;
  fit(X: Matrix, y: Labels, sampleWeight?: ArrayLike<number>): SgdLogistic;
  decisionFunction(X: Matrix): number[];
  /** Probability of class 1 per row. */
  predictProba(X: Matrix): number[];
  /** Without a threshold, decision > 0 (scikit-learn's predict); with one, probability ≥ threshold. */
  predict(X: Matrix, threshold?: number): (0 | 1)[];
  toJSON(): SgdState;
}

function resolve(opts: SgdOptions): ResolvedOptions {
  const alpha = opts.alpha ?? 1e-4;
  if (!(alpha > 0)) throw badInput(`alpha must be a positive number, got ${alpha}.`);
  const learningRate = opts.learningRate ?? 'optimal';
  if (!['optimal', 'constant', 'invscaling', 'adaptive'].includes(learningRate)) throw badInput(`Unknown learningRate ${String(learningRate)}.`);
  const eta0 = opts.eta0 ?? (learningRate === 'optimal' ? 0 : 0.01);
  if (learningRate !== 'optimal' && !(eta0 > 0)) throw badInput(`eta0 must be positive for learningRate '${learningRate}'.`);
  const penalty = opts.penalty ?? 'l2';
  if (penalty !== 'l2' && penalty !== 'none') throw badInput(`Unknown penalty ${String(penalty)}.`);
  const average = opts.average === true ? 1 : opts.average === false || opts.average === undefined ? 0 : opts.average;
  if (!(average >= 0) || !Number.isInteger(average)) throw badInput(`average must be a boolean or a non-negative integer, got ${average}.`);
  const maxIter = opts.maxIter ?? 1000;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw badInput(`maxIter must be a positive integer, got ${maxIter}.`);
  const cw = opts.classWeight;
  const classWeight: [number, number] = cw ? [cw[0] ?? 1, cw[1] ?? 1] : [1, 1];
  if (!(classWeight[0] >= 0 && classWeight[1] >= 0)) throw badInput('classWeight values must be non-negative numbers.');
  return {
    alpha,
    learningRate,
    eta0,
    powerT: opts.powerT ?? 0.5,
    penalty,
    seed: opts.seed ?? 0,
    maxIter,
    tol: opts.tol ?? 1e-3,
    nIterNoChange: opts.nIterNoChange ?? 5,
    shuffle: opts.shuffle ?? true,
    average,
    classWeight,
  };
}

class SgdModel implements SgdLogistic {
  private w: Float64Array;
  private b = 0;
  private aw: Float64Array;
  private ab = 0;
  t = 1;
  nIter = 0;
  private calls = 0;

  constructor(
    private readonly o: ResolvedOptions,
    private d = 0,
  ) {
    this.w = new Float64Array(d);
    this.aw = new Float64Array(d);
  }

  private get averaging(): boolean {
    return this.o.average > 0 && this.o.average <= this.t - 1;
  }

  get coef(): number[] {
    return Array.from(this.averaging ? this.aw : this.w);
  }

  get intercept(): number {
    return this.averaging ? this.ab : this.b;
  }

  partialFit(X: Matrix, y: Labels, classes?: number[], sampleWeight?: ArrayLike<number>): SgdLogistic {
    if (classes && classes.some((c) => c !== 0 && c !== 1)) throw badInput('classes must be 0 and 1.');
    this.run(X, y, 1, sampleWeight);
    return this;
  }

  fit(X: Matrix, y: Labels, sampleWeight?: ArrayLike<number>): SgdLogistic {
    this.d = 0;
    this.t = 1;
    this.calls = 0;
    this.run(X, y, this.o.maxIter, sampleWeight);
    return this;
  }

  private run(X: Matrix, y: Labels, maxIter: number, sampleWeight?: ArrayLike<number>): void {
    const d = checkMatrix(X);
    const n = X.length;
    checkLabels(y, n);
    if (sampleWeight) {
      if (sampleWeight.length !== n) throw badInput(`sampleWeight has ${sampleWeight.length} values for ${n} rows.`);
      for (let i = 0; i < n; i++) if (!(sampleWeight[i] >= 0)) throw badInput(`sampleWeight[${i}] must be a non-negative number.`);
    }
    if (this.d === 0) {
      this.d = d;
      this.w = new Float64Array(d);
      this.aw = new Float64Array(d);
      this.b = 0;
      this.ab = 0;
    } else if (d !== this.d) throw badInput(`The model has ${this.d} features, got ${d}.`);
    const { alpha, learningRate, eta0, powerT, penalty, tol, nIterNoChange, average, classWeight } = this.o;
    // The shuffled passes read rows at random: from the distinct rows (a few hundred per-minute patterns
    // fit in the processor's cache) rather than from the rows themselves (hundreds of megabytes).
    const u = uniqueRows(X, d);
    const rows = u.data;
    const rowOf = u.inverse;
    // Labels as ±1 and each row's weight, once.
    const ys = new Float64Array(n);
    const weight = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = y[i] === 1 ? 1 : -1;
      weight[i] = classWeight[y[i]] * (sampleWeight ? sampleWeight[i] : 1);
    }
    // w = scale · v, so that the weight decay of every step is one multiplication (scikit-learn's WeightVector).
    const v = Float64Array.from(this.w);
    let scale = 1;
    const aw = this.aw;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const rng = new Random((this.o.seed + Math.imul(this.calls, 0x9e3779b1)) >>> 0);
    this.calls++;

    // 'optimal': scikit-learn's heuristic start, so the first step has the size of a typical weight.
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const optimalInit = 1 / (typw * alpha);
    const needLoss = maxIter > 1;
    let eta = eta0;
    let t = this.t;
    let b = this.b;
    let ab = this.ab;
    let bestLoss = Infinity;
    let noImprovement = 0;
    let epoch = 0;
    for (; epoch < maxIter; epoch++) {
      if (this.o.shuffle) rng.shuffle(order);
      let sumLoss = 0;
      for (let k = 0; k < n; k++) {
        const i = order[k];
        const o = rowOf[i] * d;
        const yi = ys[i];
        if (learningRate === 'optimal') eta = 1 / (alpha * (optimalInit + t - 1));
        else if (learningRate === 'invscaling') eta = eta0 / Math.pow(t, powerT);
        let dot = 0;
        for (let j = 0; j < d; j++) dot += v[j] * rows[o + j];
        const p = scale * dot + b;
        // Log loss and its derivative in the margin, clipped as scikit-learn's Log does.
        const z = p * yi;
        let g: number;
        if (z > 18) {
          const e = Math.exp(-z);
          g = -yi * e;
          if (needLoss) sumLoss += e;
        } else if (z < -18) {
          g = -yi;
          if (needLoss) sumLoss -= z;
        } else {
          const e = Math.exp(-z);
          g = (-yi * e) / (1 + e);
          if (needLoss) sumLoss += Math.log1p(e);
        }
        const update = -eta * g * weight[i];
        if (penalty === 'l2') {
          // Weight decay first, as scikit-learn does; never past zero.
          const shrink = 1 - eta * alpha;
          if (shrink <= 0) {
            v.fill(0);
            scale = 1;
          } else {
            scale *= shrink;
            if (scale < 1e-9) {
              for (let j = 0; j < d; j++) v[j] *= scale;
              scale = 1;
            }
          }
        }
        if (update !== 0) {
          const step = update / scale;
          for (let j = 0; j < d; j++) v[j] += step * rows[o + j];
          b += update;
        }
        if (average > 0 && average <= t) {
          const m = 1 / (t - average + 1);
          for (let j = 0; j < d; j++) aw[j] += (scale * v[j] - aw[j]) * m;
          ab += (b - ab) * m;
        }
        t++;
      }
      if (!needLoss) {
        epoch++;
        break;
      }
      if (sumLoss > bestLoss - tol * n) noImprovement++;
      else noImprovement = 0;
      if (sumLoss < bestLoss) bestLoss = sumLoss;
      if (noImprovement >= nIterNoChange) {
        if (learningRate === 'adaptive' && eta > 1e-6) {
          eta /= 5;
          noImprovement = 0;
        } else {
          epoch++;
          break;
        }
      }
    }
    for (let j = 0; j < d; j++) this.w[j] = scale * v[j];
    this.b = b;
    this.ab = ab;
    this.t = t;
    this.nIter = epoch;
  }

  decisionFunction(X: Matrix): number[] {
    if (X.length === 0) return [];
    if (this.d === 0) throw badInput('The SGD model has not been trained yet.');
    const d = checkMatrix(X, 'X to predict');
    if (d !== this.d) throw badInput(`The model has ${this.d} features, got ${d}.`);
    const w = this.averaging ? this.aw : this.w;
    const b = this.intercept;
    return X.map((row) => {
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * row[j];
      return s;
    });
  }

  predictProba(X: Matrix): number[] {
    return this.decisionFunction(X).map(sigmoid);
  }

  predict(X: Matrix, threshold?: number): (0 | 1)[] {
    if (threshold === undefined) return this.decisionFunction(X).map((s) => (s > 0 ? 1 : 0));
    return this.predictProba(X).map((p) => (p >= threshold ? 1 : 0));
  }

  toJSON(): SgdState {
    return {
      kind: 'sgd-logistic',
      version: 1,
      options: { ...this.o, classWeight: [...this.o.classWeight] },
      coef: Array.from(this.w),
      intercept: this.b,
      averageCoef: Array.from(this.aw),
      averageIntercept: this.ab,
      t: this.t,
      calls: this.calls,
    };
  }

  static fromJSON(state: SgdState): SgdModel {
    if (!state || state.kind !== 'sgd-logistic' || state.version !== 1) throw badInput('Not a saved SGD logistic model.');
    const { coef, averageCoef } = state;
    if (!Array.isArray(coef) || !Array.isArray(averageCoef) || coef.length !== averageCoef.length) {
      throw badInput('The saved SGD model has inconsistent coefficients.');
    }
    const all = [...coef, ...averageCoef, state.intercept, state.averageIntercept, state.t, state.calls];
    if (all.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw badInput('The saved SGD model has a value that is not a finite number.');
    const m = new SgdModel(resolve({ ...state.options, classWeight: { 0: state.options.classWeight[0], 1: state.options.classWeight[1] } }), coef.length);
    m.w = Float64Array.from(coef);
    m.aw = Float64Array.from(averageCoef);
    m.b = state.intercept;
    m.ab = state.averageIntercept;
    m.t = state.t;
    m.calls = state.calls;
    return m;
  }
}

export function sgdLogistic(opts: SgdOptions = {}): SgdLogistic {
  return new SgdModel(resolve(opts));
}

sgdLogistic.fromJSON = (state: SgdState): SgdLogistic => SgdModel.fromJSON(state);
