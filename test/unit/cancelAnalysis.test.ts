import * as assert from 'node:assert/strict';
import { ANALYSES } from '../../src/engine/analyses';
import { EngineClient } from '../../src/engine/engineClient';
import { CancelledError } from '../../src/engine/errors';
import { runAnalyses, selectAnalyses, type AnalysisStep } from '../../src/engine/findings/model';
import { fixture, indexed } from '../helpers';

describe('cancelling an analysis run', () => {
  it('announces each analysis–table pair and stops before the next once cancelled, keeping what finished', async () => {
    const { engine, tables } = await indexed([fixture('log.csv')]);
    const chosen = selectAnalyses('volume-outliers-ip,volume-outliers-user,failure-bursts,spikes', ANALYSES);
    const steps: AnalysisStep[] = [];
    const full = runAnalyses(chosen, tables, (s, p) => engine.query(s, p), {}, undefined, { onStep: (s) => steps.push(s) });
    const total = full.outputs.length + (full.tooLittle ?? 0) + (full.failed ?? 0);
    assert.ok(total >= 3, `runs at least three pairs (${total})`);
    assert.deepEqual(steps.map((s) => s.done), [...Array(total).keys()]);
    assert.ok(steps.every((s) => s.total === total && s.table === 'log'));
    assert.equal(steps[0].analysis, chosen.find((a) => full.outputs[0].analysis === a.id)?.id);
    assert.equal(full.cancelled, undefined);

    let seen = 0;
    const cut = runAnalyses(chosen, tables, (s, p) => engine.query(s, p), {}, undefined, { onStep: () => seen++, cancelled: () => seen >= 2 });
    assert.deepEqual(cut.cancelled, { done: 2, total });
    assert.deepEqual(cut.outputs.map((o) => o.analysis), full.outputs.slice(0, 2).map((o) => o.analysis));
  });

  it('a query that throws CancelledError ends the run at that pair, not as a failure', async () => {
    const { engine, tables } = await indexed([fixture('log.csv')]);
    const chosen = selectAnalyses('volume-outliers-ip,volume-outliers-user,spikes', ANALYSES);
    let pair = -1;
    const run = runAnalyses(chosen, tables, (s, p) => {
      if (pair === 1) throw new CancelledError('The analysis was cancelled.');
      return engine.query(s, p);
    }, {}, undefined, { onStep: (s) => (pair = s.done) });
    assert.equal(run.outputs.length, 1);
    assert.equal(run.cancelled?.done, 1);
    assert.equal(run.failed, undefined);
    assert.ok(!run.skipped.some((s) => /cancelled/.test(s)));
  });

  it('the engine worker stops a running "all" when its signal aborts, and replies with the analyses that finished', async () => {
    const client = new EngineClient();
    try {
      await client.index([fixture('log.csv')]);
      const whole = await client.analyze('all');
      const total = whole.outputs.length + (whole.tooLittle ?? 0) + (whole.failed ?? 0);
      const ac = new AbortController();
      const steps: AnalysisStep[] = [];
      const run = await client.analyze('all', {}, undefined, {
        signal: ac.signal,
        onStep: (s) => {
          steps.push(s);
          if (s.done === 1) ac.abort();
        },
      });
      assert.ok(run.cancelled, 'the run says it was cancelled');
      assert.equal(run.cancelled.total, total);
      assert.ok(run.cancelled.done >= 1 && run.cancelled.done < total, `stopped early (${run.cancelled.done} of ${total})`);
      assert.ok(run.outputs.length <= run.cancelled.done);
      assert.deepEqual(run.outputs.map((o) => o.analysis), whole.outputs.slice(0, run.outputs.length).map((o) => o.analysis));
      // aborted before it starts: nothing runs
      const before = await client.analyze('all', {}, undefined, { signal: AbortSignal.abort() });
      assert.deepEqual(before.cancelled, { done: 0, total });
      assert.equal(before.outputs.length, 0);
      // the worker is still there and answers
      assert.equal((await client.query('SELECT count(*) FROM log')).rows[0][0], 500);
    } finally {
      await client.dispose();
    }
  });
});
