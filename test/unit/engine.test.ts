import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { EngineClient } from '../../src/engine/engineClient';
import { CancelledError } from '../../src/engine/errors';
import type { IndexProgress } from '../../src/engine/ingest/build';
import { fixture, tmpDir } from '../helpers';

function bigCsv(lines: number): string {
  const p = path.join(tmpDir(), 'big.csv');
  const out = ['datetime,source_ip,username,success'];
  for (let i = 0; i < lines; i++) out.push(`2018-01-01 00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},10.0.${i % 200}.${i % 250},user${i % 97},${i % 3 ? 'True' : 'False'}`);
  fs.writeFileSync(p, out.join('\n') + '\n');
  return p;
}

describe('engine', () => {
  it('indexes in a worker thread (EngineClient), reports progress in bytes and rows, and gives the same table', async () => {
    const file = bigCsv(200_000);
    const inWorker = new EngineClient();
    const inProcess = await Engine.create();
    const progress: IndexProgress[] = [];
    try {
      const [a] = await inWorker.index([file], {}, { onProgress: (p) => progress.push(p) });
      const [b] = await inProcess.index([file]);
      assert.equal(a.error, undefined);
      assert.deepEqual(a.tables[0].columns, b.tables[0].columns);
      assert.equal(a.tables[0].rows, 200_000);
      const q = 'SELECT username, count(*), sum(success) FROM big GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3';
      assert.deepEqual((await inWorker.query(q)).rows, inProcess.query(q).rows);
      assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
      const last = progress[progress.length - 1];
      assert.equal(last.bytesRead, last.fileBytes);
      assert.equal(last.rows, 200_000);
      assert.ok(progress.every((p, i) => i === 0 || p.bytesRead >= progress[i - 1].bytesRead));
    } finally {
      await inWorker.dispose();
      await inProcess.dispose();
    }
  });

  it('cancels indexing in process and stays usable', async () => {
    const file = bigCsv(300_000);
    const engine = await Engine.create();
    const ac = new AbortController();
    try {
      await assert.rejects(
        engine.index([file], {}, { signal: ac.signal, onProgress: (p) => p.rows > 0 && ac.abort() }),
        (e: unknown) => e instanceof CancelledError,
      );
      assert.equal(engine.tables().length, 0);
      const [o] = await engine.index([fixture('quoted.csv')]);
      assert.equal(o.tables[0].rows, 6);
    } finally {
      await engine.dispose();
    }
  });

  it('holds more files than SQLite can attach, all queryable and removable', async () => {
    const engine = await Engine.create();
    try {
      const files = Array.from({ length: 12 }, () => fixture('quoted.csv'));
      const outcomes = await engine.index(files);
      const names = outcomes.map((o) => o.tables[0].table);
      assert.equal(new Set(names).size, 12);
      for (const n of names) assert.equal(engine.query(`SELECT sum(amount) FROM ${n}`).rows[0][0], 210);
      engine.db.remove(names[0]);
      engine.db.remove(names[11]);
      assert.equal(engine.tables().length, 10);
      assert.throws(() => engine.query(`SELECT * FROM ${names[11]}`), /no such table/);
      assert.equal(engine.query('SELECT count(*) FROM catalog_files').rows[0][0], 10);
      const [again] = await engine.index([fixture('quoted.csv')]);
      assert.equal(engine.query(`SELECT count(*) FROM ${again.tables[0].table}`).rows[0][0], 6);
    } finally {
      await engine.dispose();
    }
  });

  it('changes a column role and records it in the catalog', async () => {
    const engine = await Engine.create();
    try {
      await engine.index([fixture('tabs.tsv')]);
      engine.db.setRole('tabs', 'status', 'label');
      assert.equal(engine.db.columnFor('tabs', 'label'), 'status');
      assert.equal(engine.query("SELECT role FROM catalog_columns WHERE table_name = 'tabs' AND name = 'status'").rows[0][0], 'label');
      assert.throws(() => engine.db.setRole('tabs', 'nope', 'user'), /no column nope/);
    } finally {
      await engine.dispose();
    }
  });
});
