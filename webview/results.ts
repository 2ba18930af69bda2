/**
 * The results table: a virtualized grid (only visible rows exist in the DOM;
 * pages of rows are asked from the host as they scroll into view), sortable
 * headers with types, a source-line link per row, copy and CSV export.
 */
import type { Cell, HostToWebview, ResultColumn, ResultSource } from '../src/shared/protocol';
import { PAGE_ROWS } from '../src/shared/protocol';
import { el, post, start } from './api';
import { TAG } from './toolkit';

const ROW_HEIGHT = 24;
const OVERSCAN = 20;

const app = document.getElementById('app')!;
const header = el('div', undefined, 'bar');
const titleEl = el('span', '', 'title');
const info = el('span', '', 'info');
const actions = el('span', undefined, 'actions');
const copyBtn = el(TAG.button as 'button', 'Copy visible rows');
copyBtn.setAttribute('appearance', 'secondary');
const exportBtn = el(TAG.button as 'button', 'Export CSV');
exportBtn.setAttribute('appearance', 'secondary');
actions.append(copyBtn, exportBtn);
header.append(titleEl, info, actions);
const sqlEl = el('pre', '', 'sql');
const errorEl = el('div', '', 'error');
errorEl.setAttribute('role', 'alert');
const scroller = el('div', undefined, 'scroller');
const table = el('table', undefined, 'grid');
table.setAttribute('role', 'grid');
const thead = el('thead');
const tbody = el('tbody');
table.append(thead, tbody);
const spacer = el('div', undefined, 'spacer');
scroller.append(spacer, table);
app.append(header, sqlEl, errorEl, scroller);

let columns: ResultColumn[] = [];
let total = 0;
let source: ResultSource | null = null;
let cache = new Map<number, Cell[]>();
const requested = new Set<number>();
let sort: { column: number; descending: boolean } | null = null;

function text(v: Cell): string {
  return v === null ? 'NULL' : String(v);
}

function renderHeader(): void {
  thead.textContent = '';
  const tr = el('tr');
  if (source) tr.append(el('th', 'source', 'src'));
  columns.forEach((c, i) => {
    const th = el('th');
    th.append(el('span', c.name, 'name'), el('span', c.type, 'type'));
    if (sort?.column === i) th.append(el('span', sort.descending ? ' ▼' : ' ▲', 'dir'));
    th.title = `${c.name} (${c.type}) — click to sort`;
    th.addEventListener('click', () => {
      sort = { column: i, descending: sort?.column === i ? !sort.descending : false };
      cache = new Map();
      requested.clear();
      post({ type: 'sort', column: i, descending: sort.descending });
      renderHeader();
    });
    tr.append(th);
  });
  thead.append(tr);
}

function visibleRange(): [number, number] {
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  return [first, last];
}

function renderRows(): void {
  const [first, last] = visibleRange();
  tbody.textContent = '';
  table.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
  let missing = -1;
  for (let r = first; r < last; r++) {
    const row = cache.get(r);
    const tr = el('tr');
    tr.style.height = `${ROW_HEIGHT}px`;
    if (!row) {
      if (missing < 0) missing = r;
      tr.append(el('td', '…', 'loading'));
      tbody.append(tr);
      continue;
    }
    if (source) {
      const td = el('td', undefined, 'src');
      const line = row[source.lineColumn];
      if (typeof line === 'number') {
        const a = el('a', `line ${line}`, 'srclink');
        a.href = '#';
        a.title = `Open ${source.file} at line ${line}`;
        a.dataset.line = String(line);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          post({ type: 'openSource', line });
        });
        td.append(a);
      }
      tr.append(td);
    }
    row.forEach((v, i) => {
      const td = el('td', text(v), v === null ? 'null' : typeof v === 'number' ? 'num' : undefined);
      td.title = `${columns[i]?.name}: ${text(v)}`;
      tr.append(td);
    });
    tbody.append(tr);
  }
  if (missing >= 0) {
    const page = Math.floor(missing / PAGE_ROWS) * PAGE_ROWS;
    if (!requested.has(page)) {
      requested.add(page);
      post({ type: 'requestRows', offset: page, count: PAGE_ROWS });
    }
  }
}

function store(offset: number, rows: Cell[][]): void {
  rows.forEach((r, i) => cache.set(offset + i, r));
}

scroller.addEventListener('scroll', () => requestAnimationFrame(renderRows));
window.addEventListener('resize', () => requestAnimationFrame(renderRows));
copyBtn.addEventListener('click', () => {
  const [first, last] = visibleRange();
  const lines = [columns.map((c) => c.name).join('\t')];
  for (let r = first; r < last; r++) {
    const row = cache.get(r);
    if (row) lines.push(row.map(text).join('\t'));
  }
  post({ type: 'copy', text: lines.join('\n') });
});
exportBtn.addEventListener('click', () => post({ type: 'exportCsv' }));

start((m: HostToWebview) => {
  switch (m.type) {
    case 'result':
      errorEl.textContent = '';
      columns = m.columns;
      total = m.total;
      source = m.source;
      sort = null;
      cache = new Map();
      requested.clear();
      requested.add(0);
      store(m.offset, m.rows);
      titleEl.textContent = m.title;
      info.textContent = `${m.total.toLocaleString()} row${m.total === 1 ? '' : 's'}${m.truncated ? ' (limit reached: more rows exist)' : ''} · ${m.elapsedMs} ms${source ? ` · from ${source.file}` : ''}`;
      sqlEl.textContent = m.sql;
      spacer.style.height = `${m.total * ROW_HEIGHT + ROW_HEIGHT}px`;
      scroller.scrollTop = 0;
      renderHeader();
      renderRows();
      return;
    case 'rows':
      if (m.offset === 0) {
        cache = new Map();
        requested.clear();
        requested.add(0);
      }
      store(m.offset, m.rows);
      renderRows();
      return;
    case 'error':
      errorEl.textContent = m.message;
      return;
    case 'timeline':
    case 'chart':
      return;
  }
});
