/**
 * The notebook renderer of investigation notebooks: a SQL cell's result as a table (text only,
 * never HTML from the data) and a chart cell's Vega-Lite spec drawn with vega-embed and Vega's
 * expression interpreter (`ast: true`, so no eval), in the theme's colours.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { prepareSpec } from '../src/shared/chartSpec';
import { CHART_MIME, TABLE_MIME, type ChartOutput, type RendererMessage, type TableOutput } from '../src/shared/notebookFormat';
import type { Cell } from '../src/shared/protocol';
import { sortableHeader, visibleRows, type Sort } from './sortTable';
import { themeConfig } from './theme';

interface OutputItem {
  mime: string;
  json(): unknown;
}

const STYLE = `
.li-table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: 12px; }
.li-table th { cursor: pointer; text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, currentColor); position: sticky; top: 0; background: var(--vscode-editor-background); }
.li-table td { padding: 1px 8px; white-space: nowrap; max-width: 40em; overflow: hidden; text-overflow: ellipsis; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); }
.li-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.li-table td.null { color: var(--vscode-disabledForeground); font-style: italic; }
.li-scroll { max-height: 420px; overflow: auto; }
.li-filter { margin: 2px 0 4px; padding: 2px 4px; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, transparent)); }
.li-src { color: var(--vscode-textLink-foreground); }
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

/** Posts to the extension when the notebook allows it (renderer messaging). */
type Post = ((m: RendererMessage) => void) | undefined;

/**
 * A SQL cell's result: a count, a filter over all columns, headers that sort on a click, `null`
 * shown as null, and a "line N" link per row that comes from a source line (the extension opens
 * the table's file there). Text only: nothing of the data becomes HTML.
 */
function renderTable(element: HTMLElement, t: TableOutput, post: Post): void {
  const sources = post ? (t.sources ?? []) : [];
  const info = el('div', '', 'li-info');
  const filter = el('input', undefined, 'li-filter');
  filter.type = 'search';
  filter.placeholder = 'Filter rows';
  filter.setAttribute('aria-label', 'Filter rows');
  const scroll = el('div', undefined, 'li-scroll');
  const table = el('table', undefined, 'li-table');
  const thead = el('thead');
  const tbody = el('tbody');
  table.append(thead, tbody);
  scroll.append(table);
  // the box holds the input, as the toolkit's text fields do (the tests fill an input inside it)
  const filterBox = el('label', undefined, 'li-filterbox');
  filterBox.append(filter);
  element.append(info, filterBox, scroll);
  let sort: Sort | null = null;
  const draw = () => {
    const rows = visibleRows(t.rows, filter.value, sort).map((x) => x.r);
    const shown = t.rows.length < t.total ? ` (first ${t.rows.length.toLocaleString()} kept)` : '';
    info.textContent = `${filter.value ? `${rows.length.toLocaleString()} of ` : ''}${t.total.toLocaleString()} row${t.total === 1 ? '' : 's'}${shown}${t.ms !== undefined ? ` · ${t.ms} ms` : ''}`;
    thead.textContent = '';
    thead.append(sortableHeader(t.columns, sort, (s) => ((sort = s), draw()), sources.length ? { text: 'source' } : undefined));
    tbody.textContent = '';
    for (const r of rows) {
      const tr = el('tr');
      if (sources.length) tr.append(linksCell(r, sources, post!));
      for (const v of r) tr.append(el('td', v === null ? 'null' : String(v), v === null ? 'null' : typeof v === 'number' ? 'num' : undefined));
      tbody.append(tr);
    }
  };
  filter.addEventListener('input', draw);
  draw();
}

function linksCell(r: Cell[], sources: NonNullable<TableOutput['sources']>, post: NonNullable<Post>): HTMLTableCellElement {
  const td = el('td');
  for (const s of sources) {
    const line = r[s.lineColumn];
    if (typeof line !== 'number') continue;
    if (td.childElementCount) td.append(' · ');
    const a = el('a', sources.length > 1 ? `${s.table} ${line}` : `line ${line}`, 'li-src');
    a.href = '#';
    a.title = `Open ${s.table}'s file at line ${line}`;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'openSource', table: s.table, line });
    });
    td.append(a);
  }
  return td;
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

export function activate(ctx: { postMessage?: (m: unknown) => void }): { renderOutputItem(item: OutputItem, element: HTMLElement): Promise<void> } {
  const post: Post = ctx.postMessage ? (m) => ctx.postMessage!(m) : undefined;
  return {
    async renderOutputItem(item, element) {
      element.textContent = '';
      const style = document.createElement('style');
      style.textContent = STYLE;
      element.append(style);
      try {
        if (item.mime === TABLE_MIME) renderTable(element, item.json() as TableOutput, post);
        else if (item.mime === CHART_MIME) await renderChart(element, item.json() as ChartOutput);
      } catch (e) {
        element.append(el('div', `This output could not be drawn: ${e instanceof Error ? e.message : String(e)}`, 'li-info'));
      }
    },
  };
}
