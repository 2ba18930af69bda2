/**
 * Where the parsers' rows go when they do not go into the SQLite image: build.ts encodes each row
 * as a SQLite record (the same bytes, the same conversions, on the byte path and the string path)
 * and hands it to the sink instead of the image's table B-tree. The ClickHouse store's sink
 * (store/clickhouse/stream.ts) sends them in batches to the shards while the file is read.
 */
import type { CellValue, RecordEncoder } from '../store/sqliteImage';

/** A column as the SQLite table would declare it: 'INTEGER', 'REAL', 'TEXT', or '' (values of several kinds). */
export interface SinkColumn {
  name: string;
  decl: string;
}

/** The calls build.ts makes on the image's TableBuilder, which a sink takes instead. */
export interface RowTarget {
  /** Encode a record here (begin, put…, finish), then commit() it. */
  readonly enc: RecordEncoder;
  readonly rows: number;
  addRow(rowid: number, values: ArrayLike<CellValue>): void;
  /** The record just encoded in `enc`, under this rowid (the row's line; rowids increase). */
  commit(rowid: number): void;
}

export interface RowSink extends RowTarget {
  /** Awaited between chunks of the file: resolves once the sink has room again (its memory stays bounded); rejects when it failed. */
  drain(): Promise<void> | undefined;
}

/**
 * Makes the sink of one file's table once its name is known. `columns()` says the table's columns
 * as they are declared at that moment: the schema is decided after the first records, a JSON
 * Lines file may add columns later, and a column's declaration widens when a later value does
 * not fit its type (to '' for a value kept as text).
 */
export type RowSinkFactory = (table: string, columns: () => SinkColumn[]) => RowSink;
