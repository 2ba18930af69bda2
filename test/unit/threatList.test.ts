/**
 * Threat lists: the file formats (one entry per line with notes, CSV with a
 * header, inline lists), clear errors for bad ones, and the threat-list
 * analysis on the hand-made sign-in log (test/fixtures/geo/signins.csv),
 * where 175.16.199.5 (a source, inside a listed /28) and 203.0.113.66 (a
 * destination) are listed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { threatListMatches } from '../../src/engine/analyses/events/threatList';
import { LogInvestigatorError } from '../../src/engine/errors';
import { runAnalysis } from '../../src/engine/findings/model';
import { parseIp } from '../../src/engine/geo/ip';
import { loadThreatList } from '../../src/engine/geo/threatList';
import { fixture, indexed, tmpDir } from '../helpers';

const THREATS = fixture('geo/threats.txt');

function write(name: string, text: string): string {
  const p = path.join(tmpDir(), name);
  fs.writeFileSync(p, text);
  return p;
}

function assertCode(fn: () => unknown, code: string, ...texts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LogInvestigatorError, `a LogInvestigatorError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const t of texts) assert.ok(e.message.includes(t), `"${e.message}" mentions "${t}"`);
    return true;
  });
}

describe('threat lists', () => {
  it('reads one entry per line with comments and notes: IPs, CIDRs, ranges, IPv6', () => {
    const list = loadThreatList(THREATS);
    assert.equal(list.entries, 4);
    const at = (ip: string) => list.find(parseIp(ip)!);
    assert.deepEqual(at('175.16.199.5'), { text: '175.16.199.0/28', where: `${THREATS}:2`, note: 'botnet C2' });
    assert.equal(at('175.16.199.15')?.text, '175.16.199.0/28');
    assert.equal(at('175.16.199.16'), undefined);
    assert.deepEqual(at('203.0.113.66'), { text: '203.0.113.66', where: `${THREATS}:3`, note: 'scanner' });
    assert.equal(at('203.0.113.67'), undefined);
    assert.equal(at('2001:db8:ffff::1')?.text, '2001:db8::/32');
    assert.equal(at('198.51.100.8')?.text, '198.51.100.7-198.51.100.9');
    assert.equal(at('198.51.100.10'), undefined);
    assert.equal(at('::ffff:203.0.113.66')?.text, '203.0.113.66', 'IPv4-mapped IPv6 is the same address');
  });

  it('reads a CSV with an ip or cidr column and a description, and prefers the most specific entry', () => {
    const p = write('iocs.csv', 'first_seen,indicator,threat_type\n2024-01-01,10.0.0.0/8,"internal, should never be listed"\n2024-01-02,10.9.8.7,"C2, cobalt strike"\n2024-01-03,2001:db8::1,phishing\n');
    const list = loadThreatList(p);
    assert.equal(list.entries, 3);
    assert.deepEqual(list.find(parseIp('10.9.8.7')!), { text: '10.9.8.7', where: `${p}:3`, note: 'C2, cobalt strike' });
    assert.equal(list.find(parseIp('10.9.8.6')!)?.text, '10.0.0.0/8');
    assert.equal(list.find(parseIp('2001:db8::1')!)?.note, 'phishing');
  });

  it('takes IPs and CIDRs separated by commas (a setting) and files with CRLF, BOM and Spamhaus-style notes', () => {
    const inline = loadThreatList('203.0.113.66, 2001:218::/32,198.51.100.0/24');
    assert.equal(inline.entries, 3);
    assert.equal(inline.find(parseIp('2001:218::5')!)?.where, 'list');
    assert.equal(inline.find(parseIp('8.8.8.8')!), undefined);
    assert.equal(loadThreatList('203.0.113.66').entries, 1);
    const drop = write('drop.txt', '\ufeff; Spamhaus DROP List 2024/01/01\r\n; Last-Modified: Mon, 01 Jan 2024\r\n1.10.16.0/20 ; SBL256894\r\n1.19.0.0/16 ; SBL434604\r\n');
    const list = loadThreatList(drop);
    assert.equal(list.entries, 2);
    assert.deepEqual(list.find(parseIp('1.19.3.4')!), { text: '1.19.0.0/16', where: `${drop}:4`, note: 'SBL434604' });
    const spaced = write('spaced.txt', '203.0.113.9   seen brute-forcing ssh\n');
    assert.deepEqual(loadThreatList(spaced).find(parseIp('203.0.113.9')!)?.note, 'seen brute-forcing ssh');
  });

  it('gives clear errors for missing files, bad entries and empty lists', () => {
    assertCode(() => loadThreatList('/nonexistent/threats.txt'), 'NOT_FOUND', '/nonexistent/threats.txt', 'neither a file that exists nor an IP address or CIDR');
    assertCode(() => loadThreatList('1.2.3.4, evil.example.com'), 'NOT_FOUND', '"evil.example.com" is neither');
    assertCode(() => loadThreatList('  '), 'BAD_OPTION', 'empty');
    assertCode(() => loadThreatList(tmpDir()), 'BAD_OPTION', 'folder');
    const bad = write('bad.txt', '# list\n1.2.3.4\n\n1.2.3.400\n');
    assertCode(() => loadThreatList(bad), 'UNREADABLE', `${bad}:4`, '"1.2.3.400" is not an IP address, CIDR or range');
    const badCsv = write('bad.csv', 'ip,comment\n1.2.3.4,ok\n1.2.3/24,typo\n');
    assertCode(() => loadThreatList(badCsv), 'UNREADABLE', `${badCsv}:3`, '"1.2.3/24"');
    const noIp = write('noip.csv', 'name,comment\nx,y\n');
    assertCode(() => loadThreatList(noIp), 'UNREADABLE', `${noIp}:1`, 'no CSV header with an ip or cidr column');
    const empty = write('empty.txt', '# nothing yet\n\n');
    assertCode(() => loadThreatList(empty), 'EMPTY', empty);
    const binary = write('binary.bin', 'abc\u0000def\n');
    assertCode(() => loadThreatList(binary), 'UNREADABLE', 'not a text file');
  });
});

describe('threat-list analysis', () => {
  it('finds the listed source and destination addresses, with their events', async () => {
    const { engine, tables } = await indexed([fixture('geo/signins.csv')]);
    try {
      const out = runAnalysis(threatListMatches, tables[0], (s, p) => engine.query(s, p), { threats: THREATS });
      assert.deepEqual(out.findings.map((f) => [f.entity.kind, f.entity.value, f.severity, f.evidence.lines, f.metrics.columns]), [
        ['ip', '175.16.199.5', 'high', [8], 'src_ip'],
        ['ip', '203.0.113.66', 'high', [12], 'dst_ip'],
      ]);
      const [c2, scanner] = out.findings;
      assert.equal(c2.reason, `175.16.199.5 is on the threat list (inside 175.16.199.0/28, listed at ${THREATS}:2: botnet C2); 1 event in src_ip, at 2024-03-01 10:00:00, by carol`);
      // the list's stated severity (high by default): 80, the middle of its band, whatever the number of events
      assert.deepEqual(out.findings.map((f) => [f.risk, f.window, f.related]), [
        [80, { start: '2024-03-01T10:00:00Z', end: '2024-03-01T10:00:00Z' }, [{ kind: 'user', value: 'carol' }]],
        [80, { start: '2024-03-01T15:00:00Z', end: '2024-03-01T15:00:00Z' }, [{ kind: 'user', value: 'dave' }]],
      ]);
      const critical = runAnalysis(threatListMatches, tables[0], (s, p) => engine.query(s, p), { threats: THREATS, severity: 'critical' });
      assert.deepEqual(critical.findings.map((f) => [f.risk, f.severity]), [[95, 'critical'], [95, 'critical']]);
      assert.deepEqual(runAnalysis(threatListMatches, tables[0], (s, p) => engine.query(s, p), { threats: THREATS, severity: 'medium' }).findings.map((f) => f.risk), [60, 60]);
      assert.throws(() => runAnalysis(threatListMatches, tables[0], (s, p) => engine.query(s, p), { threats: THREATS, severity: 'info' }), /severity is low, medium, high or critical/);
      assert.equal(scanner.metrics.note, 'scanner');
      assert.equal(c2.id, 'threat-list:signins:ip:175.16.199.5');
      assert.match(out.tables[0].title, /4 entries .* 25 distinct values checked in src_ip, dst_ip/);
      assert.equal(out.charts.length, 1);
      // the evidence SQL lists exactly the events
      assert.deepEqual(engine.query(scanner.evidence.sql, scanner.evidence.params).rows.map((r) => r[0]), [12]);
    } finally {
      await engine.dispose();
    }
  });

  it('matches IPv6 and IPv4-mapped addresses, counts an address in both columns once per event, and finds nothing when nothing is listed', async () => {
    const dir = tmpDir();
    const log = path.join(dir, 'conn.csv');
    fs.writeFileSync(log, 'ts,src_ip,dst_ip\n2024-01-01T00:00:00Z,10.0.0.1,10.0.0.2\n2024-01-01T00:00:01Z,10.0.0.2,10.0.0.2\n2024-01-01T00:00:02Z,2001:218::5,::ffff:81.2.69.142\n2024-01-01T00:00:03Z,10.0.0.3,10.0.0.1\n');
    const { engine, tables } = await indexed([log]);
    try {
      const run = (threats: string) => runAnalysis(threatListMatches, tables[0], (s, p) => engine.query(s, p), { threats });
      const out = run('10.0.0.2, 2001:218::/32, 81.2.69.142');
      const got = Object.fromEntries(out.findings.map((f) => [f.entity.value, [f.metrics.events, f.metrics.columns, f.evidence.lines]]));
      assert.deepEqual(got, {
        '10.0.0.2': [2, 'src_ip, dst_ip', [2, 3]],
        '2001:218::5': [1, 'src_ip', [4]],
        '::ffff:81.2.69.142': [1, 'dst_ip', [4]],
      });
      assert.equal(run('192.0.2.0/24').findings.length, 0);
      assert.equal(run('192.0.2.0/24').charts.length, 0);
    } finally {
      await engine.dispose();
    }
  });
});
