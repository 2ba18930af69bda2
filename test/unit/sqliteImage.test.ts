import * as assert from 'node:assert/strict';
import { encodedIndexSource, ImageWriter, lockBytePage, TableBuilder, writeIndex, type CellValue } from '../../src/engine/store/sqliteImage';
import { loadSqlJs } from '../../src/engine/store/database';
import { databaseFile, type PagedImage } from '../../src/engine/store/pagedImage';

async function open(bytes: PagedImage) {
  const SQL = await loadSqlJs();
  return new SQL.Database(databaseFile(bytes));
}

describe('SQLite image writer', () => {
  for (const pageSize of [512, 4096, 65536]) {
    it(`writes a valid database with page size ${pageSize}`, async () => {
      const img = new ImageWriter(pageSize);
      const t = new TableBuilder(img);
      const big = 'x'.repeat(300_000) + 'é';
      const values = (i: number): CellValue[] => [
        null, i % 7 === 0 ? null : `row${i}`, i * 1000003, i / 3, i === 5 ? big : 'héllo ☃', -i * 100000000000,
        new Uint8Array([1, 2, 3]), 0, 1, -1, 2 ** 31, -(2 ** 53 - 1), 127, -129, 40000, -8388608,
      ];
      for (let i = 1; i <= 3000; i++) t.addRow(i * 2, values(i));
      const root = t.finish();
      const empty = new TableBuilder(img).finish();
      const bytes = img.finish([
        { type: 'table', name: 't', tblName: 't', rootPage: root, sql: 'CREATE TABLE t (_line INTEGER PRIMARY KEY, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)' },
        { type: 'table', name: 'empty', tblName: 'empty', rootPage: empty, sql: 'CREATE TABLE empty (x)' },
      ]);
      const db = await open(bytes);
      try {
        assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
        const [r] = db.exec('SELECT count(*), max(_line), sum(b), sum(length(d)), (SELECT typeof(c) FROM t WHERE _line = 2), sum(g), sum(h), sum(i) FROM t')[0].values;
        assert.deepEqual(r, [3000, 6000, 1000003 * (3000 * 3001) / 2, 2999 * 7 + 300_001, 'real', 0, 3000, -3000]);
        const back = db.exec('SELECT * FROM t WHERE _line = 10')[0].values[0];
        const want = values(5);
        want[0] = 10;
        assert.deepEqual(back.map((v) => (v instanceof Uint8Array ? [...v] : v)), want.map((v) => (v instanceof Uint8Array ? [...v] : v)));
        assert.equal(db.exec('SELECT count(*) FROM empty')[0].values[0][0], 0);
      } finally {
        db.close();
      }
    });
  }

  it('rejects rowids that do not increase', () => {
    const t = new TableBuilder(new ImageWriter());
    t.addRow(5, [1]);
    assert.throws(() => t.addRow(5, [2]), /rowids must increase/);
  });

  it('puts a schema too large for page 1 on pages of its own', async () => {
    const img = new ImageWriter(1024);
    const schema = [];
    for (let k = 0; k < 40; k++) {
      const t = new TableBuilder(img);
      t.addRow(1, [null, k]);
      const cols = Array.from({ length: 30 }, (_, i) => `"column number ${i} of table ${k}" TEXT`).join(', ');
      schema.push({ type: 'table' as const, name: `t${k}`, tblName: `t${k}`, rootPage: t.finish(), sql: `CREATE TABLE t${k} (_line INTEGER PRIMARY KEY, v, ${cols})` });
    }
    const db = await open(img.finish(schema));
    try {
      assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
      assert.equal(db.exec('SELECT v FROM t39')[0].values[0][0], 39);
    } finally {
      db.close();
    }
  });

  it('fills index pages and gives every page a cell, at every entry count across leaf and interior boundaries', async () => {
    // page 512 holds about 10 of these entries per leaf and 9 dividers per interior page, so the counts
    // below end leaves and interior pages (two levels) at every position, also with a single entry left over
    const keyOf = (i: number) => `k${String(i).padStart(5, '0')}`.padEnd(30 + ((i * 7) % 31), 'x');
    const SQL = await loadSqlJs();
    for (let rows = 1; rows <= 400; rows++) {
      const img = new ImageWriter(512);
      const t = new TableBuilder(img);
      for (let i = 1; i <= rows; i++) t.addRow(i, [null, keyOf(i)]);
      const root = t.finish();
      const before = img.pages;
      let cellBytes = 0;
      const idxRoot = writeIndex(
        img,
        encodedIndexSource(rows, (k, enc) => {
          enc.begin(2);
          enc.put(keyOf(k + 1));
          enc.putNumber(k + 1);
          enc.finish();
        }),
      );
      for (let i = 1; i <= rows; i++) cellBytes += 2 + 1 + 3 + keyOf(i).length + (i < 128 ? 1 : 2);
      // full leaves lose part of a cell each, interior pages add about a tenth
      assert.ok(img.pages - before <= (cellBytes / (512 - 8)) * 1.15 + 4, `${rows} entries took ${img.pages - before} pages`);
      const db = new SQL.Database(databaseFile(img.finish([
        { type: 'table', name: 't', tblName: 't', rootPage: root, sql: 'CREATE TABLE t (_line INTEGER PRIMARY KEY, k)' },
        { type: 'index', name: 't_k', tblName: 't', rootPage: idxRoot, sql: 'CREATE INDEX t_k ON t (k)' },
      ])));
      try {
        assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok', `${rows} entries`);
        assert.equal(db.exec('SELECT count(*) FROM t INDEXED BY t_k WHERE k >= \'k\'')[0].values[0][0], rows);
      } finally {
        db.close();
      }
    }
  });

  for (const [pageSize, rows, longKeys] of [[512, 5000, true], [4096, 30000, false], [4096, 3000, true], [65536, 20000, false], [1024, 1, false], [1024, 0, false]] as const) {
    it(`writes index B-trees SQLite accepts (page ${pageSize}, ${rows} rows${longKeys ? ', keys with overflow' : ''})`, async () => {
      const img = new ImageWriter(pageSize);
      const t = new TableBuilder(img);
      const keyOf = (i: number): CellValue => (i % 11 === 0 ? null : i % 7 === 0 ? i % 13 : longKeys && i % 5 === 0 ? `k${i % 37}`.repeat(200 + (i % 37)) : `key-${(i * 7919) % 251}`);
      for (let i = 1; i <= rows; i++) t.addRow(i * 3, [null, keyOf(i), i]);
      const root = t.finish();
      // index order: NULL, numbers, then text by UTF-8 bytes; rowid within a key
      const order = Array.from({ length: rows }, (_, k) => k + 1);
      const rank = (v: CellValue) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
      order.sort((a, b) => {
        const x = keyOf(a);
        const y = keyOf(b);
        if (rank(x) !== rank(y)) return rank(x) - rank(y);
        if (typeof x === 'number' && typeof y === 'number' && x !== y) return x - y;
        if (typeof x === 'string' && typeof y === 'string' && x !== y) return Buffer.compare(Buffer.from(x), Buffer.from(y));
        return a - b;
      });
      const idxRoot = writeIndex(
        img,
        encodedIndexSource(order.length, (k, enc) => {
          enc.begin(2);
          enc.put(keyOf(order[k]));
          enc.putNumber(order[k] * 3);
          enc.finish();
        }),
      );
      const db = await open(img.finish([
        { type: 'table', name: 't', tblName: 't', rootPage: root, sql: 'CREATE TABLE t (_line INTEGER PRIMARY KEY, k, v)' },
        { type: 'index', name: 't_k', tblName: 't', rootPage: idxRoot, sql: 'CREATE INDEX t_k ON t (k)' },
      ]));
      try {
        assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
        const plan = db.exec('EXPLAIN QUERY PLAN SELECT k, count(*) FROM t GROUP BY k')[0].values.map((r) => String(r[3])).join(' ');
        assert.match(plan, /COVERING INDEX t_k/);
        const viaIndex = db.exec('SELECT k, count(*), sum(v) FROM t INDEXED BY t_k GROUP BY k');
        const viaScan = db.exec('SELECT k, count(*), sum(v) FROM t NOT INDEXED GROUP BY k');
        assert.deepEqual(viaIndex[0]?.values ?? [], viaScan[0]?.values ?? []);
      } finally {
        db.close();
      }
    });
  }

  // Past 1 GiB: the page holding byte 2^30 is SQLite's lock-byte page and must hold nothing. The image is
  // made cheaply from overflow values (one 1 MiB value per row) up to just below the boundary, then small
  // rows so that leaf pages fall on and around it, then overflow again past it, then an index after it.
  for (const pageSize of [4096, 65536]) {
    it(`writes images beyond 1 GiB that skip the lock-byte page (page ${pageSize})`, async function () {
      this.timeout(180_000);
      const lock = lockBytePage(pageSize);
      const img = new ImageWriter(pageSize);
      const t = new TableBuilder(img);
      const blob = new Uint8Array(1 << 20);
      for (let k = 0; k < blob.length; k++) blob[k] = (k * 31) & 0xff;
      let rowid = 0;
      let bigRows = 0;
      const smallRow = (i: number): CellValue[] => [null, `small row ${i} `.repeat(1 + (i % 9)), i];
      while (img.bytesUsed < 2 ** 30 - 3 * (1 << 20)) {
        t.addRow(++rowid, [null, blob, rowid]);
        bigRows++;
      }
      let small = 0;
      while (img.pages < lock + 40) {
        t.addRow(++rowid, smallRow(rowid));
        small++;
      }
      for (let k = 0; k < 20; k++) {
        t.addRow(++rowid, [null, blob, rowid]);
        bigRows++;
      }
      const root = t.finish();
      const idxRoot = writeIndex(
        img,
        encodedIndexSource(rowid, (k, enc) => {
          enc.begin(2);
          enc.putNumber(k + 1);
          enc.putNumber(k + 1);
          enc.finish();
        }),
      );
      const bytes = img.finish([
        { type: 'table', name: 't', tblName: 't', rootPage: root, sql: 'CREATE TABLE t (_line INTEGER PRIMARY KEY, v, n)' },
        { type: 'index', name: 't_n', tblName: 't', rootPage: idxRoot, sql: 'CREATE INDEX t_n ON t (n)' },
      ]);
      assert.ok(bytes.length > 2 ** 30 + (20 << 20), `image of ${bytes.length} bytes`);
      // the lock-byte page is all zeroes
      const at = (lock - 1) * pageSize;
      assert.ok(bytes.subarray(at, at + pageSize).every((b) => b === 0));
      const db = await open(bytes);
      try {
        assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
        const [r] = db.exec("SELECT count(*), sum(length(v)), sum(n), sum(typeof(v) = 'blob') FROM t")[0].values;
        const textLen = Number(db.exec("SELECT sum(length(v)) FROM t WHERE typeof(v) = 'text'")[0].values[0][0]);
        assert.deepEqual(r, [rowid, bigRows * blob.length + textLen, (rowid * (rowid + 1)) / 2, bigRows]);
        const last = db.exec('SELECT v FROM t WHERE _line = ?', [rowid])[0].values[0][0] as Uint8Array;
        assert.equal(Buffer.compare(Buffer.from(last), Buffer.from(blob)), 0);
        assert.equal(db.exec('SELECT count(*) FROM t INDEXED BY t_n WHERE n > 0')[0].values[0][0], rowid);
        assert.ok(small > 0);
      } finally {
        db.close();
      }
    });
  }
});
