/**
 * Worker-thread entry hosting a whole Engine (database included), so that
 * indexing and queries never block the thread that asks (the VS Code
 * extension host). Requests and replies are typed in engineProtocol.ts.
 */
import { parentPort } from 'node:worker_threads';
import { Engine } from './engine';
import { CancelledError, LogInvestigatorError } from './errors';
import type { AnalysisRun, EngineMessage, EngineRequest } from './engineProtocol';
import { ANALYSES } from './analyses';
import type { SqlValue } from './database';
import { runAnalyses, selectAnalyses } from './findings';
import { markdownReport } from './report';

const port = parentPort;
if (!port) throw new Error('engineWorker.ts must run in a worker thread');
const enginePromise = Engine.create();
const running = new Map<number, AbortController>();
const post = (m: EngineMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function handle(req: EngineRequest): Promise<void> {
  const engine = await enginePromise;
  switch (req.type) {
    case 'index': {
      const ac = new AbortController();
      running.set(req.id, ac);
      let last = 0;
      try {
        const value = await engine.index(req.files, req.options, {
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
      post({ type: 'reply', id: req.id, value: engine.query(req.sql, req.params, { maxRows: req.maxRows }) });
      return;
    case 'tables':
      post({ type: 'reply', id: req.id, value: engine.tables() });
      return;
    case 'remove':
      engine.db.remove(req.table);
      post({ type: 'reply', id: req.id, value: null });
      return;
    case 'setRole':
      post({ type: 'reply', id: req.id, value: engine.db.setRole(req.table, req.column, req.role) });
      return;
    case 'analyze': {
      const flag = req.cancel ? new Int32Array(req.cancel) : undefined;
      const cancelled = () => flag !== undefined && Atomics.load(flag, 0) !== 0;
      // a query between two of an analysis's steps is where a cancel takes effect (sql.js cannot stop a statement midway)
      const query = (sql: string, params: SqlValue[] = []) => {
        if (cancelled()) throw new CancelledError('The analysis was cancelled.');
        return engine.query(sql, params);
      };
      const run = runAnalyses(selectAnalyses(req.analysis, ANALYSES), engine.tables(), query, req.params, req.tables, {
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
    case 'export': {
      const bytes = engine.db.exportDatabase();
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
