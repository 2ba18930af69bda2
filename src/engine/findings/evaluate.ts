/**
 * How well an analysis's findings match labels, at the entity level: every
 * entity value of a kind (every IP of a table, say) is one sample, labelled
 * malicious or benign; an entity is predicted malicious when one of its
 * findings scores at least the threshold.
 *
 * Zero divisions follow scikit-learn's `zero_division=1`: precision is 1 when
 * nothing is predicted positive, recall is 1 when nothing is labelled positive
 * (nothing was missed), F1 is 1 when there is neither a positive label nor a
 * positive prediction. The false-positive rate is 0 when there are no
 * negatives (none can be wrong). This puts the precision–recall curve's first
 * point, the threshold +Infinity, at (recall 0, precision 1), as
 * `sklearn.metrics.precision_recall_curve` does.
 */
import type { Finding } from './model';
import { heatmapEncodings, shadesOf } from '../../shared/chartSpec';

/** A labelled attack: a time span, and the entity (IP, user…) behind it when known. */
export interface LabelledWindow {
  /** Normalized UTC text, 'YYYY-MM-DD HH:MM:SS[.f]'. */
  start: string;
  end: string;
  entity?: string;
}

export interface Evaluation {
  analysis: string;
  /** Entities of the universe labelled malicious, and the others. */
  positives: number;
  negatives: number;
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  support: { positive: number; negative: number };
  /** One point per distinct score, from +Infinity (nothing predicted; JSON turns it into null) down to the lowest. */
  curve: { threshold: number; precision: number; recall: number; fpr: number }[];
  /** class, precision, recall, f1, support: 'benign', 'malicious', 'macro avg', 'weighted avg', as in classification_report. */
  reportRows: [string, number, number, number, number][];
}

/** a / b, or `zero` when b is 0. */
const div = (a: number, b: number, zero: number): number => (b === 0 ? zero : a / b);

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

function metrics({ tp, fp, fn }: Counts): { precision: number; recall: number; f1: number } {
  // F1 from counts (2tp / (2tp + fp + fn)) equals the harmonic mean wherever that is defined, and needs one zero-division rule only
  return { precision: div(tp, tp + fp, 1), recall: div(tp, tp + fn, 1), f1: div(2 * tp, 2 * tp + fp + fn, 1) };
}

export function evaluateEntities(findings: Finding[], universe: string[], malicious: Set<string>, threshold?: number): Evaluation {
  // an entity's score is its best finding's: several findings about one IP still make one prediction
  const best = new Map<string, number>();
  for (const f of findings) best.set(f.entity.value, Math.max(best.get(f.entity.value) ?? -Infinity, f.score));
  // a flagged entity is in the table even if the caller's universe missed it; labels naming
  // entities absent from the table are ignored, since no analysis of this table could find them
  const entities = new Set([...universe, ...best.keys()]);
  const labelled = [...entities].filter((e) => malicious.has(e));
  const positives = labelled.length;
  const negatives = entities.size - positives;

  const count = (t: number): Counts => {
    let tp = 0;
    let fp = 0;
    for (const [e, s] of best) {
      if (s < t) continue;
      if (malicious.has(e)) tp++;
      else fp++;
    }
    return { tp, fp, fn: positives - tp, tn: negatives - fp };
  };

  const scores = [...new Set(best.values())].sort((a, b) => b - a);
  const th = threshold ?? (scores.length ? scores[scores.length - 1] : Infinity);
  const c = count(th);
  const m = metrics(c);
  const curve = [Infinity, ...scores].map((t) => {
    const k = count(t);
    const { precision, recall } = metrics(k);
    return { threshold: t, precision, recall, fpr: div(k.fp, negatives, 0) };
  });

  // the benign class is the same table seen from the other side: its "true positives" are tn
  const benign = metrics({ tp: c.tn, fp: c.fn, fn: c.fp, tn: c.tp });
  const total = positives + negatives;
  const macro = (k: 'precision' | 'recall' | 'f1') => (benign[k] + m[k]) / 2;
  const weighted = (k: 'precision' | 'recall' | 'f1') => (total ? (negatives * benign[k] + positives * m[k]) / total : macro(k));
  const reportRows: [string, number, number, number, number][] = [
    ['benign', benign.precision, benign.recall, benign.f1, negatives],
    ['malicious', m.precision, m.recall, m.f1, positives],
    ['macro avg', macro('precision'), macro('recall'), macro('f1'), total],
    ['weighted avg', weighted('precision'), weighted('recall'), weighted('f1'), total],
  ];

  return {
    analysis: [...new Set(findings.map((f) => f.analysis))].join('+'),
    positives,
    negatives,
    threshold: th,
    ...c,
    ...m,
    support: { positive: positives, negative: negatives },
    curve,
    reportRows,
  };
}

/** The entities that labelled windows name; windows without one label time, not entities. */
export function maliciousFromWindows(windows: LabelledWindow[]): Set<string> {
  return new Set(windows.map((w) => w.entity?.trim()).filter((e): e is string => !!e));
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(3)) : String(x));

/**
 * Vega-Lite: the precision–recall curve (with the target region precision ≥ p
 * and recall ≥ r shaded) beside the confusion matrix. Data inline, so it
 * renders offline and in a webview alike.
 */
export function evaluationSpec(e: Evaluation, target?: { precision: number; recall: number }): Record<string, unknown> {
  const unit = { type: 'quantitative', scale: { domain: [0, 1] } };
  // step keeps the line in threshold order where several points share a recall
  const points = e.curve.map((p, step) => ({ step, threshold: Number.isFinite(p.threshold) ? fmt(p.threshold) : '∞', precision: p.precision, recall: p.recall, fpr: p.fpr }));
  const layers: Record<string, unknown>[] = [];
  if (target) {
    layers.push({
      data: { values: [{ r0: target.recall, r1: 1, p0: target.precision, p1: 1 }] },
      mark: { type: 'rect', color: '#54a24b', opacity: 0.15 },
      encoding: { x: { field: 'r0', ...unit }, x2: { field: 'r1' }, y: { field: 'p0', ...unit }, y2: { field: 'p1' } },
    });
  }
  layers.push({
    data: { values: points },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'recall', ...unit, title: 'recall' },
      y: { field: 'precision', ...unit, title: 'precision' },
      order: { field: 'step' },
      tooltip: [{ field: 'threshold', title: 'score ≥' }, { field: 'precision', format: '.3f' }, { field: 'recall', format: '.3f' }, { field: 'fpr', format: '.3f' }],
    },
  });
  const cells = [
    { actual: 'malicious', predicted: 'malicious', n: e.tp, cell: 'TP' },
    { actual: 'malicious', predicted: 'benign', n: e.fn, cell: 'FN' },
    { actual: 'benign', predicted: 'malicious', n: e.fp, cell: 'FP' },
    { actual: 'benign', predicted: 'benign', n: e.tn, cell: 'TN' },
  ];
  // the cells' blues from 0 to the largest count
  const shades = shadesOf([...cells.map((c) => c.n), 1], { fromZero: true });
  const shaded = cells.map((c, k) => ({ ...c, shade: shades[k] }));
  const heat = heatmapEncodings();
  const order = ['malicious', 'benign'];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${e.analysis || 'findings'}: precision ${fmt(e.precision)}, recall ${fmt(e.recall)} at score ≥ ${fmt(e.threshold)}`,
    vconcat: [
      { title: 'Precision–recall', width: 260, height: 260, layer: layers },
      {
        title: 'Confusion matrix',
        width: 180,
        height: 180,
        data: { values: shaded },
        encoding: {
          x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted' },
          y: { field: 'actual', type: 'nominal', sort: order, title: 'labelled' },
        },
        layer: [
          { mark: 'rect', encoding: { fill: heat.fill } },
          {
            mark: { type: 'text', fontSize: 14 },
            encoding: {
              text: { field: 'label' },
              // black or white, whichever reads on its own cell
              color: heat.text,
            },
            transform: [{ calculate: "datum.cell + ' ' + datum.n", as: 'label' }],
          },
        ],
      },
    ],
  };
}
