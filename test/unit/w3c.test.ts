import * as assert from 'node:assert/strict';
import { analysisById } from '../../src/engine/analyses';
import { runAnalyses } from '../../src/engine/findings/model';
import { splitW3c } from '../../src/engine/ingest/w3c';
import { col, fixture, indexed, rows } from '../helpers';

describe('W3C extended log format (IIS; #14 item 5)', () => {
  it('reads #Fields blocks, dashes as NULL, + as a space in the user agent, quoted fields; date and time make _time', async () => {
    const { engine, tables } = await indexed([fixture('iis.log')]);
    const t = tables[0];
    assert.equal(t.format, 'w3c');
    assert.equal(t.rows, 7);
    assert.equal(t.rejected, 1);
    assert.deepEqual(rows(engine, 'SELECT line FROM rejects'), [[16]]);
    assert.deepEqual(t.timeSource, ['date', 'time']);
    assert.deepEqual(rows(engine, 'SELECT _line, _time, "cs-method", "cs-uri-query", "sc-status", "cs(User-Agent)" FROM iis WHERE _line IN (6, 14) ORDER BY _line'), [
      [6, '2024-05-02 09:00:02', 'GET', 'ReturnUrl=%2Fadmin', 200, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'],
      [14, '2024-05-02 10:00:03', 'GET', null, 200, 'Mozilla/5.0 (X11; Linux x86_64)'],
    ]);
    // the second block drops cs(Referer) and adds sc-bytes: both columns exist, NULL where a block lacks them
    assert.deepEqual(rows(engine, 'SELECT count("cs(Referer)"), count("sc-bytes"), sum("sc-bytes") FROM iis'), [[2, 2, 6365]]);
    assert.equal(col(t, 'c-ip').role, 'ip');
    assert.equal(col(t, 's-ip').role, null, "the server's own address plays no role");
    assert.equal(col(t, 'cs-username').role, 'user');
    assert.equal(col(t, 'cs-uri-stem').role, 'resource');
    assert.equal(col(t, 'sc-status').type, 'integer');
    await engine.dispose();
  });

  it('splits quoted fields with "" inside them', () => {
    assert.deepEqual(splitW3c('a "b c" "say ""hi""" - d'), ['a', 'b c', 'say "hi"', '-', 'd']);
    assert.deepEqual(splitW3c('x'), ['x']);
  });

  it("Sigma's webserver rules (the bundled set) run on it with its own field names (cs-method, cs(User-Agent)…)", async () => {
    const { engine, tables } = await indexed([fixture('iis.log')]);
    const run = runAnalyses([analysisById('sigma')!], tables, (s, p) => engine.query(s, p), { sigma: 'bundled' });
    await engine.dispose();
    const titles = run.outputs.flatMap((o) => o.findings).map((f) => f.reason);
    assert.ok(titles.some((r) => /Suspicious User-Agents Related To Recon Tools/.test(r) && /203\.0\.113\.9/.test(r)), titles.join('\n'));
  });
});
