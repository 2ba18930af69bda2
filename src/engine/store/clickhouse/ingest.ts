/**
 * Indexing into ClickHouse with the engine's own parsers: buildTable reads the file (every format,
 * roles, `_line`, `_time`, templates) as it does for sql.js, then its rows are streamed in batches
 * into a MergeTree table on each shard (`<table>_local`, ordered by time, partitioned by day, row
 * `_line` on shard `_line % shards`) behind a Distributed table named as the sql.js table is, so
 * the analyses' SQL reads the same name. Small side tables (a log's templates) are copied whole to
 * every shard, so a join with them runs on each shard. The image is the parsers' output; it is
 * released when the copy ends.
 */
import type { Database, SqlJsStatic } from 'sql.js';
import type { BuiltTable } from '../../ingest/build';
import { exactRow, type SqlValue } from '../database';
import { applyTemplateRemap } from '../../templates/column';
import { databaseFile } from '../pagedImage';
import type { ClickHouseHttp } from './http';
import { chName } from './sqlTree';

export const BATCH_ROWS = 20_000;

export interface Target {
  shards: ClickHouseHttp[];
  database: string;
  /** remote_servers cluster of the Distributed tables; undefined: one server, plain MergeTree. */
  cluster?: string;
}

interface ChColumn {
  name: string;
  type: 'Int64' | 'Nullable(Int64)' | 'Nullable(Float64)' | 'Nullable(String)';
}

/** ClickHouse columns from the SQLite declaration: INTEGER, REAL, TEXT, or none (mixed values, kept as text). */
function columnsOf(h: Database, table: string): ChColumn[] {
  const res = h.exec(`SELECT name, type FROM pragma_table_info(?)`, [table])[0];
  return (res?.values ?? []).map(([n, t]) => {
    const name = String(n);
    const decl = String(t ?? '').toUpperCase();
    if (name === '_line') return { name, type: 'Int64' };
    if (decl.includes('INT')) return { name, type: 'Nullable(Int64)' };
    if (decl === 'REAL') return { name, type: 'Nullable(Float64)' };
    return { name, type: 'Nullable(String)' };
  });
}

/** A cell as JSONEachRow takes it for its column. */
function cell(v: SqlValue | undefined, type: ChColumn['type']): unknown {
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
      if (++size >= BATCH_ROWS) await flush();
    }
    await flush();
  } finally {
    stmt.free();
  }
  return rows;
}

/** Copies a built table (and its templates table) into ClickHouse; returns the rows copied. */
export async function ingestBuilt(SQL: SqlJsStatic, built: BuiltTable, target: Target): Promise<number> {
  const h = new SQL.Database(databaseFile(built.image));
  try {
    const { info } = built;
    if (built.templateRemap) applyTemplateRemap(h, 'main', info.table, built.templateRemap);
    const rows = await copyTable(h, target, info.table, true);
    if (info.templates) await copyTable(h, target, info.templates.table, false);
    return rows;
  } finally {
    h.close();
  }
}
