import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTable, type IndexOptions, type IndexProgress, type TableInfo } from './ingest/build';
import { LogDatabase, type QueryResult, type SqlValue } from './store/database';
import { CancelledError, LogInvestigatorError, errorMessage, type IndexErrorCode } from './errors';
import { sniff } from './ingest/input';

export interface IndexContext {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
}

export interface IndexOutcome {
  file: string;
  tables: TableInfo[];
  error?: { code: IndexErrorCode | string; message: string };
}

/**
 * The analysis engine: indexes files into one in-memory database and runs
 * queries over it, on the calling thread. No `vscode` here; the CLI, tests
 * and the engine worker (engineWorker.ts, used through EngineClient by the
 * extension) share it.
 */
export class Engine {
  /** The index request running now; the next one starts when it ends (see index()). */
  private indexing: Promise<unknown> = Promise.resolve();

  private constructor(readonly db: LogDatabase) {}

  static async create(): Promise<Engine> {
    return new Engine(await LogDatabase.create());
  }

  /**
   * Indexes files one after another; a file that fails is reported in its
   * outcome and does not stop the others. Requests that overlap (the worker
   * serves several at once) run one after the other: each table's name is
   * chosen against the tables that exist when its file starts, so two files
   * called access.log become access and access_2 instead of both taking
   * access and the second failing when it is added.
   */
  index(files: string[], options: IndexOptions = {}, ctx: IndexContext = {}): Promise<IndexOutcome[]> {
    const run = this.indexing.then(() => this.indexNow(files, options, ctx));
    this.indexing = run.catch(() => undefined);
    return run;
  }

  private async indexNow(files: string[], options: IndexOptions, ctx: IndexContext): Promise<IndexOutcome[]> {
    const outcomes: IndexOutcome[] = [];
    for (const file of files) {
      if (ctx.signal?.aborted) throw new CancelledError();
      try {
        outcomes.push({ file, tables: await this.indexOne(path.resolve(file), options, ctx) });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        const code = e instanceof LogInvestigatorError ? e.code : 'UNREADABLE';
        outcomes.push({ file, tables: [], error: { code, message: errorMessage(e) } });
      }
    }
    return outcomes;
  }

  private async indexOne(file: string, options: IndexOptions, ctx: IndexContext): Promise<TableInfo[]> {
    const sn = await sniff(file);
    if (sn.sqlite || options.format === 'sqlite') {
      if (!sn.sqlite) throw new LogInvestigatorError('BAD_OPTION', `${file} is not a SQLite database file.`);
      const bytes = await fs.promises.readFile(file);
      return this.db.addSqlite(file, bytes);
    }
    const built = await buildTable(file, options, { signal: ctx.signal, onProgress: ctx.onProgress, takenNames: this.db.tableNames() });
    return [this.db.addBuilt(built)];
  }

  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): QueryResult {
    return this.db.query(sql, params, opts);
  }

  tables(): TableInfo[] {
    return this.db.tables();
  }

  async dispose(): Promise<void> {
    this.db.close();
  }
}
