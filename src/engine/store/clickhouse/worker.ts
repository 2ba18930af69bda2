/**
 * The thread that talks HTTP to ClickHouse for the synchronous bridge (syncBridge.ts): it runs
 * each request through the official client and posts the reply on the port, then wakes the
 * analysis thread waiting on the shared flag. Each reply carries its request's id, so the bridge
 * can tell the answer it waits for from a late one.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { BridgeInit, BridgeReply, BridgeRequest } from './bridgeProtocol';
import { ClickHouseHttp } from './http';

const init = workerData as BridgeInit & { port: MessagePort };
const flag = new Int32Array(init.flag);
const urls = init.shards?.length ? init.shards : [init.url];
const clients = new Map<number, ClickHouseHttp>();
const client = (shard: number): ClickHouseHttp => {
  if (!(shard >= 0 && shard < urls.length)) throw new Error(`no shard ${shard}`);
  let c = clients.get(shard);
  if (!c) clients.set(shard, (c = new ClickHouseHttp(urls[shard], init)));
  return c;
};

async function handle(req: BridgeRequest): Promise<BridgeReply> {
  try {
    const http = client(req.shard ?? 0);
    // given up a second after the bridge's deadline (the bridge's own message says it did not answer), so a late request does not hold a connection
    const timeoutMs = req.timeoutMs === undefined ? undefined : req.timeoutMs + 1000;
    if (req.command) {
      await http.command(req.sql, req.settings, timeoutMs);
      return { id: req.id, ok: true, columns: [], types: [], rows: [] };
    }
    const r = await http.query(req.sql, req.settings, timeoutMs);
    return { id: req.id, ok: true, ...r };
  } catch (e) {
    return { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

init.port.on('message', (req: BridgeRequest) => {
  void handle(req).then((reply) => {
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
