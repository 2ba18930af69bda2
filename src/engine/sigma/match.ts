/**
 * One field with its modifiers against its values (`CommandLine|contains|all:
 * [a, b]`), as SQL. Strings match case-insensitively unless `|cased`
 * (LIKE / `= … COLLATE NOCASE`; GLOB and `=` when cased). SQLite folds
 * only A–Z, so a value with other letters that have a case (`Système`,
 * `СИСТЕМА`) compares folded: `sigma_fold(field) = ?` / `GLOB ?` with the
 * value folded alike (fold.ts); `|fieldref` folds both fields. `|re` is
 * case-sensitive unless `|i`, through the regexp() function; `|cidr` through
 * cidr_match() (both registered by sqlFunctions.ts).
 */
import type { SqlValue } from '../store/database';
import type { FieldScope, Frag } from './compile';
import { join } from './compile';
import { SigmaUnsupported } from './errors';
import { needsFold, sigmaFold } from './fold';
import { andNeeds, NEVER, numberNeed, orNeeds, regexNeed, stringNeed } from './need';
import { globPattern, hasWildcards, likePattern, parseSigmaString, plainText, transform, wrap, type SigmaString, type Value } from './values';

const TYPE_MODS = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte', 'fieldref']);
const VALUE_MODS = new Set(['wide', 'utf16le', 'utf16be', 'utf16', 'base64', 'base64offset', 'windash']);
const RE_FLAGS = new Set(['i', 'm', 's']);

interface Mods {
  type?: string;
  /** contains/startswith/endswith given with fieldref */
  fieldrefType?: string;
  all: boolean;
  cased: boolean;
  flags: string;
  transforms: string[];
}

function readMods(mods: string[]): Mods {
  const out: Mods = { all: false, cased: false, flags: '', transforms: [] };
  for (const raw of mods) {
    const m = raw.toLowerCase();
    if (m === 'all') out.all = true;
    else if (m === 'cased') out.cased = true;
    else if (RE_FLAGS.has(m) && out.type === 're') out.flags += m;
    else if (VALUE_MODS.has(m)) out.transforms.push(m);
    else if (m === 'expand') throw new SigmaUnsupported('modifier expand', '|expand needs placeholder values from a pipeline, which are not configured');
    else if (TYPE_MODS.has(m)) {
      if (out.type === 'fieldref' && ['contains', 'startswith', 'endswith'].includes(m)) out.fieldrefType = m;
      else if (m === 'fieldref' && out.type && ['contains', 'startswith', 'endswith'].includes(out.type)) {
        out.fieldrefType = out.type;
        out.type = 'fieldref';
      } else if (out.type) throw new SigmaUnsupported('modifier combination', `|${out.type} and |${m} together`);
      else out.type = m;
    } else throw new SigmaUnsupported(`modifier ${m}`, `unknown modifier |${m}`);
  }
  return out;
}

/** A text that is a decimal number: digits, with at most a sign, a point and an exponent of the characters numbers have. */
const NUMERIC_TEXT = (col: string) => `(trim(${col}) GLOB '*[0-9]*' AND NOT trim(${col}) GLOB '*[^0-9.eE+-]*')`;

const F = (sql: string, ...params: SqlValue[]): Frag => ({ sql, params });
const FALSE: Frag = { sql: '0', params: [], need: NEVER };

/** `field|mod|mod: value(s)` as SQL; field '' is a keyword (full-text) match. */
export function fieldMatch(key: string, value: unknown, scope: FieldScope): Frag {
  const field = key.split('|')[0];
  const array = field === '' ? undefined : scope.arrayOf(field);
  const f = columnMatch(key, value, scope);
  if (array === undefined) return f;
  // a member of the objects of a JSON array: true when one element meets the match. Its text is
  // the array's JSON (escaped), so it gives no literal a row must contain (need.ts): no need.
  const elements = `CASE WHEN json_valid(${array}) THEN CASE json_type(${array}) WHEN 'array' THEN ${array} ELSE json_array(json(${array})) END END`;
  return { sql: `EXISTS (SELECT 1 FROM json_each(${elements}) AS sigma_e WHERE sigma_e.type = 'object' AND ${f.sql})`, params: f.params };
}

function columnMatch(key: string, value: unknown, scope: FieldScope): Frag {
  const [field, ...modNames] = key.split('|');
  const mods = readMods(modNames);
  const col = field === '' ? scope.keywords() : scope.field(field);
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return FALSE;
  const keyword = field === '';
  const many = !mods.all && col !== undefined && patternList(values, mods, keyword);
  if (many) {
    // values with letters SQLite does not fold: one expression over the folded text, without the i flag
    const re = many.fold ? regexMatch(col, many.pattern, 's', true) : regexMatch(col, many.pattern, mods.cased ? 's' : 'is');
    return { ...re, need: andNeeds([orNeeds(many.values.map((s) => stringNeed(col, s, true, many.fold))), re.need ?? []]) };
  }
  const frags = values.map((v) => valueMatch(col, v, mods, keyword, scope));
  return join(frags, mods.all ? 'AND' : 'OR');
}

/** From this many patterns on one field, one regular expression replaces the ORed LIKEs (one call per row instead of one LIKE per value). */
const LIST_AS_REGEX = 12;

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A long list of string values (after the value modifiers and wildcards) as one anchored regular expression, with the values it stands for, or undefined. */
function patternList(values: unknown[], mods: Mods, keyword: boolean): { pattern: string; values: SigmaString[]; fold: boolean } | undefined {
  if (mods.type && !['contains', 'startswith', 'endswith'].includes(mods.type)) return undefined;
  if (values.length < 2 || values.some((v) => typeof v !== 'string')) return undefined;
  let vals: Value[] = values.map((v) => ({ kind: 'text', s: parseSigmaString(v as string) }));
  for (const t of mods.transforms) vals = transform(vals, t)!;
  if (vals.length < LIST_AS_REGEX || vals.some((v) => v.kind !== 'text')) return undefined;
  const start = mods.type === 'contains' || mods.type === 'endswith' || (keyword && !mods.type);
  const end = mods.type === 'contains' || mods.type === 'startswith' || (keyword && !mods.type);
  const fold = !mods.cased && vals.some((v) => v.kind === 'text' && needsFold(plainText(v.s)));
  const wrapped = vals.map((v) => wrap(fold ? foldParts((v as { s: SigmaString }).s) : (v as { s: SigmaString }).s, start, end));
  const alts = wrapped.map((w) => {
    let re = w.map((p) => (typeof p === 'string' ? reEscape(p) : p.w === '*' ? '.*' : '.')).join('');
    // a leading or trailing * is a search without that anchor (faster than .* and the same)
    const head = re.startsWith('.*');
    if (head) re = re.slice(2);
    const tail = re.endsWith('.*');
    if (tail) re = re.slice(0, -2);
    return `${head ? '' : '^'}${re}${tail ? '' : '$'}`;
  });
  return { pattern: `(?:${alts.join('|')})`, values: wrapped, fold };
}

function valueMatch(col: string | undefined, v: unknown, mods: Mods, keyword: boolean, scope: FieldScope): Frag {
  if (v === null) {
    if (mods.type || mods.transforms.length) throw new SigmaUnsupported('null value', 'null with a modifier');
    return col === undefined ? F('1') : F(`${col} IS NULL`);
  }
  if (typeof v === 'object') throw new SigmaUnsupported('detection', 'a nested map or list as a value');
  switch (mods.type) {
    case 'exists': {
      const want = v === true || String(v).toLowerCase() === 'true';
      if (col === undefined) return F(want ? '0' : '1');
      return F(`${col} IS ${want ? 'NOT ' : ''}NULL`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) throw new SigmaUnsupported(`modifier ${mods.type}`, `|${mods.type} with a value that is no number: ${String(v)}`);
      if (col === undefined) return FALSE;
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[mods.type];
      // only a value that reads as a number compares (CAST gives 0 for 'abc', which is no number)
      return F(`(CASE WHEN typeof(${col}) IN ('integer', 'real') THEN ${col} WHEN ${NUMERIC_TEXT(col)} THEN CAST(${col} AS REAL) END) ${op} ?`, n);
    }
    case 'fieldref':
      return fieldRef(col, String(v), mods, scope);
    case 're':
      return regexMatch(col, String(v), mods.flags);
    case 'cidr':
      return col === undefined ? FALSE : F(`cidr_match(${col}, ?)`, String(v));
  }
  // plain equality on a number or boolean (no modifier changes it into text)
  if (!mods.type && mods.transforms.length === 0 && !keyword) {
    // 'true' / 'false' as text (Sysmon's `Initiated: 'true'`) also match a column the indexer typed boolean (1 / 0)
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) v = v.toLowerCase() === 'true';
    if (typeof v === 'number') return col === undefined ? FALSE : { ...F(`${col} = ?`, v), need: numberNeed(col, v) };
    if (typeof v === 'boolean') return col === undefined ? FALSE : F(`(${col} = ? OR ${col} = ? COLLATE NOCASE)`, v ? 1 : 0, String(v));
  }
  let vals: Value[] = [{ kind: 'text', s: parseSigmaString(String(v)) }];
  for (const t of mods.transforms) vals = transform(vals, t)!;
  const start = mods.type === 'contains' || mods.type === 'endswith' || (keyword && !mods.type);
  const end = mods.type === 'contains' || mods.type === 'startswith' || (keyword && !mods.type);
  if (col === undefined) return FALSE;
  const frags = vals.map((x) => {
    if (x.kind !== 'text') throw new SigmaUnsupported(`modifier ${mods.transforms.join('|')}`, 'bytes (|wide, |utf16) without |base64 or |base64offset');
    return stringMatch(col, wrap(x.s, start, end), mods.cased);
  });
  return join(frags, 'OR');
}

/** The literal parts of a value folded (sigmaFold), the wildcards kept. */
const foldParts = (s: SigmaString): SigmaString => s.map((p) => (typeof p === 'string' ? sigmaFold(p) : p));

function stringMatch(col: string, s: SigmaString, cased: boolean): Frag {
  if (!cased && needsFold(plainText(s))) return foldedMatch(col, foldParts(s));
  if (!hasWildcards(s)) return { sql: cased ? `${col} = ?` : `${col} = ? COLLATE NOCASE`, params: [plainText(s)], need: stringNeed(col, s) };
  // `*` alone: any value that exists
  if (s.length === 1) return F(`${col} IS NOT NULL`);
  return cased ? { sql: `${col} GLOB ?`, params: [globPattern(s)], need: stringNeed(col, s) } : { sql: `${col} LIKE ? ESCAPE '\\'`, params: [likePattern(s)], need: stringNeed(col, s) };
}

/** A value with letters SQLite does not fold, against the folded text: `=` or GLOB on sigma_fold(col), the value already folded. */
function foldedMatch(col: string, f: SigmaString): Frag {
  const need = stringNeed(col, f, false, true);
  if (!hasWildcards(f)) return { sql: `sigma_fold(${col}) = ?`, params: [plainText(f)], need };
  return { sql: `sigma_fold(${col}) GLOB ?`, params: [globPattern(f)], need };
}

/** Inline flags at the start of a pattern (`(?i)`, `(?si)`) become JavaScript flags; JavaScript has no inline groups. */
export function jsRegex(pattern: string, flags: string): { source: string; flags: string } {
  let source = pattern;
  let f = flags;
  const m = /^\(\?([imsx]+)\)/.exec(source);
  if (m) {
    if (m[1].includes('x')) throw new SigmaUnsupported('regex', 'the (?x) flag (extended patterns) has no JavaScript equivalent');
    source = source.slice(m[0].length);
    f += m[1];
  }
  f = [...new Set(f)].join('');
  try {
    new RegExp(source, f);
  } catch (e) {
    throw new SigmaUnsupported('regex', `a regular expression JavaScript cannot read: ${(e as Error).message}`);
  }
  return { source, flags: f };
}

/** `fold`: the expression tests sigma_fold(col) (a pattern made of folded values). */
function regexMatch(col: string | undefined, pattern: string, flags: string, fold = false): Frag {
  const re = jsRegex(pattern, flags);
  if (col === undefined) return FALSE;
  const need = regexNeed(col, re.source, re.flags, fold);
  const value = fold ? `sigma_fold(${col})` : col;
  return re.flags ? { ...F(`regexp(?, ${value}, ?)`, re.source, re.flags), need } : { ...F(`regexp(?, ${value})`, re.source), need };
}

/** `|fieldref`: the value names another field; equal (case-insensitive: both folded by sigma_fold), or contains/startswith/endswith it. */
function fieldRef(col: string | undefined, other: string, mods: Mods, scope: FieldScope): Frag {
  const o = scope.field(other);
  // a member of an array's elements compares only inside its own element scan
  if (col === undefined || o === undefined || scope.arrayOf(other) !== undefined) return FALSE;
  const a = mods.cased ? col : `sigma_fold(${col})`;
  const b = mods.cased ? o : `sigma_fold(${o})`;
  switch (mods.fieldrefType) {
    case 'contains':
      return F(`(instr(${a}, ${b}) > 0)`);
    case 'startswith':
      return F(`(substr(${a}, 1, length(${b})) = ${b})`);
    case 'endswith':
      return F(`(length(${b}) <= length(${a}) AND substr(${a}, length(${a}) - length(${b}) + 1) = ${b})`);
    default:
      return F(`(${a} = ${b})`);
  }
}
