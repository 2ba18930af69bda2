/**
 * Charts (timelines, evaluations, analysis results): a Vega-Lite chart rendered with vega-embed and Vega's
 * expression interpreter (`ast: true`), so the page needs no unsafe-eval.
 * Brushing a range asks the host for that range's rows. The tables under the charts are grids as
 * the results view's (webview/grid.ts), each named by its index in the messages.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { prepareSpec } from '../src/shared/chartSpec';
import type { ChartGrid, ChartSpec, HostToWebview } from '../src/shared/protocol';
import { el, post, start } from './api';
import { Grid } from './grid';
import { themeConfig } from './theme';

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
    // no injected <style>: the CSP allows only the extension's stylesheets (media/)
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

/** The grids of the tables under the charts, by index; Ctrl+F goes to the filter of the one last used. */
let grids: Grid[] = [];
let lastUsed: Grid | undefined;

/** A table under the charts: the results view's grid, under the table's heading. */
function tableBox(t: ChartGrid, index: number): HTMLElement {
  const box = el('section', undefined, 'table-box');
  const grid = new Grid({ send: post, id: index, label: t.title });
  grid.titleEl.textContent = t.title;
  box.append(grid.bar, grid.scroller);
  box.addEventListener('focusin', () => (lastUsed = grid));
  grids[index] = grid;
  tablesEl.append(box);
  grid.show(t);
  return box;
}

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F') && grids.length) {
    e.preventDefault();
    (lastUsed ?? grids[0]).focusFilter();
  }
});

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
      grids = [];
      lastUsed = undefined;
      m.tables.forEach((t, k) => tableBox(t, k));
      await renderAll(m.charts);
      return;
    }
    case 'rows':
      if (m.grid !== undefined) grids[m.grid]?.rows(m);
      return;
    case 'result':
      return;
  }
});
