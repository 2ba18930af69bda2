/**
 * A session is compared with its own server's sessions, pooled with the
 * whole log's distribution as if the log were POOL_SESSIONS more sessions of
 * that server: the median and the MAD of the mixture in which each of the
 * server's n sessions weighs 1 and the log's N sessions weigh POOL_SESSIONS / N
 * each. A server with a handful of sessions is compared with the log (its
 * few sessions cannot make themselves typical); a server with many (a NAS
 * that takes every night's backup, a video service) with itself, so its
 * sessions are not loud for being as large as they always are there.
 */
import type { BenignContext, AnalysisContext } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { bytesText, isLocalAddress } from './common';
import { sessionWhere, type SessionColumns, type SessionRow } from './sessionsAggregate';

/** The log's distribution counts as this many sessions of every server. */
export const POOL_SESSIONS = 20;

export type Robust = { median: number; scale: number };

/** Values ≤ v in an ascending array. */
function countLE(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m] <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Values < v in an ascending array. */
function countLT(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The smallest x in [lo, hi] with f(x) true (f monotone), to 1e-9 of the range. */
function smallest(lo: number, hi: number, f: (x: number) => boolean): number {
  if (f(lo)) return lo;
  const eps = Math.max(1e-12, (hi - lo) * 1e-9);
  for (let i = 0; i < 200 && hi - lo > eps; i++) {
    const m = (lo + hi) / 2;
    if (f(m)) hi = m;
    else lo = m;
  }
  return hi;
}

/**
 * Median and robust spread (1.4826 × MAD, at least minScale) of the server's
 * values (each weighing 1) pooled with the log's values (ascending, weighing
 * POOL_SESSIONS in all).
 */
export function pooledStats(own: number[], logSorted: number[], minScale: number): Robust {
  const mine = [...own].sort((a, b) => a - b);
  const w = logSorted.length ? POOL_SESSIONS / logSorted.length : 0;
  const half = (mine.length + (logSorted.length ? POOL_SESSIONS : 0)) / 2;
  if (half === 0) return { median: 0, scale: minScale };
  const lo = Math.min(mine[0] ?? Infinity, logSorted[0] ?? Infinity);
  const hi = Math.max(mine[mine.length - 1] ?? -Infinity, logSorted[logSorted.length - 1] ?? -Infinity);
  const median = smallest(lo, hi, (v) => countLE(mine, v) + w * countLE(logSorted, v) >= half);
  const within = (sorted: number[], d: number) => countLE(sorted, median + d) - countLT(sorted, median - d);
  const mad = smallest(0, Math.max(hi - median, median - lo), (d) => within(mine, d) + w * within(logSorted, d) >= half);
  return { median, scale: Math.max(1.4826 * mad, minScale) };
}

/** A session's server: the responder's host (null when the log has none: every session is then compared with the log). */
export const serverOf = (s: SessionRow): string | null => (s.respHost === null || s.respHost === undefined || s.respHost === '' ? null : String(s.respHost));

/** The rows' indices by server. */
export function byServer(rows: SessionRow[]): Map<string | null, number[]> {
  const out = new Map<string | null, number[]>();
  rows.forEach((s, i) => {
    const k = serverOf(s);
    const list = out.get(k);
    if (list) list.push(i);
    else out.set(k, [i]);
  });
  return out;
}

/**
 * For each server, the median and spread its sessions' values are compared
 * with: pooledStats over the server's values and the log's; the log's own
 * (`log`) for sessions that name no server.
 */
export function peerStats(values: number[], servers: Map<string | null, number[]>, log: Robust, minScale: number): Map<string | null, Robust & { sessions: number }> {
  const sorted = [...values].sort((a, b) => a - b);
  const out = new Map<string | null, Robust & { sessions: number }>();
  for (const [k, idx] of servers) out.set(k, { ...(k === null ? log : pooledStats(idx.map((i) => values[i]), sorted, minScale)), sessions: k === null ? values.length : idx.length });
  return out;
}

/** Bytes the originator sends, by name (Zeek conn's orig_bytes, the usual spellings). */
const SENT = ['orig_bytes', 'bytes_out', 'sent_bytes', 'cs_bytes', 'request_body_len'];
/** Share of a session's bytes that must be the originator's for it to be an upload. */
const UPLOAD_SHARE = 0.9;

/**
 * Benign context of a session that uploads to a server inside the network: both ends private
 * addresses (isLocalAddress) and 90 % or more of its bytes sent by the originator. Data that stays
 * inside (a backup to a NAS, a file saved to a share) is not data leaving; what leaves is measured by
 * large-outbound against the host's own hours. Reading from an inside server (an smb_files session that
 * copies a share) is not an upload and keeps its risk. One query, for a flagged session only.
 */
export function insideUpload(cx: AnalysisContext, cols: SessionColumns, s: SessionRow): BenignContext | undefined {
  if (!isInside(s.origHost) || !isInside(s.respHost) || !(s.bytes > 0)) return undefined;
  const sent = cols.bytes.find((b) => SENT.includes(b.toLowerCase()));
  if (!sent) return undefined;
  const { where, params } = sessionWhere(cols, s);
  const out = Number(cx.query(`SELECT coalesce(sum(${quoteIdent(sent)}), 0) FROM ${cx.t} WHERE ${where}`, params).rows[0]?.[0] ?? 0);
  if (out < UPLOAD_SHARE * s.bytes) return undefined;
  return { kind: 'routine', text: `${bytesText(out)} uploaded from ${s.origHost} to ${s.respHost}, a server inside the network (both private addresses): data that stays inside, as a backup or a file share's does, not data leaving (large-outbound reads uploads to outside addresses)` };
}

const isInside = (h: unknown): boolean => h !== null && h !== undefined && h !== '' && isLocalAddress(String(h));
