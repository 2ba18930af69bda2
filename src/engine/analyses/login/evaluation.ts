/**
 * Evaluation of detectors against labelled minutes: the classification
 * report, the confusion matrix, ROC and precision–recall curves with the
 * target region (precision ≥ p, recall ≥ r) and each detector's operating
 * point, as tables and one Vega-Lite "evaluation view" (curves above,
 * confusion matrices below), data inline.
 */
import type { SqlValue } from '../../store/database';
import type { ResultTable } from '../../findings/model';
import { heatmapEncodings, shadesOf } from '../../../shared/chartSpec';
import { auc, classificationReport, confusionMatrix, findThreshold, precisionRecallCurve, rocCurve, type ClassificationReport, type Confusion, type PrecisionRecallCurve, type RocCurve } from '../../ml';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One detector's output on the evaluated rows: a score (higher = more attack-like) and its 0/1 predictions. */
export interface Scored {
  name: string;
  score: ArrayLike<number>;
  pred: ArrayLike<number>;
  /** The score from which a row is predicted an attack, when there is one. */
  threshold?: number;
}

export interface Evaluated {
  name: string;
  confusion: Confusion;
  report: ClassificationReport;
  precision: number;
  recall: number;
  f1: number;
  /** Undefined when the labels hold one class only. */
  rocAuc?: number;
  averagePrecision?: number;
  threshold?: number;
  /** The curves, computed once (each costs a sort of every score). */
  pr?: PrecisionRecallCurve;
  roc?: RocCurve;
}

export interface Target {
  minPrecision: number;
  minRecall: number;
}

const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

/** Scores and counts of one detector. */
export function evaluateOne(y: ArrayLike<number>, s: Scored): Evaluated {
  const confusion = confusionMatrix(y, s.pred);
  const report = classificationReport(y, s.pred);
  const pos = report.classes['1'] ?? { precision: 0, recall: 0, f1: 0 };
  const both = hasBothClasses(y);
  const pr = both ? precisionRecallCurve(y, s.score) : undefined;
  const roc = both ? rocCurve(y, s.score) : undefined;
  return {
    name: s.name,
    confusion,
    report,
    precision: pos.precision,
    recall: pos.recall,
    f1: pos.f1,
    // the ROC curve without its collinear points has the same area; average precision as scikit-learn sums it
    ...(pr && roc ? { rocAuc: auc(roc.fpr, roc.tpr), averagePrecision: apOf(pr), pr, roc } : {}),
    ...(s.threshold !== undefined ? { threshold: s.threshold } : {}),
  };
}

/** scikit-learn's average_precision_score from its precision–recall curve: Σ (R_n − R_{n−1}) P_n. */
function apOf(c: PrecisionRecallCurve): number {
  let s = 0;
  for (let i = 0; i < c.recall.length - 1; i++) s -= (c.recall[i + 1] - c.recall[i]) * c.precision[i];
  return s;
}

/** The lowest threshold of a precision–recall curve meeting both targets (findThreshold's rule), or the closest point. */
export function thresholdOnCurve(c: PrecisionRecallCurve, target: Target): { threshold?: number; precision: number; recall: number } {
  let best = { precision: 0, recall: 0 };
  let gap = -Infinity;
  for (let i = 0; i < c.thresholds.length; i++) {
    const p = c.precision[i];
    const r = c.recall[i];
    if (p >= target.minPrecision && r >= target.minRecall) return { threshold: c.thresholds[i], precision: p, recall: r };
    const g = Math.min(target.minPrecision > 0 ? p / target.minPrecision : 1, target.minRecall > 0 ? r / target.minRecall : 1);
    if (g > gap) {
      gap = g;
      best = { precision: p, recall: r };
    }
  }
  return best;
}

function hasBothClasses(y: ArrayLike<number>): boolean {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] ? 1 : 0;
  return pos > 0 && pos < y.length;
}

/** Summary and classification-report tables (scikit-learn's layout: class, precision, recall, f1-score, support). */
export function evaluationTables(evals: Evaluated[], what: string): ResultTable[] {
  const summary: SqlValue[][] = evals.map((e) => [
    e.name,
    e.threshold === undefined ? null : Number(e.threshold.toPrecision(6)),
    r4(e.precision),
    r4(e.recall),
    r4(e.f1),
    e.confusion.tp,
    e.confusion.fp,
    e.confusion.fn,
    e.confusion.tn,
    e.rocAuc === undefined ? null : r4(e.rocAuc),
    e.averagePrecision === undefined ? null : r4(e.averagePrecision),
  ]);
  const report: SqlValue[][] = [];
  for (const e of evals) {
    for (const [k, c] of Object.entries(e.report.classes)) report.push([e.name, k === '1' ? 'attack (1)' : 'normal (0)', r4(c.precision), r4(c.recall), r4(c.f1), c.support]);
    report.push([e.name, 'accuracy', null, null, r4(e.report.accuracy), e.confusion.tp + e.confusion.fp + e.confusion.fn + e.confusion.tn]);
    report.push([e.name, 'macro avg', r4(e.report.macroAvg.precision), r4(e.report.macroAvg.recall), r4(e.report.macroAvg.f1), e.report.macroAvg.support]);
    report.push([e.name, 'weighted avg', r4(e.report.weightedAvg.precision), r4(e.report.weightedAvg.recall), r4(e.report.weightedAvg.f1), e.report.weightedAvg.support]);
  }
  return [
    { title: `Evaluation against labelled minutes: ${what}`, columns: ['detector', 'threshold', 'precision', 'recall', 'f1', 'TP', 'FP', 'FN', 'TN', 'ROC AUC', 'average precision'], rows: summary },
    { title: `Classification reports: ${what}`, columns: ['detector', 'class', 'precision', 'recall', 'f1-score', 'support'], rows: report },
  ];
}

/**
 * Curve points worth drawing: a precision–recall curve has a step at each
 * positive, so the first and last point of each recall level keep its shape;
 * then at most `max` points evenly spread.
 */
function thin<T>(points: T[], key: (p: T) => number, max = 600): T[] {
  const kept: T[] = [];
  for (let i = 0; i < points.length; i++) {
    const k = key(points[i]);
    if (i === 0 || i === points.length - 1 || key(points[i - 1]) !== k || key(points[i + 1]) !== k) kept.push(points[i]);
  }
  if (kept.length <= max) return kept;
  const step = kept.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(kept[Math.floor(i * step)]);
  out.push(kept[kept.length - 1]);
  return out;
}

/** The evaluation view: precision–recall (target region shaded) and ROC curves with operating points, and the confusion matrices. */
export function evaluationChart(y: ArrayLike<number>, detectors: Scored[], evals: Evaluated[], target: Target, what: string): { title: string; spec: Record<string, unknown> } | undefined {
  if (!hasBothClasses(y)) return undefined;
  const pr: Record<string, unknown>[] = [];
  const roc: Record<string, unknown>[] = [];
  for (const [k, d] of detectors.entries()) {
    const c = evals[k]?.pr ?? precisionRecallCurve(y, d.score);
    const pts = c.precision.map((p, i) => ({ detector: d.name, recall: r4(c.recall[i]), precision: r4(p), threshold: i < c.thresholds.length ? Number(c.thresholds[i].toPrecision(5)) : null, order: i }));
    pr.push(...thin(pts, (p) => p.recall ?? 0));
    const rc = evals[k]?.roc ?? rocCurve(y, d.score);
    const rpts = rc.fpr.map((f, i) => ({ detector: d.name, fpr: r4(f), tpr: r4(rc.tpr[i]), threshold: Number.isFinite(rc.thresholds[i]) ? Number(rc.thresholds[i].toPrecision(5)) : null, order: i }));
    roc.push(...thin(rpts, (p) => p.tpr ?? 0));
  }
  const ops = evals.map((e) => ({
    detector: e.name,
    precision: r4(e.precision),
    recall: r4(e.recall),
    fpr: r4(e.confusion.fp / Math.max(1, e.confusion.fp + e.confusion.tn)),
    threshold: e.threshold === undefined ? 'predict' : Number(e.threshold.toPrecision(5)),
  }));
  const unit = (title: string) => ({ type: 'quantitative', scale: { domain: [0, 1] }, title });
  const color = { field: 'detector', type: 'nominal', title: 'detector' };
  const cells = evals.flatMap((e) => [
    { detector: e.name, actual: 'attack', predicted: 'attack', n: e.confusion.tp, cell: 'TP' },
    { detector: e.name, actual: 'attack', predicted: 'normal', n: e.confusion.fn, cell: 'FN' },
    { detector: e.name, actual: 'normal', predicted: 'attack', n: e.confusion.fp, cell: 'FP' },
    { detector: e.name, actual: 'normal', predicted: 'normal', n: e.confusion.tn, cell: 'TN' },
  ]);
  const shades = shadesOf(cells.map((c) => c.n), { log: true });
  const shaded = cells.map((c, k) => ({ ...c, shade: shades[k] }));
  const heat = heatmapEncodings();
  const order = ['attack', 'normal'];
  return {
    title: `Evaluation: ${what}`,
    spec: {
      $schema: VL,
      // two lines: one long line is wider than the curves it heads
      title: { text: [what, `target precision ≥ ${target.minPrecision}, recall ≥ ${target.minRecall}`] },
      vconcat: [
        {
          hconcat: [
            {
              title: 'Precision–recall',
              width: 280,
              height: 280,
              layer: [
                {
                  data: { values: [{ r0: target.minRecall, r1: 1, p0: target.minPrecision, p1: 1 }] },
                  mark: { type: 'rect', color: '#54a24b', opacity: 0.15 },
                  encoding: { x: { field: 'r0', ...unit('recall') }, x2: { field: 'r1' }, y: { field: 'p0', ...unit('precision') }, y2: { field: 'p1' } },
                },
                {
                  data: { values: pr },
                  mark: { type: 'line', interpolate: 'step-after', clip: true },
                  encoding: { x: { field: 'recall', ...unit('recall') }, y: { field: 'precision', ...unit('precision') }, color, order: { field: 'order' }, tooltip: [{ field: 'detector' }, { field: 'threshold', title: 'score ≥' }, { field: 'precision' }, { field: 'recall' }] },
                },
                {
                  data: { values: ops },
                  mark: { type: 'point', filled: true, size: 90, shape: 'diamond' },
                  encoding: { x: { field: 'recall', ...unit('recall') }, y: { field: 'precision', ...unit('precision') }, color, tooltip: [{ field: 'detector' }, { field: 'threshold' }, { field: 'precision' }, { field: 'recall' }] },
                },
              ],
            },
            {
              title: 'ROC',
              width: 280,
              height: 280,
              layer: [
                { data: { values: [{ a: 0, b: 1 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { x: { field: 'a', ...unit('false-positive rate') }, y: { field: 'a', ...unit('true-positive rate') }, x2: { field: 'b' }, y2: { field: 'b' } } },
                {
                  data: { values: roc },
                  mark: { type: 'line', clip: true },
                  encoding: { x: { field: 'fpr', ...unit('false-positive rate') }, y: { field: 'tpr', ...unit('true-positive rate') }, color, order: { field: 'order' }, tooltip: [{ field: 'detector' }, { field: 'threshold', title: 'score ≥' }, { field: 'fpr' }, { field: 'tpr' }] },
                },
                {
                  data: { values: ops },
                  mark: { type: 'point', filled: true, size: 90, shape: 'diamond' },
                  encoding: { x: { field: 'fpr', ...unit('false-positive rate') }, y: { field: 'recall', ...unit('true-positive rate') }, color, tooltip: [{ field: 'detector' }, { field: 'threshold' }, { field: 'fpr' }, { field: 'recall' }] },
                },
              ],
            },
          ],
        },
        {
          title: 'Confusion matrices',
          data: { values: shaded },
          facet: { column: { field: 'detector', type: 'nominal', title: null } },
          spec: {
            width: 150,
            height: 150,
            encoding: {
              x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted' },
              y: { field: 'actual', type: 'nominal', sort: order, title: 'labelled' },
            },
            layer: [
              // the cells' blues on a log scale shared by every matrix; each count in black or white, whichever reads on its own cell
              { mark: 'rect', encoding: { fill: heat.fill } },
              { mark: { type: 'text', fontSize: 13 }, transform: [{ calculate: "datum.cell + ' ' + datum.n", as: 'label' }], encoding: { text: { field: 'label' }, color: heat.text } },
            ],
          },
        },
      ],
    },
  };
}

/**
 * The operating threshold for a score, from labelled data the model has
 * already seen: of the thresholds meeting the target (findThreshold's
 * candidates), the one with the best F1 there, and of several equally good
 * the middle one, so the cut sits away from both edges of the good range
 * instead of at its lowest end where the next month's false positives start.
 * Without a candidate, the point closest to the target.
 */
export function chooseThreshold(y: ArrayLike<number>, score: ArrayLike<number>, target: Target): { threshold: number; met: boolean; precision: number; recall: number } {
  const c = findThreshold(y, score, target);
  if (!c.candidates.length) return { threshold: c.best.threshold, met: false, precision: c.best.precision, recall: c.best.recall };
  const f1 = (p: { precision: number; recall: number }) => (p.precision + p.recall > 0 ? (2 * p.precision * p.recall) / (p.precision + p.recall) : 0);
  const best = Math.max(...c.candidates.map(f1));
  const top = c.candidates.filter((p) => f1(p) >= best - 1e-12);
  const mid = top[Math.floor((top.length - 1) / 2)];
  return { threshold: mid.threshold, met: true, precision: mid.precision, recall: mid.recall };
}
