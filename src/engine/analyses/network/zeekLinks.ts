/**
 * Joins across the Zeek logs of one capture: a connection's `uid` names it
 * in conn, dns, http, ssl, files (conn_uids, or uid in newer Zeek) and
 * notice; a file's `fuid` names it in files, http (orig_fuids/resp_fuids)
 * and notice. A finding on an HTTP download shows its connection, and a
 * finding on a connection shows what was said on it, in its reason and
 * metrics (the CLI and the Findings view print both).
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { AnalysisContext } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { bytesText, columnNamed, durationText } from './common';

export type ZeekKind = 'conn' | 'dns' | 'http' | 'ssl' | 'files' | 'notice' | 'weird';

const has = (t: TableInfo, ...names: string[]) => names.every((n) => t.columns.some((c) => c.name === n));

/** What kind of Zeek log a table is, by its columns (whatever its file is called). */
export function zeekKind(t: TableInfo): ZeekKind | undefined {
  if (has(t, 'uid', 'id.orig_h') && has(t, 'duration', 'orig_bytes', 'resp_bytes')) return 'conn';
  if (has(t, 'query', 'rcode_name') || has(t, 'query', 'qtype_name')) return 'dns';
  if (has(t, 'method', 'host', 'uri')) return 'http';
  if (has(t, 'uid') && (has(t, 'server_name') || has(t, 'validation_status'))) return 'ssl';
  if (has(t, 'fuid', 'mime_type')) return 'files';
  if (has(t, 'note', 'msg')) return 'notice';
  if (has(t, 'name', 'addl') && has(t, 'uid')) return 'weird';
  return undefined;
}

export interface Linked {
  table: string;
  kind: ZeekKind;
  line: number | null;
  text: string;
}

const MAX_KEYS = 3;
const MAX_PER_TABLE = 2;

function summary(kind: ZeekKind, r: Record<string, SqlValue>): string {
  const s = (k: string) => (r[k] === null || r[k] === undefined ? '' : String(r[k]));
  const n = (k: string) => Number(r[k] ?? 0);
  switch (kind) {
    case 'conn':
      return `${s('id.orig_h')}:${s('id.orig_p')} → ${s('id.resp_h')}:${s('id.resp_p')} ${s('proto')}${s('service') ? ` ${s('service')}` : ''}, ${durationText(n('duration'))}, ${bytesText(n('orig_bytes'))} out, ${bytesText(n('resp_bytes'))} in${s('conn_state') ? `, ${s('conn_state')}` : ''}`;
    case 'http':
      return `${s('method')} ${s('host')}${s('uri')} → ${s('status_code')}${s('resp_mime_types') ? ` (${s('resp_mime_types')})` : ''}`;
    case 'ssl':
      return `TLS to ${s('server_name') || s('id.resp_h')}${s('validation_status') ? `, certificate: ${s('validation_status')}` : ''}`;
    case 'dns':
      return `${s('qtype_name')} ${s('query')} → ${s('rcode_name')}`;
    case 'files':
      return `file ${s('mime_type')}${s('filename') ? ` named ${s('filename')}` : ''}, ${bytesText(n('seen_bytes') || n('total_bytes'))}`;
    case 'notice':
      return `notice ${s('note')}: ${s('msg')}`;
    case 'weird':
      return `weird ${s('name')}`;
  }
}

function rowsOf(cx: AnalysisContext, t: TableInfo, where: string, params: SqlValue[]): Record<string, SqlValue>[] {
  // in line order, so that every store picks the same rows
  const order = t.columns.some((c) => c.name === '_line') ? ' ORDER BY _line' : '';
  const r = cx.query(`SELECT * FROM ${quoteIdent(t.table)} WHERE ${where}${order} LIMIT ${MAX_PER_TABLE}`, params);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

/**
 * The rows of the capture's other Zeek logs that share these connection
 * uids or file fuids (a few per key and table), each summarised.
 */
export function linkedRows(cx: AnalysisContext, keys: { uids?: string[]; fuids?: string[] }): Linked[] {
  const out: Linked[] = [];
  const uids = [...new Set(keys.uids ?? [])].filter(Boolean).slice(0, MAX_KEYS);
  const fuids = [...new Set(keys.fuids ?? [])].filter(Boolean).slice(0, MAX_KEYS);
  if (!uids.length && !fuids.length) return out;
  const seen = new Set<string>();
  const push = (t: TableInfo, kind: ZeekKind, r: Record<string, SqlValue>) => {
    const line = r._line === undefined || r._line === null ? null : Number(r._line);
    const key = `${t.table}:${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ table: t.table, kind, line, text: summary(kind, r) });
  };
  for (const t of cx.tables()) {
    if (t.table === cx.table.table) continue;
    const kind = zeekKind(t);
    if (!kind) continue;
    const uid = columnNamed(t, 'uid');
    for (const u of uids) {
      if (uid) for (const r of rowsOf(cx, t, `${quoteIdent(uid)} = ?`, [u])) push(t, kind, r);
      // files.log of older Zeek names its connections in a set
      const cu = columnNamed(t, 'conn_uids');
      if (cu) for (const r of rowsOf(cx, t, `instr(${quoteIdent(cu)}, ?) > 0`, [u])) push(t, kind, r);
    }
    for (const f of fuids) {
      const fu = columnNamed(t, 'fuid');
      if (fu) for (const r of rowsOf(cx, t, `${quoteIdent(fu)} = ?`, [f])) push(t, kind, r);
      const lists = ['resp_fuids', 'orig_fuids'].map((c) => columnNamed(t, c)).filter((c): c is string => !!c);
      if (lists.length) for (const r of rowsOf(cx, t, `(${lists.map((c) => `instr(${quoteIdent(c)}, ?) > 0`).join(' OR ')})`, lists.map(() => f))) push(t, kind, r);
    }
  }
  return out;
}

/** The linked rows in words, for a reason: "conn line 812: 10.3.0.12:51234 → …; files line 40: …". */
export function linkedText(links: Linked[], max = 4): string {
  return links
    .slice(0, max)
    .map((l) => `${l.table}${l.line !== null ? ` line ${l.line}` : ''}: ${l.text}`)
    .join('; ');
}

/** The connection uids of the rows matching a condition of this table (a few), for linkedRows. */
export function uidsOf(cx: AnalysisContext, where: string, params: SqlValue[], limit = MAX_KEYS, orderBy = cx.table.columns.some((c) => c.name === '_line') ? '_line' : undefined): string[] {
  const uid = columnNamed(cx.table, 'uid');
  if (!uid) return [];
  const u = quoteIdent(uid);
  return cx.query(`SELECT ${u} FROM ${cx.t} WHERE ${where} AND ${u} IS NOT NULL${orderBy ? ` ORDER BY ${orderBy}` : ''} LIMIT ${limit}`, params).rows.map((r) => String(r[0]));
}
