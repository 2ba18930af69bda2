/**
 * What the views compute, without VS Code: timeline buckets and spec, which
 * table a result's rows come from, and the order of cells when sorting.
 */
import type { Cell } from './protocol';

/** Bucket sizes in seconds, with names; the smallest giving at most MAX_BUCKETS bars is used. */
const BUCKETS: [number, string][] = [
  [1, 'second'], [10, '10 seconds'], [60, 'minute'], [600, '10 minutes'], [3600, 'hour'], [21600, '6 hours'],
  [86400, 'day'], [604800, 'week'], [2592000, '30 days'],
];
const MAX_BUCKETS = 400;

export function chooseBucket(spanSeconds: number): [number, string] {
  return BUCKETS.find(([s]) => spanSeconds / s <= MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1];
}

/** The Vega-Lite spec of a timeline: events per bucket, UTC axis, an interval brush on x. */
export function timelineSpec(values: { t: string; n: number }[], bucket: string): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Events per ${bucket}`,
    width: 'container',
    height: 240,
    data: { values },
    params: [{ name: 'brush', select: { type: 'interval', encodings: ['x'] } }],
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 't', type: 'temporal', title: `time (UTC), per ${bucket}`, scale: { type: 'utc' }, axis: { labelOverlap: true } },
      y: { field: 'n', type: 'quantitative', title: 'events' },
    },
  };
}

/** The one table named in a query that keeps source lines, when the result has `_line`. */
export function sourceTableOf<T extends { table: string; columns: { name: string }[] }>(sql: string, columns: string[], tables: T[]): { table: T; lineColumn: number } | null {
  const lineColumn = columns.indexOf('_line');
  if (lineColumn < 0) return null;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = tables.filter((t) => t.columns.some((c) => c.name === '_line') && new RegExp(`(^|[^\\w."])"?${escape(t.table)}"?($|[^\\w"])`, 'i').test(sql));
  return named.length === 1 ? { table: named[0], lineColumn } : null;
}

/** NULLs last, numbers before text, numbers by value, text by code units. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
