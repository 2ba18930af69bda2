/**
 * IP ranges → values, looked up by binary search over sorted, disjoint
 * ranges. Input ranges may overlap (CIDR lists nest: a /24 inside a /16);
 * the most specific one wins where they do, so a lookup answers with the
 * narrowest range that holds the address, as a routing table would.
 * IPv4 bounds live in typed arrays, so millions of ranges cost no objects.
 */
import type { IpRange, ParsedIp } from './ip';

/** A typed array that doubles when full: ranges are counted as they are read. */
class Growable<T extends Float64Array | Int32Array> {
  n = 0;
  constructor(public a: T) {}
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  done(): T {
    return this.a.slice(0, this.n) as T;
  }
}

const growableF64 = () => new Growable(new Float64Array(1024));
const growableI32 = () => new Growable(new Int32Array(1024));

/**
 * Paints overlapping inclusive ranges into disjoint segments: at each point,
 * the covering range that starts last (the narrowest, for nested ranges)
 * wins; equal ranges go to the one added last. `order` lists the ranges by
 * start ascending, end descending. Adjacent segments with the same value merge.
 */
function paint<T extends number | bigint>(
  order: ArrayLike<number>,
  lo: (i: number) => T,
  hi: (i: number) => T,
  val: (i: number) => number,
  inc: (x: T) => T,
  dec: (x: T) => T,
  emit: (lo: T, hi: T, value: number) => void,
): void {
  const stack: number[] = [];
  let cursor = undefined as unknown as T;
  let pending: { lo: T; hi: T; v: number } | undefined;
  const out = (l: T, h: T, v: number) => {
    if (pending && pending.v === v && inc(pending.hi) === l) pending.hi = h;
    else {
      if (pending) emit(pending.lo, pending.hi, pending.v);
      pending = { lo: l, hi: h, v };
    }
  };
  const popBefore = (limit: T | undefined) => {
    while (stack.length) {
      const top = stack[stack.length - 1];
      const h = hi(top);
      if (limit !== undefined && h >= limit) break;
      if (cursor <= h) {
        out(cursor, h, val(top));
        cursor = inc(h);
      }
      stack.pop();
    }
  };
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const l = lo(i);
    popBefore(l);
    if (stack.length && cursor < l) out(cursor, dec(l), val(stack[stack.length - 1]));
    cursor = l;
    stack.push(i);
  }
  popBefore(undefined);
  if (pending) emit(pending.lo, pending.hi, pending.v);
}

/** Collects ranges with their values; build() makes the lookup table. */
export class RangeTableBuilder<P> {
  private readonly v4lo = growableF64();
  private readonly v4hi = growableF64();
  private readonly v4val = growableI32();
  private readonly v6: { lo: bigint; hi: bigint; val: number }[] = [];
  private readonly values: P[] = [];
  private readonly valueIds = new Map<P, number>();

  /** Adds a range; equal values (by identity) share one slot, so callers intern their records. */
  add(range: IpRange, value: P): void {
    let id = this.valueIds.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.valueIds.set(value, id);
    }
    if (range.v === 4) {
      this.v4lo.push(range.lo);
      this.v4hi.push(range.hi);
      this.v4val.push(id);
    } else this.v6.push({ lo: range.lo, hi: range.hi, val: id });
  }

  get size(): number {
    return this.v4lo.n + this.v6.length;
  }

  build(): RangeTable<P> {
    const lo4 = this.v4lo.a;
    const hi4 = this.v4hi.a;
    const val4 = this.v4val.a;
    const n4 = this.v4lo.n;
    // geo files are usually sorted already: skip the sort then
    let order: Uint32Array = new Uint32Array(n4);
    for (let i = 0; i < n4; i++) order[i] = i;
    let sorted = true;
    for (let i = 1; i < n4 && sorted; i++) if (lo4[i] < lo4[i - 1] || (lo4[i] === lo4[i - 1] && hi4[i] > hi4[i - 1])) sorted = false;
    if (!sorted) order = order.sort((a, b) => lo4[a] - lo4[b] || hi4[b] - hi4[a] || a - b);
    const lo = growableF64();
    const hi = growableF64();
    const val = growableI32();
    paint<number>(order, (i) => lo4[i], (i) => hi4[i], (i) => val4[i], (x) => x + 1, (x) => x - 1, (l, h, v) => {
      lo.push(l);
      hi.push(h);
      val.push(v);
    });
    const v6 = this.v6.map((r, i) => ({ ...r, i })).sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.hi > b.hi ? -1 : a.hi < b.hi ? 1 : a.i - b.i));
    const lo6: bigint[] = [];
    const hi6: bigint[] = [];
    const val6: number[] = [];
    paint<bigint>(v6.map((_, k) => k), (k) => v6[k].lo, (k) => v6[k].hi, (k) => v6[k].val, (x) => x + 1n, (x) => x - 1n, (l, h, v) => {
      lo6.push(l);
      hi6.push(h);
      val6.push(v);
    });
    return new RangeTable(lo.done(), hi.done(), val.done(), lo6, hi6, val6, this.values);
  }
}

export class RangeTable<P> {
  constructor(
    private readonly lo4: Float64Array,
    private readonly hi4: Float64Array,
    private readonly val4: Int32Array,
    private readonly lo6: bigint[],
    private readonly hi6: bigint[],
    private readonly val6: number[],
    private readonly values: P[],
  ) {}

  /** Disjoint ranges after painting (IPv4 + IPv6). */
  get ranges(): number {
    return this.lo4.length + this.lo6.length;
  }

  find(ip: ParsedIp): P | undefined {
    if (ip.v === 4) {
      const b = lastAtOrBefore(this.lo4, ip.n);
      return b >= 0 && ip.n <= this.hi4[b] ? this.values[this.val4[b]] : undefined;
    }
    const b = lastAtOrBefore(this.lo6, ip.n);
    return b >= 0 && ip.n <= this.hi6[b] ? this.values[this.val6[b]] : undefined;
  }
}

/** The index of the last range starting at or before x (binary search), or -1. */
function lastAtOrBefore<T extends number | bigint>(lo: ArrayLike<T>, x: T): number {
  let a = 0;
  let b = lo.length - 1;
  while (a <= b) {
    const m = (a + b) >>> 1;
    if (lo[m] <= x) a = m + 1;
    else b = m - 1;
  }
  return b;
}
