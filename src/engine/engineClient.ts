import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IndexOptions, IndexProgress, TableInfo } from './ingest/build';
import type { QueryResult, SqlValue } from './store/database';
import type { IndexContext, IndexOutcome } from './engine';
import type { AnalysisRun, EngineMessage, EngineReplies, EngineRequest, EngineWorkerData } from './engineProtocol';
import { CancelledError, LogInvestigatorError, type IndexErrorCode } from './errors';
import type { AnalysisOutput, AnalysisStep } from './findings/model';
import type { Role } from './ingest/roles';

/** How a caller follows and stops an analysis run. */
export interface AnalyzeContext {
  signal?: AbortSignal;
  onStep?: (step: AnalysisStep) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (p: IndexProgress) => void; onStep?: (s: AnalysisStep) => void };
type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/**
 * The engine in a worker thread, behind the same async API: the database,
 * indexing and every query run there. If the worker dies, pending requests
 * fail with a clear error and the next request starts a fresh worker.
 */
export class EngineClient {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly script = path.join(__dirname, 'engineWorker.js'),
    private readonly data: EngineWorkerData = {},
  ) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { workerData: this.data });
    w.on('message', (m: EngineMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') {
        p.onProgress?.(m.progress);
        return;
      }
      if (m.type === 'step') {
        p.onStep?.(m.step);
        return;
      }
      this.pending.delete(m.id);
      if (m.type === 'reply') p.resolve(m.value);
      else p.reject(m.code === 'CANCELLED' ? new CancelledError() : new LogInvestigatorError(m.code as IndexErrorCode, m.message));
    });
    const fail = (why: string) => {
      const lost = this.data.clickhouse ? 'the tables are still in ClickHouse, connect again' : 'indexed tables were lost, index the files again';
      for (const p of this.pending.values()) p.reject(new LogInvestigatorError('UNREADABLE', `the Log Investigator engine stopped (${why}); ${lost}`));
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => this.worker === w && fail(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  private request<K extends EngineRequest['type']>(
    req: Without<Extract<EngineRequest, { type: K }>, 'id'>,
    onProgress?: (p: IndexProgress) => void,
    onStep?: (s: AnalysisStep) => void,
  ): { id: number; promise: Promise<EngineReplies[K]> } {
    const w = this.ensure();
    const id = this.nextId++;
    const promise = new Promise<EngineReplies[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, onStep });
      w.postMessage({ ...req, id });
    });
    return { id, promise };
  }

  index(files: string[], options: IndexOptions = {}, ctx: IndexContext = {}): Promise<IndexOutcome[]> {
    if (ctx.signal?.aborted) return Promise.reject(new CancelledError());
    const { id, promise } = this.request<'index'>({ type: 'index', files, options }, ctx.onProgress);
    const onAbort = () => void this.request<'cancel'>({ type: 'cancel', target: id }).promise.catch(() => undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    return promise.finally(() => ctx.signal?.removeEventListener('abort', onAbort));
  }

  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): Promise<QueryResult> {
    return this.request<'query'>({ type: 'query', sql, params, maxRows: opts.maxRows }).promise;
  }

  tables(): Promise<TableInfo[]> {
    return this.request<'tables'>({ type: 'tables' }).promise;
  }

  remove(table: string): Promise<null> {
    return this.request<'remove'>({ type: 'remove', table }).promise;
  }

  setRole(table: string, column: string, role: Role | null): Promise<TableInfo> {
    return this.request<'setRole'>({ type: 'setRole', table, column, role }).promise;
  }

  /**
   * Runs an analysis (or 'all') on every table, or the named ones, that has the roles it needs.
   * `onStep` hears of each analysis–table pair as it starts; aborting `signal` stops the run at
   * its next query, and the reply holds what finished (`cancelled` says how much).
   */
  analyze(analysis: string, params: Record<string, string> = {}, tables?: string[], ctx: AnalyzeContext = {}): Promise<AnalysisRun> {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    if (ctx.signal?.aborted) onAbort();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    return this.request<'analyze'>({ type: 'analyze', analysis, params, tables, cancel }, undefined, ctx.onStep).promise.finally(() => ctx.signal?.removeEventListener('abort', onAbort));
  }

  /** A Markdown report of analysis outputs; its charts are written as SVG files into chartsDir. */
  report(outputs: AnalysisOutput[], title: string, chartsDir: string, chartsLink: string): Promise<string> {
    return this.request<'report'>({ type: 'report', outputs, title, chartsDir, chartsLink }).promise;
  }

  /** The store the worker holds: rejects with the reason when it is ClickHouse and could not be reached. */
  where(): Promise<EngineReplies['where']> {
    return this.request<'where'>({ type: 'where' }).promise;
  }

  exportDatabase(): Promise<Uint8Array> {
    return this.request<'export'>({ type: 'export' }).promise;
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new CancelledError());
    this.pending.clear();
    if (w) await w.terminate();
  }
}
