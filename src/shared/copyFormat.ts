/**
 * Text for the clipboard from result rows: tab-separated (what spreadsheets paste), CSV (RFC 4180)
 * or a Markdown table. NULL is an empty field in TSV and CSV and `null` in Markdown, so it stays
 * distinguishable from an empty string there.
 */
import type { Cell } from './protocol';

export type CopyFormat = 'tsv' | 'csv' | 'markdown';

export const COPY_FORMATS: { id: CopyFormat; label: string }[] = [
  { id: 'tsv', label: 'TSV' },
  { id: 'csv', label: 'CSV' },
  { id: 'markdown', label: 'Markdown' },
];

const text = (v: Cell): string => (v === null ? '' : String(v));

/** A field with the delimiter, a quote or a line break is quoted, quotes doubled (as spreadsheets read it). */
function delimited(delimiter: string): (v: Cell) => string {
  const special = new RegExp(`["\\r\\n${delimiter === '\t' ? '\\t' : delimiter}]`);
  return (v) => {
    const s = text(v);
    return special.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
}

/** Pipes and backslashes escaped, line breaks as <br>, so one value stays one cell of the table. */
function markdownCell(v: Cell): string {
  if (v === null) return 'null';
  return String(v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>');
}

/** Formats `rows` (already reduced to the copied columns) under `header` (omit for a bare cell or rows). */
export function formatCopy(format: CopyFormat, header: string[] | null, rows: Cell[][], numeric: boolean[] = []): string {
  if (format === 'markdown') {
    const width = header?.length ?? rows[0]?.length ?? 0;
    const head = header ?? Array.from({ length: width }, (_, i) => `column ${i + 1}`);
    const out = [`| ${head.map((h) => markdownCell(h)).join(' | ')} |`, `| ${head.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`];
    for (const r of rows) out.push(`| ${r.map(markdownCell).join(' | ')} |`);
    return out.join('\n') + '\n';
  }
  const delimiter = format === 'csv' ? ',' : '\t';
  const q = delimited(delimiter);
  const lines = header ? [header.map(q).join(delimiter)] : [];
  for (const r of rows) lines.push(r.map(q).join(delimiter));
  // a single copied cell pastes as its value, without a line break after it
  if (!header && rows.length === 1 && rows[0].length === 1) return lines[0];
  return lines.join(format === 'csv' ? '\r\n' : '\n') + (format === 'csv' ? '\r\n' : '\n');
}

/** Rows whose text contains `needle` (case-insensitive) in one column, or in any when `column` is null. */
export function filterRows(rows: Cell[][], needle: string, column: number | null): number[] {
  const n = needle.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const hit = column === null ? r.some((v) => v !== null && String(v).toLowerCase().includes(n)) : r[column] !== null && r[column] !== undefined && String(r[column]).toLowerCase().includes(n);
    if (hit) out.push(i);
  }
  return out;
}
