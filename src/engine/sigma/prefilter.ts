/**
 * The rows a rule can match, from what its rows must contain (need.ts): one
 * pass over the table reads the text of every expression some atom names
 * (a page of rows at a time), finds all the literals of that expression in
 * it at once (literals.ts; a repeated value is looked up, not searched
 * again), and keeps, per atom, the rows it holds on. A rule then gets the
 * rows of its rarest clause: none (it matches nothing, no SQL runs), a few
 * (its SQL runs on those rows only), or too many to be worth it (its SQL
 * scans the table with the others, as without this).
 */
import type { SqlValue } from '../store/database';
import { LiteralMatcher } from './literals';
import { sigmaFold } from './fold';
import { asciiLower, atomKey, type Atom, type Need } from './need';

export type Query = (sql: string, params?: SqlValue[]) => { rows: SqlValue[][] };

/** A rule's rows: ascending rowids, or 'scan' when its rarest clause holds on too many rows to pick them out. */
export type Candidates = number[] | 'scan';

const PAGE = 20000;
/** Distinct values remembered per expression (a repeated value is not searched again). */
const MAX_CACHED = 50000;
/** Characters of a literal searched at most (the end of a longer one: its rows are a superset, checked by the rule's SQL). */
const MAX_LITERAL = 16;

/**
 * Candidates for each need (in order), or undefined when the table has no
 * rowid to pick rows by (`rowid`: its name there, a column may take `rowid`). First pass: the literal atoms, found by one
 * matcher per expression. A need whose best literal clause settles it
 * (no row, or few) is done; for the others a clause of regular expressions
 * (and literals that kept their rows) is chosen, and a second pass tests
 * those expressions on each distinct value. `maxRows`: an atom holding on
 * more rows than this keeps only its count, and a clause over it picks no rows.
 */
export function candidatesOf(needs: Need[], table: string, rowid: string, query: Query, maxRows: number): Candidates[] | undefined {
  const atoms: Atom[] = [];
  const ids = new Map<string, number>();
  const idOf = (a: Atom): number => {
    const k = atomKey(a);
    let id = ids.get(k);
    if (id === undefined) {
      ids.set(k, (id = atoms.length));
      atoms.push(a);
    }
    return id;
  };
  const clauses = needs.map((n) => n.map((c) => c.map(idOf)));
  const hits = new AtomHits(atoms.length, maxRows);
  const isLit = (id: number) => atoms[id].re === undefined;
  if (!scan(atoms.map((a, id) => id).filter(isLit), atoms, table, rowid, query, hits)) return undefined;
  const out: (Candidates | undefined)[] = clauses.map((cs) => {
    const lit = cs.filter((c) => c.every(isLit));
    const best = hits.best(lit);
    if (best && best.rows === 0) return [];
    if (best && best.rows <= maxRows) return hits.union(best.clause);
    return undefined;
  });
  // the rest: a clause with regular expressions (the fewest), its literals having kept their rows
  const chosen = clauses.map((cs, i) => {
    if (out[i] !== undefined) return undefined;
    const usable = cs.filter((c) => c.some((id) => !isLit(id)) && c.every((id) => !isLit(id) || hits.kept(id)));
    return usable.sort((a, b) => a.filter((id) => !isLit(id)).length - b.filter((id) => !isLit(id)).length)[0];
  });
  const tested = [...new Set(chosen.flatMap((c) => (c ?? []).filter((id) => !isLit(id))))];
  if (tested.length && !scan(tested, atoms, table, rowid, query, hits)) return undefined;
  return out.map((o, i) => {
    if (o !== undefined) return o;
    const c = chosen[i];
    if (!c) return 'scan';
    const n = c.reduce((s, id) => s + hits.count(id), 0);
    if (n === 0) return [];
    return n <= maxRows && c.every((id) => hits.kept(id)) ? hits.union(c) : 'scan';
  });
}

/** Per atom: how many rows it holds on, and which (until there are more than maxRows). */
class AtomHits {
  private readonly counts: Int32Array;
  private readonly rows: (number[] | undefined)[];
  constructor(
    n: number,
    private readonly maxRows: number,
  ) {
    this.counts = new Int32Array(n);
    this.rows = Array.from({ length: n }, () => []);
  }
  add(id: number, rowid: number): void {
    this.counts[id]++;
    const list = this.rows[id];
    if (!list) return;
    if (list.length >= this.maxRows) this.rows[id] = undefined;
    else list.push(rowid);
  }
  count = (id: number): number => this.counts[id];
  kept = (id: number): boolean => this.rows[id] !== undefined;
  /** The clause with the fewest rows (an upper bound: the sum over its atoms). */
  best(clauses: number[][]): { clause: number[]; rows: number } | undefined {
    let best: { clause: number[]; rows: number } | undefined;
    for (const c of clauses) {
      const rows = c.reduce((s, id) => s + this.counts[id], 0);
      if (!best || rows < best.rows) best = { clause: c, rows };
    }
    return best;
  }
  /** The rows of a clause, ascending (every atom kept its rows). */
  union(clause: number[]): Candidates {
    const lists = clause.map((id) => this.rows[id]);
    if (lists.some((l) => l === undefined)) return 'scan';
    if (lists.length === 1) return lists[0]!;
    return [...new Set(lists.flat() as number[])].sort((a, b) => a - b);
  }
}

/**
 * One pass over the table for some atoms: the text of each expression their
 * literals are searched in (CAST AS TEXT, as LIKE reads it), or the value
 * their regular expressions are tested on (as regexp() receives it). A value
 * seen before is not searched again. False when the table has no rowid.
 */
function scan(which: number[], atoms: Atom[], table: string, rowid: string, query: Query, hits: AtomHits): boolean {
  if (which.length === 0) return true;
  // one column per expression and kind: literals by one matcher, expressions tested one by one
  const cols = new Map<string, Column>();
  for (const id of which) {
    const a = atoms[id];
    // folded and ASCII-lowered literals share a column (the same text for ASCII); expressions over folded values do not
    const key = (a.re === undefined ? 'T' : a.fold ? 'W' : 'V') + a.expr;
    let c = cols.get(key);
    // literals: the text LIKE reads (a blob's bytes as text too); regular expressions: the value itself (a blob stops the JSON page: no prefilter then)
    if (!c) cols.set(key, (c = new Column(a.re === undefined ? `CAST(${a.expr} AS TEXT)` : a.expr, a.re !== undefined && !!a.fold)));
    if (a.re === undefined) {
      // a text containing the literal contains its end (paths differ at the end): long literals (hashes) make a smaller matcher so
      c.lits.push({ lit: a.lit.length > MAX_LITERAL ? a.lit.slice(-MAX_LITERAL) : a.lit, id, fold: !!a.fold });
    } else {
      // the compiler checked the expression; one that still does not compile leaves the rows to the SQL
      let re: RegExp;
      try {
        re = new RegExp(a.re, a.flags);
      } catch {
        return false;
      }
      c.res.push({ re, id });
    }
  }
  const list = [...cols.values()];
  const caches = list.map(() => new Map<string, number[] | null>());
  const find = (j: number, v: SqlValue): number[] | null => {
    const c = list[j];
    // a value that is neither text nor a number: taken, to be sure
    if (typeof v !== 'string' && typeof v !== 'number') return c.lits.length ? c.lits.map((l) => l.id) : c.res.map((r) => r.id);
    const text = String(v);
    const cache = caches[j];
    let hit = cache.get(text);
    if (hit !== undefined) return hit;
    hit = c.find(text);
    if (cache.size < MAX_CACHED) cache.set(text, hit);
    return hit;
  };
  // a page of rows comes back as one JSON text (one crossing from SQLite instead of one per value)
  const sel = list.map((c) => c.sql).join(', ');
  let last = Number.MIN_SAFE_INTEGER;
  for (;;) {
    let page: SqlValue[][];
    try {
      const text = query(`SELECT json_group_array(json(j)) FROM (SELECT json_array(${rowid}, ${sel}) AS j FROM ${table} WHERE ${rowid} > ? ORDER BY ${rowid} LIMIT ${PAGE})`, [last]).rows[0][0];
      page = JSON.parse(String(text)) as SqlValue[][];
    } catch {
      return false;
    }
    for (const row of page) {
      const rowid = Number(row[0]);
      for (let j = 0; j < list.length; j++) {
        const v = row[j + 1];
        if (v === null || v === undefined) continue;
        const hit = find(j, v);
        if (hit) for (const id of hit) hits.add(id, rowid);
      }
    }
    if (page.length < PAGE) return true;
    last = Number(page[page.length - 1][0]);
  }
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * One expression's text searched for its literals, or its value tested by its
 * regular expressions. Literals of values SQLite folds (ASCII letters lower-cased)
 * and of folded values (sigmaFold) are found by one matcher in ASCII text, where
 * both foldings agree; in other text each kind in its own folding.
 */
class Column {
  readonly lits: { lit: string; id: number; fold: boolean }[] = [];
  readonly res: { re: RegExp; id: number }[] = [];
  private matchers?: { all: LiteralMatcher; plain?: Sub; folded?: Sub };
  constructor(
    readonly sql: string,
    /** regular expressions test the folded value (sigma_fold) */
    private readonly foldValue: boolean,
  ) {}

  find(text: string): number[] | null {
    if (this.lits.length === 0) {
      const t = this.foldValue ? sigmaFold(text) : text;
      const ok = this.res.filter((r) => r.re.test(t)).map((r) => r.id);
      return ok.length ? ok : null;
    }
    const m = (this.matchers ??= this.build());
    let ids: number[] | undefined;
    if (!NON_ASCII.test(text)) ids = m.all.find(text.toLowerCase())?.map((i) => this.lits[i].id);
    else if (!m.folded) ids = m.all.find(asciiLower(text))?.map((i) => this.lits[i].id);
    else if (!m.plain) ids = m.all.find(sigmaFold(text))?.map((i) => this.lits[i].id);
    else {
      const a = m.plain.find(asciiLower(text)) ?? [];
      const b = m.folded.find(sigmaFold(text)) ?? [];
      ids = a.length + b.length ? [...a, ...b] : undefined;
    }
    return ids ?? null;
  }

  private build(): { all: LiteralMatcher; plain?: Sub; folded?: Sub } {
    const all = new LiteralMatcher(this.lits.map((l) => l.lit));
    const sub = (fold: boolean): Sub | undefined => {
      const mine = this.lits.filter((l) => l.fold === fold);
      return mine.length ? new Sub(mine) : undefined;
    };
    const folded = sub(true);
    const plain = sub(false);
    if (folded && plain) return { all, plain, folded };
    // one kind only: the matcher of all of them serves it (`folded` says which)
    return { all, folded: plain ? undefined : folded };
  }
}

/** A matcher over some of a column's literals, answering with their atom ids. */
class Sub {
  private readonly m: LiteralMatcher;
  constructor(private readonly lits: { lit: string; id: number }[]) {
    this.m = new LiteralMatcher(lits.map((l) => l.lit));
  }
  find(text: string): number[] | undefined {
    return this.m.find(text)?.map((i) => this.lits[i].id);
  }
}
