/**
 * Sigma detection → one SQLite WHERE expression with its values bound as
 * parameters (never spliced into the text). Fields are resolved to SQL by the
 * caller (a field mapping onto a table's columns); a field the table lacks
 * is false, so `not filter` on it is true, as Sigma means. Every primitive
 * yields 1, 0 or NULL (an absent value); `not` coalesces NULL to false.
 */
import type { SqlValue } from '../store/database';
import { matchNames, parseCondition, type Cond } from './condition';
import { SigmaUnsupported } from './errors';
import { fieldMatch } from './match';
import { andNeeds, NEVER, NO_NEED, orNeeds, type Need } from './need';

export interface FieldResolver {
  /** The SQL expression of a Sigma field on this table, or undefined when the table has no such field. */
  field(name: string): string | undefined;
  /** The SQL expression keyword lists search (the message, or all text), or undefined when there is none. */
  keywords(): string | undefined;
  /**
   * When `field(name)` is a member of the objects of a JSON array column
   * (Okta's `target.displayName`, GCP's `protoPayload.authorizationInfo.permission`):
   * that column's SQL. The field's expression then reads `sigma_e.value`, an
   * element, and the match holds when one element meets it (match.ts).
   */
  arrayOf?(name: string): string | undefined;
}

export interface Frag {
  sql: string;
  params: SqlValue[];
  /** What a row must contain for the fragment to be true (need.ts); none when absent. */
  need?: Need;
}

export interface CompiledDetection {
  where: string;
  params: SqlValue[];
  /** Sigma fields the rule names (keywords as `(keywords)`). */
  fields: string[];
  /** Those the table has no column for. */
  missing: string[];
  /** The literals a row must contain for the rule to match (need.ts). */
  need: Need;
}

/** Fields as written (`Image`), with their SQL from the resolver; absent ones remembered. */
export class FieldScope {
  readonly used = new Set<string>();
  readonly missing = new Set<string>();
  constructor(private readonly resolver: FieldResolver) {}
  field(name: string): string | undefined {
    this.used.add(name);
    const sql = this.resolver.field(name);
    if (sql === undefined) this.missing.add(name);
    return sql;
  }
  /** The JSON array column a field is a member of the elements of (FieldResolver.arrayOf). */
  arrayOf(name: string): string | undefined {
    return this.resolver.arrayOf?.(name);
  }
  keywords(): string | undefined {
    this.used.add('(keywords)');
    const sql = this.resolver.keywords();
    if (sql === undefined) this.missing.add('(keywords)');
    return sql;
  }
}

const FANOUT = 16;

/** ANDs or ORs fragments; long lists nest in groups of 16, as SQLite parses a chain of n ORs n deep (at most 1,000). */
export const join = (frags: Frag[], op: 'AND' | 'OR'): Frag => {
  if (frags.length === 0) return op === 'AND' ? { sql: '1', params: [] } : { sql: '0', params: [], need: NEVER };
  if (frags.length === 1) return frags[0];
  if (frags.length > FANOUT) {
    const groups: Frag[] = [];
    const size = Math.ceil(frags.length / FANOUT);
    for (let i = 0; i < frags.length; i += size) groups.push(join(frags.slice(i, i + size), op));
    return join(groups, op);
  }
  const needs = frags.map((f) => f.need ?? NO_NEED);
  return { sql: '(' + frags.map((f) => f.sql).join(` ${op} `) + ')', params: frags.flatMap((f) => f.params), need: op === 'AND' ? andNeeds(needs) : orNeeds(needs) };
};

const isMapValue = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One detection item: a map (fields ANDed), a list (ORed: maps, or keywords), or one keyword. */
function compileItem(value: unknown, scope: FieldScope): Frag {
  if (Array.isArray(value)) {
    if (value.length === 0) return { sql: '0', params: [] };
    return join(value.map((v) => (isMapValue(v) ? compileMap(v, scope) : fieldMatch('', v, scope))), 'OR');
  }
  if (isMapValue(value)) return compileMap(value, scope);
  if (value === null || value === undefined) throw new SigmaUnsupported('detection', 'a detection item without a value');
  return fieldMatch('', value, scope);
}

function compileMap(m: Record<string, unknown>, scope: FieldScope): Frag {
  const keys = Object.keys(m);
  if (keys.length === 0) throw new SigmaUnsupported('detection', 'an empty detection map');
  return join(keys.map((k) => fieldMatch(k, m[k], scope)), 'AND');
}

const truth = (f: Frag): Frag => ({ sql: `coalesce(${f.sql}, 0)`, params: f.params, need: f.need });

function compileCond(c: Cond, items: Map<string, Frag>): Frag {
  switch (c.kind) {
    case 'ref': {
      const f = items.get(c.name);
      if (!f) throw new SigmaUnsupported('condition', `the condition names "${c.name}", which the detection does not define`);
      return f;
    }
    case 'and':
    case 'or':
      return join(c.items.map((x) => compileCond(x, items)), c.kind === 'and' ? 'AND' : 'OR');
    case 'not': {
      const f = truth(compileCond(c.item, items));
      // what a row must contain says nothing about a negation
      return { sql: `(NOT ${f.sql})`, params: f.params };
    }
    case 'of': {
      const names = matchNames(c.pattern, [...items.keys()]);
      if (names.length === 0) throw new SigmaUnsupported('condition', `"${c.count} of ${c.pattern}" selects no detection item`);
      const frags = names.map((n) => items.get(n)!);
      if (c.count === 'all') return join(frags, 'AND');
      if (c.count <= 1) return join(frags, 'OR');
      const sum = frags.map(truth);
      // N of them (N ≥ 2) implies one of them
      return { sql: `((${sum.map((f) => f.sql).join(' + ')}) >= ${c.count})`, params: sum.flatMap((f) => f.params), need: orNeeds(sum.map((f) => f.need ?? NO_NEED)) };
    }
  }
}

/** Compiles a rule's detection section; throws SigmaUnsupported for what it does not translate. */
export function compileDetection(detection: Record<string, unknown>, resolver: FieldResolver): CompiledDetection {
  const scope = new FieldScope(resolver);
  const cond = detection.condition;
  const conds = Array.isArray(cond) ? cond : [cond];
  if (cond === undefined || conds.some((c) => typeof c !== 'string')) throw new SigmaUnsupported('condition', 'no condition, or one that is not text');
  const parsed = (conds as string[]).map(parseCondition);
  // compile only the items the condition uses (each once), in the order the detection lists them
  const items = new Map<string, Frag>();
  const names = Object.keys(detection).filter((k) => k !== 'condition' && k !== 'timeframe');
  const needed = new Set<string>();
  const collect = (c: Cond) => {
    if (c.kind === 'ref') needed.add(c.name);
    else if (c.kind === 'not') collect(c.item);
    else if (c.kind === 'of') for (const n of matchNames(c.pattern, names)) needed.add(n);
    else c.items.forEach(collect);
  };
  parsed.forEach(collect);
  for (const n of names) if (needed.has(n)) items.set(n, compileItem(detection[n], scope));
  const f = join(parsed.map((c) => compileCond(c, items)), 'OR');
  return { where: f.sql, params: f.params, fields: [...scope.used], missing: [...scope.missing], need: f.need ?? NO_NEED };
}
