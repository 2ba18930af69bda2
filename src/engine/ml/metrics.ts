/**
 * Evaluation of a binary detector against labels, with scikit-learn's
 * definitions (and its choice of 0 where a ratio has no denominator), so the
 * figures can be compared with the book's.
 */
import { badInput, checkSameLength, type Labels } from './matrix';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

function checkBinary(y: Labels, what: string): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw badInput(`${what}[${i}] is ${y[i]}: labels must be 0 or 1.`);
  }
}

/** Counts with 1 as the positive class. */
export function confusionMatrix(yTrue: Labels, yPred: Labels): Confusion {
  checkSameLength(yTrue, yPred, 'confusionMatrix');
  checkBinary(yTrue, 'yTrue');
  checkBinary(yPred, 'yPred');
  const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) {
      if (yPred[i] === 1) c.tp++;
      else c.fn++;
    } else if (yPred[i] === 1) c.fp++;
    else c.tn++;
  }
  return c;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function precisionScore(yTrue: Labels, yPred: Labels): number {
  const c = confusionMatrix(yTrue, yPred);
  return ratio(c.tp, c.tp + c.fp);
}

export function recallScore(yTrue: Labels, yPred: Labels): number {
  const c = confusionMatrix(yTrue, yPred);
  return ratio(c.tp, c.tp + c.fn);
}

export function f1Score(yTrue: Labels, yPred: Labels): number {
  const c = confusionMatrix(yTrue, yPred);
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

export function accuracyScore(yTrue: Labels, yPred: Labels): number {
  const c = confusionMatrix(yTrue, yPred);
  return (c.tp + c.tn) / yTrue.length;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** scikit-learn's classification_report (output_dict layout): per class, accuracy, macro and weighted averages. */
export interface ClassificationReport {
  /** Keyed by the class label, '0' and '1'. */
  classes: Record<string, ClassScores>;
  accuracy: number;
  macroAvg: ClassScores;
  weightedAvg: ClassScores;
}

export function classificationReport(yTrue: Labels, yPred: Labels): ClassificationReport {
  const c = confusionMatrix(yTrue, yPred);
  const pos: ClassScores = {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    support: c.tp + c.fn,
  };
  const neg: ClassScores = {
    precision: ratio(c.tn, c.tn + c.fn),
    recall: ratio(c.tn, c.tn + c.fp),
    f1: ratio(2 * c.tn, 2 * c.tn + c.fn + c.fp),
    support: c.tn + c.fp,
  };
  // scikit-learn reports only the labels present in either vector.
  const present: ClassScores[] = [];
  const classes: Record<string, ClassScores> = {};
  if (neg.support > 0 || c.fn + c.tn > 0) {
    classes['0'] = neg;
    present.push(neg);
  }
  if (pos.support > 0 || c.tp + c.fp > 0) {
    classes['1'] = pos;
    present.push(pos);
  }
  const n = yTrue.length;
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean): number => {
    let s = 0;
    for (const k of present) s += weighted ? k[key] * k.support : k[key];
    return weighted ? ratio(s, n) : s / present.length;
  };
  const avgOf = (weighted: boolean): ClassScores => ({
    precision: avg('precision', weighted),
    recall: avg('recall', weighted),
    f1: avg('f1', weighted),
    support: n,
  });
  return { classes, accuracy: (c.tp + c.tn) / n, macroAvg: avgOf(false), weightedAvg: avgOf(true) };
}

/** The report as scikit-learn prints it. */
export function formatClassificationReport(r: ClassificationReport, digits = 2): string {
  const rows: [string, ClassScores][] = Object.entries(r.classes);
  const width = Math.max('weighted avg'.length, digits, ...rows.map(([k]) => k.length));
  const cell = (v: string): string => ' ' + v.padStart(9);
  const line = (name: string, s: ClassScores): string =>
    name.padStart(width) + ' ' + [s.precision, s.recall, s.f1].map((v) => cell(v.toFixed(digits))).join('') + cell(String(s.support));
  return [
    ' '.repeat(width) + ' ' + ['precision', 'recall', 'f1-score', 'support'].map(cell).join(''),
    '',
    ...rows.map(([k, s]) => line(k, s)),
    '',
    'accuracy'.padStart(width) + ' ' + cell('') + cell('') + cell(r.accuracy.toFixed(digits)) + cell(String(r.macroAvg.support)),
    line('macro avg', r.macroAvg),
    line('weighted avg', r.weightedAvg),
    '',
  ].join('\n');
}

/**
 * True and false positives at each distinct score, highest score first
 * (scikit-learn's _binary_clf_curve).
 */
function binaryCurve(yTrue: Labels, score: ArrayLike<number>): { fps: number[]; tps: number[]; thresholds: number[] } {
  checkSameLength(yTrue, score, 'curve');
  checkBinary(yTrue, 'yTrue');
  const n = score.length;
  for (let i = 0; i < n; i++) if (Number.isNaN(score[i])) throw badInput(`score[${i}] is NaN.`);
  const order = Array.from({ length: n }, (_, i) => i);
  // Stable, like numpy's mergesort on the reversed order: equal scores are one threshold anyway.
  order.sort((a, b) => score[b] - score[a] || a - b);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    tp += yTrue[i];
    if (r === n - 1 || score[order[r + 1]] !== score[i]) {
      tps.push(tp);
      fps.push(r + 1 - tp);
      thresholds.push(score[i]);
    }
  }
  return { fps, tps, thresholds };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is +Infinity (nothing flagged), as in scikit-learn ≥ 1.3. */
  thresholds: number[];
}

/** scikit-learn's roc_curve with drop_intermediate=true. */
export function rocCurve(yTrue: Labels, score: ArrayLike<number>, dropIntermediate = true): RocCurve {
  let { fps, tps, thresholds } = binaryCurve(yTrue, score);
  if (dropIntermediate && fps.length > 2) {
    // Keep the corners: points where the curve changes direction.
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = fps[i + 1] - 2 * fps[i] + fps[i - 1];
      const d2t = tps[i + 1] - 2 * tps[i] + tps[i - 1];
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = keep.map((i) => fps[i]);
    tps = keep.map((i) => tps[i]);
    thresholds = keep.map((i) => thresholds[i]);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [Infinity, ...thresholds];
  const negatives = fps[fps.length - 1];
  const positives = tps[tps.length - 1];
  return {
    fpr: fps.map((f) => (negatives === 0 ? NaN : f / negatives)),
    tpr: tps.map((t) => (positives === 0 ? NaN : t / positives)),
    thresholds,
  };
}

/** Area under a curve by the trapezoidal rule; x must be monotonic. */
export function auc(x: readonly number[], y: readonly number[]): number {
  checkSameLength(x, y, 'auc');
  if (x.length < 2) throw badInput('auc needs at least 2 points.');
  let up = true;
  let down = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) up = false;
    if (x[i] > x[i - 1]) down = false;
  }
  if (!up && !down) throw badInput('auc: x is neither increasing nor decreasing.');
  const direction = up ? 1 : -1;
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return direction * area;
}

/** Area under the ROC curve; undefined in scikit-learn (an error) when only one class is present. */
export function rocAucScore(yTrue: Labels, score: ArrayLike<number>): number {
  const r = rocCurve(yTrue, score, false);
  if (Number.isNaN(r.fpr[r.fpr.length - 1]) || Number.isNaN(r.tpr[r.tpr.length - 1])) {
    throw badInput('ROC AUC needs both classes in yTrue.');
  }
  return auc(r.fpr, r.tpr);
}

export interface PrecisionRecallCurve {
  /** From the lowest threshold up, ending with precision 1 at recall 0 (no threshold). */
  precision: number[];
  recall: number[];
  /** Increasing; one fewer than precision and recall. */
  thresholds: number[];
}

/** scikit-learn's precision_recall_curve (≥ 1.1: every threshold, not cut at full recall). */
export function precisionRecallCurve(yTrue: Labels, score: ArrayLike<number>): PrecisionRecallCurve {
  const { fps, tps, thresholds } = binaryCurve(yTrue, score);
  const last = tps[tps.length - 1];
  const precision = tps.map((t, i) => ratio(t, t + fps[i]));
  const recall = tps.map((t) => (last === 0 ? 1 : t / last));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: thresholds.slice().reverse(),
  };
}

/** scikit-learn's average_precision_score: Σ (R_n − R_{n−1}) P_n, no interpolation. */
export function averagePrecision(yTrue: Labels, score: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(yTrue, score);
  let s = 0;
  for (let i = 0; i < recall.length - 1; i++) s -= (recall[i + 1] - recall[i]) * precision[i];
  return s;
}

/** Agreement between two labellings beyond chance (any label values). */
export function cohenKappa(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  checkSameLength(a, b, 'cohenKappa');
  const index = new Map<number | string, number>();
  const codeA = new Int32Array(a.length);
  const codeB = new Int32Array(b.length);
  const code = (v: number | string): number => {
    let c = index.get(v);
    if (c === undefined) index.set(v, (c = index.size));
    return c;
  };
  for (let i = 0; i < a.length; i++) {
    codeA[i] = code(a[i]);
    codeB[i] = code(b[i]);
  }
  const k = index.size;
  const m = new Float64Array(k * k);
  const rowSum = new Float64Array(k);
  const colSum = new Float64Array(k);
  for (let i = 0; i < a.length; i++) {
    m[codeA[i] * k + codeB[i]]++;
    rowSum[codeA[i]]++;
    colSum[codeB[i]]++;
  }
  const n = a.length;
  let observed = 0;
  let expected = 0;
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      if (r === c) continue;
      observed += m[r * k + c];
      expected += (rowSum[r] * colSum[c]) / n;
    }
  }
  // As scikit-learn: 1 − disagreement / disagreement expected by chance (NaN when no disagreement is possible).
  return 1 - observed / expected;
}
