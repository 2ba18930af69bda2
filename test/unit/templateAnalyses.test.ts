import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { sameEvent } from '../../src/engine/analyses/logs/templateNew';
import { burstiness, errorBursts, log10NoneBefore, templateNovelty, templateRare, templateRates } from '../../src/engine/analyses/logs/templates';
import { runAnalyses, type AnalysisOutput } from '../../src/engine/findings/model';
import { findingsOf, triage } from '../../src/engine/findings/triage/triage';
import { fixture, hasShared, indexed, SHARED, tmpDir } from '../helpers';

const pad = (n: number) => String(n).padStart(2, '0');
const stamp = (m: number, s: number) => `2024-03-01 ${pad(Math.floor(m / 60))}:${pad(m % 60)}:${pad(s)},000`;

/**
 * Four hours of a service log (learned header: time, level, component, message), a minute at a time:
 * two steady templates; a new one from minute 200 on, in every minute after; one line of a one-off
 * at minute 120; a steady template that jumps to 60 lines in minute 150; 30 ERROR lines in minute 170.
 */
function serviceLog(): string {
  const out: string[] = [];
  for (let m = 0; m < 240; m++) {
    out.push(`${stamp(m, 1)} INFO  worker: Processed batch ${m * 7} in ${20 + (m % 13)} ms`);
    out.push(`${stamp(m, 2)} INFO  http: GET /api/items/${m % 50} returned 200 in ${3 + (m % 5)} ms`);
    if (m % 2 === 0) out.push(`${stamp(m, 3)} INFO  cache: Evicted ${m % 9 + 1} entries from region users`);
    if (m % 4 === 1) out.push(`${stamp(m, 4)} ERROR db: Query timeout after ${m % 30 + 100} ms on replica ${m % 3}`);
    if (m >= 200) out.push(`${stamp(m, 5)} WARN  auth: Token signature rejected for client ${m % 11} from 10.9.8.${m % 200}`);
    if (m === 120) out.push(`${stamp(m, 6)} INFO  admin: Configuration reloaded by operator`);
    const jump = m === 150 ? 60 : 0;
    for (let k = 0; k < jump; k++) out.push(`${stamp(m, 7 + (k % 50))} INFO  cache: Evicted ${k % 9 + 1} entries from region users`);
    if (m === 170) for (let k = 0; k < 30; k++) out.push(`${stamp(m, 10 + k)} ERROR db: Connection refused by primary ${k % 2}`);
  }
  return out.join('\n') + '\n';
}

async function analysed(file: string, ids: string[]): Promise<AnalysisOutput[]> {
  const { engine, tables } = await indexed([file]);
  try {
    const run = runAnalyses(ids.map((id) => analysisById(id)!), tables, (s, p) => engine.query(s, p));
    return run.outputs;
  } finally {
    await engine.dispose();
  }
}

describe('analyses on message templates (#14 item 4)', () => {
  let outputs: AnalysisOutput[];
  before(async () => {
    const file = path.join(tmpDir(), 'service.log');
    fs.writeFileSync(file, serviceLog());
    outputs = await analysed(file, ['template-novelty', 'template-rare', 'template-rates', 'error-bursts']);
  });
  const out = (id: string) => outputs.find((o) => o.analysis === id)!;

  it('a template that starts late and keeps coming is the one loud novelty; a one-off is not', () => {
    const f = out('template-novelty').findings;
    assert.ok(f.length >= 1);
    assert.match(f[0].entity.value, /^Token signature rejected for client <\*> from <\*>$/);
    assert.equal(f[0].entity.kind, 'template');
    assert.ok((f[0].risk ?? 0) >= 90, `risk ${f[0].risk}`);
    assert.ok(!f.some((x) => /Configuration reloaded/.test(x.entity.value)), 'a one-line template is no novelty');
    // the template that starts at minute 200 of 240
    assert.equal(f[0].metrics.sharePercent, 83);
    assert.equal(f[0].evidence.total, 40);
  });

  it('rare templates are listed at info (low at an error level), never loud', () => {
    const f = out('template-rare').findings;
    const reload = f.find((x) => /Configuration reloaded by operator/.test(x.entity.value));
    assert.ok(reload, 'the one-off is rare');
    assert.equal(reload.severity, 'info');
    for (const x of f) assert.ok((x.risk ?? 0) < 50);
  });

  it("a template's jump against its own past is flagged at that minute, with its window", () => {
    const f = out('template-rates').findings;
    const evicted = f.find((x) => /^Evicted <\*> entries from region users$/.test(x.entity.value));
    assert.ok(evicted, JSON.stringify(f.map((x) => x.entity.value)));
    assert.equal(evicted.metrics.bucket, '2024-03-01 02:30');
    assert.equal(evicted.metrics.lines, 61);
    assert.ok((evicted.risk ?? 0) >= 75, `risk ${evicted.risk}`);
    assert.equal(evicted.evidence.total, 61);
    assert.deepEqual(evicted.window, { start: '2024-03-01T02:30:00.000Z', end: '2024-03-01T02:31:00.000Z' });
    // the steady ones are not
    assert.ok(!f.some((x) => /Processed batch/.test(x.entity.value) && (x.risk ?? 0) >= 25));
    assert.equal(out('template-rates').charts.length, 1);
    const values = (out('template-rates').charts[0].spec.data as { values: { template: string }[] }).values;
    assert.ok(values.some((v) => v.template.includes('(jump)')));
  });

  it('a burst of error-level lines is a time window naming its templates', () => {
    const f = out('error-bursts').findings;
    assert.equal(f[0].entity.kind, 'window');
    assert.equal(f[0].entity.value, '2024-03-01 02:50');
    assert.equal(f[0].metrics.errorLines, 30);
    assert.ok((f[0].risk ?? 0) >= 75, `risk ${f[0].risk}`);
    assert.ok(f[0].related?.some((r) => r.kind === 'template' && /^Connection refused by primary <\*>$/.test(r.value)));
    assert.equal(f.filter((x) => (x.risk ?? 0) >= 25).length, 1, 'the sparse query timeouts are no burst');
  });

  it('the Findings view has a Templates group', () => {
    const t = triage(findingsOf(outputs));
    const g = t.groups.find((x) => x.kind === 'template');
    assert.ok(g);
    assert.equal(g.title, 'Templates');
    assert.match(g.suspects[0].value, /Token signature rejected|Evicted/);
  });

  it('templates never seen in a baseline log: the new event that fills many minutes is loud, a one-off is not', async () => {
    const dir = tmpDir();
    const base = path.join(dir, 'base.log');
    const now = path.join(dir, 'now.log');
    const lines = serviceLog().split('\n');
    // the baseline: the same service's first two hours (no token rejections, no refused connections, no reload)
    fs.writeFileSync(base, lines.filter((l) => l && l < '2024-03-01 02:00').join('\n') + '\n');
    fs.writeFileSync(now, lines.join('\n'));
    const { engine, tables } = await indexed([base, now]);
    const run = runAnalyses([analysisById('template-new')!], tables, (s, p) => engine.query(s, p), { baseline: 'base' }, ['now']);
    assert.deepEqual(run.skipped, []);
    await engine.dispose();
    const f = run.outputs[0].findings;
    assert.match(f[0].entity.value, /^Token signature rejected/);
    assert.ok((f[0].risk ?? 0) >= 75, `risk ${f[0].risk}`);
    const reload = f.find((x) => /Configuration reloaded/.test(x.entity.value));
    assert.ok(reload && (reload.risk ?? 0) < 25, `one line is no news: ${reload?.risk}`);
    assert.ok(!f.some((x) => /Processed batch|Query timeout/.test(x.entity.value)), 'templates of the baseline are not new');
    assert.equal(sameEvent(['a', '<*>', 'c'], ['a', 'b', '<*>']), true);
    assert.equal(sameEvent(['a', 'b'], ['a', 'c']), false);
    assert.equal(sameEvent(['rhost=<*>', 'user=root'], ['rhost=<*>', 'user=<*>']), true);
    assert.equal(sameEvent(['(uid=<*>)'], ['(uid=0)']), true);
    assert.equal(sameEvent(['user=root'], ['group=<*>']), false);
    assert.equal(sameEvent(['a.b'], ['a<*>']), true);
    assert.equal(sameEvent(['axb'], ['a.b']), false);
  });

  it('a table without a message column is skipped with the reason', async () => {
    const { engine, tables } = await indexed([fixture('access.log')]);
    const run = runAnalyses([templateNovelty, templateRare, templateRates, errorBursts], tables, (s, p) => engine.query(s, p));
    await engine.dispose();
    assert.equal(run.outputs.length, 0);
    assert.equal(run.failed, undefined);
    assert.equal(run.skipped.length, 4);
    assert.match(run.skipped[0], /no free-text message column/);
  });

  it('the novelty null: all k buckets after the first `before` of `active`, drawn at random', () => {
    assert.equal(log10NoneBefore(1, 50, 100), Math.log10(0.5));
    assert.ok(Math.abs(log10NoneBefore(2, 50, 100) - Math.log10((50 / 100) * (49 / 99))) < 1e-12);
    assert.equal(log10NoneBefore(3, 98, 100), -Infinity);
    assert.equal(burstiness([{ c: new Float64Array([1, 1, 1, 1]), from: 0, count: 10 }]), 1);
    assert.ok(burstiness([{ c: new Float64Array([0, 0, 0, 40]), from: 0, count: 40 }]) > 30);
  });

  (hasShared ? it : it.skip)('on the loghub samples: at most two template findings at medium or above per file, none critical', async () => {
    for (const f of ['OpenSSH_2k.log', 'Linux_2k.log', 'Apache_2k.log']) {
      const o = await analysed(path.join(SHARED, 'syslog-ssh', f), ['template-novelty', 'template-rare', 'template-rates', 'error-bursts']);
      const loud = o.flatMap((x) => x.findings).filter((x) => (x.risk ?? 0) >= 50);
      assert.ok(loud.length <= 2, `${f}: ${loud.map((x) => `${x.analysis} ${x.risk} ${x.entity.value}`).join('; ')}`);
      assert.ok(!loud.some((x) => (x.risk ?? 0) >= 90), f);
    }
  });
});
