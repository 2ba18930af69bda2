/**
 * Adjustments every Vega-Lite spec gets before it is drawn (in the webviews and in headless
 * reports), without VS Code.
 *
 * Symlog axes: Vega's symlog scale takes its ticks from a linear scale, so on data spanning
 * orders of magnitude every label piles up at the top of the axis. Each positional symlog
 * encoding without explicit `axis.values` gets ticks at 0 and the powers of ten (with 2 and 5
 * between them when there are few) up to the largest value of its field in the inline data, each
 * labelled in its own SI unit.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 0, 1, 10, 100 … covering [min, max]; negatives mirrored; 1-2-5 steps when that gives ≤ 4 decades. */
export function symlogTicks(min: number, max: number): number[] {
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(Math.abs(min), Math.abs(max), 1))));
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  const side = (m: number): number[] => {
    const out: number[] = [];
    if (!(m > 0)) return out;
    for (let e = 0; e <= decades; e++) for (const s of steps) {
      const v = s * 10 ** e;
      if (v <= m * 1.0001) out.push(v);
    }
    return out;
  };
  return [...side(-min).map((v) => -v).reverse(), 0, ...side(max)];
}

function fieldRange(values: unknown[], field: string): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of values) {
    if (!isObject(row)) continue;
    const v = Number(row[field]);
    if (row[field] === null || row[field] === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** 1, 20, 500, 1k, 20k, 3M, 1G: a Vega expression (the interpreter evaluates it; no eval). */
export const SI_LABEL = [
  "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '~g') + 'G'",
  "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '~g') + 'M'",
  "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '~g') + 'k'",
  "format(datum.value, '~g')",
].join(' : ');

function fixEncoding(encoding: Json, values: unknown[] | null): void {
  for (const channel of ['x', 'y']) {
    const enc = encoding[channel];
    if (!isObject(enc) || !isObject(enc.scale) || enc.scale.type !== 'symlog' || typeof enc.field !== 'string' || enc.aggregate) continue;
    const axis = isObject(enc.axis) ? enc.axis : enc.axis === null ? null : {};
    if (axis === null || axis.values !== undefined || !values) continue;
    const range = fieldRange(values, enc.field);
    if (!range) continue;
    // each label in its own SI unit: a format such as "~s" would give every tick the unit of the largest ("0G" for 1,000)
    enc.axis = { ...axis, values: symlogTicks(Math.min(0, range[0]), range[1]), ...(axis.format === undefined && axis.labelExpr === undefined ? { labelExpr: SI_LABEL } : {}) };
  }
}

/** Walks a spec (layers, concatenations, facets, repeats) and fixes each view with the data in reach. */
function walk(node: unknown, inherited: unknown[] | null): void {
  if (!isObject(node)) return;
  const data = isObject(node.data) && Array.isArray(node.data.values) ? (node.data.values as unknown[]) : inherited;
  if (isObject(node.encoding)) fixEncoding(node.encoding, data);
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
    const children = node[key];
    if (Array.isArray(children)) for (const c of children) walk(c, data);
  }
  if (isObject(node.spec)) walk(node.spec, data);
}

/** A copy of `spec` with the adjustments above; the input is left as it was. */
export function prepareSpec<T extends Json>(spec: T): T {
  const copy = structuredClone(spec);
  walk(copy, null);
  return copy;
}

/** Where Vega's "blues" scheme turns dark enough that white reads better on it than black (both ≥ 4.58:1 there). */
export const BLUES_WHITE_TEXT_FROM = 0.74;

/**
 * A heatmap's cells and the counts written on them: the cell filled from "blues" by its shade
 * (0–1, see `shadesOf`), the count over it in black or white, whichever contrasts with that
 * cell's own fill. Chosen from the shade, not from the theme: the cells' blues do not follow it.
 * The cells use the `fill` channel and the text `color`, so the two keep separate scales.
 */
export function heatmapEncodings(field = 'shade'): { fill: Json; text: Json } {
  return {
    fill: { field, type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, legend: null },
    text: { field, type: 'quantitative', scale: { type: 'threshold', domain: [BLUES_WHITE_TEXT_FROM], range: ['#000000', '#ffffff'] }, legend: null },
  };
}

/** Each count's place (0–1) between the smallest and the largest (from 0 when `fromZero`), on a log scale when `log`. */
export function shadesOf(counts: number[], { log = false, fromZero = false } = {}): number[] {
  const f = (v: number) => (log ? Math.log1p(Math.max(0, v)) : v);
  const lo = fromZero ? f(0) : Math.min(...counts.map(f));
  const hi = Math.max(...counts.map(f));
  return counts.map((v) => (hi > lo ? Math.round(((f(v) - lo) / (hi - lo)) * 1e4) / 1e4 : 0));
}
