import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { structuredData } from '../../src/engine/ingest/rfc5424';
import { col, hasShared, indexed, rows, SHARED, tmpDir } from '../helpers';

const BSD = [
  'Jul  1 09:01:44 calvisitor-10-105-160-95 sandboxd[129] ([31211]): com.apple.Addres(31211) deny network-outbound /private/var/run/mDNSResponder',
  'Jun 19 04:09:11 combo syslogd 1.4.1: restart.',
  'Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2',
  'Jul  7 08:06:16 combo -- MARK --',
  'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4',
  'Jun 15 04:06:20 combo logrotate: ALERT exited abnormally with [1]',
  'Jul  1 09:02:26 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: Thermal pressure state: 1 Memory pressure state: 0',
];

// RFC 5424's own examples (§6.5), one with two structured-data elements and no message
const RFC5424 = [
  "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
  "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
];

/** The fields of one CSV line (RFC 4180 quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let v = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        v += '"';
        i++;
      } else if (c === '"') quoted = false;
      else v += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(v);
      v = '';
    } else v += c;
  }
  out.push(v);
  return out;
}

describe('syslog edge cases (#14 item 7)', () => {
  it('keeps program and pid of sandboxd[129] ([31211]):, syslogd 1.4.1:, -- root[2421]:', async () => {
    const file = path.join(tmpDir(), 'edges.log');
    fs.writeFileSync(file, BSD.join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].format, 'syslog');
    assert.deepEqual(rows(engine, 'SELECT program, pid, message FROM edges ORDER BY _line'), [
      ['sandboxd', 129, '([31211]): com.apple.Addres(31211) deny network-outbound /private/var/run/mDNSResponder'],
      ['syslogd 1.4.1', null, 'restart.'],
      ['-- root', 2421, 'ROOT LOGIN ON tty2'],
      [null, null, '-- MARK --'],
      ['sshd(pam_unix)', 19939, 'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4'],
      ['logrotate', null, 'ALERT exited abnormally with [1]'],
      ['com.apple.CDScheduler', 43, 'Thermal pressure state: 1 Memory pressure state: 0'],
    ]);
    await engine.dispose();
  });

  it('RFC 5424: facility and severity from PRI, structured data as written and as JSON, UTC _time', async () => {
    const file = path.join(tmpDir(), 'rfc.log');
    fs.writeFileSync(file, RFC5424.join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    assert.equal(tables[0].format, 'syslog');
    assert.equal(tables[0].rejected, 0);
    assert.deepEqual(rows(engine, 'SELECT _time, host, program, pid, msgid, facility, level, message FROM rfc ORDER BY _line'), [
      ['2003-10-11 22:14:15.003', 'mymachine.example.com', 'su', null, 'ID47', 'auth', 'crit', "'su root' failed for lonvick on /dev/pts/8"],
      ['2003-08-24 12:14:15.000003', '192.0.2.1', 'myproc', 8710, null, 'local4', 'notice', "%% It's time to make the do-nuts."],
      ['2003-10-11 22:14:15.003', 'mymachine.example.com', 'evntslog', null, 'ID47', 'local4', 'notice', 'An application event log entry...'],
      ['2003-10-11 22:14:15.003', 'mymachine.example.com', 'evntslog', null, 'ID47', 'local4', 'notice', null],
    ]);
    assert.deepEqual(rows(engine, `SELECT json_extract(sd, '$."exampleSDID@32473".eventID'), json_extract(sd, '$."examplePriority@32473".class'), structured_data FROM rfc WHERE _line = 4`), [
      ['1011', 'high', '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]'],
    ]);
    await engine.dispose();
  });

  it('a file mixing BSD and RFC 5424 lines reads each line by the form it has, in either order', async () => {
    const dir = tmpDir();
    // RFC 5424 first (their columns), then BSD lines: the BSD stamps take the year of the ISO stamps before them
    const mixed = path.join(dir, 'mixed.log');
    fs.writeFileSync(mixed, [...RFC5424.slice(0, 3), 'Oct 11 22:20:01 mymachine sshd[4242]: Failed password for root from 203.0.113.9 port 50022 ssh2', 'Oct 11 22:20:05 mymachine cron[77]: (root) CMD (run-parts /etc/cron.hourly)', RFC5424[3]].join('\n') + '\n');
    // BSD lines first, one RFC 5424 line among them: in December and then January, the year from the ISO stamp
    const bsd = path.join(dir, 'bsdfirst.log');
    fs.writeFileSync(bsd, ['Dec 31 23:59:58 gw sshd[1]: Accepted password for alice from 198.51.100.7 port 40000 ssh2', '<38>1 2025-01-01T00:00:01Z gw sshd 2 - [origin ip="198.51.100.1"] Failed password for bob from 198.51.100.8 port 40001 ssh2', 'Jan  1 00:00:03 gw sshd[3]: Failed password for carol from 198.51.100.9 port 40002 ssh2'].join('\n') + '\n');
    const { engine, tables } = await indexed([mixed, bsd]);
    try {
      const [m, b] = tables;
      assert.deepEqual([m.format, m.rows, m.rejected, b.format, b.rows, b.rejected], ['syslog', 6, 0, 'syslog', 3, 0]);
      assert.deepEqual(rows(engine, 'SELECT _line, _time, host, program, pid, msgid, facility, level FROM mixed ORDER BY _line'), [
        [1, '2003-10-11 22:14:15.003', 'mymachine.example.com', 'su', null, 'ID47', 'auth', 'crit'],
        [2, '2003-08-24 12:14:15.000003', '192.0.2.1', 'myproc', 8710, null, 'local4', 'notice'],
        [3, '2003-10-11 22:14:15.003', 'mymachine.example.com', 'evntslog', null, 'ID47', 'local4', 'notice'],
        [4, '2003-10-11 22:20:01', 'mymachine', 'sshd', 4242, null, null, null],
        [5, '2003-10-11 22:20:05', 'mymachine', 'cron', 77, null, null, null],
        [6, '2003-10-11 22:14:15.003', 'mymachine.example.com', 'evntslog', null, 'ID47', 'local4', 'notice'],
      ]);
      // sshd's fields on both forms
      assert.deepEqual(rows(engine, 'SELECT _line, event, user, src_ip FROM mixed WHERE event IS NOT NULL'), [[4, 'failed_password', 'root', '203.0.113.9']]);
      assert.deepEqual(rows(engine, 'SELECT _line, _time, host, program, pid, structured_data, message, event, user FROM bsdfirst ORDER BY _line'), [
        [1, '2024-12-31 23:59:58', 'gw', 'sshd', 1, null, 'Accepted password for alice from 198.51.100.7 port 40000 ssh2', 'accepted_password', 'alice'],
        [2, '2025-01-01 00:00:01', 'gw', 'sshd', 2, '[origin ip="198.51.100.1"]', 'Failed password for bob from 198.51.100.8 port 40001 ssh2', 'failed_password', 'bob'],
        [3, '2025-01-01 00:00:03', 'gw', 'sshd', 3, null, 'Failed password for carol from 198.51.100.9 port 40002 ssh2', 'failed_password', 'carol'],
      ]);
      assert.equal(col(m, 'host').role, 'host');
    } finally {
      await engine.dispose();
    }
  });

  it('an RFC 5424 line after the first lines of a BSD file is read into the BSD columns, its structured data kept in the message', async () => {
    const file = path.join(tmpDir(), 'late.log');
    const bsd = Array.from({ length: 600 }, (_, i) => `Mar  2 10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} gw sshd[${100 + i}]: Connection closed by 192.0.2.${i % 250} port 22 [preauth]`);
    fs.writeFileSync(file, [...bsd, '<38>1 2024-03-02T10:10:00Z gw sshd 9 - [meta seq="1"] Failed password for root from 192.0.2.77 port 4000 ssh2', bsd[0].replace('10:00:00', '10:10:01')].join('\n') + '\n');
    const { engine, tables } = await indexed([file], { year: 2024 });
    try {
      assert.deepEqual([tables[0].rows, tables[0].rejected], [602, 0]);
      assert.ok(!tables[0].columns.some((c) => c.name === 'msgid'), 'BSD columns');
      assert.deepEqual(rows(engine, 'SELECT _line, _time, host, program, pid, message, event, user, src_ip FROM late WHERE _line > 600 ORDER BY _line'), [
        [601, '2024-03-02 10:10:00', 'gw', 'sshd', 9, '[meta seq="1"] Failed password for root from 192.0.2.77 port 4000 ssh2', 'failed_password', 'root', '192.0.2.77'],
        [602, '2024-03-02 10:10:01', 'gw', 'sshd', 100, 'Connection closed by 192.0.2.0 port 22 [preauth]', 'connection_closed', null, '192.0.2.0'],
      ]);
    } finally {
      await engine.dispose();
    }
  });

  it('structured data with escaped quotes and brackets', () => {
    assert.deepEqual(structuredData('[a@1 x="say \\"hi\\"" y="[1\\]"][b z=""]'), { 'a@1': { x: 'say "hi"', y: '[1]' }, b: { z: '' } });
    assert.equal(structuredData('-'), null);
  });

  (hasShared ? it : it.skip)("loghub's Linux sample: program, pid and message of all 2,000 lines as its ground truth has them", async () => {
    const { engine } = await indexed([path.join(SHARED, 'syslog-ssh', 'Linux_2k.log')]);
    const got = rows(engine, 'SELECT program, pid, message FROM linux_2k ORDER BY _line');
    await engine.dispose();
    const truth = fs.readFileSync(path.join(SHARED, 'syslog-ssh', 'Linux_2k.log_structured.csv'), 'utf8').split('\n').slice(1).filter(Boolean);
    let same = 0;
    truth.forEach((line, i) => {
      // LineId,Month,Date,Time,Level,Component,PID,Content,EventId,EventTemplate
      const f = csvFields(line);
      const [component, pid, content] = [f[5], f[6], f[7]];
      const [program, p, message] = got[i];
      if ((program ?? '') === component && String(p ?? '') === pid && String(message ?? '').trim() === content.trim()) same++;
    });
    assert.equal(same, 2000);
  });
});
