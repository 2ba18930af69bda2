/**
 * The decision threshold that meets a minimum precision and recall, read off
 * the precision-recall curve (the book's find_threshold).
 */
import { badInput, type Labels } from './matrix';
import { precisionRecallCurve } from './metrics';

export interface ThresholdPoint {
  threshold: number;
  precision: number;
  recall: number;
}

export interface ThresholdChoice {
  /**
   * The lowest threshold meeting both targets (it flags the most attacks), or
   * undefined when no threshold does.
   */
  threshold: number | undefined;
  /** Every threshold meeting both targets, increasing. */
  candidates: ThresholdPoint[];
  /**
   * The chosen point; when none meets both, the closest: the point whose worse
   * target ratio (precision / minPrecision, recall / minRecall) is highest.
   */
  best: ThresholdPoint;
  minPrecision: number;
  minRecall: number;
}

export function findThreshold(
  yTrue: Labels,
  score: ArrayLike<number>,
  opts: { minPrecision?: number; minRecall?: number } = {},
): ThresholdChoice {
  const minPrecision = opts.minPrecision ?? 0.85;
  const minRecall = opts.minRecall ?? 0.7;
  for (const [name, v] of [
    ['minPrecision', minPrecision],
    ['minRecall', minRecall],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw badInput(`${name} must be between 0 and 1, got ${v}.`);
  }
  const { precision, recall, thresholds } = precisionRecallCurve(yTrue, score);
  const candidates: ThresholdPoint[] = [];
  let best: ThresholdPoint | undefined;
  let bestGap = -Infinity;
  // The curve's last point (precision 1, recall 0) has no threshold.
  for (let i = 0; i < thresholds.length; i++) {
    const p: ThresholdPoint = { threshold: thresholds[i], precision: precision[i], recall: recall[i] };
    if (p.precision >= minPrecision && p.recall >= minRecall) candidates.push(p);
    const gap = Math.min(minPrecision > 0 ? p.precision / minPrecision : 1, minRecall > 0 ? p.recall / minRecall : 1);
    if (gap > bestGap) {
      bestGap = gap;
      best = p;
    }
  }
  if (candidates.length > 0) best = candidates[0];
  return { threshold: candidates[0]?.threshold, candidates, best: best!, minPrecision, minRecall };
}
