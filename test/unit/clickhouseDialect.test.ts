/** The SQLite → ClickHouse dialect (src/engine/store/clickhouse/dialect.ts), on its text alone (no server needed). */
import * as assert from 'node:assert/strict';
import { literal, toClickHouse } from '../../src/engine/store/clickhouse/dialect';
import { isWrite, statements, toClickHouseWrite } from '../../src/engine/store/clickhouse/write';

describe('ClickHouse dialect', () => {
  it('binds ? as escaped literals, never as SQL of their own', () => {
    assert.equal(toClickHouse('SELECT * FROM t WHERE a = ? AND b = ? AND c IS ?', ["x'); DROP TABLE t; --", 5, null]), "SELECT * FROM t WHERE a = 'x\\'); DROP TABLE t; --' AND b = 5 AND c IS NULL");
    assert.equal(literal('back\\slash'), "'back\\\\slash'");
    assert.equal(literal(12345678901234567890n), '12345678901234567890');
    assert.throws(() => toClickHouse('SELECT ?', []), /fewer values/);
  });
  it('keeps ? inside strings and names as text', () => {
    assert.equal(toClickHouse(`SELECT '?' AS "a?" FROM t WHERE x = ?`, [1]), "SELECT '?' AS `a?` FROM t WHERE x = 1");
  });
  it('turns positions in GROUP BY and ORDER BY into the select items; NULL sorts as the least value, as in SQLite', () => {
    assert.equal(toClickHouse('SELECT "ip" AS k, count(*) AS n FROM t WHERE "ip" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC'), 'SELECT `ip` AS k, count(*) AS n FROM t WHERE `ip` IS NOT NULL GROUP BY k ORDER BY n DESC NULLS LAST');
    assert.equal(toClickHouse('SELECT substr(x, 1, 13), count(*) FROM t GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1'), "SELECT substringUTF8(toString(x), 1, 13), count(*) FROM t GROUP BY (substringUTF8(toString(x), 1, 13)) ORDER BY (count(*)) DESC NULLS LAST, (substringUTF8(toString(x), 1, 13)) NULLS FIRST LIMIT 1");
    // a sub-select has its own positions
    assert.equal(toClickHouse('SELECT a FROM (SELECT b, c FROM t GROUP BY 1) GROUP BY 1'), 'SELECT a FROM (SELECT b, c FROM t GROUP BY (b)) GROUP BY (a)');
  });
  it('ignores ASCII case in LIKE as SQLite does', () => {
    assert.equal(toClickHouse("SELECT 1 FROM t WHERE lower(a) LIKE ? AND b NOT LIKE '%X%'", ['%y%']), "SELECT 1 FROM t WHERE lower(lower(a)) LIKE lower('%y%') AND lower(b) NOT LIKE lower('%X%')");
  });
  it('converts the operands of || to text', () => {
    assert.equal(toClickHouse("SELECT count(DISTINCT u || '|' || d) FROM t"), "SELECT count(DISTINCT toString(u) || toString(toString('|')) || toString(d)) FROM t");
  });
  it('reads EXPLAIN (a compile check) as the statement with no row read', () => {
    assert.equal(toClickHouse('EXPLAIN SELECT 1 FROM t WHERE (a = ?)', [2]), 'SELECT * FROM ( SELECT 1 FROM t WHERE (a = 2)) LIMIT 0');
  });
  it('drops unary plus, divides integers as integers, keeps LIKE escapes', () => {
    assert.equal(toClickHouse('SELECT +a AS e FROM t WHERE +a IS NOT NULL AND b + 1 > 2'), 'SELECT a AS e FROM t WHERE a IS NOT NULL AND b + 1 > 2');
    assert.equal(toClickHouse("SELECT CAST(strftime('%s', t) AS INTEGER) / 60, x / 60, 7 / 2.0 FROM t"), "SELECT intDiv(toInt64(toFloat64OrNull(toString(toString(toUnixTimestamp(parseDateTimeBestEffortOrNull(toString(t))))))), 60), x / 60, 7 / 2.0 FROM t");
    assert.equal(toClickHouse("SELECT 1 FROM t WHERE e LIKE 'a\\_%' ESCAPE '\\' AND f LIKE 'c:\\x'"), "SELECT 1 FROM t WHERE lower(e) LIKE lower('a\\\\_%')  AND lower(f) LIKE lower('c:\\\\\\\\x')");
    assert.throws(() => toClickHouse("SELECT 1 FROM t WHERE e LIKE 'a!_' ESCAPE '!'"), /ESCAPE/);
  });
  it('translates functions', () => {
    assert.equal(toClickHouse('SELECT group_concat(_line) FROM t'), "SELECT arrayStringConcat(groupArray(toString(_line)), ',') FROM t");
    assert.equal(toClickHouse("SELECT group_concat(DISTINCT a, ';') FROM t"), "SELECT arrayStringConcat(groupUniqArray(toString(a)), ';') FROM t");
    assert.equal(toClickHouse('SELECT max(a, b, 3), min(a, b), max(a) FROM t'), 'SELECT greatest(greatest(a, b), 3), least(a, b), max(a) FROM t');
    assert.equal(toClickHouse("SELECT strftime('%Y-%m-%d %w', _time) FROM t"), "SELECT concat(formatDateTime(parseDateTimeBestEffortOrNull(toString(_time)), '%Y-%m-%d '), toString((toDayOfWeek(parseDateTimeBestEffortOrNull(toString(_time))) % 7))) FROM t");
    assert.equal(toClickHouse('SELECT CAST(a AS INTEGER), CAST(b AS REAL), ifnull(c, 0), TRUE FROM t'), 'SELECT toInt64(toFloat64OrNull(toString(a))), toFloat64OrNull(toString(b)), ifNull(c, 0), 1 FROM t');
  });
  it('reads IS with a value as equality that takes NULL as a value; IS NULL stays', () => {
    assert.equal(toClickHouse('SELECT 1 FROM t WHERE a = ? AND p IS ? AND q IS ? AND r IS NOT ?', [1, 8089, null, 'x']), "SELECT 1 FROM t WHERE a = 1 AND ifNull((p) = (8089), 0) AND q IS NULL AND NOT (ifNull((r) = ('x'), 0))");
    assert.equal(toClickHouse('SELECT coalesce(a, b) IS c FROM t'), 'SELECT (ifNull((coalesce(a, b)) = (c), 0) OR (coalesce(a, b)) IS NULL AND (c) IS NULL) FROM t');
  });
  it('reads rowid as the line, main. and temp. as the connection database, char() of literals as text', () => {
    assert.equal(toClickHouse('SELECT l.rowid, rowid FROM main."t" AS l WHERE rowid IN (?)', [3]), 'SELECT l._line, _line FROM `t` AS l WHERE _line IN (3)');
    assert.equal(toClickHouse('SELECT a || char(31) || b FROM temp.x'), "SELECT toString(a) || toString(toString('\u001f')) || toString(b) FROM x");
  });
  it('counts julianday in whole milliseconds as SQLite does', () => {
    assert.equal(toClickHouse('SELECT julianday(t) FROM x'), 'SELECT ((toInt64(toUnixTimestamp(parseDateTimeBestEffortOrNull(toString(t)))) * 1000 + toInt64(round(toFloat64OrZero(substring(toString(t), 20, 7)) * 1000)) + 210866760000000) / 86400000.0) FROM x');
  });
  it('writes an analysis\'s own tables as Log tables, statement by statement', () => {
    assert.deepEqual(statements("DROP TABLE IF EXISTS a; DROP TABLE b ;SELECT ';' -- ;\n"), ['DROP TABLE IF EXISTS a', 'DROP TABLE b', "SELECT ';' -- ;"]);
    assert.ok(isWrite(' create table x (a)') && isWrite('INSERT INTO x VALUES (1)') && !isWrite('SELECT 1'));
    assert.equal(toClickHouseWrite('CREATE TABLE main."t_geo" (ip PRIMARY KEY, country TEXT, latitude REAL, loc INTEGER) WITHOUT ROWID'), 'CREATE TABLE `t_geo` (`ip` Nullable(String), `country` Nullable(String), `latitude` Nullable(Float64), `loc` Nullable(Int64)) ENGINE = Log');
    assert.equal(toClickHouseWrite('CREATE TABLE p (a INTEGER, b INTEGER, km REAL, PRIMARY KEY (a, b)) WITHOUT ROWID'), 'CREATE TABLE `p` (`a` Nullable(Int64), `b` Nullable(Int64), `km` Nullable(Float64)) ENGINE = Log');
    assert.equal(toClickHouseWrite('CREATE TABLE s AS SELECT a FROM t WHERE b = ?', ["it's"]), "CREATE TABLE `s` ENGINE = Log AS  SELECT a FROM t WHERE b = 'it\\'s'");
    assert.equal(toClickHouseWrite('INSERT INTO main."t_geo" VALUES (?, ?), (?, ?)', ['1.2.3.4', null, "x'y", 2.5]), "INSERT INTO `t_geo` VALUES ('1.2.3.4', NULL), ('x\\'y', 2.5000000000000000)");
    assert.equal(toClickHouseWrite('DROP TABLE IF EXISTS main."t_geo"'), 'DROP TABLE IF EXISTS `t_geo`');
  });
});
