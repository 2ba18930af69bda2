/**
 * The analyses' SQL (SQLite's dialect, the portable subset they are written in) as ClickHouse
 * 18.16 reads it. What differs, and what this does about it:
 * - parameters: 18.16 has no server-side ones; each `?` becomes a literal (strings escaped by
 *   chString, numbers as written, NULL), so values still never become SQL of their own;
 * - `GROUP BY 1` / `ORDER BY 2` name a select item by position in SQLite and group by the constant
 *   in ClickHouse: the position becomes the item (its alias, or the expression);
 * - `LIKE` ignores ASCII case in SQLite: `lower(a) LIKE lower(b)`;
 * - `||` converts numbers to text in SQLite: its operands go through toString();
 * - functions: group_concat → arrayStringConcat(groupArray), julianday and strftime from the
 *   parsed time, substr/length/instr on characters (UTF-8), min/max of several values →
 *   least/greatest, ifnull, nullif, replace, trim, ln/log/log10, total, random, CAST … AS
 *   INTEGER/REAL/TEXT, TRUE/FALSE as 1/0.
 * Integer division is not rewritten: `/` is always a real division in ClickHouse, so portable SQL
 * writes `CAST(a / b AS INTEGER)` or avoids it. Window functions (OVER) do not exist in 18.16: an
 * analysis that needs them is not ported (the store reports ClickHouse's error).
 */
import type { SqlValue } from '../database';
import { likeEscapes, likePattern } from './dialectLike';
import { call, chString, g, isOp, isWord, joinCommas, num, parse, raw, serialize, splitCommas, str, trimWs, type Node } from './sqlTree';

/** A bound value as a ClickHouse literal. */
export function literal(v: SqlValue): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return Number.isInteger(v) ? String(v) : v.toPrecision(17);
  }
  if (typeof v === 'string') return chString(v);
  if (v instanceof Uint8Array) return chString(Buffer.from(v).toString('latin1'));
  return chString(String(v));
}

/** SQLite SQL with its parameters → ClickHouse SQL. */
export function toClickHouse(sql: string, params: SqlValue[] = []): string {
  let nodes = parse(sql);
  // EXPLAIN (a compile check, as the rules analysis makes one): 18.16 has none; the statement analysed and no row read
  const first = nodes.findIndex((n) => n.k !== 'ws');
  if (isWord(nodes[first], 'EXPLAIN') && !isWord(nodes.slice(first + 1).find((n) => n.k !== 'ws'), 'QUERY')) {
    nodes = [raw('SELECT * FROM '), g(nodes.slice(first + 1)), raw(' LIMIT 0')];
  }
  const state = { i: 0, params };
  return serialize(rewrite(nodes, state));
}

interface State {
  i: number;
  params: SqlValue[];
}


/** A bound value as a token: a string literal (escaped when written), a number, NULL. */
function literalNode(v: SqlValue): Node {
  if (typeof v === 'string') return str(v);
  if (v instanceof Uint8Array) return str(Buffer.from(v).toString('latin1'));
  const l = literal(v);
  return l === 'NULL' || !/^-?[\d.]/.test(l) ? { k: 'word', v: l } : num(l);
}

function rewrite(nodes: Node[], st: State): Node[] {
  let out: Node[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.k === 'param') {
      if (n.v !== '?') throw new Error(`named parameter ${n.v}: the ClickHouse store binds ? only`);
      if (st.i >= st.params.length) throw new Error('fewer values than ? in the SQL');
      out.push(literalNode(st.params[st.i++]));
      continue;
    }
    if (n.k === 'group') {
      out.push(g(rewrite(n.items, st)));
      continue;
    }
    if (isWord(n, 'INDEXED') && isWord(lastWord(out), 'NOT')) {
      dropLastWord(out); // SQLite's NOT INDEXED: a planner hint
      continue;
    }
    if (isWord(n, 'INDEXED') && isWord(nodes[i + 2], 'BY')) {
      i += 4; // INDEXED BY name
      continue;
    }
    // main.t, temp.t: the connection's database
    if ((isWord(n, 'MAIN') || isWord(n, 'TEMP')) && isOp(nodes[i + 1], '.') && !isOp(lastWord(out), '.')) {
      i++;
      continue;
    }
    // a log's rowid is its line (the indexer numbers rows by line; ClickHouse keeps it as _line)
    if (isWord(n, 'ROWID')) {
      out.push({ k: 'word', v: '_line' });
      continue;
    }
    if (isOp(n, '+') && unaryAt(out)) continue; // SQLite's `+col` (a hint not to use an index): ClickHouse has no unary plus
    if (isWord(n, 'TRUE') || isWord(n, 'FALSE')) {
      out.push(num(isWord(n, 'TRUE') ? '1' : '0'));
      continue;
    }
    if (n.k === 'word') {
      // a function call: a word, maybe blanks, its arguments
      let j = i + 1;
      while (nodes[j]?.k === 'ws') j++;
      const args = nodes[j];
      if (args?.k === 'group' && !isKeyword(n.v)) {
        const inner = rewrite(args.items, st);
        out.push(...rewriteCall(n.v, inner));
        i = j;
        continue;
      }
    }
    out.push(n);
  }
  out = positional(out);
  out = likeEscapes(out);
  out = binary(out, 'LIKE', (a, b, not) => [...call('lower', a), raw(not ? ' NOT LIKE ' : ' LIKE '), ...call('lower', likePattern(b))]);
  out = isDistinct(out);
  out = binary(out, '||', (a, b) => [...call('toString', a), raw(' || '), ...call('toString', b)]);
  out = binary(out, '/', (a, b) => (integral(a) && integral(b) ? call('intDiv', a, b) : [...a, raw(' / '), ...b]));
  return out;
}

const lastWord = (out: Node[]): Node | undefined => [...out].reverse().find((x) => x.k !== 'ws');
function dropLastWord(out: Node[]): void {
  while (out.length && out[out.length - 1].k === 'ws') out.pop();
  out.pop();
}

/** Whether an operator at the end of `out` would be unary: nothing, an operator, a comma or a keyword before it. */
function unaryAt(out: Node[]): boolean {
  let k = out.length - 1;
  while (k >= 0 && out[k].k === 'ws') k--;
  const p = out[k];
  return !p || (p.k === 'op' && p.v !== ')') || (p.k === 'word' && isKeyword(p.v)) || isWord(p, 'SELECT');
}

/** An operand SQLite divides as an integer: an integer literal, CAST(… AS INTEGER), count(…), or an integer division. */
function integral(x: Node[]): boolean {
  const e = trimWs(x);
  if (e.length === 1 && e[0].k === 'num') return /^\d+$/.test(e[0].v);
  if (e.length === 1 && e[0].k === 'group') return integral(e[0].items);
  return e.length === 2 && e[0].k === 'word' && e[1].k === 'group' && ['toInt64', 'count', 'intDiv'].includes(e[0].v);
}

const KEYWORDS = new Set(['IN', 'FROM', 'AS', 'ON', 'AND', 'OR', 'NOT', 'EXISTS', 'SELECT', 'WHERE', 'JOIN', 'USING', 'VALUES', 'OVER', 'WHEN', 'THEN', 'ELSE', 'BY', 'ALL', 'ANY', 'HAVING', 'LIMIT', 'UNION', 'WITH', 'IS', 'CASE', 'END']);
const isKeyword = (w: string) => KEYWORDS.has(w.toUpperCase());

const TIME = (x: Node[]) => call('parseDateTimeBestEffortOrNull', call('toString', x));

/** A SQLite function call (its arguments already rewritten) in ClickHouse's words. */
function rewriteCall(name: string, argNodes: Node[]): Node[] {
  const fn = name.toLowerCase();
  const args = splitCommas(argNodes).map(trimWs);
  const distinct = isWord(args[0]?.[0], 'DISTINCT');
  switch (fn) {
    case 'group_concat': {
      const x = distinct ? trimWs(args[0].slice(1)) : args[0];
      const sep = args[1] ?? [str(',')];
      return call('arrayStringConcat', call(distinct ? 'groupUniqArray' : 'groupArray', call('toString', x)), sep);
    }
    case 'julianday': {
      // as SQLite computes it: whole milliseconds since the julian epoch over 86400000 (seconds from
      // the parsed time, which has whole seconds, and the milliseconds from the text's fraction)
      const ms = [...call('toInt64', call('toUnixTimestamp', TIME(args[0]))), raw(' * 1000 + '), ...call('toInt64', call('round', [...call('toFloat64OrZero', call('substring', call('toString', args[0]), [num('20')], [num('7')])), raw(' * 1000')]))];
      return [g([g([...ms, raw(' + 210866760000000')]), raw(' / 86400000.0')])];
    }
    case 'strftime':
      return strftime(args);
    case 'date':
      if (args.length === 1) return call('substring', call('toString', args[0]), [num('1')], [num('10')]);
      break;
    case 'datetime': {
      const t = shifted(args[0], args.slice(1));
      if (t) return call('formatDateTime', t, [str('%Y-%m-%d %H:%M:%S')]);
      break;
    }
    case 'substr':
    case 'substring':
      return call('substringUTF8', call('toString', args[0]), ...args.slice(1, 2), ...(args[2] ? [args[2]] : [[num('1000000000')]]));
    case 'length':
      return call('lengthUTF8', call('toString', args[0]));
    case 'instr':
      return call('positionUTF8', call('toString', args[0]), args[1]);
    case 'ifnull':
      return call('ifNull', ...args);
    case 'nullif':
      return call('nullIf', ...args);
    case 'replace':
      return call('replaceAll', call('toString', args[0]), args[1], args[2]);
    case 'trim':
      if (args.length === 1) return call('replaceRegexpAll', call('toString', args[0]), [str('^\\s+|\\s+$')], [str('')]);
      break;
    case 'ltrim':
      if (args.length === 1) return call('replaceRegexpAll', call('toString', args[0]), [str('^\\s+')], [str('')]);
      break;
    case 'rtrim':
      if (args.length === 1) return call('replaceRegexpAll', call('toString', args[0]), [str('\\s+$')], [str('')]);
      break;
    case 'ln':
      return call('log', ...args);
    case 'log':
      return args.length === 2 ? [g([...call('log', args[1]), raw(' / '), ...call('log', args[0])])] : call('log10', ...args);
    case 'total':
      return call('toFloat64', call('sum', ...args));
    case 'random':
      return call('rand');
    case 'char':
      // char(31): the characters of the code points, when they are literals
      if (args.length && args.every((a) => a.length === 1 && a[0].k === 'num' && /^\d+$/.test(a[0].v))) return [str(String.fromCodePoint(...args.map((a) => Number((a[0] as { v: string }).v))))];
      break;
    case 'min':
    case 'max':
      if (args.length >= 2) return args.slice(1).reduce((acc, a) => call(fn === 'min' ? 'least' : 'greatest', acc, a), args[0]);
      break;
    case 'cast':
      return cast(argNodes);
    case 'count':
      // count(DISTINCT a, b) does not exist in SQLite; count(DISTINCT x) is ClickHouse's too
      break;
  }
  return [{ k: 'word', v: name }, g(argNodes)];
}

/** The parsed time moved by SQLite modifiers '±N days|hours|minutes|seconds' (literals, or values bound in their place); undefined for others. */
function shifted(x: Node[], modifiers: Node[][]): Node[] | undefined {
  let t = TIME(x);
  for (const a of modifiers) {
    const m = a.length === 1 && a[0].k === 'str' ? /^\s*([+-]?\d+)\s+(day|hour|minute|second)s?\s*$/i.exec(a[0].v) : null;
    if (!m) return undefined;
    t = call(`add${m[2][0].toUpperCase()}${m[2].slice(1).toLowerCase()}s`, t, [num(String(Number(m[1])))]);
  }
  return t;
}

/** CAST(x AS INTEGER) truncates like SQLite (text that is no number: NULL instead of 0). */
function cast(argNodes: Node[]): Node[] {
  const at = argNodes.map((n, i) => (isWord(n, 'AS') ? i : -1)).filter((i) => i >= 0).pop();
  if (at === undefined) return [{ k: 'word', v: 'CAST' }, g(argNodes)];
  const x = trimWs(argNodes.slice(0, at));
  const type = serialize(trimWs(argNodes.slice(at + 1))).toUpperCase();
  if (/INT/.test(type)) return call('toInt64', call('toFloat64OrNull', call('toString', x)));
  if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/.test(type)) return call('toFloat64OrNull', call('toString', x));
  if (/TEXT|CHAR|CLOB|STRING/.test(type)) return call('toString', x);
  return [{ k: 'word', v: 'CAST' }, g(argNodes)];
}

/** strftime(format, time): each %-field from the parsed time; %w, %s and %f by hand. */
function strftime(args: Node[][]): Node[] {
  const f = args[0][0];
  const moved = args.length >= 2 ? shifted(args[1], args.slice(2)) : undefined;
  if (!moved || f?.k !== 'str' || (args.length > 2 && /%[sf]/.test(f.v))) return [{ k: 'word', v: 'strftime' }, g(joinCommas(args))];
  const t = moved;
  const parts: Node[][] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(call('formatDateTime', t, [str(text)]));
    text = '';
  };
  for (let i = 0; i < f.v.length; i++) {
    const c = f.v[i];
    const s = f.v[i + 1];
    if (c === '%' && (s === 'w' || s === 's' || s === 'f')) {
      flush();
      if (s === 'w') parts.push(call('toString', [g([...call('toDayOfWeek', t), raw(' % 7')])]));
      else if (s === 's') parts.push(call('toString', call('toUnixTimestamp', t)));
      else parts.push(call('substring', call('toString', args[1]), [num('18')], [num('6')]));
      i++;
    } else if (c === '%' && s === '%') {
      text += '%%';
      i++;
    } else if (c === '%') {
      text += `%${s ?? ''}`;
      i++;
    } else text += c;
  }
  flush();
  if (parts.length === 0) return [str('')];
  return parts.length === 1 ? parts[0] : call('concat', ...parts);
}

/** The words that end a GROUP BY or ORDER BY list. */
const ENDS = new Set(['HAVING', 'ORDER', 'LIMIT', 'UNION', 'WINDOW', 'OFFSET', 'EXCEPT', 'INTERSECT', 'SETTINGS', 'FORMAT']);
const endsList = (n: Node) => n.k === 'word' && ENDS.has(n.v.toUpperCase());

interface SelectItem {
  expr: Node[];
  alias?: Node;
}

/** The items of a select list: each expression and its alias (`AS name`). */
function selectItems(list: Node[]): SelectItem[] {
  return splitCommas(list).map((it) => {
    let e = trimWs(it);
    if (isWord(e[0], 'DISTINCT') || isWord(e[0], 'ALL')) e = trimWs(e.slice(1));
    const asAt = e.map((x, k) => (isWord(x, 'AS') ? k : -1)).filter((k) => k >= 0).pop();
    const after = asAt === undefined ? [] : trimWs(e.slice(asAt + 1));
    if (asAt !== undefined && after.length === 1) return { expr: trimWs(e.slice(0, asAt)), alias: after[0] };
    return { expr: e };
  });
}

/**
 * GROUP BY 1, 2 / ORDER BY 2 DESC: each bare number names the select item at that position;
 * replaced by the item's alias (ClickHouse groups by an alias) or by the expression itself.
 */
function positional(nodes: Node[]): Node[] {
  let items: SelectItem[] = [];
  const out: Node[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    out.push(n);
    if (isWord(n, 'SELECT')) {
      let j = i + 1;
      while (j < nodes.length && !isWord(nodes[j], 'FROM') && !endsList(nodes[j])) j++;
      items = selectItems(nodes.slice(i + 1, j));
      continue;
    }
    if (!(isWord(n, 'GROUP') || isWord(n, 'ORDER'))) continue;
    let j = i + 1;
    while (nodes[j]?.k === 'ws') j++;
    if (!isWord(nodes[j], 'BY')) continue;
    out.push(...nodes.slice(i + 1, j + 1));
    let e = j + 1;
    while (e < nodes.length && !endsList(nodes[e])) e++;
    const list = splitCommas(nodes.slice(j + 1, e)).map((it) => {
      const lead = it.findIndex((x) => x.k !== 'ws');
      const first = it[lead];
      const rest = trimWs(it.slice(lead + 1));
      const item = first?.k === 'num' && /^\d+$/.test(first.v) ? items[Number(first.v) - 1] : undefined;
      // a position alone, or followed by ASC/DESC/NULLS LAST
      if (!item || !rest.every((x) => x.k === 'ws' || x.k === 'word')) return it;
      return [...it.slice(0, lead), ...(item.alias ? [item.alias] : [g(item.expr)]), ...it.slice(lead + 1)];
    }).map((it) => (isWord(n, 'ORDER') ? nullsAsSqlite(it) : it));
    out.push(...joinCommas(list));
    i = e - 1;
  }
  return out;
}

/** An ORDER BY item with SQLite's NULL order (NULL is the least value: first ascending, last descending) unless it says its own. */
function nullsAsSqlite(item: Node[]): Node[] {
  if (item.some((x) => isWord(x, 'NULLS'))) return item;
  const e = trimWs(item);
  const desc = isWord(e[e.length - 1], 'DESC');
  let end = item.length;
  while (end > 0 && item[end - 1].k === 'ws') end--;
  return [...item.slice(0, end), raw(desc ? ' NULLS LAST' : ' NULLS FIRST'), ...item.slice(end)];
}

/** Where the primary expression (a name, literal, call or group) that ends just before `end` starts; -1 when there is none. */
function primaryBefore(nodes: Node[], end: number): number {
  let i = end - 1;
  while (i >= 0 && nodes[i].k === 'ws') i--;
  if (i < 0) return -1;
  const n = nodes[i];
  if (n.k === 'group') return i > 0 && nodes[i - 1].k === 'word' && !isKeyword((nodes[i - 1] as { v: string }).v) ? i - 1 : i;
  if (n.k === 'word' || n.k === 'name') {
    if (n.k === 'word' && isKeyword(n.v)) return -1;
    if (i >= 2 && isOp(nodes[i - 1], '.') && (nodes[i - 2].k === 'word' || nodes[i - 2].k === 'name')) return i - 2;
    return i;
  }
  if (n.k === 'str' || n.k === 'num') return i;
  return -1;
}

/** The extent [from, to) of the primary expression that starts after `start`. */
function primaryAfter(nodes: Node[], start: number): [number, number] | undefined {
  let i = start + 1;
  while (i < nodes.length && nodes[i].k === 'ws') i++;
  const n = nodes[i];
  if (!n) return undefined;
  if (n.k === 'group') return [i, i + 1];
  if (n.k === 'word' || n.k === 'name') {
    if (n.k === 'word' && isKeyword(n.v)) return undefined;
    if (nodes[i + 1]?.k === 'group') return [i, i + 2];
    if (isOp(nodes[i + 1], '.') && (nodes[i + 2]?.k === 'word' || nodes[i + 2]?.k === 'name')) return [i, i + 3];
    return [i, i + 1];
  }
  if (n.k === 'str' || n.k === 'num') return [i, i + 1];
  if (isOp(n, '-') && nodes[i + 1]?.k === 'num') return [i, i + 2];
  return undefined;
}

/**
 * SQLite's `a IS b` / `a IS NOT b` with b not NULL: equality that takes NULL as a value (1 or 0,
 * never NULL). 18.16 has no isNotDistinctFrom: `ifNull(a = b, 0)`, and both NULL when b can be.
 */
function isDistinct(nodes: Node[]): Node[] {
  let out = nodes;
  for (let at = 0; at < out.length; at++) {
    if (!isWord(out[at], 'IS')) continue;
    let k = at + 1;
    while (out[k]?.k === 'ws') k++;
    const not = isWord(out[k], 'NOT');
    const opEnd = not ? k : at;
    if (not) k++;
    while (out[k]?.k === 'ws') k++;
    if (isWord(out[k], 'NULL') || isWord(out[k], 'DISTINCT')) continue;
    const a = primaryBefore(out, at);
    const b = primaryAfter(out, opEnd);
    if (a < 0 || !b) continue;
    const x = trimWs(out.slice(a, at));
    const y = out.slice(b[0], b[1]);
    const literal = y.length === 1 && (y[0].k === 'str' || y[0].k === 'num');
    const eq = call('ifNull', [g(x), raw(' = '), g(y)], [num('0')]);
    const same = literal ? eq : [g([...eq, raw(' OR '), g(x), raw(' IS NULL AND '), g(y), raw(' IS NULL')])];
    const done = not ? [raw('NOT '), g(same)] : same;
    out = [...out.slice(0, a), ...done, ...out.slice(b[1])];
    at = a + done.length - 1;
  }
  return out;
}

/** Rewrites each `a OP b` (OP the word LIKE, or the operator ||) whose operands are primaries; others stay as they are. */
function binary(nodes: Node[], op: string, make: (a: Node[], b: Node[], not: boolean) => Node[]): Node[] {
  let out = nodes;
  let from = 0;
  for (;;) {
    let at = -1;
    for (let k = from; k < out.length; k++) if (/^\W+$/.test(op) ? isOp(out[k], op) : isWord(out[k], op)) (at = k), (k = out.length);
    if (at < 0) return out;
    // a NOT LIKE b
    let before = at - 1;
    while (before >= 0 && out[before].k === 'ws') before--;
    const not = op === 'LIKE' && isWord(out[before], 'NOT');
    const a = primaryBefore(out, not ? before : at);
    const b = primaryAfter(out, at);
    if (a < 0 || !b) {
      from = at + 1;
      continue;
    }
    const done = make(trimWs(out.slice(a, not ? before : at)), out.slice(b[0], b[1]), not);
    out = [...out.slice(0, a), ...done, ...out.slice(b[1])];
    from = a + done.length;
  }
}
