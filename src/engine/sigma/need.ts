/**
 * What a row must contain for a compiled rule to be true: a necessary
 * condition in conjunctive form, built beside the SQL by the compiler.
 * An atom says "the text of this SQL expression, ASCII letters lower-cased,
 * contains this literal"; a clause is true when one of its atoms is; a need
 * holds when every clause does. The runner finds the rows each atom holds
 * on in one pass over the table (literals.ts) and runs a rule's SQL only on
 * the rows of its rarest clause, so a rule whose literals occur nowhere costs
 * nothing. Only what is certain goes in: `not` parts, regular expressions,
 * numbers compared as numbers, `exists` and the like give no atom (no
 * constraint), never a guess, so the rows a rule matches stay the same.
 */
import type { SigmaString } from './values';

/**
 * Either the text of an SQL expression (ASCII letters lower-cased) contains
 * `lit`, or the expression matches the regular expression `re` (with `flags`)
 * as the SQL function regexp() tests it; with `fold`, the text or value is
 * first folded as the SQL function sigma_fold() folds it.
 */
export type Atom =
  | {
      /** the SQL expression (a column, a coalesce of columns, the keyword text) */
      expr: string;
      /** a non-empty literal with ASCII letters lower-cased (folded by sigmaFold when `fold`) */
      lit: string;
      re?: undefined;
      /** the text is folded by sigmaFold (fold.ts), not only its ASCII letters, before it is searched */
      fold?: boolean;
    }
  | { expr: string; re: string; flags: string; lit?: undefined; fold?: boolean };
/** One of these atoms holds. */
export type Clause = Atom[];
/** Every clause holds; `[]` is no constraint, a clause with no atom can never hold. */
export type Need = Clause[];

export const NO_NEED: Need = [];
export const NEVER: Need = [[]];

/** SQLite folds only ASCII letters (LIKE, NOCASE, lower()); so does this. */
export function asciiLower(s: string): string {
  // toLowerCase also folds other letters (É → é); only when the text has none is it the same
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
}

/** Clauses kept per need at most (any subset of the clauses is still necessary), and cross products built at most. */
const MAX_CLAUSES = 8;

export const atomKey = (a: Atom): string => (a.fold ? 'F' : 'A') + (a.re === undefined ? `${a.expr}\u0000${a.lit}` : `${a.expr}\u0001${a.flags}/${a.re}`);

/** Longer literals are rarer (a regular expression is tested, not looked up: last); fewer atoms are fewer lists to merge. */
function clauseScore(c: Clause): number {
  let min = Infinity;
  for (const a of c) min = Math.min(min, a.re === undefined ? a.lit.length : 0);
  return min - c.length / 1000;
}

const best = (n: Need): Clause => n.reduce((b, c) => (clauseScore(c) > clauseScore(b) ? c : b));

function cap(n: Need): Need {
  if (n.length <= MAX_CLAUSES) return n;
  return [...n].sort((a, b) => clauseScore(b) - clauseScore(a)).slice(0, MAX_CLAUSES);
}

const isNever = (n: Need) => n.some((c) => c.length === 0);

// Repeated atoms and clauses are left in: the runner counts each atom once, and they only widen an estimate.
export function andNeeds(needs: Need[]): Need {
  const all = needs.flat();
  if (all.some((c) => c.length === 0)) return NEVER;
  return cap(all);
}

export function orNeeds(needs: Need[]): Need {
  // a branch that can never hold adds nothing; one without a constraint removes the constraint
  const live = needs.filter((n) => !isNever(n));
  if (live.length === 0) return NEVER;
  if (live.some((n) => n.length === 0)) return NO_NEED;
  // the usual case, a list of values: one clause of all their atoms
  if (live.every((n) => n.length === 1)) return [live.flatMap((n) => n[0])];
  const product = live.reduce((p, n) => p * n.length, 1);
  if (product <= MAX_CLAUSES) {
    // (A1 ∧ A2) ∨ (B1 ∧ B2) = (A1 ∨ B1) ∧ (A1 ∨ B2) ∧ (A2 ∨ B1) ∧ (A2 ∨ B2)
    let acc: Need = [[]];
    for (const n of live) acc = acc.flatMap((c) => n.map((d) => [...c, ...d]));
    return cap(acc);
  }
  // too many combinations: the best clause of each branch, ORed (weaker, still necessary)
  return [live.flatMap(best)];
}

/** An SQLite text that may be read as a number when compared with a numeric column (`'5.0' = 5`): no atom for it. */
const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The need of a string match as match.ts compiles it: equality (no
 * wildcards) needs the whole value, LIKE / GLOB the longest literal part.
 * `ascii`: the match is a JavaScript regular expression with the i flag,
 * where a non-ASCII letter may match another case, so only ASCII (and surrogate) runs count,
 * and only literals a number's text cannot contain (a number reaches
 * regexp() as JavaScript prints it, not as SQLite does). `fold`: the value
 * is folded (sigmaFold) and matched against the folded text (`sigma_fold(expr)`):
 * its literals as they are, searched in the folded text; with `ascii` too,
 * the match is a regular expression without the i flag over the folded
 * text, so only the numbers' rule applies.
 */
export function stringNeed(expr: string, s: SigmaString, ascii = false, fold = false): Need {
  const wild = s.some((p) => typeof p !== 'string');
  const atom = (lit: string): Need => [[fold ? { expr, lit, fold } : { expr, lit: asciiLower(lit) }]];
  if (!wild && !ascii) {
    const text = s.join('');
    if (text === '' || NUMERIC.test(text)) return NO_NEED;
    return atom(text);
  }
  let best = '';
  for (const p of s) {
    if (typeof p !== 'string') continue;
    // only ASCII and surrogates (emoji: no case) are matched exactly by JavaScript's i flag
    // eslint-disable-next-line no-control-regex
    const runs = ascii && !fold ? p.split(/[^\x00-\x7f\ud800-\udfff]+/) : [p];
    for (const r of runs) if (r.length > best.length && (!ascii || /[^0-9.,eE+\-infinityINFINITY\s]/.test(r))) best = r;
  }
  return best ? atom(best) : NO_NEED;
}

/**
 * `regexp(re, expr[, flags])`: the test itself, done on each distinct value of
 * the expression, and the longest literal every match contains (when the
 * pattern has one), so the runner looks the literal up first.
 */
export function regexNeed(expr: string, re: string, flags: string, fold = false): Need {
  const lit = regexLiteral(re);
  const f = fold ? { fold } : {};
  return lit ? [[{ expr, re, flags, ...f }], [{ expr, lit, ...f }]] : [[{ expr, re, flags, ...f }]];
}

/** Escapes whose character is itself (JavaScript, no u flag): punctuation. */
const LITERAL_ESCAPE = /[^A-Za-z0-9]/;

/**
 * The longest run of characters every match of a JavaScript pattern (no u
 * flag) contains, ASCII letters lower-cased, or undefined. Only the top-level
 * concatenation is read: a `|` there gives none; groups, classes, `.`, anchors,
 * character escapes (`\d`, `\x41`, `\b`, `\1`) end a run; a quantifier
 * takes its character off the run. Only ASCII runs count (with i, JavaScript
 * folds other letters its own way) and only those a number's text cannot
 * contain (a number reaches regexp() as JavaScript prints it). The flags
 * change none of this: m and s act on anchors and `.`, i on letters (folded
 * here too).
 */
export function regexLiteral(source: string): string | undefined {
  const runs: string[] = [];
  let run = '';
  const end = () => {
    if (run) runs.push(run);
    run = '';
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[++i];
      if (n === undefined) return undefined;
      if (depth === 0 && LITERAL_ESCAPE.test(n)) run += n;
      else {
        if (depth === 0) end();
        // the escape's own characters: \x41, \u0041, \cJ, \12 (a back-reference or octal), \k<name>
        const take = (re: RegExp, max: number) => {
          for (let k = 0; k < max && re.test(source[i + 1] ?? ''); k++) i++;
        };
        if (n === 'x') take(/[0-9A-Fa-f]/, 2);
        else if (n === 'u') take(/[0-9A-Fa-f]/, 4);
        else if (n === 'c') take(/[A-Za-z]/, 1);
        else if (/[0-9]/.test(n)) take(/[0-9]/, Infinity);
        else if (n === 'k' && source[i + 1] === '<') {
          const close = source.indexOf('>', i);
          if (close < 0) return undefined;
          i = close;
        }
      }
      continue;
    }
    if (c === '[') {
      // a class ends at the first unescaped ] (JavaScript: [] is empty, []] is [] then ])
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      if (depth === 0) end();
      continue;
    }
    if (c === '(') {
      depth++;
      if (depth === 1) end();
      continue;
    }
    if (c === ')') {
      depth--;
      if (depth < 0) return undefined;
      continue;
    }
    if (depth > 0) continue;
    if (c === '|') return undefined;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      // the quantified character may be absent (or repeated): off the run
      run = run.slice(0, -1);
      end();
      if (c === '{') {
        const close = source.indexOf('}', i);
        if (close < 0) break;
        i = close;
      }
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      end();
      continue;
    }
    run += c;
  }
  if (depth !== 0) return undefined;
  end();
  let best = '';
  for (const r of runs)
    // eslint-disable-next-line no-control-regex
    for (const a of r.split(/[^\x00-\x7f]+/)) if (a.length > best.length && /[^0-9.,eE+\-infinityINFINITY\s]/.test(a)) best = a;
  return best ? asciiLower(best) : undefined;
}

/** `expr = n` for a number: the text of an integer, or of a real holding it, contains its digits (|n| < 10^15, where SQLite prints reals exactly). */
export function numberNeed(expr: string, n: number): Need {
  return Number.isInteger(n) && Math.abs(n) < 1e15 ? [[{ expr, lit: String(n) }]] : NO_NEED;
}
