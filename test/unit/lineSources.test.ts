import * as assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/engine';
import { lineSources } from '../../src/shared/lineSources';
import { fixture, indexed, rows } from '../helpers';

/** Every linked line of every result row is a row of that table that agrees with the result on `key`. */
function checkLinks(engine: Engine, sql: string, key: { column: string; in: Record<string, string> }): number {
  const r = engine.query(sql);
  const links = lineSources(sql, r.columns, engine.tables());
  const k = r.columns.indexOf(key.column);
  let checked = 0;
  for (const row of r.rows) {
    for (const link of links) {
      const back = rows(engine, `SELECT ${key.in[link.table]} FROM "${link.table}" WHERE _line = ?`, [row[link.lineColumn]]);
      assert.equal(back.length, 1, `${link.table} line ${row[link.lineColumn]}`);
      assert.equal(String(back[0][0]), String(row[k]), `${link.table} line ${row[link.lineColumn]} has ${key.column} ${row[k]}`);
      checked++;
    }
  }
  return checked;
}

describe('source links of query results (joins too)', () => {
  it('links each joined row to its line in each table, checked against the tables themselves', async () => {
    const { engine } = await indexed([fixture('log.csv'), fixture('attacks.csv')]);
    const q = (sql: string) => lineSources(sql, engine.query(sql + ' LIMIT 1').columns, engine.tables());
    const join = 'SELECT l._line, a._line AS attack_line, l.source_ip FROM log l JOIN attacks a ON a.source_ip = l.source_ip';
    assert.deepEqual(q(join), [{ table: 'log', lineColumn: 0 }, { table: 'attacks', lineColumn: 1 }]);
    const ip = { column: 'source_ip', in: { log: 'source_ip', attacks: 'source_ip' } };
    assert.ok(checkLinks(engine, join, ip) > 10);
    // SELECT * over a join: each table's _line where its columns fall
    const star = 'SELECT * FROM log JOIN attacks ON attacks.source_ip = log.source_ip';
    const cols = engine.query(star + ' LIMIT 1').columns;
    const lines = cols.flatMap((c, i) => (c === '_line' ? [i] : []));
    assert.deepEqual(q(star), [{ table: 'log', lineColumn: lines[0] }, { table: 'attacks', lineColumn: lines[1] }]);
    assert.ok(checkLinks(engine, star, ip) > 10);
    // x.* and a USING join (SELECT * lists the USING column once)
    assert.deepEqual(q('SELECT a.*, l.username FROM attacks a LEFT JOIN log l ON l.source_ip = a.source_ip').map((x) => x.table), ['attacks']);
    const using = 'SELECT * FROM log INNER JOIN attacks USING (source_ip)';
    assert.equal(q(using).length, 2);
    assert.ok(checkLinks(engine, using, ip) > 10);
    // a comma join with quoted names and comments
    const comma = 'SELECT "l"._line /* log */, [a]._line, l.source_ip -- the key\n FROM "log" AS l, attacks a WHERE a.source_ip = l.source_ip';
    assert.deepEqual(q(comma).map((x) => x.lineColumn), [0, 1]);
    assert.ok(checkLinks(engine, comma, ip) > 10);
    await engine.dispose();
  });

  it('gives no link where the query does not say exactly which line a row is', async () => {
    const { engine } = await indexed([fixture('log.csv'), fixture('attacks.csv')]);
    const q = (sql: string) => lineSources(sql, engine.query(sql + ' LIMIT 1').columns, engine.tables());
    assert.deepEqual(q('SELECT max(_line) AS _line, source_ip FROM log GROUP BY source_ip'), [], 'an aggregate');
    assert.deepEqual(q('SELECT _line FROM log UNION ALL SELECT _line FROM attacks'), [], 'a compound select');
    assert.deepEqual(q('SELECT _line + 1 AS _line FROM log'), [], 'an expression named _line');
    assert.deepEqual(q('SELECT * FROM (SELECT * FROM log) x JOIN attacks a ON a.source_ip = x.source_ip'), [], 'a sub-select a * expands');
    assert.deepEqual(q('WITH x AS (SELECT * FROM log) SELECT _line FROM x'), [], 'a CTE');
    // one table, as before
    assert.deepEqual(q('SELECT _line, username FROM log WHERE success = \'False\''), [{ table: 'log', lineColumn: 0 }]);
    assert.deepEqual(lineSources('SELECT _line FROM log', ['_line', 'extra'], engine.tables()), [], 'what SQLite returned must match');
    await engine.dispose();
  });
});
