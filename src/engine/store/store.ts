/**
 * Where the indexed tables live, as the analyses and the command line see it: the in-memory sql.js
 * database (the default, SqlJsStore) or a ClickHouse server or cluster (clickhouse/store.ts).
 * Analyses only ever call `query` with SQLite's SQL (the portable subset they are written in) and
 * bound values; a store that speaks another dialect translates it (clickhouse/dialect.ts).
 */
import type { IndexOptions, TableInfo } from '../ingest/build';
import type { QueryResult, SqlValue } from './database';
import { Engine, type IndexContext, type IndexOutcome } from '../engine';
import type { Querier } from '../findings/model';
import type { Role } from '../ingest/roles';

export interface LogStore {
  readonly kind: 'sqljs' | 'clickhouse';
  /** Where the data lives, in words, for a status line: "in memory", "ClickHouse http://127.0.0.1:8123, database logs (2 shards)". */
  readonly where: string;
  index(files: string[], options?: IndexOptions, ctx?: IndexContext): Promise<IndexOutcome[]>;
  tables(): TableInfo[];
  /** Synchronous, as the analyses read rows on the next line; values are bound, never spliced by the caller. */
  query(sql: string, params?: SqlValue[], opts?: { maxRows?: number }): QueryResult;
  /** `query` as the analyses take it (runAnalyses), with what the store cannot do (no window functions). */
  querier(): Querier;
  setRole(table: string, column: string, role: Role | null): TableInfo;
  close(): Promise<void>;
}

/** The embedded store: the engine's sql.js database, unchanged. */
export class SqlJsStore implements LogStore {
  readonly kind = 'sqljs';
  readonly where = 'in memory (sql.js)';

  constructor(readonly engine: Engine) {}

  static async create(): Promise<SqlJsStore> {
    return new SqlJsStore(await Engine.create());
  }

  index(files: string[], options: IndexOptions = {}, ctx: IndexContext = {}): Promise<IndexOutcome[]> {
    return this.engine.index(files, options, ctx);
  }

  tables(): TableInfo[] {
    return this.engine.tables();
  }

  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): QueryResult {
    return this.engine.query(sql, params, opts);
  }

  querier(): Querier {
    return (sql, params) => this.engine.query(sql, params);
  }

  setRole(table: string, column: string, role: Role | null): TableInfo {
    return this.engine.db.setRole(table, column, role);
  }

  close(): Promise<void> {
    return this.engine.dispose();
  }
}
