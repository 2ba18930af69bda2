import * as assert from 'node:assert/strict';
import { fixture, indexed, one, rows } from '../helpers';

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
    assert.deepEqual(byName.smb_files.sort(), ['id.orig_h', 'path', 'uid']);
    assert.deepEqual(byName.log.sort(), ['source_ip', 'username']);
    for (let k = 1; k <= tables.length; k++) assert.equal(one(engine, `PRAGMA f${k}.integrity_check`), 'ok', tables[k - 1].table);
    await engine.dispose();
  });

  it('can be turned off', async () => {
    const { engine, tables } = await indexed([fixture('log.csv')], { indexes: false });
    assert.deepEqual(tables[0].indexed, []);
    await engine.dispose();
  });
});
