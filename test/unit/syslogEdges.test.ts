import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { structuredData } from '../../src/engine/ingest/rfc5424';
import { hasShared, indexed, rows, SHARED, tmpDir } from '../helpers';

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
