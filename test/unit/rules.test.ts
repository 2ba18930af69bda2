import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES } from '../../src/engine/analyses';
import { rulesAnalysis } from '../../src/engine/analyses/rules/rulesAnalysis';
import type { Engine } from '../../src/engine/engine';
import type { TableInfo } from '../../src/engine/ingest/build';
import { LogInvestigatorError } from '../../src/engine/errors';
import { runAnalyses, runAnalysis } from '../../src/engine/findings/model';
import { parseJsonTree, positionAt } from '../../src/engine/analyses/rules/jsonTree';
import { checkRules, compileRule, conditionProblem, parseRules, readRules } from '../../src/engine/analyses/rules/rules';
import type { Rule } from '../../src/engine/analyses/rules/rules';
import { PLANTED, eventStreamLines } from '../generators/eventStream';
import { fixture, indexed, tmpDir } from '../helpers';

const rule = (condition: string, extra: Partial<Rule> = {}): Rule => ({ name: 'r', condition, severity: 'medium', line: 1, column: 1, conditionLine: 1, conditionColumn: 1, ...extra });

describe('rules: parsing', () => {
  it('reads JSON with comments and trailing commas, with each rule and condition position', () => {
    const file = fixture('events/rules.json');
    const text = fs.readFileSync(file, 'utf8');
    const set = parseRules(text, file);
    assert.deepEqual(set.errors, []);
    // the third rule is disabled
    assert.deepEqual(set.rules.map((r) => r.name), ['exe to many', 'executable attachment']);
    const [a, b] = set.rules;
    assert.equal(a.condition, PLANTED.ruleHit.rule.condition);
    assert.equal(a.severity, 'high');
    assert.equal(a.entity, 'user');
    assert.deepEqual(a.tables, ['events*']);
    assert.equal(a.description, 'an executable sent to more than ten people');
    assert.deepEqual([a.line, a.column, a.conditionLine, a.conditionColumn], [6, 5, 8, 21]);
    assert.equal(b.condition, `attachment_names LIKE '%.exe"%' OR attachment_names LIKE '%.js"%'`);
    assert.equal(b.severity, 'low');
    assert.equal(b.entity, undefined);
  });

  it('gives a JSON syntax error with its line and column, and no rules', () => {
    const text = '{\n  "rules": [\n    { "name": "a", "condition": "1" }\n    { "name": "b", "condition": "2" }\n  ]\n}\n';
    const set = parseRules(text, 'rules.json');
    assert.equal(set.rules.length, 0);
    assert.equal(set.errors.length, 1);
    assert.deepEqual([set.errors[0].line, set.errors[0].column], [4, 5]);
    assert.match(set.errors[0].message, /JSON syntax error: expected ',', found '\{'/);
    const unterminated = parseRules('{"rules": [ /* never closed', 'x.json').errors[0];
    assert.deepEqual([unterminated.line, unterminated.column], [1, 13]);
    assert.match(unterminated.message, /unterminated comment/);
    assert.match(parseRules('{"rules": [{"name": "a\nb"}]}', 'x.json').errors[0].message, /unterminated string \(a line break inside a string ends it\)/);
  });

  it('reports bad rules at the offending value and keeps the good ones', () => {
    const text = [
      '[',
      '  {"name": "ok", "condition": "recipients > 3"},',
      '  {"name": "ok", "condition": "recipients > 4"},',
      '  {"name": "sev", "condition": "1", "severity": "urgent"},',
      '  {"name": "typo", "conditon": "1"},',
      '  {"condition": "1"},',
      '  {"name": "semi", "condition": "recipients > 10; DROP TABLE events"},',
      '  {"name": "esc", "condition": "user = \\"x\\" AND (1"},',
      '  "not a rule"',
      ']',
    ].join('\n');
    const set = parseRules(text, 'rules.json');
    assert.deepEqual(set.rules.map((r) => r.name), ['ok']);
    const at = (re: RegExp) => {
      const e = set.errors.find((x) => re.test(x.message));
      assert.ok(e, `an error matching ${re}: ${JSON.stringify(set.errors)}`);
      return [e.line, e.column];
    };
    assert.deepEqual(at(/second rule is named "ok"/), [3, 12]);
    assert.deepEqual(at(/"severity" must be one of info, low, medium, high, critical/), [4, 49]);
    assert.deepEqual(at(/unknown key "conditon"/), [5, 20]);
    assert.deepEqual(at(/rule "typo" has no "condition"/), [5, 3]);
    assert.deepEqual(at(/the rule has no "name"/), [6, 3]);
    // the position of the ';' inside the condition string
    assert.deepEqual(at(/';' is not allowed/), [7, 49]);
    // positions inside a string count its escapes as written: the error is at the last character, the '(' is missing its ')'
    assert.deepEqual(at(/unbalanced '\('/), [8, 51]);
    assert.deepEqual(at(/a rule is an object/), [9, 3]);
  });

  it('positions agree with an editor (CRLF and CR line ends, BOM)', () => {
    assert.deepEqual(positionAt('a\r\nb\rc\nd', 7), { line: 4, column: 1 });
    const text = '\ufeff[\r\n {"name": 1}]';
    const e = parseRules(text, 'x').errors.find((x) => /"name" must be/.test(x.message))!;
    assert.deepEqual([e.line, e.column], [2, 11]);
    const v = parseJsonTree('{"a": [1, 2.5e1, true, null, "\\u00e9",],}');
    assert.equal(v.type, 'object');
    const arr = v.type === 'object' ? v.props[0].value : v;
    assert.equal(arr.type, 'array');
    if (arr.type === 'array') assert.deepEqual(arr.items.map((x) => ('value' in x ? x.value : undefined)), [1, 25, true, null, 'é']);
  });

  it('an empty rules file is no rules and no error', () => {
    assert.deepEqual(parseRules('', 'x'), { file: 'x', rules: [], errors: [] });
    assert.deepEqual(parseRules('{"rules": []}', 'x').errors, []);
  });
});

describe('rules: conditions cannot modify the database', () => {
  it('refuses anything that is not one expression', () => {
    const refused: [string, RegExp][] = [
      ['1); DROP TABLE x; --', /unbalanced '\)'/],
      ['recipients > 10; DROP TABLE events', /';' is not allowed/],
      ['1) OR (1', /unbalanced '\)'/],
      ['1) UNION SELECT name FROM sqlite_schema WHERE (1', /unbalanced '\)'/],
      ['1 -- and the rest', /comments/],
      ['1 /* hidden */', /comments/],
      ["ATTACH 'x.db' AS x", /ATTACH is not allowed/],
      ['pragma_table_info IS NULL OR PRAGMA', /PRAGMA is not allowed/],
      ['(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c) > 0', /RECURSIVE is not allowed/],
      ['user = ?', /parameters/],
      ['user = :name', /parameters/],
      ["user = 'unterminated", /unterminated string/],
      ['(recipients > 1', /unbalanced '\('/],
      ['delete', /DELETE is not allowed/],
    ];
    for (const [cond, re] of refused) {
      const p = conditionProblem(cond);
      assert.ok(p, `refused: ${cond}`);
      assert.match(p.message, re, cond);
    }
    // what looks dangerous inside a string or a quoted name is only text
    for (const ok of ["event = 'drop table; --'", '"delete" = 1', 'user LIKE \'%(%\'', "attachment_names LIKE '%.exe\"%'", '(SELECT 1) OR 1', "[update] IS NULL", 'x = 1e5']) {
      assert.equal(conditionProblem(ok), undefined, ok);
    }
  });

  describe('against an indexed table', () => {
    let engine: Engine;
    let table: TableInfo;
    let dir: string;
    const schema = () => engine.query('SELECT type, name, sql FROM sqlite_schema ORDER BY name').rows;
    const count = () => Number(engine.query(`SELECT count(*) FROM "${table.table}"`).rows[0][0]);

    before(async () => {
      dir = tmpDir();
      const file = path.join(dir, 'events.jsonl');
      fs.writeFileSync(file, [...eventStreamLines()].join('\n') + '\n');
      ({ engine, tables: [table] } = await indexed([file]));
    });
    after(async () => {
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('finds the planted rule hit and nothing else', () => {
      const out = runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: fixture('events/rules.json') });
      const hits = out.findings.filter((f) => f.metrics.rule === 'exe to many');
      assert.equal(hits.length, 1);
      const f = hits[0];
      assert.deepEqual(f.entity, { kind: 'user', value: PLANTED.ruleHit.user });
      assert.equal(f.severity, 'high');
      assert.equal(f.metrics.events, 1);
      assert.equal(f.evidence.total, 1);
      const line = Number(engine.query(`SELECT _line FROM events WHERE user = ? AND time = ?`, [PLANTED.ruleHit.user, PLANTED.ruleHit.time]).rows[0][0]);
      assert.deepEqual(f.evidence.lines, [line]);
      assert.match(f.reason, /rule "exe to many" \(high\): 1 event from user mallory@example\.com matched recipients > 10 AND attachment_names LIKE '%\.exe%' at 2024-03-29 14:23:05 — an executable sent to more than ten people/);
      // the noisier low rule: one finding per user with an .exe or .js attachment, counts that add up
      const low = out.findings.filter((f) => f.metrics.rule === 'executable attachment');
      const expected = Number(engine.query(`SELECT count(*) FROM events WHERE attachment_names LIKE '%.exe"%' OR attachment_names LIKE '%.js"%'`).rows[0][0]);
      assert.ok(low.length > 3);
      assert.equal(low.reduce((s, f) => s + Number(f.metrics.events), 0), expected);
      assert.ok(low.every((f) => f.severity === 'low'));
      assert.equal(out.tables[0].rows.length, 2);
      assert.equal(out.charts.length, 1);
    });

    it('runs nothing hostile and leaves the database as it was', () => {
      const before = schema();
      const databases = engine.query('PRAGMA database_list').rows;
      const n = count();
      const hostile = [
        '1); DROP TABLE events; --',
        'recipients > 10; DELETE FROM events',
        "1) ; ATTACH ':memory:' AS x; SELECT (1",
        '1) OR (1',
        'user = 1 /* ) ; DROP TABLE events; -- */',
      ];
      const text = JSON.stringify({ rules: [...hostile.map((c, i) => ({ name: `h${i}`, condition: c })), { name: 'subquery', condition: '(SELECT 1) OR 1' }] });
      const set = parseRules(text, 'hostile.json');
      assert.equal(set.errors.length, hostile.length);
      const out = runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: text });
      // the read-only subquery is one expression: it matches every row and is harmless
      const sub = out.findings.filter((f) => f.metrics.rule === 'subquery');
      assert.equal(sub.reduce((s, f) => s + Number(f.metrics.events), 0), n);
      assert.equal(out.tables[1].title, 'Rule errors');
      assert.equal(out.tables[1].rows.length, hostile.length);
      // rule objects that bypass the parser are refused by the compiler too
      for (const c of hostile) assert.ok(compileRule(rule(c), table, (s, p) => engine.query(s, p)), c);
      assert.deepEqual(schema(), before);
      assert.equal(count(), n);
      assert.deepEqual(engine.query('PRAGMA database_list').rows, databases);
    });

    it('names the rule, the table and SQLite\'s message when a condition does not compile', () => {
      const text = '{"rules": [\n  {"name": "typo", "condition": "recipient > 10"},\n  {"name": "bad syntax", "condition": "recipients >> > 1"},\n  {"name": "fine", "condition": "recipients > 10"}\n]}';
      const set = parseRules(text, 'rules.json');
      assert.deepEqual(set.errors, []);
      const errs = checkRules(set, [table], (s, p) => engine.query(s, p));
      assert.equal(errs.length, 2);
      assert.deepEqual([errs[0].line, errs[0].column, errs[0].rule, errs[0].table], [2, 34, 'typo', 'events']);
      assert.match(errs[0].message, /rule "typo" on table events: no such column: recipient/);
      assert.match(errs[1].message, /rule "bad syntax" on table events: .*syntax error/);
      const out = runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: text });
      assert.deepEqual(out.findings.map((f) => f.entity.value), [PLANTED.ruleHit.user]);
      assert.equal(out.tables[1].rows.length, 2);
      const entity = parseRules('[{"name": "x", "condition": "1", "entity": "nope"}]', 'e.json');
      assert.match(checkRules(entity, [table], (s, p) => engine.query(s, p))[0].message, /events has no column nope/);
    });

    it('a rule that fails while running is named with its table; the other rules still give their findings', () => {
      const text = JSON.stringify({ rules: [{ name: 'json on text', condition: "json_extract(user, '$.x') = 1" }, { name: 'fine', condition: 'recipients > 10' }] });
      assert.deepEqual(checkRules(parseRules(text, 'r.json'), [table], (s, p) => engine.query(s, p)), [], 'it compiles: the failure is at run time');
      const out = runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: text });
      assert.deepEqual(out.findings.map((f) => f.entity.value), [PLANTED.ruleHit.user]);
      const errors = out.tables.find((t) => t.title === 'Rule errors');
      assert.equal(errors?.rows.length, 1);
      const [name, line, column, message] = errors!.rows[0];
      assert.equal(name, 'json on text');
      assert.ok(Number(line) >= 1 && Number(column) >= 1);
      assert.match(String(message), /^rule "json on text" on table events failed while running: malformed JSON/);
      assert.deepEqual(out.tables[0].rows.map((r) => [r[0], r[4]]), [['json on text', message], ['fine', 'ok']]);
    });

    it('reads the file again on every run: an edited file gives the new result', () => {
      const file = path.join(dir, 'rules.json');
      fs.writeFileSync(file, JSON.stringify({ rules: [PLANTED.ruleHit.rule] }));
      const run = () => runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: file });
      assert.deepEqual(run().findings.map((f) => f.entity.value), [PLANTED.ruleHit.user]);
      fs.writeFileSync(file, JSON.stringify({ rules: [{ name: 'threat sign-in', condition: `src_ip = '${PLANTED.threatIp.ip}'`, severity: 'critical', entity: 'src_ip' }] }));
      const second = run().findings;
      assert.deepEqual(second.map((f) => [f.entity.kind, f.entity.value, f.severity]), [['ip', PLANTED.threatIp.ip, 'critical']]);
      assert.equal(readRules(file).rules[0].name, 'threat sign-in');
      fs.writeFileSync(file, '{"rules": [ {"name": "x" "condition": "1"} ]}');
      assert.throws(run, (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && /rules\.json:1:26: JSON syntax error: expected ',', found '"'/.test(e.message));
      assert.throws(() => readRules(path.join(dir, 'missing.json')), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'NOT_FOUND');
    });

    it('applies a rule only to the tables its globs name; without an entity column, one finding per rule', () => {
      const text = JSON.stringify([
        { name: 'elsewhere', condition: '1', table: ['zeek_*', 'conn.log'] },
        { name: 'by file name', condition: `user = '${PLANTED.ruleHit.user}' AND recipients > 10`, table: 'events.jsonl' },
      ]);
      const out = runAnalysis(rulesAnalysis, table, (s, p) => engine.query(s, p), { rules: text });
      assert.deepEqual(out.findings.map((f) => f.metrics.rule), ['by file name']);
      assert.deepEqual(out.tables[0].rows.map((r) => r[0]), ['by file name']);
    });

    it('gives one finding per rule on a table without a user or IP column', async () => {
      const { engine: e2, tables: [pipe] } = await indexed([fixture('pipe.csv')]);
      const out = runAnalysis(rulesAnalysis, pipe, (s, p) => e2.query(s, p), { rules: JSON.stringify([{ name: 'warnings', condition: "level = 'WARN'", severity: 'low' }]) });
      assert.equal(out.findings.length, 1);
      assert.deepEqual(out.findings[0].entity, { kind: 'row', value: 'warnings' });
      assert.equal(out.findings[0].evidence.total, out.findings[0].metrics.events);
      assert.ok(Number(out.findings[0].metrics.events) >= 1);
      await e2.dispose();
    });

    it('is registered: the runner needs the rules parameter', () => {
      assert.ok(ANALYSES.includes(rulesAnalysis));
      const q = (s: string, p?: import('../../src/engine/store/database').SqlValue[]) => engine.query(s, p);
      const skipped = runAnalyses([rulesAnalysis], [table], q);
      assert.equal(skipped.outputs.length, 0);
      assert.match(skipped.skipped[0], /parameter rules/);
      const ran = runAnalyses([rulesAnalysis], [table], q, { rules: fixture('events/rules.json') });
      assert.equal(ran.outputs[0].findings.filter((f) => f.severity === 'high').length, 1);
    });
  });
});
