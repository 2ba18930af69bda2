/**
 * Indexing into ClickHouse with the engine's own parsers: buildTable reads the file (every format,
 * roles, `_line`, `_time`, templates) as it does for sql.js, and its rows go while it reads, in
 * batches, to a MergeTree table on each shard (stream.ts; `<table>_local`, ordered by time,
 * partitioned by day, row `_line` on shard `_line % shards`) behind a Distributed table named as
 * the sql.js table is, so the analyses' SQL reads the same name. The rows go to a staging table
 * first, renamed when the whole file is in: a failed index leaves a file indexed before as it was.
 * Small side tables (a log's templates, from the image, which holds only them) are copied whole to
 * every shard, so a join with them runs on each shard.
 */
import type { Database, SqlJsStatic } from 'sql.js';
import { buildTable, type BuiltTable, type BuildContext, type IndexOptions } from '../../ingest/build';
import { exactRow, type SqlValue } from '../database';
import { databaseFile } from '../pagedImage';
import type { ClickHouseHttp } from './http';
import { typeOfDecl, type ChType } from './rowBinary';
import { ShardSink, type ChColumn } from './stream';
import { chName } from './sqlTree';

/** Rows per insert of a side table copied from the image. */
const COPY_ROWS = 20_000;

export interface Target {
  shards: ClickHouseHttp[];
  database: string;
  /** remote_servers cluster of the Distributed tables; undefined: one server, plain MergeTree. */
  cluster?: string;
}

/** ClickHouse columns from the SQLite declaration: INTEGER, REAL, TEXT, or none (mixed values, kept as text). */
function columnsOf(h: Database, table: string): ChColumn[] {
  const res = h.exec(`SELECT name, type FROM pragma_table_info(?)`, [table])[0];
  return (res?.values ?? []).map(([n, t]) => ({ name: String(n), type: typeOfDecl(String(n), String(t ?? '')) }));
}

/** A cell as JSONEachRow takes it for its column. */
function cell(v: SqlValue | undefined, type: ChType): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (type === 'Nullable(String)') return typeof v === 'string' ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

const q = (db: string, t: string) => `${chName(db)}.${chName(t)}`;

async function createLocal(target: Target, name: string, cols: ChColumn[]): Promise<void> {
  const hasTime = cols.some((c) => c.name === '_time');
  const hasLine = cols.some((c) => c.name === '_line');
  const defs = cols.map((c) => `${chName(c.name)} ${c.type}`);
  // MergeTree keys cannot be Nullable in 18.16: the day and order come from a materialized DateTime (not in SELECT *)
  if (hasTime) defs.push('`_ts` DateTime MATERIALIZED ifNull(parseDateTimeBestEffortOrNull(`_time`), toDateTime(0))');
  const keys = hasTime ? 'PARTITION BY toYYYYMMDD(`_ts`) ORDER BY (`_ts`, `_line`)' : hasLine ? 'ORDER BY `_line`' : 'ORDER BY tuple()';
  for (const s of target.shards) await s.command(`CREATE TABLE ${q(target.database, name)} (${defs.join(', ')}) ENGINE = MergeTree() ${keys}`);
}

async function createDistributed(target: Target, table: string, local: string, cols: ChColumn[]): Promise<void> {
  const defs = cols.map((c) => `${chName(c.name)} ${c.type}`).join(', ');
  const key = cols.some((c) => c.name === '_line') ? '`_line`' : 'rand()';
  const engine = `Distributed(${chName(target.cluster!)}, ${chName(target.database)}, ${chName(local)}, ${key})`;
  for (const s of target.shards) await s.command(`CREATE TABLE ${q(target.database, table)} (${defs}) ENGINE = ${engine}`);
}

/** Streams one table of the image into ClickHouse; `sharded`: split by `_line` over the shards, else a copy on each. */
async function copyTable(h: Database, target: Target, table: string, sharded: boolean): Promise<number> {
  const cols = columnsOf(h, table);
  const distributed = sharded && target.cluster !== undefined && target.shards.length > 1;
  const local = distributed ? `${table}_local` : table;
  await createLocal(target, local, cols);
  if (distributed) await createDistributed(target, table, local, cols);
  const n = distributed ? target.shards.length : 1;
  const lineAt = cols.findIndex((c) => c.name === '_line');
  const stmt = h.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"${lineAt >= 0 ? ' ORDER BY _line' : ''}`);
  let rows = 0;
  try {
    let batch: Record<string, unknown>[][] = Array.from({ length: n }, () => []);
    let size = 0;
    const flush = async () => {
      for (let s = 0; s < n; s++) if (batch[s].length) await target.shards[s].insert(q(target.database, local), batch[s]);
      // a side table (not sharded) goes whole to every other shard too
      if (!distributed) for (let s = 1; s < target.shards.length; s++) if (batch[0].length) await target.shards[s].insert(q(target.database, local), batch[0]);
      batch = Array.from({ length: n }, () => []);
      size = 0;
    };
    while (stmt.step()) {
      // integers beyond 2^53 exactly, as the engine reads them (a number would round a 19-digit id)
      const r = exactRow(stmt as unknown as Parameters<typeof exactRow>[0]);
      const o: Record<string, unknown> = {};
      for (let i = 0; i < cols.length; i++) o[cols[i].name] = cell(r[i], cols[i].type);
      const shard = lineAt >= 0 && n > 1 ? Number(r[lineAt]) % n : 0;
      batch[shard].push(o);
      rows++;
      if (++size >= COPY_ROWS) await flush();
    }
    await flush();
  } finally {
    stmt.free();
  }
  return rows;
}

/** The staging table's name while a file's rows arrive. */
const stagingName = (table: string) => `${table}__li_loading`;

/**
 * Indexes one file into ClickHouse: parses it with the rows streamed to the shards, then (after
 * `replace`, which drops the tables of a file indexed before) renames the staging table to the
 * shard table, makes the Distributed table and copies the templates. Returns the built table
 * (its image holds only the templates).
 */
export async function ingestFile(
  SQL: SqlJsStatic,
  target: Target,
  file: string,
  options: IndexOptions,
  ctx: BuildContext,
  replace: (table: string) => Promise<void>,
  batchRows?: number,
): Promise<BuiltTable> {
  let sink: ShardSink | undefined;
  const distributed = target.cluster !== undefined && target.shards.length > 1;
  try {
    const built = await buildTable(file, options, {
      ...ctx,
      rows: (table, columns) => {
        const staging = stagingName(table);
        sink = new ShardSink(target, staging, columns, async (cols) => {
          for (const s of target.shards) await s.command(`DROP TABLE IF EXISTS ${q(target.database, staging)}`);
          await createLocal(target, staging, cols);
        }, batchRows);
        return sink;
      },
    });
    const cols = await sink!.end(built.templateRemap);
    const { info } = built;
    await replace(info.table);
    const local = distributed ? `${info.table}_local` : info.table;
    for (const s of target.shards) await s.command(`RENAME TABLE ${q(target.database, sink!.staging)} TO ${q(target.database, local)}`);
    sink = undefined;
    if (distributed) await createDistributed(target, info.table, local, cols);
    if (info.templates) {
      const h = new SQL.Database(databaseFile(built.image));
      try {
        await copyTable(h, target, info.templates.table, false);
      } finally {
        h.close();
      }
    }
    return built;
  } catch (e) {
    await sink?.abort();
    throw e;
  }
}
