// #14 item 1: each time stamp layout the issue names, written into a small log of its own and indexed
// (header inference, not the layout parser alone); every record's exact `_time`, and a continuation
// line joined to the record above, which keeps its first line number.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasShared, indexed, one, rows, SHARED, tmpDir } from '../helpers';
import type { IndexOptions } from '../../src/engine/ingest/build';
import { parseStructuredCsv } from '../../src/engine/templates/accuracy';

interface Case {
  layout: string;
  /** lines of the log; the one at index 2 is a continuation of the record on line 2 */
  lines: string[];
  /** _line and _time of each record */
  want: [number, string][];
  opts?: IndexOptions;
  /** modification time of the file (the year of stamps without one) */
  mtime?: string;
  format?: string;
}

const CONT = '\tat org.example.Worker.run(Worker.java:42)';

const CASES: Case[] = [
  {
    layout: '081109 203615',
    lines: [
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
      '081109 203807 222 INFO dfs.DataNode$PacketResponder: Received block blk_-6952295868487656571 of size 67108864',
      CONT,
      '081110 000001 35 WARN dfs.FSNamesystem: BLOCK* NameSystem.delete: blk_1 is added to invalidSet',
    ],
    want: [[1, '2008-11-09 20:36:15'], [2, '2008-11-09 20:38:07'], [4, '2008-11-10 00:00:01']],
  },
  {
    layout: '2015-10-18 18:01:47,978',
    lines: [
      '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001',
      '2015-10-18 18:01:48,963 ERROR [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Executing with tokens:',
      CONT,
      '2015-10-18 18:01:49,000 WARN [main] org.apache.hadoop.conf.Configuration: job.xml:an attempt to override final parameter',
    ],
    want: [[1, '2015-10-18 18:01:47.978'], [2, '2015-10-18 18:01:48.963'], [4, '2015-10-18 18:01:49']],
  },
  {
    layout: '17/06/09 20:10:40',
    lines: [
      '17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]',
      '17/06/09 20:10:41 ERROR spark.SecurityManager: Changing view acls to: yarn,curi',
      CONT,
      '17/06/09 20:10:42 INFO spark.SecurityManager: Changing modify acls to: yarn,curi',
    ],
    want: [[1, '2017-06-09 20:10:40'], [2, '2017-06-09 20:10:41'], [4, '2017-06-09 20:10:42']],
  },
  {
    layout: '[10.30 16:49:06] (no year: --year)',
    lines: [
      '[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS',
      '[12.31 23:59:59] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent, 0 bytes received',
      CONT,
      '[01.01 00:00:01] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 403 bytes sent, 426 bytes received',
    ],
    opts: { year: 2016 },
    want: [[1, '2016-10-30 16:49:06'], [2, '2016-12-31 23:59:59'], [4, '2017-01-01 00:00:01']],
  },
  {
    layout: '20171223-22:15:29:606 (space-separated)',
    lines: [
      '20171223-22:15:29:606 Step_LSC 30002312 onStandStepChanged 3579',
      '20171223-22:15:29:615 Step_LSC 30002312 onExtend:1514038530000 14 0 4',
      CONT,
      '20171223-22:15:29:7 Step_StandReportReceiver 30002312 onReceive action: android.intent.action.SCREEN_ON',
    ],
    want: [[1, '2017-12-23 22:15:29.606'], [2, '2017-12-23 22:15:29.615'], [4, '2017-12-23 22:15:29.007']],
  },
  {
    layout: '20171223-22:15:29:606 (pipe-separated, as HealthApp writes it)',
    lines: [
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      '20171223-22:15:29:615|Step_LSC|30002312|onExtend:1514038530000 14 0 4',
      '20171223-22:15:29:633|Step_StandReportReceiver|30002312|onReceive action: android.intent.action.SCREEN_ON',
      '20171223-22:15:30:1|Step_LSC|30002312|processHandleBroadcastAction action:android.intent.action.SCREEN_ON',
    ],
    want: [[1, '2017-12-23 22:15:29.606'], [2, '2017-12-23 22:15:29.615'], [3, '2017-12-23 22:15:29.633'], [4, '2017-12-23 22:15:30.001']],
    format: 'csv',
  },
  {
    layout: 'epoch seconds',
    lines: [
      '1117838570 INFO kernel: instruction cache parity error corrected',
      '1117838571.25 ERROR kernel: machine check interrupt',
      CONT,
      '1117842440 INFO app: ciod: generated 128 core files for program /bgl/apps/swl/mpi',
    ],
    want: [[1, '2005-06-03 22:42:50'], [2, '2005-06-03 22:42:51.25'], [4, '2005-06-03 23:47:20']],
  },
  {
    layout: '03-17 16:13:38.811 (no year: the file is from 2019)',
    lines: [
      '03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false',
      '03-17 16:13:38.819  1702  8671 E PowerManagerService: acquire lock=233570404, flags=0x1, tag="View Lock", name=com.android.systemui',
      CONT,
      '03-17 16:13:38.859  2227  2227 D TextView: visible is system.time.showampm',
    ],
    mtime: '2019-06-01T00:00:00Z',
    want: [[1, '2019-03-17 16:13:38.811'], [2, '2019-03-17 16:13:38.819'], [4, '2019-03-17 16:13:38.859']],
  },
  {
    layout: '03-17 16:13:38.811 (no year, the stamps after the file time: the year before)',
    lines: [
      '12-30 23:59:58.100  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken',
      '12-31 23:59:59.900  1702  8671 E PowerManagerService: acquire lock=233570404, flags=0x1',
      CONT,
      '01-01 00:00:00.001  2227  2227 D TextView: visible is system.time.showampm',
    ],
    mtime: '2019-06-01T00:00:00Z',
    want: [[1, '2018-12-30 23:59:58.1'], [2, '2018-12-31 23:59:59.9'], [4, '2019-01-01 00:00:00.001']],
  },
  {
    layout: '2005-06-03-15.42.50.675872',
    lines: [
      '2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected',
      '2005-06-03-15.42.50.823719 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt',
      CONT,
      '2005-06-03-15.42.51 R02-M1-N0-C:J12-U11 RAS KERNEL INFO generating core.2275',
    ],
    want: [[1, '2005-06-03 15:42:50.675872'], [2, '2005-06-03 15:42:50.823719'], [4, '2005-06-03 15:42:51']],
  },
  {
    layout: 'Jun 14 15:16:01 (syslog: no year, the file is from 2006; Dec → Jan)',
    lines: [
      'Dec 31 23:59:58 combo sshd[19939]: Accepted password for alice from 10.0.0.1 port 5122 ssh2',
      'Jan  1 00:00:01 combo sshd[19940]: Accepted password for bob from 10.0.0.2 port 5123 ssh2',
      'Jan  1 00:00:02 combo sshd[19941]: Connection closed by 10.0.0.3 [preauth]',
    ],
    mtime: '2006-03-01T00:00:00Z',
    want: [[1, '2005-12-31 23:59:58'], [2, '2006-01-01 00:00:01'], [3, '2006-01-01 00:00:02']],
    format: 'syslog',
  },
];

describe('any log: every time stamp layout of #14, indexed', () => {
  CASES.forEach((c, i) => {
    it(`${c.layout}: exact _time of each record${c.lines.includes(CONT) ? '; the continuation line joins the record above' : ''}`, async () => {
      const file = path.join(tmpDir(), `layout${i}.log`);
      fs.writeFileSync(file, c.lines.join('\n') + '\n');
      if (c.mtime) fs.utimesSync(file, new Date(c.mtime), new Date(c.mtime));
      const { engine, tables } = await indexed([file], c.opts ?? {});
      try {
        const [t] = tables;
        assert.equal(t.format, c.format ?? 'learned');
        assert.equal(t.rejected, 0);
        assert.deepEqual(rows(engine, `SELECT _line, _time FROM "${t.table}" ORDER BY _line`), c.want);
        if (c.lines.includes(CONT)) {
          const message = String(one(engine, `SELECT message FROM "${t.table}" WHERE _line = 2`));
          assert.ok(message.endsWith('\n' + CONT), message);
        }
      } finally {
        await engine.dispose();
      }
    });
  });
});

const MONTH: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

/** The time loghub's structured CSV gives a line, normalized: its own year (Apache) or `year` (syslog). */
function truthTime(f: Record<string, string>, year: number): string {
  // Apache: Time = "Sun Dec 04 04:47:44 2005"
  const ctime = /^\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/.exec(f.Time);
  if (ctime) return `${ctime[4]}-${MONTH[ctime[1]]}-${ctime[2]} ${ctime[3]}`;
  // Linux: Month, Date, Time; OpenSSH: Date (the month), Day, Time
  const [mon, day] = f.Month !== undefined ? [f.Month, f.Date] : [f.Date, f.Day];
  return `${year}-${MONTH[mon]}-${day.padStart(2, '0')} ${f.Time}`;
}

(hasShared ? describe : describe.skip)("loghub's samples in ../shared/data: the time of every line equals the structured CSV's", () => {
  const dir = path.join(SHARED, 'syslog-ssh');
  const samples = hasShared ? fs.readdirSync(dir).filter((f) => f.endsWith('.log_structured.csv')).sort() : [];
  for (const s of samples) {
    it(s.replace('_structured.csv', ''), async () => {
      const truth = parseStructuredCsv(fs.readFileSync(path.join(dir, s), 'utf8'));
      const { engine, tables } = await indexed([path.join(dir, s.replace('_structured.csv', ''))], { year: 2024 });
      try {
        const got = rows(engine, `SELECT _line, _time FROM "${tables[0].table}" ORDER BY _line`);
        assert.equal(tables[0].rejected, 0);
        assert.deepEqual(got, truth.map((t) => [t.lineId, truthTime(t.fields, 2024)]));
        console.log(`      ${s}: ${got.length} of ${truth.length} lines, every _time as the structured CSV has it (format ${tables[0].format})`);
      } finally {
        await engine.dispose();
      }
    });
  }
});
