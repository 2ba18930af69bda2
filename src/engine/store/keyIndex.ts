import { RecordEncoder, varintLen, writeVarint, type CellValue, type IndexSource } from './sqliteImage';

/**
 * Collects one column's keys while rows are written, to lay out an index
 * afterwards without sorting rows: each distinct key gets an id, each row
 * remembers its key id, and a counting sort by key order gives the entries
 * (key, rowid) in index order. Text keys stay UTF-8 bytes in an arena with
 * an open-addressing hash table, so no string is made per row; byte order
 * is SQLite's BINARY collation.
 */
export class KeyIndex {
  private readonly num = new Map<number, number>();
  private nullId = -1;
  /** Per key id: 0 null, 1 number, 2 text. */
  private kind: number[] = [];
  private numValue: number[] = [];
  private textOff: number[] = [];
  private textLen: number[] = [];
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private table = new Int32Array(1 << 12); // id + 1, 0 = empty
  private textCount = 0;
  private ids = new Int32Array(1 << 16);
  rows = 0;
  /** Too many distinct keys for an index to pay off. */
  abandoned = false;

  constructor(
    readonly column: string,
    readonly position: number,
    private readonly maxKeys: number,
  ) {}

  private newId(kind: number): number {
    const id = this.kind.length;
    this.kind.push(kind);
    this.numValue.push(0);
    this.textOff.push(0);
    this.textLen.push(0);
    if (id + 1 > this.maxKeys) this.abandoned = true;
    return id;
  }

  private push(id: number): void {
    if (this.rows === this.ids.length) {
      const next = new Int32Array(this.ids.length * 2);
      next.set(this.ids);
      this.ids = next;
    }
    this.ids[this.rows++] = id;
  }

  /** A value as stored (string path). */
  addValue(v: CellValue | undefined): void {
    if (this.abandoned) return;
    if (v === null || v === undefined || v instanceof Uint8Array) this.addNull();
    else if (typeof v === 'number') this.addNumber(v);
    else if (typeof v === 'bigint') this.abandoned = true; // beyond ±2^53: this column gets no index
    else {
      const b = Buffer.from(v, 'utf8');
      this.addBytes(b, 0, b.length);
    }
  }

  addNull(): void {
    if (this.abandoned) return;
    if (this.nullId < 0) this.nullId = this.newId(0);
    this.push(this.nullId);
  }

  addNumber(n: number): void {
    if (this.abandoned) return;
    let id = this.num.get(n);
    if (id === undefined) {
      id = this.newId(1);
      this.numValue[id] = n;
      this.num.set(n, id);
    }
    this.push(id);
  }

  /** Text given as UTF-8 bytes buf[s, e); returns its key id (-1 once abandoned). */
  addBytes(buf: Uint8Array, s: number, e: number): number {
    if (this.abandoned) return -1;
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const len = e - s;
    const table = this.table;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const v = table[slot];
      if (v === 0) break;
      const id = v - 1;
      if (this.textLen[id] === len) {
        const off = this.textOff[id];
        const a = this.arena;
        let k = 0;
        while (k < len && a[off + k] === buf[s + k]) k++;
        if (k === len) {
          this.push(id);
          return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.newId(2);
    if (this.arenaUsed + len > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.arenaUsed + len) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    this.arena.set(buf.subarray(s, e), this.arenaUsed);
    this.textOff[id] = this.arenaUsed;
    this.textLen[id] = len;
    this.arenaUsed += len;
    table[slot] = id + 1;
    if (++this.textCount * 2 > table.length) this.rehash();
    this.push(id);
    return id;
  }

  private rehash(): void {
    const next = new Int32Array(this.table.length * 2);
    const mask = next.length - 1;
    for (let id = 0; id < this.kind.length; id++) {
      if (this.kind[id] !== 2) continue;
      let h = 0x811c9dc5;
      const off = this.textOff[id];
      for (let i = 0; i < this.textLen[id]; i++) h = Math.imul(h ^ this.arena[off + i], 0x01000193);
      let slot = h & mask;
      while (next[slot] !== 0) slot = (slot + 1) & mask;
      next[slot] = id + 1;
    }
    this.table = next;
  }

  private compareKeys(a: number, b: number): number {
    const ka = this.kind[a];
    const kb = this.kind[b];
    if (ka !== kb) return ka - kb; // NULL < numbers < text
    if (ka === 1) return this.numValue[a] - this.numValue[b];
    if (ka === 0) return 0;
    const arena = this.arena;
    const oa = this.textOff[a];
    const ob = this.textOff[b];
    const la = this.textLen[a];
    const lb = this.textLen[b];
    const n = Math.min(la, lb);
    for (let i = 0; i < n; i++) {
      const d = arena[oa + i] - arena[ob + i];
      if (d) return d;
    }
    return la - lb;
  }

  /**
   * Entries in index order: NULL, numbers ascending, text by bytes; rows of
   * one key in row order. A counting sort lays out each entry's rowid by key
   * rank; each distinct key's record bytes (header and key) are made once,
   * and an entry is written from them and its rowid. Call once: the row's
   * key ids are released here. `rowids` gives row r's rowid; without it
   * (rows on consecutive lines) it is firstRowid + r.
   */
  entries(rowids: Int32Array | null, firstRowid = 1): IndexSource {
    const n = this.kind.length;
    const rows = this.rows;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.compareKeys(a, b));
    const rankOf = new Int32Array(n);
    order.forEach((id, r) => (rankOf[id] = r));
    // start[k]: the first entry of the key of rank k
    const start = new Int32Array(n + 1);
    const ids = this.ids;
    for (let r = 0; r < rows; r++) start[rankOf[ids[r]] + 1]++;
    for (let k = 0; k < n; k++) start[k + 1] += start[k];
    const fill = start.slice(0, n);
    const entryRowid = new Int32Array(rows);
    if (rowids) for (let r = 0; r < rows; r++) entryRowid[fill[rankOf[ids[r]]]++] = rowids[r];
    else for (let r = 0; r < rows; r++) entryRowid[fill[rankOf[ids[r]]]++] = firstRowid + r;
    this.ids = new Int32Array(0);
    // Per key rank, in one arena: the header length, the key's serial type, the key's body.
    // An entry is: header length, key serial, the rowid's serial, key body, the rowid's bytes.
    let arenaBytes = 0;
    for (const id of order) arenaBytes += 10 + (this.kind[id] === 2 ? this.textLen[id] : 9);
    const rec = new Uint8Array(arenaBytes);
    const recOff = new Int32Array(n + 1);
    const recHead = new Uint8Array(n); // bytes before the rowid's serial: 1 + the key serial's length
    let o = 0;
    const enc = new RecordEncoder();
    for (let k = 0; k < n; k++) {
      const id = order[k];
      const kind = this.kind[id];
      recOff[k] = o;
      let serial: number;
      let body: Uint8Array;
      if (kind === 0) {
        serial = 0;
        body = rec.subarray(0, 0);
      } else if (kind === 1) {
        enc.encode([this.numValue[id]]);
        serial = enc.buffer[enc.start + 1];
        body = enc.buffer.subarray(enc.start + 2, enc.end);
      } else {
        body = this.arena.subarray(this.textOff[id], this.textOff[id] + this.textLen[id]);
        serial = body.length * 2 + 13;
      }
      const sl = varintLen(serial);
      rec[o] = 1 + sl + 1; // header length (always < 128 here)
      writeVarint(rec, o + 1, serial);
      recHead[k] = 1 + sl;
      o += 1 + sl;
      rec.set(body, o);
      o += body.length;
    }
    recOff[n] = o;
    this.arena = new Uint8Array(0);
    // the key of the entries asked for last: entries are asked for in order, dividers now and then
    let rank = 0;
    const rankAt = (i: number): number => {
      if (i >= start[rank] && i < start[rank + 1]) return rank;
      if (i >= start[rank + 1] && i < start[rank + 2]) return ++rank;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (start[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      rank = lo;
      return lo;
    };
    // a text key of one entry only would be stored twice (dictionary and page): it stays in its page
    const isText = Uint8Array.from(order, (id, k) => (this.kind[id] === 2 && start[k + 1] - start[k] > 1 ? 1 : 0));
    const text = { bytes: rec, from: 0, to: 0, at: 0 };
    return {
      count: rows,
      keyOf: (i) => {
        const k = rankAt(i);
        return isText[k] ? k : -1;
      },
      keyText: (k) => {
        text.from = recOff[k] + recHead[k];
        text.to = recOff[k + 1];
        text.at = recHead[k] + 1; // after the header: its length, the key's serial, the rowid's serial
        return text;
      },
      size: (i) => {
        const k = rankAt(i);
        const rowid = entryRowid[i];
        return recOff[k + 1] - recOff[k] + 1 + (rowid <= 1 ? 0 : rowid <= 127 ? 1 : rowid <= 32767 ? 2 : rowid <= 8388607 ? 3 : 4);
      },
      write: (i, dst, off) => {
        const k = rankAt(i);
        const rowid = entryRowid[i];
        let a = recOff[k];
        const head = a + recHead[k];
        const end = recOff[k + 1];
        let d = off;
        while (a < head) dst[d++] = rec[a++];
        // rowids are line numbers: 1 to 4 bytes, big-endian (serial 9 is the constant 1 and has none)
        if (rowid === 1) {
          dst[d++] = 9;
          while (a < end) dst[d++] = rec[a++];
        } else if (rowid <= 127) {
          dst[d++] = 1;
          while (a < end) dst[d++] = rec[a++];
          dst[d] = rowid;
        } else if (rowid <= 32767) {
          dst[d++] = 2;
          while (a < end) dst[d++] = rec[a++];
          dst[d] = rowid >>> 8;
          dst[d + 1] = rowid & 0xff;
        } else if (rowid <= 8388607) {
          dst[d++] = 3;
          while (a < end) dst[d++] = rec[a++];
          dst[d] = rowid >>> 16;
          dst[d + 1] = (rowid >>> 8) & 0xff;
          dst[d + 2] = rowid & 0xff;
        } else {
          dst[d++] = 4;
          while (a < end) dst[d++] = rec[a++];
          dst[d] = rowid >>> 24;
          dst[d + 1] = (rowid >>> 16) & 0xff;
          dst[d + 2] = (rowid >>> 8) & 0xff;
          dst[d + 3] = rowid & 0xff;
        }
      },
    };
  }
}
