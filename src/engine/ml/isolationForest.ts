/**
 * Isolation forest, scikit-learn's algorithm: each tree isolates a random
 * subsample (max_samples rows, without replacement) by random splits (a random
 * non-constant feature, a threshold uniform between its minimum and maximum in
 * the node) down to depth ceil(log2(max_samples)); a row's score is
 * −2^(−E[path length] / c(max_samples)), the path length counting c(n) for the
 * n training rows left in its leaf. Higher scores are more normal. The random
 * draws are ours (seeded), so scores match scikit-learn statistically, and the
 * offset (threshold) is computed exactly as scikit-learn does.
 */
import { Random } from './random';
import { badInput, checkMatrix, percentile, uniqueRows, type Matrix, type UniqueRows } from './matrix';

export interface IsolationForestOptions {
  nEstimators?: number;
  /** 'auto' = min(256, rows); an integer = that many rows; a fraction in (0, 1] = that share of the rows. */
  maxSamples?: number | 'auto';
  /** Share of outliers expected, in (0, 0.5]; 'auto' uses scikit-learn's fixed offset −0.5. */
  contamination?: number | 'auto';
  seed?: number;
}

export interface IsolationForestModel {
  /** scikit-learn's score_samples: higher = more normal, in [−1, 0). */
  scoreSamples(X: Matrix): number[];
  /** score − threshold: negative for outliers. */
  decisionFunction(X: Matrix): number[];
  predict(X: Matrix): (1 | -1)[];
  /** scikit-learn's offset_. */
  threshold: number;
  maxSamples: number;
}

export interface IsolationForestResult {
  /** Scores of the training rows. */
  scores: number[];
  /** −1 for an outlier (score below the threshold), 1 otherwise. */
  predict: (1 | -1)[];
  threshold: number;
  model: IsolationForestModel;
}

const EULER_GAMMA = 0.5772156649015329;

/** Average path length of an unsuccessful search in a binary search tree of n nodes. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** scikit-learn's FEATURE_THRESHOLD: a feature spanning less than this in a node counts as constant. */
const FEATURE_THRESHOLD = 1e-7;

interface Tree {
  /** Per node: split feature, or −1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Per leaf: its depth plus c(rows in the leaf). */
  pathLength: Float64Array;
}

function buildTree(data: Float64Array, d: number, sample: Int32Array, maxDepth: number, rng: Random): Tree {
  const cap = 2 * sample.length + 1;
  const feature = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap);
  const left = new Int32Array(cap);
  const right = new Int32Array(cap);
  const pathLength = new Float64Array(cap);
  let nodes = 0;
  const idx = Int32Array.from(sample);
  const candidates = new Int32Array(d);
  // Depth-first over [start, end) ranges of idx, partitioned in place.
  const stack: [number, number, number, number][] = [[0, idx.length, 0, nodes++]];
  while (stack.length > 0) {
    const [start, end, depth, node] = stack.pop()!;
    const size = end - start;
    let split = -1;
    let thr = 0;
    if (depth < maxDepth && size >= 2) {
      // Draw features without replacement until one varies in this node.
      for (let j = 0; j < d; j++) candidates[j] = j;
      let remaining = d;
      while (remaining > 0) {
        const pick = rng.int(remaining);
        const f = candidates[pick];
        candidates[pick] = candidates[remaining - 1];
        remaining--;
        let lo = Infinity;
        let hi = -Infinity;
        for (let k = start; k < end; k++) {
          const v = data[idx[k] * d + f];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (hi <= lo + FEATURE_THRESHOLD) continue;
        thr = rng.uniform(lo, hi);
        if (thr === hi) thr = lo;
        split = f;
        break;
      }
    }
    if (split < 0) {
      pathLength[node] = depth + averagePathLength(size);
      continue;
    }
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (data[idx[i] * d + split] <= thr) i++;
      else {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        j--;
      }
    }
    feature[node] = split;
    threshold[node] = thr;
    const l = nodes++;
    const r = nodes++;
    left[node] = l;
    right[node] = r;
    stack.push([i, end, depth + 1, r], [start, i, depth + 1, l]);
  }
  return {
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    pathLength: pathLength.slice(0, nodes),
  };
}

function pathLengthOf(tree: Tree, data: Float64Array, offset: number): number {
  let node = 0;
  const { feature, threshold, left, right } = tree;
  while (feature[node] >= 0) node = data[offset + feature[node]] <= threshold[node] ? left[node] : right[node];
  return tree.pathLength[node];
}

export function isolationForest(X: Matrix, opts: IsolationForestOptions = {}): IsolationForestResult {
  const d = checkMatrix(X);
  const n = X.length;
  const nEstimators = opts.nEstimators ?? 100;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) throw badInput(`nEstimators must be a positive integer, got ${nEstimators}.`);
  const contamination = opts.contamination ?? 0.05;
  if (contamination !== 'auto' && !(contamination > 0 && contamination <= 0.5)) {
    throw badInput(`contamination must be 'auto' or in (0, 0.5], got ${contamination}.`);
  }
  const ms = opts.maxSamples ?? 'auto';
  let maxSamples: number;
  if (ms === 'auto') maxSamples = Math.min(256, n);
  else if (Number.isInteger(ms) && ms >= 1) maxSamples = Math.min(ms, n);
  else if (ms > 0 && ms <= 1) maxSamples = Math.floor(ms * n);
  else throw badInput(`maxSamples must be 'auto', a positive integer or a fraction in (0, 1], got ${ms}.`);
  if (maxSamples < 1) throw badInput('maxSamples leaves no rows to build a tree from.');
  const maxDepth = Math.ceil(Math.log2(Math.max(maxSamples, 2)));

  // Trees read feature values from the distinct rows: a subsample row is an index into them.
  const train = uniqueRows(X, d);
  const rng = new Random(opts.seed ?? 0);
  const trees: Tree[] = [];
  for (let t = 0; t < nEstimators; t++) {
    const treeRng = new Random(rng.seed());
    const sample = treeRng.sampleWithoutReplacement(n, maxSamples);
    for (let k = 0; k < sample.length; k++) sample[k] = train.inverse[sample[k]];
    trees.push(buildTree(train.data, d, sample, maxDepth, treeRng));
  }
  const denominator = nEstimators * averagePathLength(maxSamples);

  /** Scores of the distinct rows, then of every row: identical rows take identical paths. */
  const scoreRows = (u: UniqueRows): number[] => {
    const unique = new Float64Array(u.count);
    for (let r = 0; r < u.count; r++) {
      let depth = 0;
      for (const tree of trees) depth += pathLengthOf(tree, u.data, r * d);
      // A single training row gives a zero denominator: scikit-learn then uses a ratio of 1.
      unique[r] = -Math.pow(2, -(denominator !== 0 ? depth / denominator : 1));
    }
    const out = new Array<number>(u.inverse.length);
    for (let i = 0; i < out.length; i++) out[i] = unique[u.inverse[i]];
    return out;
  };
  const scoreSamples = (Z: Matrix): number[] => {
    if (Z.length === 0) return [];
    const dz = checkMatrix(Z, 'X to score');
    if (dz !== d) throw badInput(`The forest was fitted on ${d} features, got ${dz}.`);
    return scoreRows(uniqueRows(Z, d));
  };
  const scores = scoreRows(train);
  const threshold = contamination === 'auto' ? -0.5 : percentile(scores, 100 * contamination);
  const label = (s: number): 1 | -1 => (s - threshold < 0 ? -1 : 1);
  const model: IsolationForestModel = {
    scoreSamples,
    decisionFunction: (Z) => scoreSamples(Z).map((s) => s - threshold),
    predict: (Z) => scoreSamples(Z).map(label),
    threshold,
    maxSamples,
  };
  return { scores, predict: scores.map(label), threshold, model };
}
