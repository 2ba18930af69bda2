/**
 * The tables of a database as its catalog describes them: what an analysis
 * sees of the other files (labels, cohorts, the other months of a log) when
 * its caller did not pass them.
 */
import type { TableInfo } from '../ingest/build';
import type { Querier } from '../findings/model';
import type { Role } from '../ingest/roles';
import type { ColumnType } from '../ingest/values';

export function catalogTables(query: Querier): TableInfo[] {
  const files = query('SELECT table_name, file, format, encoding, gzip, rows, rejected, bytes FROM catalog_files ORDER BY rowid').rows;
  const cols = query('SELECT table_name, name, source_name, type, role, mismatches FROM catalog_columns ORDER BY table_name, position').rows;
  return files.map(([table, file, format, encoding, gzip, rows, rejected, bytes]): TableInfo => ({
    table: String(table),
    file: String(file),
    format: String(format) as TableInfo['format'],
    encoding: String(encoding) as TableInfo['encoding'],
    gzip: !!gzip,
    rows: Number(rows),
    rejected: Number(rejected),
    bytes: Number(bytes),
    columns: cols
      .filter((c) => c[0] === table)
      .map(([, name, sourceName, type, role, mismatches]) => ({ name: String(name), sourceName: String(sourceName), type: String(type) as ColumnType, role: (role || null) as Role | null, mismatches: Number(mismatches) })),
    indexed: [],
    warnings: [],
  }));
}

