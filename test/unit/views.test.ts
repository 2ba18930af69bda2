import * as assert from 'node:assert/strict';
import { chooseBucket, compareCells, sourceTableOf, timelineSpec } from '../../src/shared/views';

describe('view logic (no VS Code needed)', () => {
  it('picks a timeline bucket giving at most 400 bars', () => {
    assert.deepEqual(chooseBucket(60), [1, 'second']);
    assert.deepEqual(chooseBucket(2 * 3600), [60, 'minute']);
    assert.deepEqual(chooseBucket(2 * 86400), [600, '10 minutes']);
    assert.deepEqual(chooseBucket(3 * 86400), [3600, 'hour'], '3 days in 10 minutes would be 432 bars');
    assert.deepEqual(chooseBucket(365 * 86400), [86400, 'day']);
    assert.deepEqual(chooseBucket(100 * 365 * 86400), [2592000, '30 days']);
  });

  it('builds a timeline spec that Vega-Lite compiles, with the brush and a UTC time axis', async () => {
    // vega-lite is an ES module; tsc's CommonJS output would turn import() into require()
    const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<{ compile(spec: unknown): { spec: unknown } }>;
    const { compile } = await esmImport('vega-lite');
    const spec = timelineSpec([{ t: '2015-05-17T10:05:00.000Z', n: 3 }, { t: '2015-05-17T10:06:00.000Z', n: 5 }], 'minute');
    const vg = compile(spec as never).spec as { signals?: { name: string }[]; scales?: { name: string; type: string }[] };
    assert.ok(vg.signals?.some((s) => s.name === 'brush'), 'a brush signal');
    assert.equal(vg.scales?.find((s) => s.name === 'x')?.type, 'utc');
  });

  it('finds the table a result row links back to', () => {
    const tables = [
      { table: 'access', columns: [{ name: '_line' }, { name: 'client_ip' }] },
      { table: 'access_2', columns: [{ name: '_line' }] },
      { table: 'logs', columns: [{ name: 'datetime' }] },
    ];
    assert.equal(sourceTableOf('SELECT _line, client_ip FROM access WHERE status = 404', ['_line', 'client_ip'], tables)?.table.table, 'access');
    assert.equal(sourceTableOf('select * from "access_2"', ['_line'], tables)?.table.table, 'access_2');
    assert.equal(sourceTableOf('SELECT client_ip FROM access', ['client_ip'], tables), null, 'no _line in the result');
    assert.equal(sourceTableOf('SELECT a._line FROM access a JOIN access_2 b USING (_line)', ['_line'], tables), null, 'two tables: ambiguous');
    assert.equal(sourceTableOf('SELECT * FROM logs', ['_line'], tables), null, 'a table without source lines');
  });

  it('sorts cells: numbers by value, then text, NULLs last', () => {
    const cells = ['b', null, 10, 'a', 2, null, -1];
    assert.deepEqual([...cells].sort(compareCells), [-1, 2, 10, 'a', 'b', null, null]);
  });
});
