/**
 * The seven course-site analyses on the generator's planted log: 40,000
 * generated lines of 2020 (seed 42) plus every planted case of
 * plantedCases(42), regenerated here from the seed. Each planted case must be
 * found by its analysis, and nothing else may be flagged by it except the
 * false positives accepted below (each states why). The key counts equal
 * test/fixtures/course/reference.json, computed independently by
 * test/fixtures/course/reference.py (Python's sqlite3, explicit EWM weights)
 * from the same file (its SHA-256 is checked first).
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { topicOf } from '../../src/engine/analyses/course/alumniReading';
import { poissonChangePoint } from '../../src/engine/analyses/course/crossProgram';
import { ewm } from '../../src/engine/analyses/course/spikes';
import type { Engine } from '../../src/engine/engine';
import { runAnalysis, type AnalysisOutput, type Finding } from '../../src/engine/findings/model';
import { generateCourseLog, plantedCases } from '../generators/courseLog';
import { renderSvg } from '../../src/engine/findings/report';
import { fixture, indexed, tmpDir } from '../helpers';

const P = plantedCases(42);
const REF = JSON.parse(fs.readFileSync(fixture('course/reference.json'), 'utf8'));
const CAMPUS = ['97.105.19.58', '97.105.19.61', '192.171.117.210'];

let engine: Engine;
let text: string;
const outputs = new Map<string, AnalysisOutput>();
let runWith: (id: string, params?: Record<string, string>) => AnalysisOutput;

const users = (o: AnalysisOutput) => o.findings.filter((f) => f.entity.kind === 'user').map((f) => Number(f.entity.value)).sort((a, b) => a - b);
const byUser = (o: AnalysisOutput, u: number) => o.findings.find((f) => f.entity.kind === 'user' && f.entity.value === String(u));

describe('course-site analyses on the planted generated log', function () {
  this.timeout(120000);
  before(async () => {
    text = [...generateCourseLog({ lines: 40000, seed: 42, start: '2020-01-01', end: '2020-12-31', plants: P.lines })].join('\n') + '\n';
    const file = path.join(tmpDir(), 'course.txt');
    fs.writeFileSync(file, text);
    ({ engine } = await indexed([file, fixture('cohorts.csv')], { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] }));
    const log = engine.tables().find((t) => t.table === 'course')!;
    // one query function for the whole run, as the command line has: the analyses share the column arrays
    const query = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => engine.query(sql, p);
    runWith = (id, params = {}) => runAnalysis(analysisById(id)!, log, query, params, engine.tables());
    for (const id of ['busiest-resources', 'cohort-overuse', 'barely-active', 'suspicious-access', 'cross-program', 'alumni-reading', 'spikes']) outputs.set(id, runWith(id));
  });
  after(async () => engine?.dispose());
  const out = (id: string) => outputs.get(id)!;

  it('is the file the reference was computed from', () => {
    assert.equal(createHash('sha256').update(text).digest('hex'), REF.sha256, 'regenerate reference.json (see reference.py) after changing the generator');
    assert.equal(Number(engine.query('SELECT count(*) FROM course').rows[0][0]), REF.lines);
  });

  it('suspicious-access: the scraper, the user in two cohorts, the user from many IPs, the shared IP, the burst', () => {
    const o = out('suspicious-access');
    const scraper = byUser(o, P.scraper.user)!;
    for (const s of ['requests per minute', 'resources per minute', 'alphabetical order', 'round the clock']) assert.match(String(scraper.metrics.signals), new RegExp(s));
    assert.equal(scraper.metrics.peakPerMinute, REF.scraper.peakPerMinute);
    assert.equal(scraper.metrics.peakDistinctPerMinute, REF.scraper.peakDistinctPerMinute);
    assert.equal(scraper.metrics.alphabeticalRun, REF.scraper.longestAlphabeticalRun);
    assert.equal(scraper.metrics.hoursInOneDay, REF.scraper.mostHoursInOneDay);
    assert.ok(scraper.score >= 10, `the scraper is critical (${scraper.score})`);
    assert.equal(byUser(o, P.twoCohorts)!.metrics.signals, 'several cohorts');
    assert.equal(byUser(o, P.manyIps)!.metrics.signals, 'many IPs');
    assert.equal(byUser(o, P.manyIps)!.metrics.ips, REF.ipsOf5501);
    // every other flagged user is one without a cohort: staff and guests, expected findings of this analysis (score 3, low)
    const planted = new Set([P.scraper.user, P.twoCohorts, P.manyIps]);
    const others = o.findings.filter((f) => f.entity.kind === 'user' && !planted.has(Number(f.entity.value)));
    assert.deepEqual(others.map((f) => f.metrics.signals).filter((s) => s !== 'no cohort'), []);
    assert.deepEqual(others.map((f) => Number(f.entity.value)).sort((a, b) => a - b), REF.noCohortUsers);
    assert.deepEqual(REF.severalCohortUsers, [P.twoCohorts]);
    // IPs: the planted shared IP and the scraper's burst; the three campus IPs are accepted (shared by every student on campus)
    const ips = o.findings.filter((f) => f.entity.kind === 'ip');
    assert.deepEqual(ips.map((f) => f.entity.value).sort(), [...CAMPUS, P.sharedIp, P.scraper.ip].sort());
    for (const [ip, n] of REF.usersPerIpTop5.slice(0, 4)) assert.equal(ips.find((f) => f.entity.value === ip)!.metrics.users, n);
    const burst = ips.find((f) => f.entity.value === P.scraper.ip)!;
    assert.equal(burst.metrics.peakPerMinute, REF.ipBurst[1]);
    assert.equal(burst.evidence.total, REF.ipBurst[1], 'evidence: the rows of the burst minute');
  });

  it('cross-program: the six Java students reading data science, the stop after 2020-05-29 and the pause before', () => {
    const o = out('cross-program');
    // the scraper reads every page of every program: an expected finding of this analysis too
    assert.deepEqual(users(o), [...P.cross.users, P.scraper.user].sort((a, b) => a - b));
    assert.deepEqual(users(o), REF.cross.usersWith20);
    const dir = o.findings.find((f) => f.entity.value === 'program 2 → 3')!;
    assert.equal(dir.metrics.stopsAfter, P.cross.lastDay);
    assert.equal(dir.metrics.pauses, `${P.cross.pause[0]} – ${P.cross.pause[1]}`);
    assert.equal(dir.metrics.requests, REF.cross.from2to3PerMonth.reduce((s: number, [, n]: [string, number]) => s + n, 0));
    const chart = o.charts[0].spec as { data: { values: { dir?: string; month?: string; n?: number; stop?: string }[] } };
    const months = chart.data.values.filter((v) => v.dir === '2 → 3' && v.month).map((v) => [v.month!.slice(0, 7), v.n]);
    assert.deepEqual(months.sort(), REF.cross.from2to3PerMonth);
    assert.ok(chart.data.values.some((v) => v.dir === '2 → 3' && v.stop === P.cross.lastDay), 'the change point is marked');
    // the scraper's day makes directions 3 → 1, 2, 4 without a stop: the log ends a month later
    assert.deepEqual(o.tables[0].rows.map((r) => `${r[0]}→${r[1]}`).sort(), ['2→3', '3→1', '3→2', '3→4']);
    assert.equal(o.tables[2].rows.filter((r) => r[1] !== null).length, REF.cross.ownedPages);
  });

  it('alumni-reading: the alumnus reading one topic, and no one else', () => {
    const o = out('alumni-reading');
    assert.deepEqual(users(o), [P.alumnus.user]);
    const f = byUser(o, P.alumnus.user)!;
    assert.equal(f.metrics.topic, P.alumnus.topic);
    assert.equal(f.metrics.requests, REF.alumni.of5401[0]);
    assert.equal(Math.round(Number(f.metrics.topicShare) * Number(f.metrics.requests)), REF.alumni.of5401[1]);
    assert.deepEqual(o.tables[1].rows.map((r) => [Number(r[0]), r[1], r[2]]), REF.alumni.perProgram);
  });

  it('spikes: the spike day and the scraper (its day and the user)', () => {
    const o = out('spikes');
    const days = o.findings.filter((f) => f.entity.kind === 'window');
    assert.deepEqual(days.map((f) => f.entity.value).sort(), [P.spikeDay, P.scraper.day]);
    assert.deepEqual(
      o.tables[0].rows.map((r) => [r[0], r[1]]),
      REF.spikes.flagged.map((r: unknown[]) => [r[0], r[1]]),
    );
    for (const [day, , mean, upper] of REF.spikes.flagged) {
      const f = days.find((x) => x.entity.value === day)!;
      assert.ok(Math.abs(Number(f.metrics.average) - mean) < 0.006 && Math.abs(Number(f.metrics.upper) - upper) < 0.006, `${day}: ${f.metrics.average}/${f.metrics.upper} against ${mean}/${upper}`);
    }
    assert.deepEqual(users(o), [P.scraper.user]);
    assert.equal(o.charts.length, 2, 'overall and the top user');
  });

  it('barely-active: the two planted students; the thin 2020 log has three more real ones at the default threshold', () => {
    const o = out('barely-active');
    assert.deepEqual(runWith('barely-active', { minAccesses: '5' }).findings.map((f) => Number(f.entity.value)).sort(), [P.barelyActive.few, P.barelyActive.onlyAfter]);
    const flagged = users(o);
    for (const u of [P.barelyActive.few, P.barelyActive.onlyAfter]) assert.ok(flagged.includes(u));
    // the others are generated low-intensity students with fewer than 10 accesses while enrolled (accepted: they are barely active)
    for (const f of o.findings) assert.ok(Number(f.metrics.during) < 10);
    assert.deepEqual([byUser(o, 5201)!.metrics.during, byUser(o, 5201)!.metrics.after], REF.barely['5201']);
    assert.deepEqual([byUser(o, 5202)!.metrics.during, byUser(o, 5202)!.metrics.after], REF.barely['5202']);
    assert.equal(byUser(o, 5202)!.metrics.onlyAfterEnd, 'yes');
  });

  it('cohort-overuse: Hyperion and mysql/indexes, and nothing else', () => {
    const o = out('cohort-overuse');
    assert.deepEqual(o.findings.map((f) => [f.entity.value, f.metrics.resource]), [[String(P.overuse.cohort), P.overuse.resource]]);
    const f = o.findings[0];
    assert.equal(f.metrics.requests, REF.overuse.requestsWhileEnrolled);
    assert.equal(f.metrics.perStudent, Number((REF.overuse.requestsWhileEnrolled / REF.overuse.students).toFixed(3)));
    assert.equal(f.evidence.total, REF.overuse.requestsWhileEnrolled);
  });

  it('busiest-resources: overall and per program', () => {
    const o = out('busiest-resources');
    assert.deepEqual(o.tables[0].rows.slice(0, 3).map((r) => [r[0], r[1]]), REF.busiest.overallTop3);
    const firsts = new Map<string, unknown[]>();
    for (const r of o.tables[1].rows) if (!firsts.has(String(r[0]))) firsts.set(String(r[0]), [Number(r[0]), r[1], r[2]]);
    assert.deepEqual([...firsts.values()], REF.busiest.perProgramTop1);
  });

  it("busiest-resources' chart: every program's bars show, each program on its own x scale", async () => {
    const o = out('busiest-resources');
    const counts = new Map<string, number>();
    for (const r of o.tables[1].rows) counts.set(String(r[0]), Math.max(counts.get(String(r[0])) ?? 0, Number(r[2])));
    assert.ok(Math.min(...counts.values()) * 20 < Math.max(...counts.values()), `programs of very different sizes: ${[...counts].join('; ')}`);
    const svg = await renderSvg(o.charts[0].spec);
    // one group of bars per program (facet); a bar is a path "M x,y h width v height …"
    const facets = svg.split('<g class="mark-rect role-mark').slice(1).map((g) => [...g.split('</g>')[0].matchAll(/ d="M[-\d.]+,[-\d.]+h([\d.]+)/g)].map((m) => Number(m[1])));
    assert.equal(facets.length, counts.size, 'a facet per program');
    for (const [k, widths] of facets.entries()) assert.ok(widths.length > 0 && Math.max(...widths) > 300, `program ${[...counts.keys()][k]}: its longest bar is ${Math.max(...widths)} px of 360`);
  });

  it("every finding's evidence SQL lists exactly the rows of its evidence", () => {
    let checked = 0;
    for (const [id, o] of outputs) {
      for (const f of o.findings as Finding[]) {
        const e = f.evidence;
        const lines = engine.query(`SELECT _line FROM (${e.sql})`, e.params).rows.map((r) => Number(r[0]));
        assert.equal(lines.length, e.total, `${id} ${f.entity.kind} ${f.entity.value}: total`);
        assert.deepEqual(lines.slice(0, e.lines.length), e.lines, `${id} ${f.entity.kind} ${f.entity.value}: first lines`);
        checked++;
      }
    }
    assert.ok(checked > 40, `${checked} findings checked`);
  });

  it('every analysis gives a table and a Vega-Lite chart with its data inline', () => {
    for (const [id, o] of outputs) {
      assert.ok(o.tables.length > 0, id);
      assert.ok(o.charts.length > 0, id);
      for (const c of o.charts) assert.match(String(c.spec.$schema), /vega-lite\/v6/, id);
    }
  });
});

describe('course-site analysis helpers', () => {
  it('ewm equals the explicit-weight definition of pandas ewm(span).mean() and .std()', () => {
    const xs = [3, 0, 7, 2, 9, 4, 4, 12, 0, 1];
    const span = 4;
    const a = 2 / (span + 1);
    const { mean, std } = ewm(xs, span);
    assert.ok(Number.isNaN(std[0]), 'one point has no spread');
    for (let t = 1; t < xs.length; t++) {
      const w = xs.slice(0, t + 1).map((_, i) => (1 - a) ** (t - i));
      const sw = w.reduce((s, v) => s + v, 0);
      const m = w.reduce((s, v, i) => s + v * xs[i], 0) / sw;
      const biased = w.reduce((s, v, i) => s + v * (xs[i] - m) ** 2, 0) / sw;
      const sw2 = w.reduce((s, v) => s + v * v, 0);
      assert.ok(Math.abs(mean[t] - m) < 1e-9);
      assert.ok(Math.abs(std[t] - Math.sqrt((biased * sw * sw) / (sw * sw - sw2))) < 1e-9);
    }
  });

  it('topics are the first path segment, after a container folder', () => {
    assert.equal(topicOf('javascript-i/functions'), 'javascript-i');
    assert.equal(topicOf('/6-regression/1-overview'), '6-regression');
    assert.equal(topicOf('content/php_i/arrays.html'), 'php_i');
    assert.equal(topicOf('index.html'), 'index.html');
    assert.equal(topicOf('/'), '(home)');
    assert.equal(topicOf('search/search_index.json?q=x'), 'search');
  });

  it('the change point falls where a daily rate drops', () => {
    const series = [...Array(40).fill(5), ...Array(60).fill(0)];
    series[70] = 1;
    const cp = poissonChangePoint(series);
    assert.equal(cp.at, 40);
    assert.equal(cp.before, 5);
    assert.ok(cp.after < 0.05);
    assert.equal(poissonChangePoint(Array(50).fill(3)).at, -1, 'no split in a flat series');
  });

  it('rows without time and gaps in the lines: the columns still line up with their rows', async () => {
    const rows = ['time,user,ip,page'];
    for (let i = 0; i < 40; i++) rows.push(`2021-03-${String(1 + (i % 20)).padStart(2, '0')} 10:${String(i).padStart(2, '0')}:00,u${i % 5},10.0.0.${i % 5},lesson/${i % 7}`);
    rows.splice(10, 0, ',u1,10.0.0.1,lesson/no-time', 'not,a,row,at,all,here');
    for (let k = 0; k < 30; k++) rows.push(`2021-03-25 09:00:${String(k).padStart(2, '0')},u4,10.0.0.4,lesson/${k}`);
    const file = path.join(tmpDir(), 'gaps.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const { engine: e } = await indexed([file]);
    const t = e.tables()[0];
    assert.ok(Number(e.query(`SELECT count(*) FROM "${t.table}" WHERE _time IS NULL`).rows[0][0]) >= 1, 'a row without time');
    const query = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => e.query(sql, p);
    const s = runAnalysis(analysisById('suspicious-access')!, t, query, {}, e.tables());
    const burst = s.findings.find((f) => f.entity.value === 'u4')!;
    assert.equal(burst.metrics.peakPerMinute, 30);
    assert.equal(burst.metrics.alphabeticalRun, 20, 'lesson/10 … lesson/29 in a row (lesson/10 sorts before lesson/9, which ends the first run of 10)');
    const sp = runAnalysis(analysisById('spikes')!, t, query, { minRequests: '20' }, e.tables());
    assert.deepEqual(sp.findings.map((f) => f.entity.value), ['2021-03-25', 'u4']);
    for (const f of [...s.findings, ...sp.findings]) {
      const lines = e.query(`SELECT _line FROM (${f.evidence.sql})`, f.evidence.params).rows.map((r) => Number(r[0]));
      assert.equal(lines.length, f.evidence.total);
      assert.deepEqual(lines.slice(0, f.evidence.lines.length), f.evidence.lines);
    }
    await e.dispose();
  });

  it('suspicious-access flags machine user agents when the log has a user-agent column', async () => {
    const rows = ['time,user,ip,page,user_agent'];
    for (let i = 0; i < 30; i++) rows.push(`2021-03-0${1 + (i % 5)} 10:${String(i).padStart(2, '0')}:00,u${i % 6},10.0.0.${i % 6},lesson/${i % 4},Mozilla/5.0 (X11; Linux x86_64) Firefox/86.0`);
    rows.push('2021-03-02 03:00:00,u9,10.0.0.9,lesson/1,python-requests/2.25.1', '2021-03-02 03:00:01,u9,10.0.0.9,lesson/2,python-requests/2.25.1');
    const file = path.join(tmpDir(), 'ua.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const { engine: e } = await indexed([file]);
    const t = e.tables()[0];
    const o = runAnalysis(analysisById('suspicious-access')!, t, (sql, p = []) => e.query(sql, p), {}, e.tables());
    assert.deepEqual(o.findings.map((f) => [f.entity.value, f.metrics.signals]), [['u9', 'machine user agent']]);
    assert.equal(o.findings[0].evidence.total, 2);
    assert.match(o.findings[0].reason, /python-requests/);
    await e.dispose();
  });
});
