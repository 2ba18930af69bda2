import * as path from 'node:path';

/** Quotes an SQL identifier; the only way names reach SQL text. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Names the engine adds to every table it builds. */
export const LINE_COLUMN = '_line';
export const TIME_COLUMN = '_time';

/** Tables the engine keeps beside the user's tables. */
export const RESERVED_TABLES = ['catalog_files', 'catalog_columns', 'rejects'];

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/g;

/**
 * Column names from a header: trimmed, control characters removed, empty
 * ones named colN, duplicates (case-insensitive, as SQLite compares them)
 * suffixed _2, _3…; names already taken by the engine are suffixed too.
 */
export function uniqueColumnNames(raw: string[], reserved: string[] = [LINE_COLUMN, TIME_COLUMN]): string[] {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  // the next suffix to try per base name: a header of n equal names costs n steps, not n²/2
  const next = new Map<string, number>();
  return raw.map((r, i) => {
    let base = (r ?? '').replace(CONTROL_RE, '').trim();
    if (!base) base = `col${i + 1}`;
    let name = base;
    const key = base.toLowerCase();
    if (seen.has(key)) {
      let k = next.get(key) ?? 2;
      while (seen.has(`${key}_${k}`)) k++;
      name = `${base}_${k}`;
      next.set(key, k + 1);
    }
    seen.add(name.toLowerCase());
    return name;
  });
}

/** A safe, unique table name from a file name: `logs_2018.csv.gz` → `logs_2018`. */
export function tableNameFor(file: string, taken: Iterable<string>): string {
  let base = path.basename(file);
  base = base.replace(/\.gz$/i, '');
  base = base.replace(/\.(csv|tsv|txt|log|jsonl|ndjson|json|sqlite3?|db|psv|ssv|out)$/i, '');
  let name = base
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/__+/g, '_');
  if (!name) name = 'log';
  if (/^\d/.test(name)) name = 't_' + name;
  return uniqueName(name, taken);
}

export function uniqueName(name: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map((t) => t.toLowerCase()));
  for (const r of RESERVED_TABLES) used.add(r);
  // SQLite reserves names starting with sqlite_ for itself
  const base = name.toLowerCase().startsWith('sqlite_') ? `t_${name}` : name;
  let out = base;
  for (let k = 2; used.has(out.toLowerCase()); k++) out = `${base}_${k}`;
  return out;
}
