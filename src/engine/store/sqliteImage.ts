/**
 * Writes a SQLite database file (format 3) directly, page by page.
 *
 * Why: inserting rows one statement at a time through sql.js crosses the
 * JS/WASM boundary for every value and is the bottleneck of indexing. Laying
 * out the table B-tree ourselves is pure JavaScript (so it runs in a worker
 * thread), needs no WASM at all, and the finished image is opened by sql.js
 * as an ordinary database file. Tests check every image with
 * `PRAGMA integrity_check`.
 *
 * Format reference: https://www.sqlite.org/fileformat2.html
 */

import { ColumnCoder, PageDictionary, PagedImage } from './pagedImage';

/** bigint: an integer beyond ±2^53 (exact; stored as SQLite's 8-byte INTEGER). */
export type CellValue = null | number | bigint | string | Uint8Array;

const SQLITE_VERSION_NUMBER = 3045000;
const textEncoder = new TextEncoder();

/**
 * Pages of one database file, allocated in order and written once each (a
 * page is built in a page-sized buffer and handed over whole), kept in a
 * PagedImage: table leaves with their repeated values in its dictionary when
 * the writer has one, other pages as they are.
 */
export class ImageWriter {
  readonly pageSize: number;
  readonly image: PagedImage;
  private pageCount = 0;
  private readonly page1: Uint8Array;

  /** `dictionaryBytes`: room for repeated values (0: none, every page kept as it is). */
  constructor(pageSize = 4096, dictionaryBytes = 0) {
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
      throw new Error(`invalid page size ${pageSize}`);
    }
    this.pageSize = pageSize;
    this.image = new PagedImage(pageSize, dictionaryBytes > 0 ? new PageDictionary(dictionaryBytes) : null);
    this.page1 = new Uint8Array(pageSize);
    this.allocPage(); // page 1: file header + sqlite_schema root, written by finish()
  }

  /** A coder of one column's repeated values into the dictionary, or null without one. */
  coder(): ColumnCoder | null {
    return this.image.dict ? new ColumnCoder(this.image.dict) : null;
  }

  get bytesUsed(): number {
    return this.pageCount * this.pageSize;
  }

  /** Bytes the image holds in memory (pages as kept, and the dictionary). */
  get storedBytes(): number {
    return this.image.storedBytes;
  }

  /**
   * Allocates a page and returns its 1-based number. The page holding
   * byte offset 2^30 (SQLite's lock-byte page, fileformat2 §1.3) is never
   * handed out: SQLite reserves it for file locks and reports any B-tree or
   * overflow page there as corruption, so it stays a zeroed gap in the file.
   */
  allocPage(): number {
    if (this.pageCount + 1 === lockBytePage(this.pageSize)) this.pageCount++; // skipped, left zeroed
    return ++this.pageCount;
  }

  /** Writes a whole page (pageSize bytes of `bytes`). */
  writePage(page: number, bytes: Uint8Array): void {
    if (page === 1) this.page1.set(bytes.subarray(0, this.pageSize));
    else this.image.putPage(page, bytes);
  }

  /** Writes a whole page whose bytes at spanOff[k] are dictionary entries spanId[k] (increasing offsets). */
  writeCodedPage(page: number, bytes: Uint8Array, spanOff: Int32Array, spanId: Int32Array, n: number): void {
    if (n === 0 || page === 1) this.writePage(page, bytes);
    else this.image.putCodedPage(page, bytes, spanOff, spanId, n);
  }

  get pages(): number {
    return this.pageCount;
  }

  /**
   * Writes sqlite_schema on page 1 and the file header; returns the image,
   * which sql.js opens as a file without copying it.
   */
  finish(schema: SchemaEntry[]): PagedImage {
    const rows: CellValue[][] = schema.map((s) => [s.type, s.name, s.tblName, s.rootPage, s.sql]);
    const b = this.page1;
    writeSchemaTable(this, b, rows);
    const header = 'SQLite format 3\u0000';
    for (let i = 0; i < 16; i++) b[i] = header.charCodeAt(i);
    b[16] = this.pageSize === 65536 ? 0 : this.pageSize >> 8;
    b[17] = this.pageSize === 65536 ? 1 : this.pageSize & 0xff;
    b[18] = 1; // legacy (rollback journal) write version
    b[19] = 1;
    b[20] = 0;
    b[21] = 64;
    b[22] = 32;
    b[23] = 32;
    put32(b, 24, 1); // file change counter
    put32(b, 28, this.pageCount);
    put32(b, 32, 0);
    put32(b, 36, 0);
    put32(b, 40, 1); // schema cookie
    put32(b, 44, 4); // schema format
    put32(b, 48, 0);
    put32(b, 52, 0);
    put32(b, 56, 1); // UTF-8
    put32(b, 60, 0);
    put32(b, 64, 0);
    put32(b, 68, 0);
    put32(b, 92, 1); // version-valid-for = change counter
    put32(b, 96, SQLITE_VERSION_NUMBER);
    this.image.putPage(1, b);
    this.image.pageCount = Math.max(this.image.pageCount, this.pageCount);
    this.image.length = this.pageCount * this.pageSize;
    return this.image;
  }
}

/** SQLite's PENDING_BYTE is 2^30; the page it falls in holds no data. */
const PENDING_BYTE = 2 ** 30;

/** The 1-based number of the lock-byte page for a page size. */
export function lockBytePage(pageSize: number): number {
  return Math.floor(PENDING_BYTE / pageSize) + 1;
}

export interface SchemaEntry {
  type: 'table' | 'index' | 'view';
  name: string;
  tblName: string;
  rootPage: number;
  sql: string;
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

export function varintLen(v: number): number {
  // rowids and lengths here are non-negative and below 2^53
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  let x = Math.floor(v / 0x10000000);
  while (x > 0 && n < 9) {
    n++;
    x = Math.floor(x / 128);
  }
  return n;
}

export function writeVarint(b: Uint8Array, off: number, v: number): number {
  if (v < 0x80) {
    b[off] = v;
    return 1;
  }
  if (v < 0x4000) {
    b[off] = 0x80 | (v >>> 7);
    b[off + 1] = v & 0x7f;
    return 2;
  }
  // general case, big-endian groups of 7 bits (values < 2^56 never need the 9-byte form)
  const bytes: number[] = [];
  let x = v;
  while (x > 0) {
    bytes.push(x % 128);
    x = Math.floor(x / 128);
  }
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const byte = bytes[n - 1 - i];
    b[off + i] = i < n - 1 ? 0x80 | byte : byte;
  }
  return n;
}

/**
 * Encodes one record (header + body) into a reusable scratch buffer, either
 * from an array of values (encode) or value by value (begin, put…, end) so
 * that byte ranges of the input can be copied without becoming strings.
 */
export class RecordEncoder {
  private scratch = new Uint8Array(1 << 16);
  private readonly f64 = new Float64Array(1);
  private readonly f64bytes = new Uint8Array(this.f64.buffer);
  private types: number[] = [];
  private nTypes = 0;
  private hdrRoom = 0;
  private pos = 0;
  start = 0;
  end = 0;
  /** Text at buffer[spanPos[k]] is dictionary entry spanId[k]; its bytes are not in the buffer (see fillSpans). */
  spanPos = new Int32Array(16);
  spanId = new Int32Array(16);
  nSpans = 0;

  get buffer(): Uint8Array {
    return this.scratch;
  }

  private ensure(n: number): void {
    if (n > this.scratch.length) {
      let size = this.scratch.length;
      while (size < n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.scratch);
      this.scratch = next;
    }
  }

  /** Encodes values; the record is then in buffer[start, end). */
  encode(values: ArrayLike<CellValue>): void {
    const n = values.length;
    this.begin(n);
    for (let i = 0; i < n; i++) this.put(values[i]);
    this.finish();
  }

  /** Starts a record of at most maxColumns values. */
  begin(maxColumns: number): void {
    this.hdrRoom = 10 + 9 * maxColumns;
    this.pos = this.hdrRoom;
    this.nTypes = 0;
    this.nSpans = 0;
    this.ensure(this.pos + 64);
  }

  put(v: CellValue | undefined): void {
    if (v === null || v === undefined) this.types[this.nTypes++] = 0;
    else if (typeof v === 'number') this.putNumber(v);
    else if (typeof v === 'string') this.putString(v);
    else if (typeof v === 'bigint') this.putBigInt(v);
    else {
      this.ensure(this.pos + v.length);
      this.scratch.set(v, this.pos);
      this.types[this.nTypes++] = v.length * 2 + 12;
      this.pos += v.length;
    }
  }

  putNull(): void {
    this.types[this.nTypes++] = 0;
  }

  putNumber(v: number): void {
    this.ensure(this.pos + 8);
    const s = this.scratch;
    let pos = this.pos;
    let t: number;
    if (Number.isInteger(v) && v >= -9007199254740991 && v <= 9007199254740991) {
      if (v === 0) t = 8;
      else if (v === 1) t = 9;
      else if (v >= -128 && v <= 127) {
        t = 1;
        s[pos++] = v & 0xff;
      } else if (v >= -32768 && v <= 32767) {
        t = 2;
        s[pos++] = (v >> 8) & 0xff;
        s[pos++] = v & 0xff;
      } else if (v >= -8388608 && v <= 8388607) {
        t = 3;
        s[pos++] = (v >> 16) & 0xff;
        s[pos++] = (v >> 8) & 0xff;
        s[pos++] = v & 0xff;
      } else if (v >= -2147483648 && v <= 2147483647) {
        t = 4;
        s[pos++] = (v >>> 24) & 0xff;
        s[pos++] = (v >>> 16) & 0xff;
        s[pos++] = (v >>> 8) & 0xff;
        s[pos++] = v & 0xff;
      } else {
        // 8-byte two's complement, big-endian
        t = 6;
        let hi = Math.floor(v / 4294967296);
        let lo = v - hi * 4294967296;
        if (v < 0) {
          hi = hi >>> 0;
          lo = lo >>> 0;
        }
        put32(s, pos, hi);
        put32(s, pos + 4, lo);
        pos += 8;
      }
    } else {
      t = 7;
      this.f64[0] = v;
      const fb = this.f64bytes;
      for (let k = 0; k < 8; k++) s[pos + k] = fb[7 - k]; // little- to big-endian
      pos += 8;
    }
    this.types[this.nTypes++] = t;
    this.pos = pos;
  }

  /** An integer as 8-byte two's complement (type 6), exactly; it must fit in 64 bits. */
  putBigInt(v: bigint): void {
    if (v >= -9007199254740991n && v <= 9007199254740991n) return this.putNumber(Number(v));
    this.ensure(this.pos + 8);
    const u = BigInt.asUintN(64, v);
    put32(this.scratch, this.pos, Number(u >> 32n));
    put32(this.scratch, this.pos + 4, Number(u & 0xffffffffn));
    this.pos += 8;
    this.types[this.nTypes++] = 6;
  }

  putString(v: string): void {
    const len = v.length;
    this.ensure(this.pos + len * 3 + 16);
    const s = this.scratch;
    const pos = this.pos;
    let written = -1;
    if (len < 96) {
      let k = 0;
      for (; k < len; k++) {
        const c = v.charCodeAt(k);
        if (c >= 0x80) break;
        s[pos + k] = c;
      }
      if (k === len) written = len;
    }
    if (written < 0) written = textEncoder.encodeInto(v, s.subarray(pos)).written;
    this.types[this.nTypes++] = written * 2 + 13;
    this.pos = pos + written;
  }

  /** Text copied from UTF-8 bytes src[from, to). */
  putTextBytes(src: Uint8Array, from: number, to: number): void {
    const len = to - from;
    this.ensure(this.pos + len);
    const s = this.scratch;
    const pos = this.pos;
    if (len < 64) for (let k = 0; k < len; k++) s[pos + k] = src[from + k];
    else s.set(src.subarray(from, to), pos);
    this.types[this.nTypes++] = len * 2 + 13;
    this.pos = pos + len;
  }

  /** Text from UTF-8 bytes src[from, to) that is dictionary entry `id` (as a span; its bytes are not copied), or -1: copied. */
  putCodedTextBytes(src: Uint8Array, from: number, to: number, id: number): void {
    if (id < 0) return this.putTextBytes(src, from, to);
    const len = to - from;
    this.ensure(this.pos + len);
    this.addSpan(this.pos, id);
    this.types[this.nTypes++] = len * 2 + 13;
    this.pos += len;
  }

  /** Makes the text value just put (its bytes end the buffer) a dictionary span when `coder` has it; its id or -1. */
  codeLast(coder: ColumnCoder | null): number {
    if (coder === null) return -1;
    const len = (this.types[this.nTypes - 1] - 13) / 2;
    const id = coder.id(this.scratch, this.pos - len, this.pos);
    if (id >= 0) this.addSpan(this.pos - len, id);
    return id;
  }

  /** Text that is dictionary entry `id` of the writer's dictionary (a span; its bytes are not copied). */
  putSpan(id: number): void {
    const len = this.dictLens![id];
    this.ensure(this.pos + len);
    this.addSpan(this.pos, id);
    this.types[this.nTypes++] = len * 2 + 13;
    this.pos += len;
  }

  /** The lengths of the dictionary's entries (set by a TableBuilder with a dictionary), for putSpan. */
  get dictLens(): Int32Array | null {
    return this.dict?.lens ?? null;
  }

  /** The dictionary of the image this encoder writes to, if any. */
  dict: PageDictionary | null = null;

  private addSpan(pos: number, id: number): void {
    if (this.nSpans === this.spanPos.length) {
      const p = new Int32Array(this.nSpans * 2);
      p.set(this.spanPos);
      this.spanPos = p;
      const d = new Int32Array(this.nSpans * 2);
      d.set(this.spanId);
      this.spanId = d;
    }
    this.spanPos[this.nSpans] = pos;
    this.spanId[this.nSpans++] = id;
  }

  /** Writes the spans' bytes into the buffer (a record that will not stay in one page) and forgets the spans. */
  fillSpans(dict: PageDictionary): void {
    for (let k = 0; k < this.nSpans; k++) {
      const id = this.spanId[k];
      const from = dict.offs[id];
      this.scratch.set(dict.arena.subarray(from, from + dict.lens[id]), this.spanPos[k]);
    }
    this.nSpans = 0;
  }

  /** Text made of two byte ranges joined by one separator byte (a date and a time). */
  putJoinedTextBytes(src: Uint8Array, a: number, aEnd: number, sep: number, b: number, bEnd: number): void {
    const la = aEnd - a;
    const lb = bEnd - b;
    this.ensure(this.pos + la + lb + 1);
    const s = this.scratch;
    let pos = this.pos;
    for (let k = 0; k < la; k++) s[pos++] = src[a + k];
    s[pos++] = sep;
    for (let k = 0; k < lb; k++) s[pos++] = src[b + k];
    this.types[this.nTypes++] = (la + lb + 1) * 2 + 13;
    this.pos = pos;
  }

  /** Reserves `len` bytes of text to be filled by the caller at the returned offset of buffer. */
  putTextSlot(len: number): number {
    this.ensure(this.pos + len);
    const at = this.pos;
    this.types[this.nTypes++] = len * 2 + 13;
    this.pos += len;
    return at;
  }

  /** Ends the record; it is then in buffer[start, end). */
  finish(): void {
    const n = this.nTypes;
    const types = this.types;
    let hdrBody = 0;
    for (let i = 0; i < n; i++) hdrBody += varintLen(types[i]);
    let hdrLen = hdrBody + 1;
    if (varintLen(hdrLen) > 1) hdrLen = hdrBody + varintLen(hdrBody + 2);
    let h = this.hdrRoom - hdrLen;
    const s = this.scratch;
    this.start = h;
    h += writeVarint(s, h, hdrLen);
    for (let i = 0; i < n; i++) h += writeVarint(s, h, types[i]);
    this.end = this.pos;
  }
}

interface LeafRef {
  page: number;
  maxKey: number;
}

/**
 * Appends rows with strictly increasing rowids to one table B-tree.
 * Leaves are packed full and written in a plain page buffer (typed arrays on
 * the resizable image buffer are slower to write byte by byte), then copied
 * into the image in one call; interior pages are built in finish().
 */
export class TableBuilder {
  private readonly img: ImageWriter;
  /** Encode a record here (begin, put…, finish) and then commit() it. */
  readonly enc = new RecordEncoder();
  private readonly leaves: LeafRef[] = [];
  private readonly page: Uint8Array;
  private pageNo = 0; // current leaf page number, 0 = none
  private maxKey = 0;
  private nCells = 0;
  private contentStart = 0; // offset within page
  private lastKey = -Infinity;
  rows = 0;
  /** The current leaf's dictionary spans: page offsets and ids, grouped by cell (spanCell[c] = first span of cell group c). */
  private spanOff = new Int32Array(256);
  private spanId = new Int32Array(256);
  private nSpans = 0;
  private spanCell = new Int32Array(64);
  private nGroups = 0;
  private orderedOff = new Int32Array(256);
  private orderedId = new Int32Array(256);

  constructor(img: ImageWriter) {
    this.img = img;
    this.page = new Uint8Array(img.pageSize);
    this.enc.dict = img.image.dict;
  }

  addRow(rowid: number, values: ArrayLike<CellValue>): void {
    this.enc.encode(values);
    this.commit(rowid);
  }

  /** Appends the record just encoded in `enc` under this rowid. */
  commit(rowid: number): void {
    if (!(rowid > this.lastKey)) throw new Error(`rowids must increase: ${rowid} after ${this.lastKey}`);
    this.lastKey = rowid;
    const enc = this.enc;
    const src = enc.buffer;
    const start = enc.start;
    const P = enc.end - start;
    const U = this.page.length;
    const local = localPayload(P, U);
    const cellSize = varintLen(P) + varintLen(rowid) + local + (local < P ? 4 : 0);
    if (this.pageNo === 0 || this.contentStart - cellSize < 8 + 2 * (this.nCells + 1)) {
      this.closeLeaf();
      this.pageNo = this.img.allocPage();
      this.nCells = 0;
      this.contentStart = U;
    }
    let firstOverflow = 0;
    if (enc.nSpans > 0 && local < P) enc.fillSpans(this.img.image.dict!);
    if (local < P) firstOverflow = writeOverflow(this.img, src, start + local, start + P);
    const b = this.page;
    const cellOff = this.contentStart - cellSize;
    let o = cellOff;
    o += writeVarint(b, o, P);
    o += writeVarint(b, o, rowid);
    if (enc.nSpans > 0) this.addSpans(o - start);
    if (local < 256) {
      for (let k = 0; k < local; k++) b[o + k] = src[start + k];
    } else b.set(src.subarray(start, start + local), o);
    o += local;
    if (local < P) put32(b, o, firstOverflow);
    const ptr = 8 + 2 * this.nCells;
    b[ptr] = cellOff >> 8;
    b[ptr + 1] = cellOff & 0xff;
    this.nCells++;
    this.contentStart = cellOff;
    this.maxKey = rowid;
    this.rows++;
  }

  /** Keeps the record's spans at their page offsets (buffer position + shift). */
  private addSpans(shift: number): void {
    const enc = this.enc;
    const n = enc.nSpans;
    if (this.nSpans + n > this.spanOff.length) {
      const size = Math.max(this.spanOff.length * 2, this.nSpans + n);
      const grow = (a: Int32Array) => {
        const b = new Int32Array(size);
        b.set(a);
        return b;
      };
      this.spanOff = grow(this.spanOff);
      this.spanId = grow(this.spanId);
      this.orderedOff = new Int32Array(size);
      this.orderedId = new Int32Array(size);
    }
    if (this.nGroups === this.spanCell.length) {
      const c = new Int32Array(this.nGroups * 2);
      c.set(this.spanCell);
      this.spanCell = c;
    }
    this.spanCell[this.nGroups++] = this.nSpans;
    for (let k = 0; k < n; k++) {
      this.spanOff[this.nSpans] = enc.spanPos[k] + shift;
      this.spanId[this.nSpans++] = enc.spanId[k];
    }
  }

  private closeLeaf(): void {
    if (this.pageNo === 0) return;
    const b = this.page;
    b[0] = 0x0d;
    put16(b, 1, 0);
    put16(b, 3, this.nCells);
    put16(b, 5, this.contentStart === 65536 ? 0 : this.contentStart);
    b[7] = 0;
    if (this.nSpans === 0) this.img.writePage(this.pageNo, b);
    else {
      // cells were placed from the end of the page backwards: the last group has the lowest offsets
      let k = 0;
      for (let g = this.nGroups - 1; g >= 0; g--) {
        const end = g + 1 < this.nGroups ? this.spanCell[g + 1] : this.nSpans;
        for (let j = this.spanCell[g]; j < end; j++) {
          this.orderedOff[k] = this.spanOff[j];
          this.orderedId[k++] = this.spanId[j];
        }
      }
      this.img.writeCodedPage(this.pageNo, b, this.orderedOff, this.orderedId, k);
      this.nSpans = 0;
      this.nGroups = 0;
    }
    b.fill(0);
    this.leaves.push({ page: this.pageNo, maxKey: this.maxKey });
    this.pageNo = 0;
  }

  /** Finishes the tree and returns the root page number. */
  finish(): number {
    if (this.pageNo === 0 && this.leaves.length === 0) {
      this.pageNo = this.img.allocPage();
      this.nCells = 0;
      this.contentStart = this.img.pageSize;
    }
    this.closeLeaf();
    let level: LeafRef[] = this.leaves;
    while (level.length > 1) level = buildInteriorLevel(this.img, level);
    return level[0].page;
  }
}

/** Bytes of a table-leaf payload stored on the page itself (fileformat2 §1.6). */
function localPayload(P: number, U: number): number {
  const X = U - 35;
  if (P <= X) return P;
  const M = Math.floor(((U - 12) * 32) / 255) - 23;
  const K = M + ((P - M) % (U - 4));
  return K <= X ? K : M;
}

function writeOverflow(img: ImageWriter, src: Uint8Array, from: number, to: number): number {
  const U = img.pageSize;
  const chunk = U - 4;
  const pages: number[] = [];
  for (let p = from; p < to; p += chunk) pages.push(img.allocPage());
  const b = new Uint8Array(U);
  let idx = 0;
  for (let p = from; p < to; p += chunk, idx++) {
    put32(b, 0, idx + 1 < pages.length ? pages[idx + 1] : 0);
    const part = src.subarray(p, Math.min(to, p + chunk));
    b.set(part, 4);
    if (part.length < chunk) b.fill(0, 4 + part.length);
    img.writePage(pages[idx], b);
  }
  return pages[0];
}

function buildInteriorLevel(img: ImageWriter, children: LeafRef[]): LeafRef[] {
  const U = img.pageSize;
  const out: LeafRef[] = [];
  let i = 0;
  const b = new Uint8Array(U);
  const base = 0;
  while (i < children.length) {
    const page = img.allocPage();
    b.fill(0);
    let content = U;
    let n = 0;
    // every child but the last one on this page becomes a cell; the last is the right-most pointer
    while (i < children.length - 1) {
      const c = children[i];
      const size = 4 + varintLen(c.maxKey);
      if (content - size < 12 + 2 * (n + 1) + 16 && n > 0) break;
      content -= size;
      put32(b, base + content, c.page);
      writeVarint(b, base + content + 4, c.maxKey);
      put16(b, base + 12 + 2 * n, content);
      n++;
      i++;
    }
    const right = children[i++];
    b[base] = 0x05;
    put16(b, base + 1, 0);
    put16(b, base + 3, n);
    put16(b, base + 5, content === 65536 ? 0 : content);
    b[base + 7] = 0;
    put32(b, base + 8, right.page);
    img.writePage(page, b);
    out.push({ page, maxKey: right.maxKey });
  }
  return out;
}

/**
 * sqlite_schema must be rooted at page 1, after the 100-byte file header.
 * Small schemas fit in page 1 as a leaf; larger ones get leaves elsewhere
 * and page 1 becomes their interior root.
 */
function writeSchemaTable(img: ImageWriter, page1: Uint8Array, rows: CellValue[][]): void {
  const U = img.pageSize;
  const enc = new RecordEncoder();
  const cells: Uint8Array[] = [];
  let total = 0;
  rows.forEach((r, i) => {
    enc.encode(r);
    const rec = enc.buffer.slice(enc.start, enc.end);
    const rowid = i + 1;
    const P = rec.length;
    const local = localPayload(P, U);
    const cell = new Uint8Array(varintLen(P) + varintLen(rowid) + local + (local < P ? 4 : 0));
    let o = writeVarint(cell, 0, P);
    o += writeVarint(cell, o, rowid);
    cell.set(rec.subarray(0, local), o);
    if (local < P) put32(cell, o + local, writeOverflow(img, rec, local, P));
    cells.push(cell);
    total += cell.length + 2;
  });
  const hdr = 100;
  if (hdr + 8 + total <= U) {
    const b = page1;
    let content = U;
    cells.forEach((cell, i) => {
      content -= cell.length;
      b.set(cell, content);
      put16(b, hdr + 8 + 2 * i, content);
    });
    b[hdr] = 0x0d;
    put16(b, hdr + 1, 0);
    put16(b, hdr + 3, cells.length);
    put16(b, hdr + 5, content === 65536 ? 0 : content);
    b[hdr + 7] = 0;
    return;
  }
  // Several leaves, page 1 as their parent.
  const leaves: LeafRef[] = [];
  let page = 0;
  let n = 0;
  let content = 0;
  const leaf = new Uint8Array(U);
  const base = 0;
  const close = () => {
    if (!page) return;
    const b = leaf;
    b[base] = 0x0d;
    put16(b, base + 3, n);
    put16(b, base + 5, content === 65536 ? 0 : content);
    img.writePage(page, b);
    b.fill(0);
  };
  cells.forEach((cell, i) => {
    if (!page || content - cell.length < 8 + 2 * (n + 1)) {
      close();
      page = img.allocPage();
      n = 0;
      content = U;
      leaves.push({ page, maxKey: i + 1 });
    }
    const b = leaf;
    content -= cell.length;
    b.set(cell, base + content);
    put16(b, base + 8 + 2 * n, content);
    n++;
    leaves[leaves.length - 1].maxKey = i + 1;
  });
  close();
  const b = page1;
  let c = U;
  if (hdr + 12 + (leaves.length - 1) * 15 > U) throw new Error('too many tables for one database image');
  for (let i = 0; i < leaves.length - 1; i++) {
    const size = 4 + varintLen(leaves[i].maxKey);
    c -= size;
    put32(b, c, leaves[i].page);
    writeVarint(b, c + 4, leaves[i].maxKey);
    put16(b, hdr + 12 + 2 * i, c);
  }
  b[hdr] = 0x05;
  put16(b, hdr + 3, leaves.length - 1);
  put16(b, hdr + 5, c === 65536 ? 0 : c);
  put32(b, hdr + 8, leaves[leaves.length - 1].page);
}

/**
 * Index keys shorter than this stay in their pages: an index leaf holds hundreds of short entries, and
 * a scan (GROUP BY over an address) would put that many spans together per page for a few bytes each.
 */
const MIN_CODED_INDEX_KEY = 16;

/** Bytes of an index-page payload stored on the page itself (fileformat2 §1.6). */
function localIndexPayload(P: number, U: number): number {
  const X = Math.floor(((U - 12) * 64) / 255) - 23;
  if (P <= X) return P;
  const M = Math.floor(((U - 12) * 32) / 255) - 23;
  const K = M + ((P - M) % (U - 4));
  return K <= X ? K : M;
}

/** Entries of an index in index order: the size of entry i's record, and a writer of it. */
export interface IndexSource {
  count: number;
  size(i: number): number;
  write(i: number, dst: Uint8Array, off: number): void;
  /** Entry i's key number when its key is text (the entries of one key share it), else -1; with keyText. */
  keyOf?(i: number): number;
  /** Key number k's text, bytes[from, to), which starts `at` bytes into each of its entries' records. */
  keyText?(k: number): { bytes: Uint8Array; from: number; to: number; at: number };
}

/** An IndexSource from a function that encodes entry i (simple, for tests and small indexes). */
export function encodedIndexSource(count: number, entry: (i: number, enc: RecordEncoder) => void): IndexSource {
  const enc = new RecordEncoder();
  return {
    count,
    size(i) {
      entry(i, enc);
      return enc.end - enc.start;
    },
    write(i, dst, off) {
      entry(i, enc);
      dst.set(enc.buffer.subarray(enc.start, enc.end), off);
    },
  };
}

/**
 * Writes an index B-tree over entries given in index order, in one pass over
 * the entries: leaves are filled completely and written as they fill; the
 * entry after each leaf but the last goes up as a divider, and the interior
 * levels are built from the dividers. A leaf that would leave exactly one
 * entry over (which would go up with no leaf after it) gives back its last
 * cell, which becomes the divider, so every page has a cell. Returns the
 * root page.
 */
export function writeIndex(img: ImageWriter, src: IndexSource): number {
  const U = img.pageSize;
  const count = src.count;
  const X = Math.floor(((U - 12) * 64) / 255) - 23; // payloads up to X bytes stay on the page
  /** Bytes of a leaf cell with payload P (an interior cell has 4 more). */
  const cellOf = (P: number) => (P <= X ? (P < 128 ? 1 : P < 16384 ? 2 : 3) + P : varintLen(P) + localIndexPayload(P, U) + 4);
  let scratch = new Uint8Array(1024);
  const writeCell = (page: Uint8Array, off: number, i: number, P: number, child: number) => {
    let o = off;
    if (child) {
      put32(page, o, child);
      o += 4;
    }
    if (P < 128) page[o++] = P;
    else o += writeVarint(page, o, P);
    if (P <= X) {
      src.write(i, page, o);
      return;
    }
    const local = localIndexPayload(P, U);
    if (scratch.length < P) scratch = new Uint8Array(P * 2);
    src.write(i, scratch, 0);
    page.set(scratch.subarray(0, local), o);
    put32(page, o + local, writeOverflow(img, scratch, local, P));
  };

  // ---- leaves; their text keys are dictionary spans when the image has a dictionary
  const dict = img.image.dict;
  const keyed = dict !== null && src.keyOf !== undefined && src.keyText !== undefined;
  const idOfKey: number[] = [];
  let spanOff = new Int32Array(64);
  let spanId = new Int32Array(64);
  let nSpans = 0;
  const keySpan = (i: number, cellAt: number, P: number) => {
    const k = src.keyOf!(i);
    if (k < 0) return;
    let id = idOfKey[k];
    if (id === undefined) {
      const t = src.keyText!(k);
      id = t.to - t.from >= MIN_CODED_INDEX_KEY ? dict!.id(t.bytes, t.from, t.to) : -1;
      idOfKey[k] = id;
    }
    if (id < 0) return;
    if (nSpans === spanOff.length) {
      const o = new Int32Array(nSpans * 2);
      o.set(spanOff);
      spanOff = o;
      const d = new Int32Array(nSpans * 2);
      d.set(spanId);
      spanId = d;
    }
    spanOff[nSpans] = cellAt + (P < 128 ? 1 : varintLen(P)) + src.keyText!(k).at;
    spanId[nSpans++] = id;
  };
  const page = new Uint8Array(U);
  let children: number[] = [];
  let dividers: number[] = []; // entry numbers
  let dividerP: number[] = []; // their payload sizes
  const flush = (n: number, content: number, type: number, right: number) => {
    page[0] = type;
    put16(page, 3, n);
    put16(page, 5, content === 65536 ? 0 : content);
    if (type === 0x02) put32(page, 8, right);
    const no = img.allocPage();
    if (nSpans === 0) img.writePage(no, page);
    else {
      // cells were placed from the end of the page backwards: spans in increasing order are the reverse
      spanOff.subarray(0, nSpans).reverse();
      spanId.subarray(0, nSpans).reverse();
      img.writeCodedPage(no, page, spanOff, spanId, nSpans);
      nSpans = 0;
    }
    page.fill(0);
    return no;
  };
  let i = 0;
  do {
    let content = U;
    let n = 0;
    let lastP = 0;
    let lastC = 0;
    while (i < count) {
      const P = src.size(i);
      const c = cellOf(P);
      if (n > 0 && 8 + 2 * (n + 1) + (U - content) + c > U) break;
      content -= c;
      writeCell(page, content, i, P, 0);
      if (keyed && P <= X) keySpan(i, content, P);
      page[8 + 2 * n] = content >> 8;
      page[9 + 2 * n] = content & 0xff;
      n++;
      i++;
      lastP = P;
      lastC = c;
    }
    if (i === count - 1) {
      // one entry over: this leaf gives back its last cell, which goes up; the last leaf holds that one entry
      if (n < 2) throw new Error(`index leaf of page size ${U} holds fewer than two cells`);
      n--;
      if (nSpans > 0 && spanOff[nSpans - 1] >= content) nSpans--; // the span of the cell given back
      page.fill(0, content, content + lastC);
      page[8 + 2 * n] = 0;
      page[9 + 2 * n] = 0;
      content += lastC;
      i--;
      children.push(flush(n, content, 0x0a, 0));
      dividers.push(i);
      dividerP.push(lastP);
      i++;
    } else {
      children.push(flush(n, content, 0x0a, 0));
      if (i < count) {
        dividers.push(i);
        dividerP.push(src.size(i));
        i++;
      }
    }
  } while (i < count);

  // ---- interior levels: child0 d0 child1 d1 … childK; a page takes cells (child_j, d_j) and a right-most child
  while (children.length > 1) {
    const next: number[] = [];
    const up: number[] = [];
    const upP: number[] = [];
    const last = children.length - 1;
    for (let j = 0; j < children.length; ) {
      const from = j;
      let used = 12;
      while (j < last && used + 4 + cellOf(dividerP[j]) + 2 <= U) used += 4 + cellOf(dividerP[j++]) + 2;
      if (j === from && j < last) j++; // at least one cell
      // the next page would hold the last child alone, without a cell: this one ends a cell earlier
      if (j + 1 === last) {
        if (j - from < 2) throw new Error(`index interior page of page size ${U} holds fewer than two cells`);
        j--;
      }
      let content = U;
      let n = 0;
      for (let k = from; k < j; k++) {
        content -= 4 + cellOf(dividerP[k]);
        writeCell(page, content, dividers[k], dividerP[k], children[k]);
        put16(page, 12 + 2 * n++, content);
      }
      next.push(flush(n, content, 0x02, children[j]));
      if (j < last) {
        up.push(dividers[j]);
        upP.push(dividerP[j]);
      }
      j++;
    }
    children = next;
    dividers = up;
    dividerP = upP;
  }
  return children[0];
}
