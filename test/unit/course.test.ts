/**
 * The course-site analyses on a hand-made log with the real cohort table:
 * four program-2 cohorts (Redwood, Sequoia, Teddy, Ulysses) of five students,
 * each student reading the same lessons at the same pace, plus planted cases:
 * Teddy over-uses one lesson; two students barely show up while enrolled, one
 * of them only after the end date. Every count below follows from how the log
 * is built (see plantedCourseLog), and is checked again with plain SQL.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import type { Engine } from '../../src/engine/engine';
import { missingRoles, runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { fixture, indexed, tmpDir } from '../helpers';

const COHORTS: Record<number, { start: string; name: string }> = { 20: { start: '2017-08-01', name: 'Redwood' }, 21: { start: '2017-10-02', name: 'Sequoia' }, 22: { start: '2018-01-09', name: 'Teddy' }, 23: { start: '2018-03-06', name: 'Ulysses' } };
const LESSONS = ['java-i/intro', 'java-i/loops', 'spring/views', 'mysql/select', 'javascript-i/functions'];

function plantedCourseLog(): string {
  const lines: string[] = [];
  const day = (start: string, k: number) => new Date(Date.parse(start + 'T00:00:00Z') + k * 86400000).toISOString().slice(0, 10);
  for (const [c, { start }] of Object.entries(COHORTS)) {
    for (let s = 0; s < 5; s++) {
      const user = Number(c) * 100 + s;
      // 30 days × 5 lessons = 150 requests while enrolled
      for (let d = 0; d < 30; d++) for (const [i, page] of LESSONS.entries()) lines.push(`${day(start, d)} 10:${String(i).padStart(2, '0')}:0${s} ${page} ${user} ${c}.0 10.0.${c}.${s}`);
      // Teddy (22) reads one lesson far more: 40 extra requests per student
      if (c === '22') for (let k = 0; k < 40; k++) lines.push(`${day(start, k % 30)} 11:${String(k).padStart(2, '0')}:00 spring/views ${user} ${c}.0 10.0.${c}.${s}`);
    }
  }
  // barely active while enrolled: 2 requests in Sequoia's term; and one only after Ulysses' end (2018-07-19)
  lines.push(`2017-10-10 09:00:00 java-i/intro 9001 21.0 172.16.0.1`, `2017-10-11 09:00:00 java-i/loops 9001 21.0 172.16.0.1`);
  for (let k = 0; k < 12; k++) lines.push(`2018-08-${String(1 + k).padStart(2, '0')} 20:00:00 mysql/select 9002 23.0 172.16.0.2`);
  // staff without a cohort
  for (let k = 0; k < 20; k++) lines.push(`2018-02-01 12:00:${String(k).padStart(2, '0')} spring/views 1  10.9.9.9`);
  lines.sort();
  const p = path.join(tmpDir(), 'access.txt');
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

async function setup(): Promise<{ engine: Engine; run: (id: string, params?: Record<string, string>) => AnalysisOutput }> {
  const { engine } = await indexed([plantedCourseLog(), fixture('cohorts.csv')], { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] });
  const log = engine.tables().find((t) => t.table === 'access')!;
  return { engine, run: (id, params = {}) => runAnalysis(analysisById(id)!, log, (sql, p = []) => engine.query(sql, p), params, engine.tables()) };
}

describe('course-site analyses', () => {
  it('find the cohort table by its roles and join cohort 8.0 to 8', async () => {
    const { engine, run } = await setup();
    const cohorts = engine.tables().find((t) => t.table === 'cohorts')!;
    assert.deepEqual(Object.fromEntries(cohorts.columns.filter((c) => c.role).map((c) => [c.role, c.name])), { time: '_time', group: 'cohort_id', start: 'start_date', end: 'end_date', program: 'program_id' });
    assert.equal(engine.query('SELECT count(*) FROM access l JOIN cohorts g ON g.cohort_id = l.cohort_id').rows[0][0], 4 * 5 * 150 + 5 * 40 + 2 + 12);
    assert.deepEqual(missingRoles(analysisById('barely-active')!, engine.tables().find((t) => t.table === 'access')!, []), [{ kind: 'groups' }]);
    assert.ok(run('busiest-resources'));
    await engine.dispose();
  });

  it('busiest and least-read resources per program', async () => {
    const { engine, run } = await setup();
    const out = run('busiest-resources', { top: '3' });
    const perProgram = out.tables[1].rows;
    // program 2: spring/views = 20 students × 30 + Teddy's 5 × 40 = 800 (the 20 staff requests have no cohort)
    assert.deepEqual(perProgram[0].slice(0, 3), ['2', 'spring/views', 800]);
    assert.equal(engine.query("SELECT count(*) FROM access l JOIN cohorts g USING (cohort_id) WHERE g.program_id = 2 AND l.page = 'spring/views'").rows[0][0], 800);
    assert.equal(out.findings[0].entity.value, 'spring/views');
    assert.equal(out.tables[0].rows[0][0], 'spring/views', 'overall too (820 with staff)');
    assert.equal(out.tables[0].rows[0][1], 820);
    await engine.dispose();
  });

  it('flags the cohort that over-uses a lesson, and no other', async () => {
    const { engine, run } = await setup();
    const out = run('cohort-overuse', { ratio: '1.5' });
    assert.deepEqual(out.findings.map((f) => [f.entity.value, f.metrics.resource]), [['22', 'spring/views']]);
    const f = out.findings[0];
    assert.equal(f.metrics.cohort, 'Teddy');
    assert.equal(f.metrics.perStudent, 70, '(30 + 40) requests per student');
    // peers: Redwood 150/5 = 30; Sequoia and Ulysses 150/6 = 25 (each also has a planted student)
    assert.equal(f.metrics.peersMedian, 25);
    assert.match(f.reason, /^cohort Teddy reads spring\/views 70\.0 times per student while enrolled, 2\.8× the median of the other 3 cohorts of its program \(25\.00\)/);
    assert.equal(f.evidence.total, 5 * 70);
    assert.equal(run('cohort-overuse').findings.length, 0, 'below the default ratio of 5');
    await engine.dispose();
  });

  it('lists students barely active while enrolled, lowest first; one only after the end date', async () => {
    const { engine, run } = await setup();
    const out = run('barely-active');
    assert.deepEqual(out.findings.map((f) => f.entity.value), ['9002', '9001']);
    const [after, barely] = out.findings;
    assert.equal(after.metrics.during, 0);
    assert.equal(after.metrics.after, 12);
    assert.equal(after.metrics.onlyAfterEnd, 'yes');
    assert.match(after.reason, /activity only after the end date/);
    assert.equal(barely.metrics.during, 2);
    assert.equal(barely.metrics.cohort, 'Sequoia');
    assert.equal(out.tables[0].rows.length, 22, '20 students + 2 planted');
    await engine.dispose();
  });
});
