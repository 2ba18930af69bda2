/** Messages between the analysis thread (syncBridge.ts) and the thread that talks HTTP (worker.ts). */
import type { SqlValue } from '../database';

export interface BridgeInit {
  url: string;
  /** Every shard's HTTP URL (url first), for the statements an analysis runs on each (the small tables it writes). */
  shards?: string[];
  database?: string;
  username?: string;
  password?: string;
  /** How long one request may take (the HTTP client's request timeout). */
  timeoutMs?: number;
  /** Int32Array over it: [0] turns 1 when a reply is posted. */
  flag: SharedArrayBuffer;
}

/** A query for the worker, or (command) a statement without rows (an analysis's own small table) for shard `shard` (0: the first). Indexing does not come this way (the store runs it through the client, asynchronously). */
export interface BridgeRequest {
  /** Echoed in the reply: a reply whose id is not the request waited for (one that came after its deadline) is dropped. */
  id: number;
  sql: string;
  /** The worker gives the HTTP request up after this long (the bridge's deadline). */
  timeoutMs?: number;
  settings: Record<string, string | number>;
  command?: boolean;
  shard?: number;
}

export type BridgeReply =
  | { id: number; ok: true; columns: string[]; types: string[]; rows: SqlValue[][] }
  | { id: number; ok: false; message: string };
