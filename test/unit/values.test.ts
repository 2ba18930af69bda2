import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonExact } from '../../src/engine/ingest/jsonExact';
import { jsonText } from '../../src/engine/output';
import { indexed, one, rows, tmpDir } from '../helpers';
import { epochToTime, inferType, timeParser } from '../../src/engine/ingest/values';
import { guessRoles } from '../../src/engine/ingest/roles';
import { quoteIdent, tableNameFor, uniqueColumnNames } from '../../src/engine/store/names';

describe('types, time stamps, roles and names', () => {
  it('infers column types from values', () => {
    assert.equal(inferType(['1', '-2', '30'], 'n').type, 'integer');
    assert.equal(inferType(['007', '8'], 'zip').type, 'text', 'leading zeros are not numbers');
    assert.equal(inferType(['8.0', '22.0'], 'cohort_id').type, 'real');
    assert.equal(inferType(['True', 'False'], 'x').type, 'boolean');
    assert.equal(inferType(['0', '1', '1'], 'success').type, 'boolean');
    assert.equal(inferType(['0', '1', '1'], 'count').type, 'integer');
    assert.equal(inferType(['2018-01-01 00:05:32.988414'], 'datetime').type, 'timestamp');
    assert.equal(inferType(['2018-01-26'], 'start_date').type, 'date');
    assert.equal(inferType(['09:55:03'], 't').type, 'time');
    assert.equal(inferType(['10.0.0.1', '2001:db8::1'], 'addr').type, 'ip');
    assert.equal(inferType(['10.0.0.300'], 'addr').type, 'text');
    assert.deepEqual(inferType(['1521911754.600639'], 'ts'), { type: 'timestamp', timeFormat: 'epoch-s' });
    assert.deepEqual(inferType(['1521911754600'], 'timestamp'), { type: 'timestamp', timeFormat: 'epoch-ms' });
    assert.equal(inferType(['1521911754'], 'bytes').type, 'integer', 'epoch-looking numbers need a time-like name');
    assert.equal(inferType(['17/May/2015:10:05:03 +0000'], 'when').type, 'timestamp');
    assert.equal(inferType(['Dec 10 06:55:46'], 'when').type, 'timestamp');
  });

  it('normalizes time stamps to UTC text', () => {
    assert.equal(timeParser('iso')('2018-01-01T00:05:32.988414Z'), '2018-01-01 00:05:32.988414');
    assert.equal(timeParser('iso')('2018-01-01T01:00:00+01:00'), '2018-01-01 00:00:00');
    assert.equal(timeParser('iso')('2018-01-01 00:05'), '2018-01-01 00:05:00');
    assert.equal(timeParser('apache')('[17/May/2015:10:05:03 +0200]'), '2015-05-17 08:05:03');
    assert.equal(timeParser('syslog', 2015)('Dec  4 04:47:44'), '2015-12-04 04:47:44');
    assert.equal(timeParser('ctime')('Sun Dec 04 04:47:44 2005'), '2005-12-04 04:47:44');
    assert.equal(timeParser('epoch-ms')(1521911754600), '2018-03-24 17:15:54.6');
    assert.equal(epochToTime(0), '1970-01-01 00:00:00');
    assert.equal(timeParser('iso')('not a time'), null);
  });

  it('guesses one column per role and honours overrides', () => {
    const roles = guessRoles([
      { name: '_time', type: 'timestamp', nullShare: 0 },
      { name: 'user_agent', type: 'text', nullShare: 0 },
      { name: 'source_ip', type: 'ip', nullShare: 0 },
      { name: 'dest_ip', type: 'ip', nullShare: 0 },
      { name: 'username', type: 'text', nullShare: 0 },
      { name: 'mostly_empty_user', type: 'text', nullShare: 0.99 },
    ]);
    assert.equal(roles.get('_time'), 'time');
    assert.equal(roles.get('source_ip'), 'ip');
    assert.equal(roles.get('username'), 'user');
    assert.equal(roles.has('user_agent'), false);
    const o = guessRoles([{ name: 'source_ip', type: 'ip', nullShare: 0 }, { name: 'dest_ip', type: 'ip', nullShare: 0 }], { ip: 'dest_ip' });
    assert.equal(o.get('dest_ip'), 'ip');
    assert.equal(o.has('source_ip'), false);
  });

  it('makes names safe: quoting, duplicates, empty names, table names from file names', () => {
    assert.equal(quoteIdent('we"ird'), '"we""ird"');
    assert.deepEqual(uniqueColumnNames(['id', '', 'select', 'we"ird', 'ID', 'order', '_line']), ['id', 'col2', 'select', 'we"ird', 'ID_2', 'order', '_line_2']);
    assert.equal(tableNameFor('/x/logs_2018.csv.gz', []), 'logs_2018');
    assert.equal(tableNameFor('/x/2018 Access Log.txt', []), 't_2018_access_log');
    assert.equal(tableNameFor('/x/a"; DROP TABLE x; --.csv', []), 'a_drop_table_x');
    assert.equal(tableNameFor('/x/rejects.csv', []), 'rejects_2');
    assert.equal(tableNameFor('/x/sqlite_master.csv', []), 't_sqlite_master');
    assert.equal(tableNameFor('/x/access.log', ['ACCESS']), 'access_2');
  });
});

describe('integers beyond 2^53 stay exact', () => {
  const ID = 6249979066121302517n;

  it('CSV, JSON Lines and Zeek store them as 64-bit INTEGER; WHERE finds them; results give them back exactly', async () => {
    const dir = tmpDir();
    const csv = path.join(dir, 'ids.csv');
    fs.writeFileSync(csv, `event_id,user\n${ID},a\n9223372036854775807,b\n-9223372036854775808,c\n92233720368547758070,d\n1,e\n`);
    const jsonl = path.join(dir, 'ids.jsonl');
    fs.writeFileSync(jsonl, `{"event_id": ${ID}, "list": [${ID}, 1.5], "s": "${ID}"}\n{"event_id": 2, "list": [], "s": "x"}\n`);
    const zeek = path.join(dir, 'files.log');
    fs.writeFileSync(zeek, `#separator \\x09\n#fields\tts\tseen_bytes\n#types\ttime\tcount\n1600000000.5\t${ID}\n1600000001.5\t7\n`);
    const { engine, tables } = await indexed([csv, jsonl, zeek]);
    try {
      assert.equal(one(engine, 'PRAGMA integrity_check'), 'ok');
      assert.deepEqual(rows(engine, 'SELECT event_id, typeof(event_id) FROM ids ORDER BY _line'), [
        [ID, 'integer'], [9223372036854775807n, 'integer'], [-9223372036854775808n, 'integer'], ['92233720368547758070', 'text'], [1, 'integer'],
      ]);
      assert.equal(one(engine, `SELECT user FROM ids WHERE event_id = ${ID}`), 'a');
      assert.ok(tables[0].warnings.some((w) => /column event_id: 1 values are not integer/.test(w)), 'beyond 64 bits: text, said so');
      assert.deepEqual(rows(engine, `SELECT event_id, typeof(event_id), list, s FROM ids_2 WHERE event_id = ${ID}`), [[ID, 'integer', `[${ID},1.5]`, String(ID)]]);
      assert.deepEqual(rows(engine, `SELECT seen_bytes FROM files WHERE seen_bytes = ${ID}`), [[ID]]);
      // arithmetic that stays small is a number again
      assert.equal(one(engine, `SELECT event_id - ${ID - 5n} FROM ids WHERE _line = 2`), 5);
    } finally {
      await engine.dispose();
    }
  });

  it('JSON output writes them as exact numbers', () => {
    assert.equal(jsonText({ a: ID, b: [1, -ID], c: 'x' }), `{"a":${ID},"b":[1,-${ID}],"c":"x"}`);
    assert.deepEqual(parseJsonExact(`{"a": ${ID}, "b": "${ID}", "c": 12345678901234567.5, "d": [99999999999999999999], "rtt": 0.00012302398681640625, "x": 1e17}`), { a: ID, b: String(ID), c: 12345678901234567.5, d: ["99999999999999999999"], rtt: 0.00012302398681640625, x: 1e17 });
  });
});
