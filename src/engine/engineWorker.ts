/**
 * Worker-thread entry hosting a whole store, so that indexing and queries never block the thread
 * that asks (the VS Code extension host): the embedded Engine (database included), or with
 * workerData.clickhouse a ClickHouse store, whose synchronous queries wait here and not there.
 * Requests and replies are typed in engineProtocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, LogInvestigatorError } from './errors';
import type { AnalysisRun, EngineMessage, EngineRequest, EngineWorkerData } from './engineProtocol';
import { ANALYSES } from './analyses';
import type { SqlValue } from './store/database';
import { runAnalyses, selectAnalyses, type Querier } from './findings/model';
import { markdownReport } from './findings/report';
import { SqlJsStore, type LogStore } from './store/store';
import { ClickHouseStore } from './store/clickhouse/store';

const port = parentPort;
if (!port) throw new Error('engineWorker.ts must run in a worker thread');
const init = (workerData ?? {}) as EngineWorkerData;
const storePromise: Promise<LogStore> = init.clickhouse
  ? ClickHouseStore.connect(init.clickhouse.options, { create: init.clickhouse.create, connectTimeoutMs: init.clickhouse.connectTimeoutMs })
  : SqlJsStore.create();
// a connection that failed is reported to each request (the first is 'where'), not as an unhandled rejection
storePromise.catch(() => undefined);

/** The embedded engine, for what only it does (remove a table, save the database). */
function embedded(store: LogStore, what: string) {
  if (store instanceof SqlJsStore) return store.engine;
  throw new LogInvestigatorError('BAD_OPTION', `${what} is for the embedded database; the tables here are in ClickHouse (${store.where})`);
}
const running = new Map<number, AbortController>();
const post = (m: EngineMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function handle(req: EngineRequest): Promise<void> {
  const store = await storePromise;
  switch (req.type) {
    case 'index': {
      const ac = new AbortController();
      running.set(req.id, ac);
      let last = 0;
      try {
        const value = await store.index(req.files, req.options, {
          signal: ac.signal,
          onProgress: (progress) => {
            const now = Date.now();
            if (now - last > 100 || progress.bytesRead === progress.fileBytes) {
              last = now;
              post({ type: 'progress', id: req.id, progress });
            }
          },
        });
        post({ type: 'reply', id: req.id, value });
      } finally {
        running.delete(req.id);
      }
      return;
    }
    case 'cancel':
      running.get(req.target)?.abort();
      post({ type: 'reply', id: req.id, value: null });
      return;
    case 'query':
      post({ type: 'reply', id: req.id, value: store.query(req.sql, req.params, { maxRows: req.maxRows }) });
      return;
    case 'tables':
      post({ type: 'reply', id: req.id, value: store.tables() });
      return;
    case 'remove':
      embedded(store, 'Removing a table').db.remove(req.table);
      post({ type: 'reply', id: req.id, value: null });
      return;
    case 'setRole':
      post({ type: 'reply', id: req.id, value: store.setRole(req.table, req.column, req.role) });
      return;
    case 'analyze': {
      const flag = req.cancel ? new Int32Array(req.cancel) : undefined;
      const cancelled = () => flag !== undefined && Atomics.load(flag, 0) !== 0;
      // a query between two of an analysis's steps is where a cancel takes effect (sql.js cannot stop a statement midway)
      const base = store.querier();
      const query: Querier = Object.assign(
        (sql: string, params: SqlValue[] = []) => {
          if (cancelled()) throw new CancelledError('The analysis was cancelled.');
          return base(sql, params);
        },
        base.windows === false ? { windows: false as const } : {},
      );
      const run = runAnalyses(selectAnalyses(req.analysis, ANALYSES), store.tables(), query, req.params, req.tables, {
        cancelled,
        onStep: (step) => post({ type: 'step', id: req.id, step }),
      });
      post({ type: 'reply', id: req.id, value: run });
      return;
    }
    case 'report':
      // Vega renders the charts to SVG here, not on the caller's thread
      post({ type: 'reply', id: req.id, value: await markdownReport(req.outputs, { title: req.title, chartsDir: req.chartsDir, chartsLink: req.chartsLink }) });
      return;
    case 'where':
      post({ type: 'reply', id: req.id, value: { kind: store.kind, where: store.where } });
      return;
    case 'export': {
      const bytes = embedded(store, 'Saving the database as a SQLite file').db.exportDatabase();
      post({ type: 'reply', id: req.id, value: bytes }, [bytes.buffer as ArrayBuffer]);
      return;
    }
  }
}

port.on('message', (req: EngineRequest) => {
  handle(req).catch((e: unknown) => {
    const code = e instanceof LogInvestigatorError ? e.code : 'INTERNAL';
    post({ type: 'error', id: req.id, code, message: e instanceof Error ? e.message : String(e) });
  });
});
