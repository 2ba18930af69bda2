/**
 * Worker-thread entry: parses a log and lays out its database image off the
 * caller's thread, then transfers the image (no copy) back.
 */
import { parentPort } from 'node:worker_threads';
import { buildTable } from './build';
import { LogInvestigatorError } from './errors';
import type { FromWorker, ToWorker } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const running = new Map<number, AbortController>();

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'cancel':
      running.get(msg.id)?.abort();
      return;
    case 'build': {
      const ac = new AbortController();
      running.set(msg.id, ac);
      let last = 0;
      buildTable(msg.path, msg.options, {
        signal: ac.signal,
        takenNames: msg.takenNames,
        onProgress: (progress) => {
          const now = Date.now();
          if (now - last > 100 || progress.bytesRead === progress.fileBytes) {
            last = now;
            post({ type: 'progress', id: msg.id, progress });
          }
        },
      })
        .then((result) => {
          // the view keeps its length across the transfer, so the writer's spare capacity is not copied
          post({ type: 'built', id: msg.id, result }, [result.image.buffer as ArrayBuffer]);
        })
        .catch((e: unknown) => {
          const code = e instanceof LogInvestigatorError ? e.code : 'UNREADABLE';
          post({ type: 'error', id: msg.id, code, message: e instanceof Error ? e.message : String(e) });
        })
        .finally(() => running.delete(msg.id));
      return;
    }
  }
});
