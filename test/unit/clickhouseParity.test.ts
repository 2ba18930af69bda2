/**
 * Parity of the two stores (#17): for every seeded generator of test/generators, every analysis run
 * on the two-shard ClickHouse cluster (scripts/clickhouse/cluster.sh, started here when it is not
 * running and stopped after the run) gives the findings sql.js gives on the same files: the same
 * entities, ids, risks, reasons, metrics and evidence, scores within rounding. Sizes are small so
 * that the file runs in a few minutes on a shared machine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES } from '../../src/engine/analyses';
import type { IndexOptions } from '../../src/engine/ingest/build';
import { runAnalyses, type AnalysisRun } from '../../src/engine/findings/model';
import { ClickHouseStore } from '../../src/engine/store/clickhouse/store';
import { SqlJsStore } from '../../src/engine/store/store';
import { clusterAddress, dropDatabase } from '../clickhouseCluster';
import { generateCourseLog, plantedCases as coursePlants } from '../generators/courseLog';
import { THREAT_IPS, writeEventStream } from '../generators/eventStream';
import { loginAttempts } from '../generators/loginAttempts';
import { generateSmbFiles } from '../generators/smbFiles';
import { WEB_PLANTED, generateWebLog } from '../generators/webLog';
import { generateZeek, writeZeek } from '../generators/zeek';
import { fixture, tmpDir } from '../helpers';

/** A generated data set: the files, indexed with these options (one call of index per group). */
interface DataSet {
  name: string;
  files(dir: string): Promise<{ files: string[]; options?: IndexOptions }[]>;
  /** Parameters of this set's own (on top of PARAMS). */
  params?: Record<string, string>;
}

const write = (dir: string, name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const logins = loginAttempts({ seed: 11, start: '2018-03-05', days: 3, users: 20, attemptsPerAttack: 60, attacks: ['2018-03-05 03:10:00', '2018-03-06 14:20:30'] });
const zeek = generateZeek({ seed: 5, hosts: 12, hours: 8, perHour: 4, weirdAndKerberos: true });

const SETS: DataSet[] = [
  {
    name: 'courseLog',
    files: async (dir) => [
      { files: [write(dir, 'course.txt', [...generateCourseLog({ lines: 6000, seed: 42, start: '2020-01-01', end: '2020-12-31', plants: coursePlants().lines })].join('\n') + '\n'), fixture('cohorts.csv')], options: { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] } },
    ],
  },
  {
    name: 'eventStream',
    files: async (dir) => {
      const f = path.join(dir, 'events.jsonl');
      await writeEventStream(f, { users: 12, days: 42 });
      return [{ files: [f] }];
    },
  },
  { name: 'loginAttempts', files: async (dir) => [{ files: [write(dir, 'logins.csv', logins.csv), write(dir, 'attacks_planted.csv', logins.windowsCsv)] }] },
  { name: 'smbFiles', files: async (dir) => [{ files: [write(dir, 'smb_files.log', generateSmbFiles({ days: 3, sessionsPerDay: 15, clients: 12, exfilFiles: 80 }).text)] }] },
  { name: 'webLog', files: async (dir) => [{ files: [write(dir, 'access.log', generateWebLog({ hours: 24, perHour: 60 }).join('\n') + '\n')] }] },
  { name: 'zeek', files: async (dir) => [{ files: writeZeek(dir, zeek) }] },
  {
    // not a generator: the analyses no generator's tables reach (levels for error-bursts, a baseline file for template-new), on a fixture split in two
    name: 'hdfsFixture',
    files: async (dir) => {
      const lines = fs.readFileSync(fixture('systems/HDFS.log'), 'utf8').split('\n').filter(Boolean);
      const half = lines.length >> 1;
      return [{ files: [write(dir, 'hdfs_early.log', lines.slice(0, half).join('\n') + '\n'), write(dir, 'hdfs_late.log', lines.slice(half).join('\n') + '\n')] }];
    },
    params: { baseline: 'hdfs_early' },
  },
];

/** The parameters that make every analysis run: a geo database, a threat list with addresses the generators plant, the bundled Sigma rules. */
const PARAMS: Record<string, string> = {
  geo: fixture('geo/GeoLite2-City-Test.mmdb'),
  threats: [...THREAT_IPS, WEB_PLANTED.scanner, ...logins.windows.map((w) => w.ip), zeek.planted!.beacon.dst, zeek.planted!.exfil.dst].join(','),
  sigma: 'bundled',
  rules: JSON.stringify({ rules: [
    { name: 'not found', condition: 'status >= 400', severity: 'low', entity: 'client_ip', table: 'access' },
    { name: 'wrong username', condition: "failure_reason LIKE '%USERNAME%'", severity: 'medium', entity: 'source_ip', table: 'logins' },
    { name: 'unauthorized', condition: 'status_code = 401', severity: 'medium', entity: 'id.orig_h', table: 'http' },
  ] }),
};

/** Every finding as both stores must give it, per analysis and table. */
function findingsOf(run: AnalysisRun) {
  const out = new Map<string, unknown[]>();
  for (const o of run.outputs) {
    const fs_ = o.findings.map((f) => ({ id: f.id, risk: f.risk, score: Number(f.score.toPrecision(9)), severity: f.severity, reason: f.reason, metrics: f.metrics, lines: f.evidence.lines, total: f.evidence.total, context: f.context, related: f.related, window: f.window }));
    out.set(`${o.analysis} on ${o.table}`, fs_.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)));
  }
  return out;
}

/** The analyses that ran on some table of some set. */
const ran = new Set<string>();

describe('ClickHouse parity: every analysis on every generator, two shards against sql.js', function () {
  this.timeout(900_000);
  const only = process.env.LI_PARITY_ONLY?.split(',');
  for (const set of SETS.filter((x) => !only || only.includes(x.name))) {
    describe(set.name, () => {
      const db = `li_parity_${process.pid}_${set.name.toLowerCase()}`;
      let address = '';
      let sqljs: SqlJsStore | undefined;
      let ch: ClickHouseStore | undefined;
      let a: AnalysisRun;
      let b: AnalysisRun;

      before(async () => {
        address = clusterAddress(db);
        await dropDatabase(address);
        const s = (sqljs = await SqlJsStore.create());
        const c = (ch = await ClickHouseStore.connect(address));
        const dir = tmpDir();
        for (const g of await set.files(dir)) {
          const x = await s.index(g.files, g.options);
          const y = await c.index(g.files, g.options);
          assert.deepEqual(x.map((o) => o.error), g.files.map(() => undefined));
          assert.deepEqual(y.map((o) => o.error), g.files.map(() => undefined));
        }
        assert.deepEqual(c.tables().map((t) => [t.table, t.rows]), s.tables().map((t) => [t.table, t.rows]));
        a = runAnalyses([...ANALYSES], s.tables(), s.querier(), { ...PARAMS, ...set.params });
        b = runAnalyses([...ANALYSES], c.tables(), c.querier(), { ...PARAMS, ...set.params });
        for (const o of a.outputs) ran.add(o.analysis);
      });

      after(async () => {
        await ch?.close();
        await sqljs?.close();
        if (address) await dropDatabase(address);
      });

      it('runs and skips the same analyses, none failing on either store', () => {
        assert.deepEqual(a.skipped.filter((s) => / failed: /.test(s)), [], 'sql.js');
        assert.deepEqual(b.skipped.filter((s) => / failed: /.test(s)), [], 'ClickHouse');
        assert.deepEqual(b.skipped, a.skipped);
        assert.deepEqual(b.outputs.map((o) => `${o.analysis} on ${o.table}`), a.outputs.map((o) => `${o.analysis} on ${o.table}`));
      });

      it('gives the same findings on both stores', () => {
        const fa = findingsOf(a);
        const fb = findingsOf(b);
        const differ = [...fa.keys()].filter((k) => !isDeepStrictEqual(fb.get(k), fa.get(k)));
        const dump = process.env.LI_PARITY_DUMP;
        if (dump) {
          for (const k of fa.keys()) console.log(`    ${set.name}: ${k}: ${(fa.get(k) ?? []).length} findings, ClickHouse ${(fb.get(k) ?? []).length}${differ.includes(k) ? ' DIFFER' : ''}`);
          for (const k of differ) for (const [side, f] of [['sqljs', fa], ['ch', fb]] as const) fs.writeFileSync(path.join(dump, `${set.name}.${k.replace(/\W+/g, '_')}.${side}.json`), JSON.stringify(f.get(k) ?? null, (_, v) => (typeof v === 'bigint' ? `${v}n` : v), 1));
        }
        for (const k of differ) assert.deepEqual(fb.get(k), fa.get(k), k);
        assert.ok([...fa.values()].some((f) => f.length > 0), 'the generated data gives findings to compare');
      });
    });
  }
});

describe('ClickHouse parity covers every analysis', () => {
  it('each analysis ran on some table of the sets above', function () {
    if (process.env.LI_PARITY_ONLY) this.skip();
    assert.deepEqual(ANALYSES.map((x) => x.id).filter((id) => !ran.has(id)), []);
  });
});

function isDeepStrictEqual(x: unknown, y: unknown): boolean {
  try {
    assert.deepStrictEqual(x, y);
    return true;
  } catch {
    return false;
  }
}
