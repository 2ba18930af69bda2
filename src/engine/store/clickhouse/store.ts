/**
 * The ClickHouse store: the same tables, catalog and analyses as the embedded sql.js database, on a
 * ClickHouse server or a cluster of shards. Analyses' SQLite SQL is translated by dialect.ts and run
 * synchronously through syncBridge.ts (they read rows on the next line); indexing, DDL and inserts
 * use the client directly. The address names every shard, queries go to the first:
 *   clickhouse://127.0.0.1:8123,127.0.0.1:8124/logs?cluster=li
 * (several hosts: their cluster in remote_servers, `li` unless ?cluster= says otherwise). The
 * password comes from LI_CLICKHOUSE_PASSWORD, never from the address or a settings file.
 */
import { assignRole, loadSqlJs, type QueryResult, type SqlValue } from '../database';
import type { IndexOptions, TableInfo } from '../../ingest/build';
import type { IndexContext, IndexOutcome } from '../../engine';
import { CancelledError, LogInvestigatorError, errorMessage } from '../../errors';
import { sniff } from '../../ingest/input';
import type { Querier } from '../../findings/model';
import type { Role } from '../../ingest/roles';
import type { LogStore } from '../store';
import { describeExisting, ensureCatalog, hasCatalog, readCatalog, removeEntry, writeEntry } from './catalog';
import { chName } from './sqlTree';
import { checkServers } from './connect';
import { toClickHouse } from './dialect';
import { ClickHouseHttp, type ClickHouseOptions } from './http';
import { ingestFile, type Target } from './ingest';
import { SyncBridge } from './syncBridge';
import { isWrite, statements, toClickHouseWrite } from './write';
import * as path from 'node:path';

/** What a query runs with: sub-selects over Distributed tables read every shard (GLOBAL), and an outer join's missing side is NULL, as in SQLite. */
const QUERY_SETTINGS = { distributed_product_mode: 'global', join_use_nulls: 1 };

/** clickhouse://h:p[,h:p…]/db[?cluster=c], or http://h:p (one server, database default). */
export function parseStoreUrl(spec: string): ClickHouseOptions {
  const m = /^(clickhouse|https?):\/\/([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(spec.trim());
  if (!m) throw new LogInvestigatorError('BAD_OPTION', `not a ClickHouse address: ${spec} (clickhouse://HOST:PORT[,HOST:PORT]/DATABASE)`);
  if (m[2].includes('@')) throw new LogInvestigatorError('BAD_OPTION', 'the ClickHouse address takes no user or password; set LI_CLICKHOUSE_USER and LI_CLICKHOUSE_PASSWORD');
  const scheme = m[1] === 'https' ? 'https' : 'http';
  const shards = m[2].split(',').map((h) => `${scheme}://${h}`);
  const query = new URLSearchParams(m[4] ?? '');
  const database = decodeURIComponent(m[3] || '') || 'default';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new LogInvestigatorError('BAD_OPTION', `ClickHouse database names here are letters, digits and _, not ${database}`);
  return {
    url: shards[0],
    shards,
    database,
    cluster: query.get('cluster') ?? (shards.length > 1 ? 'li' : undefined),
    username: process.env.LI_CLICKHOUSE_USER || 'default',
    password: process.env.LI_CLICKHOUSE_PASSWORD ?? '',
  };
}

export class ClickHouseStore implements LogStore {
  readonly kind = 'clickhouse';
  private catalog: TableInfo[] = [];
  private existing: TableInfo[] = [];

  private constructor(
    private readonly opts: ClickHouseOptions & { database: string; shards: string[] },
    private readonly nodes: ClickHouseHttp[],
    private readonly bridge: SyncBridge,
    private readonly settings: Record<string, string | number>,
  ) {}
  /** The catalog's tables are there (made by the first index when missing). */
  private catalogReady = false;
  /** Rows per insert while indexing (stream.ts's BATCH_ROWS unless a test sets fewer). */
  batchRows: number | undefined;

  get where(): string {
    const n = this.nodes.length;
    return `ClickHouse ${this.opts.url}, database ${this.opts.database}${n > 1 ? ` (${n} shards, cluster ${this.opts.cluster})` : ''}`;
  }

  /**
   * Connects to every shard (each must answer within `connectTimeoutMs`, default 10 s), creates the
   * database where missing when `create` (default; otherwise a missing database fails with NOT_FOUND),
   * and reads the catalog when there is one. Nothing is written here: the catalog's tables are made
   * by the first index, so query, analyze and suspects work for a read-only user, on a database
   * with no catalog too (its tables described from system.columns, roles guessed).
   */
  static async connect(spec: string | ClickHouseOptions, how: { create?: boolean; connectTimeoutMs?: number } = {}): Promise<ClickHouseStore> {
    const o = typeof spec === 'string' ? parseStoreUrl(spec) : spec;
    const shards = o.shards ?? [o.url];
    const database = o.database ?? 'default';
    const nodes = shards.map((u) => new ClickHouseHttp(u, { username: o.username, password: o.password, timeoutMs: o.timeoutMs }));
    try {
      await checkServers(nodes, database, { create: how.create ?? true, timeoutMs: how.connectTimeoutMs ?? 10_000 });
      if (o.cluster && shards.length > 1) await checkCluster(nodes[0], o.cluster, shards.length);
    } catch (e) {
      await Promise.all(nodes.map((n) => n.close()));
      if (e instanceof LogInvestigatorError) throw e;
      throw new LogInvestigatorError('UNREADABLE', `cannot use ClickHouse at ${o.url}: ${errorMessage(e)}`);
    }
    let settings: Record<string, string | number>;
    try {
      settings = await querySettings(nodes[0]);
    } catch (e) {
      await Promise.all(nodes.map((n) => n.close()));
      throw new LogInvestigatorError('UNREADABLE', `cannot use ClickHouse at ${o.url}: ${errorMessage(e)}`);
    }
    const bridge = new SyncBridge({ url: o.url, shards, database, username: o.username, password: o.password, timeoutMs: o.timeoutMs }, (o.timeoutMs ?? 600_000) + 5_000);
    const store = new ClickHouseStore({ ...o, database, shards }, nodes, bridge, settings);
    await store.refresh();
    return store;
  }

  /** Reads the catalog and the database's other tables again. */
  async refresh(): Promise<void> {
    // no catalog yet (nothing indexed here, or a database made by others): its tables are all described from system.columns
    this.catalogReady = await hasCatalog(this.nodes[0], this.opts.database);
    this.catalog = this.catalogReady ? await readCatalog(this.nodes[0], this.opts.database) : [];
    const known = new Set(this.catalog.flatMap((t) => [t.table, ...(t.templates ? [t.templates.table] : [])]));
    this.existing = await describeExisting(this.nodes[0], this.opts.database, known);
  }

  tables(): TableInfo[] {
    return [...this.catalog, ...this.existing];
  }

  async index(files: string[], options: IndexOptions = {}, ctx: IndexContext = {}): Promise<IndexOutcome[]> {
    const SQL = await loadSqlJs();
    const target: Target = { shards: this.nodes, database: this.opts.database, cluster: this.opts.cluster };
    const outcomes: IndexOutcome[] = [];
    for (const file of files) {
      if (ctx.signal?.aborted) throw new CancelledError();
      try {
        const abs = path.resolve(file);
        if ((await sniff(abs)).sqlite) throw new LogInvestigatorError('BAD_OPTION', `${file} is a SQLite database; the ClickHouse store indexes text logs (read the SQLite file with the embedded store).`);
        // a file indexed here before is replaced, as the embedded store replaces a file's tables: its name is free again
        const old = this.catalog.filter((t) => t.file === abs);
        const taken = this.tables().filter((t) => !old.includes(t)).map((t) => t.table);
        if (options.table && taken.some((t) => t.toLowerCase() === options.table!.toLowerCase())) throw new LogInvestigatorError('BAD_OPTION', `A table named ${options.table} exists already in ${this.opts.database}.`);
        if (!this.catalogReady) await ensureCatalog(this.nodes[0], this.opts.database);
        this.catalogReady = true;
        // the rows stream to the shards while the file is read; the old tables go only once the new ones are complete
        const built = await ingestFile(SQL, target, abs, options, { signal: ctx.signal, onProgress: ctx.onProgress, takenNames: taken }, async () => {
          for (const t of old) await this.drop(t);
        }, this.batchRows);
        await writeEntry(this.nodes[0], this.opts.database, built.info, built.rejects);
        this.catalog.push(built.info);
        outcomes.push({ file, tables: [built.info] });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        outcomes.push({ file, tables: [], error: { code: e instanceof LogInvestigatorError ? e.code : 'UNREADABLE', message: errorMessage(e) } });
      }
    }
    return outcomes;
  }

  /**
   * Drops an indexed table on every shard (its Distributed table, its shard tables, its templates,
   * the located IPs geo-ip wrote for it: `<table>_geo`, or `<table>_geo_N` when a log has that
   * name) and its catalog entries.
   */
  private async drop(t: TableInfo): Promise<void> {
    const db = this.opts.database;
    const all = (await this.nodes[0].query(`SELECT name FROM system.tables WHERE database = '${db.replace(/[\\']/g, '\\$&')}'`)).rows.map((r) => String(r[0]));
    const indexed = new Set(this.catalog.flatMap((x) => [x.table, ...(x.templates ? [x.templates.table] : [])]).map((n) => n.toLowerCase()));
    const geo = new RegExp(`^${t.table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_geo(_\\d+)?$`, 'i');
    const located = all.filter((n) => geo.test(n) && !indexed.has(n.toLowerCase()));
    const names = [t.table, `${t.table}_local`, ...(t.templates ? [t.templates.table] : []), ...located];
    for (const n of this.nodes) for (const name of names) await n.command(`DROP TABLE IF EXISTS ${chName(db)}.${chName(name)}`);
    await removeEntry(this.nodes[0], db, t);
    this.catalog = this.catalog.filter((c) => c !== t);
  }

  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): QueryResult {
    const parts = statements(sql);
    if (parts.length > 1 && params.length) throw new LogInvestigatorError('SQL', 'the ClickHouse store binds values in one statement at a time');
    if (parts.length > 1 || isWrite(sql)) {
      // an analysis's own small table (geo-ip's <table>_geo): written on every shard, beside each shard's rows
      for (const part of parts.slice(0, -1)) this.statement(part, []);
      return this.statement(parts[parts.length - 1] ?? '', params, opts);
    }
    return this.read(sql, params, opts);
  }

  private statement(sql: string, params: SqlValue[], opts: { maxRows?: number } = {}): QueryResult {
    if (!isWrite(sql)) return this.read(sql, params, opts);
    const text = toClickHouseWrite(sql, params);
    for (let shard = 0; shard < this.nodes.length; shard++) this.bridge.command(text, shard, this.settings);
    return { columns: [], rows: [], truncated: false };
  }

  private read(sql: string, params: SqlValue[], opts: { maxRows?: number }): QueryResult {
    const text = toClickHouse(sql.trim().replace(/;\s*$/, ''), params);
    const r = this.bridge.query(text, this.settings);
    const max = opts.maxRows ?? Number.MAX_SAFE_INTEGER;
    return { columns: r.columns, rows: r.rows.length > max ? r.rows.slice(0, max) : r.rows, truncated: r.rows.length > max };
  }

  /** For runAnalyses: ClickHouse 18.16 has no window functions, so analyses take their form without OVER. */
  querier(): Querier {
    return Object.assign((sql: string, params?: SqlValue[]) => this.query(sql, params), { windows: false as const });
  }

  /** Gives a column a role (or none) for this connection; the catalog keeps the roles given at indexing. */
  setRole(table: string, column: string, role: Role | null): TableInfo {
    return assignRole(this.tables().find((t) => t.table.toLowerCase() === table.toLowerCase()), table, column, role);
  }

  async close(): Promise<void> {
    await this.bridge.close();
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}

/**
 * The settings each query sends: QUERY_SETTINGS less those the user's profile has already. A user
 * with readonly=1 may change none, so it sends none and its profile decides (a read-only profile
 * for these investigations sets them, as scripts/clickhouse/cluster.sh's li_reader does).
 */
async function querySettings(node: ClickHouseHttp): Promise<Record<string, string | number>> {
  const names = ['readonly', ...Object.keys(QUERY_SETTINGS)].map((k) => `'${k}'`).join(', ');
  const r = await node.query(`SELECT name, value FROM system.settings WHERE name IN (${names})`);
  const now = new Map(r.rows.map(([n, v]) => [String(n), String(v)]));
  if (now.get('readonly') === '1') return {};
  return Object.fromEntries(Object.entries(QUERY_SETTINGS).filter(([k, v]) => now.get(k) !== String(v)));
}

/** The cluster must exist on the first server with as many shards as the address names. */
async function checkCluster(node: ClickHouseHttp, cluster: string, shards: number): Promise<void> {
  const r = await node.query(`SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = '${cluster.replace(/[^A-Za-z0-9_]/g, '')}'`);
  const n = Number(r.rows[0]?.[0] ?? 0);
  if (n !== shards) throw new LogInvestigatorError('BAD_OPTION', `ClickHouse cluster ${cluster} has ${n} shards in remote_servers; the address names ${shards}`);
}
