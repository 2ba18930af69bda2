/**
 * SQL text as a tree the dialect can rewrite: tokens (words, numbers, strings, quoted names,
 * parameters, operators, blanks) with each parenthesised part as a node of its own, so a function
 * call is a word followed by a group and a top-level comma separates the items of a list.
 */

export type Token =
  | { k: 'word'; v: string }
  | { k: 'num'; v: string }
  | { k: 'str'; v: string }
  | { k: 'name'; v: string }
  | { k: 'param'; v: string }
  | { k: 'op'; v: string }
  | { k: 'ws'; v: string };

export interface Group {
  k: 'group';
  items: Node[];
}

export type Node = Token | Group;

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUM = /(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/y;
const OPS = ['||', '<=', '>=', '<>', '!=', '==', '->', '<<', '>>'];

/** The tokens of SQLite text; string values are unescaped (the text between the quotes, '' as '). */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j])) j++;
      out.push({ k: 'ws', v: sql.slice(i, j) });
      i = j;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      out.push({ k: 'ws', v: ' ' });
      i = j < 0 ? sql.length : j + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      out.push({ k: 'ws', v: ' ' });
      i = j < 0 ? sql.length : j + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated ${c === "'" ? 'string' : 'name'} in SQL`);
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            v += close;
            j += 2;
            continue;
          }
          break;
        }
        v += sql[j++];
      }
      out.push(c === "'" ? { k: 'str', v } : { k: 'name', v });
      i = j + 1;
    } else if (c === '?' || ((c === ':' || c === '$' || c === '@') && /[A-Za-z_]/.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < sql.length && /[0-9A-Za-z_]/.test(sql[j])) j++;
      out.push({ k: 'param', v: sql.slice(i, j) });
      i = j;
    } else {
      NUM.lastIndex = i;
      WORD.lastIndex = i;
      const n = /[0-9.]/.test(c) ? NUM.exec(sql) : null;
      if (n && n[0] !== '.') {
        out.push({ k: 'num', v: n[0] });
        i += n[0].length;
        continue;
      }
      const w = WORD.exec(sql);
      if (w) {
        out.push({ k: 'word', v: w[0] });
        i += w[0].length;
        continue;
      }
      const op = OPS.find((o) => sql.startsWith(o, i));
      out.push({ k: 'op', v: op ?? c });
      i += op ? op.length : 1;
    }
  }
  return out;
}

/** Tokens nested by parentheses. */
export function parse(sql: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const t of tokenize(sql)) {
    if (t.k === 'op' && t.v === '(') {
      const g: Group = { k: 'group', items: [] };
      stack[stack.length - 1].push(g);
      stack.push(g.items);
    } else if (t.k === 'op' && t.v === ')') {
      if (stack.length === 1) throw new Error('unbalanced ) in SQL');
      stack.pop();
    } else stack[stack.length - 1].push(t);
  }
  if (stack.length !== 1) throw new Error('unbalanced ( in SQL');
  return root;
}

/** A ClickHouse string literal: backslash and quote escaped (ClickHouse reads backslash escapes). */
export function chString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/\0/g, '\\0')}'`;
}

/** A ClickHouse quoted name. */
export function chName(s: string): string {
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export function serialize(nodes: Node[]): string {
  let s = '';
  for (const n of nodes) {
    if (n.k === 'group') s += `(${serialize(n.items)})`;
    else if (n.k === 'str') s += chString(n.v);
    else if (n.k === 'name') s += chName(n.v);
    else s += n.v;
  }
  return s;
}

export const isWord = (n: Node | undefined, w?: string): boolean => !!n && n.k === 'word' && (w === undefined || n.v.toUpperCase() === w);
export const isOp = (n: Node | undefined, v: string): boolean => !!n && n.k === 'op' && n.v === v;

/** Items of a list split at top-level commas (the commas dropped). */
export function splitCommas(nodes: Node[]): Node[][] {
  const out: Node[][] = [[]];
  for (const n of nodes) {
    if (isOp(n, ',')) out.push([]);
    else out[out.length - 1].push(n);
  }
  return out;
}

export function joinCommas(items: Node[][]): Node[] {
  const out: Node[] = [];
  items.forEach((it, i) => {
    if (i) out.push({ k: 'op', v: ',' });
    out.push(...it);
  });
  return out;
}

/** Without leading and trailing blanks. */
export function trimWs(nodes: Node[]): Node[] {
  let a = 0;
  let b = nodes.length;
  while (a < b && nodes[a].k === 'ws') a++;
  while (b > a && nodes[b - 1].k === 'ws') b--;
  return nodes.slice(a, b);
}

/** Text spliced in as it is (already ClickHouse). */
export const raw = (v: string): Token => ({ k: 'op', v });

export const g = (items: Node[]): Group => ({ k: 'group', items });
/** A call of a ClickHouse function: a word and its group of arguments. */
export const call = (fn: string, ...args: Node[][]): Node[] => [{ k: 'word', v: fn }, g(args.flatMap((a, i) => (i ? [raw(', '), ...a] : a)))];
export const str = (v: string): Node => ({ k: 'str', v });
export const num = (v: string): Node => ({ k: 'num', v });
