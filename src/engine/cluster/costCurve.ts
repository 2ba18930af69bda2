/**
 * Choosing k: the k-prototypes cost for k = 1..K, and its elbow (knee): the
 * k whose point lies farthest below the straight line from the first to the
 * last point of the curve, both axes scaled to [0, 1] (the "kneedle" idea of
 * Satopää et al. 2011 in its simplest form). With only two points, k = 2
 * when it removes at least half of the cost; with no point clearly below the
 * line (a straight or concave curve: no cluster structure to speak of), k = 1.
 */
import { LogInvestigatorError } from '../errors';
import { kPrototypes, prepareMixed, type KPrototypesOptions, type MixedData, type PreparedData } from './kprototypes';

export interface CostPoint {
  k: number;
  cost: number;
}

export interface CostCurve {
  points: CostPoint[];
  /** The elbow's k. */
  knee: number;
  gamma: number;
}

/** Below the line by less than this share of the axes counts as on it. */
const MIN_BEND = 0.05;

export function costCurve(data: MixedData | PreparedData, maxK: number, opts: Omit<KPrototypesOptions, 'k'> = {}): CostCurve {
  if (!Number.isInteger(maxK) || maxK < 1) throw new LogInvestigatorError('BAD_OPTION', `k-prototypes: maxK must be a whole number ≥ 1, not ${maxK}`);
  const d = 'x' in data ? data : prepareMixed(data, opts);
  const top = Math.min(maxK, d.distinct);
  const points: CostPoint[] = [];
  for (let k = 1; k <= top; k++) points.push({ k, cost: kPrototypes(d, { ...opts, k }).cost });
  return { points, knee: kneeOf(points), gamma: opts.gamma ?? d.gamma };
}

export function kneeOf(points: CostPoint[]): number {
  if (points.length === 0) return 1;
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length === 1 || first.cost <= 0) return first.k;
  if (points.length === 2) return last.cost <= first.cost / 2 ? last.k : first.k;
  const lo = Math.min(...points.map((p) => p.cost));
  const hi = Math.max(...points.map((p) => p.cost));
  if (hi - lo <= 0) return first.k;
  const xs = (k: number) => (k - first.k) / (last.k - first.k);
  const ys = (c: number) => (c - lo) / (hi - lo);
  let best = first.k;
  let bestBend = MIN_BEND;
  for (const p of points.slice(1, -1)) {
    const line = ys(first.cost) + (ys(last.cost) - ys(first.cost)) * xs(p.k);
    const bend = line - ys(p.cost);
    if (bend > bestBend) {
      bestBend = bend;
      best = p.k;
    }
  }
  return best;
}
