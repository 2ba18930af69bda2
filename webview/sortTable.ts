/**
 * The sorting and filtering of the tables of notebook outputs (the grid of the results and
 * chart views pages its rows through the host instead). DOM only: no VS Code API.
 */
import type { Cell } from '../src/shared/protocol';
import { compareCells } from '../src/shared/views';

export interface Sort {
  column: number;
  descending: boolean;
}

/** The rows containing `needle` (any column, case-insensitive), in `sort` order, each with its index as sent. */
export function visibleRows(rows: Cell[][], needle: string, sort: Sort | null): { r: Cell[]; k: number }[] {
  const low = needle.toLowerCase();
  const all = rows.map((r, k) => ({ r, k }));
  const shown = low ? all.filter(({ r }) => r.some((v) => v !== null && String(v).toLowerCase().includes(low))) : all;
  if (!sort) return shown;
  const { column, descending } = sort;
  return shown.sort((a, b) => compareCells(a.r[column], b.r[column]) * (descending ? -1 : 1));
}

/** A header row whose cells sort on a click (again: the other way), after an optional leading cell. */
export function sortableHeader(columns: string[], sort: Sort | null, onSort: (s: Sort) => void, lead?: { text: string; cls?: string }): HTMLTableRowElement {
  const tr = document.createElement('tr');
  if (lead) {
    const th = document.createElement('th');
    th.textContent = lead.text;
    if (lead.cls) th.className = lead.cls;
    tr.append(th);
  }
  columns.forEach((c, i) => {
    const th = document.createElement('th');
    th.textContent = `${c}${sort?.column === i ? (sort.descending ? ' ▼' : ' ▲') : ''}`;
    th.title = `${c} — click to sort`;
    th.setAttribute('aria-sort', sort?.column === i ? (sort.descending ? 'descending' : 'ascending') : 'none');
    th.addEventListener('click', () => onSort({ column: i, descending: sort?.column === i ? !sort.descending : false }));
    tr.append(th);
  });
  return tr;
}
