/**
 * Investigation notebooks (`*.loginv`): readable JSON that diffs well. Each cell's source is an
 * array of lines; outputs are kept (a SQL cell's columns and rows, a chart's spec) so a saved
 * notebook shows its results before it is run again.
 *
 *   { "logInvestigatorNotebook": 1,
 *     "cells": [ { "kind": "markdown", "source": ["# Title"] },
 *                { "kind": "sql", "source": ["SELECT …"], "output": { "columns": […], "rows": […], "total": 12 } },
 *                { "kind": "chart", "source": ["{ …Vega-Lite… }"], "output": { "spec": { … } } } ] }
 *
 * A chart cell is a Vega-Lite spec; its `data` may be `{ "sql": "SELECT …" }`, which is run and
 * inlined when the cell runs.
 */
import type { Cell } from './protocol';
import { skipQuoted } from './sqlStatements';

export const NOTEBOOK_TYPE = 'log-investigator-notebook';
export const TABLE_MIME = 'application/vnd.log-investigator.table+json';
export const CHART_MIME = 'application/vnd.log-investigator.vegalite+json';
/** Rows kept in a saved SQL output (the whole result is one re-run away). */
export const SAVED_ROWS = 500;

export type CellKind = 'markdown' | 'sql' | 'chart';

export interface TableOutput {
  columns: string[];
  /** Each column's type (the catalog's when a queried table has it, else from the values): numbers sit right, sort as numbers. */
  types?: string[];
  rows: Cell[][];
  /** Rows the query returned (more than `rows` when cut at SAVED_ROWS). */
  total: number;
  ms?: number;
  /** Tables the rows come from (by name; files are looked up when a link is followed), each with its `_line` column
   * and the file as the workspace named it when the cell ran (shown in the link's tooltip only). */
  sources?: { table: string; lineColumn: number; file?: string }[];
}

export interface ChartOutput {
  spec: Record<string, unknown>;
}

export interface NotebookCellData {
  kind: CellKind;
  source: string;
  output?: TableOutput | ChartOutput | { error: string };
}

interface StoredCell {
  kind: CellKind;
  source: string[];
  output?: NotebookCellData['output'];
}

const KINDS: CellKind[] = ['markdown', 'sql', 'chart'];

/** Parses a notebook file; an empty file is an empty notebook; anything else malformed says where. */
export function parseNotebook(text: string): NotebookCellData[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`This notebook is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const cells = (doc as { cells?: unknown }).cells;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(cells)) throw new Error('This notebook has no "cells" list.');
  return cells.map((c, i) => {
    const cell = c as Partial<StoredCell>;
    if (!KINDS.includes(cell.kind as CellKind)) throw new Error(`Cell ${i + 1} has an unknown kind ${JSON.stringify(cell.kind)} (markdown, sql or chart).`);
    const source = Array.isArray(cell.source) ? cell.source.map(String).join('\n') : typeof cell.source === 'string' ? cell.source : '';
    return { kind: cell.kind as CellKind, source, ...(cell.output ? { output: cell.output } : {}) };
  });
}

/** Writes a notebook: two-space JSON, one line of source per array item, outputs cut to SAVED_ROWS. */
export function serializeNotebook(cells: NotebookCellData[]): string {
  const stored: StoredCell[] = cells.map((c) => {
    const out: StoredCell = { kind: c.kind, source: c.source.split(/\r\n|\n/) };
    if (c.output) out.output = 'rows' in c.output ? { ...c.output, rows: c.output.rows.slice(0, SAVED_ROWS) } : c.output;
    return out;
  });
  return JSON.stringify({ logInvestigatorNotebook: 1, cells: stored }, null, 2) + '\n';
}

/** A SQL literal for a bound value, so a recorded query can be written out as runnable text. */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Uint8Array) return `X'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** Replaces each `?` outside strings and quoted names with the next parameter as a literal. */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  if (params.length === 0) return sql;
  let out = '';
  let k = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const j = skipQuoted(sql, i);
      out += sql.slice(i, j + 1);
      i = j;
    } else if (c === '?' && k < params.length) out += sqlLiteral(params[k++]);
    else out += c;
  }
  return out;
}
