/**
 * Sigma conditions: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`,
 * `N of x*`, `1 of them`, `all of them`, names of detection items (with `*`
 * wildcards in the `of` forms). Precedence: not, then and, then or.
 */
import { SigmaUnsupported } from './errors';

export type Cond =
  | { kind: 'ref'; name: string }
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond }
  /** count: 'all' or a number (1 = any) */
  | { kind: 'of'; count: number | 'all'; pattern: string };

type Tok = { t: 'word'; v: string } | { t: '(' } | { t: ')' };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(\()|(\))|([^\s()]+))/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    m = re.exec(text);
    if (!m || m[0].length === 0) break;
    pos = re.lastIndex;
    if (m[1]) out.push({ t: '(' });
    else if (m[2]) out.push({ t: ')' });
    else if (m[3]) out.push({ t: 'word', v: m[3] });
  }
  if (text.slice(pos).trim()) throw new SigmaUnsupported('condition', `cannot read the condition near "${text.slice(pos, pos + 20)}"`);
  return out;
}

/** Parses a condition; an aggregation (`| count() > 5`, Sigma v1) or anything unreadable throws SigmaUnsupported. */
export function parseCondition(text: string): Cond {
  if (text.includes('|')) throw new SigmaUnsupported('aggregation', 'aggregations in the condition (`| count() …`, Sigma v1) are not supported; write a correlation rule');
  const toks = tokenize(text);
  let i = 0;
  const peekWord = (w: string) => {
    const t = toks[i];
    return t !== undefined && t.t === 'word' && t.v.toLowerCase() === w;
  };
  const fail = (what: string): never => {
    throw new SigmaUnsupported('condition', `condition "${text}": ${what}`);
  };
  const parseOr = (): Cond => {
    const items = [parseAnd()];
    while (peekWord('or')) {
      i++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (): Cond => {
    const items = [parseNot()];
    while (peekWord('and')) {
      i++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const parseNot = (): Cond => {
    if (peekWord('not')) {
      i++;
      return { kind: 'not', item: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): Cond => {
    const t = toks[i];
    if (!t) return fail('ends too early');
    if (t.t === '(') {
      i++;
      const c = parseOr();
      if (toks[i]?.t !== ')') fail('a parenthesis is not closed');
      i++;
      return c;
    }
    if (t.t === ')') return fail('an unexpected closing parenthesis');
    const w = t.v.toLowerCase();
    const next = toks[i + 1];
    if ((w === 'all' || w === 'any' || /^\d+$/.test(w)) && next?.t === 'word' && next.v.toLowerCase() === 'of') {
      const target = toks[i + 2];
      if (!target || target.t !== 'word') return fail(`"${t.v} of" needs a name pattern or "them"`);
      i += 3;
      const count = w === 'all' ? 'all' : w === 'any' ? 1 : Number(w);
      return { kind: 'of', count, pattern: target.v };
    }
    if (['and', 'or', 'of', 'not'].includes(w)) return fail(`"${t.v}" where a name was expected`);
    i++;
    return { kind: 'ref', name: t.v };
  };
  const c = parseOr();
  if (i < toks.length) fail(`unexpected "${toks[i].t === 'word' ? (toks[i] as { v: string }).v : toks[i].t}"`);
  return c;
}

/** Names a pattern of `x of pattern` selects: `them` is every item whose name does not start with `_`. */
export function matchNames(pattern: string, names: string[]): string[] {
  if (pattern.toLowerCase() === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return names.filter((n) => re.test(n));
}
