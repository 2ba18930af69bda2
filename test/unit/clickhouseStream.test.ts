/**
 * Indexing into ClickHouse streams the parsers' rows to the shards in batches (store/clickhouse/
 * stream.ts). Against the local two-shard cluster (scripts/clickhouse/cluster.sh, loopback only;
 * stopped afterwards if this test started it): for a fixture of every format, the rows, the column
 * types, roles, `_line`, `_time` and the templates on ClickHouse are those of the sql.js index of
 * the same file. Batches are a few rows here, so every file crosses many of them; generated files
 * check a column widened after batches were sent (integers → text, reals → text), columns added
 * by a JSON Lines file after batches were sent, and a bad line in the middle of a batch.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IndexOptions, TableInfo } from '../../src/engine/ingest/build';
import { ClickHouseStore } from '../../src/engine/store/clickhouse/store';
import { SqlJsStore } from '../../src/engine/store/store';
import { typeOfDecl, type ChType } from '../../src/engine/store/clickhouse/rowBinary';
import { clusterAddress, dropDatabase, ROOT } from '../clickhouseCluster';

const FIX = path.join(ROOT, 'test', 'fixtures');
const fix = (f: string) => path.join(FIX, f);

let tmp = '';
function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

/** A cell as the ClickHouse column of that type holds it: text of a number in a String column, NULL for a non-finite real. */
function asStored(v: unknown, type: ChType): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'Nullable(String)') return typeof v === 'string' ? v : String(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** The table description both stores must give (ClickHouse lays out no indexes). */
const described = (t: TableInfo) => ({ ...t, indexed: [] });

describe('ClickHouse: indexing streams the rows to the shards in batches', function () {
  this.timeout(600_000);
  const db = `li_stream_${process.pid}`;
  let address = '';
  let ch: ClickHouseStore;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'li-chstream-'));
    address = clusterAddress(db);
    ch = await ClickHouseStore.connect(address);
    ch.batchRows = 7;
  });

  after(async () => {
    await ch?.close();
    if (address) await dropDatabase(address);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Indexes the file on both stores and requires the same table, types, rows and templates. */
  async function same(file: string, options: IndexOptions = {}): Promise<{ info: TableInfo; sql: SqlJsStore }> {
    const sql = await SqlJsStore.create();
    const [a] = await sql.index([file], options);
    const [b] = await ch.index([file], options);
    assert.equal(a.error, undefined, `sql.js: ${a.error?.message}`);
    assert.equal(b.error, undefined, `ClickHouse: ${b.error?.message}`);
    const t = a.tables[0];
    assert.deepEqual(described(b.tables[0]), described(t), `${file}: the table's description`);
    // the column types: the SQLite declaration's ClickHouse type, on the Distributed table and on each shard
    const decl = sql.query(`SELECT name, type FROM pragma_table_info(?)`, [t.table]).rows;
    const types = decl.map(([n, d]) => typeOfDecl(String(n), String(d ?? '')));
    const chTypes = ch.query(`SELECT name, type FROM system.columns WHERE database = ? AND table = ? AND name != '_ts'`, [db, t.table]).rows;
    assert.deepEqual(chTypes, decl.map(([n], i) => [n, types[i]]), `${file}: the column types`);
    const want = sql.query(`SELECT * FROM "${t.table}" ORDER BY _line`).rows.map((r) => r.map((v, i) => asStored(v, types[i])));
    const got = ch.query(`SELECT * FROM "${t.table}" ORDER BY _line`).rows;
    assert.equal(got.length, t.rows, `${file}: rows on the shards`);
    for (let k = 0; k < want.length; k++) assert.deepEqual(got[k], want[k], `${file}: row of _line ${want[k][0]}`);
    if (t.templates) {
      const q = `SELECT id, template, count, first_line, last_line FROM "${t.templates.table}" ORDER BY id`;
      assert.deepEqual(ch.query(q).rows, sql.query(q).rows, `${file}: the templates`);
    }
    // split over both shards by _line, nothing left of the staging table
    const per = (sqlText: string, s: { query(q: string): { rows: unknown[][] } }) => s.query(`SELECT _line % 2 AS s, count(*) FROM "${t.table}" GROUP BY s ORDER BY s`).rows.map((r) => r.map(Number));
    assert.deepEqual(per('', ch), per('', sql), `${file}: rows by shard`);
    const perShard = ch.query(`SELECT count() FROM remote('127.0.0.1', ?, ?)`, [db, `${t.table}_local`]).rows[0][0];
    assert.equal(Number(perShard), per('', sql).find((r) => r[0] === 0)?.[1] ?? 0, `${file}: shard 1 holds the even lines`);
    assert.deepEqual(ch.query(`SELECT name FROM system.tables WHERE database = ? AND name LIKE '%li_loading%'`, [db]).rows, []);
    await sql.close();
    return { info: t, sql };
  }

  const FIXTURES: [string, string, IndexOptions?][] = [
    ['csv', 'log.csv'],
    ['csv', 'latin1.csv'],
    ['csv', 'utf16le.csv'],
    ['csv', 'pipe.csv'],
    ['tsv', 'tabs.tsv'],
    ['spaces', 'course.txt'],
    ['jsonl', 'events.jsonl'],
    ['zeek', 'zeek/conn.log'],
    ['zeek-json', 'smb_files.json.gz'],
    ['apache', 'access.log'],
    ['syslog', 'OpenSSH_2k.log'],
    ['syslog', 'Linux_2k.log'],
    ['apache-error', 'loghub/Apache_300.log'],
    ['w3c', 'iis.log'],
    ['lnav', 'lnav/app.glog', { formatDirs: [fix('lnav/formats')], year: 2020 }],
    ['learned', 'systems/HDFS.log'],
  ];
  for (const [format, f, options] of FIXTURES) {
    it(`${format}: ${f} gives the rows, types, roles, _line, _time and templates of sql.js`, async () => {
      const { info } = await same(fix(f), options);
      assert.equal(info.format, format);
    });
  }

  it('json documents and plain lines (generated) the same', async () => {
    const docs = Array.from({ length: 40 }, (_, i) => ({ time: `2024-03-0${1 + (i % 3)}T10:00:${String(i).padStart(2, '0')}Z`, user: `u${i % 4}`, bytes: i * 1000, nested: { ok: i % 2 === 0 } }));
    const a = await same(write('docs.json', JSON.stringify(docs, null, 2)));
    assert.equal(a.info.format, 'json');
    const lines = Array.from({ length: 30 }, (_, i) => `free text number ${i} said ünïcödé ${'x'.repeat(i)}`).join('\n');
    const b = await same(write('plain.txt', lines), { format: 'lines' });
    assert.equal(b.info.format, 'lines');
  });

  it('a column widened after batches went out: integers then text, reals then text (exponents as JavaScript writes them), 19-digit ids exact', async () => {
    const rows = ['time,count,ratio,id,neg,msg'];
    for (let i = 0; i < 8000; i++) {
      const count = i === 6000 ? 'n/a' : String(i * 7 - 20000);
      const ratio = i === 7000 ? 'unknown' : i % 5 === 0 ? `${i}e+21` : i % 7 === 0 ? '1e-7' : (i / 3).toFixed(6);
      rows.push(`2024-01-0${1 + (i % 9)} 12:00:${String(i % 60).padStart(2, '0')},${count},${ratio},${9007199254740993n + BigInt(i)},${-(2 ** 40) - i * 99991 * (i % 3)},line ${i} ${'p'.repeat(300)}`);
    }
    ch.batchRows = 400;
    const { info } = await same(write('widen.csv', rows.join('\n'))).finally(() => (ch.batchRows = 7));
    assert.equal(info.columns.find((c) => c.name === 'count')?.type, 'text');
    assert.equal(info.columns.find((c) => c.name === 'ratio')?.type, 'text');
    assert.equal(ch.query(`SELECT ratio FROM widen WHERE _line = 7`).rows[0][0], '5e+21');
    assert.equal(ch.query(`SELECT toString(id) FROM widen WHERE _line = 2`).rows[0][0], '9007199254740993');
    // the file is read in 1 MB chunks: the first batches went out as integers and reals, then the columns widened
    const changed = ch.query(`SELECT count() FROM system.mutations WHERE database = ? AND command LIKE '%replaceRegexpOne%'`, [db]).rows[0][0];
    assert.equal(Number(changed), 1);
  });

  it('JSON Lines that grow columns after batches went out', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2100; i++) lines.push(JSON.stringify({ ts: `2024-02-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`, n: i, pad: 'q'.repeat(600) }));
    for (let i = 0; i < 50; i++) lines.push(JSON.stringify({ ts: '2024-02-02T00:00:00Z', n: i, late: `x${i}`, score: i / 4 }));
    ch.batchRows = 300;
    const { info } = await same(write('grow.jsonl', lines.join('\n'))).finally(() => (ch.batchRows = 7));
    assert.ok(info.columns.some((c) => c.name === 'late'));
  });

  it('a bad line in the middle of a batch is a reject with its reason; the rows around it are all there', async () => {
    const lines = fs.readFileSync(fix('zeek/conn.log'), 'utf8').split('\n');
    const at = lines.findIndex((l) => !l.startsWith('#')) + 3;
    lines.splice(at, 0, 'this line is not a zeek record');
    const file = write('conn_bad.log', lines.join('\n'));
    const { info } = await same(file);
    assert.equal(info.rejected, 1);
    const r = ch.query(`SELECT line, reason, raw FROM rejects WHERE file = ?`, [file]).rows;
    assert.equal(r.length, 1);
    assert.equal(r[0][0], at + 1);
    assert.match(String(r[0][1]), /\S/);
    assert.equal(r[0][2], 'this line is not a zeek record');
    assert.equal(Number(ch.query(`SELECT count() FROM conn_bad`).rows[0][0]), lines.filter((l) => l && !l.startsWith('#')).length - 1);
  });

  it('indexing a file again replaces its tables and its <table>_geo (the new rows staged, then renamed)', async () => {
    const file = write('again.csv', 'time,user\n2024-01-01 00:00:00,a\n2024-01-01 00:00:01,b\n');
    await same(file);
    // geo-ip's located IPs of the table (written on every shard) go with it
    ch.query('CREATE TABLE again_geo (ip TEXT, country TEXT)');
    ch.query('CREATE TABLE again_geology (x TEXT)');
    fs.writeFileSync(file, 'time,user\n2024-01-01 00:00:00,c\n');
    await same(file);
    assert.deepEqual(ch.query(`SELECT user FROM again`).rows, [['c']]);
    assert.equal(ch.tables().filter((t) => t.file === file).length, 1);
    const left = ch.query(`SELECT name FROM system.tables WHERE database = ? AND name LIKE 'again%' ORDER BY name`, [db]).rows.map((r) => r[0]);
    assert.deepEqual(left, ['again', 'again_geology', 'again_local']);
  });
});
