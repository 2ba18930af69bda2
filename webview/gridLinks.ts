/**
 * The grid's link column: "line 12345" for a row of one table, "course 12 · cohorts 3" for a row
 * of a join (a link per table), or "rows…" to the rows behind an aggregated row. Text only.
 */
import type { Cell, ResultSource } from '../src/shared/protocol';
import { el } from './dom';

/** The column's width: room for one "line N", or for each joined table's name and line. */
export function linkColumnWidth(sources: ResultSource[]): number {
  if (sources.length <= 1) return 80;
  return Math.min(420, sources.reduce((w, x) => w + (x.table.length + 9) * 7.2, 0) + 16);
}

function link(text: string, cls: string, title: string, onClick: () => void): HTMLAnchorElement {
  const a = el('a', text, cls);
  a.href = '#';
  a.title = title;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    onClick();
  });
  return a;
}

/** A row's link cell: "rows…" when `behind` is given, else a link per table the row has a line of (`open(line, source index)`). */
export function linkCell(row: Cell[], sources: ResultSource[], behind: { title: string; open: () => void } | undefined, open: (line: number, source: number) => void): HTMLTableCellElement {
  const td = el('td', undefined, 'src');
  if (behind) {
    td.append(link('rows…', 'behindlink', `Show ${behind.title}, each linked to its line`, behind.open));
    return td;
  }
  sources.forEach((source, k) => {
    const line = row[source.lineColumn];
    if (typeof line !== 'number') return;
    if (td.childElementCount) td.append(' · ');
    const a = link(sources.length > 1 ? `${source.table} ${line}` : `line ${line}`, 'srclink', `Open ${source.file} at line ${line}`, () => open(line, k));
    a.dataset.line = String(line);
    a.dataset.source = String(k);
    td.append(a);
  });
  return td;
}
