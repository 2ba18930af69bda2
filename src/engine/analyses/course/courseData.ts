/**
 * The log columns the course-site analyses read, as typed arrays indexed by
 * `_line`, loaded once per run and shared by every analysis of that run.
 *
 * Why not plain SQL: in sql.js a GROUP BY on two columns (cohort × page,
 * user × day, user × minute) sorts every row, about 1.3 s for 900,000 rows,
 * and each analysis needs several such groupings. A GROUP BY on one indexed
 * column reads the index in order and needs no sort, so each column is read
 * with one such query (its distinct values, each with the lines that hold it:
 * ~150 ms) and the pairs are then counted in typed arrays (a few ms).
 * `_time` has no index; it comes from one scan (~200 ms).
 *
 * The cache is keyed by the run's query function: the command line and the
 * engine worker make a new one for each run, so a re-indexed file is never
 * read from a stale cache.
 */
import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { AnalysisContext, Evidence, GroupTable, Querier } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import type { Role } from '../../ingest/roles';

export const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A column of values, coded: the value of line L is keys[codes[L]]. */
export interface KeyColumn {
  column: string;
  /** By `_line`: index into keys; -1 where there is no row. */
  codes: Int32Array;
  keys: SqlValue[];
  /** Code of the NULL value; -1 when no row has one. */
  nullCode: number;
  /** Rows per code. */
  counts: Int32Array;
  /** The lines holding code k, ascending. */
  linesOf(k: number): Int32Array;
}

/** `_time` by `_line`: the UTC day (days since 1970-01-01) and the second of that day; NO_DAY where there is no time. */
export interface TimeColumn {
  day: Int32Array;
  sec: Int32Array;
  firstDay: number;
  lastDay: number;
  /** Whether time never goes back from one line to the next (then any subset of lines is in time order too). */
  ordered: boolean;
}

export const NO_DAY = -2147483648;

export interface LogData {
  /** Largest `_line` (the arrays have maxLine + 1 slots). */
  maxLine: number;
  /** Every row's `_line`, ascending. */
  lines: Int32Array;
  key(role: Role): KeyColumn;
  /** A column by name (one that plays no role, e.g. a user agent). */
  keyOf(column: string): KeyColumn;
  time(): TimeColumn;
}

const CACHE = new WeakMap<Querier, Map<string, unknown>>();

function cached<T>(cx: AnalysisContext, key: string, make: () => T): T {
  let m = CACHE.get(cx.query);
  if (!m) CACHE.set(cx.query, (m = new Map()));
  const k = `${cx.table.table}\u0000${key}`;
  if (!m.has(k)) m.set(k, make());
  return m.get(k) as T;
}

/**
 * Parses a comma-separated list of non-negative integers (what group_concat(_line) returns) into
 * out from position at; returns the position after the last one, which is past out.length when
 * out was too short (those numbers are not written). Written out (no callback per number): it runs
 * over every line of the log once per column.
 */
function parseInts(s: string, out: Int32Array, at: number): number {
  let n = 0;
  let any = false;
  const cap = out.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44) {
      if (any) {
        if (at < cap) out[at] = n;
        at++;
      }
      n = 0;
      any = false;
    } else {
      n = n * 10 + (c - 48);
      any = true;
    }
  }
  if (any) {
    if (at < cap) out[at] = n;
    at++;
  }
  return at;
}

/** The column that numbers rows: `_line`, or the rowid of a table read from an SQLite file (which has no source lines). */
export const lineColumn = (cx: AnalysisContext): string => (cx.table.columns.some((c) => c.name === '_line') ? '_line' : 'rowid');

export function logData(cx: AnalysisContext): LogData {
  const t = cx.t;
  const L = lineColumn(cx);
  const base = cached(cx, '_lines', () => {
    const count = Number(cx.query(`SELECT count(*) FROM ${t}`).rows[0][0]);
    const lo = Number(cx.query(`SELECT min(${L}) FROM ${t}`).rows[0][0] ?? 1);
    const hi = Number(cx.query(`SELECT max(${L}) FROM ${t}`).rows[0][0] ?? 0);
    let lines: Int32Array;
    if (count === hi - lo + 1) {
      lines = new Int32Array(count);
      for (let i = 0; i < count; i++) lines[i] = lo + i;
    } else {
      const s = String(cx.query(`SELECT group_concat(${L}) FROM ${t}`).rows[0][0] ?? '');
      lines = new Int32Array(count);
      lines = lines.subarray(0, Math.min(count, parseInts(s, lines, 0))).sort();
    }
    return { maxLine: Math.max(0, hi), lines };
  });
  return {
    maxLine: base.maxLine,
    lines: base.lines,
    key: (role) => {
      const column = cx.column(role);
      if (!column) throw new LogInvestigatorError('MISSING_ROLE', `no column with the role ${role} in ${cx.table.table}`);
      return keyColumn(cx, column, base.maxLine, base.lines.length);
    },
    keyOf: (column) => keyColumn(cx, column, base.maxLine, base.lines.length),
    time: () => timeColumn(cx, base.maxLine, base.lines),
  };
}

function keyColumn(cx: AnalysisContext, column: string, maxLine: number, rowCount: number): KeyColumn {
  return cached(cx, `key:${column}`, () => {
    const rows = cx.query(`SELECT ${quoteIdent(column)}, group_concat(${lineColumn(cx)}) FROM ${cx.t} GROUP BY 1`).rows;
    const codes = new Int32Array(maxLine + 1).fill(-1);
    const keys: SqlValue[] = [];
    const counts = new Int32Array(rows.length);
    const offsets = new Int32Array(rows.length + 1);
    // each value's lines side by side: an index scan gives them in rowid order, so they need no sort
    let byKey = new Int32Array(rowCount);
    let nullCode = -1;
    let at = 0;
    for (const [v, s] of rows) {
      const k = keys.length;
      keys.push(v);
      if (v === null) nullCode = k;
      const text = String(s ?? '');
      let end = parseInts(text, byKey, at);
      if (end > byKey.length) {
        // more lines than rows counted (the table changed under us): grow, and parse this value again
        const grown = new Int32Array(Math.max(byKey.length * 2, end));
        grown.set(byKey);
        byKey = grown;
        end = parseInts(text, byKey, at);
      }
      let sorted = true;
      for (let i = at; i < end; i++) {
        codes[byKey[i]] = k;
        if (i > at && byKey[i] < byKey[i - 1]) sorted = false;
      }
      if (!sorted) byKey.subarray(at, end).sort();
      counts[k] = end - at;
      offsets[k + 1] = end;
      at = end;
    }
    return { column, codes, keys, nullCode, counts, linesOf: (k: number) => byKey.subarray(offsets[k], offsets[k + 1]) };
  });
}

const DAY_MS = 86_400_000;

function timeColumn(cx: AnalysisContext, maxLine: number, allLines: Int32Array): TimeColumn {
  return cached(cx, 'time', () => {
    const day = new Int32Array(maxLine + 1).fill(NO_DAY);
    const sec = new Int32Array(maxLine + 1);
    if (!cx.table.columns.some((c) => c.name === '_time')) return { day, sec, firstDay: NO_DAY, lastDay: NO_DAY, ordered: true };
    let firstDay = NO_DAY;
    let lastDay = NO_DAY;
    /** Reads the times of s into day and sec for the lines in order; false when their numbers differ. */
    const read = (s: string, lines: Int32Array): boolean => {
      const d = (p: number) => s.charCodeAt(p) - 48;
      let lastYmd = -1;
      let lastDayNo = 0;
      let i = 0;
      let j = 0;
      for (; j < lines.length && i < s.length; j++) {
        const line = lines[j];
        // `_time` is normalized: YYYY-MM-DD HH:MM:SS[.fff], then a comma
        const ymd = d(i) * 10000000 + d(i + 1) * 1000000 + d(i + 2) * 100000 + d(i + 3) * 10000 + d(i + 5) * 1000 + d(i + 6) * 100 + d(i + 8) * 10 + d(i + 9);
        if (ymd !== lastYmd) {
          lastYmd = ymd;
          lastDayNo = Math.floor(Date.UTC(Math.floor(ymd / 10000), (Math.floor(ymd / 100) % 100) - 1, ymd % 100) / DAY_MS);
          if (firstDay === NO_DAY || lastDayNo < firstDay) firstDay = lastDayNo;
          if (lastDayNo > lastDay) lastDay = lastDayNo;
        }
        day[line] = lastDayNo;
        sec[line] = s.charCodeAt(i + 10) === 32 ? (d(i + 11) * 10 + d(i + 12)) * 3600 + (d(i + 14) * 10 + d(i + 15)) * 60 + d(i + 17) * 10 + d(i + 18) : 0;
        if (s.charCodeAt(i + 19) === 44) i += 20;
        else {
          const comma = s.indexOf(',', i + 10);
          i = comma < 0 ? s.length : comma + 1;
        }
      }
      return j === lines.length && i >= s.length;
    };
    // in line order, the times alone suffice when every row has one (group_concat skips NULLs: then the numbers differ)
    let lines = allLines;
    const L = lineColumn(cx);
    if (!read(String(cx.query(`SELECT group_concat(_time) FROM (SELECT _time FROM ${cx.t} ORDER BY ${L})`).rows[0][0] ?? ''), allLines)) {
      day.fill(NO_DAY);
      firstDay = lastDay = NO_DAY;
      const [lineList, timeList] = cx.query(`SELECT group_concat(${L}), group_concat(_time) FROM ${cx.t} WHERE _time IS NOT NULL`).rows[0] as [string | null, string | null];
      lines = new Int32Array(allLines.length);
      lines = lines.subarray(0, Math.min(lines.length, parseInts(lineList ?? '', lines, 0)));
      read(timeList ?? '', lines);
    }
    let ordered = true;
    let prev = -Infinity;
    for (let j = 0; j < lines.length && ordered; j++) {
      const line = lines[j];
      if (day[line] === NO_DAY) continue;
      const at = day[line] * 86400 + sec[line];
      ordered = at >= prev;
      prev = at;
    }
    return { day, sec, firstDay, lastDay, ordered };
  });
}

/** Days since 1970-01-01 of a date or timestamp text (its first 10 characters); NaN when it is none. */
export function dayOf(v: SqlValue): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v ?? ''));
  return m ? Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS) : NaN;
}

export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const isoTime = (day: number, sec: number): string => new Date(day * DAY_MS + sec * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** A group id as text that joins 8.0 in the log to 8 in the group table. */
export function groupKey(v: SqlValue): string {
  if (typeof v === 'number') return String(v);
  const s = String(v ?? '').trim();
  return s !== '' && Number.isFinite(Number(s)) ? String(Number(s)) : s;
}

/** A row of the group table (a cohort): its dates as day numbers, its program. */
export interface GroupInfo {
  id: SqlValue;
  key: string;
  name: string;
  start: number;
  end: number;
  startText: string;
  endText: string;
  /** The program's id as text; the group's own key when the table has no program column. */
  program: string;
}

export interface Groups {
  table: GroupTable;
  hasProgram: boolean;
  byKey: Map<string, GroupInfo>;
  /** By code of the log's group column: the group's row, or undefined (no group, or one the table lacks). */
  ofCode: (GroupInfo | undefined)[];
}

export function groupsOf(cx: AnalysisContext, groupColumn: KeyColumn): Groups {
  const g = cx.groups();
  if (!g) throw new LogInvestigatorError('MISSING_ROLE', 'the group table (a table with group, start and end columns, e.g. cohorts.csv) is missing');
  return cached(cx, `groups:${g.table}`, () => {
    const rows = cx.query(`SELECT ${g.group}, ${g.start}, ${g.end}, ${g.program ?? 'NULL'}, ${g.name ?? 'NULL'} FROM ${g.t}`).rows;
    const byKey = new Map<string, GroupInfo>();
    for (const [id, start, end, program, name] of rows) {
      if (id === null) continue;
      const key = groupKey(id);
      byKey.set(key, {
        id,
        key,
        name: name === null ? key : String(name),
        start: dayOf(start),
        end: dayOf(end),
        startText: String(start ?? '').slice(0, 10),
        endText: String(end ?? '').slice(0, 10),
        program: g.program ? groupKey(program) : key,
      });
    }
    return { table: g, hasProgram: !!g.program, byKey, ofCode: groupColumn.keys.map((k) => (k === null ? undefined : byKey.get(groupKey(k)))) };
  });
}

/**
 * Evidence from lines already known: the first `limit` candidate lines that
 * pass `keep`, and how many pass in all; `where` and `params` are the SQL
 * condition that lists the same rows (for "show all").
 */
export function evidenceOf(cx: AnalysisContext, candidates: ArrayLike<number>, keep: ((line: number) => boolean) | null, where: string, params: SqlValue[], limit = 50): Evidence {
  const lines: number[] = [];
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    const line = candidates[i];
    if (keep && !keep(line)) continue;
    if (lines.length < limit) lines.push(line);
    total++;
  }
  const L = lineColumn(cx);
  // like the engine's evidence: rows of a table without source lines are counted, not pointed at
  return { table: cx.table.table, file: cx.table.file, lines: L === '_line' ? lines : [], total, sql: `SELECT * FROM ${cx.t} WHERE ${where} ORDER BY ${L}`, params };
}

/** Counts of pairs (a, b) of two codes: a flat typed array when it is small enough, a map otherwise. */
export class PairCounts {
  private readonly flat?: Int32Array;
  private readonly map?: Map<number, number>;
  constructor(
    readonly nA: number,
    readonly nB: number,
  ) {
    if (nA * nB <= 1 << 24) this.flat = new Int32Array(nA * nB);
    else this.map = new Map();
  }
  add(a: number, b: number, n = 1): void {
    const k = a * this.nB + b;
    if (this.flat) this.flat[k] += n;
    else this.map!.set(k, (this.map!.get(k) ?? 0) + n);
  }
  get(a: number, b: number): number {
    const k = a * this.nB + b;
    return this.flat ? this.flat[k] : (this.map!.get(k) ?? 0);
  }
  /** Every pair with a count, as [a, b, n]. */
  *entries(): Generator<[number, number, number]> {
    if (this.flat) {
      for (let k = 0; k < this.flat.length; k++) if (this.flat[k]) yield [Math.floor(k / this.nB), k % this.nB, this.flat[k]];
    } else for (const [k, n] of this.map!) yield [Math.floor(k / this.nB), k % this.nB, n];
  }
}

/** Lines in time order: the lines as they are when already ordered (a log usually is), else a sorted copy. Lines without time come first. */
export function inTimeOrder(lines: Int32Array, T: TimeColumn): Int32Array {
  if (T.ordered) return lines;
  let prev = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const d = T.day[lines[i]];
    if (d === NO_DAY) continue;
    const at = d * 86400 + T.sec[lines[i]];
    if (at < prev) return lines.slice().sort((a, b) => T.day[a] * 86400 + T.sec[a] - (T.day[b] * 86400 + T.sec[b]) || a - b);
    prev = at;
  }
  return lines;
}

export const secondsOf = (T: TimeColumn, line: number): number => (T.day[line] === NO_DAY ? NaN : T.day[line] * 86400 + T.sec[line]);

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const fmt = (n: number): string => n.toLocaleString('en-US');
