/**
 * Where in the SQL a SQLite error points: SQLite names the token (`near "FORM": syntax error`,
 * `no such column: x`, `no such table: t`); the offset of its first occurrence is the position
 * shown under the query. Undefined when the message names nothing findable.
 */
export function sqlErrorPosition(sql: string, message: string): number | undefined {
  const near = /near "((?:[^"]|"")*)"/.exec(message);
  const named = /no such (?:column|table|function): ([^\s,]+)/.exec(message);
  const token = near ? near[1].replace(/""/g, '"') : named ? named[1] : undefined;
  if (!token) return /incomplete input/.test(message) ? sql.trimEnd().length : undefined;
  const exact = sql.indexOf(token);
  if (exact >= 0) return exact;
  const i = sql.toLowerCase().indexOf(token.toLowerCase());
  return i >= 0 ? i : undefined;
}

/** Line and column (1-based) of an offset, for "line 2, column 8". */
export function lineColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
