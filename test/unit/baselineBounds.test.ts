// entity-baseline at the edges of its rules: a day exactly at minCount, exactly at factor × the mean,
// one day short of minDays, weekdays apart from weekend days, the top parameter, and every number
// of a finding worked out by hand from the events written here.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entityBaseline } from '../../src/engine/analyses/events/baseline';
import type { TableInfo } from '../../src/engine/ingest/build';
import type { Engine } from '../../src/engine/engine';
import { runAnalysis } from '../../src/engine/findings/model';
import { indexed, tmpDir } from '../helpers';

/** JSON Lines: `counts[i]` events of `user` on the i-th day from `first` (UTC, at noon). */
function days(user: string, first: string, counts: number[]): object[] {
  const t0 = Date.parse(`${first}T12:00:00Z`);
  return counts.flatMap((n, i) => Array.from({ length: n }, (_, k) => ({ time: new Date(t0 + i * 86400000 + k * 1000).toISOString(), user, action: 'send' })));
}

describe('entity-baseline at the edges of its rules', () => {
  let engine: Engine;
  let table: TableInfo;
  let dir: string;
  const run = (params: Record<string, string> = {}) => runAnalysis(entityBaseline, table, (s, p) => engine.query(s, p), { weekends: 'together', ...params });

  before(async () => {
    dir = tmpDir();
    const file = path.join(dir, 'edges.jsonl');
    const rows = [
      // 7 days of 2, then exactly minCount (10): 10 ≥ 10 and 10 > 3 × 2, on the 8th day (7 days of history) → flagged
      ...days('at-min-count', '2024-01-01', [2, 2, 2, 2, 2, 2, 2, 10]),
      // 7 days of 4, then exactly 3 × 4 = 12: not above factor × the mean → not flagged
      ...days('at-factor', '2024-01-01', [4, 4, 4, 4, 4, 4, 4, 12]),
      // 6 days of 1, then 30 on the 7th day: 6 days of history, one short of minDays → not judged
      ...days('short-history', '2024-01-01', [1, 1, 1, 1, 1, 1, 30]),
      // 7 days of 2, then 9: above 3 × 2 but under minCount → not flagged
      ...days('under-min-count', '2024-01-01', [2, 2, 2, 2, 2, 2, 2, 9]),
    ];
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    ({ engine, tables: [table] } = await indexed([file]));
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('flags exactly the day at minCount after minDays of history, and not the day at factor × the mean', () => {
    const o = run();
    assert.deepEqual(o.findings.map((f) => [f.entity.value, f.metrics.day]), [['at-min-count', '2024-01-08']]);
    assert.deepEqual(o.tables[0].rows, [['at-min-count', '2024-01-08', 10, 2, 5]]);
    // a lower minCount lets the day of 9 through; a lower factor the day at 3 × 4
    assert.deepEqual(run({ minCount: '9' }).findings.map((f) => f.entity.value).sort(), ['at-min-count', 'under-min-count']);
    assert.deepEqual(run({ factor: '2.9' }).findings.map((f) => f.entity.value).sort(), ['at-factor', 'at-min-count']);
    // six days of history are enough at minDays = 6
    assert.deepEqual(run({ minDays: '6' }).findings.map((f) => f.entity.value).sort(), ['at-min-count', 'short-history']);
  });

  it('the finding: its numbers from the events, its reason and what would not have flagged it', () => {
    const [f] = run().findings;
    // the 7 earlier days: mean 2, standard deviation 0 (every day the same), so the ratio (5) is the score
    assert.deepEqual(
      { value: f.metrics.value, mean: f.metrics.expandingMean, sd: f.metrics.expandingSd, ratio: f.metrics.ratio, z: f.metrics.z, baselineDays: f.metrics.baselineDays, flaggedDays: f.metrics.flaggedDays },
      { value: 10, mean: 2, sd: 0, ratio: 5, z: null, baselineDays: 7, flaggedDays: 1 },
    );
    assert.equal(f.score, 5);
    // judged: the 8th day of at-min-count, at-factor and under-min-count (7 days of history each), none of short-history
    assert.equal(f.metrics.tests, 3);
    assert.match(f.reason, /^10 events from at-min-count on 2024-01-08, 5× the 2 a day of its 7 earlier days \(flagged above 3×; they never varied;/);
    assert.match(f.reason, /3 entity-days judged\)$/);
    // the bound: above 3 × 2 and at least minCount
    assert.equal(f.explain?.counterfactual, 'It would not be flagged with fewer than 10 events that day.');
    assert.equal(f.evidence.total, 10);
    assert.equal(f.window?.start.slice(0, 10), '2024-01-08');
  });

  it('the largest increases: each entity once, largest first (ties by name), as many as top', () => {
    const inc = run().tables[1];
    assert.deepEqual(inc.rows, [
      ['at-factor', '2024-01-08', 12, 4, 8],
      ['at-min-count', '2024-01-08', 10, 2, 8],
      ['under-min-count', '2024-01-08', 9, 2, 7],
    ]);
    assert.match(inc.title, /\(top 20\)$/);
    assert.deepEqual(run({ top: '2' }).tables[1].rows.map((r) => r[0]), ['at-factor', 'at-min-count']);
    // top is at least 1
    assert.deepEqual(run({ top: '0' }).tables[1].rows.map((r) => r[0]), ['at-factor']);
  });

  it('weekends apart: a Saturday is compared with the earlier weekend days only', async () => {
    const file = path.join(dir, 'weekend.jsonl');
    // Monday 2024-01-01 to Saturday 2024-01-20: 3 on weekdays, 20 on weekend days; the third Saturday has 20 like every weekend day
    const counts = Array.from({ length: 20 }, (_, i) => ([5, 6].includes(i % 7) ? 20 : 3));
    fs.writeFileSync(file, days('steady-weekends', '2024-01-01', counts).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const w = await indexed([file]);
    try {
      const go = (weekends: string) => runAnalysis(entityBaseline, w.tables[0], (s, p) => w.engine.query(s, p), { weekends });
      // apart: the Saturday's 4 earlier weekend days were 20 each → not flagged
      assert.deepEqual(go('apart').findings, []);
      // together: the weekend days are far above the mean of all earlier days → flagged
      const together = go('together').findings;
      assert.deepEqual(together.map((f) => f.entity.value), ['steady-weekends']);
      assert.match(together[0].reason, /earlier days/);
      assert.throws(() => go('sometimes'), /weekends is 'apart' or 'together', not 'sometimes'/);
    } finally {
      await w.engine.dispose();
    }
  });
});
