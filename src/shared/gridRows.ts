/**
 * The rows of one grid as the host keeps them for its webview: every row, in the order the
 * grid's sort asks, and the ones its filter keeps ("in view"). The webview asks for pages of
 * the rows in view and names rows by their index in view; `origin` gives a row's index as it
 * was given (what a "rows…" link of an analysis's table needs). No VS Code: unit-testable.
 */
import { filterRows, formatCopy } from './copyFormat';
import { PAGE_ROWS, type Cell, type HostToWebview, type ResultColumn, type WebviewToHost } from './protocol';
import { compareCells } from './views';

export const isNumericType = (type: string): boolean => /^(integer|real|number|int|float)/i.test(type);

export class GridRows {
  /** Indices of the given rows, in the current sort order. */
  private order: number[];
  /** The rows in view: `order`, filtered. */
  private view: number[];
  private filter: { text: string; column: number | null } = { text: '', column: null };

  constructor(
    readonly columns: ResultColumn[],
    private readonly given: Cell[][],
  ) {
    this.order = given.map((_, i) => i);
    this.view = this.order;
  }

  /** How many rows are in view (after the filter). */
  get total(): number {
    return this.view.length;
  }

  /** Rows in view from `offset`, at most `count` (and never more than 2,000 in one page). */
  page(offset: number, count: number): Cell[][] {
    return this.view.slice(Math.max(0, offset), Math.max(0, offset) + Math.min(count, 2000)).map((i) => this.given[i]);
  }

  /** Row `i` in view. */
  row(i: number): Cell[] | undefined {
    const k = this.view[i];
    return k === undefined ? undefined : this.given[k];
  }

  /** The index, as given, of row `i` in view. */
  origin(i: number): number | undefined {
    return this.view[i];
  }

  /** Every row in view, in order (for an export). */
  inView(): Cell[][] {
    return this.view.map((i) => this.given[i]);
  }

  sort(column: number, descending: boolean): void {
    if (!(column >= 0 && column < this.columns.length)) return;
    const dir = descending ? -1 : 1;
    // stable: rows equal in the column keep the order of the sort before (a second column sorts within the first)
    this.order = [...this.order].sort((a, b) => compareCells(this.given[a][column], this.given[b][column]) * dir);
    this.apply();
  }

  /** Keeps the rows containing `text` (case-insensitive) in one column, or in any when `column` is null (or out of range). */
  setFilter(text: string, column: number | null): void {
    this.filter = { text, column: column !== null && column >= 0 && column < this.columns.length ? column : null };
    this.apply();
  }

  private apply(): void {
    if (!this.filter.text) {
      this.view = this.order;
      return;
    }
    const rows = this.order.map((i) => this.given[i]);
    this.view = filterRows(rows, this.filter.text, this.filter.column).map((k) => this.order[k]);
  }

  /** The rows and columns a copy request names, formatted (rows beyond those in view are ignored). */
  copy(m: Extract<WebviewToHost, { type: 'copy' }>): string {
    const n = this.view.length;
    const picked = Array.isArray(m.rows) ? m.rows.filter((i) => i >= 0 && i < n).sort((a, b) => a - b) : range(Math.max(0, m.rows.from), Math.min(n, m.rows.to));
    const cols = (m.columns ?? this.columns.map((_, i) => i)).filter((i) => i >= 0 && i < this.columns.length);
    const out = picked.map((r) => cols.map((c) => this.given[this.view[r]][c]));
    return formatCopy(m.format, m.header ? cols.map((c) => this.columns[c].name) : null, out, cols.map((c) => isNumericType(this.columns[c].type)));
  }
}

/** What a grid's request for rows, a sort, a filter or a copy comes to: a page to send it, or text for the clipboard. */
export type GridReply = { reply: Extract<HostToWebview, { type: 'rows' }> } | { clipboard: string };

/**
 * Answers a grid's request for rows, sort, filter or copy over its rows; undefined for any other
 * message. The host answers its webviews with it (gridHost.ts), the notebook renderer its grids.
 */
export function gridReply(rows: GridRows, m: WebviewToHost): GridReply | undefined {
  // the answer names the grid the request named (the results grid names none)
  const grid = 'grid' in m && m.grid !== undefined ? { grid: m.grid } : {};
  const page = (offset: number, count: number): GridReply => ({ reply: { type: 'rows', ...grid, offset, rows: rows.page(offset, count), total: rows.total } });
  switch (m.type) {
    case 'requestRows':
      return page(m.offset, m.count);
    case 'sort':
      rows.sort(m.column, m.descending);
      return page(0, PAGE_ROWS);
    case 'filter':
      rows.setFilter(m.text, m.column);
      return page(0, PAGE_ROWS);
    case 'copy':
      return { clipboard: rows.copy(m) };
    default:
      return undefined;
  }
}

/**
 * The columns of a result with their types: a column's type from the catalog when one table the
 * query names (`named`) has a column of that name, else from its values.
 */
export function typedColumns(names: string[], rows: Cell[][], named: { columns: { name: string; type: string }[] }[]): ResultColumn[] {
  return names.map((name, i) => ({ name, type: named.find((t) => t.columns.some((c) => c.name === name))?.columns.find((c) => c.name === name)?.type ?? guessType(rows, i) }));
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/** A column's type from its values (the first 500): integer, real or text. */
export function guessType(rows: Cell[][], i: number): string {
  let numbers = 0;
  let other = 0;
  for (let k = 0; k < Math.min(rows.length, 500); k++) {
    const v = rows[k][i];
    if (typeof v === 'number') numbers++;
    else if (v !== null && v !== undefined) other++;
  }
  return numbers > 0 && other === 0 ? (rows.slice(0, 500).every((r) => r[i] === null || Number.isInteger(r[i])) ? 'integer' : 'real') : 'text';
}
