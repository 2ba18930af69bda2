import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { col, fixture, indexed, one, rows, tmpDir } from '../helpers';
import { LAYOUTS, layoutParser, stampAt } from '../../src/engine/ingest/timestamps';
import { detect } from '../../src/engine/ingest/formats';
import { headerColumns, learnHeader } from '../../src/engine/ingest/learned';

/** Year of the samples whose stamps carry none (as --year gives it). */
const YEAR: Record<string, number> = { Android: 2017, Proxifier: 2016, Mac: 2017 };
const FORMAT: Record<string, string> = { HealthApp: 'csv', Mac: 'syslog' };
const SYSTEMS = ['HDFS', 'BGL', 'HPC', 'Hadoop', 'Spark', 'Zookeeper', 'OpenStack', 'Android', 'Windows', 'Proxifier', 'Thunderbird', 'HealthApp', 'Mac'];

describe('any log: time stamps and learned headers', () => {
  it('every time stamp layout reads its example', () => {
    const want: Record<string, string> = {
      iso: '2015-10-18 18:01:47.978',
      'iso-dashed': '2005-06-03 15:42:50.675872',
      'iso-underscore': '2017-05-16 13:53:08',
      'compact-dash': '2017-12-23 22:15:29.606',
      'compact-t': '2017-12-23 22:15:29',
      'slash-ymd': '2015-10-18 18:01:47',
      'dot-ymd': '2005-11-09 12:01:01',
      'slash-mdy': '2015-10-18 18:01:47',
      'slash-dmy': '2015-10-18 18:01:47',
      apache: '2015-10-18 16:01:47',
      'dmy-mon': '2015-10-18 18:01:47.978',
      ctime: '2005-12-04 04:47:44',
      'mon-d-y': '2015-10-18 18:01:47',
      'yymmdd-hhmmss': '2008-11-09 20:36:15',
      'slash-yymmdd': '2017-06-09 20:10:40',
      'epoch-ms': '2015-10-18 05:00:23.722',
      'epoch-s': '2005-06-03 22:42:50',
      syslog: '2024-06-14 15:16:01',
      'md-dash': '2024-03-17 16:13:38.811',
      'md-dot': '2024-10-30 16:49:06',
      'md-slash': '2024-10-30 16:49:06',
      'd-mon-y': '2023-08-29 13:47:38.984',
      'ymd-time': '2020-03-08 23:47:32.089828',
      'yymmdd-time': '2017-02-13 16:00:33',
      'mmdd-time': '2024-05-17 15:04:22.619632',
      'mon-d-time': '2024-03-18 21:41:15.684',
      'd-mon-time': '2024-04-13 12:52:30.731',
    };
    assert.deepEqual(LAYOUTS.map((l) => l.id).sort(), Object.keys(want).sort());
    for (const l of LAYOUTS) {
      assert.equal(stampAt(l.example, 0)?.layout.id, l.id, l.example);
      assert.equal(layoutParser(l.id, 2024)(l.example), want[l.id], l.example);
    }
    // no year: the next year once the month goes back (Dec → Jan); impossible dates are no time
    const md = layoutParser('md-dash', 2017);
    assert.deepEqual(['12-31 23:59:59.999', '01-01 00:00:01.5'].map(md), ['2017-12-31 23:59:59.999', '2018-01-01 00:00:01.5']);
    assert.equal(layoutParser('iso', 2024)('2015-02-30 10:00:00'), null);
    assert.equal(layoutParser('yymmdd-hhmmss', 2024)('081309 203615'), null);
    assert.equal(stampAt('1234567 203615', 0), null);
    // a zone name is matched and left out; a word after the stamp is not a zone
    assert.equal(layoutParser('iso', 2024)('2025-08-13 01:45:01.127 PDT'), '2025-08-13 01:45:01.127');
    assert.equal(stampAt('2015-10-18 18:01:47,978 INFO [main] x', 0)?.end, 23);
    assert.equal(layoutParser('ctime', 2024)('Thu Jun 2 08:00:01 UTC 2022'), '2022-06-02 08:00:01');
  });

  for (const sys of SYSTEMS) {
    it(`${sys}: every record's time is read, continuation lines join the record above`, async () => {
      const file = fixture(path.join('systems', `${sys}.log`));
      const times = fs.readFileSync(fixture(path.join('systems', `${sys}.times`)), 'utf8').trim().split('\n');
      const { engine, tables } = await indexed([file], YEAR[sys] ? { year: YEAR[sys] } : {});
      const [t] = tables;
      assert.equal(t.format, FORMAT[sys] ?? 'learned');
      assert.equal(t.rejected, 0);
      const expected = times.map((x, i) => [i + 1, x] as const).filter(([, x]) => x !== '-');
      const got = rows(engine, `SELECT _line, _time FROM "${t.table}" ORDER BY _line`);
      assert.deepEqual(got, expected.map(([l, x]) => [l, x]));
      // HealthApp is read as a pipe-separated file without a header: its last column (free text) is the message
      assert.ok(t.templates && t.templates.count < t.rows, 'messages are grouped into templates');
      await engine.dispose();
    });
  }

  it('learned columns: level, pid, tid, thread, component, message', async () => {
    const { engine, tables } = await indexed([fixture('systems/Android.log'), fixture('systems/Hadoop.log'), fixture('systems/HDFS.log')], { year: 2017 });
    const [android, hadoop, hdfs] = tables;
    assert.deepEqual(android.columns.map((c) => c.name), ['_line', '_time', '_template', 'time', 'pid', 'tid', 'level', 'component', 'message']);
    assert.equal(col(android, 'pid').type, 'integer');
    assert.deepEqual(hadoop.columns.map((c) => c.name).slice(3), ['time', 'level', 'thread', 'component', 'message']);
    assert.equal(one(engine, 'SELECT thread FROM hadoop WHERE _line = 1'), 'IPC Server handler 13 on 62270');
    assert.equal(one(engine, 'SELECT count(*) FROM hadoop WHERE instr(message, char(10)) > 0'), 2, 'the two stack traces');
    assert.match(String(one(engine, 'SELECT message FROM hadoop WHERE _line = 7')), /^ERROR IN CONTACTING RM\. \njava\.net\.ConnectException.*\n\t\.\.\. 12 more$/s);
    assert.deepEqual(hdfs.columns.map((c) => c.name).slice(3), ['time', 'pid', 'level', 'component', 'message']);
    assert.equal(one(engine, "SELECT count(*) FROM hdfs WHERE level NOT IN ('INFO', 'WARN')"), 0);
    await engine.dispose();
  });

  it('a host column where (nearly) every line names a host at one place (Thunderbird, BGL, HPC), playing the host role', async () => {
    const { engine, tables } = await indexed([fixture('systems/Thunderbird.log'), fixture('systems/BGL.log'), fixture('systems/HPC.log')]);
    try {
      const [tb, bgl, hpc] = tables;
      // Thunderbird: label epoch date node "Mon d HH:MM:SS" node/node program[pid]: message
      assert.deepEqual(tb.columns.map((c) => c.name).slice(3), ['field1', 'time', 'date', 'host', 'time2', 'location', 'component', 'pid', 'message']);
      const first = fs.readFileSync(fixture('systems/Thunderbird.log'), 'utf8').split('\n')[0].split(' ');
      assert.deepEqual(rows(engine, 'SELECT host, time2, location, component, pid, message FROM thunderbird WHERE _line = 1')[0], [first[3], first.slice(4, 7).join(' '), first[7], 'crond', Number(first[8].slice(6, -2)), first.slice(9).join(' ')]);
      assert.equal(one(engine, "SELECT count(*) FROM thunderbird WHERE host IS NULL OR host NOT GLOB 'dn[0-9]*' OR location <> host || '/' || host"), 0);
      // BGL: the node before the stamp is the host, the same node after it the location
      assert.deepEqual(bgl.columns.map((c) => c.name).slice(3), ['field1', 'field2', 'date', 'host', 'time', 'location', 'field6', 'field7', 'level', 'message']);
      assert.equal(one(engine, "SELECT count(*) FROM bgl WHERE host NOT GLOB 'R[0-9][0-9]-M[01]-N?-C:J[0-9][0-9]-U[01]1' OR location <> host"), 0);
      assert.deepEqual(hpc.columns.map((c) => c.name).slice(3, 5), ['field1', 'host']);
      assert.equal(one(engine, "SELECT count(*) FROM hpc WHERE host NOT GLOB 'node-[0-9]*'"), 0);
      for (const t of tables) assert.equal(col(t, 'host').role, 'host', t.table);
      assert.equal(col(tb, 'location').role, null);
    } finally {
      await engine.dispose();
    }
  });

  it('no host where a place holds ids, file names or a thread after the level; a masked host (#8#) or a line without one (NULL) is tolerated', () => {
    const stamp = (i: number) => `2024-03-01 10:00:${String(i % 60).padStart(2, '0')}`;
    const names = (lines: string[]) => {
      const h = learnHeader(lines);
      return h ? headerColumns(h).map((c) => c.name) : null;
    };
    const n = Array.from({ length: 40 }, (_, i) => i);
    const verb = (i: number) => ['started', 'finished', 'queued', 'failed', 'retried'][i % 5];
    assert.deepEqual(names(n.map((i) => `${stamp(i)} ${(0x3f2a9b10 + i * 7919).toString(16)} INFO ${verb(i)} job ${i}`)), ['time', 'field1', 'level', 'message']);
    assert.deepEqual(names(n.map((i) => `${stamp(i)} INFO pool-${i % 3}-thread-${i % 7} ${verb(i)} job ${i}`)), ['time', 'level', 'message']);
    assert.deepEqual(names(n.map((i) => `${stamp(i)} worker${i % 4}.exe - started ${i}`)), ['time', 'component', 'message']);
    assert.deepEqual(names(n.map((i) => `${stamp(i)} ${i % 9 === 0 ? '#8#' : i % 7 === 0 ? 'NULL' : `cn${i}`} ntpd[${100 + i}]: synchronized to 10.100.20.250, stratum 3`)), ['time', 'host', 'component', 'pid', 'message']);
  });

  it("a delimited log without a header (HealthApp's time|component|pid|message) has its columns named; one without a time stamp keeps colN", async () => {
    const { engine, tables } = await indexed([fixture('systems/HealthApp.log')]);
    try {
      const [t] = tables;
      assert.deepEqual(t.columns.map((c) => [c.name, c.type]), [['_line', 'integer'], ['_time', 'timestamp'], ['_template', 'integer'], ['time', 'timestamp'], ['component', 'text'], ['pid', 'integer'], ['message', 'text']]);
      assert.deepEqual(rows(engine, 'SELECT _time, component, pid, message FROM healthapp WHERE _line = 1'), [['2017-12-23 22:15:32.098', 'Step_LSC', 30002312, 'onStandStepChanged 2470']]);
    } finally {
      await engine.dispose();
    }
    const plain = Array.from({ length: 30 }, (_, i) => `${i}|item ${i}|${i * 2}`);
    const d = detect(plain);
    const sink = { record: () => undefined, reject: () => undefined };
    plain.forEach((l, i) => d.parser.line(l, i + 1, sink));
    assert.deepEqual([d.format, d.parser.columns()], ['csv', ['col1', 'col2', 'col3']]);
  });

  it('a comma inside the stamp (18:01:47,978; 04:30:30,) is no CSV delimiter; a CSV whose lines start with a time stays CSV', () => {
    const hadoop = fs.readFileSync(fixture('systems/Hadoop.log'), 'utf8').split('\n');
    assert.equal(detect(hadoop).format, 'learned');
    const windows = fs.readFileSync(fixture('systems/Windows.log'), 'utf8').split('\n');
    assert.equal(detect(windows).format, 'learned');
    const csv = ['time,client_ip,user,status', ...Array.from({ length: 50 }, (_, i) => `2024-03-01 10:00:${String(i).padStart(2, '0')},10.0.0.${i},u${i},200`)];
    assert.equal(detect(csv).format, 'csv');
  });

  it('CSV only when the field counts agree; rejected records are always reported with their count', async () => {
    const dir = tmpDir();
    // one line in ten has an extra comma: not a CSV (90% agree), read as lines
    const loose = path.join(dir, 'loose.txt');
    fs.writeFileSync(loose, Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? `note ${i}, with a comma, two` : `note ${i}, plain`)).join('\n') + '\n');
    const { engine, tables } = await indexed([loose]);
    assert.notEqual(tables[0].format, 'csv');
    await engine.dispose();
    // 2 bad records of 300: still CSV, and a warning says how many
    const mostly = path.join(dir, 'mostly.csv');
    fs.writeFileSync(mostly, ['a,b,c', ...Array.from({ length: 300 }, (_, i) => (i === 100 || i === 200 ? `${i},x` : `${i},x,y`))].join('\n') + '\n');
    const r = await indexed([mostly]);
    assert.equal(r.tables[0].format, 'csv');
    assert.equal(r.tables[0].rejected, 2);
    assert.ok(r.tables[0].warnings.some((w) => /^2 of 300 records did not fit the csv format/.test(w)), r.tables[0].warnings.join('\n'));
    await r.engine.dispose();
  });
});

describe('JSON documents (#14 item 6)', () => {
  it('one pretty-printed object is one row; an array of pretty-printed objects is a row each, with the line it starts on', async () => {
    const dir = tmpDir();
    const single = path.join(dir, 'audit.json');
    fs.writeFileSync(single, JSON.stringify({ eventTime: '2024-05-01T10:00:00Z', eventName: 'ConsoleLogin', userIdentity: { userName: 'alice', type: 'IAMUser' }, sourceIPAddress: '203.0.113.5' }, null, 2) + '\n');
    const array = path.join(dir, 'events.json');
    const evs = [1, 2, 3].map((i) => ({ TimeCreated: `2024-05-01T10:00:0${i}Z`, EventID: 4624 + i, Data: { TargetUserName: `u${i}`, IpAddress: `10.0.0.${i}` }, Tags: ['a', `t${i}`] }));
    fs.writeFileSync(array, JSON.stringify(evs, null, 4) + '\n');
    const { engine, tables } = await indexed([single, array]);
    try {
      const [a, e] = tables;
      assert.deepEqual([a.format, a.rows, a.rejected, e.format, e.rows, e.rejected], ['json', 1, 0, 'json', 3, 0]);
      assert.deepEqual(rows(engine, 'SELECT _line, _time, eventName, "userIdentity.userName", sourceIPAddress FROM audit'), [[1, '2024-05-01 10:00:00', 'ConsoleLogin', 'alice', '203.0.113.5']]);
      // each object of the array starts on the line of its '{' (JSON.stringify with 4 spaces: 12 lines an object)
      assert.deepEqual(rows(engine, 'SELECT _line, _time, EventID, "Data.TargetUserName", Tags FROM events ORDER BY _line'), [
        [2, '2024-05-01 10:00:01', 4625, 'u1', '["a","t1"]'],
        [14, '2024-05-01 10:00:02', 4626, 'u2', '["a","t2"]'],
        [26, '2024-05-01 10:00:03', 4627, 'u3', '["a","t3"]'],
      ]);
    } finally {
      await engine.dispose();
    }
  });
});
