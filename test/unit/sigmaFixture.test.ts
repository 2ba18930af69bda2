/**
 * The rows Sigma rules match stay the same however they are run: over
 * test/fixtures/sigma/windows-events.jsonl (events built from the rules'
 * own detections, and generated ones; bench/sigmaFixture.ts wrote them),
 * every rule's count is the one pinned in expected-*.json (written by the
 * runner before the literal prefilter), and equals a plain
 * `SELECT count(*) … WHERE rule` on its own. The prefilter's pieces are
 * checked too: the literal matcher against String.includes, and what a
 * compiled rule says its rows must contain.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { TableInfo } from '../../src/engine/ingest/build';
import type { Engine } from '../../src/engine/engine';
import { compileDetection, type FieldResolver } from '../../src/engine/sigma/compile';
import { LiteralMatcher } from '../../src/engine/sigma/literals';
import { asciiLower, type Need } from '../../src/engine/sigma/need';
import { loadSigmaRules, parseSigmaText, type SigmaRule } from '../../src/engine/sigma/rule';
import { bundledRulesDir, loadMappings, runRulesOnTable } from '../../src/engine/sigma/run';
import { sigmaAnalysis } from '../../src/engine/analyses/rules/sigmaAnalysis';
import { runAnalysis } from '../../src/engine/findings/model';
import { fixture, indexed, SHARED } from '../helpers';

const EVENTS = fixture('sigma/windows-events.jsonl');
// LI_BENCH_SHARED_DATA as for the bench, for a checkout not beside ../shared
const SIGMAHQ = path.join(process.env.LI_BENCH_SHARED_DATA ?? SHARED, 'sigma', 'rules');

let engine: Engine;
let table: TableInfo;

before(async function () {
  this.timeout(60000);
  const r = await indexed([EVENTS]);
  engine = r.engine;
  table = r.tables[0];
});
after(async () => engine?.dispose());

function check(rules: SigmaRule[], expectedFile: string): void {
  const expected = JSON.parse(fs.readFileSync(fixture(`sigma/${expectedFile}`), 'utf8')) as Record<string, number>;
  const q = (sql: string, p?: unknown[]) => engine.query(sql, p as never);
  const tr = runRulesOnTable(rules, table, q, loadMappings());
  const got: Record<string, number> = {};
  const wrong: string[] = [];
  for (const run of tr.runs) {
    if (run.status !== 'matched' && run.status !== 'no match') continue;
    const id = run.rule.id ?? run.rule.title;
    got[id] = run.matched;
    // the rule alone, by a full scan, as its SQL says
    const alone = Number(q(`SELECT count(*) FROM ${JSON.stringify(table.table)} WHERE ${run.where}`, run.params).rows[0][0]);
    if (alone !== run.matched) wrong.push(`${run.rule.title}: ${run.matched}, alone ${alone}`);
    if (run.matched > 0 && run.first === undefined) wrong.push(`${run.rule.title}: no first time`);
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(got, expected);
  const matched = Object.values(got).filter((n) => n > 0).length;
  assert.ok(matched >= 100, `only ${matched} rules matched the fixture`);
}

describe('Sigma: the rows rules match (fixture of events, pinned counts)', () => {
  it('the bundled rules: each count as pinned, and as the rule alone gives it', function () {
    this.timeout(60000);
    check(loadSigmaRules([bundledRulesDir()!]).rules, 'expected-bundled.json');
  });

  (fs.existsSync(SIGMAHQ) ? it : it.skip)('the SigmaHQ rules (../shared/data): each count as pinned, and as the rule alone gives it', function () {
    this.timeout(300000);
    check(loadSigmaRules([SIGMAHQ]).rules, 'expected-sigmahq.json');
  });
});

describe('Sigma findings: evidence as its SQL says', () => {
  it('each finding of the bundled rules: its count and first lines are those of its evidence query over the whole table', function () {
    this.timeout(60000);
    const q = (sql: string, p?: unknown[]) => engine.query(sql, p as never);
    const out = runAnalysis(sigmaAnalysis, table, q, { sigma: bundledRulesDir()!, sigmaMappings: '', maxEntities: '50' });
    assert.ok(out.findings.length >= 100, `${out.findings.length} findings`);
    for (const f of out.findings) {
      if (f.metrics.correlation) continue;
      const rows = q(f.evidence.sql.replace(/^SELECT \*/, 'SELECT _line'), f.evidence.params).rows.map((r) => Number(r[0]));
      assert.equal(f.evidence.total, rows.length, f.reason);
      // its representative rows (findings/triage/evidence.ts: two when loud, one otherwise) are the query's first
      assert.ok(f.evidence.lines.length >= Math.min(1, rows.length), f.reason);
      assert.deepEqual(f.evidence.lines, rows.slice(0, f.evidence.lines.length), f.reason);
    }
  });
});

describe('Sigma problems point at their line in the rule file', () => {
  it('an unknown modifier, a field no column has, a bad condition: the line of that key', () => {
    const text = [
      'title: Bad modifier',
      'logsource: {product: windows, category: process_creation}',
      'detection:',
      '  sel:',
      '    Image|endswith: x.exe',
      '    CommandLine|frobnicate: y',
      '  condition: sel',
      '---',
      'title: Missing field',
      'logsource: {product: windows, category: process_creation}',
      'detection:',
      '  sel:',
      '    Image|endswith: x.exe',
      '    NoSuchField: 1',
      '  condition: sel',
      '---',
      'title: Bad condition',
      'logsource: {product: windows, category: process_creation}',
      'detection:',
      '  sel:',
      '    Image|endswith: x.exe',
      '  condition: sel and (',
    ].join('\n');
    const rules = parseSigmaText(text, 'r.yml').rules;
    const tr = runRulesOnTable(rules, table, (sql, p) => engine.query(sql, p), loadMappings());
    const at = (title: string) => tr.runs.find((r) => r.rule.title === title)!;
    assert.equal(at('Bad modifier').status, 'unsupported');
    assert.equal(at('Bad modifier').line, 6);
    assert.deepEqual(at('Missing field').missing, ['NoSuchField']);
    assert.equal(at('Missing field').line, 14);
    assert.equal(at('Bad condition').line, 22);
  });
});

describe('Sigma prefilter pieces', () => {
  it('the literal matcher finds exactly the literals String.includes finds', () => {
    const lits = ['he', 'she', 'his', 'hers', 'certutil.exe', '\\cmd.exe', 'e', 'é', 'ab', 'abab', 'x\u0000y'];
    const m = new LiteralMatcher(lits);
    const texts = ['ushers', 'c:\\windows\\system32\\certutil.exe -urlcache', 'C:\\cmd.exe', 'ababab', 'éa', '', 'zzz', 'x\u0000y', 'ahishers'];
    for (const t of texts) {
      const want = lits.map((l, i) => (t.includes(l) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual((m.find(t) ?? []).sort((a, b) => a - b), want, t);
    }
  });

  it('the literal matcher agrees with String.includes on random literals and texts (ASCII, accents, emoji)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = ['a', 'b', 'c', '\\', '.', 'é', 'É', '😈', 'x'];
    const word = (n: number) => Array.from({ length: 1 + Math.floor(rnd() * n) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (let round = 0; round < 30; round++) {
      const lits = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => word(5)))];
      const m = new LiteralMatcher(lits);
      for (let k = 0; k < 40; k++) {
        const t = word(30);
        const want = lits.map((l, i) => (t.includes(l) ? i : -1)).filter((i) => i >= 0);
        assert.deepEqual((m.find(t) ?? []).sort((a, b) => a - b), want, `${JSON.stringify(lits)} in ${t}`);
      }
    }
  });

  it('asciiLower folds ASCII letters only, as SQLite does', () => {
    assert.equal(asciiLower('CertUtil.EXE'), 'certutil.exe');
    assert.equal(asciiLower('ÉCOLE'), 'École');
  });

  const RES: FieldResolver = { field: (n) => `"${n}"`, keywords: () => '"message"' };
  const need = (y: string): Need => compileDetection(parse(y) as Record<string, unknown>, RES).need;
  const lits = (n: Need) => n.map((c) => c.map((a) => (a.re === undefined ? `${a.expr}:${a.lit}` : `${a.expr}~/${a.re}/${a.flags}`)).sort());

  it('what a rule needs: selections ANDed, lists ORed, nothing from not or numbers as text', () => {
    assert.deepEqual(lits(need('sel: {Image|endswith: "\\\\CertUtil.exe", CommandLine|contains: [urlcache, verifyctl]}\ncondition: sel')), [['"Image":\\certutil.exe'], ['"CommandLine":urlcache', '"CommandLine":verifyctl']]);
    assert.deepEqual(need('sel: {Image|endswith: x.exe}\nfilter: {User: SYSTEM}\ncondition: not sel and not filter'), []);
    assert.deepEqual(lits(need('a: {Image: "*\\\\x*y.exe"}\nb: {User: bob}\ncondition: a or b')), [['"Image":y.exe', '"User":bob']]);
    // a regular expression is its own test (run on each distinct value)
    assert.deepEqual(lits(need('a: {CommandLine|re: "evil.*"}\ncondition: a')), [['"CommandLine"~/evil.*/'], ['"CommandLine":evil']], 'a regex and the literal every match holds');
    // a text SQLite may read as a number (compared with a numeric column) gives no literal
    assert.deepEqual(need('a: {Size: "5.0"}\ncondition: a'), []);
    assert.deepEqual(lits(need('a: {EventID: 4688}\ncondition: a')), [['"EventID":4688']]);
    assert.deepEqual(lits(need('a: {Image|endswith: [a.exe, b.exe]}\nb: {Image|endswith: c.exe}\ncondition: 2 of them')), [['"Image":a.exe', '"Image":b.exe', '"Image":c.exe']]);
  });

  it('a long list run as one regular expression needs its ASCII (and emoji) runs only, or the expression itself', () => {
    // ˢ (a modifier letter) has no case: the list stays one expression with the i flag
    const vals = [...Array.from({ length: 14 }, (_, i) => `tool${i}ˢ.exe`), '😈x'];
    const n = need(`a: {Image|endswith: [${vals.map((v) => JSON.stringify(v)).join(', ')}]}\ncondition: a`);
    assert.equal(n.length, 2);
    assert.ok(n[0].every((a) => a.lit !== undefined && !a.fold && /^tool\d+$|^\.exe$|^😈x$/.test(a.lit)), JSON.stringify(n));
    assert.equal(n[0].length, 15);
    assert.deepEqual(lits([n[1]])[0][0].slice(-3), '/is');
  });

  it('a long list with letters SQLite does not fold: one expression over the folded text, its folded literals whole', () => {
    const vals = [...Array.from({ length: 14 }, (_, i) => `TOOL${i}É.exe`), '😈x'];
    const n = need(`a: {Image|endswith: [${vals.map((v) => JSON.stringify(v)).join(', ')}]}\ncondition: a`);
    assert.equal(n.length, 2);
    assert.ok(n[0].every((a) => a.lit !== undefined && a.fold && /^tool\d+é\.exe$|^😈x$/.test(a.lit)), JSON.stringify(n));
    assert.equal(n[1].length, 1);
    assert.equal(n[1][0].fold, true);
    assert.equal(n[1][0].re !== undefined && n[1][0].flags, 's');
  });
});
