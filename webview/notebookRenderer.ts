/**
 * The notebook renderer of investigation notebooks: a SQL cell's result as a table (text only,
 * never HTML from the data) and a chart cell's Vega-Lite spec drawn with vega-embed and Vega's
 * expression interpreter (`ast: true`, so no eval), in the theme's colours.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { prepareSpec } from '../src/shared/chartSpec';
import { CHART_MIME, TABLE_MIME, type ChartOutput, type TableOutput } from '../src/shared/notebookFormat';
import { themeConfig } from './theme';

interface OutputItem {
  mime: string;
  json(): unknown;
}

const STYLE = `
.li-table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: 12px; }
.li-table th { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, currentColor); position: sticky; top: 0; background: var(--vscode-editor-background); }
.li-table td { padding: 1px 8px; white-space: nowrap; max-width: 40em; overflow: hidden; text-overflow: ellipsis; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); }
.li-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.li-table td.null { color: var(--vscode-disabledForeground); font-style: italic; }
.li-scroll { max-height: 420px; overflow: auto; }
.li-info { color: var(--vscode-descriptionForeground); margin: 4px 0; }
.li-chart .vega-embed { display: block; width: 100%; }
.li-chart .vega-actions { display: none; }
`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function renderTable(element: HTMLElement, t: TableOutput): void {
  const shown = t.rows.length;
  element.append(el('div', `${t.total.toLocaleString()} row${t.total === 1 ? '' : 's'}${shown < t.total ? ` (first ${shown.toLocaleString()} shown)` : ''}${t.ms !== undefined ? ` · ${t.ms} ms` : ''}`, 'li-info'));
  const scroll = el('div', undefined, 'li-scroll');
  const table = el('table', undefined, 'li-table');
  const head = el('tr');
  for (const c of t.columns) head.append(el('th', c));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const r of t.rows) {
    const tr = el('tr');
    for (const v of r) tr.append(el('td', v === null ? 'null' : String(v), v === null ? 'null' : typeof v === 'number' ? 'num' : undefined));
    tbody.append(tr);
  }
  table.append(thead, tbody);
  scroll.append(table);
  element.append(scroll);
}

async function renderChart(element: HTMLElement, c: ChartOutput): Promise<void> {
  const box = el('div', undefined, 'li-chart');
  element.append(box);
  await embed(box, prepareSpec(c.spec) as never, {
    ast: true,
    expr: expressionInterpreter,
    config: themeConfig() as never,
    actions: false,
    defaultStyle: false,
    renderer: 'svg',
  });
}

export function activate(): { renderOutputItem(item: OutputItem, element: HTMLElement): Promise<void> } {
  return {
    async renderOutputItem(item, element) {
      element.textContent = '';
      const style = document.createElement('style');
      style.textContent = STYLE;
      element.append(style);
      try {
        if (item.mime === TABLE_MIME) renderTable(element, item.json() as TableOutput);
        else if (item.mime === CHART_MIME) await renderChart(element, item.json() as ChartOutput);
      } catch (e) {
        element.append(el('div', `This output could not be drawn: ${e instanceof Error ? e.message : String(e)}`, 'li-info'));
      }
    },
  };
}
