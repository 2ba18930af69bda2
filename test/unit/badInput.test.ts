import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Engine } from '../../src/engine/engine';
import { LogInvestigatorError } from '../../src/engine/errors';
import { col, fixture, indexed, one, rows, tmpDir } from '../helpers';

async function failure(file: string): Promise<{ code: string; message: string }> {
  const engine = await Engine.create();
  try {
    const [o] = await engine.index([file]);
    assert.ok(o.error, `expected ${file} to fail`);
    assert.equal(engine.tables().length, 0);
    return o.error;
  } finally {
    await engine.dispose();
  }
}

describe('bad input: a clear message, nothing lost, no crash', () => {
  it('an empty file is one clear error', async () => {
    const e = await failure(fixture('empty.csv'));
    assert.equal(e.code, 'EMPTY');
    assert.match(e.message, /empty.csv is empty/);
  });

  it('a file of blank lines is one clear error', async () => {
    const p = path.join(tmpDir(), 'blank.log');
    fs.writeFileSync(p, '\n\n   \n\n');
    assert.equal((await failure(p)).code, 'EMPTY');
  });

  it('a binary file is one clear error', async () => {
    const e = await failure(fixture('binary.png'));
    assert.equal(e.code, 'BINARY');
    assert.match(e.message, /binary file/);
  });

  it('a missing file and a folder are clear errors', async () => {
    assert.equal((await failure('/nonexistent/access.log')).code, 'NOT_FOUND');
    assert.equal((await failure(tmpDir())).code, 'UNREADABLE');
  });

  it('UTF-16 with a BOM is decoded', async () => {
    const { engine, tables } = await indexed([fixture('utf16le.csv')]);
    assert.equal(tables[0].encoding, 'utf-16le');
    assert.deepEqual(col(tables[0], 'city').type, 'text');
    assert.equal(one(engine, 'SELECT city FROM utf16le WHERE id = 1'), 'Zürich');
    await engine.dispose();
  });

  it('Latin-1 text is decoded, with a warning', async () => {
    const { engine, tables } = await indexed([fixture('latin1.csv')]);
    assert.equal(tables[0].encoding, 'windows-1252');
    assert.equal(one(engine, 'SELECT item FROM latin1 WHERE id = 1'), 'café');
    assert.ok(tables[0].warnings.some((w) => /Latin-1/.test(w)));
    await engine.dispose();
  });

  it('a 5 MB single line is indexed whole', async () => {
    const p = path.join(tmpDir(), 'long.jsonl');
    const big = 'x'.repeat(5 * 1024 * 1024);
    fs.writeFileSync(p, `{"a":1,"msg":"short"}\n{"a":2,"msg":"${big}"}\n{"a":3,"msg":"end"}\n`);
    const { engine, tables } = await indexed([p]);
    assert.equal(tables[0].rows, 3);
    assert.deepEqual(rows(engine, 'SELECT a, length(msg), _line FROM long ORDER BY a'), [[1, 5, 1], [2, big.length, 2], [3, 3, 3]]);
    assert.equal(one(engine, 'PRAGMA f1.integrity_check'), 'ok');
    await engine.dispose();
  });

  it('a 5 MB line that is not a record goes to the rejects table whole', async () => {
    const p = path.join(tmpDir(), 'mixed.log');
    const big = 'y'.repeat(5 * 1024 * 1024);
    fs.writeFileSync(p, `a,b\n1,2\n${big}\n3,4\n`);
    const { engine, tables } = await indexed([p]);
    assert.equal(tables[0].rows, 2);
    assert.equal(tables[0].rejected, 1);
    assert.deepEqual(rows(engine, 'SELECT line, length(raw), reason FROM rejects'), [[3, 1 << 20, `1 fields, expected 2 (raw text cut to ${1 << 20} characters of ${big.length})`]]);
    await engine.dispose();
  });

  it('a truncated .gz keeps the rows before the damage and says so', async () => {
    const { engine, tables } = await indexed([fixture('truncated.csv.gz')]);
    const [t] = tables;
    assert.ok(t.rows > 100, `rows: ${t.rows}`);
    assert.ok(t.warnings.some((w) => /compressed data ends early/.test(w)), t.warnings.join('\n'));
    assert.equal(one(engine, 'SELECT count(*) FROM truncated'), t.rows);
    await engine.dispose();
  });

  it('a header with duplicate, empty, SQL-keyword and quoted names gives a correct table', async () => {
    const { engine, tables } = await indexed([fixture('weird_header.csv')]);
    const [t] = tables;
    assert.deepEqual(t.columns.map((c) => c.name), ['_line', 'id', 'col2', 'select', 'we"ird', 'id_2', 'order']);
    assert.deepEqual(t.columns.map((c) => c.sourceName).slice(1), ['id', '', 'select', 'we"ird', 'id', 'order']);
    assert.deepEqual(rows(engine, 'SELECT id, col2, "select", "we""ird", id_2, "order" FROM weird_header ORDER BY _line'), [
      [1, 'a', 'b', 'c', 2, 'x'],
      [3, 'd', 'e', 'f', 4, 'y'],
    ]);
    await engine.dispose();
  });

  it('hostile names in headers and file names never become SQL', async () => {
    const dir = tmpDir();
    const p = path.join(dir, 'x"; DROP TABLE catalog_files; --.csv');
    fs.writeFileSync(p, '"a""); DROP TABLE catalog_files; --",b\n1,2\n');
    const { engine, tables } = await indexed([p]);
    const name = tables[0].table;
    assert.match(name, /^[a-z0-9_]+$/);
    assert.equal(one(engine, 'SELECT count(*) FROM catalog_files'), 1);
    assert.equal(tables[0].columns[1].name, 'a"); DROP TABLE catalog_files; --');
    assert.equal(one(engine, `SELECT "a""); DROP TABLE catalog_files; --" FROM ${name}`), 1);
    await engine.dispose();
  });

  it('malformed records are counted and kept with file, line, reason and raw text', async () => {
    const p = path.join(tmpDir(), 'ragged.csv');
    fs.writeFileSync(p, 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n"unterminated,1,2\n');
    const { engine, tables } = await indexed([p]);
    assert.equal(tables[0].rows, 1);
    assert.equal(tables[0].rejected, 3);
    assert.deepEqual(rows(engine, 'SELECT file, line, reason, raw FROM rejects ORDER BY line'), [
      [p, 3, '2 fields, expected 3', '4,5'],
      [p, 4, '4 fields, expected 3', '6,7,8,9'],
      [p, 5, 'a quoted field opened on this line is never closed (end of file)', '"unterminated,1,2'],
    ]);
    await engine.dispose();
  });

  it('an unclosed quote does not swallow the rest of the file', async () => {
    const p = path.join(tmpDir(), 'stray.csv');
    const body = Array.from({ length: 12000 }, (_, i) => `${i},ok`).join('\n');
    fs.writeFileSync(p, `a,b\n"stray,1\n${body}\n`);
    const { tables } = await indexed([p]);
    assert.equal(tables[0].rejected, 1);
    assert.equal(tables[0].rows, 12000);
  });

  it('values that do not fit the inferred type are kept as text and reported', async () => {
    const p = path.join(tmpDir(), 'late.csv');
    const lines = ['n,v', ...Array.from({ length: 2500 }, (_, i) => `${i},${i}`), 'oops,2501'];
    fs.writeFileSync(p, lines.join('\n'));
    const { engine, tables } = await indexed([p]);
    assert.equal(col(tables[0], 'n').type, 'text');
    assert.equal(col(tables[0], 'n').mismatches, 1);
    assert.equal(one(engine, "SELECT v FROM late WHERE n = 'oops'"), 2501);
    assert.equal(one(engine, 'SELECT n FROM late WHERE v = 7'), 7);
    await engine.dispose();
  });

  it('a wrong format given by the user ends in rejects and a warning, not a crash', async () => {
    const { tables } = await indexed([fixture('quoted.csv')], { format: 'apache' });
    assert.equal(tables[0].rows, 0);
    assert.ok(tables[0].rejected > 0);
    assert.ok(tables[0].warnings.some((w) => /--format/.test(w)));
  });

  it('a SQLite file asked to be read as text is refused clearly', async () => {
    const engine = await Engine.create();
    const [o] = await engine.index([fixture('logins.sqlite')], { format: 'csv' });
    assert.equal(o.tables.length, 2, 'SQLite is recognised by its content');
    await engine.dispose();
  });

  it('SQL errors are typed errors with the message', async () => {
    const { engine } = await indexed([fixture('quoted.csv')]);
    assert.throws(() => engine.query('SELEC nonsense'), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'SQL' && /syntax error/.test(e.message));
    await engine.dispose();
  });

  it('gzip input is read transparently', async () => {
    const p = path.join(tmpDir(), 'log.csv.gz');
    fs.writeFileSync(p, zlib.gzipSync(fs.readFileSync(fixture('log.csv'))));
    const { tables } = await indexed([p]);
    assert.equal(tables[0].gzip, true);
    assert.equal(tables[0].rows, 500);
  });
});
