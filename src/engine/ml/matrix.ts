/** Shape checks and small dense helpers shared by the models. */
import { LogInvestigatorError } from '../errors';

/** Rows of features. */
export type Matrix = readonly (readonly number[])[];
/** Binary labels: 1 is the positive class (an attack), 0 the negative. */
export type Labels = ArrayLike<number>;

export function badInput(message: string): LogInvestigatorError {
  return new LogInvestigatorError('BAD_OPTION', message);
}

/** The number of columns; throws when rows are ragged or values not finite. */
export function checkMatrix(X: Matrix, what = 'X', allowEmpty = false): number {
  if (!Array.isArray(X)) throw badInput(`${what} must be an array of rows.`);
  if (X.length === 0) {
    if (allowEmpty) return 0;
    throw badInput(`${what} has no rows.`);
  }
  const d = X[0].length;
  if (d === 0) throw badInput(`${what} has no columns.`);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (!row || row.length !== d) throw badInput(`${what}: row ${i} has ${row?.length ?? 0} values, row 0 has ${d}.`);
    // x · 0 is 0 for every finite number and NaN for NaN and ±Infinity: one test per row.
    let probe = 0;
    for (let j = 0; j < d; j++) probe += row[j] * 0;
    if (probe !== 0) {
      for (let j = 0; j < d; j++) {
        if (!Number.isFinite(row[j])) throw badInput(`${what}: row ${i}, column ${j} is ${row[j]}, not a finite number.`);
      }
    }
  }
  return d;
}

/** Checks that labels are 0/1 and as many as the rows. */
export function checkLabels(y: Labels, n: number, what = 'y'): void {
  if (y.length !== n) throw badInput(`${what} has ${y.length} labels for ${n} rows.`);
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw badInput(`${what}[${i}] is ${y[i]}: labels must be 0 or 1.`);
  }
}

export function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw badInput(`${what}: ${a.length} values against ${b.length}.`);
  if (a.length === 0) throw badInput(`${what}: no values.`);
}

/** Rows packed into one Float64Array, row-major: the models' inner loops read it. */
export function pack(X: Matrix, d = X[0]?.length ?? 0): Float64Array {
  const out = new Float64Array(X.length * d);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    const o = i * d;
    for (let j = 0; j < d; j++) out[o + j] = row[j];
  }
  return out;
}

/**
 * Identical rows grouped: per-minute features repeat a lot (a quiet minute at
 * 3 am on a Tuesday looks like every other one), so the costly models work on
 * distinct rows and a row → distinct-row map.
 */
export interface UniqueRows {
  /** Distinct rows packed row-major, in order of first appearance. */
  data: Float64Array;
  /** Number of distinct rows. */
  count: number;
  /** Row i of the input is distinct row inverse[i]. */
  inverse: Int32Array;
  /** How many input rows each distinct row stands for. */
  counts: Int32Array;
  /** For each distinct row, the input row where it first appears. */
  first: Int32Array;
}

export function uniqueRows(X: Matrix, d: number): UniqueRows {
  const n = X.length;
  const buckets = new Map<number, number[]>();
  const data: number[] = [];
  const inverse = new Int32Array(n);
  const counts: number[] = [];
  const first: number[] = [];
  const f = new Float64Array(1);
  const bits = new Int32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    let h = 0x811c9dc5 | 0;
    for (let j = 0; j < d; j++) {
      // -0 and 0 are the same feature value.
      f[0] = row[j] === 0 ? 0 : row[j];
      h = Math.imul(h ^ bits[0], 0x01000193);
      h = Math.imul(h ^ bits[1], 0x01000193);
    }
    let list = buckets.get(h);
    let found = -1;
    if (list) {
      for (const u of list) {
        const o = u * d;
        let same = true;
        for (let j = 0; j < d; j++) {
          if (data[o + j] !== row[j]) {
            same = false;
            break;
          }
        }
        if (same) {
          found = u;
          break;
        }
      }
    } else {
      list = [];
      buckets.set(h, list);
    }
    if (found < 0) {
      found = counts.length;
      list.push(found);
      for (let j = 0; j < d; j++) data.push(row[j] === 0 ? 0 : row[j]);
      counts.push(0);
      first.push(i);
    }
    inverse[i] = found;
    counts[found]++;
  }
  return {
    data: Float64Array.from(data),
    count: counts.length,
    inverse,
    counts: Int32Array.from(counts),
    first: Int32Array.from(first),
  };
}

/** numpy.percentile with its default linear interpolation. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) throw badInput('percentile of no values.');
  const pos = (n - 1) * (q / 100);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  // numpy's _lerp: exact at both ends.
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}
