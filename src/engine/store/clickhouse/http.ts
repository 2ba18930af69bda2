/**
 * The ClickHouse HTTP interface through the official client (@clickhouse/client), as the store
 * needs it: a query's rows with their column names and types, a command, an insert of rows.
 * Debian's clickhouse-server 18.16 has no server-side query parameters ({name:Type}), so values
 * are bound by the dialect (dialect.ts) as escaped literals before the text reaches here.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import type { SqlValue } from '../database';

export interface ClickHouseOptions {
  /** HTTP URL of the server that takes queries (http://127.0.0.1:8123). */
  url: string;
  /** HTTP URLs of every shard, for the DDL of each shard's own tables; [url] for one server. */
  shards?: string[];
  database?: string;
  /** The remote_servers cluster the Distributed tables read (none: plain MergeTree tables on one server). */
  cluster?: string;
  username?: string;
  password?: string;
  /** How long one request may take before it fails (default 600 s). */
  timeoutMs?: number;
}

export interface RawResult {
  columns: string[];
  types: string[];
  rows: SqlValue[][];
}

/** A JSON value of a column of type T as the engine's value: 64-bit integers (quoted by ClickHouse) as numbers, or bigint past 2^53. */
export function fromJson(v: unknown, type: string): SqlValue {
  if (v === null || v === undefined) return null;
  const base = type.replace(/^(LowCardinality|Nullable)\((.*)\)$/, '$2').replace(/^(LowCardinality|Nullable)\((.*)\)$/, '$2');
  if (typeof v === 'string' && /^U?Int(64|128|256)$/.test(base)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt(v);
  }
  if (typeof v === 'string' && /^Float/.test(base)) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  // arrays and tuples: as JSON text, as SQLite would show a JSON value
  return JSON.stringify(v);
}

/** One connection to one server. */
export class ClickHouseHttp {
  readonly client: ClickHouseClient;

  constructor(readonly url: string, opts: { database?: string; username?: string; password?: string; timeoutMs?: number } = {}) {
    this.client = createClient({
      url,
      database: opts.database,
      username: opts.username ?? 'default',
      password: opts.password ?? '',
      // 18.16 answers gzip, but compressing a request costs our thread more than the loopback saves
      compression: { request: false, response: false },
      request_timeout: opts.timeoutMs ?? 600_000,
      log: { level: 127 as never },
      clickhouse_settings: {},
    });
  }

  /** `timeoutMs`: this query fails after that long (the client's request timeout otherwise). */
  async query(sql: string, settings: Record<string, string | number> = {}, timeoutMs?: number): Promise<RawResult> {
    const abort_signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const rs = await this.client.query({ query: sql, format: 'JSONCompact', clickhouse_settings: settings as never, abort_signal });
    const j = (await rs.json()) as { meta: { name: string; type: string }[]; data: unknown[][] };
    const types = j.meta.map((m) => m.type);
    return { columns: j.meta.map((m) => m.name), types, rows: j.data.map((r) => r.map((v, i) => fromJson(v, types[i]))) };
  }

  async command(sql: string, settings: Record<string, string | number> = {}, timeoutMs?: number): Promise<void> {
    const abort_signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const r = await this.client.command({ query: sql, clickhouse_settings: settings as never, abort_signal });
    void r;
  }

  /** Inserts rows given as JSON objects (JSONEachRow). */
  async insert(table: string, values: Record<string, unknown>[], settings: Record<string, string | number> = {}): Promise<void> {
    await this.client.insert({ table, values, format: 'JSONEachRow', clickhouse_settings: settings as never });
  }

  /** An INSERT … FORMAT F whose data is `body` as it is (RowBinary: the client has no encoder for it). */
  async insertRaw(sql: string, body: Uint8Array): Promise<void> {
    const r = await this.client.exec({ query: sql, values: Readable.from([body], { objectMode: false }) });
    // the answer is empty; reading it to the end gives the socket back
    for await (const chunk of r.stream) void chunk;
  }

  async ping(): Promise<boolean> {
    const r = await this.client.ping();
    return r.success;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
