/**
 * SQLite records (as build.ts encodes a row) into ClickHouse's RowBinary, the column types the
 * copy from sql.js gave: INTEGER → Int64, REAL → Float64, TEXT or mixed → String, all Nullable
 * but `_line`. Values go over as bytes, so a 19-digit integer and every double arrive exactly;
 * a number in a String column is its JavaScript text (String(v)), as sql.js would show it.
 */
import { isUtf8 } from 'node:buffer';

export type ChType = 'Int64' | 'Nullable(Int64)' | 'Nullable(Float64)' | 'Nullable(String)';

/** How wide a type is: a column only widens (integers → reals → text). */
export const RANK: Record<ChType, number> = { Int64: 0, 'Nullable(Int64)': 1, 'Nullable(Float64)': 2, 'Nullable(String)': 3 };
const BY_RANK: ChType[] = ['Int64', 'Nullable(Int64)', 'Nullable(Float64)', 'Nullable(String)'];

/** The ClickHouse type of a SQLite declaration (as the copy from the image chose it). */
export function typeOfDecl(name: string, decl: string): ChType {
  if (name === '_line') return 'Int64';
  const d = decl.toUpperCase();
  if (d.includes('INT')) return 'Nullable(Int64)';
  if (d === 'REAL') return 'Nullable(Float64)';
  return 'Nullable(String)';
}

export const wider = (a: ChType, b: ChType): ChType => (RANK[a] >= RANK[b] ? a : b);

/** Reads a SQLite varint at b[at]; returns the value and sets `pos.at` past it. */
function varint(b: Uint8Array, pos: { at: number }): number {
  let v = 0;
  for (let k = 0; k < 8; k++) {
    const c = b[pos.at++];
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) return v;
  }
  return v * 256 + b[pos.at++];
}

/** Bytes of a value of serial type t. */
function bodyLen(t: number): number {
  if (t < 5) return t;
  if (t === 5) return 6;
  if (t === 6 || t === 7) return 8;
  if (t < 12) return 0;
  return (t - (t & 1 ? 13 : 12)) >> 1;
}

/** The narrowest type that holds a value of serial type t (undefined for NULL). */
function need(t: number): number {
  if (t === 0) return -1;
  if (t <= 6 || t === 8 || t === 9) return 1;
  if (t === 7) return 2;
  return 3;
}

export interface Batch {
  buf: Uint8Array;
  /** Record k is buf[starts[k], starts[k + 1]). */
  starts: Int32Array;
  rowids: Float64Array;
  n: number;
}

/**
 * For each column, the narrowest type that holds every value of the batch (rank, -1 for all NULL).
 * Record values past `columns` are ignored (none: the columns are read after the rows).
 */
export function typesNeeded(b: Batch, columns: number): Int8Array {
  const out = new Int8Array(columns).fill(-1);
  const pos = { at: 0 };
  for (let k = 0; k < b.n; k++) {
    pos.at = b.starts[k];
    const hdrEnd = pos.at + varint(b.buf, pos);
    for (let i = 0; pos.at < hdrEnd && i < columns; i++) {
      const r = need(varint(b.buf, pos));
      if (r > out[i]) out[i] = r;
    }
  }
  return out;
}

/** A growing output buffer. */
class Out {
  buf = Buffer.allocUnsafe(1 << 16);
  len = 0;
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }
  leb(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }
  text(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.leb(b.length);
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  bytes(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.leb(n);
    this.room(n);
    if (n < 64) for (let k = 0; k < n; k++) this.buf[this.len + k] = src[from + k];
    else this.buf.set(src.subarray(from, to), this.len);
    this.len += n;
  }
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** The integer of serial type t (1–6, 8, 9) at b[at], as a number when exact, else a bigint. */
function intAt(b: Uint8Array, at: number, t: number): number | bigint {
  if (t === 8) return 0;
  if (t === 9) return 1;
  if (t === 6) {
    const hi = (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    const lo = ((b[at + 4] << 24) | (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7]) >>> 0;
    const v = hi * 4294967296 + lo;
    if (Number.isSafeInteger(v)) return v;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  const len = bodyLen(t);
  let v = 0;
  for (let k = 0; k < len; k++) v = v * 256 + b[at + k];
  // big-endian two's complement
  return b[at] & 0x80 ? v - 2 ** (8 * len) : v;
}

function realAt(b: Uint8Array, at: number): number {
  for (let k = 0; k < 8; k++) f64b[7 - k] = b[at + k];
  return f64[0];
}

/** A safe integer as Int64, little-endian. */
function putSafeInt64(o: Out, v: number): void {
  o.room(8);
  const hi = Math.floor(v / 4294967296);
  o.buf.writeUInt32LE(v - hi * 4294967296, o.len);
  o.buf.writeInt32LE(hi, o.len + 4);
  o.len += 8;
}

/** Writes an Int64 in little-endian: from the record's big-endian bytes when 8 bytes, else from the number. */
function putInt64(o: Out, b: Uint8Array, at: number, t: number): void {
  if (t !== 6) return putSafeInt64(o, intAt(b, at, t) as number);
  o.room(8);
  for (let k = 0; k < 8; k++) o.buf[o.len + k] = b[at + 7 - k];
  o.len += 8;
}

function putFloat64(o: Out, v: number): void {
  o.room(8);
  o.buf.writeDoubleLE(v, o.len);
  o.len += 8;
}

/**
 * Appends rows of the batch to each shard's RowBinary body: row k to shard rowid % shards.
 * `types[i]` is column i's type (every value fits it: typesNeeded said so and the table widened).
 */
export function encodeBatch(b: Batch, types: ChType[], outs: Out[]): void {
  const pos = { at: 0 };
  const serial = new Int32Array(types.length);
  const nShards = outs.length;
  for (let k = 0; k < b.n; k++) {
    const rowid = b.rowids[k];
    const o = outs[nShards > 1 ? rowid % nShards : 0];
    pos.at = b.starts[k];
    const hdrEnd = pos.at + varint(b.buf, pos);
    let cols = 0;
    while (pos.at < hdrEnd && cols < types.length) serial[cols++] = varint(b.buf, pos);
    let at = hdrEnd;
    for (let i = 0; i < types.length; i++) {
      const ty = types[i];
      const t = i < cols ? serial[i] : 0;
      if (ty === 'Int64') {
        // _line: the rowid (the record holds NULL there)
        putSafeInt64(o, rowid);
        at += bodyLen(t);
        continue;
      }
      if (t === 0 || (t === 7 && ty === 'Nullable(Float64)' && !Number.isFinite(realAt(b.buf, at)))) {
        o.byte(1);
        at += bodyLen(t);
        continue;
      }
      o.byte(0);
      if (ty === 'Nullable(Int64)') putInt64(o, b.buf, at, t);
      else if (ty === 'Nullable(Float64)') putFloat64(o, t === 7 ? realAt(b.buf, at) : Number(intAt(b.buf, at, t)));
      else if (t >= 13 && t & 1) {
        const e = at + bodyLen(t);
        let ascii = true;
        for (let q = at; q < e; q++) if (b.buf[q] >= 0x80) { ascii = false; break; }
        // invalid UTF-8 reads as sql.js reads it: replaced
        if (ascii || isUtf8(b.buf.subarray(at, e))) o.bytes(b.buf, at, e);
        else o.text(Buffer.from(b.buf.buffer, b.buf.byteOffset + at, e - at).toString('utf8'));
      } else if (t >= 12) o.text(Buffer.from(b.buf.buffer, b.buf.byteOffset + at, bodyLen(t)).toString('latin1'));
      else o.text(String(t === 7 ? realAt(b.buf, at) : intAt(b.buf, at, t)));
      at += bodyLen(t);
    }
  }
}

export { Out as RowBinaryOut, BY_RANK };
