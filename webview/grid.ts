/**
 * The grid of the results view and of the tables under the charts: virtualized (only the rows in
 * view exist in the DOM, between two filler rows, so the sticky header stays put while
 * scrolling), pages asked from the host as they scroll into view; sortable and resizable columns
 * with types; a filter over all columns or one (the host filters, so every row is searched);
 * row and cell selection with the keyboard and the mouse; copy of the selection as TSV, CSV or
 * Markdown; a source-line link per row, or a "rows…" link to the rows behind it; CSV export.
 * Every message names the grid (`grid`) when the page has several. It speaks the one protocol
 * through `send`: to the host in the webview panels, to its own `GridRows` in the notebook renderer.
 */
import { COPY_FORMATS, type CopyFormat } from '../src/shared/copyFormat';
import { clickRow, newGridState, pressKey, type GridState } from '../src/shared/gridKeys';
import type { Cell, GridData, ResultColumn, ResultSource, WebviewToHost } from '../src/shared/protocol';
import { PAGE_ROWS } from '../src/shared/protocol';
import { el } from './dom';
import { linkCell, linkColumnWidth } from './gridLinks';
import { TAG, toolkit } from './toolkit';

const OVERSCAN = 20;
const isNumeric = (c: ResultColumn) => /^(integer|real|number|int|float)/i.test(c.type);
/** A message of one grid: its kind's fields, without `grid` (the grid adds its own). */
type GridMessage = WebviewToHost extends infer M ? (M extends { grid?: number } ? Omit<M, 'grid'> : never) : never;

export class Grid {
  /** The bar above the rows: the title, the row count, the filter and the copy and export buttons. */
  readonly bar = el('div', undefined, 'bar');
  readonly titleEl = el('span', '', 'title');
  readonly info = el('span', '', 'info');
  readonly scroller = el('div', undefined, 'scroller');
  /** Text after the row count ("· 12 ms · from access.log"). */
  summary = '';
  private readonly filterBox = toolkit(TAG.textField);
  private readonly filterColumn = toolkit(TAG.dropdown);
  private readonly copyFormat = toolkit(TAG.dropdown);
  private readonly table = el('table', undefined, 'grid');
  private readonly colgroup = el('colgroup');
  private readonly thead = el('thead');
  private readonly tbody = el('tbody');
  private rowHeight = 24;
  private columns: ResultColumn[] = [];
  private total = 0;
  private grandTotal = 0;
  private sources: ResultSource[] = [];
  private behind = false;
  private behindTitle = 'the rows behind this row (its group of the GROUP BY)';
  private digits: number | undefined;
  private cache = new Map<number, Cell[]>();
  private readonly requested = new Set<number>();
  private sort: { column: number; descending: boolean } | null = null;
  private widths: number[] = [];
  private state: GridState = newGridState(0, 0);
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly id: number | undefined;
  private readonly post: (m: WebviewToHost) => void;
  private readonly onResize = () => requestAnimationFrame(() => this.renderRows());

  /**
   * `send`: where its messages go; `id`: the grid's index on a page of several (absent: the results
   * view's only grid); `label`: what its filter filters; `exportCsv`: false hides Export CSV.
   */
  constructor(opts: { send: (m: WebviewToHost) => void; id?: number; label?: string; exportCsv?: boolean }) {
    this.id = opts.id;
    this.post = opts.send;
    const label = opts.label ?? 'rows';
    this.info.setAttribute('aria-live', 'polite');
    const actions = el('span', undefined, 'actions');
    this.filterBox.setAttribute('placeholder', 'Filter rows (Ctrl+F)');
    this.filterBox.setAttribute('aria-label', `Filter ${label}`);
    this.filterBox.className = 'filter';
    this.filterColumn.setAttribute('aria-label', 'Column to filter');
    this.filterColumn.className = 'filter-column';
    this.copyFormat.setAttribute('aria-label', 'Copy format');
    this.copyFormat.className = 'copy-format';
    for (const f of COPY_FORMATS) {
      const o = toolkit(TAG.option, f.label);
      o.setAttribute('value', f.id);
      this.copyFormat.append(o);
    }
    const copyBtn = toolkit(TAG.button, 'Copy');
    copyBtn.setAttribute('appearance', 'secondary');
    copyBtn.className = 'copy';
    copyBtn.title = 'Copies the selected rows, or the rows in view (Ctrl+C copies the selection, or the active cell)';
    const exportBtn = toolkit(TAG.button, 'Export CSV');
    exportBtn.setAttribute('appearance', 'secondary');
    exportBtn.className = 'export';
    actions.append(this.filterBox, this.filterColumn, this.copyFormat, copyBtn, ...(opts.exportCsv === false ? [] : [exportBtn]));
    this.bar.append(this.titleEl, this.info, actions);
    this.scroller.tabIndex = 0;
    this.table.setAttribute('role', 'grid');
    this.table.append(this.colgroup, this.thead, this.tbody);
    this.scroller.append(this.table);

    this.scroller.addEventListener('scroll', () => requestAnimationFrame(() => this.renderRows()));
    window.addEventListener('resize', this.onResize);
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.filterBox.addEventListener('input', () => this.sendFilter());
    this.filterColumn.addEventListener('change', () => this.sendFilter());
    copyBtn.addEventListener('click', () => this.copySelection(false));
    exportBtn.addEventListener('click', () => this.send({ type: 'exportCsv' }));
  }

  private send(m: GridMessage): void {
    this.post((this.id === undefined ? m : { ...m, grid: this.id }) as WebviewToHost);
  }

  /** Stops listening to the window (a notebook output drawn again makes a new grid). */
  dispose(): void {
    window.removeEventListener('resize', this.onResize);
  }

  /** Puts the focus in the filter box (Ctrl+F). */
  focusFilter(): void {
    this.filterBox.focus();
  }

  /** Shows new rows: columns, the first page and where rows lead. */
  show(d: GridData): void {
    this.columns = d.columns;
    this.total = this.grandTotal = d.total;
    this.sources = d.sources;
    this.behind = d.behind;
    if (d.behindTitle) this.behindTitle = d.behindTitle;
    this.digits = d.digits;
    this.sort = null;
    this.resetRows();
    this.requested.add(0);
    this.store(d.offset, d.rows);
    this.widths = this.initialWidths(d.rows);
    this.filterBox.value = '';
    this.fillFilterColumns();
    this.scroller.scrollTop = 0;
    this.showInfo();
    this.renderColgroup();
    this.renderHeader();
    this.renderRows();
  }

  /** A page of rows in view (offset 0 after a sort or filter: the view starts again). */
  rows(m: { offset: number; rows: Cell[][]; total: number }): void {
    if (m.offset === 0) {
      this.cache = new Map();
      this.requested.clear();
      this.requested.add(0);
      if (m.total !== this.total) {
        this.total = m.total;
        this.state = newGridState(this.total, this.columns.length);
        this.scroller.scrollTop = 0;
      }
    }
    this.total = m.total;
    this.state.rows = this.total;
    this.store(m.offset, m.rows);
    this.showInfo();
    this.renderRows();
  }

  /** No rows: a failed query. */
  clear(info: string): void {
    this.columns = [];
    this.total = this.grandTotal = 0;
    this.thead.textContent = '';
    this.tbody.textContent = '';
    this.info.textContent = info;
  }

  private text(v: Cell): string {
    if (v === null) return 'null';
    if (typeof v === 'number' && this.digits !== undefined && !Number.isInteger(v)) return String(Number(v.toFixed(this.digits)));
    return String(v);
  }

  /** Column widths from the header and the first page: wide enough to read, never wider than 420 px. */
  private initialWidths(rows: Cell[][]): number[] {
    return this.columns.map((c, i) => {
      let len = c.name.length + c.type.length + 3;
      for (const r of rows.slice(0, 100)) len = Math.max(len, this.text(r[i]).length);
      return Math.min(420, Math.max(56, Math.round(len * 7.2) + 20));
    });
  }

  private get hasLinks(): boolean {
    return this.sources.length > 0 || this.behind;
  }

  private renderColgroup(): void {
    this.colgroup.textContent = '';
    const all = [...(this.hasLinks ? [linkColumnWidth(this.sources)] : []), ...this.widths];
    for (const w of all) {
      const c = el('col');
      c.style.width = `${w}px`;
      this.colgroup.append(c);
    }
    this.table.style.width = `${all.reduce((a, b) => a + b, 0)}px`;
  }

  private renderHeader(): void {
    this.thead.textContent = '';
    const tr = el('tr');
    if (this.hasLinks) tr.append(el('th', this.sources.length ? 'source' : 'rows', 'src'));
    this.columns.forEach((c, i) => {
      const th = el('th');
      th.setAttribute('role', 'columnheader');
      th.setAttribute('aria-sort', this.sort?.column === i ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      if (isNumeric(c)) th.classList.add('num');
      th.append(el('span', c.name, 'name'), el('span', c.type, 'type'));
      if (this.sort?.column === i) th.append(el('span', this.sort.descending ? ' ▼' : ' ▲', 'dir'));
      th.title = `${c.name} (${c.type}) — click to sort, drag the edge to resize`;
      const grip = el('span', undefined, 'resizer');
      grip.addEventListener('mousedown', (e) => this.startResize(e, i));
      grip.addEventListener('click', (e) => e.stopPropagation());
      th.append(grip);
      th.addEventListener('click', () => {
        this.sort = { column: i, descending: this.sort?.column === i ? !this.sort.descending : false };
        this.resetRows();
        this.send({ type: 'sort', column: i, descending: this.sort.descending });
        this.renderHeader();
      });
      tr.append(th);
    });
    this.thead.append(tr);
  }

  private startResize(e: MouseEvent, i: number): void {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    const w0 = this.widths[i];
    const move = (m: MouseEvent) => {
      this.widths[i] = Math.max(40, w0 + m.clientX - x0);
      this.renderColgroup();
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  private headerHeight(): number {
    return this.thead.getBoundingClientRect().height;
  }

  /** The rows wholly or partly on screen (under the sticky header), without overscan. */
  private onScreen(): [number, number] {
    const first = Math.min(this.total, Math.floor(this.scroller.scrollTop / this.rowHeight));
    const last = Math.min(this.total, Math.ceil((this.scroller.scrollTop + this.scroller.clientHeight - this.headerHeight()) / this.rowHeight));
    return [first, Math.max(first, last)];
  }

  private filler(height: number): HTMLTableRowElement {
    const tr = el('tr', undefined, 'filler');
    tr.style.height = `${height}px`;
    tr.setAttribute('aria-hidden', 'true');
    return tr;
  }

  private dataRow(r: number, row: Cell[]): HTMLTableRowElement {
    const tr = el('tr');
    tr.style.height = `${this.rowHeight}px`;
    tr.dataset.row = String(r);
    tr.setAttribute('aria-rowindex', String(r + 2));
    if (this.state.selected.has(r)) {
      tr.classList.add('selected');
      tr.setAttribute('aria-selected', 'true');
    }
    if (this.hasLinks) {
      const behind = this.behind ? { title: this.behindTitle, open: () => this.send({ type: 'rowsBehind', row: r }) } : undefined;
      tr.append(linkCell(row, this.sources, behind, (line, source) => this.send({ type: 'openSource', line, source })));
    }
    row.forEach((v, i) => {
      const active = this.state.active.row === r && this.state.active.col === i;
      const cls = [v === null ? 'null' : '', isNumeric(this.columns[i] ?? { name: '', type: '' }) || typeof v === 'number' ? 'num' : '', active ? 'active' : ''].filter(Boolean).join(' ');
      const td = el('td', this.text(v), cls || undefined);
      td.dataset.col = String(i);
      td.setAttribute('role', 'gridcell');
      td.title = `${this.columns[i]?.name}: ${v === null ? 'null' : String(v)}`;
      tr.append(td);
    });
    tr.addEventListener('click', (e) => {
      const col = Number((e.target as HTMLElement).closest('td')?.dataset.col ?? this.state.active.col);
      clickRow(this.state, r, Number.isFinite(col) ? col : 0, e.shiftKey, e.ctrlKey || e.metaKey);
      this.scroller.focus();
      this.renderRows();
      this.showInfo();
    });
    return tr;
  }

  private renderRows(): void {
    const [a, b] = this.onScreen();
    const first = Math.max(0, a - OVERSCAN);
    const last = Math.min(this.total, b + OVERSCAN);
    this.tbody.textContent = '';
    this.tbody.append(this.filler(first * this.rowHeight));
    let missing = -1;
    for (let r = first; r < last; r++) {
      const row = this.cache.get(r);
      if (!row) {
        if (missing < 0) missing = r;
        const tr = el('tr', undefined, 'loading');
        tr.style.height = `${this.rowHeight}px`;
        tr.append(el('td', '…'));
        this.tbody.append(tr);
        continue;
      }
      this.tbody.append(this.dataRow(r, row));
    }
    this.tbody.append(this.filler((this.total - last) * this.rowHeight));
    this.measureRowHeight();
    if (missing >= 0) {
      const page = Math.floor(missing / PAGE_ROWS) * PAGE_ROWS;
      if (!this.requested.has(page)) {
        this.requested.add(page);
        this.send({ type: 'requestRows', offset: page, count: PAGE_ROWS });
      }
    }
  }

  /** Rows may come out taller than asked (fonts, borders): measure once and lay out again with it. */
  private measureRowHeight(): void {
    const tr = this.tbody.querySelector<HTMLTableRowElement>('tr[data-row]');
    if (!tr) return;
    const h = tr.getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - this.rowHeight) > 0.5) {
      this.rowHeight = h;
      requestAnimationFrame(() => this.renderRows());
    }
  }

  private scrollToActive(): void {
    const top = this.state.active.row * this.rowHeight;
    const view = this.scroller.clientHeight - this.headerHeight();
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + this.rowHeight > this.scroller.scrollTop + view) this.scroller.scrollTop = top + this.rowHeight - view;
  }

  private resetRows(): void {
    this.cache = new Map();
    this.requested.clear();
    this.state = newGridState(this.total, this.columns.length);
  }

  private store(offset: number, rows: Cell[][]): void {
    rows.forEach((r, i) => this.cache.set(offset + i, r));
  }

  private showInfo(): void {
    const rows = (n: number) => `${n.toLocaleString()} row${n === 1 ? '' : 's'}`;
    const shown = this.total === this.grandTotal ? rows(this.total) : `${this.total.toLocaleString()} of ${rows(this.grandTotal)}`;
    const selected = this.state.selected.size > 0 ? ` · ${this.state.selected.size.toLocaleString()} selected` : '';
    this.info.textContent = `${shown}${selected}${this.summary}`;
  }

  private format(): CopyFormat {
    return (this.copyFormat.value as CopyFormat) || 'tsv';
  }

  /** The selected rows; else the active cell (Ctrl+C) or the rows on screen (Copy). */
  private copySelection(cellOnly: boolean): void {
    const s = this.state;
    if (s.selected.size > 0) this.send({ type: 'copy', rows: [...s.selected], columns: null, format: this.format(), header: true });
    else if (cellOnly && this.total > 0) this.send({ type: 'copy', rows: [s.active.row], columns: [s.active.col], format: this.format(), header: false });
    else {
      const [a, b] = this.onScreen();
      this.send({ type: 'copy', rows: { from: a, to: b }, columns: null, format: this.format(), header: true });
    }
  }

  private sendFilter(): void {
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      const v = this.filterColumn.value;
      const col = v === '' || v === 'all' ? null : Number(v);
      this.resetRows();
      this.send({ type: 'filter', text: this.filterBox.value, column: col !== null && Number.isFinite(col) ? col : null });
    }, 150);
  }

  private fillFilterColumns(): void {
    this.filterColumn.textContent = '';
    const all = toolkit(TAG.option, 'all columns');
    all.setAttribute('value', 'all');
    this.filterColumn.append(all);
    this.columns.forEach((c, i) => {
      const o = toolkit(TAG.option, c.name);
      o.setAttribute('value', String(i));
      this.filterColumn.append(o);
    });
    this.filterColumn.value = 'all';
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor((this.scroller.clientHeight - this.headerHeight()) / this.rowHeight) - 1);
    const effect = pressKey(this.state, e.key, { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey }, page);
    if (effect === 'none') return;
    e.preventDefault();
    e.stopPropagation();
    if (effect === 'copy') this.copySelection(true);
    else if (effect === 'find') this.focusFilter();
    else if (effect === 'open') this.openActive();
    else {
      this.scrollToActive();
      this.renderRows();
      this.showInfo();
    }
  }

  /** Enter: the line of the first table the active row comes from, or the rows behind it. */
  private openActive(): void {
    const r = this.state.active.row;
    if (this.behind) {
      if (r < this.total) this.send({ type: 'rowsBehind', row: r });
      return;
    }
    const line = this.sources.length ? this.cache.get(r)?.[this.sources[0].lineColumn] : null;
    if (typeof line === 'number') this.send({ type: 'openSource', line, source: 0 });
  }
}
