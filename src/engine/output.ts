import type { SqlValue } from './store/database';

function cell(v: SqlValue): string {
  if (v === null) return '';
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return String(v);
}

/** RFC 4180 CSV: fields with a delimiter, quote or line break are quoted. */
export function formatCsv(columns: string[], rows: SqlValue[][]): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  const out = [columns.map(q).join(',')];
  for (const r of rows) out.push(r.map((v) => q(cell(v))).join(','));
  return out.join('\r\n') + '\r\n';
}

/** An aligned text table for terminals; control characters are shown escaped. */
export function formatTable(columns: string[], rows: SqlValue[][]): string {
  // eslint-disable-next-line no-control-regex
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  const MAX = 60;
  const text = rows.map((r) => r.map((v) => {
    const s = clean(cell(v));
    return s.length > MAX ? s.slice(0, MAX - 1) + '…' : s;
  }));
  const heads = columns.map(clean);
  // a loop, not Math.max(...rows): spreading a large result overflows the call stack
  const widths = heads.map((h) => h.length);
  for (const r of text) for (let i = 0; i < r.length; i++) if (r[i].length > widths[i]) widths[i] = r[i].length;
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || (typeof r[i] === 'number' || typeof r[i] === 'bigint')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(heads), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

const BIG = '\u0000bigint:';

/**
 * JSON.stringify that writes a bigint (an integer beyond ±2^53 from the
 * database) as the exact JSON number it is, where JSON.stringify throws.
 */
export function jsonText(value: unknown, indent?: number): string {
  let big = false;
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? ((big = true), `${BIG}${v}`) : v), indent);
  return big ? text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1') : text;
}
