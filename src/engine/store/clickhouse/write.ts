/**
 * The statements an analysis runs to keep a small table of its own (geo-ip's `<table>_geo`, the
 * located IPs, for joins with the log): CREATE TABLE, DROP TABLE and INSERT in SQLite's words, as
 * ClickHouse takes them. The store runs each on every shard, so that a join of a Distributed log
 * with such a table finds the whole table beside each shard's rows (as a log's templates are).
 */
import type { SqlValue } from '../database';
import { toClickHouse } from './dialect';
import { chName, isWord, parse, splitCommas, trimWs, type Node } from './sqlTree';

/** Whether a statement writes (CREATE, DROP, INSERT, ALTER) rather than reads. */
export function isWrite(sql: string): boolean {
  return /^\s*(CREATE|DROP|INSERT|ALTER)\b/i.test(sql);
}

/** The statements of a text, split at semicolons outside quotes and comments; empty ones left out. */
export function statements(sql: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i = sql.indexOf(close, i + 1);
      if (i < 0) break;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = sql.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = sql.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else if (c === ';') {
      out.push(sql.slice(from, i));
      from = i + 1;
    }
  }
  out.push(sql.slice(from));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** A column's ClickHouse type from its SQLite declaration (SQLite's affinity rules): integers, reals, else text; NULL allowed. */
function columnType(decl: string): string {
  const d = decl.toUpperCase();
  if (/INT/.test(d)) return 'Nullable(Int64)';
  if (/REAL|FLOA|DOUB/.test(d)) return 'Nullable(Float64)';
  return 'Nullable(String)';
}

const CONSTRAINT = new Set(['PRIMARY', 'NOT', 'NULL', 'DEFAULT', 'UNIQUE', 'CHECK', 'REFERENCES', 'COLLATE', 'CONSTRAINT', 'GENERATED', 'AS']);

/** A write statement of SQLite's as ClickHouse's: `CREATE TABLE t (…)` becomes a Log table (no key: these tables are small), `CREATE TABLE t AS SELECT` too; the others go through the dialect. */
export function toClickHouseWrite(sql: string, params: SqlValue[] = []): string {
  const nodes = parse(sql).filter((n) => n.k !== 'ws');
  if (!isWord(nodes[0], 'CREATE')) return toClickHouse(sql, params);
  let i = 1;
  if (isWord(nodes[i], 'TEMP') || isWord(nodes[i], 'TEMPORARY')) i++;
  if (!isWord(nodes[i], 'TABLE')) throw new Error(`the ClickHouse store creates tables only, not: ${sql.slice(0, 80)}`);
  i++;
  let ifNotExists = '';
  if (isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'NOT') && isWord(nodes[i + 2], 'EXISTS')) {
    ifNotExists = 'IF NOT EXISTS ';
    i += 3;
  }
  // main.name, temp.name: the connection's database
  if ((isWord(nodes[i], 'MAIN') || isWord(nodes[i], 'TEMP')) && nodes[i + 1]?.k === 'op' && (nodes[i + 1] as { v: string }).v === '.') i += 2;
  const nameNode = nodes[i];
  if (!nameNode || (nameNode.k !== 'word' && nameNode.k !== 'name')) throw new Error(`CREATE TABLE without a name: ${sql.slice(0, 80)}`);
  const name = chName(nameNode.v);
  const body = nodes[i + 1];
  if (isWord(body, 'AS')) {
    const select = sql.slice(sql.search(/\bAS\b/i) + 2);
    return `CREATE TABLE ${ifNotExists}${name} ENGINE = Log AS ${toClickHouse(select, params)}`;
  }
  if (body?.k !== 'group') throw new Error(`CREATE TABLE ${nameNode.v}: no column list`);
  const cols: string[] = [];
  for (const item of splitCommas(body.items).map(trimWs)) {
    const first = item[0];
    if (!first || isWord(first, 'PRIMARY') || isWord(first, 'UNIQUE') || isWord(first, 'CHECK') || isWord(first, 'CONSTRAINT') || isWord(first, 'FOREIGN')) continue;
    if (first.k !== 'word' && first.k !== 'name') throw new Error(`CREATE TABLE ${nameNode.v}: cannot read the column ${JSON.stringify(item)}`);
    const rest = item.slice(1).filter((n: Node) => n.k !== 'ws');
    const end = rest.findIndex((n) => n.k === 'word' && CONSTRAINT.has(n.v.toUpperCase()));
    const decl = (end < 0 ? rest : rest.slice(0, end)).map((n) => (n.k === 'word' ? n.v : '')).join(' ');
    cols.push(`${chName(first.v)} ${columnType(decl)}`);
  }
  return `CREATE TABLE ${ifNotExists}${name} (${cols.join(', ')}) ENGINE = Log`;
}
