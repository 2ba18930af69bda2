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

/**
 * What a grid shows first: its columns, how many rows are in view, the first page of them, and
 * where each row leads (its source lines, or the rows behind an aggregated row). The results
 * view has one grid; the chart view has one per table under its charts, each named by its index
 * (`grid` in the messages below; absent for the results grid).
 */
export interface GridData {
  columns: ResultColumn[];
  total: number;
  offset: number;
  rows: Cell[][];
  /** One per `_line` column the rows take from a table: none, one, or one per joined log. */
  sources: ResultSource[];
  /** Each row can list the rows behind it (an aggregate's group, a finding's evidence, an entity's rows). */
  behind: boolean;
  /** What "rows…" lists, for its tooltip ("the finding's evidence rows"). */
  behindTitle?: string;
  /** Numbers shown to at most this many decimals (the values copied and exported keep theirs). */
  digits?: number;
}

/** A table under the charts: a grid with its heading. */
export interface ChartGrid extends GridData {
  title: string;
}

export type HostToWebview =
  | ({
      type: 'result';
      title: string;
      sql: string;
      /** The query had more rows than the configured maximum. */
      truncated: boolean;
      elapsedMs: number;
    } & GridData)
  /** A page of the rows in view (after filter and sort); `total` is how many are in view. */
  | { type: 'rows'; grid?: number; offset: number; rows: Cell[][]; total: number }
  /** `sql` and `position` (0-based offset of the failing token, when SQLite names one) keep a failed query on view. */
  | { type: 'error'; message: string; sql?: string; position?: number }
  | { type: 'timeline'; title: string; table: string; bucket: string; spec: Record<string, unknown> }
  | { type: 'chart'; title: string; charts: ChartSpec[]; tables: ChartGrid[] };

/** A table under the charts as the host is given it; with `linked`, each row has a "rows…" link to the log rows behind it. */
export interface ChartTable {
  title: string;
  columns: string[];
  rows: Cell[][];
  linked?: boolean;
  /** What the link lists, for its tooltip ("the finding's evidence", "rows with this ip"). */
  linkTitle?: string;
  /** The log lines its rows come from (a `_line` column of a log), when they do. */
  sources?: ResultSource[];
}

/** A Vega-Lite spec with its data inline, and the heading it is shown under. */
export interface ChartSpec {
  title: string;
  spec: Record<string, unknown>;
}

/** The messages of a grid name it by `grid` (its index under the charts); without one they are the results grid's. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestRows'; grid?: number; offset: number; count: number }
  | { type: 'sort'; grid?: number; column: number; descending: boolean }
  /** Open line `line` of the grid's `sources[source]`. */
  | { type: 'openSource'; grid?: number; line: number; source: number }
  /** List the rows behind row `row` (its index in view): an aggregated row's group, a finding's evidence. */
  | { type: 'rowsBehind'; grid?: number; row: number }
  | { type: 'exportCsv'; grid?: number }
  /** Filter the rows in view: text contained (case-insensitive) in one column, or any when `column` is null. */
  | { type: 'filter'; grid?: number; text: string; column: number | null }
  /**
   * Copy rows in view (indices, or a range `[from, to)`), of some columns (null: all), in a format;
   * the host formats them, so rows not yet sent to the webview copy too.
   */
  | { type: 'copy'; grid?: number; rows: number[] | { from: number; to: number }; columns: number[] | null; format: CopyFormat; header: boolean }
  | { type: 'brush'; from: string | null; to: string | null }
  | { type: 'error'; message: string };

/**
 * What the notebook renderer asks of the extension (renderer messaging). A SQL cell's output is a
 * grid over the rows saved in the output: it speaks `WebviewToHost` and the renderer answers its
 * rows, sorts, filters and copies with `gridReply` over them (src/shared/gridRows.ts), as the host
 * answers the panels' grids. Only what needs the host comes here: open a table's source line (the
 * table is looked up in the catalog: a shared notebook names tables, not another machine's paths),
 * put a copy on the clipboard, save the rows in view as CSV.
 */
export type RendererToHost =
  | { type: 'openSource'; table: string; line: number }
  | { type: 'clipboard'; text: string }
  | { type: 'exportCsv'; name: string; columns: string[]; rows: Cell[][] };

const isCell = (v: unknown): v is Cell => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** A renderer message of the right shape (what a webview sends is checked before the host acts on it). */
export function isRendererMessage(m: unknown): m is RendererToHost {
  const x = m as { type?: unknown; [k: string]: unknown } | null;
  if (!x || typeof x !== 'object') return false;
  switch (x.type) {
    case 'openSource':
      return typeof x.table === 'string' && Number.isInteger(x.line) && (x.line as number) > 0;
    case 'clipboard':
      return typeof x.text === 'string';
    case 'exportCsv':
      return typeof x.name === 'string' && Array.isArray(x.columns) && x.columns.every((c) => typeof c === 'string') && Array.isArray(x.rows) && x.rows.every((r) => Array.isArray(r) && r.every(isCell));
    default:
      return false;
  }
}

/** Rows per page sent to the webview; the table asks for more as it scrolls. */
export const PAGE_ROWS = 200;
