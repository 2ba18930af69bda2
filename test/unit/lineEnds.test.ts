import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Engine } from '../../src/engine/engine';
import { readByteLines } from '../../src/engine/ingest/byteLines';
import { headLines, readLines, sniff } from '../../src/engine/ingest/input';
import { col, fixture, indexed, rows, tmpDir } from '../helpers';

/** Lines as the string reader and the byte reader see them, in chunks of `chunk` bytes. */
async function bothReaders(file: string, chunk: number): Promise<{ text: string[]; bytes: string[] }> {
  const sn = await sniff(file);
  const text: string[] = [];
  const bytes: string[] = [];
  await readLines(file, sn, { line: (l, n) => text.push(`${n}:${l}`) }, { chunkBytes: chunk });
  await readByteLines(file, sn, { line: (b, s, e, n) => bytes.push(`${n}:${b.toString('utf8', s, e)}`) }, { chunkBytes: chunk });
  return { text, bytes };
}

describe('line ends and odd encodings (#12)', () => {
  it('a lone CR ends a line, as in VS Code; CRLF split across chunks is one line end', async () => {
    const file = path.join(tmpDir(), 'cr.log');
    // LF, CRLF, lone CR, CR CR (an empty line between), a last line without an end
    fs.writeFileSync(file, 'one\ntwo\r\nthree\rfour\r\rsix\r\nseven');
    const want = ['1:one', '2:two', '3:three', '4:four', '5:', '6:six', '7:seven'];
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      const { text, bytes } = await bothReaders(file, chunk);
      assert.deepEqual(text, want, `string reader, chunks of ${chunk}`);
      assert.deepEqual(bytes, want, `byte reader, chunks of ${chunk}`);
    }
    assert.deepEqual(headLines(await sniff(file)), ['one', 'two', 'three', 'four', '', 'six', 'seven']);
  });

  it('a CSV whose lines end in a lone CR (old Mac) gives one row per line, with the editor\'s line numbers', async () => {
    const file = path.join(tmpDir(), 'mac.csv');
    fs.writeFileSync(file, 'id,user,ip\r1,alice,10.0.0.1\r2,bob,10.0.0.2\r3,carol,10.0.0.3\r');
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].rows, 3);
    assert.deepEqual(rows(engine, 'SELECT _line, user FROM mac ORDER BY _line'), [[2, 'alice'], [3, 'bob'], [4, 'carol']]);
    await engine.dispose();
  });

  it('UTF-16 read one byte off is a clear error, not 0 rows', async () => {
    const good = fs.readFileSync(fixture('utf16le.csv'));
    const dir = tmpDir();
    // a byte inserted after the byte-order mark: every unit after it is off by one
    const shifted = path.join(dir, 'shifted.csv');
    fs.writeFileSync(shifted, Buffer.concat([good.subarray(0, 2), Buffer.from([0x41]), good.subarray(2)]));
    // a byte lost far into the file (past the first chunk and the sniffed head)
    const body = Buffer.from('\ufeffid,city\n' + Array.from({ length: 40000 }, (_, i) => `${i},Zürich\n`).join(''), 'utf16le');
    const cut = path.join(dir, 'cut.csv');
    fs.writeFileSync(cut, Buffer.concat([body.subarray(0, 600001), body.subarray(600002)]));
    for (const [file, at] of [[shifted, /byte [2-4] on/], [cut, /byte 600,00\d on/]] as const) {
      const engine = await Engine.create();
      try {
        const [o] = await engine.index([file]);
        assert.ok(o.error, `${file} should fail`);
        assert.equal(o.error.code, 'UNREADABLE');
        assert.match(o.error.message, /UTF-16LE text read one byte off/);
        assert.match(o.error.message, at);
        assert.equal(engine.tables().length, 0);
      } finally {
        await engine.dispose();
      }
    }
    // the same text without the damage reads every row
    const whole = path.join(dir, 'whole.csv');
    fs.writeFileSync(whole, body);
    const { engine, tables } = await indexed([whole]);
    assert.equal(tables[0].rows, 40000);
    await engine.dispose();
  });

  it('UTF-16 that slips a byte near its end (a small file, the last 8 KiB of a large one) is the same clear error', async () => {
    const dir = tmpDir();
    const text = (n: number) => Buffer.from('\ufeffid,name\n' + Array.from({ length: n }, (_, i) => `${i},name ${i}\n`).join(''), 'utf16le');
    const lose = (b: Buffer, at: number) => Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    const small = text(200); // 5.6 KB: one window, the sniffed head is the whole file
    const big = text(100_000); // 3.4 MB: several chunks
    const cases: [string, Buffer, RegExp][] = [
      ['early.csv', lose(small, 1001), /byte 1,00\d on/],
      ['end.csv', lose(small, small.length - 41), new RegExp(`byte ${(small.length - 41).toLocaleString('en-US').slice(0, -1)}\\d on`)],
      ['bigend.csv', lose(big, big.length - 3001), new RegExp(`byte ${(big.length - 3001).toLocaleString('en-US').slice(0, -1)}\\d on`)],
    ];
    for (const [name, bytes, at] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const engine = await Engine.create();
      try {
        const [o] = await engine.index([file]);
        assert.equal(o.error?.code, 'UNREADABLE', `${name}: ${o.error?.message ?? `${o.tables[0]?.rows} rows and no error`}`);
        assert.match(o.error!.message, /UTF-16LE text read one byte off/);
        assert.match(o.error!.message, at);
      } finally {
        await engine.dispose();
      }
    }
    // text that ends without ASCII, half its characters U+xx00 (a NUL at the other parity), is still text
    const cjk = Array.from({ length: 300 }, (_, i) => `${i},${Array.from({ length: 40 }, (_, k) => String.fromCharCode((k + i) % 2 ? 0x4e00 + 0x100 * (k % 16) : 0x4e01 + k)).join('')}`).join('\n');
    const file = path.join(dir, 'cjk.csv');
    fs.writeFileSync(file, Buffer.from('\ufeffid,text\n' + cjk, 'utf16le'));
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].rows, 300);
    await engine.dispose();
  });

  it('an empty CSV or TSV field, unquoted or "", is NULL, as the README says; a space is kept', async () => {
    const dir = tmpDir();
    const csv = path.join(dir, 'empty.csv');
    fs.writeFileSync(csv, 'a,b,c\n1,,x\n2,"",y\n3, ,\n');
    const tsv = path.join(dir, 'empty.tsv');
    fs.writeFileSync(tsv, 'a\tb\tc\n1\t\tx\n2\t""\ty\n3\t \t\n');
    const { engine } = await indexed([csv, tsv]);
    for (const t of ['empty', 'empty_2']) assert.deepEqual(rows(engine, `SELECT a, typeof(b), b, typeof(c) FROM ${t} ORDER BY a`), [[1, 'null', null, 'text'], [2, 'null', null, 'text'], [3, 'text', ' ', 'null']], t);
    await engine.dispose();
  });

  it('UTF-16 without a byte-order mark is recognised by its NULs, not called binary', async () => {
    const file = path.join(tmpDir(), 'nobom.csv');
    fs.writeFileSync(file, Buffer.from('id,city\n1,Zürich\n2,Oslo\n3,Köln\n', 'utf16le'));
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].encoding, 'utf-16le');
    assert.deepEqual(rows(engine, 'SELECT city FROM nobom ORDER BY id'), [['Zürich'], ['Oslo'], ['Köln']]);
    await engine.dispose();
  });

  it('host names in an address column are text and play no ip role; addresses keep both', async () => {
    const src = fs.readFileSync(fixture('access.log'), 'utf8').split('\n').filter(Boolean).slice(0, 50);
    const dir = tmpDir();
    const named = path.join(dir, 'named.log');
    // HostnameLookups On: the client is written as a name
    fs.writeFileSync(named, src.map((l, i) => l.replace(/^\S+/, `host-${i % 7}.example.org`)).join('\n') + '\n');
    const { engine, tables } = await indexed([named, fixture('access.log')]);
    const hosts = tables.find((t) => t.table === 'named')!;
    assert.equal(col(hosts, 'client_ip').type, 'text');
    assert.equal(col(hosts, 'client_ip').role, null);
    const ips = tables.find((t) => t.table === 'access')!;
    assert.equal(col(ips, 'client_ip').type, 'ip');
    assert.equal(col(ips, 'client_ip').role, 'ip');
    await engine.dispose();
  });

  it('a JSON line nested 10,000 deep costs its own line, with the reason; the other lines are rows', async () => {
    const file = path.join(tmpDir(), 'deep.jsonl');
    const deepArray = '['.repeat(10000) + ']'.repeat(10000);
    const deepObject = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
    const lines = [
      '{"ts":"2024-01-01T00:00:00Z","msg":"first"}',
      `{"ts":"2024-01-01T00:00:01Z","deep":${deepArray}}`,
      '{"ts":"2024-01-01T00:00:02Z","msg":"third"}',
      `{"ts":"2024-01-01T00:00:03Z","deep":${deepObject}}`,
      `{"ts":"2024-01-01T00:00:04Z","id":6249979066121302517,"deep":${deepArray}}`,
      '{"ts":"2024-01-01T00:00:05Z","msg":"sixth"}',
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].rows, 3);
    assert.equal(tables[0].rejected, 3);
    assert.deepEqual(rows(engine, 'SELECT _line, msg FROM deep ORDER BY _line'), [[1, 'first'], [3, 'third'], [6, 'sixth']]);
    const rej = rows(engine, 'SELECT line, reason FROM rejects ORDER BY line');
    assert.deepEqual(rej.map((r) => r[0]), [2, 4, 5]);
    for (const r of rej) assert.match(String(r[1]), /nested too deep to store \(10,00[01] levels/);
    await engine.dispose();
  });

  it('a moderately nested object (20 levels) is a row: dotted columns to 16 levels, the rest as JSON', async () => {
    const file = path.join(tmpDir(), 'nest.jsonl');
    const nested = '{"a":'.repeat(20) + '"leaf"' + '}'.repeat(20);
    fs.writeFileSync(file, `{"ts":"2024-01-01T00:00:00Z","n":${nested}}\n`);
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].rows, 1);
    const name = 'n' + '.a'.repeat(16);
    assert.equal(col(tables[0], name).type, 'json');
    assert.equal(rows(engine, `SELECT "${name}" FROM nest`)[0][0], '{"a":{"a":{"a":{"a":"leaf"}}}}');
    await engine.dispose();
  });

  it('gzip of CR-only text reads the same lines', async () => {
    const file = path.join(tmpDir(), 'cr.log.gz');
    fs.writeFileSync(file, zlib.gzipSync('a\rb\r\nc\n'));
    const { text, bytes } = await bothReaders(file, 1 << 20);
    assert.deepEqual(text, ['1:a', '2:b', '3:c']);
    assert.deepEqual(bytes, ['1:a', '2:b', '3:c']);
  });
});
