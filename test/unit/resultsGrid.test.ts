import * as assert from 'node:assert/strict';
import { SI_LABEL, prepareSpec, symlogTicks } from '../../src/shared/chartSpec';
import { filterRows, formatCopy } from '../../src/shared/copyFormat';
import { clickRow, newGridState, pressKey } from '../../src/shared/gridKeys';
import { lineColumn, sqlErrorPosition } from '../../src/shared/sqlError';

describe('results grid logic (no VS Code needed)', () => {
  it('copies as TSV, CSV and Markdown, quoting what would break a field', () => {
    const rows = [[1, 'a\tb', null], [2, 'say "hi"', 'x|y\nz']];
    assert.equal(formatCopy('tsv', ['n', 's', 't'], rows), 'n\ts\tt\n1\t"a\tb"\t\n2\t"say ""hi"""\t"x|y\nz"\n');
    assert.equal(formatCopy('csv', ['n', 's', 't'], rows), 'n,s,t\r\n1,a\tb,\r\n2,"say ""hi""","x|y\nz"\r\n');
    assert.equal(formatCopy('markdown', ['n', 's', 't'], rows, [true, false, false]), '| n | s | t |\n| ---: | --- | --- |\n| 1 | a\tb | null |\n| 2 | say "hi" | x\\|y<br>z |\n');
    assert.equal(formatCopy('tsv', null, [['one cell']]), 'one cell', 'a single cell pastes as its value');
  });

  it('filters on any column or one, case-insensitively, never matching NULL', () => {
    const rows = [['GET', 404, null], ['post', 200, 'x'], [null, 4041, 'Get']];
    assert.deepEqual(filterRows(rows, 'get', null), [0, 2]);
    assert.deepEqual(filterRows(rows, '404', 1), [0, 2]);
    assert.deepEqual(filterRows(rows, 'null', null), []);
    assert.deepEqual(filterRows(rows, 'x', 0), []);
  });

  it('moves the active cell and extends the selection like a spreadsheet', () => {
    const g = newGridState(10, 3);
    clickRow(g, 2, 1, false, false);
    assert.deepEqual([...g.selected], [2]);
    assert.equal(pressKey(g, 'ArrowDown', { shift: true, ctrl: false }, 5), 'moved');
    pressKey(g, 'ArrowDown', { shift: true, ctrl: false }, 5);
    assert.deepEqual([...g.selected].sort(), [2, 3, 4]);
    assert.deepEqual(g.active, { row: 4, col: 1 });
    pressKey(g, 'ArrowRight', { shift: false, ctrl: false }, 5);
    pressKey(g, 'ArrowRight', { shift: false, ctrl: false }, 5);
    assert.equal(g.active.col, 2, 'stops at the last column');
    pressKey(g, 'PageDown', { shift: false, ctrl: false }, 5);
    assert.equal(g.active.row, 9);
    assert.equal(pressKey(g, 'Home', { shift: false, ctrl: true }, 5), 'moved');
    assert.equal(g.active.row, 0);
    clickRow(g, 7, 0, false, true);
    assert.ok(g.selected.has(7));
    clickRow(g, 7, 0, false, true);
    assert.ok(!g.selected.has(7), 'Ctrl+click toggles');
    clickRow(g, 5, 0, true, false);
    assert.deepEqual([...g.selected].sort(), [5, 6, 7], 'Shift+click extends from the anchor');
    assert.equal(pressKey(g, 'c', { shift: false, ctrl: true }, 5), 'copy');
    assert.equal(pressKey(g, 'f', { shift: false, ctrl: true }, 5), 'find');
    pressKey(g, 'a', { shift: false, ctrl: true }, 5);
    assert.equal(g.selected.size, 10);
    assert.equal(pressKey(g, 'Escape', { shift: false, ctrl: false }, 5), 'moved');
    assert.equal(g.selected.size, 0);
    assert.equal(pressKey(g, 'q', { shift: false, ctrl: false }, 5), 'none');
  });

  it('finds where SQLite says a query failed', () => {
    const sql = 'SELECT client_ip\nFROM access WHER status = 1';
    const at = sqlErrorPosition(sql, 'near "status": syntax error')!;
    assert.deepEqual(lineColumn(sql, at), { line: 2, column: 18 });
    assert.equal(sqlErrorPosition('SELECT nope FROM t', 'no such column: nope'), 7);
    assert.equal(sqlErrorPosition('SELECT * FROM t WHERE (', 'incomplete input'), 23);
    assert.equal(sqlErrorPosition('SELECT 1', 'database is locked'), undefined);
  });

  it('gives symlog axes ticks at powers of ten, so labels spread over the axis', () => {
    assert.deepEqual(symlogTicks(0, 12000), [0, 1, 10, 100, 1000, 10000]);
    assert.deepEqual(symlogTicks(0, 60), [0, 1, 2, 5, 10, 20, 50]);
    assert.deepEqual(symlogTicks(-100, 10), [-100, -50, -20, -10, -5, -2, -1, 0, 1, 2, 5, 10]);
    const spec = {
      data: { values: [{ a: 3, b: 0 }, { a: 40000, b: 7 }] },
      layer: [{ mark: 'point', encoding: { x: { field: 'a', type: 'quantitative', scale: { type: 'symlog' } }, y: { field: 'b', type: 'quantitative', scale: { type: 'symlog' }, axis: { values: [0, 7] } } } }],
    };
    const out = prepareSpec(spec) as typeof spec & { layer: { encoding: { x: { axis?: { values: number[]; format: string } } } }[] };
    assert.deepEqual(out.layer[0].encoding.x.axis, { values: [0, 1, 10, 100, 1000, 10000], labelExpr: SI_LABEL });
    assert.deepEqual((out.layer[0].encoding.y as { axis: unknown }).axis, { values: [0, 7] }, 'explicit ticks are kept');
    assert.equal((spec.layer[0].encoding.x as { axis?: unknown }).axis, undefined, 'the input is not changed');
  });

  it('labels symlog ticks each in its own SI unit, through the expression interpreter', async () => {
    const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<Record<string, unknown>>;
    const vega = (await esmImport('vega')) as unknown as { parse(s: unknown, c?: unknown, o?: unknown): unknown; View: new (r: unknown, o: unknown) => { toSVG(): Promise<string> } };
    const vl = (await esmImport('vega-lite')) as unknown as { compile(s: unknown): { spec: unknown } };
    const { expressionInterpreter } = (await esmImport('vega-interpreter')) as unknown as { expressionInterpreter: unknown };
    const spec = prepareSpec({ data: { values: [{ a: 0 }, { a: 2e9 }] }, mark: 'point', encoding: { y: { field: 'a', type: 'quantitative', scale: { type: 'symlog' } } } });
    const view = new vega.View(vega.parse(vl.compile(spec).spec, undefined, { ast: true }), { renderer: 'none', expr: expressionInterpreter });
    const svg = await view.toSVG();
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).filter((t) => t !== 'a');
    assert.deepEqual(labels, ['0', '1', '10', '100', '1k', '10k', '100k', '1M', '10M', '100M', '1G']);
  });
});

describe('SQL documents (no VS Code needed)', () => {
  it('splits statements at semicolons outside strings, names and comments', async () => {
    const { splitStatements, statementAt } = await import('../../src/shared/sqlStatements');
    const sql = "SELECT ';' AS a;\n-- one; two\nSELECT \"x;y\" FROM t /* ; */ WHERE b = 'it''s;';\n\n  SELECT [a;b] FROM u\n;-- trailing comment only";
    const st = splitStatements(sql);
    assert.deepEqual(st.map((s) => s.text), ["SELECT ';' AS a", "-- one; two\nSELECT \"x;y\" FROM t /* ; */ WHERE b = 'it''s;'", 'SELECT [a;b] FROM u']);
    for (const s of st) assert.equal(sql.slice(s.start, s.end), s.text);
    assert.equal(statementAt(st, sql.indexOf('FROM u'))?.text, 'SELECT [a;b] FROM u');
    assert.equal(statementAt(st, 0)?.text, "SELECT ';' AS a");
    assert.equal(statementAt(st, sql.indexOf('\n\n') + 1)?.text, st[1].text, 'between statements: the one before');
  });
});

describe('investigation notebooks (no VS Code needed)', () => {
  it('round-trip through readable JSON: a line of source per array item, outputs cut to 500 rows', async () => {
    const { parseNotebook, serializeNotebook, SAVED_ROWS } = await import('../../src/shared/notebookFormat');
    const rows = Array.from({ length: 600 }, (_, i) => [i, `ip ${i}`]);
    const cells = [
      { kind: 'markdown' as const, source: '# Title\n\ntext' },
      { kind: 'sql' as const, source: 'SELECT a,\n  b FROM t', output: { columns: ['a', 'b'], rows, total: 600, ms: 3 } },
      { kind: 'chart' as const, source: '{"mark": "bar"}', output: { spec: { mark: 'bar' } } },
      { kind: 'sql' as const, source: 'SELECT nope', output: { error: 'no such column: nope' } },
    ];
    const text = serializeNotebook(cells);
    const doc = JSON.parse(text);
    assert.equal(doc.logInvestigatorNotebook, 1);
    assert.deepEqual(doc.cells[1].source, ['SELECT a,', '  b FROM t']);
    assert.equal(doc.cells[1].output.rows.length, SAVED_ROWS);
    const back = parseNotebook(text);
    assert.deepEqual(back.map((c) => [c.kind, c.source]), cells.map((c) => [c.kind, c.source]));
    assert.deepEqual(back[3].output, { error: 'no such column: nope' });
    assert.equal(serializeNotebook(back), text, 'a second round trip changes nothing');
    assert.deepEqual(parseNotebook(''), []);
    assert.throws(() => parseNotebook('{"cells": [{"kind": "python"}]}'), /Cell 1 has an unknown kind "python"/);
    assert.throws(() => parseNotebook('{'), /not valid JSON/);
  });

  it('writes recorded queries as runnable SQL: parameters inlined as literals, strings left alone', async () => {
    const { inlineParams } = await import('../../src/shared/notebookFormat');
    assert.equal(inlineParams("SELECT * FROM t WHERE a = ? AND b = '?' AND \"c?\" > ? AND d = ?", ["it's", 3, null]), "SELECT * FROM t WHERE a = 'it''s' AND b = '?' AND \"c?\" > 3 AND d = NULL");
    assert.equal(inlineParams('SELECT ?', [new Uint8Array([1, 255])]), "SELECT X'01ff'");
  });
});

describe('the rows behind an aggregated row (no VS Code needed)', () => {
  it('turns a single-table GROUP BY into the query of one group, its WHERE kept', async () => {
    const { rowsBehind } = await import('../../src/shared/rowsBehind');
    assert.deepEqual(rowsBehind('SELECT client_ip, count(*) AS n FROM access WHERE status >= 400 GROUP BY 1 ORDER BY 2 DESC LIMIT 10', ['client_ip', 'n']), {
      sql: 'SELECT * FROM access WHERE (status >= 400) AND (client_ip) IS ?',
      columns: [0],
      table: 'access',
    });
    assert.deepEqual(rowsBehind("SELECT strftime('%H', _time) AS hour, status, count(*) FROM access a GROUP BY hour, status HAVING count(*) > 1", ['hour', 'status', 'count(*)']), {
      sql: "SELECT * FROM access a WHERE (strftime('%H', _time)) IS ? AND (status) IS ?",
      columns: [0, 1],
      table: 'access',
    });
    assert.deepEqual(rowsBehind('select "user name", count(*) from "my table" group by "user name";', ['user name', 'count(*)']), {
      sql: 'SELECT * FROM "my table" WHERE ("user name") IS ?',
      columns: [0],
      table: 'my table',
    });
  });

  it('says nothing where it cannot be exact', async () => {
    const { rowsBehind } = await import('../../src/shared/rowsBehind');
    assert.equal(rowsBehind('SELECT a, count(*) FROM t JOIN u ON t.id = u.id GROUP BY a', ['a', 'count(*)']), undefined);
    assert.equal(rowsBehind('SELECT a, count(*) FROM t, u GROUP BY a', ['a', 'count(*)']), undefined);
    assert.equal(rowsBehind('SELECT a, count(*) FROM (SELECT * FROM t) GROUP BY a', ['a', 'count(*)']), undefined);
    assert.equal(rowsBehind('WITH x AS (SELECT 1) SELECT a, count(*) FROM t GROUP BY a', ['a', 'count(*)']), undefined);
    assert.equal(rowsBehind('SELECT count(*) FROM t GROUP BY a', ['count(*)']), undefined, 'the grouped value is not in the result');
    assert.equal(rowsBehind('SELECT a, b FROM t', ['a', 'b']), undefined, 'no GROUP BY');
    assert.equal(rowsBehind("SELECT a, count(*) FROM t WHERE x = 'GROUP BY' GROUP BY a", ['a', 'count(*)'])?.sql, "SELECT * FROM t WHERE (x = 'GROUP BY') AND (a) IS ?");
  });
});
