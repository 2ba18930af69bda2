import { RecordEncoder, rowidSerial, SERIAL_BYTES, writeRowidBody, type CellValue, type IndexSource } from './sqliteImage';

/**
 * Collects one column's keys while rows are written, to lay out an index
 * afterwards without sorting rows: each distinct key gets an id, each row
 * remembers its key id, and a counting sort by key order gives the entries
 * (key, rowid) in index order. Text keys are held as their UTF-8 bytes read
 * as Latin-1, which keeps byte order — SQLite's BINARY collation.
 */
export class KeyIndex {
  private readonly text = new Map<string, number>();
  private readonly num = new Map<number, number>();
  private nullId = -1;
  private readonly keys: (string | number | null)[] = [];
  private ids = new Int32Array(1 << 16);
  rows = 0;
  /** Too many distinct keys for an index to pay off. */
  abandoned = false;

  constructor(
    readonly column: string,
    readonly position: number,
    private readonly maxKeys: number,
  ) {}

  private id(key: string | number | null, map: Map<string, number> | Map<number, number> | null): number {
    const id = this.keys.length;
    this.keys.push(key);
    if (map) (map as Map<string | number, number>).set(key as string | number, id);
    if (this.keys.length > this.maxKeys) this.abandoned = true;
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
    if (v === null || v === undefined) this.addNull();
    else if (typeof v === 'number') this.addNumber(v);
    else if (typeof v === 'string') this.addLatin1(Buffer.from(v, 'utf8').toString('latin1'));
    else this.addNull(); // blobs are not indexed keys here
  }

  addNull(): void {
    if (this.abandoned) return;
    if (this.nullId < 0) this.nullId = this.id(null, null);
    this.push(this.nullId);
  }

  addNumber(n: number): void {
    if (this.abandoned) return;
    let id = this.num.get(n);
    if (id === undefined) id = this.id(n, this.num);
    this.push(id);
  }

  /** Text as UTF-8 bytes read as Latin-1 (buf.latin1Slice). */
  addLatin1(k: string): void {
    if (this.abandoned) return;
    let id = this.text.get(k);
    if (id === undefined) id = this.id(k, this.text);
    this.push(id);
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
    const n = this.keys.length;
    const rank = (k: string | number | null) => (k === null ? 0 : typeof k === 'number' ? 1 : 2);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      const x = this.keys[a];
      const y = this.keys[b];
      const d = rank(x) - rank(y);
      if (d) return d;
      if (typeof x === 'number') return x - (y as number);
      if (typeof x === 'string') return x < (y as string) ? -1 : x > (y as string) ? 1 : 0; // Latin-1 code units = bytes
      return 0;
    });
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
    const bodies: Uint8Array[] = this.keys.map((k, id) => {
      let serial: number;
      let body: Uint8Array;
      if (k === null) {
        serial = 0;
        body = new Uint8Array(0);
      } else if (typeof k === 'number') {
        const e = new RecordEncoder();
        e.encode([k]);
        serial = e.buffer[e.start + 1];
        body = e.buffer.slice(e.start + 2, e.end);
      } else {
        body = Buffer.from(k, 'latin1');
        serial = body.length * 2 + 13;
      }
      const sl = varintLength(serial);
      const pre = new Uint8Array(1 + sl);
      pre[0] = 1 + sl + 1; // header length (always < 128 here)
      writeSerial(pre, 1, serial);
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

function varintLength(v: number): number {
  let n = 1;
  let x = v;
  while (x >= 128 && n < 9) {
    x = Math.floor(x / 128);
    n++;
  }
  return n;
}

function writeSerial(dst: Uint8Array, off: number, v: number): number {
  const n = varintLength(v);
  let x = v;
  for (let k = n - 1; k >= 0; k--) {
    dst[off + k] = (x % 128) | (k < n - 1 ? 0x80 : 0);
    x = Math.floor(x / 128);
  }
  return n;
}
