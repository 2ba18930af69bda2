import * as assert from 'node:assert/strict';
import { GridRows, gridReply, guessType, typedColumns } from '../../src/shared/gridRows';
import { isRendererMessage, type Cell } from '../../src/shared/protocol';

const ROWS: Cell[][] = [
  ['10.0.0.2', 5, 'b'],
  ['10.0.0.1', 7, null],
  ['10.0.0.3', 5, 'a|b'],
  ['192.168.0.1', 1, 'x'],
];
const grid = () => new GridRows([{ name: 'ip', type: 'ip' }, { name: 'n', type: 'integer' }, { name: 's', type: 'text' }], ROWS);

describe('the rows of a grid, as the host keeps them', () => {
  it('sorts (stable: a second sort keeps the first within ties), and names each row in view by its index as given', () => {
    const g = grid();
    g.sort(0, false);
    g.sort(1, true);
    assert.deepEqual(g.page(0, 10).map((r) => r[0]), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.0.1']);
    assert.deepEqual([0, 1, 2, 3].map((i) => g.origin(i)), [1, 0, 2, 3]);
    assert.equal(g.row(0), ROWS[1]);
    g.sort(7, false);
    assert.deepEqual([0, 1, 2, 3].map((i) => g.origin(i)), [1, 0, 2, 3], 'an unknown column changes nothing');
  });

  it('filters on all columns or one, keeping the sort; origin follows', () => {
    const g = grid();
    g.sort(1, false);
    g.setFilter('b', null);
    assert.deepEqual(g.inView().map((r) => r[0]), ['10.0.0.2', '10.0.0.3']);
    g.setFilter('.1', 0);
    assert.equal(g.total, 2);
    assert.deepEqual([g.origin(0), g.origin(1)], [3, 1], 'in n order: 192.168.0.1 (1) before 10.0.0.1 (7)');
    g.setFilter('1', 1);
    assert.deepEqual(g.inView().map((r) => r[1]), [1], 'only the n column');
    g.setFilter('7', 9);
    assert.deepEqual(g.inView().map((r) => r[0]), ['10.0.0.1'], 'a column out of range filters on all');
    g.setFilter('', null);
    assert.equal(g.total, 4);
    assert.equal(g.origin(4), undefined);
  });

  it('pages at most 2,000 rows, from an offset clamped at 0', () => {
    const many = new GridRows([{ name: 'x', type: 'integer' }], Array.from({ length: 2500 }, (_, i) => [i]));
    assert.equal(many.page(0, 5000).length, 2000);
    assert.deepEqual(many.page(-3, 2), [[0], [1]]);
    assert.deepEqual(many.page(2499, 200), [[2499]]);
  });

  it('copies the rows named (in view order, out of range ignored) in the format asked, with the header', () => {
    const g = grid();
    g.sort(1, true);
    assert.equal(g.copy({ type: 'copy', rows: [2, 0, 9], columns: null, format: 'markdown', header: true }), '| ip | n | s |\n| --- | ---: | --- |\n| 10.0.0.1 | 7 | null |\n| 10.0.0.3 | 5 | a\\|b |\n');
    assert.equal(g.copy({ type: 'copy', rows: { from: 1, to: 3 }, columns: [0], format: 'tsv', header: false }), '10.0.0.2\n10.0.0.3\n');
    assert.equal(g.copy({ type: 'copy', rows: [0], columns: [2], format: 'csv', header: false }), '', 'a null cell copies as an empty field');
  });

  it('guesses a column type from its values', () => {
    assert.equal(guessType(ROWS, 1), 'integer');
    assert.equal(guessType([[1.5], [null]], 0), 'real');
    assert.equal(guessType(ROWS, 0), 'text');
    assert.equal(guessType([[null]], 0), 'text');
  });

  it("answers a grid's messages as the host and the notebook renderer do: pages named by the grid, the first page after a sort or filter, copies as text; nothing else", () => {
    const g = grid();
    assert.deepEqual(gridReply(g, { type: 'requestRows', grid: 2, offset: 1, count: 2 }), { reply: { type: 'rows', grid: 2, offset: 1, rows: [ROWS[1], ROWS[2]], total: 4 } });
    assert.deepEqual(gridReply(g, { type: 'sort', column: 1, descending: true }), { reply: { type: 'rows', offset: 0, rows: [ROWS[1], ROWS[0], ROWS[2], ROWS[3]], total: 4 } });
    assert.deepEqual(gridReply(g, { type: 'filter', text: '10.0', column: 0 }), { reply: { type: 'rows', offset: 0, rows: [ROWS[1], ROWS[0], ROWS[2]], total: 3 } });
    assert.deepEqual(gridReply(g, { type: 'copy', rows: [0], columns: [0, 1], format: 'csv', header: true }), { clipboard: 'ip,n\r\n10.0.0.1,7\r\n' });
    for (const m of [{ type: 'openSource', line: 3, source: 0 }, { type: 'exportCsv' }, { type: 'rowsBehind', row: 0 }, { type: 'ready' }] as const) assert.equal(gridReply(g, m), undefined, m.type);
  });

  it("types a result's columns from the catalog when a table of the query has the column, else from the values", () => {
    const named = [{ columns: [{ name: 'client_ip', type: 'ip' }, { name: 'status', type: 'integer' }] }];
    assert.deepEqual(typedColumns(['client_ip', 'n', 'label'], [['1.2.3.4', 2.5, 'x']], named).map((c) => c.type), ['ip', 'real', 'text']);
  });

  it("takes only well-formed messages from the notebook renderer", () => {
    assert.ok(isRendererMessage({ type: 'openSource', table: 'access', line: 3 }));
    assert.ok(isRendererMessage({ type: 'clipboard', text: 'a\tb' }));
    assert.ok(isRendererMessage({ type: 'exportCsv', name: 'access', columns: ['a'], rows: [[1], ['x'], [null]] }));
    for (const bad of [null, 'x', { type: 'openSource', table: 'a', line: 0 }, { type: 'openSource', table: 3, line: 2 }, { type: 'clipboard' }, { type: 'exportCsv', name: 'a', columns: ['a'], rows: [[{}]] }, { type: 'exportCsv', name: 'a', columns: 'a', rows: [] }, { type: 'run', sql: 'DROP TABLE x' }]) {
      assert.equal(isRendererMessage(bad), false, JSON.stringify(bad));
    }
  });
});
