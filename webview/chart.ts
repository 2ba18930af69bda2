/**
 * Charts (timelines, evaluations, analysis results): a Vega-Lite chart rendered with vega-embed and Vega's
 * expression interpreter (`ast: true`), so the page needs no unsafe-eval.
 * Brushing a range asks the host for that range's rows.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import type { HostToWebview } from '../src/shared/protocol';
import { el, post, start } from './api';

const app = document.getElementById('app')!;
const titleEl = el('div', '', 'bar title');
const hint = el('div', 'Drag across the chart to select a time range and list its rows.', 'info');
const errorEl = el('div', '', 'error');
errorEl.setAttribute('role', 'alert');
const chart = el('div', undefined, 'chart');
const tablesEl = el('div', undefined, 'tables');
app.append(titleEl, hint, errorEl, tablesEl, chart);

let timer: ReturnType<typeof setTimeout> | undefined;
let lastSpec: Record<string, unknown> | null = null;

/** Chart colours from the VS Code theme, so dark and high-contrast themes draw readable charts. */
function themeConfig(): Record<string, unknown> {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const fg = v('--vscode-foreground', '#333');
  const muted = v('--vscode-descriptionForeground', fg);
  const grid = v('--vscode-editorWidget-border', v('--vscode-panel-border', '#ddd'));
  const mark = v('--vscode-charts-blue', '#4c78a8');
  const font = v('--vscode-font-family', 'sans-serif');
  return {
    background: 'transparent',
    font,
    axis: { labelColor: muted, titleColor: fg, gridColor: grid, domainColor: muted, tickColor: muted, labelFont: font, titleFont: font },
    mark: { color: mark },
    bar: { fill: mark },
    title: { color: fg },
    selection: { interval: { fill: v('--vscode-editor-selectionBackground', '#333'), stroke: fg } },
  };
}

async function render(spec: Record<string, unknown>): Promise<void> {
  lastSpec = spec;
  const result = await embed(chart, spec as never, {
    ast: true,
    expr: expressionInterpreter,
    config: themeConfig() as never,
    actions: { export: true, source: false, compiled: false, editor: false },
    // no injected <style>: the CSP allows only the extension's stylesheet (media/webview.css)
    defaultStyle: false,
    renderer: 'svg',
  });
  result.view.addSignalListener('brush', (_name: string, value: Record<string, [number, number]> | null) => {
    clearTimeout(timer);
    const range = value && Object.values(value)[0];
    timer = setTimeout(() => {
      if (!range) return;
      post({ type: 'brush', from: new Date(range[0]).toISOString(), to: new Date(range[1]).toISOString() });
    }, 400);
  });
}

// VS Code changes the body's class when the theme changes: draw again in the new colours
new MutationObserver(() => lastSpec && void render(lastSpec)).observe(document.body, { attributes: true, attributeFilter: ['class'] });

start(async (m: HostToWebview) => {
  switch (m.type) {
    case 'timeline': {
      titleEl.textContent = `${m.title} · per ${m.bucket}`;
      await render(m.spec);
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
      for (const t of m.tables) {
        tablesEl.append(el('h3', t.title));
        const table = el('table', undefined, 'grid static');
        const head = el('tr');
        for (const c of t.columns) head.append(el('th', c));
        table.append(head);
        for (const r of t.rows) {
          const tr = el('tr');
          for (const v of r) tr.append(el('td', v === null ? 'NULL' : typeof v === 'number' ? String(Number(v.toFixed(4))) : v, typeof v === 'number' ? 'num' : undefined));
          table.append(tr);
        }
        tablesEl.append(table);
      }
      await render(m.spec);
      return;
    }
    case 'result':
    case 'rows':
      return;
  }
});
