/**
 * The thread that talks HTTP to ClickHouse for the synchronous bridge (syncBridge.ts): it runs
 * each request through the official client and posts the reply on the port, then wakes the
 * analysis thread waiting on the shared flag.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { BridgeInit, BridgeReply, BridgeRequest } from './bridgeProtocol';
import { ClickHouseHttp } from './http';

const init = workerData as BridgeInit & { port: MessagePort };
const flag = new Int32Array(init.flag);
const http = new ClickHouseHttp(init.url, init);

async function handle(req: BridgeRequest): Promise<BridgeReply> {
  try {
    const r = await http.query(req.sql, req.settings);
    return { ok: true, ...r };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

init.port.on('message', (req: BridgeRequest) => {
  void handle(req).then((reply) => {
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
