/**
 * Which source line each row of a result comes from, for joins as for single tables: read off the
 * query's SELECT list and FROM clause, every result column that is a table's `_line` (`l._line`,
 * `_line AS line`, or the `_line` a `*` / `l.*` brings) is linked to that table. So a join of a
 * log with its cohort table links each row to its log line and its cohort line.
 *
 * Only what the query says exactly: a compound select (UNION…), a CTE, a sub-select in FROM that
 * a `*` would expand, a NATURAL join, or a GROUP BY (one row stands for many lines; "rows…"
 * lists them instead) give no links rather than guessed ones.
 */
import { rowsBehind } from './rowsBehind';
import { sourceTableOf } from './views';

export interface LineSource {
  /** The catalog table (as named in the catalog). */
  table: string;
  /** Index of the result column holding its `_line`. */
  lineColumn: number;
}

interface Catalog {
  table: string;
  columns: { name: string }[];
}

type Tok = { kind: 'word' | 'name' | 'string' | 'punct' | 'number'; text: string };

const STOP = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT', 'RETURNING']);
const JOIN_WORDS = new Set(['JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'NATURAL']);
const NOT_ALIAS = new Set([...STOP, ...JOIN_WORDS, 'ON', 'USING', 'AS', 'INDEXED', 'NOT']);

/** Words, quoted names, strings, numbers and punctuation; comments dropped. Undefined when a quote is left open. */
export function tokens(sql: string): Tok[] | undefined {
  const out: Tok[] = [];
  for (let i = 0; i < sql.length; ) {
    const c = sql[i];
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      let text = '';
      for (; j < sql.length; j++) {
        if (sql[j] !== close) text += sql[j];
        else if (close !== ']' && sql[j + 1] === close) (text += close), j++;
        else break;
      }
      if (j >= sql.length) return undefined;
      out.push({ kind: c === "'" ? 'string' : 'name', text });
      i = j + 1;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[\w$\u0080-\uffff]+/.exec(sql.slice(i))![0];
      out.push({ kind: 'word', text: m });
      i += m.length;
    } else if (/\d/.test(c)) {
      const m = /^[\d.eE]+/.exec(sql.slice(i))![0];
      out.push({ kind: 'number', text: m });
      i += m.length;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

const upper = (t: Tok | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');
const isName = (t: Tok | undefined) => t !== undefined && (t.kind === 'name' || (t.kind === 'word' && !NOT_ALIAS.has(t.text.toUpperCase())));

/** Splits tokens at depth-0 commas. */
function splitCommas(ts: Tok[]): Tok[][] {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const t of ts) {
    if (t.text === '(' && t.kind === 'punct') depth++;
    if (t.text === ')' && t.kind === 'punct') depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts;
}

/** A FROM item: its table (undefined for a sub-select), the name it is referred to by, and the columns USING merges away. */
interface FromItem {
  table?: Catalog;
  ref: string;
  using: string[];
}

/** The FROM clause's tables in order, or undefined for what cannot be read exactly. */
function fromItems(ts: Tok[], catalog: Catalog[]): FromItem[] | undefined {
  // a NATURAL join merges every column the tables share, _line among them: no link is exact
  if (ts.some((t) => upper(t) === 'NATURAL')) return undefined;
  const items: FromItem[] = [];
  let i = 0;
  const find = (name: string) => catalog.find((c) => c.table.toLowerCase() === name.toLowerCase());
  while (i < ts.length) {
    let item: FromItem;
    if (ts[i].text === '(' && ts[i].kind === 'punct') {
      let depth = 0;
      for (; i < ts.length; i++) {
        if (ts[i].kind === 'punct' && ts[i].text === '(') depth++;
        if (ts[i].kind === 'punct' && ts[i].text === ')' && --depth === 0) break;
      }
      i++;
      item = { ref: '', using: [] };
    } else if (isName(ts[i])) {
      let name = ts[i++].text;
      if (ts[i]?.text === '.' && isName(ts[i + 1])) (name = ts[i + 1].text), (i += 2); // main.t
      const table = find(name);
      if (!table) return undefined;
      item = { table, ref: name, using: [] };
    } else return undefined;
    if (upper(ts[i]) === 'AS') i++;
    if (isName(ts[i])) item.ref = ts[i++].text;
    // the join constraint, up to the next join or comma
    let depth = 0;
    for (; i < ts.length; i++) {
      const t = ts[i];
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') depth--;
      if (depth > 0) continue;
      if ((t.kind === 'punct' && t.text === ',') || JOIN_WORDS.has(upper(t))) break;
      if (upper(t) === 'USING') {
        const close = ts.findIndex((x, k) => k > i && x.kind === 'punct' && x.text === ')');
        item.using = ts.slice(i + 2, close).filter((x) => x.kind !== 'punct').map((x) => x.text.toLowerCase());
        i = close;
      }
    }
    items.push(item);
    while (i < ts.length && (ts[i].text === ',' || JOIN_WORDS.has(upper(ts[i])))) i++;
  }
  return items;
}

/** The columns `*` or `x.*` brings, in order (USING columns once), or undefined when a sub-select is among them. */
function star(items: FromItem[], ref?: string): (FromItem & { column: string })[] | undefined {
  const chosen = ref === undefined ? items : items.filter((it) => it.ref.toLowerCase() === ref.toLowerCase());
  if (chosen.length === 0) return undefined;
  const out: (FromItem & { column: string })[] = [];
  for (const [k, it] of chosen.entries()) {
    if (!it.table) return undefined;
    // SELECT * over a USING join lists the USING columns once, from the left table
    const merged = ref === undefined && k > 0 ? it.using : [];
    for (const c of it.table.columns) if (!merged.includes(c.name.toLowerCase())) out.push({ ...it, column: c.name });
  }
  return out;
}

/** Positions of depth-0 keyword tokens. */
function topLevel(ts: Tok[], word: string): number[] {
  const at: number[] = [];
  let depth = 0;
  ts.forEach((t, k) => {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && upper(t) === word) at.push(k);
  });
  return at;
}

/** One link target per `_line` column of the result, or [] when the query does not say exactly. */
export function lineSources(sql: string, columns: string[], catalog: Catalog[]): LineSource[] {
  const ts = tokens(sql.trim().replace(/;\s*$/, ''));
  if (!ts || upper(ts[0]) !== 'SELECT' || ts.some((t) => t.kind === 'punct' && t.text === ';')) return [];
  if (['UNION', 'INTERSECT', 'EXCEPT', 'GROUP'].some((w) => topLevel(ts, w).length > 0)) return [];
  const from = topLevel(ts, 'FROM')[0];
  if (from === undefined) return [];
  let end = ts.length;
  for (const w of STOP) for (const k of topLevel(ts, w)) if (k > from && k < end) end = k;
  const items = fromItems(ts.slice(from + 1, end), catalog);
  if (!items) return [];
  let first = 1;
  if (['DISTINCT', 'ALL'].includes(upper(ts[1]))) first = 2;
  const out: LineSource[] = [];
  let column = 0;
  for (const p of splitCommas(ts.slice(first, from))) {
    if (p.length === 1 && p[0].text === '*') {
      const cols = star(items);
      if (!cols) return [];
      for (const c of cols) {
        if (c.column === '_line' && c.table) out.push({ table: c.table.table, lineColumn: column });
        column++;
      }
      continue;
    }
    if (p.length === 3 && isName(p[0]) && p[1].text === '.' && p[2].text === '*') {
      const cols = star(items, p[0].text);
      if (!cols) return [];
      for (const c of cols) {
        if (c.column === '_line' && c.table) out.push({ table: c.table.table, lineColumn: column });
        column++;
      }
      continue;
    }
    // [x.]_line [[AS] alias]
    const ref = p.length >= 3 && p[1].text === '.' ? p[0].text : undefined;
    const name = ref !== undefined ? p[2] : p[0];
    const rest = p.slice(ref !== undefined ? 3 : 1);
    const plainAlias = rest.length === 0 || (rest.length === 1 && isName(rest[0])) || (rest.length === 2 && upper(rest[0]) === 'AS' && (isName(rest[1]) || rest[1].kind === 'string'));
    if (name && (name.kind === 'word' || name.kind === 'name') && name.text === '_line' && plainAlias) {
      const owners = items.filter((it) => it.table?.columns.some((c) => c.name === '_line') && (ref === undefined || it.ref.toLowerCase() === ref.toLowerCase()));
      if (owners.length === 1 && owners[0].table) out.push({ table: owners[0].table.table, lineColumn: column });
    }
    column++;
  }
  // what the query says must match what SQLite returned
  if (column !== columns.length) return [];
  return out;
}

/**
 * The tables each row of a result links to: every `_line` the query takes from a table (joins
 * too), else the one table named in the query that a `_line` column can come from; none for an
 * aggregate (its rows list the rows behind them instead).
 */
export function resultLineSources(sql: string, columns: string[], catalog: Catalog[]): LineSource[] {
  const found = lineSources(sql, columns, catalog);
  if (found.length) return found;
  if (rowsBehind(sql, columns)) return [];
  const one = sourceTableOf(sql, columns, catalog);
  return one ? [{ table: one.table.table, lineColumn: one.lineColumn }] : [];
}
