import { RecordEncoder, rowidSerial, SERIAL_BYTES, varintLen, writeRowidBody, writeVarint, type CellValue, type IndexSource } from './sqliteImage';

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

  /** Text given as UTF-8 bytes buf[s, e). */
  addBytes(buf: Uint8Array, s: number, e: number): void {
    if (this.abandoned) return;
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
          return;
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

  /** Bytes of this column's index, roughly, for reserving image space. */
  static estimateBytes(rows: number, avgKeyBytes: number): number {
    return rows * (avgKeyBytes + 10);
  }

  /**
   * Entries in index order: NULL, numbers ascending, text by bytes; rows of
   * one key in row order. Each distinct key's record bytes are made once.
   */
  entries(rowids: Int32Array): IndexSource {
    const n = this.kind.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.compareKeys(a, b));
    const pos = new Int32Array(n + 1);
    const rankOf = new Int32Array(n);
    order.forEach((id, r) => (rankOf[id] = r));
    for (let r = 0; r < this.rows; r++) pos[rankOf[this.ids[r]] + 1]++;
    for (let k = 0; k < n; k++) pos[k + 1] += pos[k];
    const sorted = new Int32Array(this.rows);
    for (let r = 0; r < this.rows; r++) sorted[pos[rankOf[this.ids[r]]]++] = r;
    // Per key, once: the record prefix (header length, key serial type) and the key's body.
    // An entry is then: prefix, the rowid's serial type, body, the rowid's bytes.
    const prefix: Uint8Array[] = [];
    const bodies: Uint8Array[] = this.kind.map((kind, id) => {
      let serial: number;
      let body: Uint8Array;
      if (kind === 0) {
        serial = 0;
        body = new Uint8Array(0);
      } else if (kind === 1) {
        const e = new RecordEncoder();
        e.encode([this.numValue[id]]);
        serial = e.buffer[e.start + 1];
        body = e.buffer.slice(e.start + 2, e.end);
      } else {
        body = this.arena.subarray(this.textOff[id], this.textOff[id] + this.textLen[id]);
        serial = body.length * 2 + 13;
      }
      const sl = varintLen(serial);
      const pre = new Uint8Array(1 + sl);
      pre[0] = 1 + sl + 1; // header length (always < 128 here)
      writeVarint(pre, 1, serial);
      prefix[id] = pre;
      return body;
    });
    const ids = this.ids;
    return {
      count: this.rows,
      size: (i) => {
        const row = sorted[i];
        const id = ids[row];
        return prefix[id].length + 1 + bodies[id].length + SERIAL_BYTES[rowidSerial(rowids[row])];
      },
      write: (i, dst, off) => {
        const row = sorted[i];
        const id = ids[row];
        const rowid = rowids[row];
        const pre = prefix[id];
        const body = bodies[id];
        let o = off;
        for (let k = 0; k < pre.length; k++) dst[o++] = pre[k];
        const rs = rowidSerial(rowid);
        dst[o++] = rs;
        for (let k = 0; k < body.length; k++) dst[o++] = body[k];
        // rowids are line numbers: 1 to 4 bytes, big-endian (serials 8/9 have none)
        switch (rs) {
          case 1:
            dst[o] = rowid;
            break;
          case 2:
            dst[o] = rowid >>> 8;
            dst[o + 1] = rowid & 0xff;
            break;
          case 3:
            dst[o] = rowid >>> 16;
            dst[o + 1] = (rowid >>> 8) & 0xff;
            dst[o + 2] = rowid & 0xff;
            break;
          case 4:
            dst[o] = rowid >>> 24;
            dst[o + 1] = (rowid >>> 16) & 0xff;
            dst[o + 2] = (rowid >>> 8) & 0xff;
            dst[o + 3] = rowid & 0xff;
            break;
          default:
            if (rs !== 8 && rs !== 9) writeRowidBody(dst, o, rowid, rs);
        }
      },
    };
  }
}
