/**
 * The network-session analyses: `sessions` (aggregation per session id and
 * endpoints, z-scores, time-of-day buckets) and `session-clusters`
 * (k-prototypes over the sessions) on the real smb_files fixtures (TSV and
 * JSON), on hand-made Zeek conn and http logs (test/fixtures/zeek/), and on
 * generated smb_files logs with a planted late-night exfiltration session.
 */
import * as assert from 'node:assert/strict';
import { sessionRisk } from '../../src/engine/analyses/network/sessions';
import { riskFromLog10P } from '../../src/engine/findings/triage/risk';
import { log10StudentTail } from '../../src/engine/findings/triage/tails';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { bucketOf, BUCKETS } from '../../src/engine/analyses/network/sessionsAggregate';
import type { Engine } from '../../src/engine/engine';
import { LogInvestigatorError } from '../../src/engine/errors';
import { missingRoles, runAnalyses, runAnalysis, type AnalysisOutput, type ResultTable } from '../../src/engine/findings/model';
import { ANALYSES } from '../../src/engine/analyses';
import { findingsOf, rankOf, triage } from '../../src/engine/findings/triage/triage';
import { generateSmbFiles, type SmbFilesOptions } from '../generators/smbFiles';
import { fixture, hasShared, indexed, one, SHARED, tmpDir } from '../helpers';

type Run = (id: string, params?: Record<string, string>) => AnalysisOutput;

async function open(file: string): Promise<{ engine: Engine; run: Run }> {
  const { engine, tables } = await indexed([file]);
  return { engine, run: (id, params = {}) => runAnalysis(analysisById(id)!, tables[0], (sql, p = []) => engine.query(sql, p), params, tables) };
}

/** The rows of a result table as objects by column name. */
function records(t: ResultTable): Record<string, unknown>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}

function bySession(o: AnalysisOutput): Map<string, Record<string, unknown>> {
  return new Map(records(o.tables[0]).map((r) => [String(r.session), r]));
}

function generated(opts: SmbFilesOptions): { file: string; log: ReturnType<typeof generateSmbFiles> } {
  const log = generateSmbFiles(opts);
  const file = path.join(tmpDir(), 'smb_files.log');
  fs.writeFileSync(file, log.text);
  return { file, log };
}

async function compileAndRender(spec: Record<string, unknown>): Promise<string> {
  // vega and vega-lite are ES modules; tsc's CommonJS output would turn import() into require()
  const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<never>;
  const { compile } = (await esmImport('vega-lite')) as { compile(s: unknown): { spec: unknown } };
  const vega = (await esmImport('vega')) as { parse(s: unknown): unknown; View: new (r: unknown, o: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void } };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

describe('sessions', () => {
  it('buckets the hours of the day as stated', () => {
    assert.deepEqual(BUCKETS.map((b) => [b.name, b.from, b.to]), [
      ['late night', 0, 4],
      ['early morning', 4, 8],
      ['morning', 8, 12],
      ['afternoon', 12, 16],
      ['evening', 16, 20],
      ['night', 20, 24],
    ]);
    assert.deepEqual([0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23].map(bucketOf), ['late night', 'late night', 'early morning', 'early morning', 'morning', 'morning', 'afternoon', 'afternoon', 'evening', 'evening', 'night', 'night']);
  });

  it('aggregates the real smb_files log, TSV and JSON alike, into 12 sessions and flags the one that wrote a file', async () => {
    const outs: AnalysisOutput[] = [];
    for (const f of ['smb_files.log.gz', 'smb_files.json.gz']) {
      const { engine, run } = await open(fixture(f));
      // checked independently of the analysis: 13 rows, 12 uids, 392 bytes in all
      assert.equal(one(engine, 'SELECT count(DISTINCT uid) FROM smb_files'), 12);
      assert.equal(one(engine, 'SELECT sum(size) FROM smb_files'), 392);
      const o = run('sessions');
      outs.push(o);
      const s = bySession(o);
      assert.equal(s.size, 12);
      const w = s.get('CF0g772wEPFoRKyYg3')!;
      assert.deepEqual(
        [w['orig host'], w['orig port'], w['resp host'], w['resp port'], w.first, w.last, w.seconds, w.events, w.bytes, w.files, w.weekday, w['time of day']],
        ['10.128.0.233', 44132, '10.47.21.82', 445, '2018-03-24 17:23:35.68029', '2018-03-24 17:23:35.700462', 0.02, 2, 392, 1, 'Saturday', 'evening'],
      );
      for (const [k, r] of s) if (k !== 'CF0g772wEPFoRKyYg3') assert.deepEqual([r.events, r.bytes], [1, 0], k);
      assert.deepEqual(o.findings.map((x) => x.entity.value), ['CF0g772wEPFoRKyYg3']);
      const f0 = o.findings[0];
      assert.equal(f0.metrics.fileBytes, 196, 'the file written then deleted counts once');
      assert.equal(f0.metrics.bucket, 'evening');
      // log10(393) over the floor log10(2) (most sessions have 0 bytes, so the MAD is 0)
      assert.ok(Math.abs(f0.score - Math.log10(393) / Math.log10(2)) < 1e-9, `score ${f0.score}`);
      assert.equal(f0.evidence.total, 2);
      assert.match(f0.reason, /392 B, 2 events, 1 distinct files/);
      await engine.dispose();
    }
    // the same sessions whatever the format (only the source lines differ: the TSV has a header)
    assert.deepEqual(outs[0].tables, outs[1].tables);
    assert.deepEqual(outs[0].findings.map((f) => [f.entity, f.score, f.reason, f.evidence.total]), outs[1].findings.map((f) => [f.entity, f.score, f.reason, f.evidence.total]));
    assert.deepEqual([outs[0].findings[0].evidence.lines, outs[1].findings[0].evidence.lines], [[15, 16], [7, 8]]);
  });

  it('reads a Zeek conn log: orig_bytes + resp_bytes (not the *_ip_bytes), the duration column, the late-night upload', async () => {
    const { engine, run } = await open(fixture('zeek/conn.log'));
    const o = run('sessions');
    const s = bySession(o);
    assert.equal(s.size, 11);
    const big = s.get('CkV9aF8rCi0yN1qTi1')!;
    assert.deepEqual([big.bytes, big.seconds, big.events, big['time of day'], big.weekday, big['resp host']], [2147483648 + 91230, 1843.22, 1, 'late night', 'Wednesday', '203.0.113.50']);
    assert.equal(s.get('CiT7yD0pAg2wL9oEg9')!.bytes, 0, 'an S0 connection with unset byte counts');
    assert.equal(s.get('CdA1xS3mQq8v0pWbE1')!.bytes, 1180 + 5321);
    assert.equal(s.get('CdA1xS3mQq8v0pWbE1')!.files, null, 'conn names no files');
    assert.deepEqual(o.findings.map((f) => f.entity.value), ['CkV9aF8rCi0yN1qTi1']);
    const f = o.findings[0];
    assert.equal(f.metrics.bucket, 'late night');
    assert.ok(Math.abs(f.score - 1.5 * Number(f.metrics.robustZ_bytes)) < 0.01, 'the late-night factor');
    assert.match(f.reason, /score × 1\.5 for the late night/);
    // the clusters: the upload is alone, far from the daytime cluster
    const c = run('session-clusters');
    assert.deepEqual(c.findings.map((x) => x.entity.value), ['CkV9aF8rCi0yN1qTi1']);
    assert.equal(c.findings[0].metrics.clusterSize, 1);
    await engine.dispose();
  });

  it('reads a Zeek http log: the requests of a keep-alive connection add up, request and response bodies are bytes, URIs files', async () => {
    const { engine, run } = await open(fixture('zeek/http.log'));
    const o = run('sessions');
    const s = bySession(o);
    assert.equal(s.size, 7);
    const ka = s.get('CaH1bG2cD3eF4gH5i1')!;
    assert.deepEqual([ka.events, ka.bytes, ka.files], [3, 5120 + 2048 + 8800, 3]);
    assert.deepEqual(o.findings.map((f) => f.entity.value), ['CgN7hM8iJ9kL0mN1o7']);
    assert.equal(o.findings[0].metrics.bytes, 524288000 + 64);
    // seven sessions are too few for clusters to single one out: one point's z-score among n is at most √(n−1) ≈ 2.4
    const c = run('session-clusters');
    assert.equal(c.findings.length, 0);
    assert.ok(records(c.tables[0]).some((r) => r.sessions === 1 && r['orig_mime_types'] === 'application/zip'), 'the upload has its own cluster');
    await engine.dispose();
  });

  it('flags the planted late-night exfiltration session of generated smb_files logs, and nothing else', async () => {
    // measured over seeds 1–8: the exfiltration is the top finding of both analyses and no other session is flagged
    const risks: [number, string][] = [];
    for (const seed of [1, 2, 3]) {
      const { file, log } = generated({ seed });
      const ex = log.exfil!;
      const { engine, run } = await open(file);
      const o = run('sessions', { top: '1000' });
      assert.equal(bySession(o).size, log.sessions);
      assert.deepEqual(o.findings.map((f) => f.entity.value), [ex.uid], `seed ${seed}`);
      const f = o.findings[0];
      assert.ok(f.score >= 6, `seed ${seed}: score ${f.score}`);
      assert.deepEqual([f.metrics.events, f.metrics.files, f.metrics.bytes, f.metrics.fileBytes, f.metrics.bucket], [2 * ex.files, ex.files, ex.bytes, ex.bytes / 2, 'late night']);
      assert.ok(Math.abs(Date.parse(String(f.metrics.first).replace(' ', 'T') + 'Z') / 1000 - ex.first) < 0.002, `first ${f.metrics.first}`);
      assert.equal(f.evidence.total, 2 * ex.files);
      risks.push([f.risk!, f.severity]);
      assert.deepEqual(f.related, [{ kind: 'ip', value: ex.origHost }, { kind: 'ip', value: ex.respHost }]);
      assert.equal(f.window?.start.slice(0, 13), new Date(ex.first * 1000).toISOString().slice(0, 13));

      const c = run('session-clusters');
      assert.deepEqual(c.findings.map((x) => x.entity.value), [ex.uid], `seed ${seed}`);
      assert.equal(c.findings[0].metrics.clusterSize, 1);
      assert.ok(c.findings[0].score >= 4, `seed ${seed}: score ${c.findings[0].score}`);
      risks.push([c.findings[0].risk!, c.findings[0].severity]);
      await engine.dispose();
    }
    // exact on these seeds: sessions, then session-clusters, per seed (both far past the top of the scale)
    assert.deepEqual(risks, new Array(6).fill([100, 'critical']));
    for (const seed of [1, 2]) {
      const { file } = generated({ seed, exfil: false });
      const { engine, run } = await open(file);
      assert.deepEqual(run('sessions').findings, [], `clean log, seed ${seed}`);
      assert.deepEqual(run('session-clusters').findings, [], `clean log, seed ${seed}`);
      await engine.dispose();
    }
  });

  it('suspects on the generated smb_files log (seed 7, the triage bench): the exfiltration session first, one incident with both hosts', async () => {
    const { file, log } = generated({ seed: 7 });
    const ex = log.exfil!;
    const { engine, tables } = await indexed([file]);
    try {
      const run = runAnalyses([...ANALYSES], tables, (sql, p) => engine.query(sql, p));
      const t = triage(findingsOf(run.outputs));
      const sessionsGroup = t.groups.find((g) => g.kind === 'session')!;
      assert.deepEqual(sessionsGroup.suspects.map((x) => [x.value, x.risk, x.analyses]), [[ex.uid, 100, ['session-clusters', 'sessions']]]);
      assert.deepEqual(rankOf(t, 'ip', ex.origHost), { group: 'IPs', rank: 1, of: 1 });
      assert.deepEqual(t.incidents.map((i) => [i.risk, i.entities.map((e) => `${e.kind}:${e.value}`)]), [[100, [`ip:${ex.origHost}`, `ip:${ex.respHost}`, `session:${ex.uid}`]]]);
      // its evidence is the session's rows, 800 of the log's
      assert.ok(sessionsGroup.suspects[0].findings.every((f) => f.evidence.total === 2 * ex.files));
    } finally {
      await engine.dispose();
    }
  });

  it('reads hours in UTC plus utcOffset, and only the late night multiplies the score', async () => {
    const { file, log } = generated({ seed: 4 });
    const { engine, run } = await open(file);
    const utc = run('sessions').findings[0];
    const shifted = run('sessions', { utcOffset: '8' }).findings[0];
    assert.equal(utc.entity.value, log.exfil!.uid);
    assert.deepEqual([utc.metrics.bucket, utc.metrics.weekday, shifted.metrics.bucket, shifted.metrics.weekday], ['late night', 'Wednesday', 'morning', 'Wednesday']);
    assert.ok(Math.abs(utc.score / shifted.score - 1.5) < 1e-9);
    assert.ok(Math.abs(run('sessions', { nightFactor: '1' }).findings[0].score - shifted.score) < 1e-9);
    // the risk counts the sessions of the same time of day: alone in the late night, among the morning's sessions at UTC+8
    assert.deepEqual([utc.risk, shifted.risk], [100, 100]);
    // the arithmetic, short of the top of the scale: E = P(T ≥ z) × measures × sessions of the time of day
    assert.equal(sessionRisk(4, 3, 301, 1), riskFromLog10P(log10StudentTail(4, 300) + Math.log10(3), 1));
    assert.deepEqual([sessionRisk(4, 3, 301, 1), sessionRisk(4, 3, 301, 100), sessionRisk(6, 3, 301, 300)], [74, 49, 94.9]);
    assert.match(utc.reason, /; 1 of \d+ sessions began in the late night$/);
    // 22:00 the day before at UTC−5
    assert.deepEqual([run('sessions', { utcOffset: '-5' }).findings[0].metrics.bucket, run('sessions', { utcOffset: '-5' }).findings[0].metrics.weekday], ['night', 'Tuesday']);
    await engine.dispose();
  });

  it('session-clusters: the cost curve and its elbow, cluster sizes and prototypes, per-session distances, charts that render', async () => {
    const { file, log } = generated({ seed: 5 });
    const { engine, run } = await open(file);
    const o = run('session-clusters');
    const [clusters, cost, dist] = o.tables;
    assert.match(clusters.title, /^Clusters \(k = \d, the elbow of the cost curve; gamma [\d.]+/);
    assert.deepEqual(clusters.columns, ['cluster', 'sessions', 'share %', 'bytes', 'events', 'files', 'seconds', 'time of day', 'weekday', 'action', 'share']);
    const sizes = records(clusters).map((r) => Number(r.sessions));
    assert.equal(sizes.reduce((a, b) => a + b, 0), log.sessions);
    const costs = records(cost);
    assert.deepEqual(costs.map((r) => r.k), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(costs.filter((r) => r.chosen === 'yes').map((r) => r.k)[0], sizes.length, 'k is the chosen point of the curve');
    for (let i = 1; i < costs.length; i++) assert.ok(Number(costs[i].cost) <= Number(costs[i - 1].cost) * 1.05);
    const exCluster = records(clusters).find((r) => r.sessions === 1)!;
    assert.deepEqual([exCluster['time of day'], exCluster.weekday, exCluster.files], ['late night', 'Wednesday', log.exfil!.files]);
    const d = records(dist);
    assert.equal(d.length, 50);
    for (const r of d) assert.ok(Math.abs(Number(r.distance) - (Number(r['numeric distance']) + (Number(o.findings[0].metrics.gamma) * Number(r['categorical distance'])))) < 0.01);
    assert.ok(d.every((r, i) => i === 0 || Number(r.distance) <= Number(d[i - 1].distance)));
    // k given
    const k4 = run('session-clusters', { k: '4' });
    assert.equal(k4.tables[0].rows.length, 4);
    assert.ok(!k4.tables.some((t) => t.title.startsWith('Cost')), 'no curve when k is given');
    // Huang initialisation, seeded: the same twice
    assert.deepEqual(run('session-clusters', { init: 'huang', seed: '3' }).tables, run('session-clusters', { init: 'huang', seed: '3' }).tables);
    assert.equal(o.charts.length, 2);
    for (const c of [...o.charts, ...run('sessions').charts]) assert.match(await compileAndRender(c.spec), /^<svg/, c.title);
    const scatter = o.charts[1].spec as { data: { values: { outlier: string; session: string }[] } };
    assert.equal(scatter.data.values.length, log.sessions);
    assert.deepEqual(scatter.data.values.filter((v) => v.outlier === 'flagged').map((v) => v.session), [log.exfil!.uid]);
    await engine.dispose();
  });

  it('reports bad parameters and missing roles clearly', async () => {
    const { engine, run } = await open(fixture('smb_files.log.gz'));
    const bad = (params: Record<string, string>, id: string, re: RegExp) =>
      assert.throws(() => run(id, params), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && re.test(e.message));
    bad({ bytes: 'nope' }, 'sessions', /parameter bytes: no column nope/);
    bad({ bytes: 'action' }, 'sessions', /column action is text, not a number/);
    bad({ utcOffset: '20' }, 'sessions', /utcOffset must be hours between -14 and 14/);
    bad({ init: 'random' }, 'session-clusters', /init must be huang or cao/);
    bad({ k: '-1' }, 'session-clusters', /k must be 0 or a whole number/);
    bad({ gamma: 'x' }, 'session-clusters', /gamma must be a number/);
    bad({ categorical: 'nope' }, 'session-clusters', /parameter categorical: no column nope/);
    // the totals can be chosen: with no byte column the events decide
    assert.deepEqual(run('sessions', { bytes: 'none' }).findings, []);
    assert.equal(bySession(run('sessions', { files: 'none' })).get('CF0g772wEPFoRKyYg3')!.files, null);
    const { engine: e2, tables } = await indexed([fixture('log.csv')]);
    assert.ok(missingRoles(analysisById('sessions')!, tables[0]).some((m) => m.kind === 'role' && m.role === 'session'));
    await e2.dispose();
    await engine.dispose();
  });

  (hasShared ? it : it.skip)('gives the same sessions and clusters for the real smb_files log as TSV and as JSON (../shared)', async () => {
    const dir = path.join(SHARED, 'zeek-wrccdc');
    const outs: AnalysisOutput[][] = [];
    for (const f of ['zeek-default/smb_files.log.gz', 'zeek-json/smb_files.json.gz']) {
      const { engine, run } = await open(path.join(dir, f));
      outs.push([run('sessions'), run('session-clusters')]);
      await engine.dispose();
    }
    const [tsv, json] = outs;
    assert.deepEqual(tsv[0].tables, json[0].tables);
    assert.deepEqual(tsv[0].findings.map((f) => [f.entity.value, f.score]), json[0].findings.map((f) => [f.entity.value, f.score]));
    // the clusters alike, shares included: the TSV reader undoes Zeek's escaped backslashes (\\\\host\\share)
    assert.deepEqual(tsv[1].tables, json[1].tables);
    assert.deepEqual(tsv[1].findings.map((f) => [f.entity.value, f.score]), json[1].findings.map((f) => [f.entity.value, f.score]));
    assert.deepEqual(tsv[1].findings.map((f) => f.entity.value), ['CF0g772wEPFoRKyYg3']);
    // and the committed fixtures are these files
    for (const [f, g] of [['smb_files.log.gz', 'zeek-default/smb_files.log.gz'], ['smb_files.json.gz', 'zeek-json/smb_files.json.gz']]) assert.ok(fs.readFileSync(fixture(f)).equals(fs.readFileSync(path.join(dir, g))), f);
  });
});
