/**
 * The Sigma modifiers and condition forms sigma.test.ts leaves without a
 * positive or a negative case: |re|m and |re|s, |base64offset at each of its
 * three offsets against plain |base64, |windash over the Unicode dashes and
 * a command line without a dash, escaped `*` and `\\`, |cidr against
 * look-alike text, |gt on numbers stored as text, |startswith|fieldref,
 * keyword lists that match nothing, `all of` that matches. Each runs as the
 * SQL it compiles to over events written here, with the exact rows it must match.
 */
import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { LogDatabase } from '../../src/engine/store/database';
import { quoteIdent } from '../../src/engine/store/names';
import { compileDetection, type FieldResolver } from '../../src/engine/sigma/compile';

const COLS = ['id', 'Image', 'CommandLine', 'Path', 'Ip', 'n', 'message'];
const ROWS: (string | number | null)[][] = [
  [1, 'powershell.exe', 'powershell.exe -nop -w hidden', 'C:\\a*b\\f.txt', '10.1.2.3', '100', 'line one\nsecond line'],
  [2, 'powershell.exe', 'powershell.exe \u2013nop', 'C:\\aXYb\\f.txt', '100.1.2.3', '9', 'LINE ONE second line'],
  [3, 'pwsh.exe', 'powershell.exe /nop', '\\\\srv\\share\\x', '2001:db8::1', '50', 'nothing special'],
  [4, 'cmd.exe', 'powershell.exe nop', '\\local\\x', '2001:db9::1', 'abc', 'the end'],
  [5, 'bash', 'echo L2Jpbi9iYXNo | base64 -d', null, 'not an ip', null, null],
  [6, 'bash', 'echo eC9iaW4vYmFzaA== | base64 -d', null, null, null, null],
  [7, 'bash', 'echo eHkvYmluL2Jhc2g= | base64 -d', null, null, null, null],
  [8, 'bash', 'echo L2Jpbi9zaA== | base64 -d', null, null, null, null],
];

let db: LogDatabase;
before(async () => {
  db = await LogDatabase.create();
  db.query(`CREATE TABLE ev (${COLS.map((c) => `${quoteIdent(c)} ${c === 'id' ? 'INTEGER' : 'TEXT'}`).join(', ')})`);
  for (const r of ROWS) db.query(`INSERT INTO ev VALUES (${r.map(() => '?').join(', ')})`, r);
});
after(() => db.close());

const RESOLVER: FieldResolver = {
  field: (n) => (COLS.includes(n) ? quoteIdent(n) : undefined),
  keywords: () => quoteIdent('message'),
};

function ids(yamlText: string): number[] {
  const c = compileDetection(parse(yamlText) as Record<string, unknown>, RESOLVER);
  return db.query(`SELECT id FROM ev WHERE ${c.where} ORDER BY id`, c.params).rows.map((r) => Number(r[0]));
}

describe('Sigma modifiers: positive and negative cases', () => {
  it('|re|m: ^ at each line; without m only at the start', () => {
    assert.deepEqual(ids("sel: {message|re|m: '^second'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {message|re: '^second'}\ncondition: sel"), []);
  });
  it('|re|s: . across the line break; without s it stops there', () => {
    assert.deepEqual(ids("sel: {message|re|s: 'one.second'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {message|re: 'one.second'}\ncondition: sel"), [], 'row 1 has a line break, row 2 other case');
    assert.deepEqual(ids("sel: {message|re|i: 'one.second'}\ncondition: sel"), [2], 'i alone: row 2 (a space), not row 1 (a line break)');
    assert.deepEqual(ids("sel: {message|re|i|s: 'one.second'}\ncondition: sel"), [1, 2]);
  });
  it('|base64offset|contains finds the value at each of the three offsets; |base64|contains only at offset 0', () => {
    assert.deepEqual(ids("sel: {CommandLine|base64offset|contains: '/bin/bash'}\ncondition: sel"), [5, 6, 7]);
    assert.deepEqual(ids("sel: {CommandLine|base64|contains: '/bin/bash'}\ncondition: sel"), [5]);
    assert.deepEqual(ids("sel: {CommandLine|base64offset|contains: '/bin/zsh'}\ncondition: sel"), []);
  });
  it('|windash: -, / and the en dash match; a command line without the dash does not', () => {
    assert.deepEqual(ids("sel: {CommandLine|windash|contains: ' -nop'}\ncondition: sel"), [1, 2, 3]);
    assert.deepEqual(ids("sel: {CommandLine|contains: ' -nop'}\ncondition: sel"), [1], 'without windash only the hyphen');
    assert.deepEqual(ids("sel: {CommandLine|windash|contains: ' -enc'}\ncondition: sel"), []);
  });
  it('escapes: \\* is a literal star, \\\\ a literal backslash', () => {
    assert.deepEqual(ids("sel: {Path: 'C:\\a\\*b\\f.txt'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {Path: 'C:\\a*b\\f.txt'}\ncondition: sel"), [1, 2], 'unescaped, the star is a wildcard');
    assert.deepEqual(ids("sel: {Path: '\\\\\\\\*'}\ncondition: sel"), [3], 'two escaped backslashes then a wildcard: a UNC path');
    assert.deepEqual(ids("sel: {Path|startswith: '\\\\'}\ncondition: sel"), [3, 4]);
  });
  it('|cidr: addresses in the range, not text that merely starts alike, nor other IPv6 prefixes or non-addresses', () => {
    assert.deepEqual(ids("sel: {Ip|cidr: '10.0.0.0/8'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {Ip|cidr: '2001:db8::/32'}\ncondition: sel"), [3]);
    assert.deepEqual(ids("sel: {Ip|cidr: '192.168.0.0/16'}\ncondition: sel"), []);
  });
  it('|gt |lte compare numbers stored as text as numbers (100 > 50 > 9), text that is no number never', () => {
    assert.deepEqual(ids('sel: {n|gt: 50}\ncondition: sel'), [1]);
    assert.deepEqual(ids('sel: {n|lte: 50}\ncondition: sel'), [2, 3]);
    assert.deepEqual(ids('sel: {n|gt: 1000}\ncondition: sel'), []);
  });
  it('|startswith|fieldref: the command line starts with the image', () => {
    assert.deepEqual(ids('sel: {CommandLine|startswith|fieldref: Image}\ncondition: sel'), [1, 2]);
    assert.deepEqual(ids('sel: {CommandLine|fieldref: Image}\ncondition: sel'), []);
    assert.deepEqual(ids('sel: {CommandLine|fieldref: NoSuchField}\ncondition: sel'), []);
  });
  it('case-insensitive: plain values, wildcards and keywords; |cased keeps case', () => {
    assert.deepEqual(ids("sel: {Image: 'POWERSHELL.EXE'}\ncondition: sel"), [1, 2]);
    assert.deepEqual(ids("sel: {Image: 'P?SH.*'}\ncondition: sel"), [3]);
    assert.deepEqual(ids("keywords: ['line one']\ncondition: keywords"), [1, 2]);
    assert.deepEqual(ids("sel: {message|contains|cased: 'line one'}\ncondition: sel"), [1]);
  });
  it('keyword lists: none of the words anywhere matches nothing; a word present matches its rows only', () => {
    assert.deepEqual(ids("keywords: ['no such words', 'absent too']\ncondition: keywords"), []);
    assert.deepEqual(ids("keywords: ['absent', 'THE END']\ncondition: keywords"), [4]);
  });
});

describe('Sigma conditions: positive and negative cases', () => {
  const det = `
sel_ps: {CommandLine|contains: powershell}
sel_nop: {CommandLine|contains: nop}
sel_none: {Image: notepad.exe}
filter_pwsh: {Image: pwsh.exe}
`;
  it('all of a pattern and all of them match rows where every item holds', () => {
    assert.deepEqual(ids('sel_ps: {CommandLine|contains: powershell}\nsel_nop: {CommandLine|contains: nop}\ncondition: all of sel_*'), [1, 2, 3, 4]);
    assert.deepEqual(ids('sel_ps: {CommandLine|contains: powershell}\nsel_w: {CommandLine|contains: hidden}\ncondition: all of sel_*'), [1]);
    assert.deepEqual(ids("a: {CommandLine|contains: nop}\nb: {Ip|cidr: '2001:db8::/32'}\ncondition: all of them"), [3]);
    assert.deepEqual(ids(det + 'condition: all of sel_*'), [], 'sel_none holds nowhere');
  });
  it('1 of a pattern: none of the items holds → no row', () => {
    assert.deepEqual(ids(det + 'condition: 1 of sel_none*'), []);
    assert.deepEqual(ids(det + 'condition: 1 of sel_* and not 1 of filter_*'), [1, 2, 4]);
  });
  it('parentheses change the grouping: a and (b or c) differs from (a and b) or c', () => {
    assert.deepEqual(ids(det + 'condition: sel_none and (sel_ps or filter_pwsh)'), []);
    assert.deepEqual(ids(det + 'condition: (sel_none and sel_ps) or filter_pwsh'), [3]);
  });
});
