/**
 * ClickHouse, synchronously: analyses call `query(sql)` and use the rows on the next line (the
 * AnalysisContext of findings/model.ts), while the client speaks HTTP asynchronously. A worker thread
 * (worker.ts) runs the request; this thread posts it, waits on a shared flag with Atomics.wait and
 * takes the reply with receiveMessageOnPort, so the analyses stay as they are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { LogInvestigatorError } from '../../errors';
import type { BridgeReply, BridgeRequest } from './bridgeProtocol';
import type { RawResult } from './http';

/** The worker's script: beside the bundle (dist/clickhouseWorker.js) or beside this file when compiled by tsc. */
function workerScript(): string {
  for (const name of ['clickhouseWorker.js', 'worker.js']) {
    const p = path.join(__dirname, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`the ClickHouse worker script is missing beside ${__dirname}`);
}

export class SyncBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;

  constructor(opts: { url: string; shards?: string[]; database?: string; username?: string; password?: string; timeoutMs?: number }, private readonly timeoutMs = 600_000) {
    const sab = new SharedArrayBuffer(4);
    this.flag = new Int32Array(sab);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(workerScript(), { workerData: { ...opts, flag: sab, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
  }

  private nextId = 0;

  /**
   * Posts the request and waits for the reply with its id. A reply with another id answers an
   * earlier request that was given up at its deadline (it may land while this one waits, or sit
   * in the port since): it is dropped, never read as this query's answer.
   */
  private call(what: Omit<BridgeRequest, 'id' | 'timeoutMs'>, timeoutMs: number): RawResult {
    const id = ++this.nextId;
    const req: BridgeRequest = { ...what, id, timeoutMs };
    this.port.postMessage(req);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // lower the flag before reading the port: a reply posted after the read raises it again (the worker posts, then raises)
      Atomics.store(this.flag, 0, 0);
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const reply = m.message as BridgeReply;
        if (reply.id !== id) continue;
        if (!reply.ok) throw new LogInvestigatorError('SQL', `ClickHouse: ${reply.message.replace(/, e\.what\(\) = DB::Exception\s*$/, '')}`);
        return { columns: reply.columns, types: reply.types, rows: reply.rows };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new LogInvestigatorError('SQL', `ClickHouse did not answer within ${Math.round(timeoutMs / 1000)} s`);
      Atomics.wait(this.flag, 0, 0, Math.min(left, 1000));
    }
  }

  /** `timeoutMs`: this query's deadline (the bridge's otherwise). */
  query(sql: string, settings: Record<string, string | number> = {}, timeoutMs = this.timeoutMs): RawResult {
    return this.call({ sql, settings }, timeoutMs);
  }

  /** A statement without rows on one shard (0: the first). */
  command(sql: string, shard = 0, settings: Record<string, string | number> = {}): void {
    this.call({ sql, settings, command: true, shard }, this.timeoutMs);
  }

  close(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}
