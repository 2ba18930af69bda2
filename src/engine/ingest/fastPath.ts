/**
 * The byte path of indexing: for the line formats that carry most volume
 * (space-separated, CSV/TSV lines without quotes, Apache access, Zeek TSV),
 * fields are found in the raw UTF-8 bytes and copied into records without
 * becoming strings. A splitter that cannot handle a line returns -1 and the
 * string parser takes that line, so results and rejects are the same either way.
 */
import type { RecordEncoder } from '../store/sqliteImage';
import type { ColumnType, TimeFormat } from './values';

/** starts[i] = NULL_FIELD: SQL NULL; EMPTY_FIELD: the empty string. */
export const NULL_FIELD = -1;
export const EMPTY_FIELD = -2;

export interface FieldSplitter {
  /** Field boundaries of buf[start, end) into starts/ends; the count, or -1 to leave the line to the string parser. */
  split(buf: Uint8Array, start: number, end: number, starts: Int32Array, ends: Int32Array): number;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const SPACE = 0x20;
const QUOTE = 0x22;
const DASH = 0x2d;

/** Fields between single delimiter bytes; a line with a quote goes to the string parser. */
export function delimitedSplitter(delim: number): FieldSplitter {
  return {
    split(buf, start, end, starts, ends) {
      let n = 0;
      let f = start;
      const max = starts.length;
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c === delim) {
          if (n >= max) return -1;
          starts[n] = f;
          ends[n++] = i;
          f = i + 1;
        } else if (c === QUOTE) return -1;
      }
      if (n >= max) return -1;
      starts[n] = f;
      ends[n++] = end;
      return n;
    },
  };
}

/** Zeek TSV data lines: tab-separated, `-` unset, `(empty)` empty; header lines go to the string parser. */
export function zeekSplitter(unset = '-', empty = '(empty)'): FieldSplitter {
  const u = Buffer.from(unset);
  const e = Buffer.from(empty);
  const is = (buf: Uint8Array, s: number, t: number, tok: Buffer) => {
    if (t - s !== tok.length) return false;
    for (let k = 0; k < tok.length; k++) if (buf[s + k] !== tok[k]) return false;
    return true;
  };
  return {
    split(buf, start, end, starts, ends) {
      if (buf[start] === 0x23) return -1; // '#'
      // Zeek escapes its own separators, so quotes are ordinary characters here
      let n = 0;
      let f = start;
      for (let i = start; i <= end; i++) {
        // an escape (\\ or \xHH) is undone by the string parser
        if (buf[i] === 0x5c) return -1;
        if (i === end || buf[i] === 9) {
          if (n >= starts.length) return -1;
          if (is(buf, f, i, u)) starts[n] = NULL_FIELD;
          else if (is(buf, f, i, e)) starts[n] = EMPTY_FIELD;
          else starts[n] = f;
          ends[n++] = i;
          f = i + 1;
        }
      }
      return n;
    },
  };
}

/**
 * Apache/Nginx common and combined lines into the 12 access-log columns:
 * client_ip ident user time method path protocol status bytes referrer user_agent extra.
 */
export function accessSplitter(): FieldSplitter {
  const dashNull = (buf: Uint8Array, s: number, e: number, starts: Int32Array, ends: Int32Array, i: number) => {
    if (e - s === 1 && buf[s] === DASH) starts[i] = NULL_FIELD;
    else if (e === s) starts[i] = NULL_FIELD;
    else starts[i] = s;
    ends[i] = e;
  };
  /** Index of the quote closing a field that starts after an opening quote at p; backslash escapes. */
  const closeQuote = (buf: Uint8Array, p: number, end: number) => {
    for (let i = p; i < end; i++) {
      const c = buf[i];
      if (c === 0x5c) i++;
      else if (c === QUOTE) return i;
    }
    return -1;
  };
  const token = (buf: Uint8Array, p: number, end: number) => {
    let i = p;
    while (i < end && buf[i] !== SPACE) i++;
    return i;
  };
  return {
    split(buf, start, end, starts, ends) {
      if (starts.length < 12) return -1;
      let p = start;
      // host ident user
      for (let f = 0; f < 3; f++) {
        const t = token(buf, p, end);
        if (t >= end || t === p) return -1;
        if (f === 0) {
          starts[0] = p;
          ends[0] = t;
        } else dashNull(buf, p, t, starts, ends, f);
        p = t + 1;
      }
      // [time]
      if (buf[p] !== 0x5b) return -1;
      let q = p + 1;
      while (q < end && buf[q] !== 0x5d) q++;
      if (q >= end || q === p + 1) return -1;
      starts[3] = p + 1;
      ends[3] = q;
      p = q + 1;
      if (buf[p] !== SPACE || buf[p + 1] !== QUOTE) return -1;
      // "request" → method path protocol
      const rs = p + 2;
      const re = closeQuote(buf, rs, end);
      if (re < 0) return -1;
      const s1 = token(buf, rs, re);
      if (s1 === rs || s1 >= re) {
        // not "METHOD PATH…": leave odd requests to the string parser
        return -1;
      }
      const s2 = token(buf, s1 + 1, re);
      if (s2 === s1 + 1) return -1;
      starts[4] = rs;
      ends[4] = s1;
      starts[5] = s1 + 1;
      ends[5] = s2;
      if (s2 < re) {
        const s3 = token(buf, s2 + 1, re);
        if (s3 !== re || s3 === s2 + 1) return -1;
        starts[6] = s2 + 1;
        ends[6] = re;
      } else {
        starts[6] = NULL_FIELD;
        ends[6] = NULL_FIELD;
      }
      p = re + 1;
      if (buf[p] !== SPACE) return -1;
      p++;
      // status (3 digits or -), bytes (digits or -), as the access-log pattern requires
      let t = token(buf, p, end);
      if (!(t - p === 1 && buf[p] === DASH) && !(t - p === 3 && isDigit(buf[p]) && isDigit(buf[p + 1]) && isDigit(buf[p + 2]))) return -1;
      dashNull(buf, p, t, starts, ends, 7);
      p = t + 1;
      t = token(buf, p, end);
      if (t === p) return -1;
      if (!(t - p === 1 && buf[p] === DASH)) for (let i = p; i < t; i++) if (!isDigit(buf[i])) return -1;
      dashNull(buf, p, t, starts, ends, 8);
      p = t; // on the byte after bytes (space or end)
      if (p >= end) {
        starts[9] = starts[10] = starts[11] = NULL_FIELD;
        return 12;
      }
      // "referrer" "user agent"
      if (buf[p] !== SPACE || buf[p + 1] !== QUOTE) return -1;
      const r1 = closeQuote(buf, p + 2, end);
      if (r1 < 0) return -1;
      dashNull(buf, p + 2, r1, starts, ends, 9);
      p = r1 + 1;
      if (buf[p] !== SPACE || buf[p + 1] !== QUOTE) return -1;
      const a1 = closeQuote(buf, p + 2, end);
      if (a1 < 0) return -1;
      dashNull(buf, p + 2, a1, starts, ends, 10);
      p = a1 + 1;
      if (p >= end) starts[11] = NULL_FIELD;
      else {
        let s = p;
        while (s < end && buf[s] === SPACE) s++;
        let e = end;
        while (e > s && buf[e - 1] === SPACE) e--;
        starts[11] = e > s ? s : NULL_FIELD;
        ends[11] = e;
      }
      return 12;
    },
  };
}

// ---------------------------------------------------------------- values from bytes

const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** An integer without leading zeros and at most 15 digits, or undefined. */
export function parseIntBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  if (buf[i] === DASH || buf[i] === 0x2b) {
    neg = buf[i] === DASH;
    i++;
  }
  const digits = e - i;
  if (digits < 1 || digits > 15) return undefined;
  if (buf[i] === 0x30 && digits > 1) return undefined;
  let v = 0;
  for (; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/**
 * A plain decimal (no exponent, at most 15 significant digits): the digits
 * as an integer divided by a power of ten, which IEEE division rounds
 * exactly as parsing would. Anything else: undefined (parsed as a string).
 */
export function parseRealBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  if (buf[i] === DASH || buf[i] === 0x2b) {
    neg = buf[i] === DASH;
    i++;
  }
  if (i >= e) return undefined;
  if (buf[i] === 0x30 && i + 1 < e && buf[i + 1] !== 0x2e) return undefined;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === 0x2e) {
      if (frac >= 0) return undefined;
      frac = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return undefined;
    m = m * 10 + d;
    digits++;
    if (frac >= 0) frac++;
  }
  // exact while the digits fit in 53 bits; powers of ten up to 1e22 are exact too
  if (digits === 0 || digits > 16 || m > 9007199254740991 || frac > 22) return undefined;
  const v = frac > 0 ? m / POW10[frac] : m;
  return neg ? -v : v;
}

/** The kinds of conversion the byte path performs per column. */
export const enum Kind {
  Text,
  Integer,
  Real,
  Boolean,
}

export function kindOf(type: ColumnType, timeFormat: TimeFormat | undefined): Kind {
  if (type === 'integer') return Kind.Integer;
  if (type === 'real') return Kind.Real;
  if (type === 'boolean') return Kind.Boolean;
  if (type === 'timestamp' && (timeFormat === 'epoch-s' || timeFormat === 'epoch-ms')) return Kind.Real;
  return Kind.Text;
}

/** True/False, true/false, TRUE/FALSE, T/F (Zeek), 1/0 → 1/0; otherwise undefined. */
export function parseBoolBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  const n = e - s;
  const c = buf[s];
  if (n === 1) {
    if (c === 0x31 || c === 0x54) return 1; // 1 T
    if (c === 0x30 || c === 0x46) return 0; // 0 F
    return undefined;
  }
  const lower = (k: number) => buf[s + k] | 0x20;
  if (n === 4 && lower(0) === 0x74 && lower(1) === 0x72 && lower(2) === 0x75 && lower(3) === 0x65) return 1;
  if (n === 5 && lower(0) === 0x66 && lower(1) === 0x61 && lower(2) === 0x6c && lower(3) === 0x73 && lower(4) === 0x65) return 0;
  return undefined;
}

function digitsAt(buf: Uint8Array, s: number, positions: number[]): boolean {
  for (const p of positions) if (!isDigit(buf[s + p])) return false;
  return true;
}

/** YYYY-MM-DD */
export function isDateBytes(buf: Uint8Array, s: number, e: number): boolean {
  return e - s === 10 && buf[s + 4] === DASH && buf[s + 7] === DASH && digitsAt(buf, s, [0, 1, 2, 3, 5, 6, 8, 9]);
}

/** HH:MM:SS with an optional fraction */
export function isTimeBytes(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s < 8 || buf[s + 2] !== 0x3a || buf[s + 5] !== 0x3a || !digitsAt(buf, s, [0, 1, 3, 4, 6, 7])) return false;
  if (e - s === 8) return true;
  if (buf[s + 8] !== 0x2e || e - s === 9) return false;
  for (let i = s + 9; i < e; i++) if (!isDigit(buf[i])) return false;
  return true;
}

const two = (buf: Uint8Array, i: number) => (buf[i] - 0x30) * 10 + (buf[i + 1] - 0x30);

/** The ranges the string path checks: month 1–12, day 1–31, hour ≤ 24, minute ≤ 59, second ≤ 60. */
function inRange(mo: number, d: number, h: number, mi: number, sec: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 24 && mi <= 59 && sec <= 60;
}

/**
 * Writes the normalized `_time` for an ISO stamp without a zone
 * (`YYYY-MM-DD[T ]HH:MM:SS[.fff]`) straight from bytes, trimming trailing
 * zeros of the fraction as the string path does; false for anything else.
 */
export function putIsoTimeBytes(enc: RecordEncoder, buf: Uint8Array, s: number, e: number): boolean {
  if (e - s < 19 || !isDateBytes(buf, s, s + 10)) return false;
  const sep = buf[s + 10];
  if (sep !== SPACE && sep !== 0x54) return false;
  if (!isTimeBytes(buf, s + 11, e)) return false;
  if (!inRange(two(buf, s + 5), two(buf, s + 8), two(buf, s + 11), two(buf, s + 14), two(buf, s + 17))) return false;
  let end = e;
  if (end - s > 19) {
    while (end > s + 20 && buf[end - 1] === 0x30) end--;
    if (end === s + 20) end = s + 19; // ".000" → no fraction
  }
  const at = enc.putTextSlot(end - s);
  const out = enc.buffer;
  for (let k = 0; k < end - s; k++) out[at + k] = buf[s + k];
  out[at + 10] = SPACE;
  return true;
}

const MONTH_BY_BYTES = new Map<number, number>(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
    i + 1,
  ]),
);

/** `dd/Mon/yyyy:HH:MM:SS +0000` (UTC only) → `yyyy-MM-dd HH:MM:SS`; false for other offsets. */
export function putApacheTimeBytes(enc: RecordEncoder, buf: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 26 || buf[s + 2] !== 0x2f || buf[s + 6] !== 0x2f || buf[s + 11] !== 0x3a || buf[s + 20] !== SPACE) return false;
  if (!(buf[s + 21] === 0x2b || buf[s + 21] === DASH) || buf[s + 22] !== 0x30 || buf[s + 23] !== 0x30 || buf[s + 24] !== 0x30 || buf[s + 25] !== 0x30) return false;
  if (!digitsAt(buf, s, [0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19])) return false;
  const mo = MONTH_BY_BYTES.get((buf[s + 3] << 16) | (buf[s + 4] << 8) | buf[s + 5]);
  if (!mo || !inRange(mo, two(buf, s), two(buf, s + 12), two(buf, s + 15), two(buf, s + 18))) return false;
  const at = enc.putTextSlot(19);
  const o = enc.buffer;
  o[at] = buf[s + 7];
  o[at + 1] = buf[s + 8];
  o[at + 2] = buf[s + 9];
  o[at + 3] = buf[s + 10];
  o[at + 4] = DASH;
  o[at + 5] = 0x30 + ((mo / 10) | 0);
  o[at + 6] = 0x30 + (mo % 10);
  o[at + 7] = DASH;
  o[at + 8] = buf[s];
  o[at + 9] = buf[s + 1];
  o[at + 10] = SPACE;
  for (let k = 0; k < 8; k++) o[at + 11 + k] = buf[s + 12 + k];
  return true;
}
