/**
 * The catalog in ClickHouse: what each indexed file became (catalog_files, with the whole TableInfo
 * as JSON so nothing is lost between sessions), its columns with type and role (catalog_columns),
 * and the lines that did not fit (rejects), on the first server. Entries are versioned
 * (ReplacingMergeTree, read with FINAL): a role change or a removal is a newer row, visible at once.
 * Tables of the database that the catalog does not list (made by others) are described from
 * system.columns, their roles guessed from names, types and a sample of values.
 */
import type { ColumnInfo, Reject, TableInfo } from '../../ingest/build';
import { guessRoles } from '../../ingest/roles';
import { inferType, type ColumnType } from '../../ingest/values';
import type { ClickHouseHttp } from './http';
import { literal } from './dialect';
import { chName } from './sqlTree';

export const CATALOG_TABLES = ['catalog_files', 'catalog_columns', 'rejects'];

export async function ensureCatalog(node: ClickHouseHttp, db: string): Promise<void> {
  const d = chName(db);
  await node.command(
    `CREATE TABLE IF NOT EXISTS ${d}.catalog_files (table_name String, file String, format String, rows Int64, rejected Int64, bytes Int64, info String, indexed_at String, removed UInt8, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY table_name`,
  );
  await node.command(
    `CREATE TABLE IF NOT EXISTS ${d}.catalog_columns (table_name String, position UInt32, name String, source_name String, type String, role Nullable(String), mismatches Int64, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY (table_name, position)`,
  );
  await node.command(`CREATE TABLE IF NOT EXISTS ${d}.rejects (file String, table_name String, line Int64, reason String, raw String) ENGINE = MergeTree() ORDER BY (table_name, line)`);
}

let lastVersion = 0;
/** A version above every earlier one of this process (milliseconds, made strictly increasing). */
const nextVersion = () => (lastVersion = Math.max(lastVersion + 1, Date.now()));

export async function writeEntry(node: ClickHouseHttp, db: string, info: TableInfo, rejects: Reject[] = []): Promise<void> {
  const version = nextVersion();
  const d = chName(db);
  await node.insert(`${d}.catalog_files`, [
    { table_name: info.table, file: info.file, format: info.format, rows: info.rows, rejected: info.rejected, bytes: info.bytes, info: JSON.stringify(info), indexed_at: new Date().toISOString(), removed: 0, version },
  ]);
  await node.insert(
    `${d}.catalog_columns`,
    info.columns.map((c, i) => ({ table_name: info.table, position: i + 1, name: c.name, source_name: c.sourceName, type: c.type, role: c.role, mismatches: c.mismatches, version })),
  );
  if (rejects.length) await node.insert(`${d}.rejects`, rejects.map((r) => ({ file: info.file, table_name: info.table, line: r.line, reason: r.reason, raw: r.raw })));
}

/** A removal: a newer catalog_files row marked removed, and the table's columns and rejected lines deleted. */
export async function removeEntry(node: ClickHouseHttp, db: string, info: TableInfo): Promise<void> {
  const d = chName(db);
  await node.insert(`${d}.catalog_files`, [
    { table_name: info.table, file: info.file, format: info.format, rows: 0, rejected: 0, bytes: 0, info: JSON.stringify(info), indexed_at: new Date().toISOString(), removed: 1, version: nextVersion() },
  ]);
  // mutations touch only the rows there now, not those the next index inserts
  for (const t of ['catalog_columns', 'rejects']) await node.command(`ALTER TABLE ${d}.${t} DELETE WHERE table_name = ${literal(info.table)}`);
}

/** The database has a catalog (made by the first index; a read-only user or a database made by others may have none). */
export async function hasCatalog(node: ClickHouseHttp, db: string): Promise<boolean> {
  const r = await node.query(`SELECT count() FROM system.tables WHERE database = ${literal(db)} AND name = 'catalog_files'`);
  return Number(r.rows[0]?.[0] ?? 0) > 0;
}

export async function readCatalog(node: ClickHouseHttp, db: string): Promise<TableInfo[]> {
  const r = await node.query(`SELECT info FROM ${chName(db)}.catalog_files FINAL WHERE removed = 0 ORDER BY indexed_at, table_name`);
  return r.rows.map((row) => JSON.parse(String(row[0])) as TableInfo);
}

/** The engine's type of a ClickHouse column type, or undefined when values must be sampled (strings). */
function typeOf(chType: string): ColumnType | undefined {
  const t = chType.replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2').replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2');
  if (/^U?Int\d+$/.test(t)) return 'integer';
  if (/^(Float\d+|Decimal)/.test(t)) return 'real';
  if (/^DateTime/.test(t)) return 'timestamp';
  if (t === 'Date') return 'date';
  if (/^(IPv4|IPv6)$/.test(t)) return 'ip';
  if (/^(String|FixedString|Enum|UUID)/.test(t)) return undefined;
  return 'text';
}

/** Tables of the database that the catalog does not list, described from system.columns and a sample of their rows. */
export async function describeExisting(node: ClickHouseHttp, db: string, known: Set<string>): Promise<TableInfo[]> {
  const tables = await node.query(`SELECT name, engine FROM system.tables WHERE database = ${literal(db)} ORDER BY name`);
  const out: TableInfo[] = [];
  for (const [n, engine] of tables.rows) {
    const name = String(n);
    // the catalog's own tables, the shards' parts of indexed tables, and engines that hold no rows to read
    if (known.has(name) || CATALOG_TABLES.includes(name) || [...known].some((k) => name === `${k}_local`) || /^(Null|Set|Join|Buffer)$/.test(String(engine))) continue;
    out.push(await describeTable(node, db, name));
  }
  return out;
}

async function describeTable(node: ClickHouseHttp, db: string, table: string): Promise<TableInfo> {
  const cols = (await node.query(`SELECT name, type, default_kind FROM system.columns WHERE database = ${literal(db)} AND table = ${literal(table)}`)).rows
    .filter((r) => r[2] === '' || r[2] === 'DEFAULT')
    .map((r) => ({ name: String(r[0]), chType: String(r[1]) }));
  const qt = `${chName(db)}.${chName(table)}`;
  const rows = Number((await node.query(`SELECT count() FROM ${qt}`)).rows[0][0]);
  const sample = await node.query(`SELECT ${cols.map((c) => `toString(${chName(c.name)})`).join(', ')} FROM ${qt} LIMIT 2000`);
  const columns: ColumnInfo[] = cols.map((c, i) => {
    const vals = sample.rows.map((r) => r[i]).filter((v): v is string => v !== null && v !== '').map(String);
    const type = typeOf(c.chType) ?? inferType(vals, c.name).type;
    return { name: c.name, sourceName: c.name, type, role: null, mismatches: 0 };
  });
  const nulls = columns.map((_, i) => (sample.rows.length ? sample.rows.filter((r) => r[i] === null || r[i] === '').length / sample.rows.length : 1));
  const roles = guessRoles(columns.map((c, i) => ({ name: c.name, type: c.type, nullShare: nulls[i] })));
  for (const c of columns) c.role = roles.get(c.name) ?? null;
  return { file: `clickhouse:${db}.${table}`, table, format: 'sqlite', encoding: 'utf-8', gzip: false, rows, rejected: 0, bytes: 0, columns, indexed: [], warnings: [], formatName: 'clickhouse' };
}
