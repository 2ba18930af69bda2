/**
 * The results view: a query's SQL, its error with the position SQLite named when it failed, and
 * its rows in the grid (webview/grid.ts) that the tables under the charts use too.
 */
import type { HostToWebview } from '../src/shared/protocol';
import { lineColumn } from '../src/shared/sqlError';
import { el, post, start } from './api';
import { Grid } from './grid';

const app = document.getElementById('app')!;
const grid = new Grid({ send: post });
const sqlEl = el('pre', '', 'sql');
const errorEl = el('div', '', 'error');
errorEl.setAttribute('role', 'alert');
app.append(grid.bar, sqlEl, errorEl, grid.scroller);

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
    e.preventDefault();
    grid.focusFilter();
  }
});

/** A failed query stays on view: the SQL, the message, and a caret under the token SQLite named. */
function showError(message: string, sql: string | undefined, position: number | undefined): void {
  errorEl.textContent = message;
  if (sql === undefined) return;
  sqlEl.textContent = sql;
  grid.clear('query failed');
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
      grid.titleEl.textContent = m.title;
      grid.summary = `${m.truncated ? ' (limit reached: more rows exist)' : ''} · ${m.elapsedMs} ms${m.sources.length ? ` · from ${m.sources.map((x) => x.file).join(', ')}` : ''}`;
      sqlEl.textContent = m.sql;
      grid.show(m);
      return;
    case 'rows':
      grid.rows(m);
      return;
    case 'error':
      showError(m.message, m.sql, m.position);
      return;
    case 'timeline':
    case 'chart':
      return;
  }
});
