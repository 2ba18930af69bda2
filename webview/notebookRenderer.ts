/**
 * The notebook renderer of investigation notebooks. A SQL cell's output is the results grid
 * (webview/grid.ts, the grid of the results view and of the tables under the charts) over the
 * rows saved in the output: the grid speaks the one protocol, and this renderer answers its rows,
 * sorts, filters and copies with `gridReply` over those rows as the host answers the panels'
 * grids; only opening a source line, the clipboard and a CSV export go to the extension
 * (renderer messaging, `RendererToHost`). A chart cell's Vega-Lite spec is drawn with vega-embed
 * and Vega's expression interpreter (`ast: true`, so no eval), in the theme's colours. Text only:
 * nothing of the data becomes HTML.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import chartCss from '../media/chart.css';
import gridCss from '../media/grid.css';
import { prepareSpec } from '../src/shared/chartSpec';
import { GridRows, gridReply, guessType } from '../src/shared/gridRows';
import { CHART_MIME, TABLE_MIME, type ChartOutput, type TableOutput } from '../src/shared/notebookFormat';
import { PAGE_ROWS, type RendererToHost, type ResultSource, type WebviewToHost } from '../src/shared/protocol';
import { el } from './dom';
import { Grid } from './grid';
import { themeConfig } from './theme';

interface OutputItem {
  id: string;
  mime: string;
  json(): unknown;
}

/** The renderer's own rules; the grid's and the charts' are the panels' stylesheets (media/grid.css, media/chart.css). */
const STYLE = `
.li-grid { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); }
.li-info { color: var(--vscode-descriptionForeground); margin: 4px 0; }
.li-chart .vega-embed .vega-actions { display: none; }
`;

/** Posts to the extension when the notebook allows it (renderer messaging). */
type Post = ((m: RendererToHost) => void) | undefined;

/** The grids drawn, by output item: disposed when their output is. */
const grids = new Map<string, Grid>();

/**
 * A SQL cell's result in the grid: a filter over all columns or one, Ctrl+F, keyboard and mouse
 * selection, copy as TSV/CSV/Markdown, sort, resize, the count of what is filtered, numbers right,
 * null as null, and a "line N" link per row that comes from a source line.
 */
function renderTable(element: HTMLElement, id: string, t: TableOutput, post: Post): void {
  const columns = t.columns.map((name, i) => ({ name, type: t.types?.[i] ?? guessType(t.rows, i) }));
  const rows = new GridRows(columns, t.rows);
  const linked = post ? (t.sources ?? []) : [];
  const sources: ResultSource[] = linked.map((s) => ({ table: s.table, file: s.file ?? s.table, lineColumn: s.lineColumn }));
  const box = el('section', undefined, 'table-box li-grid');
  const grid: Grid = new Grid({ send: (m) => answer(m), label: 'rows', exportCsv: post !== undefined });
  grids.get(id)?.dispose();
  grids.set(id, grid);
  const kept = t.rows.length < t.total ? ` · the first ${t.rows.length.toLocaleString()} of ${t.total.toLocaleString()} kept` : '';
  grid.summary = `${kept}${t.ms !== undefined ? ` · ${t.ms} ms` : ''}${sources.length ? ` · from ${[...new Set(sources.map((s) => s.file))].join(', ')}` : ''}`;
  box.append(grid.bar, grid.scroller);
  box.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
      e.preventDefault();
      e.stopPropagation();
      grid.focusFilter();
    }
  });
  element.append(box);

  /** The grid's messages: its rows answered here, as the host answers the panels' grids; the rest asked of the extension. */
  function answer(m: WebviewToHost): void {
    const reply = gridReply(rows, m);
    if (reply && 'reply' in reply) {
      const page = reply.reply;
      // later, as a message from the host would come
      queueMicrotask(() => grid.rows(page));
    } else if (reply) {
      if (post) post({ type: 'clipboard', text: reply.clipboard });
      else void navigator.clipboard.writeText(reply.clipboard);
    } else if (m.type === 'openSource' && post && linked[m.source]) {
      post({ type: 'openSource', table: linked[m.source].table, line: m.line });
    } else if (m.type === 'exportCsv' && post) {
      post({ type: 'exportCsv', name: linked.length === 1 ? linked[0].table : 'query-results', columns: t.columns, rows: rows.inView() });
    }
  }

  grid.show({ columns, total: rows.total, offset: 0, rows: rows.page(0, PAGE_ROWS), sources, behind: false });
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

export function activate(ctx: { postMessage?: (m: unknown) => void }): {
  renderOutputItem(item: OutputItem, element: HTMLElement): Promise<void>;
  disposeOutputItem(id?: string): void;
} {
  const post: Post = ctx.postMessage ? (m) => ctx.postMessage!(m) : undefined;
  return {
    async renderOutputItem(item, element) {
      element.textContent = '';
      const style = document.createElement('style');
      style.textContent = `${gridCss}\n${chartCss}\n${STYLE}`;
      element.append(style);
      try {
        if (item.mime === TABLE_MIME) renderTable(element, item.id, item.json() as TableOutput, post);
        else if (item.mime === CHART_MIME) await renderChart(element, item.json() as ChartOutput);
      } catch (e) {
        element.append(el('div', `This output could not be drawn: ${e instanceof Error ? e.message : String(e)}`, 'li-info'));
      }
    },
    disposeOutputItem(id) {
      for (const [k, g] of grids) {
        if (id !== undefined && k !== id) continue;
        g.dispose();
        grids.delete(k);
      }
    },
  };
}
