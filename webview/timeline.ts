/**
 * The timeline: a Vega-Lite chart rendered with vega-embed and Vega's
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
app.append(titleEl, hint, errorEl, chart);

let timer: ReturnType<typeof setTimeout> | undefined;

start(async (m: HostToWebview) => {
  switch (m.type) {
    case 'timeline': {
      titleEl.textContent = `${m.title} · per ${m.bucket}`;
      const result = await embed(chart, m.spec as never, { ast: true, expr: expressionInterpreter, actions: { export: true, source: false, compiled: false, editor: false }, renderer: 'svg' });
      result.view.addSignalListener('brush', (_name: string, value: Record<string, [number, number]> | null) => {
        clearTimeout(timer);
        const range = value && Object.values(value)[0];
        timer = setTimeout(() => {
          if (!range) return;
          post({ type: 'brush', from: new Date(range[0]).toISOString(), to: new Date(range[1]).toISOString() });
        }, 400);
      });
      return;
    }
    case 'error':
      errorEl.textContent = m.message;
      return;
    case 'result':
    case 'rows':
      return;
  }
});
