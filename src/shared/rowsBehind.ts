/**
 * "Show the rows behind this" for an aggregated result row: from a single-table
 * `SELECT … FROM t [WHERE w] GROUP BY g1, g2 …`, the query listing the rows a result row
 * summarises — `SELECT * FROM t WHERE (w) AND (g1) IS ? AND (g2) IS ?`, with the row's values of
 * the grouped columns bound. Undefined for what it cannot say exactly (joins, unions, CTEs,
 * sub-selects in FROM, a grouped expression that is not a result column).
 */
import { skipQuoted } from './sqlStatements';

export interface RowsBehind {
  /** SQL with one `?` per grouped column, in `columns` order. */
  sql: string;
  /** Indices of the result columns whose values fill the parameters. */
  columns: number[];
  /** The table named in FROM (unquoted). */
  table: string;
}

interface Scan {
  /** Top-level keyword positions (upper case) in the statement. */
  at: Map<string, number>;
  commas: (from: number, to: number) => string[];
}

const CLAUSES = ['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'HAVING', 'ORDER BY', 'LIMIT', 'WINDOW'];
const FORBIDDEN = ['JOIN', 'UNION', 'INTERSECT', 'EXCEPT', 'WITH', ','];

/** Positions of top-level (depth 0, outside strings/comments) clause keywords. */
function scan(sql: string): Scan | undefined {
  const at = new Map<string, number>();
  const depthAt: number[] = new Array(sql.length).fill(-1);
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') return undefined;
    if (c === '/' && sql[i + 1] === '*') return undefined;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    depthAt[i] = depth;
    if (depth !== 0 || (i > 0 && /\w/.test(sql[i - 1]))) continue;
    const rest = sql.slice(i, i + 12).toUpperCase();
    for (const k of CLAUSES.concat(['JOIN', 'UNION', 'INTERSECT', 'EXCEPT', 'WITH'])) {
      const re = new RegExp(`^${k.replace(' ', '\\s+')}\\b`);
      if (re.test(rest) && !at.has(k)) at.set(k, i);
    }
  }
  const commas = (from: number, to: number): string[] => {
    const parts: string[] = [];
    let start = from;
    for (let i = from; i < to; i++) {
      if (sql[i] === ',' && depthAt[i] === 0) {
        parts.push(sql.slice(start, i).trim());
        start = i + 1;
      }
    }
    parts.push(sql.slice(start, to).trim());
    return parts;
  };
  return { at, commas };
}

/** The end of a clause: the next top-level clause after it, or the end of the statement. */
function clauseEnd(s: Scan, start: number, length: number): number {
  let end = length;
  for (const p of s.at.values()) if (p > start && p < end) end = p;
  return end;
}

/** A select item without its alias: `count(*) AS n` → `count(*)`, alias `n`. */
function splitAlias(item: string): { expr: string; alias?: string } {
  const m = /^(.*?)\s+(?:AS\s+)?("(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|[A-Za-z_]\w*)$/is.exec(item);
  if (!m || /^(AND|OR|NOT|IS|NULL|THEN|ELSE|END)$/i.test(m[2]) || /[-+*/|<>=]\s*$/.test(m[1])) return { expr: item };
  return { expr: m[1].trim(), alias: m[2].replace(/^["[`]|["\]`]$/g, '') };
}

export function rowsBehind(rawSql: string, columns: string[]): RowsBehind | undefined {
  const sql = rawSql.trim().replace(/;\s*$/, '');
  if (sql.includes(';')) return undefined;
  const s = scan(sql);
  if (!s) return undefined;
  const has = (k: string) => s.at.has(k);
  if (!has('SELECT') || !has('FROM') || !has('GROUP BY') || s.at.get('SELECT') !== 0) return undefined;
  if (FORBIDDEN.some((k) => k !== ',' && has(k))) return undefined;
  const from = s.at.get('FROM')!;
  const fromText = sql.slice(from + 4, clauseEnd(s, from, sql.length)).trim();
  if (fromText.includes('(') || s.commas(from + 4, clauseEnd(s, from, sql.length)).length > 1) return undefined;
  const select = sql.slice(6, from).trim().replace(/^DISTINCT\s+/i, '');
  const items = s.commas(6, from).map((x) => splitAlias(x.replace(/^DISTINCT\s+/i, '')));
  if (items.length !== columns.length || select === '*') return undefined;
  const g = s.at.get('GROUP BY')!;
  const groupStart = g + /^GROUP\s+BY/i.exec(sql.slice(g))![0].length;
  const groups = s.commas(groupStart, clauseEnd(s, g, sql.length));
  const picked: number[] = [];
  const exprs: string[] = [];
  for (const item of groups) {
    let k = -1;
    if (/^\d+$/.test(item)) k = Number(item) - 1;
    else k = items.findIndex((x) => x.expr === item || x.alias === item.replace(/^["[`]|["\]`]$/g, '') || columns[items.indexOf(x)] === item);
    if (k < 0 || k >= items.length) return undefined;
    picked.push(k);
    exprs.push(items[k].expr);
  }
  const w = s.at.get('WHERE');
  const where = w === undefined ? [] : [`(${sql.slice(w + 5, clauseEnd(s, w, sql.length)).trim()})`];
  const conditions = [...where, ...exprs.map((e) => `(${e}) IS ?`)];
  const name = /^("(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|[\w.]+)/.exec(fromText)?.[1] ?? fromText;
  const table = name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.replace(/^[[`]|[\]`]$/g, '');
  return { sql: `SELECT * FROM ${fromText} WHERE ${conditions.join(' AND ')}`, columns: picked, table };
}
