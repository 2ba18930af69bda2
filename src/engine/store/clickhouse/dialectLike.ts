/**
 * LIKE as SQLite reads it, in ClickHouse: SQLite takes a backslash in a pattern as itself unless
 * `ESCAPE '\\'` says otherwise; ClickHouse always escapes with it.
 */
import { call, isWord, str, type Node } from './sqlTree';

/** Patterns written `LIKE p ESCAPE '\\'`: ClickHouse's LIKE escapes with a backslash already, so the clause goes and the pattern stays. */
const ESCAPED = new WeakSet<Node>();

export function likeEscapes(nodes: Node[]): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!isWord(n, 'ESCAPE')) {
      out.push(n);
      continue;
    }
    let j = i + 1;
    while (nodes[j]?.k === 'ws') j++;
    const e = nodes[j];
    if (e?.k !== 'str' || e.v !== '\\') throw new Error(`LIKE … ESCAPE ${e?.k === 'str' ? `'${e.v}'` : '(an expression)'}: the ClickHouse store takes ESCAPE '\\' only`);
    let k = out.length - 1;
    while (k >= 0 && out[k].k === 'ws') k--;
    if (out[k]) ESCAPED.add(out[k]);
    i = j;
  }
  return out;
}

/** A LIKE pattern as ClickHouse reads it: SQLite (without ESCAPE) takes a backslash as itself, ClickHouse as an escape, so it is doubled. */
export function likePattern(b: Node[]): Node[] {
  const last = b[b.length - 1];
  if (b.length === 1 && last.k === 'str') return ESCAPED.has(last) || !last.v.includes('\\') ? b : [str(last.v.replace(/\\/g, '\\\\'))];
  if (last && ESCAPED.has(last)) return b;
  return call('replaceAll', call('toString', b), [str('\\')], [str('\\\\')]);
}

