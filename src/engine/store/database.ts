import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type BindParams, type Database, type SqlJsStatic, type SqlValue as SqlJsValue } from 'sql.js';
import type { BuiltTable, ColumnInfo, Reject, TableInfo } from '../ingest/build';
import { applyTemplateRemap } from '../templates/column';
import { LogInvestigatorError } from '../errors';
import { databaseFile, type PagedImage } from './pagedImage';
import { quoteIdent, uniqueName } from './names';
import { guessRoles, type Role } from '../ingest/roles';
import { registerSigmaFunctions } from '../sigma/sqlFunctions';
import { inferType, type ColumnType } from '../ingest/values';

/** A value of a result row; bigint for an integer beyond ±2^53, which a number would round. */
export type SqlValue = SqlJsValue | bigint;

/** A result row: sql.js gives integers as numbers; those beyond ±2^53 are read again, exactly, as bigint. */
export function exactRow(stmt: { get(p?: null, o?: { useBigInt: boolean }): unknown[] }): SqlValue[] {
  const row = stmt.get() as SqlValue[];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      const exact = stmt.get(null, { useBigInt: true }) as SqlValue[];
      for (let k = i; k < row.length; k++) {
        const x = row[k];
        if (typeof x === 'number' && Number.isInteger(x) && !Number.isSafeInteger(x) && typeof exact[k] === 'bigint') row[k] = exact[k];
      }
      break;
    }
  }
  return row;
}

/** Gives a column of a table a role (or none); the column that played that role before loses it. Both stores' setRole. */
export function assignRole(info: TableInfo | undefined, table: string, column: string, role: Role | null): TableInfo {
  if (!info) throw new LogInvestigatorError('BAD_OPTION', `No table named ${table}.`);
  const col = info.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!col) throw new LogInvestigatorError('BAD_OPTION', `Table ${table} has no column ${column}.`);
  if (role) for (const c of info.columns) if (c.role === role) c.role = null;
  col.role = role;
  return info;
}

export interface QueryResult {
  columns: string[];
  rows: SqlValue[][];
  /** More rows existed than maxRows. */
  truncated: boolean;
}

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once; the WASM file sits beside the bundle or in node_modules. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const beside = path.join(__dirname, 'sql-wasm.wasm');
    const wasm = fs.existsSync(beside) ? beside : require.resolve('sql.js/dist/sql-wasm.wasm');
    sqlPromise = initSqlJs({ locateFile: () => wasm });
  }
  return sqlPromise;
}

interface Attached {
  info: TableInfo;
  /** The connection that owns the database file; kept open while the table is in use. */
  handle?: Database;
  schema: string;
}

// SQLite in sql.js allows 10 attached databases: 8 for files, one for copying, one for export.
const MAX_FILE_ATTACHMENTS = 8;

const CATALOG_SQL = `
CREATE TABLE catalog_files (table_name TEXT PRIMARY KEY, file TEXT, format TEXT, encoding TEXT, gzip INTEGER,
  rows INTEGER, rejected INTEGER, bytes INTEGER, time_source TEXT, delimiter TEXT, header INTEGER, warnings TEXT, indexed_at TEXT);
CREATE TABLE catalog_columns (table_name TEXT, position INTEGER, name TEXT, source_name TEXT, type TEXT, role TEXT,
  mismatches INTEGER, PRIMARY KEY (table_name, position));
CREATE TABLE rejects (file TEXT, table_name TEXT, line INTEGER, reason TEXT, raw TEXT);
`;

/** The in-memory database of every indexed file, one table per file, joinable. */
export class LogDatabase {
  private readonly tablesByName = new Map<string, Attached>();
  private seq = 0;

  private constructor(
    private readonly SQL: SqlJsStatic,
    private readonly db: Database,
  ) {}

  static async create(): Promise<LogDatabase> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(CATALOG_SQL);
    // regexp() and cidr_match(), which compiled Sigma rules call
    registerSigmaFunctions(db);
    return new LogDatabase(SQL, db);
  }

  tables(): TableInfo[] {
    return [...this.tablesByName.values()].map((a) => a.info);
  }

  table(name: string): TableInfo | undefined {
    return this.find(name)?.info;
  }

  private find(name: string): Attached | undefined {
    const lower = name.toLowerCase();
    for (const [k, v] of this.tablesByName) if (k.toLowerCase() === lower) return v;
    return undefined;
  }

  tableNames(): string[] {
    return [...this.tablesByName.keys()];
  }

  /** Adds a table built by buildTable(); returns its catalog entry. */
  addBuilt(built: BuiltTable): TableInfo {
    const { info } = built;
    if (this.find(info.table)) throw new LogInvestigatorError('BAD_OPTION', `A table named ${info.table} exists already.`);
    const placed = this.place(built.image, info.templates ? [info.table, info.templates.table] : [info.table]);
    if (built.templateRemap) applyTemplateRemap(this.db, placed.schema, info.table, built.templateRemap);
    this.tablesByName.set(info.table, { info, handle: placed.handle, schema: placed.schema });
    this.writeCatalog(info, built.rejects);
    return info;
  }

  /** Adds the tables of a SQLite database file as they are (renamed only when a name is taken). */
  addSqlite(file: string, bytes: Uint8Array): TableInfo[] {
    const handle = new this.SQL.Database(bytes);
    let names: string[];
    try {
      names = handle
        .exec("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        .flatMap((r) => r.values.map((v) => String(v[0])));
    } catch (e) {
      handle.close();
      throw new LogInvestigatorError('UNREADABLE', `${file}: not a readable SQLite database (${(e as Error).message}).`);
    }
    if (names.length === 0) {
      handle.close();
      throw new LogInvestigatorError('EMPTY', `${file} is a SQLite database without tables: there is nothing to index.`);
    }
    // Rename tables whose names are taken, inside the file's own database.
    const taken = new Set(this.tableNames());
    const finalNames: string[] = [];
    for (const n of names) {
      const unique = uniqueName(n, [...taken]);
      if (unique !== n) handle.run(`ALTER TABLE ${quoteIdent(n)} RENAME TO ${quoteIdent(unique)}`);
      taken.add(unique);
      finalNames.push(unique);
    }
    const filename = (handle as unknown as { filename: string }).filename;
    const placed = this.placeHandle(handle, filename, finalNames);
    const stat = fs.existsSync(file) ? fs.statSync(file).size : bytes.length;
    const infos: TableInfo[] = [];
    for (const t of finalNames) {
      const info = this.describeSqliteTable(file, t, placed.schema, stat);
      this.tablesByName.set(t, { info, handle: placed.handle, schema: placed.schema });
      this.writeCatalog(info, []);
      infos.push(info);
    }
    return infos;
  }

  private describeSqliteTable(file: string, table: string, schema: string, bytes: number): TableInfo {
    const q = `${quoteIdent(schema)}.${quoteIdent(table)}`;
    const cols = this.query(`SELECT name, type FROM pragma_table_info(?, ?)`, [table, schema]).rows.map((r) => ({
      name: String(r[0]),
      declared: String(r[1] ?? ''),
    }));
    const rows = Number(this.query(`SELECT count(*) FROM ${q}`).rows[0][0]);
    const sample = this.query(`SELECT * FROM ${q} LIMIT 2000`);
    const columns: ColumnInfo[] = cols.map((c, i) => {
      const vals = sample.rows.map((r) => r[i]).filter((v) => v !== null && v !== '');
      let type: ColumnType;
      if (vals.length && vals.every((v) => typeof v === 'number')) {
        type = vals.every((v) => Number.isInteger(v)) ? 'integer' : 'real';
        const inf = inferType(vals.map(String), c.name);
        if (inf.type === 'timestamp' || inf.type === 'boolean') type = inf.type;
      } else type = inferType(vals.map((v) => (v instanceof Uint8Array ? '' : String(v))), c.name).type;
      return { name: c.name, sourceName: c.name, type, role: null, mismatches: 0 };
    });
    const nulls = columns.map((_, i) => (sample.rows.length ? sample.rows.filter((r) => r[i] === null || r[i] === '').length / sample.rows.length : 1));
    const roles = guessRoles(columns.map((c, i) => ({ name: c.name, type: c.type, nullShare: nulls[i] })));
    for (const c of columns) c.role = roles.get(c.name) ?? null;
    const indexed = this.query(
      `SELECT DISTINCT ii.name FROM pragma_index_list(?, ?) il JOIN pragma_index_info(il.name, ?) ii WHERE ii.seqno = 0`,
      [table, schema, schema],
    ).rows.map((r) => String(r[0]));
    return { file, table, format: 'sqlite', encoding: 'utf-8', gzip: false, rows, rejected: 0, bytes, columns, indexed, warnings: [] };
  }

  /** Opens an image as a database file and makes its tables visible to queries. */
  private place(image: PagedImage, tables: string[]): { handle?: Database; schema: string } {
    // the image becomes the file itself, not a copy: an indexed file's pages exist once; it must not be used afterwards
    const handle = new this.SQL.Database(databaseFile(image));
    const filename = (handle as unknown as { filename: string }).filename;
    return this.placeHandle(handle, filename, tables);
  }

  private placeHandle(handle: Database, filename: string, tables: string[]): { handle?: Database; schema: string } {
    const attachedFiles = new Set([...this.tablesByName.values()].filter((a) => a.handle).map((a) => a.schema)).size;
    if (attachedFiles < MAX_FILE_ATTACHMENTS) {
      const schema = `f${++this.seq}`;
      this.db.run('ATTACH ? AS ?', ['/' + filename, schema]);
      return { handle, schema };
    }
    // Out of attachment slots: copy the tables into the main database.
    const tmp = `copy${++this.seq}`;
    this.db.run('ATTACH ? AS ?', ['/' + filename, tmp]);
    try {
      this.db.exec('BEGIN');
      for (const t of tables) {
        const sql = this.query(`SELECT sql FROM ${quoteIdent(tmp)}.sqlite_schema WHERE type = 'table' AND name = ?`, [t]).rows[0][0];
        this.db.exec(renameCreate(String(sql), `main.${quoteIdent(t)}`));
        this.db.exec(`INSERT INTO main.${quoteIdent(t)} SELECT * FROM ${quoteIdent(tmp)}.${quoteIdent(t)}`);
        this.copyIndexes(tmp, t, 'main');
      }
      this.db.exec('COMMIT');
    } finally {
      this.db.run('DETACH ?', [tmp]);
      handle.close();
    }
    return { schema: 'main' };
  }

  /**
   * Creates a table's indexes (the IP, user, group… indexes the builder laid
   * out) again in the schema the table was copied to: a copied table is
   * otherwise without them, and grouping by IP or user scans every row.
   */
  private copyIndexes(from: string, table: string, to: string): void {
    const idx = this.query(`SELECT sql FROM ${quoteIdent(from)}.sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, [table]).rows;
    for (const [sql] of idx) {
      const m = /^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?/i.exec(String(sql));
      if (!m) continue;
      this.db.exec(`CREATE ${m[1] ?? ''}INDEX ${quoteIdent(to)}.${String(sql).slice(m[0].length)}`);
    }
  }

  private writeCatalog(info: TableInfo, rejects: Reject[]): void {
    const db = this.db;
    db.exec('BEGIN');
    try {
      db.run(
        `INSERT OR REPLACE INTO catalog_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          info.table, info.file, info.format, info.encoding, info.gzip ? 1 : 0, info.rows, info.rejected, info.bytes,
          info.timeSource?.join(' + ') ?? null, info.delimiter ?? null, info.header === undefined ? null : info.header ? 1 : 0,
          info.warnings.length ? info.warnings.join('\n') : null, new Date().toISOString(),
        ],
      );
      db.run('DELETE FROM catalog_columns WHERE table_name = ?', [info.table]);
      const cs = db.prepare('INSERT INTO catalog_columns VALUES (?, ?, ?, ?, ?, ?, ?)');
      try {
        info.columns.forEach((c, i) => cs.run([info.table, i + 1, c.name, c.sourceName, c.type, c.role, c.mismatches]));
      } finally {
        cs.free();
      }
      const rs = db.prepare('INSERT INTO rejects VALUES (?, ?, ?, ?, ?)');
      try {
        for (const r of rejects) rs.run([info.file, info.table, r.line, r.reason, r.raw]);
      } finally {
        rs.free();
      }
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Gives a column a role (or none); other columns lose that role. */
  setRole(table: string, column: string, role: Role | null): TableInfo {
    const a = this.find(table);
    assignRole(a?.info, table, column, role);
    a!.info.columns.forEach((c, i) =>
      this.db.run('UPDATE catalog_columns SET role = ? WHERE table_name = ? AND position = ?', [c.role, a!.info.table, i + 1]),
    );
    return a!.info;
  }

  /** The column playing a role in a table, if any. */
  columnFor(table: string, role: Role): string | undefined {
    return this.find(table)?.info.columns.find((c) => c.role === role)?.name;
  }

  /** Removes a table and everything the catalog says about it. */
  remove(table: string): void {
    const a = this.find(table);
    if (!a) return;
    const name = a.info.table;
    this.tablesByName.delete(name);
    if (a.schema === 'main') this.db.exec(`DROP TABLE main.${quoteIdent(name)}`);
    else if (![...this.tablesByName.values()].some((o) => o.schema === a.schema)) {
      this.db.run('DETACH ?', [a.schema]);
      a.handle?.close();
    }
    this.db.run('DELETE FROM catalog_files WHERE table_name = ?', [name]);
    this.db.run('DELETE FROM catalog_columns WHERE table_name = ?', [name]);
    this.db.run('DELETE FROM rejects WHERE table_name = ?', [name]);
  }

  /**
   * Runs SQL (several statements allowed; the last one's rows are returned).
   * Values are bound, never spliced into the text.
   */
  query(sql: string, params: SqlValue[] = [], opts: { maxRows?: number } = {}): QueryResult {
    const maxRows = opts.maxRows ?? Number.MAX_SAFE_INTEGER;
    let result: QueryResult = { columns: [], rows: [], truncated: false };
    let first = true;
    try {
      for (const stmt of this.db.iterateStatements(sql)) {
        try {
          if (first && params.length) stmt.bind(params as BindParams);
          first = false;
          const columns = stmt.getColumnNames();
          const rows: SqlValue[][] = [];
          let truncated = false;
          while (stmt.step()) {
            if (rows.length >= maxRows) {
              truncated = true;
              break;
            }
            rows.push(exactRow(stmt as unknown as Parameters<typeof exactRow>[0]));
          }
          if (columns.length) result = { columns, rows, truncated };
        } finally {
          stmt.free();
        }
      }
    } catch (e) {
      if (e instanceof LogInvestigatorError) throw e;
      throw new LogInvestigatorError('SQL', `SQL error: ${(e as Error).message}${this.quotingHint((e as Error).message)}`);
    }
    return result;
  }

  /**
   * `no such column: id.orig_h` when a table has a column of that very name
   * (Zeek's dotted names): SQL read it as column orig_h of a table id; say
   * how to write it.
   */
  private quotingHint(message: string): string {
    const m = /no such column: (\S+)/.exec(message);
    if (!m || !m[1].includes('.')) return '';
    const name = m[1];
    const t = this.tables().find((x) => x.columns.some((c) => c.name === name));
    return t ? ` (${t.table} has a column named ${name}: a name with a dot is written in double quotes, ${quoteIdent(name)})` : '';
  }

  /** One SQLite file with every table and the catalog, for `--out` and "save as". */
  exportDatabase(): Uint8Array {
    const target = new this.SQL.Database();
    const filename = (target as unknown as { filename: string }).filename;
    const out = `export${++this.seq}`;
    this.db.run('ATTACH ? AS ?', ['/' + filename, out]);
    try {
      this.db.exec('BEGIN');
      const all: { schema: string; table: string }[] = [
        ...['catalog_files', 'catalog_columns', 'rejects'].map((t) => ({ schema: 'main', table: t })),
        ...[...this.tablesByName.values()].map((a) => ({ schema: a.schema, table: a.info.table })),
      ];
      for (const { schema, table } of all) {
        const sql = this.query(`SELECT sql FROM ${quoteIdent(schema)}.sqlite_schema WHERE type = 'table' AND name = ?`, [table]).rows[0]?.[0];
        if (!sql) continue;
        this.db.exec(renameCreate(String(sql), `${quoteIdent(out)}.${quoteIdent(table)}`));
        this.db.exec(`INSERT INTO ${quoteIdent(out)}.${quoteIdent(table)} SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table)}`);
        this.copyIndexes(schema, table, out);
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.db.run('DETACH ?', [out]);
    }
    const bytes = target.export();
    target.close();
    return bytes;
  }

  close(): void {
    const handles = new Set([...this.tablesByName.values()].map((a) => a.handle).filter((h): h is Database => !!h));
    this.db.close();
    for (const h of handles) h.close();
    this.tablesByName.clear();
  }
}

/** `CREATE TABLE name (...)` → `CREATE TABLE target (...)`. */
function renameCreate(sql: string, target: string): string {
  const m = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s(]+)\s*/i.exec(sql);
  if (!m) throw new LogInvestigatorError('SQL', `cannot copy table: unexpected schema ${sql.slice(0, 80)}`);
  return `CREATE TABLE ${target} ` + sql.slice(m[0].length);
}
