/**
 * The pages of a database image, stored compactly, and read by sql.js as if
 * they were one file.
 *
 * A table leaf page is mostly the values of its rows, and in a log the same
 * values (a user agent, a referrer, a path, a time) come back row after row.
 * The builder therefore writes such values once, into a dictionary, and keeps
 * each leaf page as its other bytes plus a list of (gap, dictionary id)
 * spans: the page SQLite reads is put together again on every read, byte for
 * byte the page that would have been written. Other pages are kept as they are.
 * The pages live in chunks rather than one typed array, so an image is not
 * bounded by the 4 GiB of one array.
 *
 * sql.js keeps a database file in its in-memory file system (MEMFS) as a
 * `contents` object that it reads with `subarray(from, to)` and writes with
 * `set(bytes, at)`; a PagedImage hands it such an object (see memfsContents),
 * which decodes the pages a read covers and keeps the pages a write changes.
 */

/** FNV-1a over a value's first 16 and last 8 bytes and its length: long values that share a prefix (user agents, URLs) still spread. */
function hashBytes(b: Uint8Array, from: number, len: number): number {
  let h = 0x811c9dc5 ^ len;
  const head = len < 16 ? len : 16;
  for (let i = 0; i < head; i++) h = Math.imul(h ^ b[from + i], 0x01000193);
  for (let i = len - 8 > head ? len - 8 : head; i < len; i++) h = Math.imul(h ^ b[from + i], 0x01000193);
  return h;
}

/** Values shorter than this are not worth a span (a span costs two varints). */
export const MIN_CODED_LENGTH = 6;
/** A column stops being coded when, after this many values, most of them were new. */
const TRIAL_VALUES = 4096;

/**
 * Distinct byte strings with ids, in an arena; an open-addressing table finds
 * them by hash. Grows to at most `limitBytes` of strings; after that only
 * strings already in it are coded.
 */
export class PageDictionary {
  /** A Buffer, for its native compare of long values. */
  arena: Buffer = Buffer.alloc(1 << 16);
  used = 0;
  offs = new Int32Array(1024);
  lens = new Int32Array(1024);
  count = 0;
  private table = new Int32Array(1 << 12); // id + 1, 0 = empty

  constructor(readonly limitBytes: number) {}

  /** The id of src[from, to), added if new and room is left; -1 if it is not in the dictionary. */
  id(src: Uint8Array, from: number, to: number): number {
    const len = to - from;
    const h = hashBytes(src, from, len);
    const table = this.table;
    const mask = table.length - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    const arena = this.arena;
    for (;;) {
      const v = table[slot];
      if (v === 0) break;
      const id = v - 1;
      if (this.lens[id] === len) {
        const off = this.offs[id];
        if (len > 40) {
          if (arena.compare(src, from, to, off, off + len) === 0) return id;
        } else {
          let k = 0;
          while (k < len && arena[off + k] === src[from + k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (this.used + len > this.limitBytes) return -1;
    return this.add(src, from, to, slot);
  }

  private add(src: Uint8Array, from: number, to: number, slot: number): number {
    const len = to - from;
    if (this.used + len > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + len) size *= 2;
      const next = Buffer.alloc(size);
      next.set(this.arena.subarray(0, this.used));
      this.arena = next;
    }
    const id = this.count++;
    if (id === this.offs.length) {
      const o = new Int32Array(id * 2);
      o.set(this.offs);
      this.offs = o;
      const l = new Int32Array(id * 2);
      l.set(this.lens);
      this.lens = l;
    }
    this.arena.set(src.subarray(from, to), this.used);
    this.offs[id] = this.used;
    this.lens[id] = len;
    this.used += len;
    this.table[slot] = id + 1;
    if (this.count * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const next = new Int32Array(this.table.length * 2);
    const mask = next.length - 1;
    const arena = this.arena;
    for (let id = 0; id < this.count; id++) {
      const h = hashBytes(arena, this.offs[id], this.lens[id]);
      let slot = (h ^ (h >>> 15)) & mask;
      while (next[slot] !== 0) slot = (slot + 1) & mask;
      next[slot] = id + 1;
    }
    this.table = next;
  }
}

/**
 * One column's use of the dictionary: its values are coded while they repeat.
 * When most of a column's first TRIAL_VALUES values were new (ids, times to
 * the millisecond, free text), coding it would only fill the dictionary, and
 * it stops.
 */
export class ColumnCoder {
  private looked = 0;
  private added = 0;
  active = true;

  constructor(private readonly dict: PageDictionary) {}

  /** The dictionary id of src[from, to), or -1 to store the bytes in the page. */
  id(src: Uint8Array, from: number, to: number): number {
    if (!this.active || to - from < MIN_CODED_LENGTH) return -1;
    const before = this.dict.count;
    const id = this.dict.id(src, from, to);
    this.looked++;
    if (this.dict.count !== before) this.added++;
    if (this.looked === TRIAL_VALUES && this.added * 2 > this.looked) this.active = false;
    return id;
  }

  /** Per key id of the column's KeyIndex: its dictionary id + 1 (0: not known yet). */
  private byKey = new Int32Array(0);

  /**
   * The dictionary id of a value an index has already found as key `key`
   * (-1: none): looked up once per key, not once per row.
   */
  idForKey(key: number, src: Uint8Array, from: number, to: number): number {
    if (key < 0) return this.id(src, from, to);
    if (key < this.byKey.length && this.byKey[key] !== 0) return this.byKey[key] - 1;
    const id = this.id(src, from, to);
    if (id >= 0) {
      if (key >= this.byKey.length) {
        const next = new Int32Array(Math.max(1024, key * 2));
        next.set(this.byKey);
        this.byKey = next;
      }
      this.byKey[key] = id + 1;
    }
    return id;
  }
}

const EMPTY_PAGE = -1;

function putVarint(b: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    b[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[o++] = v;
  return o;
}

/** Pages in chunks, each raw or coded against a dictionary; also the file sql.js reads (see memfsContents). */
export class PagedImage {
  private chunks: Uint8Array[] = [];
  private chunk = new Uint8Array(0);
  private chunkUsed = 0;
  /** Per page (index = page number − 1): chunk number, offset in it (EMPTY_PAGE: all zeroes), stored length, coded. */
  private pChunk = new Int32Array(256);
  private pOff = new Int32Array(256).fill(EMPTY_PAGE);
  private pLen = new Int32Array(256);
  private pCoded = new Uint8Array(256);
  /** Pages in the file (the last one may never have been written: zeroes). */
  pageCount = 0;
  private scratch: Uint8Array;
  private codeBuf: Uint8Array;
  /** The image as a file of this many bytes (set by ImageWriter.finish). */
  length = 0;

  constructor(
    readonly pageSize: number,
    readonly dict: PageDictionary | null,
  ) {
    this.scratch = new Uint8Array(pageSize);
    this.codeBuf = new Uint8Array(pageSize * 2 + 64);
  }

  /** Bytes held: the chunks' used parts and the dictionary. */
  get storedBytes(): number {
    let n = this.chunkUsed;
    for (const c of this.chunks) if (c !== this.chunk) n += c.length;
    return n + (this.dict?.used ?? 0);
  }

  private room(n: number): number {
    if (this.chunkUsed + n > this.chunk.length) {
      // chunks grow from 64 KiB to 32 MiB: small images stay small; a chunk's unused tail is never touched
      const size = Math.max(n, Math.min(32 << 20, Math.max(1 << 16, this.chunk.length * 2)));
      if (this.chunk.length) this.chunks[this.chunks.length - 1] = this.chunk.subarray(0, this.chunkUsed);
      this.chunk = new Uint8Array(size);
      this.chunks.push(this.chunk);
      this.chunkUsed = 0;
    }
    return this.chunkUsed;
  }

  private slot(page: number): number {
    const i = page - 1;
    if (i >= this.pOff.length) {
      const n = Math.max(i + 1, this.pOff.length * 2);
      const grow = <T extends Int32Array | Uint8Array>(a: T, fill: number): T => {
        const b = new (a.constructor as new (n: number) => T)(n);
        b.fill(fill);
        b.set(a);
        return b;
      };
      this.pChunk = grow(this.pChunk, 0);
      this.pOff = grow(this.pOff, EMPTY_PAGE);
      this.pLen = grow(this.pLen, 0);
      this.pCoded = grow(this.pCoded, 0);
    }
    if (page > this.pageCount) this.pageCount = page;
    return i;
  }

  private store(page: number, src: Uint8Array, len: number, coded: boolean): void {
    const i = this.slot(page);
    const at = this.room(len);
    if (len < 64) for (let k = 0; k < len; k++) this.chunk[at + k] = src[k];
    else this.chunk.set(src.subarray(0, len), at);
    this.chunkUsed += len;
    this.pChunk[i] = this.chunks.length - 1;
    this.pOff[i] = at;
    this.pLen[i] = len;
    this.pCoded[i] = coded ? 1 : 0;
  }

  /** Keeps a page as it is (a copy of its pageSize bytes). */
  putPage(page: number, bytes: Uint8Array): void {
    this.store(page, bytes, this.pageSize, false);
  }

  /**
   * Keeps a page whose bytes at spanOff[k] (in increasing order, not
   * overlapping) are dictionary entry spanId[k], as its other bytes and the
   * spans. The span bytes of `bytes` are not read.
   */
  putCodedPage(page: number, bytes: Uint8Array, spanOff: Int32Array, spanId: Int32Array, n: number): void {
    const dict = this.dict!;
    const U = this.pageSize;
    if (this.codeBuf.length < U + 10 * n + 16) this.codeBuf = new Uint8Array(U + 10 * n + 16);
    const out = this.codeBuf;
    // [n][descriptor bytes][descriptors: gap, id]…[literal bytes]
    let d = putVarint(out, 0, n);
    const descStart = d + 3; // room for a 3-byte descriptor length (pages ≤ 64 KiB: < 2^21)
    d = descStart;
    let prev = 0;
    for (let k = 0; k < n; k++) {
      d = putVarint(out, d, spanOff[k] - prev);
      d = putVarint(out, d, spanId[k]);
      prev = spanOff[k] + dict.lens[spanId[k]];
    }
    const descLen = d - descStart;
    out[descStart - 3] = (descLen & 0x7f) | 0x80;
    out[descStart - 2] = ((descLen >>> 7) & 0x7f) | 0x80;
    out[descStart - 1] = descLen >>> 14;
    prev = 0;
    for (let k = 0; k < n; k++) {
      const gap = spanOff[k] - prev;
      if (gap < 64) for (let j = 0; j < gap; j++) out[d + j] = bytes[prev + j];
      else out.set(bytes.subarray(prev, spanOff[k]), d);
      d += gap;
      prev = spanOff[k] + dict.lens[spanId[k]];
    }
    out.set(bytes.subarray(prev, U), d);
    d += U - prev;
    this.store(page, out, d, true);
  }

  /** Page `page`'s bytes into dst at off. */
  readPage(page: number, dst: Uint8Array, off: number): void {
    const i = page - 1;
    const U = this.pageSize;
    if (i >= this.pOff.length || this.pOff[i] === EMPTY_PAGE) {
      dst.fill(0, off, off + U);
      return;
    }
    const src = this.chunks[this.pChunk[i]];
    const at = this.pOff[i];
    if (!this.pCoded[i]) {
      dst.set(src.subarray(at, at + U), off);
      return;
    }
    const dict = this.dict!;
    const arena = dict.arena;
    const offs = dict.offs;
    const lens = dict.lens;
    let p = at;
    let n = 0;
    let shift = 0;
    for (let b = src[p++]; ; b = src[p++]) {
      n |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const descLen = (src[p] & 0x7f) | ((src[p + 1] & 0x7f) << 7) | (src[p + 2] << 14);
    p += 3;
    let lit = p + descLen;
    let o = off;
    for (let k = 0; k < n; k++) {
      let gap = 0;
      shift = 0;
      for (let b = src[p++]; ; b = src[p++]) {
        gap |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      let id = 0;
      shift = 0;
      for (let b = src[p++]; ; b = src[p++]) {
        id |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      if (gap < 32) for (let j = 0; j < gap; j++) dst[o + j] = src[lit + j];
      else dst.set(src.subarray(lit, lit + gap), o);
      o += gap;
      lit += gap;
      const len = lens[id];
      const from = offs[id];
      if (len < 32) for (let j = 0; j < len; j++) dst[o + j] = arena[from + j];
      else dst.set(arena.subarray(from, from + len), o);
      o += len;
    }
    const rest = off + U - o;
    dst.set(src.subarray(lit, lit + rest), o);
  }

  /** Bytes [from, to) of the file: a view of a raw page, a decoded page, or a new array over several pages. */
  subarray(from = 0, to = this.length): Uint8Array {
    const U = this.pageSize;
    const first = Math.floor(from / U) + 1;
    const last = Math.floor((to - 1) / U) + 1;
    if (to <= from) return new Uint8Array(0);
    if (first === last) {
      const i = first - 1;
      const inPage = from - i * U;
      if (i < this.pOff.length && this.pOff[i] !== EMPTY_PAGE && !this.pCoded[i]) {
        const at = this.pOff[i] + inPage;
        return this.chunks[this.pChunk[i]].subarray(at, at + (to - from));
      }
      this.readPage(first, this.scratch, 0);
      return this.scratch.subarray(inPage, inPage + (to - from));
    }
    const out = new Uint8Array(to - from);
    for (let p = first; p <= last; p++) {
      const start = (p - 1) * U;
      const a = Math.max(from, start);
      const b = Math.min(to, start + U);
      this.readPage(p, this.scratch, 0);
      out.set(this.scratch.subarray(a - start, b - start), a - from);
    }
    return out;
  }

  /** Writes bytes at a file offset: the pages they touch are kept again, whole and raw. */
  set(src: ArrayLike<number>, at = 0): void {
    const U = this.pageSize;
    const end = at + src.length;
    for (let p = Math.floor(at / U) + 1; (p - 1) * U < end; p++) {
      const start = (p - 1) * U;
      const page = new Uint8Array(U);
      this.readPage(p, page, 0);
      const a = Math.max(at, start);
      const b = Math.min(end, start + U);
      for (let k = a; k < b; k++) page[k - start] = src[k - at];
      this.putPage(p, page);
    }
    if (end > this.length) this.length = end;
  }

  get buffer(): ArrayBufferLike {
    return this.chunks[0]?.buffer ?? this.scratch.buffer;
  }

  /**
   * sql.js stores a new file's data with `data.slice(0, length)` into MEMFS:
   * the whole range gives MEMFS the contents object, which never has to grow
   * (its capacity is virtual), so writes past the end come to set() too.
   */
  slice(from = 0, to = this.length): unknown {
    if (from === 0 && to >= this.length) return memfsContents(this);
    return this.subarray(from, to).slice();
  }

  /** The whole image in one array (tests, small images). */
  toBytes(): Uint8Array {
    return this.subarray(0, this.length).slice();
  }
}

/** MEMFS's view of a PagedImage: reads and writes go to the pages; a capacity MEMFS never needs to grow past. */
function memfsContents(img: PagedImage): unknown {
  return {
    length: Number.MAX_SAFE_INTEGER,
    get buffer() {
      return img.buffer;
    },
    subarray: (from: number, to: number) => img.subarray(from, to),
    set: (src: ArrayLike<number>, at?: number) => img.set(src, at ?? 0),
  };
}

/**
 * A PagedImage as the data of `new SQL.Database(data)`: sql.js stores a new
 * file's data through `length`, `buffer`, `subarray` and `slice` only, which a
 * PagedImage has (its bytes are never indexed one by one), so it is passed
 * as the array type sql.js declares.
 */
export function databaseFile(img: PagedImage): Uint8Array {
  return img as unknown as Uint8Array;
}
