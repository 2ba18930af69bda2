import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { col, fixture, indexed, one, rows, tmpDir } from '../helpers';
import { detect } from '../../src/engine/ingest/formats';
import { parseSshd, unescapeZeek } from '../../src/engine/ingest/formats';

describe('formats', () => {
  it('CSV: RFC 4180 quoting, quoted newlines and the line each record starts on', async () => {
    const { engine, tables } = await indexed([fixture('quoted.csv')]);
    const [t] = tables;
    assert.equal(t.format, 'csv');
    assert.equal(t.rows, 6);
    assert.equal(t.rejected, 0);
    assert.deepEqual(rows(engine, 'SELECT _line, id, name, comment, amount FROM quoted ORDER BY id'), [
      [2, 1, 'alice', 'hello, world', 10],
      [3, 2, 'bob', 'line one\nline two', 20],
      [5, 3, 'carol "cc" smith', 'she said "hi", then left', 30],
      [6, 4, 'dave', null, 40],
      [7, 5, 'eve', 'multi\nline, with "quotes" and, commas', 50],
      [9, 6, 'frank', 'plain', 60],
    ]);
    assert.equal(col(t, 'amount').type, 'integer');
    await engine.dispose();
  });

  it('CSV with ; and | delimiters, TSV, and a UTF-8 BOM', async () => {
    const { engine, tables } = await indexed([fixture('semicolon.csv'), fixture('pipe.csv'), fixture('tabs.tsv'), fixture('bom.csv')]);
    const [semi, pipe, tsv, bom] = tables;
    assert.equal(semi.delimiter, ';');
    assert.equal(one(engine, "SELECT note FROM semicolon WHERE user = 'alice'"), 'a;b');
    assert.equal(pipe.delimiter, '|');
    assert.equal(one(engine, "SELECT message FROM pipe WHERE level = 'ERROR'"), 'failed | retrying');
    assert.equal(one(engine, "SELECT _time FROM pipe WHERE level = 'WARN'"), '2024-03-01 10:00:05');
    assert.equal(tsv.format, 'tsv');
    assert.equal(col(tsv, 'src_ip').type, 'ip');
    assert.equal(col(tsv, 'src_ip').role, 'ip');
    assert.equal(col(tsv, 'user').role, 'user');
    assert.equal(one(engine, 'SELECT count(*) FROM tabs WHERE user IS NULL'), 1);
    assert.equal(col(bom, 'id').sourceName, 'id', 'the BOM is not part of the first name');
    assert.equal(one(engine, 'SELECT city FROM bom WHERE id = 1'), 'Zürich');
    await engine.dispose();
  });

  it('headerless whitespace-separated course log with empty fields and --columns', async () => {
    const columns = ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'];
    const { engine, tables } = await indexed([fixture('course.txt')], { columns });
    const [t] = tables;
    assert.equal(t.format, 'spaces');
    assert.equal(t.header, false);
    assert.equal(t.rejected, 0);
    assert.deepEqual(t.columns.map((c) => c.name), ['_line', '_time', ...columns]);
    assert.deepEqual(t.timeSource, ['date', 'time']);
    assert.equal(col(t, 'user_id').role, 'user');
    assert.equal(col(t, 'cohort_id').role, 'group');
    assert.equal(col(t, 'page').role, 'resource');
    assert.equal(col(t, 'ip').role, 'ip');
    assert.equal(col(t, 'cohort_id').type, 'real');
    const first = rows(engine, 'SELECT _line, _time, page, user_id, cohort_id FROM course ORDER BY _line LIMIT 1')[0];
    assert.deepEqual(first, [1, '2018-01-26 09:43:12', 'spring/fundamentals/views', 299, 21]);
    // the cohort written as 8.0 joins a cohort table that writes 8
    const nulls = one(engine, 'SELECT count(*) FROM course WHERE cohort_id IS NULL') as number;
    const lines = (require('node:fs').readFileSync(fixture('course.txt'), 'utf8') as string).split('\n').filter((l) => l.split(' ')[4] === '').length;
    assert.equal(nulls, lines);
    await engine.dispose();
  });

  it('without --columns a headerless log gets col1…colN', async () => {
    const { engine, tables } = await indexed([fixture('course.txt')]);
    assert.deepEqual(tables[0].columns.slice(2).map((c) => c.name), ['col1', 'col2', 'col3', 'col4', 'col5', 'col6']);
    await engine.dispose();
  });

  it('JSON Lines: nested objects flattened, arrays kept as JSON, bad lines rejected', async () => {
    const { engine, tables } = await indexed([fixture('events.jsonl')]);
    const [t] = tables;
    assert.equal(t.format, 'jsonl');
    assert.equal(t.rejected, 1);
    assert.deepEqual(rows(engine, 'SELECT line FROM rejects WHERE table_name = ?', [t.table]), [[4]]);
    const names = t.columns.map((c) => c.name);
    for (const n of ['user.id', 'user.name', 'user.roles', 'user.geo.country', 'error.code', 'error.stack', 'extra']) assert.ok(names.includes(n), n);
    assert.equal(one(engine, 'SELECT "user.roles" FROM events WHERE _line = 1'), '["admin","dev"]');
    assert.equal(one(engine, 'SELECT "user.geo.city" FROM events WHERE _line = 3'), 'Berlin');
    assert.equal(one(engine, 'SELECT level FROM events WHERE _line = 5'), null, 'a missing key is NULL');
    assert.equal(one(engine, 'SELECT extra FROM events WHERE _line = 6'), 1);
    assert.equal(col(t, 'extra').type, 'boolean');
    assert.equal(col(t, 'latency_ms').type, 'real');
    assert.equal(one(engine, 'SELECT _time FROM events WHERE _line = 2'), '2024-05-01 10:00:01');
    await engine.dispose();
  });

  it('Zeek TSV: #fields, #types, unset and empty values; Zeek JSON with ISO ts', async () => {
    const { engine, tables } = await indexed([fixture('smb_files.log.gz'), fixture('smb_files.json.gz')]);
    const [tsv, json] = tables;
    assert.equal(tsv.format, 'zeek');
    assert.equal(tsv.gzip, true);
    assert.equal(json.format, 'zeek-json');
    assert.equal(json.table, 'smb_files_2');
    assert.equal(col(tsv, 'ts').type, 'timestamp');
    assert.equal(col(tsv, 'id.orig_h').type, 'ip');
    assert.equal(col(tsv, 'id.orig_h').role, 'ip');
    assert.equal(col(tsv, 'id.resp_p').type, 'integer');
    assert.equal(col(tsv, 'uid').role, 'session');
    assert.equal(col(tsv, 'size').type, 'integer');
    // the first record of the TSV file follows its 8 header lines
    assert.deepEqual(rows(engine, 'SELECT _line, _time, uid, fuid FROM smb_files ORDER BY _line LIMIT 1'), [[9, '2018-03-24 17:15:54.600639', 'C6WWAQ2G8MqT1hrQHd', null]]);
    assert.deepEqual(rows(engine, 'SELECT _time, uid FROM smb_files_2 ORDER BY _line LIMIT 1'), [['2018-03-24 17:15:54.600639', 'C6WWAQ2G8MqT1hrQHd']]);
    assert.equal(one(engine, 'SELECT count(*) FROM smb_files a JOIN smb_files_2 b USING (uid, _time)'), tsv.rows);
    // the TSV writer escapes backslashes (\\\\host\\share); read back, both logs hold the same text
    assert.equal(one(engine, 'SELECT count(*) FROM smb_files a JOIN smb_files_2 b USING (uid, _time) WHERE a.path IS NOT b.path OR a.name IS NOT b.name'), 0);
    assert.ok(Number(one(engine, "SELECT count(*) FROM smb_files WHERE path LIKE '\\\\%'")) > 0, 'paths start with two backslashes');
    assert.equal(one(engine, "SELECT count(*) FROM smb_files WHERE path LIKE '%\\\\\\\\%'"), 0, 'no doubled backslash is left');
    await engine.dispose();
  });

  it('Zeek TSV escapes: \\\\ and \\xHH are undone (also UTF-8 bytes), other text stays as it is', () => {
    assert.equal(unescapeZeek('\\\\\\\\fs2\\\\projects'), '\\\\fs2\\projects');
    assert.equal(unescapeZeek('a\\x09b'), 'a\tb');
    assert.equal(unescapeZeek('caf\\xc3\\xa9'), 'café');
    assert.equal(unescapeZeek('plain – text'), 'plain – text');
    assert.equal(unescapeZeek('\\xZZ'), '\\xZZ');
  });

  it('Apache combined access log', async () => {
    const { engine, tables } = await indexed([fixture('access.log')]);
    const [t] = tables;
    assert.equal(t.format, 'apache');
    assert.equal(t.rows, 300);
    assert.deepEqual(rows(engine, 'SELECT _time, client_ip, method, path, protocol, status, bytes, user_agent FROM access WHERE _line = 1')[0], [
      '2015-05-17 10:05:03', '83.149.9.216', 'GET', '/presentations/logstash-monitorama-2013/images/kibana-search.png', 'HTTP/1.1', 200, 203023,
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36',
    ]);
    assert.equal(col(t, 'client_ip').role, 'ip');
    assert.equal(col(t, 'path').role, 'resource');
    assert.equal(col(t, 'status').role, 'outcome');
    assert.equal(col(t, 'user_agent').role, null);
    await engine.dispose();
  });

  it('Apache access: time offsets become UTC; common format without referrer and agent', async () => {
    const p = require('node:path').join(require('node:os').tmpdir(), `li-common-${process.pid}.log`);
    require('node:fs').writeFileSync(p, '10.1.2.3 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n10.1.2.4 - - [10/Oct/2000:23:59:59 -0700] "-" 408 -\n');
    const { engine } = await indexed([p]);
    assert.deepEqual(rows(engine, 'SELECT _time, user, status, bytes, referrer, method, path FROM ' + engine.tables()[0].table + ' ORDER BY _line'), [
      ['2000-10-10 20:55:36', 'frank', 200, 2326, null, 'GET', '/apache_pb.gif'],
      ['2000-10-11 06:59:59', null, 408, null, null, null, null],
    ]);
    await engine.dispose();
  });

  it('syslog with sshd authentication details', async () => {
    const { engine, tables } = await indexed([fixture('OpenSSH_2k.log')], { year: 2016 });
    const [t] = tables;
    assert.equal(t.format, 'syslog');
    assert.equal(t.rejected, 0);
    assert.deepEqual(rows(engine, 'SELECT _time, host, program, pid FROM openssh_2k WHERE _line = 1')[0], ['2016-12-10 06:55:46', 'LabSZ', 'sshd', 24200]);
    const failed = rows(engine, "SELECT user, src_ip, src_port, outcome, event FROM openssh_2k WHERE message LIKE 'Failed password for invalid user%' ORDER BY _line LIMIT 1")[0];
    assert.equal(failed[3], 'failure');
    assert.equal(failed[4], 'failed_password_invalid_user');
    assert.match(String(failed[1]), /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(typeof failed[2], 'number');
    assert.equal(col(t, 'user').role, 'user');
    assert.equal(col(t, 'src_ip').role, 'ip');
    assert.equal(col(t, 'outcome').role, 'outcome');
    assert.equal(col(t, 'program').role, null);
    await engine.dispose();
  });

  it('sshd messages', () => {
    assert.deepEqual(parseSshd('Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2'), {
      event: 'failed_password_invalid_user', user: 'webmaster', ip: '173.234.31.186', port: 38926, outcome: 'failure',
    });
    assert.deepEqual(parseSshd('Accepted password for fztu from 119.137.62.142 port 49116 ssh2'), {
      event: 'accepted_password', user: 'fztu', ip: '119.137.62.142', port: 49116, outcome: 'success',
    });
    assert.deepEqual(parseSshd('Invalid user test9 from 52.80.34.196'), { event: 'invalid_user', user: 'test9', ip: '52.80.34.196', port: null, outcome: 'failure' });
    assert.equal(parseSshd('message repeated 5 times: [ Failed password for root from 5.188.10.180 port 1 ssh2]')?.user, 'root');
    assert.equal(parseSshd('Server listening on 0.0.0.0 port 22.'), null);
  });

  it('syslog without a year: rolls over from December to January', async () => {
    const p = require('node:path').join(require('node:os').tmpdir(), `li-syslog-${process.pid}.log`);
    require('node:fs').writeFileSync(p, 'Dec 31 23:59:58 h sshd[1]: Invalid user a from 1.2.3.4\nJan  1 00:00:01 h sshd[2]: Invalid user b from 1.2.3.4\n');
    const { engine } = await indexed([p], { year: 2019 });
    assert.deepEqual(rows(engine, `SELECT _time FROM ${engine.tables()[0].table} ORDER BY _line`), [['2019-12-31 23:59:58'], ['2020-01-01 00:00:01']]);
    await engine.dispose();
  });

  it('Linux syslog lines with odd program tags are kept, not rejected: syslogd 1.4.1:, -- root[2421]:', async () => {
    const { engine, tables } = await indexed([fixture('Linux_2k.log')]);
    assert.equal(tables[0].rejected, 0);
    assert.equal(one(engine, "SELECT count(*) FROM linux_2k WHERE program = 'syslogd 1.4.1' AND pid IS NULL AND message = 'restart.'") as number > 0, true);
    assert.equal(one(engine, "SELECT count(*) FROM linux_2k WHERE program IS NULL"), 0);
    await engine.dispose();
  });

  it('SQLite database files: tables come in as they are', async () => {
    const { engine, tables } = await indexed([fixture('logins.sqlite')]);
    assert.deepEqual(tables.map((t) => t.table).sort(), ['attacks', 'logs']);
    const logs = tables.find((t) => t.table === 'logs')!;
    assert.equal(logs.format, 'sqlite');
    assert.equal(col(logs, 'source_ip').role, 'ip');
    assert.equal(col(logs, 'username').role, 'user');
    assert.equal(col(logs, 'datetime').type, 'timestamp');
    assert.equal(one(engine, 'SELECT count(*) FROM logs'), logs.rows);
    await engine.dispose();
  });

  it('several files in one database can be joined; names stay unique', async () => {
    const { engine, tables } = await indexed([fixture('logins.sqlite'), fixture('attacks.csv'), fixture('log.csv')]);
    assert.deepEqual(tables.map((t) => t.table), ['logs', 'attacks', 'attacks_2', 'log']);
    const n = one(engine, 'SELECT count(DISTINCT l.source_ip) FROM log l JOIN attacks_2 a ON a.source_ip = l.source_ip') as number;
    assert.ok(n > 0);
    assert.equal(one(engine, "SELECT count(*) FROM catalog_files"), 4);
    assert.equal(one(engine, "SELECT role FROM catalog_columns WHERE table_name = 'log' AND name = 'source_ip'"), 'ip');
    await engine.dispose();
  });

  it('the user can override the detected format', () => {
    const d = detect(['a,b', '1,2'], { format: 'lines' });
    assert.equal(d.format, 'lines');
  });

  it('a pipe inside the last field of a pipe-separated line belongs to that field; a dotted Zeek name in SQL is answered with its quoting', async () => {
    const dir = tmpDir();
    const p = path.join(dir, 'svc.psv');
    fs.writeFileSync(p, 'ts|level|message\n2024-03-01T10:00:00Z|INFO|started\n2024-03-01T10:00:05Z|WARN|retry 1 | backoff 2s\n2024-03-01T10:00:06Z|INFO|a|b|c\n');
    const { engine, tables } = await indexed([p, fixture('zeek/conn.log')]);
    try {
      assert.equal(tables[0].rejected, 0);
      assert.deepEqual(rows(engine, 'SELECT message FROM svc ORDER BY _line'), [['started'], ['retry 1 | backoff 2s'], ['a|b|c']]);
      assert.throws(() => engine.query('SELECT id.orig_h FROM conn'), /no such column: id\.orig_h \(conn has a column named id\.orig_h: a name with a dot is written in double quotes, "id\.orig_h"\)/);
      assert.ok(Number(one(engine, 'SELECT count("id.orig_h") FROM conn')) > 0);
    } finally {
      await engine.dispose();
    }
  });
});
