import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineClient } from '../../src/engine/engineClient';
import { CancelledError, LogInvestigatorError } from '../../src/engine/errors';
import { analysisById } from '../../src/engine/analyses';
import { runAnalysis } from '../../src/engine/findings/model';
import { fixture, indexed, tmpDir } from '../helpers';

describe('engine in a worker thread (EngineClient)', () => {
  it('indexes, queries, changes roles, removes and exports over the message protocol', async () => {
    const client = new EngineClient();
    try {
      const outcomes = await client.index([fixture('log.csv'), fixture('attacks.csv')]);
      assert.deepEqual(outcomes.map((o) => o.tables[0].table), ['log', 'attacks']);
      // the answers, counted here from the CSV text (neither file has quotes)
      const csv = (f: string) => fs.readFileSync(fixture(f), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const logRows = csv('log.csv');
      const attackRows = csv('attacks.csv');
      const joined = logRows.reduce((n, r) => n + attackRows.filter((a) => a[2] === r[1]).length, 0);
      assert.ok(joined > 0);
      assert.deepEqual(outcomes.map((o) => o.tables[0].rows), [logRows.length, attackRows.length]);
      const r = await client.query('SELECT count(*) AS n FROM log l JOIN attacks a USING (source_ip)');
      assert.deepEqual(r.columns, ['n']);
      assert.deepEqual(r.rows, [[joined]]);
      const who = logRows[0][2];
      const bound = await client.query('SELECT count(*) FROM log WHERE username = ?', [who]);
      assert.deepEqual(bound.rows, [[logRows.filter((x) => x[2] === who).length]]);
      assert.deepEqual((await client.query('SELECT count(*) FROM log WHERE username = ?', ['nobody-of-that-name'])).rows, [[0]]);
      const t = await client.setRole('log', 'failure_reason', 'label');
      assert.equal(t.columns.find((c) => c.name === 'failure_reason')?.role, 'label');
      await client.remove('attacks');
      assert.deepEqual((await client.tables()).map((x) => x.table), ['log']);
      const bytes = await client.exportDatabase();
      assert.equal(Buffer.from(bytes.subarray(0, 15)).toString('latin1'), 'SQLite format 3');
    } finally {
      await client.dispose();
    }
  });

  it('runs analyses and writes the Markdown report in the worker', async () => {
    const client = new EngineClient();
    try {
      await client.index([fixture('log.csv')]);
      const run = await client.analyze('volume-outliers-ip');
      assert.equal(run.outputs.length, 1);
      // the same analysis run in this thread gives the same findings: the worker loses nothing on the way
      const { engine, tables } = await indexed([fixture('log.csv')]);
      const here = runAnalysis(analysisById('volume-outliers-ip')!, tables[0], (q, p) => engine.query(q, p));
      await engine.dispose();
      assert.ok(here.findings.length > 0);
      assert.deepEqual(run.outputs[0].findings, here.findings);
      const dir = path.join(tmpDir(), 'charts');
      const md = await client.report(run.outputs, 'Report', dir, 'charts');
      assert.match(md, /^# Report/m);
      assert.ok(fs.readdirSync(dir).some((f) => f.endsWith('.svg')));
    } finally {
      await client.dispose();
    }
  });

  it('errors travel back typed; the worker keeps serving', async () => {
    const client = new EngineClient();
    try {
      await assert.rejects(client.query('SELECT * FROM nowhere'), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'SQL' && /no such table/.test(e.message));
      const [o] = await client.index([fixture('binary.png')]);
      assert.equal(o.error?.code, 'BINARY');
      assert.deepEqual((await client.query('SELECT 1 + 1')).rows, [[2]]);
    } finally {
      await client.dispose();
    }
  });

  it('reports progress and cancels', async () => {
    const p = path.join(tmpDir(), 'big.log');
    const line = '2018-01-26 09:55:03 javascript-i/functions 1 8.0 97.105.19.61\n';
    fs.writeFileSync(p, line.repeat(400_000));
    const client = new EngineClient();
    try {
      const ac = new AbortController();
      let events = 0;
      await assert.rejects(
        client.index([p], {}, { signal: ac.signal, onProgress: () => ++events && ac.abort() }),
        (e: unknown) => e instanceof CancelledError,
      );
      assert.ok(events >= 1);
      assert.deepEqual(await client.tables(), []);
    } finally {
      await client.dispose();
    }
  });

  it('indexes three files of one name asked for at once: access, access_2, access_3, none fails', async () => {
    const client = new EngineClient();
    try {
      const files = [1, 2, 3].map((k) => {
        const dir = path.join(tmpDir(), `host${k}`);
        fs.mkdirSync(dir, { recursive: true });
        const f = path.join(dir, 'access.log');
        fs.copyFileSync(fixture('access.log'), f);
        return f;
      });
      const outcomes = (await Promise.all(files.map((f) => client.index([f])))).flat();
      assert.deepEqual(outcomes.map((o) => o.error), [undefined, undefined, undefined]);
      assert.deepEqual(outcomes.map((o) => o.tables[0].table), ['access', 'access_2', 'access_3']);
      const n = await client.query('SELECT (SELECT count(*) FROM access) + (SELECT count(*) FROM access_2) + (SELECT count(*) FROM access_3)');
      assert.equal(n.rows[0][0], 3 * outcomes[0].tables[0].rows);
    } finally {
      await client.dispose();
    }
  });
});
