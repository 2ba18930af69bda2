/**
 * k-prototypes clustering of mixed numeric and categorical data (Huang 1997,
 * "Clustering large data sets with mixed numeric and categorical values").
 *
 * The dissimilarity of a point x to a prototype q is
 *   Σ_numeric (x_j − q_j)²  +  γ · #{categorical attributes where x_a ≠ q_a}
 * (squared Euclidean distance of the standardised numeric features plus γ
 * times the simple mismatch count), and the cost is its sum over all points
 * and their own prototypes. Prototypes are the numeric means and the
 * categorical modes (a tie goes to the smallest value in sort order, as in
 * the `kmodes` Python package, whose choices this follows unless noted):
 *
 * - γ defaults to kmodes' automatic value, `0.5 * Xnum.std()`: half the
 *   standard deviation of all numeric values taken together. On standardised
 *   features that is 0.5 (less when a feature is constant).
 * - Numeric features are standardised (mean 0, population σ 1; a constant
 *   feature becomes 0; σ at least `minStd` when given) unless
 *   `standardize: false`; kmodes leaves that to the caller.
 * - The iterations are Huang's: points are visited in order and a point that
 *   is nearer another prototype moves at once, both prototypes being updated
 *   before the next point; a cluster left empty takes a random point of the
 *   largest cluster. A pass ends the run when nothing moved or the cost did
 *   not fall, or after `maxIter` passes (kmodes: the same, with 100).
 * - Initialisation `cao` (kmodes' default; Cao, Liang & Bai 2009): densities
 *   from the categorical value frequencies, the densest point first, then the
 *   point maximising density × distance to its nearest chosen prototype.
 *   Unlike kmodes the distance is the mixed one and the numeric part of each
 *   prototype is that point's own values (kmodes draws the numeric part from
 *   a normal distribution around the mean), which makes Cao deterministic.
 *   `huang` (Huang 1998): each attribute's values drawn by their
 *   frequencies, then the nearest distinct record by mismatches (ties broken
 *   at random) becomes the prototype, numeric values included (Huang 1997
 *   starts from k distinct records). Huang is seeded and run `nInit` times
 *   (default 10, like kmodes), keeping the cheapest; Cao runs once.
 * - When the data has no more than k distinct points, k becomes that number
 *   and the distinct points are the prototypes (as kmodes does).
 */
import { LogInvestigatorError } from '../errors';
import { randInt, seededRng, type Rng } from './random';

export type InitMethod = 'huang' | 'cao';
export const INIT_METHODS: readonly InitMethod[] = ['huang', 'cao'];

export interface MixedData {
  /** One row per point: its numeric features (every row the same length; 0 is allowed). */
  numeric: number[][];
  /** One row per point: its categorical features (null is a category of its own). */
  categorical: (string | null)[][];
}

export interface KPrototypesOptions {
  k: number;
  /** Default 'cao'. */
  init?: InitMethod;
  /** Weight of one categorical mismatch against squared numeric distance; default 0.5 · σ(all numeric values). */
  gamma?: number;
  /** Seed of the random choices (Huang initialisation, refilling an empty cluster); default 1. */
  seed?: number;
  /** Most passes over the data per run; default 100. */
  maxIter?: number;
  /** Runs from different initialisations, the cheapest kept; default 10 for Huang, 1 for Cao (deterministic). */
  nInit?: number;
  /** Standardise numeric features (default true). */
  standardize?: boolean;
  /**
   * Smallest σ a feature is divided by when standardising (default 0: a
   * constant feature becomes 0, any other is divided by its own σ). A floor
   * keeps a feature that is almost constant from turning its few different
   * values into huge distances.
   */
  minStd?: number;
}

export interface Prototype {
  /** Points whose nearest prototype this is. */
  size: number;
  /** Numeric means in the data's own units. */
  numeric: number[];
  /** Numeric means in standardised units (what distances use). */
  scaled: number[];
  /** Categorical modes. */
  categorical: (string | null)[];
}

export interface KPrototypesResult {
  /** Clusters found: the k asked for, or fewer when there are fewer distinct points. */
  k: number;
  labels: number[];
  prototypes: Prototype[];
  cost: number;
  /** Passes over the data in the run that was kept. */
  iterations: number;
  gamma: number;
  init: InitMethod;
  /** Per point: squared Euclidean distance to its prototype, in standardised units. */
  numericDistance: number[];
  /** Per point: categorical attributes that differ from its prototype's modes. */
  categoricalDistance: number[];
  /** Per point: numericDistance + γ · categoricalDistance (its share of the cost). */
  distance: number[];
  /** How the numeric features were standardised (std 1 and mean 0 when not). */
  scaling: { mean: number[]; std: number[] };
}

/** The data encoded once: standardised numbers, categories as small integers. */
export interface PreparedData {
  n: number;
  p: number;
  q: number;
  x: Float64Array;
  c: Int32Array;
  /** Per categorical attribute, its values in code order (sorted, null first). */
  levels: (string | null)[][];
  mean: number[];
  std: number[];
  gamma: number;
  /** Points with distinct values, as many as there are. */
  distinct: number;
}

const bad = (msg: string) => new LogInvestigatorError('BAD_OPTION', `k-prototypes: ${msg}`);

export function prepareMixed(data: MixedData, opts: { gamma?: number; standardize?: boolean; minStd?: number } = {}): PreparedData {
  const n = data.numeric.length;
  if (n === 0) throw bad('no points to cluster');
  if (data.categorical.length !== n) throw bad(`${n} numeric rows but ${data.categorical.length} categorical rows`);
  const p = data.numeric[0].length;
  const q = data.categorical[0].length;
  if (p + q === 0) throw bad('the points have no features');
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const row = data.numeric[i];
    if (row.length !== p) throw bad(`row ${i + 1} has ${row.length} numeric features, the first has ${p}`);
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(row[j])) throw bad(`row ${i + 1}, numeric feature ${j + 1} is ${row[j]}, not a finite number`);
      x[i * p + j] = row[j];
    }
  }
  const mean = new Array<number>(p).fill(0);
  const std = new Array<number>(p).fill(1);
  const minStd = opts.minStd ?? 0;
  if (!(minStd >= 0)) throw bad(`minStd must be a number ≥ 0, not ${minStd}`);
  if (opts.standardize ?? true) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i * p + j];
      const m = s / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (x[i * p + j] - m) ** 2;
      const raw = Math.sqrt(v / n);
      const sd = raw > 1e-12 * Math.max(1, Math.abs(m)) ? Math.max(raw, minStd) : minStd > 0 ? minStd : 1;
      mean[j] = m;
      std[j] = sd;
      for (let i = 0; i < n; i++) x[i * p + j] = (x[i * p + j] - m) / sd;
    }
  }
  const levels: (string | null)[][] = [];
  const c = new Int32Array(n * q);
  for (let a = 0; a < q; a++) {
    const values = new Set<string | null>();
    for (let i = 0; i < n; i++) {
      const row = data.categorical[i];
      if (row.length !== q) throw bad(`row ${i + 1} has ${row.length} categorical features, the first has ${q}`);
      values.add(row[a] ?? null);
    }
    const sorted = [...values].sort((u, v) => (u === v ? 0 : u === null ? -1 : v === null ? 1 : u < v ? -1 : 1));
    const code = new Map(sorted.map((v, i) => [v, i]));
    levels.push(sorted);
    for (let i = 0; i < n; i++) c[i * q + a] = code.get(data.categorical[i][a] ?? null)!;
  }
  let gamma = opts.gamma;
  if (gamma === undefined) {
    if (p === 0) gamma = 1;
    else {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i];
      const m = s / x.length;
      let v = 0;
      for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
      gamma = 0.5 * Math.sqrt(v / x.length);
    }
  }
  if (!Number.isFinite(gamma) || gamma < 0) throw bad(`gamma must be a number ≥ 0, not ${gamma}`);
  const keys = new Set<string>();
  for (let i = 0; i < n; i++) keys.add(rowKey(x, c, p, q, i));
  return { n, p, q, x, c, levels, mean, std, gamma, distinct: keys.size };
}

function rowKey(x: Float64Array, c: Int32Array, p: number, q: number, i: number): string {
  let k = '';
  for (let j = 0; j < p; j++) k += x[i * p + j] + ',';
  for (let a = 0; a < q; a++) k += c[i * q + a] + ';';
  return k;
}

/** Clusters the data into k clusters. */
export function kPrototypes(data: MixedData | PreparedData, opts: KPrototypesOptions): KPrototypesResult {
  const d = 'x' in data ? data : prepareMixed(data, opts);
  const init = opts.init ?? 'cao';
  if (!INIT_METHODS.includes(init)) throw bad(`unknown initialisation '${String(init)}'; use ${INIT_METHODS.join(' or ')}`);
  if (!Number.isInteger(opts.k) || opts.k < 1) throw bad(`k must be a whole number ≥ 1, not ${opts.k}`);
  const maxIter = opts.maxIter ?? 100;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw bad(`maxIter must be a whole number ≥ 1, not ${maxIter}`);
  const gamma = opts.gamma ?? d.gamma;
  const rng = seededRng(opts.seed ?? 1);
  let best: Run | undefined;
  if (d.distinct <= opts.k) {
    best = run(d, distinctRows(d), gamma, rng, 1);
  } else {
    const nInit = init === 'cao' ? 1 : Math.max(1, Math.floor(opts.nInit ?? 10));
    for (let r = 0; r < nInit; r++) {
      const sub = seededRng(Math.floor(rng() * 2 ** 31));
      const seeds = init === 'cao' ? initCao(d, opts.k, gamma) : initHuang(d, opts.k, sub);
      const res = run(d, seeds, gamma, sub, maxIter);
      if (!best || res.cost < best.cost) best = res;
    }
  }
  return describe(d, best!, gamma, init);
}

interface Run {
  k: number;
  labels: Int32Array;
  pn: Float64Array;
  pc: Int32Array;
  cost: number;
  iterations: number;
}

function distinctRows(d: PreparedData): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const key = rowKey(d.x, d.c, d.p, d.q, i);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(i);
    }
  }
  return out;
}

function pointDist(d: PreparedData, i: number, pn: Float64Array, pc: Int32Array, k: number, gamma: number): number {
  let num = 0;
  for (let j = 0; j < d.p; j++) num += (d.x[i * d.p + j] - pn[k * d.p + j]) ** 2;
  let cat = 0;
  for (let a = 0; a < d.q; a++) if (d.c[i * d.q + a] !== pc[k * d.q + a]) cat++;
  return num + gamma * cat;
}

/** Distance between two points (the mixed dissimilarity). */
function recordDist(d: PreparedData, i: number, r: number, gamma: number): number {
  let num = 0;
  for (let j = 0; j < d.p; j++) num += (d.x[i * d.p + j] - d.x[r * d.p + j]) ** 2;
  let cat = 0;
  for (let a = 0; a < d.q; a++) if (d.c[i * d.q + a] !== d.c[r * d.q + a]) cat++;
  return num + gamma * cat;
}

function frequencies(d: PreparedData): Int32Array[] {
  const f = d.levels.map((l) => new Int32Array(l.length));
  for (let i = 0; i < d.n; i++) for (let a = 0; a < d.q; a++) f[a][d.c[i * d.q + a]]++;
  return f;
}

/** Cao et al.: the densest point, then the point with the most density × distance to its nearest chosen prototype. */
function initCao(d: PreparedData, k: number, gamma: number): number[] {
  const f = frequencies(d);
  const dens = new Float64Array(d.n).fill(1);
  if (d.q > 0) {
    for (let i = 0; i < d.n; i++) {
      let s = 0;
      for (let a = 0; a < d.q; a++) s += f[a][d.c[i * d.q + a]];
      dens[i] = s / d.n / d.q;
    }
  }
  // the densest point; among equals the one nearest the numeric mean
  const mean = new Float64Array(d.p);
  for (let i = 0; i < d.n; i++) for (let j = 0; j < d.p; j++) mean[j] += d.x[i * d.p + j] / d.n;
  let first = 0;
  const centre = (i: number) => {
    let s = 0;
    for (let j = 0; j < d.p; j++) s += (d.x[i * d.p + j] - mean[j]) ** 2;
    return s;
  };
  for (let i = 1; i < d.n; i++) if (dens[i] > dens[first] || (dens[i] === dens[first] && centre(i) < centre(first))) first = i;
  const chosen = [first];
  const nearest = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) nearest[i] = recordDist(d, i, first, gamma);
  while (chosen.length < k) {
    let bestI = -1;
    let bestScore = 0;
    for (let i = 0; i < d.n; i++) {
      const s = nearest[i] * dens[i];
      if (s > bestScore) {
        bestScore = s;
        bestI = i;
      }
    }
    if (bestI < 0) break; // every point equals a chosen one
    chosen.push(bestI);
    for (let i = 0; i < d.n; i++) nearest[i] = Math.min(nearest[i], recordDist(d, i, bestI, gamma));
  }
  return chosen;
}

/** Huang: attribute values drawn by frequency, then the nearest not-yet-chosen distinct record. */
function initHuang(d: PreparedData, k: number, rng: Rng): number[] {
  const chosen: number[] = [];
  const chosenKeys = new Set<string>();
  const f = frequencies(d);
  for (let ik = 0; ik < k; ik++) {
    const target = d.levels.map((_, a) => {
      let r = randInt(rng, d.n);
      for (let v = 0; v < f[a].length; v++) {
        r -= f[a][v];
        if (r < 0) return v;
      }
      return f[a].length - 1;
    });
    let bestDist = Infinity;
    let ties: number[] = [];
    for (let i = 0; i < d.n; i++) {
      if (chosenKeys.has(rowKey(d.x, d.c, d.p, d.q, i))) continue;
      let m = 0;
      for (let a = 0; a < d.q; a++) if (d.c[i * d.q + a] !== target[a]) m++;
      if (m < bestDist) {
        bestDist = m;
        ties = [i];
      } else if (m === bestDist) ties.push(i);
    }
    if (!ties.length) break;
    const pick = ties[randInt(rng, ties.length)];
    chosen.push(pick);
    chosenKeys.add(rowKey(d.x, d.c, d.p, d.q, pick));
  }
  return chosen;
}

/** One run of Huang's iterations from the given records as prototypes. */
function run(d: PreparedData, seeds: number[], gamma: number, rng: Rng, maxIter: number): Run {
  const { n, p, q } = d;
  const k = seeds.length;
  const pn = new Float64Array(k * p);
  const pc = new Int32Array(k * q);
  seeds.forEach((r, ik) => {
    for (let j = 0; j < p; j++) pn[ik * p + j] = d.x[r * p + j];
    for (let a = 0; a < q; a++) pc[ik * q + a] = d.c[r * q + a];
  });
  const sum = new Float64Array(k * p);
  const count = new Int32Array(k);
  const freq: Int32Array[] = [];
  for (let ik = 0; ik < k; ik++) for (let a = 0; a < q; a++) freq.push(new Int32Array(d.levels[a].length));
  const member = new Int32Array(n);

  const nearest = (i: number) => {
    let bk = 0;
    let bd = Infinity;
    for (let ik = 0; ik < k; ik++) {
      const dist = pointDist(d, i, pn, pc, ik, gamma);
      if (dist < bd) {
        bd = dist;
        bk = ik;
      }
    }
    return bk;
  };
  const add = (i: number, ik: number, sign: 1 | -1) => {
    for (let j = 0; j < p; j++) sum[ik * p + j] += sign * d.x[i * p + j];
    for (let a = 0; a < q; a++) freq[ik * q + a][d.c[i * q + a]] += sign;
    count[ik] += sign;
  };
  const update = (ik: number) => {
    if (count[ik] === 0) return; // an empty cluster keeps its prototype until refilled
    for (let j = 0; j < p; j++) pn[ik * p + j] = sum[ik * p + j] / count[ik];
    for (let a = 0; a < q; a++) {
      const fr = freq[ik * q + a];
      let m = 0;
      for (let v = 1; v < fr.length; v++) if (fr[v] > fr[m]) m = v;
      pc[ik * q + a] = m;
    }
  };
  const move = (i: number, to: number) => {
    add(i, member[i], -1);
    add(i, to, 1);
    const from = member[i];
    member[i] = to;
    update(from);
    update(to);
  };
  const largest = () => {
    let b = 0;
    for (let ik = 1; ik < k; ik++) if (count[ik] > count[b]) b = ik;
    return b;
  };

  for (let i = 0; i < n; i++) {
    member[i] = nearest(i);
    add(i, member[i], 1);
  }
  // a prototype nobody chose: give it the point of the largest cluster farthest from that cluster's prototype
  for (let ik = 0; ik < k; ik++) {
    if (count[ik] > 0) continue;
    const from = largest();
    let far = -1;
    let farD = -1;
    for (let i = 0; i < n; i++) {
      if (member[i] !== from) continue;
      const dist = pointDist(d, i, pn, pc, from, gamma);
      if (dist > farD) {
        farD = dist;
        far = i;
      }
    }
    if (far >= 0 && count[from] > 1) move(far, ik);
  }
  for (let ik = 0; ik < k; ik++) update(ik);

  let cost = Infinity;
  let iterations = 0;
  let labels = member.slice();
  while (iterations < maxIter) {
    iterations++;
    let moves = 0;
    for (let i = 0; i < n; i++) {
      const to = nearest(i);
      if (to === member[i]) continue;
      const from = member[i];
      moves++;
      move(i, to);
      if (count[from] === 0) {
        const big = largest();
        const pool: number[] = [];
        for (let r = 0; r < n; r++) if (member[r] === big) pool.push(r);
        if (pool.length > 1) move(pool[randInt(rng, pool.length)], from);
      }
    }
    let ncost = 0;
    const nl = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      nl[i] = nearest(i);
      ncost += pointDist(d, i, pn, pc, nl[i], gamma);
    }
    const stop = moves === 0 || ncost >= cost;
    labels = nl;
    cost = ncost;
    if (stop) break;
  }
  return { k, labels, pn, pc, cost, iterations };
}

function describe(d: PreparedData, r: Run, gamma: number, init: InitMethod): KPrototypesResult {
  const { n, p, q } = d;
  const numericDistance: number[] = [];
  const categoricalDistance: number[] = [];
  const distance: number[] = [];
  const sizes = new Array<number>(r.k).fill(0);
  for (let i = 0; i < n; i++) {
    const ik = r.labels[i];
    sizes[ik]++;
    let num = 0;
    for (let j = 0; j < p; j++) num += (d.x[i * p + j] - r.pn[ik * p + j]) ** 2;
    let cat = 0;
    for (let a = 0; a < q; a++) if (d.c[i * q + a] !== r.pc[ik * q + a]) cat++;
    numericDistance.push(num);
    categoricalDistance.push(cat);
    distance.push(num + gamma * cat);
  }
  const prototypes: Prototype[] = [];
  for (let ik = 0; ik < r.k; ik++) {
    const scaled = Array.from({ length: p }, (_, j) => r.pn[ik * p + j]);
    prototypes.push({
      size: sizes[ik],
      scaled,
      numeric: scaled.map((v, j) => v * d.std[j] + d.mean[j]),
      categorical: Array.from({ length: q }, (_, a) => d.levels[a][r.pc[ik * q + a]]),
    });
  }
  return {
    k: r.k,
    labels: Array.from(r.labels),
    prototypes,
    cost: r.cost,
    iterations: r.iterations,
    gamma,
    init,
    numericDistance,
    categoricalDistance,
    distance,
    scaling: { mean: [...d.mean], std: [...d.std] },
  };
}

/** A point's distance to any prototype of a result: numeric (squared, standardised), categorical mismatches, and the two combined with γ. */
export function distanceToPrototype(r: KPrototypesResult, numeric: number[], categorical: (string | null)[], ik: number): { numeric: number; categorical: number; total: number } {
  const proto = r.prototypes[ik];
  let num = 0;
  numeric.forEach((v, j) => {
    num += ((v - r.scaling.mean[j]) / r.scaling.std[j] - proto.scaled[j]) ** 2;
  });
  let cat = 0;
  categorical.forEach((v, a) => {
    if ((v ?? null) !== proto.categorical[a]) cat++;
  });
  return { numeric: num, categorical: cat, total: num + r.gamma * cat };
}
