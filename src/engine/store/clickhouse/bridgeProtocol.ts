/** Messages between the analysis thread (syncBridge.ts) and the thread that talks HTTP (worker.ts). */
import type { SqlValue } from '../../database';

export interface BridgeInit {
  url: string;
  database?: string;
  username?: string;
  password?: string;
  /** How long one request may take (the HTTP client's request timeout). */
  timeoutMs?: number;
  /** Int32Array over it: [0] turns 1 when a reply is posted. */
  flag: SharedArrayBuffer;
}

/** A query for the worker; DDL and inserts do not come this way (the store runs them through the client, asynchronously). */
export interface BridgeRequest {
  sql: string;
  settings: Record<string, string | number>;
}

export type BridgeReply =
  | { ok: true; columns: string[]; types: string[]; rows: SqlValue[][] }
  | { ok: false; message: string };
