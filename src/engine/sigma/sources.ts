/**
 * Log sources and field mappings (data: mappings.json, extended by the
 * user's file): which Sigma `logsource` a table serves, the extra condition
 * that picks the rule's events out of it (Sysmon 1 or Security 4688 for
 * process_creation), and the column each Sigma field names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TableInfo } from '../ingest/build';
import { LogInvestigatorError } from '../errors';
import { quoteIdent } from '../store/names';
import { join, FieldScope, type FieldResolver, type Frag } from './compile';
import { fieldMatch } from './match';
import type { LogSource } from './rule';
import DEFAULT_MAPPINGS from './mappings.json';

type OneOrMany = string | string[];

export interface LogsourceEntry {
  product?: OneOrMany;
  category?: OneOrMany;
  service?: OneOrMany;
  /** the file's base name (up to the first dot) */
  file?: string;
  where?: Record<string, unknown>[];
  fields?: Record<string, OneOrMany>;
}

export interface SourceDef {
  id: string;
  title: string;
  when: { formats?: string[]; columns?: string[]; anyColumns?: string[] };
  fields?: Record<string, OneOrMany>;
  keywords?: string[];
  logsources: LogsourceEntry[];
}

export interface Mappings {
  sources: SourceDef[];
}

const many = (v: OneOrMany | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((x) => x.toLowerCase());

/** The built-in mappings, with the user's file (same shape) first when given. */
export function loadMappings(file?: string): Mappings {
  const base = DEFAULT_MAPPINGS as unknown as Mappings;
  if (!file) return base;
  let user: Mappings;
  try {
    user = JSON.parse(fs.readFileSync(file, 'utf8')) as Mappings;
  } catch (e) {
    throw new LogInvestigatorError('BAD_OPTION', `Sigma mappings ${file}: ${(e as Error).message}`);
  }
  if (!user || !Array.isArray(user.sources)) throw new LogInvestigatorError('BAD_OPTION', `Sigma mappings ${file}: expected {"sources": [...]} as in the built-in mappings (docs/sigma.md)`);
  return { sources: [...user.sources, ...base.sources] };
}

/** The file's name up to its first dot: `dns.log.gz` → dns. */
const fileBase = (file: string) => path.basename(file).split('.')[0].toLowerCase();

/** A table as Sigma sees it: its source definition, and its columns by lower-case name. */
export class TableSource {
  private readonly byLower = new Map<string, string>();
  constructor(
    readonly table: TableInfo,
    readonly def: SourceDef,
  ) {
    for (const c of table.columns) if (!this.byLower.has(c.name.toLowerCase())) this.byLower.set(c.name.toLowerCase(), c.name);
  }

  column(name: string): string | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  /** The logsource entry serving a rule's logsource, if this table serves it. */
  entryFor(ls: LogSource): LogsourceEntry | undefined {
    const base = fileBase(this.table.file);
    return this.def.logsources.find((e) => {
      if (e.file && e.file.toLowerCase() !== base) return false;
      for (const k of ['product', 'category', 'service'] as const) {
        const want = ls[k];
        const have = many(e[k]).map((v) => (v === '$file' ? base : v));
        if (want === undefined) {
          // an entry that narrows to a category or service serves only rules that ask for it
          if (have.length && k !== 'product') return false;
          continue;
        }
        if (!have.includes(want)) return false;
      }
      return true;
    });
  }

  /** Sigma field → SQL: the mapping's columns (coalesced), a column of that name, or a flattened JSON column ending in `.Field`. */
  resolver(entry: LogsourceEntry): FieldResolver {
    const fields = { ...(this.def.fields ?? {}), ...(entry.fields ?? {}) };
    const lowerFields = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
    const cache = new Map<string, string | undefined>();
    const arrays = new Map<string, string>();
    const element = (name: string, as: string): string | undefined => {
      const e = this.element(name);
      if (e) arrays.set(as, e.array);
      return e?.sql;
    };
    const resolve = (name: string): string | undefined => {
      const mapped = lowerFields.get(name.toLowerCase());
      const names = mapped === undefined ? [] : Array.isArray(mapped) ? mapped : [mapped];
      const cols = names.map((c) => this.column(c)).filter((c): c is string => !!c);
      if (cols.length) return cols.length === 1 ? quoteIdent(cols[0]) : `coalesce(${cols.map(quoteIdent).join(', ')})`;
      for (const n of names) {
        const e = element(n, name);
        if (e) return e;
      }
      const same = this.column(name);
      if (same) return quoteIdent(same);
      const suffix = '.' + name.toLowerCase();
      const nested = this.table.columns.map((c) => c.name).filter((c) => c.toLowerCase().endsWith(suffix) || c.toLowerCase().endsWith(suffix + '.#text'));
      if (nested.length) return quoteIdent(nested.sort((a, b) => a.length - b.length)[0]);
      return element(name, name);
    };
    const field = (name: string) => {
      if (!cache.has(name)) cache.set(name, resolve(name));
      return cache.get(name);
    };
    const kw = (this.def.keywords ?? ['message']).map((c) => this.column(c)).filter((c): c is string => !!c);
    const keywords = kw.length === 0 ? undefined : kw.length === 1 ? quoteIdent(kw[0]) : '(' + kw.map((c) => `coalesce(${quoteIdent(c)}, '')`).join(` || ' ' || `) + ')';
    return {
      field,
      keywords: () => keywords,
      arrayOf(name) {
        field(name);
        return arrays.get(name);
      },
    };
  }

  /**
   * A field naming a member of the objects a JSON column holds (`target.displayName`
   * when `target` is Okta's array of targets; arrays are kept whole as JSON text):
   * the column (the longest that is a prefix at a dot) and the member's expression
   * on an element `sigma_e` of it (FieldResolver.arrayOf). The member's name is a
   * JSON path spliced into the SQL, so only names of letters, digits, `_`, `-`, `@`, `$`.
   */
  private element(name: string): { array: string; sql: string } | undefined {
    const lower = name.toLowerCase();
    const col = this.table.columns
      .filter((c) => c.type === 'json' && lower.startsWith(c.name.toLowerCase() + '.'))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!col) return undefined;
    const path = name.slice(col.name.length + 1).split('.');
    if (!path.every((p) => /^[A-Za-z0-9_@$-]+$/.test(p))) return undefined;
    return { array: quoteIdent(col.name), sql: `json_extract(sigma_e.value, '$.${path.map((p) => `"${p}"`).join('.')}')` };
  }

  /** The entry's condition (its `where` maps ORed; fields the table lacks left out), or undefined for all rows. */
  where(entry: LogsourceEntry, resolver: FieldResolver): Frag | undefined {
    if (!entry.where || entry.where.length === 0) return undefined;
    const scope = new FieldScope(resolver);
    const maps = entry.where.map((m) => {
      const keys = Object.keys(m).filter((k) => resolver.field(k.split('|')[0]) !== undefined);
      return join(keys.map((k) => fieldMatch(k, m[k], scope)), 'AND');
    });
    return join(maps, 'OR');
  }
}

/** The source a table is, or undefined when no definition fits it. */
export function describeTable(table: TableInfo, mappings: Mappings): TableSource | undefined {
  const cols = new Set(table.columns.map((c) => c.name.toLowerCase()));
  const has = (c: string) => cols.has(c.toLowerCase()) || [...cols].some((x) => x.endsWith('.' + c.toLowerCase()));
  for (const def of mappings.sources) {
    const w = def.when ?? {};
    if (w.formats && !w.formats.includes(table.format)) continue;
    if (w.columns && !w.columns.every(has)) continue;
    if (w.anyColumns && !w.anyColumns.some(has)) continue;
    if (!w.formats && !w.columns && !w.anyColumns) continue;
    return new TableSource(table, def);
  }
  return undefined;
}
