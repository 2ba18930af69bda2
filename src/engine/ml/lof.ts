/**
 * Local outlier factor, as scikit-learn's LocalOutlierFactor computes it on
 * its training rows: exact Euclidean neighbours, a row not being its own
 * neighbour (but its duplicates are), reachability distances, and the 1e-10
 * that keeps the density finite when a row has more than k duplicates.
 *
 * Identical rows have identical neighbourhoods, so the work is done once per
 * distinct row: per-minute features have a few hundred distinct rows among
 * tens of thousands. When distinct rows tie at the k-th distance, the rows
 * that come first in the input are the neighbours. scikit-learn's choice
 * there depends on its search's internals (heap order, thread chunks, the
 * rounding of its distances), so in that case only the k-distance and,
 * in practice, the outlier labels are the same as scikit-learn's.
 */
import { badInput, checkMatrix, percentile, uniqueRows, type Matrix } from './matrix';
import { tooLittleData } from '../errors';

export interface LofOptions {
  nNeighbors?: number;
  /** 'auto' flags LOF > 1.5 (scikit-learn's offset −1.5); a share in (0, 0.5] flags that share. */
  contamination?: number | 'auto';
}

export interface LofResult {
  /** Local outlier factor per row (−negative_outlier_factor_): about 1 inside a cluster, larger for outliers. */
  lof: number[];
  /** −1 for an outlier, 1 otherwise. */
  predict: (1 | -1)[];
  /** scikit-learn's offset_, on −lof: a row is an outlier when −lof < threshold. */
  threshold: number;
  /** Neighbours used: min(nNeighbors, rows − 1). */
  nNeighbors: number;
  /** Distance to the k-th neighbour per row. */
  kDistance: number[];
}

/** Relative difference under which two distances count as the same. */
const TIE_TOLERANCE = 1e-12;

interface Neighbourhood {
  /** Distinct rows among the k neighbours, with how many of each and their distance. */
  groups: Int32Array;
  counts: Int32Array;
  dist: Float64Array;
}

export function localOutlierFactor(X: Matrix, opts: LofOptions = {}): LofResult {
  const d = checkMatrix(X);
  const n = X.length;
  if (n < 2) throw tooLittleData(`Local outlier factor needs at least 2 rows, got ${n}.`);
  const nNeighbors = opts.nNeighbors ?? 20;
  if (!Number.isInteger(nNeighbors) || nNeighbors < 1) throw badInput(`nNeighbors must be a positive integer, got ${nNeighbors}.`);
  const contamination = opts.contamination ?? 'auto';
  if (contamination !== 'auto' && !(contamination > 0 && contamination <= 0.5)) {
    throw badInput(`contamination must be 'auto' or in (0, 0.5], got ${contamination}.`);
  }
  const k = Math.max(1, Math.min(nNeighbors, n - 1));
  // The search asks for k + 1 rows because the row itself comes back among them.
  const want = k + 1;

  const u = uniqueRows(X, d);
  const U = u.count;
  const data = u.data;
  const counts = u.counts;
  const first = u.first;
  // Members of each distinct row, in input order (CSR).
  const start = new Int32Array(U + 1);
  for (let g = 0; g < U; g++) start[g + 1] = start[g] + counts[g];
  const members = new Int32Array(n);
  const fill = start.slice(0, U);
  for (let i = 0; i < n; i++) members[fill[u.inverse[i]]++] = i;

  const dist = new Float64Array(U);
  const heapG = new Int32Array(want);
  const neighbourhoods: Neighbourhood[] = new Array(U);
  const kDist = new Float64Array(U);
  // Order of candidates: distance, then first appearance in the input.
  const before = (a: number, b: number): boolean => dist[a] < dist[b] || (dist[a] === dist[b] && first[a] < first[b]);

  for (let g = 0; g < U; g++) {
    const og = g * d;
    for (let v = 0; v < U; v++) {
      const ov = v * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = data[og + j] - data[ov + j];
        s += t * t;
      }
      dist[v] = Math.sqrt(s);
    }
    // The `want` nearest distinct rows (a max-heap on `before`): the nearest `want` rows lie among them.
    let size = 0;
    for (let v = 0; v < U; v++) {
      if (size < want) {
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!before(heapG[p], v)) break;
          heapG[c] = heapG[p];
          c = p;
        }
        heapG[c] = v;
      } else if (before(v, heapG[0])) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= size) break;
          const r = l + 1;
          const m = r < size && before(heapG[l], heapG[r]) ? r : l;
          if (!before(v, heapG[m])) break;
          heapG[c] = heapG[m];
          c = m;
        }
        heapG[c] = v;
      }
    }
    const nearest = Array.from(heapG.subarray(0, size)).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    // The distance tau of the want-th row, and how many rows lie strictly closer.
    let cum = 0;
    let tau = 0;
    for (const v of nearest) {
      cum += counts[v];
      if (cum >= want) {
        tau = dist[v];
        break;
      }
    }
    // Distances equal but for rounding (a one-hot difference in another column) are a tie.
    const tol = TIE_TOLERANCE * tau;
    const chosenG: number[] = [];
    const chosenC: number[] = [];
    let closer = 0;
    for (const v of nearest) {
      if (dist[v] >= tau - tol) break;
      chosenG.push(v);
      chosenC.push(counts[v]);
      closer += counts[v];
    }
    const need = want - closer;
    // Every distinct row at exactly tau competes for the remaining places: the earliest input rows win.
    const atTau: number[] = [];
    for (let v = 0; v < U; v++) if (Math.abs(dist[v] - tau) <= tol) atTau.push(v);
    if (atTau.length === 1) {
      chosenG.push(atTau[0]);
      chosenC.push(need);
    } else {
      const taken = new Map<number, number>();
      const pos = atTau.map((v) => start[v]);
      for (let r = 0; r < need; r++) {
        let best = -1;
        for (let a = 0; a < atTau.length; a++) {
          const v = atTau[a];
          if (pos[a] < start[v + 1] && (best < 0 || members[pos[a]] < members[pos[best]])) best = a;
        }
        const v = atTau[best];
        pos[best]++;
        taken.set(v, (taken.get(v) ?? 0) + 1);
      }
      for (const [v, c] of taken) {
        chosenG.push(v);
        chosenC.push(c);
      }
    }
    // Drop the row itself (or, when it was crowded out by its duplicates, one duplicate): one of its own group.
    const self = chosenG.indexOf(g);
    chosenC[self]--;
    let kd = 0;
    for (let a = 0; a < chosenG.length; a++) if (chosenC[a] > 0 && dist[chosenG[a]] > kd) kd = dist[chosenG[a]];
    kDist[g] = kd;
    neighbourhoods[g] = {
      groups: Int32Array.from(chosenG),
      counts: Int32Array.from(chosenC),
      dist: Float64Array.from(chosenG, (v) => dist[v]),
    };
  }

  const lrd = new Float64Array(U);
  for (let g = 0; g < U; g++) {
    const nb = neighbourhoods[g];
    let s = 0;
    for (let a = 0; a < nb.groups.length; a++) s += nb.counts[a] * Math.max(nb.dist[a], kDist[nb.groups[a]]);
    lrd[g] = 1 / (s / k + 1e-10);
  }
  const lofG = new Float64Array(U);
  for (let g = 0; g < U; g++) {
    const nb = neighbourhoods[g];
    let s = 0;
    for (let a = 0; a < nb.groups.length; a++) s += nb.counts[a] * (lrd[nb.groups[a]] / lrd[g]);
    lofG[g] = s / k;
  }
  const lof = new Array<number>(n);
  const kDistance = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    lof[i] = lofG[u.inverse[i]];
    kDistance[i] = kDist[u.inverse[i]];
  }
  const threshold = contamination === 'auto' ? -1.5 : percentile(Array.from(lof, (v) => -v), 100 * contamination);
  const predict = new Array<1 | -1>(n);
  for (let i = 0; i < n; i++) predict[i] = -lof[i] < threshold ? -1 : 1;
  return {
    lof,
    predict,
    threshold,
    nNeighbors: k,
    kDistance,
  };
}
