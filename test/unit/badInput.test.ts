import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Engine } from '../../src/engine/engine';
import { LogInvestigatorError } from '../../src/engine/errors';
import { col, fixture, indexed, one, rows, tmpDir } from '../helpers';
import { uniqueColumnNames } from '../../src/engine/store/names';
import { EXTRA_COLUMN, MAX_COLUMNS } from '../../src/engine/ingest/build';
import { ANALYSES } from '../../src/engine/analyses';
import { runAnalyses } from '../../src/engine/findings/model';
import { jsonText } from '../../src/engine/output';

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
      [p, 5, 'a quoted field opened on this line is never closed (end of file); the lines after it were read again', '"unterminated,1,2'],
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

  it('a lone quote before the end of the file costs its own line only: the lines after it are read again', async () => {
    const p = path.join(tmpDir(), 'lone.csv');
    const body = Array.from({ length: 999 }, (_, i) => `${i},ok,"x, y"`).join('\n');
    fs.writeFileSync(p, `a,b,c\n"\n${body}\n`);
    const { engine, tables } = await indexed([p]);
    assert.equal(tables[0].rows, 999);
    assert.equal(tables[0].rejected, 1);
    assert.deepEqual(rows(engine, 'SELECT line, raw FROM rejects'), [[2, '"']]);
    assert.deepEqual(rows(engine, 'SELECT min(_line), max(_line), count(DISTINCT c) FROM lone'), [[3, 1001, 1]]);
    // two stray quotes, the second among the lines read again; a field of over 1 MiB in quotes is given up too
    const q = path.join(tmpDir(), 'two.csv');
    fs.writeFileSync(q, `a,b\n"x,1\n1,2\n"y\n2,3\n"${'z'.repeat(1_100_000)}\n3,4\n`);
    const two = await indexed([q]);
    assert.deepEqual(rows(two.engine, 'SELECT _line, a, b FROM two'), [[3, 1, 2], [5, 2, 3], [7, 3, 4]]);
    assert.deepEqual(rows(two.engine, 'SELECT line FROM rejects ORDER BY line'), [[2], [4], [6]]);
    await two.engine.dispose();
    await engine.dispose();
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

  it('a huge Zeek #fields line is one clear error at once; duplicate header names are suffixed in one pass', async () => {
    const p = path.join(tmpDir(), 'conn.log');
    fs.writeFileSync(p, `#separator \\x09\n#fields\t${Array(300_000).fill('x').join('\t')}\n#types\tstring\nv\n`);
    const engine = await Engine.create();
    const [o] = await engine.index([p]);
    assert.equal(o.error?.code, 'UNREADABLE');
    assert.match(o.error!.message, /line 2: the Zeek #fields header is 599,999 characters long \(at most 65,536\); the file is damaged or not a Zeek log/);
    await engine.dispose();
    const names = uniqueColumnNames([...Array(50_000).fill('id'), 'id_3', 'ID', '']);
    assert.deepEqual(names.slice(0, 4), ['id', 'id_2', 'id_3', 'id_4']);
    assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length);
    assert.deepEqual(names.slice(-3), ['id_3_2', 'ID_50001', 'col50003']);
  });

  it('rows wider than a table can hold still keep every value: columns past the 1,900th go into one JSON column', async () => {
    const dir = tmpDir();
    const wide = path.join(dir, 'wide.csv');
    const n = 2500;
    fs.writeFileSync(wide, Array.from({ length: n }, (_, i) => `c${i}`).join(',') + '\n' + [0, 1, 2].map((r) => Array.from({ length: n }, (_, i) => String(r * 10000 + i)).join(',')).join('\n') + '\n');
    const keys = path.join(dir, 'keys.jsonl');
    fs.writeFileSync(keys, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, [`k${i}`]: `v${i}` })).join('\n') + '\n');
    const { engine, tables } = await indexed([wide, keys]);
    const [w, k] = tables;
    assert.equal(w.rows, 3);
    assert.equal(w.columns.filter((c) => c.name !== '_line').length, MAX_COLUMNS + 1);
    assert.equal(w.columns.at(-1)!.name, EXTRA_COLUMN);
    assert.ok(w.warnings.some((x) => /more than 1,900 columns.*_extra/.test(x)));
    assert.deepEqual(rows(engine, `SELECT c0, c1899, json_extract(_extra, '$.c1900'), json_extract(_extra, '$.c2499'), (SELECT count(*) FROM json_each(_extra)) FROM wide WHERE _line = 4`), [[20000, 21899, '21900', '22499', n - MAX_COLUMNS]]);
    assert.equal(k.rows, 3000);
    assert.equal(k.rejected, 0);
    assert.deepEqual(rows(engine, `SELECT count(*), count(_extra), (SELECT json_extract(_extra, '$.k2999') FROM keys WHERE id = 2999) FROM keys`), [[3000, 3000 - (MAX_COLUMNS - 1), 'v2999']]);
    assert.equal(one(engine, 'SELECT k5 FROM keys WHERE id = 5'), 'v5');
    assert.equal(one(engine, 'PRAGMA integrity_check'), 'ok');
    await engine.dispose();
  });

  it('times far outside the file\'s own range (corrupt Zeek lines in 2342 and 7412) are NULL with a warning; spikes stays small', async () => {
    const src = fs.readFileSync(fixture('zeek/conn.log'), 'utf8').split('\n');
    const data = src.filter((l) => l && !l.startsWith('#'));
    const bad = (ts: string, l: string) => [ts, ...l.split('\t').slice(1)].join('\t');
    const lines = [...src.filter((l) => l.startsWith('#') && !l.startsWith('#close')), ...data.slice(0, 3), bad('11742000000.5', data[3]), ...data.slice(4), bad('171742000000.5', data[0])];
    const p = path.join(tmpDir(), 'conn.log');
    fs.writeFileSync(p, lines.join('\n') + '\n');
    const { engine, tables } = await indexed([p]);
    try {
      const t = tables[0];
      assert.equal(t.rows, data.length + 1, 'no record is lost');
      assert.equal(one(engine, 'SELECT count(*) FROM conn WHERE _time IS NULL'), 2);
      assert.equal(one(engine, "SELECT max(_time) < '2100' FROM conn"), 1);
      assert.ok(t.warnings.some((w) => /^2 records have times far outside the file's own range \(years 1974–2074; e\.g\. 2342-02-02 18:40:00\.5 on line \d+\): their _time is NULL, the original text is kept\.$/.test(w)), t.warnings.join(' | '));
      assert.equal(one(engine, 'SELECT count(*) FROM conn WHERE ts > 1e10'), 2, 'the original value is kept');
      const run = runAnalyses(ANALYSES.filter((a) => a.id === 'spikes'), engine.tables(), (sql, prm = []) => engine.query(sql, prm));
      assert.ok(jsonText(run).length < 1_000_000, `spikes gave ${jsonText(run).length} characters of JSON`);
    } finally {
      await engine.dispose();
    }
  });

  it('one NUL byte near the start costs its record at most, one invalid UTF-8 byte its character: the file stays text and UTF-8', async () => {
    const dir = tmpDir();
    const rowsText = Array.from({ length: 200 }, (_, i) => `${i},café ${i},ok`);
    const nul = path.join(dir, 'nul.csv');
    fs.writeFileSync(nul, Buffer.concat([Buffer.from(`id,name,s\n${rowsText.slice(0, 5).join('\n')}\n5,bad\u0000row,ok\n`), Buffer.from(rowsText.slice(6).join('\n') + '\n')]));
    const bad = path.join(dir, 'utf8.csv');
    const bytes = Buffer.from(`id,name,s\n${rowsText.join('\n')}\n`, 'utf8');
    const at = bytes.indexOf('17,caf') + 3;
    bytes[at] = 0xff; // one byte that is no UTF-8
    fs.writeFileSync(bad, bytes);
    const { engine, tables } = await indexed([nul, bad]);
    try {
      assert.equal(tables[0].rows, 200);
      assert.equal(tables[0].encoding, 'utf-8');
      assert.equal(one(engine, "SELECT count(*) FROM nul WHERE name LIKE 'café %'"), 199);
      assert.equal(tables[1].encoding, 'utf-8');
      assert.equal(tables[1].rows, 200);
      assert.equal(one(engine, "SELECT count(*) FROM utf8 WHERE name LIKE 'café %'"), 199);
      assert.match(String(one(engine, 'SELECT name FROM utf8 WHERE id = 17')), /\ufffd/);
      // a real binary file is still one clear error
      const [o] = await engine.index([fixture('binary.png')]);
      assert.equal(o.error?.code, 'BINARY');
    } finally {
      await engine.dispose();
    }
  });
});
