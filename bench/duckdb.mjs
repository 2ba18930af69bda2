#!/usr/bin/env node
// DuckDB beside our CLI (#17, "Faster, on both cores"): DuckDB's read_csv loads the same file into a
// table (types detected by DuckDB, as ours are inferred), then the same query runs; the answer is
// printed as CSV with a header row, like `query --csv`. Run as its own process by bench/run.mjs so
// that wall time, CPU time and peak memory are taken the same way for every tool (process start and
// loading DuckDB's native library included, as Node's start and sql.js's loading are in ours).
//
//   node bench/duckdb.mjs FILE TABLE COL1,COL2,... SQL [DELIM]
//
// @duckdb/node-api is an optional dependency: when it cannot be loaded this exits with code 3 and
// says why on stderr (the bench then skips DuckDB instead of failing).
// LI_BENCH_DUCKDB_MODULE names another module to load (the bench's own test of the skip uses it).
import { pathToFileURL } from 'node:url';

export const MISSING_EXIT = 3;
export const MODULE = process.env.LI_BENCH_DUCKDB_MODULE || '@duckdb/node-api';

const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;
const csvCell = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function main([file, table, columns, sql, delim = ' ']) {
  if (!file || !table || !columns || !sql) {
    console.error('usage: node bench/duckdb.mjs FILE TABLE COL1,COL2,... SQL [DELIM]');
    process.exit(2);
  }
  let duckdb;
  try {
    duckdb = await import(MODULE);
  } catch (e) {
    console.error(`duckdb: ${MODULE} could not be loaded (${e.code ?? e.message}); it is an optional dependency`);
    process.exit(MISSING_EXIT);
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const names = columns.split(',').map(sqlString).join(', ');
  const ident = `"${table.replace(/"/g, '""')}"`;
  await con.run(`CREATE TABLE ${ident} AS SELECT * FROM read_csv(${sqlString(file)}, delim = ${sqlString(delim)}, header = false, names = [${names}])`);
  const result = await con.runAndReadAll(sql);
  const out = [result.columnNames().map(csvCell).join(',')];
  for (const row of result.getRows()) out.push(row.map(csvCell).join(','));
  process.stdout.write(out.join('\n') + '\n');
  con.closeSync?.();
  instance.closeSync?.();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
