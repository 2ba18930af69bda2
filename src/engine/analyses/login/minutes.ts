/**
 * Per-minute features of login attempts: for every minute between the first
 * and the last failure (or event) of a period, empty minutes included, the
 * usernames with failures, attempts, failures and distinct source IPs, plus
 * the day of the week and hour of the day as one-hot columns; and labels: a
 * minute is an attack minute between floor(start) and ceil(end) of a
 * labelled window.
 *
 * SQL aggregates the rows by minute; the empty minutes are filled here, not
 * by a recursive CTE: a year has 525,600 minutes and most are empty, so
 * sending only the busy ones out of sql.js and filling typed arrays is many
 * times faster than materialising half a million SQL rows.
 */
import type { LabelledWindow } from '../../findings/evaluate';
import { LogInvestigatorError } from '../../errors';
import type { AnalysisContext } from '../../findings/model';
import type { LogSource } from './source';

/** A half-open span of normalized time text [from, to), and how to call it. */
export interface Period {
  from: string;
  to: string;
  label: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

function nextMonth(y: number, m: number): string {
  return m === 12 ? `${y + 1}-01` : `${y}-${pad(m + 1)}`;
}

function nextDay(d: string): string {
  const t = new Date(Date.parse(`${d}T00:00:00Z`) + 86400000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Where a bound starts and where the span it names ends: '2018' → 2018-01-01 … 2019-01-01. */
function bound(s: string): { from: string; to: string } | undefined {
  let m = /^(\d{4})$/.exec(s);
  if (m) return { from: `${m[1]}-01-01 00:00:00`, to: `${+m[1] + 1}-01-01 00:00:00` };
  m = /^(\d{4})-(\d\d)$/.exec(s);
  if (m && +m[2] >= 1 && +m[2] <= 12) return { from: `${s}-01 00:00:00`, to: `${nextMonth(+m[1], +m[2])}-01 00:00:00` };
  m = /^(\d{4}-\d\d-\d\d)$/.exec(s);
  if (m && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) return { from: `${s} 00:00:00`, to: `${nextDay(s)} 00:00:00` };
  return undefined;
}

/**
 * A period from text: '2018', '2018-01', '2018-01-15', or two of them joined
 * by '..' (both ends included: '2018-01..2018-03' is January to March).
 */
export function parsePeriod(text: string, what = 'period'): Period {
  const s = text.trim();
  const [a, b] = s.includes('..') ? s.split('..').map((x) => x.trim()) : [s, s];
  const lo = bound(a);
  const hi = bound(b);
  if (!lo || !hi || hi.to <= lo.from) {
    throw new LogInvestigatorError('BAD_OPTION', `${what} '${text}' is not a period: use 2018, 2018-01, 2018-01-15 or two of them joined by '..' (e.g. 2018-01..2018-03)`);
  }
  return { from: lo.from, to: hi.to, label: a === b ? a : `${a}..${b}` };
}

/** The calendar months that a span of normalized times touches, as 'YYYY-MM'. */
export function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let y = +first.slice(0, 4);
  let m = +first.slice(5, 7);
  const end = last.slice(0, 7);
  for (let k = 0; k < 2400; k++) {
    const ym = `${y}-${pad(m)}`;
    out.push(ym);
    if (ym >= end) break;
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return out;
}

/** Epoch minutes of normalized time text. */
export function epochMinute(t: string): number {
  return Math.floor(Date.parse(`${t.slice(0, 10)}T${t.slice(11, 19) || '00:00:00'}Z`) / 60000);
}

/** 'YYYY-MM-DD HH:MM' of an epoch minute. */
export function minuteText(m: number): string {
  const d = new Date(m * 60000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export const COUNT_FEATURES = ['usernames_with_failures', 'attempts', 'failures', 'ips'] as const;
export type CountFeature = (typeof COUNT_FEATURES)[number];
/** 'previous': the previous minute's usernames with failures and failures; an attack's last minute (its ceil(end)) is often quiet itself. */
export const FEATURE_GROUPS = [...COUNT_FEATURES, 'previous', 'weekday', 'hour'] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The minutes of a period and their counts; row i is the epoch minute start + i. */
export interface MinuteTable {
  period: Period;
  start: number;
  n: number;
  counts: Record<CountFeature, Float64Array>;
}

/** Which minutes the grid spans: from the first to the last failure (the book's choice) or event of the period. */
export type GridSpan = 'failures' | 'events';

/**
 * Counts per minute of a period, every minute of the span present. Undefined
 * when the period has no failure (or no event) to span.
 */
export function minuteTable(cx: AnalysisContext, src: LogSource, period: Period, span: GridSpan): MinuteTable | undefined {
  const { ip, user, outcome, time } = src.col;
  const t = time!;
  const rows = cx.query(
    `SELECT CAST(strftime('%s', ${t}) AS INTEGER) / 60 AS m, count(${outcome ?? '*'}) AS attempts, coalesce(sum(${src.fail}), 0) AS failures,
       count(DISTINCT CASE WHEN ${src.fail} THEN ${user ?? 'NULL'} END) AS users, count(DISTINCT ${ip ?? 'NULL'}) AS ips
     FROM ${src.from} WHERE ${t} >= ? AND ${t} < ? GROUP BY 1 HAVING m IS NOT NULL ORDER BY 1`,
    [period.from, period.to],
  ).rows as [number, number, number, number, number][];
  const busy = span === 'failures' ? rows.filter((r) => r[2] > 0) : rows;
  if (!busy.length) return undefined;
  const start = busy[0][0];
  const n = busy[busy.length - 1][0] - start + 1;
  const counts = Object.fromEntries(COUNT_FEATURES.map((f) => [f, new Float64Array(n)])) as Record<CountFeature, Float64Array>;
  for (const [m, attempts, failures, users, ips] of rows) {
    const i = m - start;
    if (i < 0 || i >= n) continue;
    counts.attempts[i] = attempts;
    counts.failures[i] = failures;
    counts.usernames_with_failures[i] = users;
    counts.ips[i] = ips;
  }
  return { period, start, n, counts };
}

/** Feature groups from a parameter: names separated by commas, checked. */
export function parseFeatures(text: string): FeatureGroup[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((f) => !(FEATURE_GROUPS as readonly string[]).includes(f));
  if (bad.length || !names.length) throw new LogInvestigatorError('BAD_OPTION', `unknown feature '${bad[0] ?? text}'; the features are ${FEATURE_GROUPS.join(', ')}`);
  return names as FeatureGroup[];
}

/** Column names of the design matrix for some feature groups. */
export function featureNames(groups: FeatureGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups) {
    if (g === 'weekday') out.push(...WEEKDAYS.map((d) => `weekday_${d}`));
    else if (g === 'hour') for (let h = 0; h < 24; h++) out.push(`hour_${pad(h)}`);
    else if (g === 'previous') out.push('previous_usernames_with_failures', 'previous_failures');
    else out.push(g);
  }
  return out;
}

/**
 * The design matrix (rows = minutes), counts and one-hot weekday (Monday
 * first, as pandas) and hour. Identical minutes share one row array: a year
 * has half a million minutes but only thousands of distinct rows (a quiet
 * minute at 3 am on a Tuesday is every other one), so the matrix costs a
 * fraction of the memory and time. Rows are never modified after this.
 */
export function designMatrix(table: MinuteTable, groups: FeatureGroup[]): number[][] {
  const width = featureNames(groups).length;
  const X: number[][] = new Array(table.n);
  const seen = new Map<string, number[]>();
  // most minutes are empty: those are one row per weekday and hour, found without a string key
  const quiet: (number[] | undefined)[] = new Array(168);
  const c = table.counts;
  for (let i = 0; i < table.n; i++) {
    const m = table.start + i;
    // epoch minute 0 was a Thursday (weekday 3 with Monday 0)
    const dow = (Math.floor(m / 1440) + 3) % 7;
    const hour = Math.floor(m / 60) % 24;
    const prevU = i > 0 ? c.usernames_with_failures[i - 1] : 0;
    const prevF = i > 0 ? c.failures[i - 1] : 0;
    const empty = c.attempts[i] === 0 && c.failures[i] === 0 && c.ips[i] === 0 && prevU === 0 && prevF === 0;
    const key = empty ? '' : `${c.usernames_with_failures[i]},${c.attempts[i]},${c.failures[i]},${c.ips[i]},${prevU},${prevF},${dow},${hour}`;
    const known = empty ? quiet[dow * 24 + hour] : seen.get(key);
    if (known) {
      X[i] = known;
      continue;
    }
    const row = new Array<number>(width).fill(0);
    let k = 0;
    for (const g of groups) {
      if (g === 'weekday') {
        row[k + dow] = 1;
        k += 7;
      } else if (g === 'hour') {
        row[k + hour] = 1;
        k += 24;
      } else if (g === 'previous') {
        row[k++] = prevU;
        row[k++] = prevF;
      } else row[k++] = c[g][i];
    }
    if (empty) quiet[dow * 24 + hour] = row;
    else seen.set(key, row);
    X[i] = row;
  }
  return X;
}

/** Standardised rows ((x − mean) / scale), computed once per distinct row array and shared like the input's. */
export function standardizeShared(X: number[][], scaler: { mean: number[]; scale: number[] }): number[][] {
  const done = new Map<number[], number[]>();
  const { mean, scale } = scaler;
  return X.map((row) => {
    let z = done.get(row);
    if (!z) {
      z = row.map((x, j) => (x - mean[j]) / scale[j]);
      done.set(row, z);
    }
    return z;
  });
}

/** 1 for the minutes inside a labelled window: floor(start) … ceil(end), both included. */
export function minuteLabels(table: MinuteTable, windows: LabelledWindow[]): Uint8Array {
  const y = new Uint8Array(table.n);
  for (const w of windows) {
    const s = Date.parse(`${w.start.slice(0, 10)}T${w.start.slice(11) || '00:00:00'}Z`);
    const e = Date.parse(`${w.end.slice(0, 10)}T${w.end.slice(11) || '00:00:00'}Z`);
    if (Number.isNaN(s) || Number.isNaN(e)) continue;
    const lo = Math.max(0, Math.floor(s / 60000) - table.start);
    const hi = Math.min(table.n - 1, Math.ceil(e / 60000) - table.start);
    for (let i = lo; i <= hi; i++) y[i] = 1;
  }
  return y;
}
