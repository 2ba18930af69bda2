/**
 * The results grid: virtualized (only the rows in view exist in the DOM, between two filler rows,
 * so the sticky header stays put while scrolling), pages asked from the host as they scroll into
 * view; sortable and resizable columns with types; a filter over all columns or one (the host
 * filters, so every row is searched); row and cell selection with the keyboard and the mouse;
 * copy of the selection as TSV, CSV or Markdown; a source-line link per row; CSV export.
 */
import { COPY_FORMATS, type CopyFormat } from '../src/shared/copyFormat';
import type { Cell, HostToWebview, ResultColumn, ResultSource } from '../src/shared/protocol';
import { PAGE_ROWS } from '../src/shared/protocol';
import { lineColumn } from '../src/shared/sqlError';
import { el, post, start } from './api';
import { clickRow, newGridState, pressKey, type GridState } from '../src/shared/gridKeys';
import { TAG, toolkit } from './toolkit';

const OVERSCAN = 20;
let rowHeight = 24;

const app = document.getElementById('app')!;
const header = el('div', undefined, 'bar');
const titleEl = el('span', '', 'title');
const info = el('span', '', 'info');
info.setAttribute('aria-live', 'polite');
const actions = el('span', undefined, 'actions');
const filterBox = toolkit(TAG.textField);
filterBox.setAttribute('placeholder', 'Filter rows (Ctrl+F)');
filterBox.setAttribute('aria-label', 'Filter rows');
filterBox.className = 'filter';
const filterColumn = toolkit(TAG.dropdown);
filterColumn.setAttribute('aria-label', 'Column to filter');
const copyFormat = toolkit(TAG.dropdown);
copyFormat.setAttribute('aria-label', 'Copy format');
copyFormat.className = 'copy-format';
for (const f of COPY_FORMATS) {
  const o = toolkit(TAG.option, f.label);
  o.setAttribute('value', f.id);
  copyFormat.append(o);
}
const copyBtn = toolkit(TAG.button, 'Copy');
copyBtn.setAttribute('appearance', 'secondary');
copyBtn.className = 'copy';
copyBtn.title = 'Copies the selected rows, or the rows in view (Ctrl+C copies the selection, or the active cell)';
const exportBtn = toolkit(TAG.button, 'Export CSV');
exportBtn.setAttribute('appearance', 'secondary');
exportBtn.className = 'export';
actions.append(filterBox, filterColumn, copyFormat, copyBtn, exportBtn);
header.append(titleEl, info, actions);
const sqlEl = el('pre', '', 'sql');
const errorEl = el('div', '', 'error');
errorEl.setAttribute('role', 'alert');
const scroller = el('div', undefined, 'scroller');
scroller.tabIndex = 0;
const table = el('table', undefined, 'grid');
table.setAttribute('role', 'grid');
const colgroup = el('colgroup');
const thead = el('thead');
const tbody = el('tbody');
table.append(colgroup, thead, tbody);
scroller.append(table);
app.append(header, sqlEl, errorEl, scroller);

let columns: ResultColumn[] = [];
let total = 0;
let grandTotal = 0;
let sources: ResultSource[] = [];
let behind = false;
let cache = new Map<number, Cell[]>();
const requested = new Set<number>();
let sort: { column: number; descending: boolean } | null = null;
let widths: number[] = [];
let grid: GridState = newGridState(0, 0);
let summary = '';

const text = (v: Cell): string => (v === null ? 'null' : String(v));
const isNumeric = (c: ResultColumn) => /^(integer|real|number|int|float)/i.test(c.type);

/** Column widths from the header and the first page: wide enough to read, never wider than 32em. */
function initialWidths(rows: Cell[][]): number[] {
  return columns.map((c, i) => {
    let len = c.name.length + c.type.length + 3;
    for (const r of rows.slice(0, 100)) len = Math.max(len, text(r[i]).length);
    return Math.min(420, Math.max(56, Math.round(len * 7.2) + 20));
  });
}

function renderColgroup(): void {
  colgroup.textContent = '';
  if (sources.length || behind) {
    const c = el('col');
    c.style.width = `${sourceWidth()}px`;
    colgroup.append(c);
  }
  for (const w of widths) {
    const c = el('col');
    c.style.width = `${w}px`;
    colgroup.append(c);
  }
  table.style.width = `${widths.reduce((a, b) => a + b, sources.length || behind ? sourceWidth() : 0)}px`;
}

function renderHeader(): void {
  thead.textContent = '';
  const tr = el('tr');
  if (sources.length || behind) tr.append(el('th', sources.length ? 'source' : 'rows', 'src'));
  columns.forEach((c, i) => {
    const th = el('th');
    th.setAttribute('role', 'columnheader');
    th.setAttribute('aria-sort', sort?.column === i ? (sort.descending ? 'descending' : 'ascending') : 'none');
    if (isNumeric(c)) th.classList.add('num');
    th.append(el('span', c.name, 'name'), el('span', c.type, 'type'));
    if (sort?.column === i) th.append(el('span', sort.descending ? ' ▼' : ' ▲', 'dir'));
    th.title = `${c.name} (${c.type}) — click to sort, drag the edge to resize`;
    const grip = el('span', undefined, 'resizer');
    grip.addEventListener('mousedown', (e) => startResize(e, i));
    grip.addEventListener('click', (e) => e.stopPropagation());
    th.append(grip);
    th.addEventListener('click', () => {
      sort = { column: i, descending: sort?.column === i ? !sort.descending : false };
      resetRows();
      post({ type: 'sort', column: i, descending: sort.descending });
      renderHeader();
    });
    tr.append(th);
  });
  thead.append(tr);
}

function startResize(e: MouseEvent, i: number): void {
  e.preventDefault();
  e.stopPropagation();
  const x0 = e.clientX;
  const w0 = widths[i];
  const move = (m: MouseEvent) => {
    widths[i] = Math.max(40, w0 + m.clientX - x0);
    renderColgroup();
  };
  const up = () => {
    window.removeEventListener('mousemove', move);
    window.removeEventListener('mouseup', up);
  };
  window.addEventListener('mousemove', move);
  window.addEventListener('mouseup', up);
}

const headerHeight = () => thead.getBoundingClientRect().height;

/** The rows wholly or partly on screen (under the sticky header), without overscan. */
function onScreen(): [number, number] {
  const first = Math.min(total, Math.floor(scroller.scrollTop / rowHeight));
  const last = Math.min(total, Math.ceil((scroller.scrollTop + scroller.clientHeight - headerHeight()) / rowHeight));
  return [first, Math.max(first, last)];
}

function filler(height: number): HTMLTableRowElement {
  const tr = el('tr', undefined, 'filler');
  tr.style.height = `${height}px`;
  tr.setAttribute('aria-hidden', 'true');
  return tr;
}

/** The source column: "line 12345" for one table, "table 12345 · table 67" for a join. */
function sourceWidth(): number {
  if (sources.length <= 1) return 80;
  return Math.min(420, sources.reduce((w, x) => w + (x.table.length + 9) * 7.2, 0) + 16);
}

function sourceCell(row: Cell[], r: number): HTMLTableCellElement {
  const td = el('td', undefined, 'src');
  if (behind) {
    const a = el('a', 'rows…', 'behindlink');
    a.href = '#';
    a.title = 'Show the rows behind this row (its group of the GROUP BY)';
    a.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      post({ type: 'rowsBehind', row: r });
    });
    td.append(a);
    return td;
  }
  // one link per table the row comes from: "line 12", or "course 12 · cohorts 3" for a join
  sources.forEach((source, k) => {
    const line = row[source.lineColumn];
    if (typeof line !== 'number') return;
    if (td.childElementCount) td.append(' · ');
    const a = el('a', sources.length > 1 ? `${source.table} ${line}` : `line ${line}`, 'srclink');
    a.href = '#';
    a.title = `Open ${source.file} at line ${line}`;
    a.dataset.line = String(line);
    a.dataset.source = String(k);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      post({ type: 'openSource', line, source: k });
    });
    td.append(a);
  });
  return td;
}

function dataRow(r: number, row: Cell[]): HTMLTableRowElement {
  const tr = el('tr');
  tr.style.height = `${rowHeight}px`;
  tr.dataset.row = String(r);
  tr.setAttribute('aria-rowindex', String(r + 2));
  if (grid.selected.has(r)) {
    tr.classList.add('selected');
    tr.setAttribute('aria-selected', 'true');
  }
  if (sources.length || behind) tr.append(sourceCell(row, r));
  row.forEach((v, i) => {
    const cls = [v === null ? 'null' : '', isNumeric(columns[i] ?? { name: '', type: '' }) || typeof v === 'number' ? 'num' : '', grid.active.row === r && grid.active.col === i ? 'active' : ''].filter(Boolean).join(' ');
    const td = el('td', text(v), cls || undefined);
    td.dataset.col = String(i);
    td.setAttribute('role', 'gridcell');
    td.title = `${columns[i]?.name}: ${text(v)}`;
    tr.append(td);
  });
  tr.addEventListener('click', (e) => {
    const col = Number((e.target as HTMLElement).closest('td')?.dataset.col ?? grid.active.col);
    clickRow(grid, r, Number.isFinite(col) ? col : 0, e.shiftKey, e.ctrlKey || e.metaKey);
    scroller.focus();
    renderRows();
  });
  return tr;
}

function renderRows(): void {
  const [a, b] = onScreen();
  const first = Math.max(0, a - OVERSCAN);
  const last = Math.min(total, b + OVERSCAN);
  tbody.textContent = '';
  tbody.append(filler(first * rowHeight));
  let missing = -1;
  for (let r = first; r < last; r++) {
    const row = cache.get(r);
    if (!row) {
      if (missing < 0) missing = r;
      const tr = el('tr', undefined, 'loading');
      tr.style.height = `${rowHeight}px`;
      tr.append(el('td', '…'));
      tbody.append(tr);
      continue;
    }
    tbody.append(dataRow(r, row));
  }
  tbody.append(filler((total - last) * rowHeight));
  measureRowHeight();
  if (missing >= 0) {
    const page = Math.floor(missing / PAGE_ROWS) * PAGE_ROWS;
    if (!requested.has(page)) {
      requested.add(page);
      post({ type: 'requestRows', offset: page, count: PAGE_ROWS });
    }
  }
}

/** Rows may come out taller than asked (fonts, borders): measure once and lay out again with it. */
function measureRowHeight(): void {
  const tr = tbody.querySelector<HTMLTableRowElement>('tr[data-row]');
  if (!tr) return;
  const h = tr.getBoundingClientRect().height;
  if (h > 0 && Math.abs(h - rowHeight) > 0.5) {
    rowHeight = h;
    requestAnimationFrame(renderRows);
  }
}

function scrollToActive(): void {
  const top = grid.active.row * rowHeight;
  const view = scroller.clientHeight - headerHeight();
  if (top < scroller.scrollTop) scroller.scrollTop = top;
  else if (top + rowHeight > scroller.scrollTop + view) scroller.scrollTop = top + rowHeight - view;
}

function resetRows(): void {
  cache = new Map();
  requested.clear();
  grid = newGridState(total, columns.length);
}

function store(offset: number, rows: Cell[][]): void {
  rows.forEach((r, i) => cache.set(offset + i, r));
}

function showInfo(): void {
  const rows = (n: number) => `${n.toLocaleString()} row${n === 1 ? '' : 's'}`;
  const shown = total === grandTotal ? rows(total) : `${total.toLocaleString()} of ${rows(grandTotal)}`;
  const selected = grid.selected.size > 0 ? ` · ${grid.selected.size.toLocaleString()} selected` : '';
  info.textContent = `${shown}${selected}${summary}`;
}

const format = (): CopyFormat => (copyFormat.value as CopyFormat) || 'tsv';

function copySelection(cellOnly: boolean): void {
  if (grid.selected.size > 0) post({ type: 'copy', rows: [...grid.selected], columns: null, format: format(), header: true });
  else if (cellOnly && total > 0) post({ type: 'copy', rows: [grid.active.row], columns: [grid.active.col], format: format(), header: false });
  else {
    const [a, b] = onScreen();
    post({ type: 'copy', rows: { from: a, to: b }, columns: null, format: format(), header: true });
  }
}

let filterTimer: ReturnType<typeof setTimeout> | undefined;
function sendFilter(): void {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    const col = filterColumn.value === '' || filterColumn.value === 'all' ? null : Number(filterColumn.value);
    resetRows();
    post({ type: 'filter', text: filterBox.value, column: Number.isFinite(col) ? col : null });
  }, 150);
}

function fillFilterColumns(): void {
  filterColumn.textContent = '';
  const all = toolkit(TAG.option, 'all columns');
  all.setAttribute('value', 'all');
  filterColumn.append(all);
  columns.forEach((c, i) => {
    const o = toolkit(TAG.option, c.name);
    o.setAttribute('value', String(i));
    filterColumn.append(o);
  });
  filterColumn.value = 'all';
}

scroller.addEventListener('scroll', () => requestAnimationFrame(renderRows));
window.addEventListener('resize', () => requestAnimationFrame(renderRows));
scroller.addEventListener('keydown', (e) => {
  const page = Math.max(1, Math.floor((scroller.clientHeight - headerHeight()) / rowHeight) - 1);
  const effect = pressKey(grid, e.key, { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey }, page);
  if (effect === 'none') return;
  e.preventDefault();
  if (effect === 'copy') copySelection(true);
  else if (effect === 'find') filterBox.focus();
  else if (effect === 'open') {
    // Enter opens the line of the first table the row comes from
    const line = sources.length ? cache.get(grid.active.row)?.[sources[0].lineColumn] : null;
    if (typeof line === 'number') post({ type: 'openSource', line, source: 0 });
  } else {
    scrollToActive();
    renderRows();
    showInfo();
  }
});
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
    e.preventDefault();
    filterBox.focus();
  }
});
filterBox.addEventListener('input', sendFilter);
filterColumn.addEventListener('change', sendFilter);
copyBtn.addEventListener('click', () => copySelection(false));
exportBtn.addEventListener('click', () => post({ type: 'exportCsv' }));

/** A failed query stays on view: the SQL, the message, and a caret under the token SQLite named. */
function showError(message: string, sql: string | undefined, position: number | undefined): void {
  errorEl.textContent = message;
  if (sql === undefined) return;
  sqlEl.textContent = sql;
  columns = [];
  total = grandTotal = 0;
  thead.textContent = '';
  tbody.textContent = '';
  info.textContent = 'query failed';
  if (position === undefined) return;
  const { line, column } = lineColumn(sql, position);
  const lines = sql.split(/\r\n|\r|\n/);
  errorEl.textContent = `${message} (line ${line}, column ${column})`;
  errorEl.append(el('pre', `${lines[line - 1]}\n${' '.repeat(column - 1)}^`, 'sql error-at'));
}

start((m: HostToWebview) => {
  switch (m.type) {
    case 'result':
      errorEl.textContent = '';
      columns = m.columns;
      total = grandTotal = m.total;
      sources = m.sources;
      behind = m.behind;
      sort = null;
      resetRows();
      requested.add(0);
      store(m.offset, m.rows);
      titleEl.textContent = m.title;
      summary = `${m.truncated ? ' (limit reached: more rows exist)' : ''} · ${m.elapsedMs} ms${sources.length ? ` · from ${sources.map((x) => x.file).join(', ')}` : ''}`;
      showInfo();
      sqlEl.textContent = m.sql;
      widths = initialWidths(m.rows);
      filterBox.value = '';
      fillFilterColumns();
      scroller.scrollTop = 0;
      renderColgroup();
      renderHeader();
      renderRows();
      return;
    case 'rows':
      if (m.offset === 0) {
        cache = new Map();
        requested.clear();
        requested.add(0);
        if (m.total !== total) {
          total = m.total;
          grid = newGridState(total, columns.length);
          scroller.scrollTop = 0;
        }
      }
      total = m.total;
      grid.rows = total;
      store(m.offset, m.rows);
      showInfo();
      renderRows();
      return;
    case 'error':
      showError(m.message, m.sql, m.position);
      return;
    case 'timeline':
    case 'chart':
      return;
  }
});
