/**
 * Charts (timelines, evaluations, analysis results): a Vega-Lite chart rendered with vega-embed and Vega's
 * expression interpreter (`ast: true`), so the page needs no unsafe-eval.
 * Brushing a range asks the host for that range's rows.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { prepareSpec } from '../src/shared/chartSpec';
import type { Cell, ChartSpec, ChartTable, HostToWebview } from '../src/shared/protocol';
import { el, post, start } from './api';
import { sortableHeader, visibleRows, type Sort } from './sortTable';
import { themeConfig } from './theme';
import { TAG, toolkit } from './toolkit';

const app = document.getElementById('app')!;
const titleEl = el('div', '', 'bar title');
const hint = el('div', 'Drag across the chart to select a time range and list its rows.', 'info');
const errorEl = el('div', '', 'error');
errorEl.setAttribute('role', 'alert');
const chart = el('div', undefined, 'chart');
const tablesEl = el('div', undefined, 'tables');
app.append(titleEl, hint, errorEl, chart, tablesEl);

let timer: ReturnType<typeof setTimeout> | undefined;
let lastCharts: ChartSpec[] | null = null;

/** Draws one spec into its element; a chart with a `brush` selection asks the host for the brushed range's rows. */
async function render(target: HTMLElement, spec: Record<string, unknown>): Promise<void> {
  const result = await embed(target, prepareSpec(spec) as never, {
    ast: true,
    expr: expressionInterpreter,
    config: themeConfig() as never,
    actions: { export: true, source: false, compiled: false, editor: false },
    // no injected <style>: the CSP allows only the extension's stylesheet (media/webview.css)
    defaultStyle: false,
    renderer: 'svg',
  });
  let hasBrush = true;
  try {
    result.view.signal('brush');
  } catch {
    hasBrush = false;
  }
  if (!hasBrush) return;
  result.view.addSignalListener('brush', (_name: string, value: Record<string, [number, number]> | null) => {
    clearTimeout(timer);
    const range = value && Object.values(value)[0];
    timer = setTimeout(() => {
      if (!range) return;
      post({ type: 'brush', from: new Date(range[0]).toISOString(), to: new Date(range[1]).toISOString() });
    }, 400);
  });
}

/** Draws every chart, each under its heading; one that fails says why and the others still draw. */
async function renderAll(charts: ChartSpec[]): Promise<void> {
  lastCharts = charts;
  chart.textContent = '';
  for (const c of charts) {
    const box = el('section', undefined, 'chart-box');
    if (charts.length > 1 || c.title) box.append(el('h3', c.title));
    const target = el('div', undefined, 'chart-view');
    box.append(target);
    chart.append(box);
    try {
      await render(target, c.spec);
    } catch (e) {
      box.append(el('div', `This chart could not be drawn: ${e instanceof Error ? e.message : String(e)}`, 'error'));
    }
  }
}

// A theme change sets the body's class and the colour variables on <html> (not always at once):
// draw again, in the new colours, once both have settled
let themeTimer: ReturnType<typeof setTimeout> | undefined;
const redraw = () => {
  clearTimeout(themeTimer);
  themeTimer = setTimeout(() => lastCharts && void renderAll(lastCharts), 60);
};
new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

/** The "rows…" cell of a linked row: asks the host for the log rows behind it (`row` is its index as sent). */
function rowsLink(t: ChartTable, table: number, row: number): HTMLTableCellElement {
  const td = el('td', undefined, 'src');
  const a = el('a', 'rows…', 'behindlink');
  a.href = '#';
  a.title = `Show ${t.linkTitle ?? 'the rows behind this row'}, each linked to its line`;
  a.dataset.row = String(row);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    post({ type: 'tableRows', table, row });
  });
  td.append(a);
  return td;
}

/**
 * A table under the charts: sortable by a click on a column, filterable by text (all columns),
 * with the count of rows shown; a linked table has a "rows…" link per row. Cells are text only.
 */
function staticGrid(t: ChartTable, index: number): HTMLElement {
  const box = el('section', undefined, 'table-box');
  const head = el('div', undefined, 'bar');
  const count = el('span', '', 'info');
  const filter = toolkit(TAG.textField);
  filter.setAttribute('placeholder', 'Filter rows');
  filter.setAttribute('aria-label', `Filter ${t.title}`);
  filter.className = 'filter';
  head.append(el('h3', t.title), count, filter);
  const table = el('table', undefined, 'grid static');
  const thead = el('thead');
  const tbody = el('tbody');
  table.append(thead, tbody);
  box.append(head, table);
  let sort: Sort | null = null;
  const cellText = (v: Cell) => (v === null ? 'null' : typeof v === 'number' ? String(Number(v.toFixed(4))) : v);
  const draw = () => {
    const rows = visibleRows(t.rows, filter.value, sort);
    const of = t.rows.length === 1 ? 'row' : 'rows';
    count.textContent = rows.length === t.rows.length ? `${rows.length.toLocaleString()} ${of}` : `${rows.length.toLocaleString()} of ${t.rows.length.toLocaleString()} ${of}`;
    thead.textContent = '';
    thead.append(sortableHeader(t.columns, sort, (s) => ((sort = s), draw()), t.linked ? { text: 'rows', cls: 'src' } : undefined));
    tbody.textContent = '';
    for (const { r, k } of rows) {
      const row = el('tr');
      if (t.linked) row.append(rowsLink(t, index, k));
      for (const v of r) row.append(el('td', cellText(v), v === null ? 'null' : typeof v === 'number' ? 'num' : undefined));
      tbody.append(row);
    }
  };
  filter.addEventListener('input', draw);
  draw();
  return box;
}

start(async (m: HostToWebview) => {
  switch (m.type) {
    case 'timeline': {
      titleEl.textContent = `${m.title} · per ${m.bucket}`;
      await renderAll([{ title: '', spec: m.spec }]);
      return;
    }
    case 'error':
      errorEl.textContent = m.message;
      return;
    case 'chart': {
      // evaluation and analysis charts: the spec, and the tables behind it
      titleEl.textContent = m.title;
      hint.textContent = '';
      tablesEl.textContent = '';
      m.tables.forEach((t, k) => tablesEl.append(staticGrid(t, k)));
      await renderAll(m.charts);
      return;
    }
    case 'result':
    case 'rows':
      return;
  }
});
