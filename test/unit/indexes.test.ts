import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, indexed, one, rows, tmpDir } from '../helpers';
import { loadSqlJs } from '../../src/engine/store/database';

describe('indexes on role columns', () => {
  it('the course log gets indexes on its user, group, resource and ip columns, which SQLite checks and uses', async () => {
    const { engine, tables } = await indexed([fixture('course.txt')], { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] });
    assert.deepEqual([...tables[0].indexed].sort(), ['cohort_id', 'ip', 'page', 'user_id']);
    assert.equal(one(engine, 'PRAGMA f1.integrity_check'), 'ok');
    const plan = rows(engine, 'EXPLAIN QUERY PLAN SELECT page, count(*) FROM course GROUP BY page').map((r) => r[3]).join(' ');
    assert.match(plan, /COVERING INDEX course__page/);
    assert.deepEqual(
      rows(engine, 'SELECT cohort_id, count(*) FROM course INDEXED BY course__cohort_id GROUP BY 1'),
      rows(engine, 'SELECT cohort_id, count(*) FROM course NOT INDEXED GROUP BY 1'),
    );
    await engine.dispose();
  });

  it('indexes hold for every format and path: Apache, syslog, Zeek, JSON Lines, CSV with quotes', async () => {
    const { engine, tables } = await indexed([fixture('access.log'), fixture('OpenSSH_2k.log'), fixture('smb_files.log.gz'), fixture('events.jsonl'), fixture('quoted.csv'), fixture('log.csv')]);
    const byName = Object.fromEntries(tables.map((t) => [t.table, t.indexed]));
    assert.deepEqual(byName.access.sort(), ['client_ip', 'path']);
    assert.deepEqual(byName.openssh_2k.sort(), ['src_ip', 'user']);
    assert.deepEqual(byName.smb_files.sort(), ['id.orig_h', 'id.resp_h', 'path', 'uid']);
    assert.deepEqual(byName.log.sort(), ['source_ip', 'username']);
    for (let k = 1; k <= tables.length; k++) assert.equal(one(engine, `PRAGMA f${k}.integrity_check`), 'ok', tables[k - 1].table);
    await engine.dispose();
  });

  it('index entries carry the source line of each row, also when lines stop being consecutive late in the file', async () => {
    // rows on lines 2..70001 without a gap, then two blank lines, then more rows:
    // the indexes first take rowids as the first line plus the row number and switch to a list later
    const dir = tmpDir();
    const file = path.join(dir, 'gaps.csv');
    const lines = ['time,user,src_ip,bytes'];
    const row = (i: number) => `2024-01-01 00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},u${(i * 7919) % 97},10.0.${i % 5}.${i % 251},${i}`;
    for (let i = 0; i < 70000; i++) lines.push(row(i));
    lines.push('', '');
    for (let i = 70000; i < 70500; i++) lines.push(row(i));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    assert.deepEqual([...tables[0].indexed].sort(), ['src_ip', 'user']);
    assert.equal(one(engine, 'PRAGMA f1.integrity_check'), 'ok');
    const viaIndex = rows(engine, 'SELECT user, count(*), sum(_line), max(_line) FROM gaps INDEXED BY gaps__user GROUP BY user');
    assert.deepEqual(viaIndex, rows(engine, 'SELECT user, count(*), sum(_line), max(_line) FROM gaps NOT INDEXED GROUP BY user'));
    assert.equal(one(engine, 'SELECT max(_line) FROM gaps'), lines.length);
    // 10.0.0.0 is row i = 1255 k: line i + 2 before the blank lines, i + 4 after them
    assert.deepEqual(rows(engine, "SELECT _line, bytes FROM gaps INDEXED BY gaps__src_ip WHERE src_ip = '10.0.0.0' AND bytes >= 69000"), [
      [69027, 69025],
      [70284, 70280],
    ]);
    await engine.dispose();
  });

  it('can be turned off', async () => {
    const { engine, tables } = await indexed([fixture('log.csv')], { indexes: false });
    assert.deepEqual(tables[0].indexed, []);
    await engine.dispose();
  });

  it('the saved database (--out, Save Database As…) and tables past the 8th file keep their indexes', async () => {
    const dir = tmpDir();
    const files = Array.from({ length: 10 }, (_, k) => {
      const f = path.join(dir, `access${k}.log`);
      fs.copyFileSync(fixture('access.log'), f);
      return f;
    });
    const { engine, tables } = await indexed(files);
    try {
      assert.ok(tables.every((t) => t.indexed.includes('client_ip')), 'every table lists client_ip as indexed');
      // the 9th and 10th files no longer get an attachment of their own: their tables are copied into main
      for (const t of tables.slice(8)) {
        const list = rows(engine, `SELECT name FROM main.sqlite_schema WHERE type = 'index' AND tbl_name = ?`, [t.table]).map((r) => r[0]);
        assert.ok(list.includes(`${t.table}__client_ip`), `${t.table}: ${list.join(', ')}`);
        const plan = rows(engine, `EXPLAIN QUERY PLAN SELECT client_ip, count(*) FROM "${t.table}" GROUP BY 1`).map((r) => r[3]).join(' ');
        assert.match(plan, /COVERING INDEX/);
      }
      const SQL = await loadSqlJs();
      const saved = new SQL.Database(engine.db.exportDatabase());
      try {
        assert.equal(saved.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
        const idx = saved.exec("SELECT tbl_name, name FROM sqlite_schema WHERE type = 'index' AND name LIKE '%client_ip'")[0].values;
        assert.equal(idx.length, 10);
        assert.deepEqual(saved.exec('SELECT count(*) FROM access9 INDEXED BY access9__client_ip WHERE client_ip >= \'\'')[0].values, [[300]]);
      } finally {
        saved.close();
      }
    } finally {
      await engine.dispose();
    }
  });
});
