/**
 * The one message protocol between the extension host and its webviews.
 * The webview imports only types from here (`import type`), so nothing of the
 * host reaches the browser bundle. Every message has a `type`; both sides
 * switch on it exhaustively.
 */
import type { CopyFormat } from './copyFormat';

/** A cell as the webview shows it: text, number or NULL (blobs arrive as a text summary). */
export type Cell = string | number | null;

export interface ResultColumn {
  name: string;
  /** Semantic type from the catalog when the column comes from an indexed table, else from the values. */
  type: string;
}

/** A table the rows of a result came from, so each row can link to its source line there (a join has several). */
export interface ResultSource {
  table: string;
  /** The log file; sent to the webview relative to the workspace folder (or its name alone), never as an absolute path. */
  file: string;
  /** Index of the `_line` column in the result. */
  lineColumn: number;
}

export type HostToWebview =
  | {
      type: 'result';
      title: string;
      sql: string;
      columns: ResultColumn[];
      total: number;
      /** The query had more rows than the configured maximum. */
      truncated: boolean;
      offset: number;
      rows: Cell[][];
      /** One per `_line` column the query takes from a table: none, one, or one per joined log. */
      sources: ResultSource[];
      /** Rows of an aggregate (single-table GROUP BY) can list the rows behind them. */
      behind: boolean;
      elapsedMs: number;
    }
  /** A page of the rows in view (after filter and sort); `total` is how many are in view. */
  | { type: 'rows'; offset: number; rows: Cell[][]; total: number }
  /** `sql` and `position` (0-based offset of the failing token, when SQLite names one) keep a failed query on view. */
  | { type: 'error'; message: string; sql?: string; position?: number }
  | { type: 'timeline'; title: string; table: string; bucket: string; spec: Record<string, unknown> }
  | { type: 'chart'; title: string; charts: ChartSpec[]; tables: ChartTable[] };

/** A table under the charts; with `linked`, each row has a "rows…" link to the log rows behind it. */
export interface ChartTable {
  title: string;
  columns: string[];
  rows: Cell[][];
  linked?: boolean;
  /** What the link lists, for its tooltip ("the finding's evidence", "rows with this ip"). */
  linkTitle?: string;
}

/** A Vega-Lite spec with its data inline, and the heading it is shown under. */
export interface ChartSpec {
  title: string;
  spec: Record<string, unknown>;
}

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestRows'; offset: number; count: number }
  | { type: 'sort'; column: number; descending: boolean }
  /** Open line `line` of the result's `sources[source]`. */
  | { type: 'openSource'; line: number; source: number }
  /** List the rows an aggregated row (its index in view) summarises. */
  | { type: 'rowsBehind'; row: number }
  | { type: 'exportCsv' }
  /** Filter the rows in view: text contained (case-insensitive) in one column, or any when `column` is null. */
  | { type: 'filter'; text: string; column: number | null }
  /**
   * Copy rows in view (indices, or a range `[from, to)`), of some columns (null: all), in a format;
   * the host formats them, so rows not yet sent to the webview copy too.
   */
  | { type: 'copy'; rows: number[] | { from: number; to: number }; columns: number[] | null; format: CopyFormat; header: boolean }
  | { type: 'brush'; from: string | null; to: string | null }
  /** The rows behind row `row` (its index as sent) of table `table` under the charts. */
  | { type: 'tableRows'; table: number; row: number }
  | { type: 'error'; message: string };

/** Rows per page sent to the webview; the table asks for more as it scrolls. */
export const PAGE_ROWS = 200;
