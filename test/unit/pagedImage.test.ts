import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, tmpDir } from '../helpers';
import { buildTable, type IndexOptions } from '../../src/engine/ingest/build';
import { loadSqlJs } from '../../src/engine/store/database';
import { ColumnCoder, databaseFile, PageDictionary, PagedImage } from '../../src/engine/store/pagedImage';

async function openBuilt(file: string, opts: IndexOptions) {
  const built = await buildTable(file, opts);
  const SQL = await loadSqlJs();
  return { built, db: new SQL.Database(databaseFile(built.image)) };
}

/** Every row of every table, in rowid order, and the integrity check. */
function dump(db: { exec(sql: string): { values: unknown[][] }[] }): { tables: Record<string, unknown[][]>; check: unknown } {
  const names = db.exec("SELECT name FROM sqlite_schema WHERE type = 'table'")[0].values.map((r) => String(r[0]));
  const tables: Record<string, unknown[][]> = {};
  for (const n of names) tables[n] = db.exec(`SELECT * FROM "${n}" ORDER BY rowid`)[0]?.values ?? [];
  return { tables, check: db.exec('PRAGMA integrity_check')[0].values[0][0] };
}

describe('paged image (repeated values kept once)', () => {
  const dir = tmpDir();
  // the Apache sample 60 times over: its user agents, referrers, paths and times repeat as in a busy server's log
  const repeated = path.join(dir, 'access-x60.log');
  fs.writeFileSync(repeated, fs.readFileSync(fixture('access.log'), 'utf8').repeat(60));

  const cases: [string, IndexOptions][] = [
    [repeated, {}],
    [fixture('access.log'), {}],
    [fixture('course.txt'), { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] }],
    [fixture('smb_files.log.gz'), {}],
    [fixture('log.csv'), {}],
    [fixture('tabs.tsv'), {}],
    [fixture('OpenSSH_2k.log'), {}],
    [repeated, { pageSize: 512 }],
    [repeated, { pageSize: 65536 }],
  ];
  for (const [file, opts] of cases) {
    it(`gives SQLite the same rows as plain pages: ${path.basename(file)}${opts.pageSize ? ` (page ${opts.pageSize})` : ''}`, async () => {
      const coded = await openBuilt(file, opts);
      const plain = await openBuilt(file, { ...opts, dictionary: false });
      try {
        const a = dump(coded.db);
        const b = dump(plain.db);
        assert.equal(a.check, 'ok');
        assert.equal(b.check, 'ok');
        assert.deepEqual(a.tables, b.tables);
        assert.equal(coded.built.image.length, plain.built.image.length, 'the same file, page for page');
        // never more than a few bytes over (a tiny file's one repeated value costs its span and its dictionary entry)
        assert.ok(coded.built.image.storedBytes <= plain.built.image.storedBytes + 256, `${coded.built.image.storedBytes} > ${plain.built.image.storedBytes}`);
        // the pages SQLite reads are byte for byte the pages written without the dictionary
        const x = coded.built.image.toBytes();
        const y = plain.built.image.toBytes();
        assert.equal(Buffer.compare(Buffer.from(x), Buffer.from(y)), 0);
      } finally {
        coded.db.close();
        plain.db.close();
      }
    });
  }

  it('holds a repeated Apache log in a fraction of its SQLite pages', async () => {
    const built = await buildTable(repeated, {});
    const plain = await buildTable(repeated, { dictionary: false });
    const ratio = built.image.storedBytes / plain.image.storedBytes;
    assert.ok(ratio < 0.6, `stored ${built.image.storedBytes} of ${plain.image.storedBytes} bytes (${ratio.toFixed(2)})`);
  });

  it('keeps what sql.js writes: an UPDATE that grows rows, rows inserted past the end, a rollback', async () => {
    const coded = await openBuilt(repeated, { table: 'access' });
    const plain = await openBuilt(repeated, { table: 'access', dictionary: false });
    try {
      const before = coded.built.image.length;
      for (const { db } of [coded, plain]) {
        db.exec("UPDATE access SET user_agent = user_agent || ' (changed)' WHERE _line % 3 = 0");
        db.exec("INSERT INTO access (client_ip, path, user_agent) SELECT client_ip, path || '?again', user_agent FROM access WHERE _line % 2 = 0");
        db.exec('BEGIN');
        db.exec('DELETE FROM access WHERE _line < 100');
        db.exec('ROLLBACK');
      }
      assert.ok(coded.built.image.length > before, 'the file grew');
      const a = dump(coded.db);
      assert.equal(a.check, 'ok');
      assert.deepEqual(a, dump(plain.db));
      const [r] = coded.db.exec("SELECT count(*), sum(path LIKE '%?again') FROM access")[0].values;
      assert.deepEqual(r, [27000, 9000]);
    } finally {
      coded.db.close();
      plain.db.close();
    }
  });

  for (const pageSize of [512, 16384, 65536]) {
    it(`puts coded pages together again byte for byte (page ${pageSize})`, () => {
      const dict = new PageDictionary(1 << 20);
      const img = new PagedImage(pageSize, dict);
      const values = Array.from({ length: 300 }, (_, i) => Buffer.from(`value ${i} `.repeat(1 + (i % 7))));
      const ids = values.map((v) => dict.id(v, 0, v.length));
      let seed = pageSize;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const pages: Uint8Array[] = [];
      for (let p = 1; p <= 6; p++) {
        const page = new Uint8Array(pageSize);
        for (let k = 0; k < pageSize; k++) page[k] = Math.floor(rnd() * 256);
        const off: number[] = [];
        const id: number[] = [];
        // spans at the very start (page 1), with gaps of 0, short and long (several varint bytes), and up to the end
        let at = p === 1 ? 0 : Math.floor(rnd() * 300);
        while (true) {
          const k = Math.floor(rnd() * values.length);
          if (at + values[k].length > pageSize) break;
          off.push(at);
          id.push(ids[k]);
          page.set(values[k], at);
          at += values[k].length + (rnd() < 0.3 ? 0 : Math.floor(rnd() * (rnd() < 0.1 ? 400 : 20)));
        }
        img.putCodedPage(p, page, Int32Array.from(off), Int32Array.from(id), off.length);
        pages.push(page);
      }
      img.length = 8 * pageSize; // pages 7 and 8 never written: zeroes
      const all = img.subarray(0, img.length);
      pages.forEach((page, i) => assert.deepEqual(all.subarray(i * pageSize, (i + 1) * pageSize), page, `page ${i + 1}`));
      assert.ok(all.subarray(6 * pageSize).every((b) => b === 0));
      // a read inside one page and one across two
      assert.deepEqual(img.subarray(pageSize + 3, pageSize + 40), pages[1].subarray(3, 40));
      assert.deepEqual(img.subarray(2 * pageSize - 5, 2 * pageSize + 5), Uint8Array.from([...pages[1].subarray(pageSize - 5), ...pages[2].subarray(0, 5)]));
    });
  }

  it('stops coding a column whose values do not repeat, and a full dictionary codes only what it has', () => {
    const dict = new PageDictionary(1 << 20);
    const ids = new ColumnCoder(dict);
    for (let i = 0; i < 5000; i++) {
      const v = Buffer.from(`request-id-${i}-unique`);
      ids.id(v, 0, v.length);
    }
    assert.equal(ids.active, false);
    const used = dict.used;
    const v = Buffer.from('request-id-1-unique');
    assert.equal(ids.id(v, 0, v.length), -1, 'not coded any more');
    const agents = new ColumnCoder(dict);
    const ua = Buffer.from('Mozilla/5.0 (X11; Linux x86_64)');
    const first = agents.id(ua, 0, ua.length);
    for (let i = 0; i < 5000; i++) assert.equal(agents.id(ua, 0, ua.length), first);
    assert.equal(agents.active, true);
    assert.equal(dict.used, used + ua.length);
    const full = new PageDictionary(40);
    const a = Buffer.from('0123456789abcdefghij0123456789');
    const b = Buffer.from('another value of thirty bytes!');
    assert.equal(full.id(a, 0, a.length), 0);
    assert.equal(full.id(b, 0, b.length), -1);
    assert.equal(full.id(a, 0, a.length), 0);
  });
});
