import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, hasShared, SHARED } from '../helpers';
import { TemplateMiner } from '../../src/engine/templates/drain';
import { maskToken, tokenize } from '../../src/engine/templates/mask';
import { groupingAccuracy, parseStructuredCsv } from '../../src/engine/templates/accuracy';
import { messageColumn } from '../../src/engine/templates/column';

/** Mines the Content column of a loghub structured CSV and scores it against EventId. */
function score(file: string) {
  const rows = parseStructuredCsv(fs.readFileSync(file, 'utf8'));
  const miner = new TemplateMiner();
  const ids = rows.map((r) => miner.add(r.content, r.lineId));
  return { rows, miner, score: groupingAccuracy(rows.map((r) => r.eventId), ids.map((id) => (id === null ? null : miner.resolve(id)))) };
}

describe('message templates', () => {
  it('masks numbers, hex, addresses, paths, ids, host names and attribute values; keeps names ending in a digit', () => {
    const cases: [string, string][] = [
      ['173.234.31.186', '<*>'],
      ['[173.234.31.186]', '[<*>]'],
      ['10.0.0.1:22', '<*>'],
      ['52.80.34.196:', '<*>:'],
      ['0x7f3a2c', '<*>'],
      ['blk_-1608999687919862906', 'blk_<*>'],
      ['/var/www/html/index.php', '<*>'],
      ["'/udev/hda'", "'<*>'"],
      ['https://example.org/a?b=1', '<*>'],
      ['123e4567-e89b-12d3-a456-426614174000', '<*>'],
      ['ns.marryaldkfaczcz.com', '<*>'],
      ['rhost=220-135-151-1.hinet-ip.hinet.net', 'rhost=<*>'],
      ['uid=0', 'uid=<*>'],
      ['(uid=0)', '(uid=<*>)'],
      ['audit(1122475266.4294967295:0):', 'audit(<*>):'],
      ['ssh2', 'ssh2'],
      ['tty2', 'tty2'],
      ['user=root', 'user=root'],
      ['workerEnv.init()', 'workerEnv.init()'],
      ['org.apache.hadoop.mapred.TaskTracker:', 'org.apache.hadoop.mapred.TaskTracker:'],
      ['fe80::1ff:fe23:4567:890a', '<*>'],
    ];
    for (const [input, want] of cases) assert.equal(maskToken(input), want, input);
    assert.deepEqual(tokenize('  a\tb  c \r'), ['a', 'b', 'c']);
  });

  it('the message column: by its name; in a file without a header, the last column when it is free text', () => {
    const cols = (...names: string[]) => names.map((n) => ({ name: n, sourceName: n, type: 'text' }));
    const rec = (...v: string[]) => ({ values: v });
    assert.equal(messageColumn(cols('ts', 'msg', 'note')), 1);
    const healthApp = [rec('20171223-22:15:32:98', 'Step_LSC', 'onStandStepChanged 2470'), rec('20171223-22:15:37:898', 'Step_X', 'onReceive action: SCREEN_ON')];
    assert.equal(messageColumn(cols('col1', 'col2', 'col3'), healthApp), 2);
    // one word per value is a field, not a message; a header that names its columns is taken at its word
    assert.equal(messageColumn(cols('col1', 'col2', 'col3'), [rec('a', 'b', 'spring/views'), rec('a', 'b', 'login')]), -1);
    assert.equal(messageColumn(cols('ts', 'component', 'detail'), healthApp), -1);
    assert.equal(messageColumn([...cols('col1', 'col2'), { name: 'col3', sourceName: 'col3', type: 'integer' }], healthApp), -1);
  });

  it('groups messages of one event, gives stable ids, and records count, first and last line', () => {
    const m = new TemplateMiner();
    const ids = [
      m.add('Accepted password for alice from 10.0.0.1 port 5122 ssh2', 1),
      m.add('Accepted password for bob from 10.0.0.2 port 6000 ssh2', 2),
      m.add('Connection closed by 10.0.0.3 [preauth]', 3),
      m.add('Accepted password for carol from 10.0.0.9 port 7 ssh2', 5),
      m.add('', 6),
      m.add('Received disconnect from 10.0.0.4: 11: Bye Bye [preauth]', 7),
      m.add('Received disconnect from 10.0.0.5: 11: disconnected by user', 8),
    ];
    assert.deepEqual(ids, [1, 1, 2, 1, null, 3, 4]);
    assert.deepEqual(m.templates(), [
      { id: 1, template: 'Accepted password for <*> from <*> port <*> ssh2', count: 3, firstLine: 1, lastLine: 5 },
      { id: 2, template: 'Connection closed by <*> [preauth]', count: 1, firstLine: 3, lastLine: 3 },
      { id: 3, template: 'Received disconnect from <*>: <*>: Bye Bye [preauth]', count: 1, firstLine: 7, lastLine: 7 },
      { id: 4, template: 'Received disconnect from <*>: <*>: disconnected by user', count: 1, firstLine: 8, lastLine: 8 },
    ]);
  });

  it('an attribute with few values names events; with more than four it becomes a variable and its templates merge', () => {
    const m = new TemplateMiner();
    const msg = (u: string) => `authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.1.1.1 user=${u}`;
    const first = ['root', 'guest', 'test', 'ftp'].map((u, i) => m.add(msg(u), i + 1));
    assert.deepEqual(first, [1, 2, 3, 4], 'four values: four events');
    assert.equal(m.add(msg('root'), 5), 1);
    const fifth = m.add(msg('mysql'), 6);
    assert.equal(fifth, 1, 'the fifth value joins the first template, now with user=<*>');
    assert.deepEqual([1, 2, 3, 4].map((id) => m.resolve(id)), [1, 1, 1, 1]);
    assert.deepEqual(m.remap(), [[2, 1], [3, 1], [4, 1]]);
    assert.deepEqual(m.templates(), [
      { id: 1, template: 'authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*> user=<*>', count: 6, firstLine: 1, lastLine: 6 },
    ]);
    assert.equal(m.add(msg('guest'), 7), 1);
    assert.equal(m.size, 1);
  });

  it('a full leaf pushes out the template matched longest ago (it keeps its id and count)', () => {
    const m = new TemplateMiner({ maxLeafTemplates: 3 });
    const ids = ['alpha one two', 'beta three four', 'gamma five six', 'alpha one two', 'delta seven eight', 'beta three four'].map((s, i) =>
      m.add(`job runs ${s}`, i + 1),
    );
    // delta pushes out beta (last matched on line 2); beta comes back as a new template
    assert.deepEqual(ids, [1, 2, 3, 1, 4, 5]);
    assert.deepEqual(m.templates().map((t) => [t.id, t.count]), [[1, 2], [2, 1], [3, 1], [4, 1], [5, 1]]);
  });

  it('grouping accuracy as loghub scores it, with pairwise F-measure', () => {
    // true events A A B B C; predicted 1 1 1 2 3: only C is parsed right (group {4} is part of B)
    const s = groupingAccuracy(['A', 'A', 'B', 'B', 'C'], [1, 1, 1, 2, 3]);
    assert.equal(s.accuracy, 1 / 5);
    // predicted pairs: (0,1) (0,2) (1,2) = 3, of which (0,1) is a true pair; true pairs: (0,1) (2,3) = 2
    assert.equal(s.precision, 1 / 3);
    assert.equal(s.recall, 1 / 2);
    assert.equal(groupingAccuracy(['A', 'A', 'B'], [7, 7, 9]).accuracy, 1);
    assert.equal(groupingAccuracy(['A', 'A'], [null, null]).accuracy, 0, 'lines without a template are groups of their own');
  });

  it('loghub samples in test/fixtures: grouping accuracy Linux 1, Apache 1, OpenSSH 0.867', () => {
    const acc = (f: string) => score(fixture(path.join('loghub', f))).score.accuracy;
    assert.equal(acc('Linux_200.log_structured.csv'), 1);
    assert.equal(acc('Apache_300.log_structured.csv'), 1);
    // The first 300 sshd lines have `user=` with four values (root, uucp, ...): four events here, one
    // (E20, user=<*>) in loghub's truth, 40 lines; and E15/E16 (failure / failures) merged, 3 lines.
    // The whole 2k file has six values and scores 0.9945 (below).
    assert.equal(acc('OpenSSH_300.log_structured.csv').toFixed(4), '0.8667');
  });

  (hasShared ? it : it.skip)('loghub 2k samples in ../shared/data: grouping accuracy OpenSSH 0.9945, Linux 0.9990, Apache 1', () => {
    const dir = path.join(SHARED, 'syslog-ssh');
    const acc = (name: string) => score(path.join(dir, `${name}_2k.log_structured.csv`)).score;
    const ssh = acc('OpenSSH');
    const linux = acc('Linux');
    const apache = acc('Apache');
    assert.equal(ssh.lines, 2000);
    // OpenSSH: E4/E5 (for admin / for root) and E15/E16 (failure / failures) are merged: 11 lines
    assert.equal(ssh.accuracy, 0.9945);
    // Linux: E110/E111 (usbcore: registered new driver hub / usbfs) are merged: 2 lines
    assert.equal(linux.accuracy, 0.999);
    assert.equal(apache.accuracy, 1);
  });

  // #14: at least 0.90 on each loghub sample in ../shared/data/syslog-ssh, the number printed
  const samples = hasShared ? fs.readdirSync(path.join(SHARED, 'syslog-ssh')).filter((f) => f.endsWith('_structured.csv')).sort() : [];
  (hasShared ? describe : describe.skip)('grouping accuracy on each loghub sample in ../shared/data/syslog-ssh (target 0.90)', () => {
    it('there are samples to score', () => assert.ok(samples.length >= 3, samples.join(', ')));
    for (const f of samples) {
      it(f, () => {
        const s = score(path.join(SHARED, 'syslog-ssh', f)).score;
        console.log(`      ${f}: grouping accuracy ${s.accuracy.toFixed(4)} (F1 ${s.f1.toFixed(4)}; ${s.predictedGroups} templates / ${s.trueGroups} events, ${s.lines} lines)`);
        assert.ok(s.accuracy >= 0.9, `accuracy ${s.accuracy}`);
      });
    }
  });
});
