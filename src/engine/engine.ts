import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildTable, type BuiltTable, type IndexOptions, type IndexProgress, type TableInfo } from './build';
import { LogDatabase, type QueryResult, type SqlValue } from './database';
import { CancelledError, LogInvestigatorError, errorMessage, type IndexErrorCode } from './errors';
import { sniff } from './input';
import type { FromWorker, ToWorker } from './workerProtocol';

export interface EngineOptions {
  /** Parse and lay out tables in a worker thread (keeps the caller's thread responsive). */
  useWorker?: boolean;
  /** Where worker.js is; defaults to the folder of this module (bundle or compiled output). */
  workerScript?: string;
}

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
 * queries over it. No `vscode` here; the CLI, tests and the extension share it.
 */
export class Engine {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (b: BuiltTable) => void; reject: (e: Error) => void; onProgress?: (p: IndexProgress) => void }>();

  private constructor(
    readonly db: LogDatabase,
    private readonly opts: EngineOptions,
  ) {}

  static async create(opts: EngineOptions = {}): Promise<Engine> {
    return new Engine(await LogDatabase.create(), opts);
  }

  /**
   * Indexes files one after another; a file that fails is reported in its
   * outcome and does not stop the others.
   */
  async index(files: string[], options: IndexOptions = {}, ctx: IndexContext = {}): Promise<IndexOutcome[]> {
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
    const taken = this.db.tableNames();
    const built = this.opts.useWorker
      ? await this.buildInWorker(file, options, taken, ctx)
      : await buildTable(file, options, { signal: ctx.signal, onProgress: ctx.onProgress, takenNames: taken });
    return [this.db.addBuilt(built)];
  }

  private buildInWorker(file: string, options: IndexOptions, takenNames: string[], ctx: IndexContext): Promise<BuiltTable> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<BuiltTable>((resolve, reject) => {
      const onAbort = () => worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (b) => {
          ctx.signal?.removeEventListener('abort', onAbort);
          resolve(b);
        },
        reject: (e) => {
          ctx.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress: ctx.onProgress,
      });
      worker.postMessage({ type: 'build', id, path: file, options, takenNames } satisfies ToWorker);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const script = this.opts.workerScript ?? path.join(__dirname, 'worker.js');
    const w = new Worker(script);
    w.unref();
    w.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m.progress);
      else {
        this.pending.delete(m.id);
        if (m.type === 'built') p.resolve(m.result);
        else p.reject(m.code === 'CANCELLED' ? new CancelledError() : new LogInvestigatorError(m.code as IndexErrorCode, m.message));
      }
    });
    const fail = (e: Error) => {
      for (const p of this.pending.values()) p.reject(new LogInvestigatorError('UNREADABLE', `the indexing worker stopped: ${e.message}`));
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => code !== 0 && fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): QueryResult {
    return this.db.query(sql, params, opts);
  }

  tables(): TableInfo[] {
    return this.db.tables();
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    this.db.close();
  }
}
