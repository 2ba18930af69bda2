import { isIPv6 } from 'node:net';
import type { CellValue } from '../store/sqliteImage';
import { columnLayout, layoutParser } from './timestamps';

/** Semantic column types shown in the catalog. */
export type ColumnType = 'integer' | 'real' | 'boolean' | 'timestamp' | 'date' | 'time' | 'ip' | 'json' | 'text';

export const SQL_TYPE: Record<ColumnType, string> = {
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  date: 'TEXT',
  time: 'TEXT',
  ip: 'TEXT',
  json: 'TEXT',
  text: 'TEXT',
};

const INT_RE = /^[-+]?(?:0|[1-9]\d{0,19})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An integer's text as a value kept exactly: a number up to ±2^53, a bigint
 * up to SQLite's 64-bit limit, else undefined (the text is kept as text).
 */
export function exactInteger(s: string): number | bigint | undefined {
  const n = +s;
  if (Number.isSafeInteger(n)) return n;
  const b = BigInt(s);
  return b >= INT64_MIN && b <= INT64_MAX ? b : undefined;
}
// no leading zeros: 007 is an identifier, not a number
const REAL_RE = /^[-+]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const BOOL_WORDS: Record<string, number> = { true: 1, false: 0, True: 1, False: 0, TRUE: 1, FALSE: 0 };
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?$/;
const APACHE_RE = /^\[?(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? ([+-]\d{4})\]?$/;
const SYSLOG_RE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
const CTIME_RE = /^(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{4})$/;
const SLASH_RE = /^(\d{4})\/(\d{2})\/(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
const MONTHS: Record<string, number> = {
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
};

export const isIp = (s: string): boolean => IPV4_RE.test(s) || (s.includes(':') && isIPv6(s));

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC from date parts, shifted by an offset in minutes. */
function fmt(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined, offsetMin: number): string | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  let base: string;
  if (offsetMin === 0) {
    base = `${y}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
  } else {
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60000);
    base = `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} ${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
  }
  if (frac) {
    const f = frac.replace(/0+$/, '');
    if (f) base += '.' + f;
  }
  return base;
}

function offsetMinutes(z: string | undefined): number {
  if (!z || z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (h * 60 + m);
}

export function epochToTime(sec: number): string | null {
  if (!Number.isFinite(sec)) return null;
  const micros = Math.round(sec * 1e6);
  const whole = Math.floor(micros / 1e6);
  const us = micros - whole * 1e6;
  const t = new Date(whole * 1000);
  if (Number.isNaN(t.getTime())) return null;
  const base = `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} ${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
  if (!us) return base;
  return base + '.' + String(us).padStart(6, '0').replace(/0+$/, '');
}

/** How a timestamp column's text is turned into normalized UTC time. */
export type TimeFormat = 'iso' | 'apache' | 'syslog' | 'ctime' | 'slash' | 'epoch-s' | 'epoch-ms' | `layout:${string}`;

export type TimeParser = (v: CellValue) => string | null;

/**
 * Returns a parser for one time format. Syslog stamps carry no year: the
 * year comes from `year` and advances when the month wraps (Dec → Jan).
 */
export function timeParser(format: TimeFormat, year = new Date().getUTCFullYear()): TimeParser {
  let lastIn: CellValue = null;
  let lastOut: string | null = null;
  const memo = (f: (v: CellValue) => string | null): TimeParser => (v) => {
    if (v === lastIn) return lastOut;
    lastIn = v;
    lastOut = v === null || v === '' ? null : f(v);
    return lastOut;
  };
  if (format.startsWith('layout:')) {
    const parse = layoutParser(format.slice(7), year);
    return memo((v) => parse(String(v)));
  }
  switch (format) {
    case 'iso':
      return memo((v) => {
        const m = ISO_RE.exec(String(v));
        if (!m) return null;
        return fmt(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, m[7], offsetMinutes(m[8]));
      });
    case 'apache':
      return memo((v) => {
        const m = APACHE_RE.exec(String(v));
        if (!m || !MONTHS[m[2]]) return null;
        return fmt(+m[3], MONTHS[m[2]], +m[1], +m[4], +m[5], +m[6], m[7], offsetMinutes(m[8]));
      });
    case 'ctime':
      return memo((v) => {
        const m = CTIME_RE.exec(String(v));
        if (!m || !MONTHS[m[1]]) return null;
        return fmt(+m[7], MONTHS[m[1]], +m[2], +m[3], +m[4], +m[5], m[6], 0);
      });
    case 'slash':
      return memo((v) => {
        const m = SLASH_RE.exec(String(v));
        if (!m) return null;
        return fmt(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7], 0);
      });
    case 'syslog': {
      let y = year;
      let lastMonth = 0;
      return memo((v) => {
        const m = SYSLOG_RE.exec(String(v));
        if (!m) {
          // a line stamped as RFC 5424 / RFC 3339 among BSD lines (a mixed file): read as ISO, and its year is the year from here on
          const i = ISO_RE.exec(String(v));
          if (!i) return null;
          y = +i[1];
          lastMonth = +i[2];
          return fmt(+i[1], +i[2], +i[3], +i[4], +i[5], i[6] ? +i[6] : 0, i[7], offsetMinutes(i[8]));
        }
        if (!MONTHS[m[1]]) return null;
        const mo = MONTHS[m[1]];
        if (lastMonth && mo < lastMonth && lastMonth - mo > 6) y++;
        lastMonth = mo;
        return fmt(y, mo, +m[2], +m[3], +m[4], +m[5], m[6], 0);
      });
    }
    case 'epoch-s':
      return memo((v) => epochToTime(typeof v === 'number' ? v : Number(v)));
    case 'epoch-ms':
      return memo((v) => epochToTime((typeof v === 'number' ? v : Number(v)) / 1000));
    default:
      return memo(() => null);
  }
}

/**
 * The year a syslog file most likely starts in: its modification year, or the one before when the stamp would be in
 * the future. In a file that mixes BSD and RFC 5424 lines, the year of its first ISO stamp (the one before when the
 * BSD stamp before it has a later month).
 */
export function syslogYear(firstStamp: string | undefined, mtime: Date, firstIso?: string): number {
  const m = firstStamp ? SYSLOG_RE.exec(firstStamp) : null;
  const iso = firstIso ? ISO_RE.exec(firstIso) : null;
  if (iso) return m && MONTHS[m[1]] > +iso[2] ? +iso[1] - 1 : +iso[1];
  const y = mtime.getUTCFullYear();
  if (!m || !MONTHS[m[1]]) return y;
  const stamp = Date.UTC(y, MONTHS[m[1]] - 1, +m[2]);
  return stamp > mtime.getTime() + 86400000 ? y - 1 : y;
}

export function detectTimeFormat(values: string[], name: string): TimeFormat | null {
  if (values.length === 0) return null;
  const all = (re: RegExp) => values.every((v) => re.test(v));
  if (all(ISO_RE)) return 'iso';
  if (all(APACHE_RE)) return 'apache';
  if (all(SYSLOG_RE)) return 'syslog';
  if (all(CTIME_RE)) return 'ctime';
  if (all(SLASH_RE)) return 'slash';
  if (TIME_NAME_RE.test(name) && values.every((v) => REAL_RE.test(v))) {
    const nums = values.map(Number);
    if (nums.every((n) => n >= 1e8 && n < 1e10)) return 'epoch-s';
    if (nums.every((n) => n >= 1e11 && n < 1e13)) return 'epoch-ms';
  }
  // other layouts (ingest/timestamps.ts): 081109 203615, 17/06/09 20:10:40, 20171223-22:15:29:606, …
  const layout = columnLayout(values);
  return layout ? `layout:${layout.id}` : null;
}

export const TIME_NAME_RE = /(^|[^a-z])(ts|time|timestamp|datetime|date_?time|epoch|start_?time|end_?time|event_?time|created|created_?at|@timestamp)$/i;
const BOOL_NAME_RE = /^(is|has|was|did|can|should)_?[a-z]|(^|_)(success|succeeded|successful|ok|flag|failed|failure|active|enabled|malicious|attack|label|valid)$/i;

export interface Inferred {
  type: ColumnType;
  timeFormat?: TimeFormat;
}

/** Infers a column's type from sample values (strings; nulls and '' already removed). */
export function inferType(values: string[], name: string): Inferred {
  if (values.length === 0) return { type: 'text' };
  if (values.every((v) => v in BOOL_WORDS)) return { type: 'boolean' };
  const tf = detectTimeFormat(values, name);
  if (values.every((v) => INT_RE.test(v))) {
    if (BOOL_NAME_RE.test(name) && values.every((v) => v === '0' || v === '1')) return { type: 'boolean' };
    if (tf) return { type: 'timestamp', timeFormat: tf };
    return { type: 'integer' };
  }
  if (values.every((v) => REAL_RE.test(v))) {
    if (tf) return { type: 'timestamp', timeFormat: tf };
    return { type: 'real' };
  }
  if (tf) return { type: 'timestamp', timeFormat: tf };
  if (values.every((v) => DATE_RE.test(v))) return { type: 'date' };
  if (values.every((v) => TIME_RE.test(v))) return { type: 'time' };
  if (values.every(isIp)) return { type: 'ip' };
  if (values.every((v) => (v[0] === '[' || v[0] === '{') && isJson(v))) return { type: 'json' };
  return { type: 'text' };
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Value converter for a type: returns the stored value, or undefined when the text does not fit the type. */
export type Converter = (s: string) => CellValue | undefined;

export function converterFor(t: Inferred): Converter | null {
  switch (t.type) {
    case 'integer':
      return (s) => (INT_RE.test(s) ? exactInteger(s) : undefined);
    case 'real':
      return (s) => (REAL_RE.test(s) ? +s : undefined);
    case 'boolean':
      return (s) => {
        const b = BOOL_WORDS[s];
        if (b !== undefined) return b;
        if (s === '0' || s === '1') return +s;
        return undefined;
      };
    case 'timestamp':
      if (t.timeFormat === 'epoch-s' || t.timeFormat === 'epoch-ms') return (s) => (REAL_RE.test(s) ? +s : undefined);
      return null; // the original text is kept; `_time` holds the normalized form
    default:
      return null; // stored as text
  }
}


/** Normalized time from separate date and time columns. */
export function dateTimeParser(): (date: CellValue, time: CellValue) => string | null {
  return (d, t) => {
    if (typeof d !== 'string' || !DATE_RE.test(d)) return null;
    if (typeof t !== 'string' || !TIME_RE.test(t)) return d + ' 00:00:00';
    return `${d} ${t.replace(',', '.')}`;
  };
}
