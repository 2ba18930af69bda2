import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/engine/engine';
import type { IndexOptions, TableInfo } from '../src/engine/ingest/build';
import type { SqlValue } from '../src/engine/store/database';

/** test/fixtures, from the compiled test's folder (out/test/…) or the source tree. */
export const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures');
export const fixture = (name: string): string => path.join(FIXTURES, name);

/** ../shared/data beside the repository, when this machine has it. */
export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
export const hasShared = fs.existsSync(SHARED);

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'li-test-'));
}

/** Indexes files in a fresh engine and returns it with the tables. */
export async function indexed(files: string[], opts: IndexOptions = {}): Promise<{ engine: Engine; tables: TableInfo[] }> {
  const engine = await Engine.create();
  const outcomes = await engine.index(files, opts);
  for (const o of outcomes) if (o.error) throw new Error(o.error.message);
  return { engine, tables: outcomes.flatMap((o) => o.tables) };
}

export function rows(engine: Engine, sql: string, params: SqlValue[] = []): SqlValue[][] {
  return engine.query(sql, params).rows;
}

export function one(engine: Engine, sql: string, params: SqlValue[] = []): SqlValue {
  return engine.query(sql, params).rows[0]?.[0];
}

export const col = (t: TableInfo, name: string) => {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name} in ${t.table}: ${t.columns.map((x) => x.name).join(', ')}`);
  return c;
};
