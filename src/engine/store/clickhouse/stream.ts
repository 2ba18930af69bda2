/**
 * The parsers' sink on ClickHouse: build.ts hands over each row as a SQLite record (the bytes the
 * image would hold), and this sends them in batches (50,000 rows) as RowBinary to a staging
 * MergeTree table on each shard (row `_line` on shard `_line % shards`) while the file is read.
 * At most two sealed batches wait for the shards; past that, the reading waits (drain), so memory
 * stays bounded whatever the file's size.
 *
 * The schema is decided by build.ts after the first 2,000 records and may still change: a JSON
 * Lines file grows columns (ADD COLUMN), and a value that does not fit its column (text in a
 * column of integers) widens the column (MODIFY COLUMN: integers → reals → text), as sql.js ends
 * with a column declared without a type. The types come out as the copy from the image gave them.
 */
import { RecordEncoder, type CellValue } from '../sqliteImage';
import type { RowSink, SinkColumn } from '../../ingest/rowSink';
import { LogInvestigatorError, errorMessage } from '../../errors';
import type { ClickHouseHttp } from './http';
import { BY_RANK, encodeBatch, RANK, RowBinaryOut, typeOfDecl, typesNeeded, type Batch, type ChType } from './rowBinary';
import { chName } from './sqlTree';

export const BATCH_ROWS = 50_000;
/** A batch is sent at this many bytes of records too (a very wide table). */
const BATCH_BYTES = 32 << 20;
/** Sealed batches that may wait for the shards before the reading waits. */
const IN_FLIGHT = 2;

export interface ChColumn {
  name: string;
  type: ChType;
}

export interface SinkTarget {
  shards: ClickHouseHttp[];
  database: string;
}

const wrap = (e: unknown) => (e instanceof LogInvestigatorError ? e : new LogInvestigatorError('UNREADABLE', `ClickHouse: ${errorMessage(e).replace(/, e\.what\(\) = DB::Exception\s*$/, '')}`));

export class ShardSink implements RowSink {
  readonly enc = new RecordEncoder();
  rows = 0;
  private buf = new Uint8Array(1 << 20);
  private used = 0;
  private starts: Int32Array;
  private rowids: Float64Array;
  private n = 0;
  private lastKey = -Infinity;
  /** The largest rowid sent to the shards so far. */
  private sent = 0;
  private failed: LogInvestigatorError | null = null;
  private tail: Promise<void> = Promise.resolve();
  private readonly inflight: Promise<void>[] = [];
  /** The staging table's columns as created on the shards (null: not yet). */
  private created: ChColumn[] | null = null;

  /**
   * `staging`: the table made on every shard (renamed when the file is indexed); `create` makes it
   * there from the first columns (the store's CREATE of a MergeTree table).
   */
  constructor(
    private readonly target: SinkTarget,
    readonly staging: string,
    private readonly columns: () => SinkColumn[],
    private readonly create: (cols: ChColumn[]) => Promise<void>,
    private readonly batchRows = BATCH_ROWS,
  ) {
    this.starts = new Int32Array(batchRows + 1);
    this.rowids = new Float64Array(batchRows);
  }

  private get name(): string {
    return `${chName(this.target.database)}.${chName(this.staging)}`;
  }

  addRow(rowid: number, values: ArrayLike<CellValue>): void {
    this.enc.encode(values);
    this.commit(rowid);
  }

  commit(rowid: number): void {
    if (this.failed) throw this.failed;
    if (!(rowid > this.lastKey)) throw new Error(`rowids must increase: ${rowid} after ${this.lastKey}`);
    this.lastKey = rowid;
    const enc = this.enc;
    const len = enc.end - enc.start;
    if (this.used + len > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.used + len) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(enc.buffer.subarray(enc.start, enc.end), this.used);
    this.starts[this.n] = this.used;
    this.rowids[this.n++] = rowid;
    this.used += len;
    this.rows++;
    if (this.n === this.batchRows || this.used >= BATCH_BYTES) this.seal();
  }

  /** Queues the rows so far as a batch; batches are sent one after another. */
  private seal(): void {
    this.starts[this.n] = this.used;
    const batch: Batch = { buf: this.buf.subarray(0, this.used), starts: this.starts, rowids: this.rowids, n: this.n };
    this.buf = new Uint8Array(this.buf.length);
    this.starts = new Int32Array(this.batchRows + 1);
    this.rowids = new Float64Array(this.batchRows);
    this.used = 0;
    this.n = 0;
    const p = (this.tail = this.tail.then(() => (this.failed ? undefined : this.send(batch))).catch((e) => {
      this.failed ??= wrap(e);
    }));
    this.inflight.push(p);
    void p.then(() => this.inflight.splice(this.inflight.indexOf(p), 1));
  }

  drain(): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (this.inflight.length < IN_FLIGHT) return undefined;
    return (async () => {
      while (this.inflight.length >= IN_FLIGHT) await this.inflight[0];
      if (this.failed) throw this.failed;
    })();
  }

  private async send(batch: Batch): Promise<void> {
    const types = await this.sync(batch);
    const outs = this.target.shards.map(() => new RowBinaryOut());
    encodeBatch(batch, types, outs);
    const list = this.created!.map((c) => chName(c.name)).join(', ');
    await Promise.all(outs.map((o, s) => (o.len ? this.target.shards[s].insertRaw(`INSERT INTO ${this.name} (${list}) FORMAT RowBinary`, o.buf.subarray(0, o.len)) : undefined)));
    this.sent = batch.rowids[batch.n - 1];
  }

  /**
   * Brings the staging table to the columns build.ts declares now, wide enough for the batch's
   * values: created on the first batch, new columns added, columns widened. Returns the types.
   */
  private async sync(batch: Batch | null): Promise<ChType[]> {
    const cols = this.columns();
    const needed = batch ? typesNeeded(batch, cols.length) : null;
    const want = cols.map((c, i) => {
      const t = typeOfDecl(c.name, c.decl);
      return needed && needed[i] > RANK[t] ? BY_RANK[needed[i]] : t;
    });
    if (!this.created) {
      this.created = cols.map((c, i) => ({ name: c.name, type: want[i] }));
      await this.create(this.created);
      return want;
    }
    const created = this.created;
    for (let i = 0; i < cols.length; i++) {
      const have = created[i];
      if (!have) {
        await this.everyShard(`ALTER TABLE ${this.name} ADD COLUMN ${chName(cols[i].name)} ${want[i]}`);
        created.push({ name: cols[i].name, type: want[i] });
      } else if (RANK[want[i]] > RANK[have.type]) {
        await this.everyShard(`ALTER TABLE ${this.name} MODIFY COLUMN ${chName(have.name)} ${want[i]}`);
        // ClickHouse writes a double's exponent as e21, JavaScript (and so sql.js's text) as e+21; only the rows sent as reals
        if (have.type === 'Nullable(Float64)' && this.sent > 0) {
          const c = chName(have.name);
          await this.everyShard(`ALTER TABLE ${this.name} UPDATE ${c} = replaceRegexpOne(${c}, 'e([0-9])', 'e+\\\\1') WHERE \`_line\` <= ${this.sent} AND like(${c}, '%e%')`);
        }
        have.type = want[i];
      }
    }
    return created.map((c) => c.type);
  }

  private async everyShard(sql: string, settings: Record<string, string | number> = {}): Promise<void> {
    for (const s of this.target.shards) await s.command(sql, settings);
  }

  /**
   * Sends the last rows, gives the columns their final types (the file read to its end), rewrites
   * `_template` ids that merged into another template after they were sent, and waits until the
   * shards have applied every change. Returns the staging table's columns.
   */
  async end(templateRemap?: [number, number][]): Promise<ChColumn[]> {
    if (this.n) this.seal();
    await this.tail;
    if (this.failed) throw this.failed;
    try {
      await this.sync(null);
      if (templateRemap?.length) await this.remapTemplates(templateRemap);
      await this.mutationsDone();
    } catch (e) {
      throw wrap(e);
    }
    return this.created!;
  }

  /**
   * One mutation for every id: the remap is applied as the image's UPDATEs apply it (500 pairs a
   * statement, in order), composed here so the shards rewrite their parts once.
   */
  private async remapTemplates(remap: [number, number][]): Promise<void> {
    const chunks: Map<number, number>[] = [];
    for (let k = 0; k < remap.length; k += 500) chunks.push(new Map(remap.slice(k, k + 500)));
    const from: number[] = [];
    const to: number[] = [];
    for (const [id] of new Map(remap)) {
      let v = id;
      for (const m of chunks) v = m.get(v) ?? v;
      if (v !== id) {
        from.push(id);
        to.push(v);
      }
    }
    if (!from.length) return;
    const a = `CAST([${from.join(',')}] AS Array(Int64))`;
    const sql = `ALTER TABLE ${this.name} UPDATE \`_template\` = transform(assumeNotNull(\`_template\`), ${a}, CAST([${to.join(',')}] AS Array(Int64)), assumeNotNull(\`_template\`)) WHERE has(${a}, assumeNotNull(\`_template\`))`;
    await this.everyShard(sql, { max_query_size: Math.max(262_144, sql.length + 1024) });
  }

  /** Waits for the staging table's mutations (widened reals, remapped templates) on every shard. */
  private async mutationsDone(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const db = this.target.database.replace(/'/g, '');
    const table = this.staging.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    for (const s of this.target.shards) {
      for (;;) {
        const r = await s.query(`SELECT count() FROM system.mutations WHERE database = '${db}' AND table = '${table}' AND is_done = 0`);
        if (Number(r.rows[0]?.[0] ?? 0) === 0) break;
        if (Date.now() > deadline) throw new LogInvestigatorError('UNREADABLE', `ClickHouse did not finish rewriting ${this.staging} within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Drops the staging table on every shard (the index failed or was cancelled). */
  async abort(): Promise<void> {
    await this.tail.catch(() => undefined);
    for (const s of this.target.shards) await s.command(`DROP TABLE IF EXISTS ${this.name}`).catch(() => undefined);
  }
}
