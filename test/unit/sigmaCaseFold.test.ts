/**
 * Sigma's case-insensitive matching beyond ASCII (issue #16): SQLite folds
 * A–Z only, so values with other letters that have a case compile to
 * sigma_fold(field) = ? / GLOB ? with the value folded alike (fold.ts).
 * Each detection runs as the SQL it compiles to over rows written here, and
 * the prefilter (need.ts literals found by prefilter.ts) must keep every row
 * the SQL matches and no row when no text holds the value.
 */
import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { LogDatabase } from '../../src/engine/store/database';
import { quoteIdent } from '../../src/engine/store/names';
import { compileDetection, type FieldResolver } from '../../src/engine/sigma/compile';
import { needsFold, sigmaFold } from '../../src/engine/sigma/fold';
import { candidatesOf } from '../../src/engine/sigma/prefilter';

const COLS = ['id', 'A', 'B', 'message'];
const ROWS: (string | number | null)[][] = [
  [1, 'ÉVÉNEMENT', 'événement', 'Alerte : ÉVÉNEMENT SÉCURITÉ'],
  [2, 'événement', 'EVENEMENT', 'événement sécurité'],
  [3, 'evenement', 'evenement', 'evenement securite'],
  [4, 'Администраторы', 'АДМИНИСТРАТОРЫ', 'net localgroup АДМИНИСТРАТОРЫ /add'],
  [5, 'ΟΔΟΣ', 'οδος', 'Οδός'],
  [6, 'STRAẞE', 'straße', 'STRASSE'],
  [7, 'İstanbul', 'ISTANBUL', 'ısparta'],
  // NFD: e + U+0301 (combining acute)
  [8, 'e\u0301ve\u0301nement', null, null],
  [9, 'NT-AUTORITÄT\\SYSTEM', 'nt-autorität\\system', 'Système'],
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

const compile = (yamlText: string) => compileDetection(parse(yamlText) as Record<string, unknown>, RESOLVER);

/** The rows the SQL matches; the prefilter's candidates are checked to hold them all. */
function ids(yamlText: string): number[] {
  return run(yamlText).ids;
}

function run(yamlText: string): { ids: number[]; candidates: number[] | 'scan' } {
  const c = compile(yamlText);
  const got = db.query(`SELECT id FROM ev WHERE ${c.where} ORDER BY id`, c.params).rows.map((r) => Number(r[0]));
  const [cand] = candidatesOf([c.need], 'ev', 'rowid', (sql, p) => db.query(sql, p), 1000)!;
  if (cand !== 'scan') {
    const rowids = new Set(db.query('SELECT id FROM ev WHERE rowid IN (SELECT value FROM json_each(?))', [JSON.stringify(cand)]).rows.map((r) => Number(r[0])));
    for (const id of got) assert.ok(rowids.has(id), `the prefilter dropped row ${id} the rule matches (${yamlText})`);
  }
  return { ids: got, candidates: cand };
}

describe('sigmaFold: Unicode simple case folding', () => {
  it('folds accented, Cyrillic and Greek letters; final sigma as sigma; ẞ as ß; İ as i; ı and ß stay', () => {
    assert.equal(sigmaFold('ÉVÉNEMENT'), 'événement');
    assert.equal(sigmaFold('АДМИНИСТРАТОРЫ'), 'администраторы');
    assert.equal(sigmaFold('ΟΔΟΣ'), 'οδοσ');
    assert.equal(sigmaFold('οδος'), 'οδοσ');
    assert.equal(sigmaFold('STRAẞE'), 'straße');
    assert.equal(sigmaFold('straße'), 'straße');
    assert.equal(sigmaFold('İSTANBUL'), 'istanbul');
    assert.equal(sigmaFold('ısparta'), 'ısparta');
    assert.equal(sigmaFold('ſ\u212a'), 'sk', 'long s and the Kelvin sign fold to s and k');
    assert.equal(sigmaFold('e\u0301'), 'é', 'NFC first');
    assert.equal(sigmaFold('CertUtil.EXE'), 'certutil.exe');
  });
  it('needsFold: only values with a non-ASCII letter that has a case (or that NFC changes)', () => {
    assert.equal(needsFold('certutil.exe'), false);
    assert.equal(needsFold(' ˢave '), false, 'modifier letters have no case');
    assert.equal(needsFold('–'), false);
    assert.equal(needsFold('🤷🏼‍♂️'), false);
    assert.equal(needsFold('\\Système'), true);
    assert.equal(needsFold('ß'), true);
    assert.equal(needsFold('e\u0301'), true);
  });
});

describe('Sigma case-insensitive matching beyond ASCII', () => {
  it('equality: upper and lower case (and NFD) of a non-ASCII value match; the unaccented word does not', () => {
    assert.deepEqual(ids("sel: {A: 'événement'}\ncondition: sel"), [1, 2, 8]);
    assert.deepEqual(ids("sel: {A: 'ÉVÉNEMENT'}\ncondition: sel"), [1, 2, 8]);
    assert.deepEqual(ids("sel: {A: 'администраторы'}\ncondition: sel"), [4]);
    assert.deepEqual(ids("sel: {A: 'οδος'}\ncondition: sel"), [5], 'final sigma and capital sigma');
    assert.deepEqual(ids("sel: {A: 'éveNEMENTS'}\ncondition: sel"), []);
  });
  it('the compiled SQL folds: sigma_fold(field) with the value folded as a parameter; ASCII values keep NOCASE / LIKE', () => {
    const c = compile("sel: {A: 'ÉVÉNEMENT'}\ncondition: sel");
    assert.equal(c.where, 'sigma_fold("A") = ?');
    assert.deepEqual(c.params, ['événement']);
    const g = compile("sel: {A|contains: 'Ä'}\ncondition: sel");
    assert.equal(g.where, 'sigma_fold("A") GLOB ?');
    assert.deepEqual(g.params, ['*ä*']);
    assert.equal(compile("sel: {A: 'EVENEMENT'}\ncondition: sel").where, '"A" = ? COLLATE NOCASE');
    assert.equal(compile("sel: {A|contains: 'even'}\ncondition: sel").where, `"A" LIKE ? ESCAPE '\\'`);
  });
  it('contains, startswith, endswith', () => {
    assert.deepEqual(ids("sel: {A|contains: 'МИНИСТ'}\ncondition: sel"), [4]);
    assert.deepEqual(ids("sel: {A|contains: 'минист'}\ncondition: sel"), [4]);
    assert.deepEqual(ids("sel: {A|contains: 'ÄT\\\\sys'}\ncondition: sel"), [9]);
    assert.deepEqual(ids("sel: {A|startswith: 'évé'}\ncondition: sel"), [1, 2, 8]);
    assert.deepEqual(ids("sel: {A|startswith: 'ÉVÉNEMENTS'}\ncondition: sel"), []);
    assert.deepEqual(ids("sel: {A|endswith: 'ΔΟς'}\ncondition: sel"), [5]);
    assert.deepEqual(ids("sel: {A|endswith: 'δοσα'}\ncondition: sel"), []);
  });
  it('wildcards * and ? around non-ASCII letters', () => {
    assert.deepEqual(ids("sel: {A: 'é?é*ENT'}\ncondition: sel"), [1, 2, 8]);
    assert.deepEqual(ids("sel: {A: 'а*ы'}\ncondition: sel"), [4]);
    assert.deepEqual(ids("sel: {A: 'é*x'}\ncondition: sel"), []);
  });
  it('ß and ẞ match each other, not ss; İ matches i and I; dotless ı only itself', () => {
    assert.deepEqual(ids("sel: {A: 'straße'}\ncondition: sel"), [6]);
    assert.deepEqual(ids("sel: {A: 'STRAẞE'}\ncondition: sel"), [6]);
    assert.deepEqual(ids("keywords: ['straße']\ncondition: keywords"), [], 'simple folding: ß is not ss');
    assert.deepEqual(ids("sel: {B: 'İSTANBUL'}\ncondition: sel"), [7]);
    assert.deepEqual(ids("keywords: ['ıSPARTA']\ncondition: keywords"), [7]);
    assert.deepEqual(ids("keywords: ['İsparta']\ncondition: keywords"), []);
  });
  it('keywords (full text over the message)', () => {
    assert.deepEqual(ids("keywords: ['ÉVÉNEMENT SÉCURITÉ']\ncondition: keywords"), [1, 2]);
    assert.deepEqual(ids("keywords: ['localgroup администраторы']\ncondition: keywords"), [4]);
    assert.deepEqual(ids("keywords: ['ΟΔΌΣ']\ncondition: keywords"), [5]);
    assert.deepEqual(ids("keywords: ['SYSTÈME']\ncondition: keywords"), [9]);
    assert.deepEqual(run("keywords: ['sécurité absente']\ncondition: keywords"), { ids: [], candidates: [] }, 'no folded text holds it: no candidate row');
    assert.deepEqual(run("keywords: ['SÉCURITÉ']\ncondition: keywords"), { ids: [1, 2], candidates: [1, 2] }, 'the prefilter finds the folded literal in both cases');
  });
  it('|cased stays case-sensitive', () => {
    assert.deepEqual(ids("sel: {A|cased: 'événement'}\ncondition: sel"), [2]);
    assert.deepEqual(ids("sel: {A|contains|cased: 'ÉVÉ'}\ncondition: sel"), [1]);
    assert.deepEqual(ids("sel: {A|contains|cased: 'МИНИСТ'}\ncondition: sel"), []);
    assert.deepEqual(ids("sel: {A|fieldref|cased: B}\ncondition: sel"), [3]);
  });
  it('|fieldref folds both fields', () => {
    assert.deepEqual(ids("sel: {A|fieldref: B}\ncondition: sel"), [1, 3, 4, 5, 6, 7, 9]);
    assert.deepEqual(ids("sel: {B|fieldref|contains: A}\ncondition: sel"), [1, 3, 4, 5, 6, 7, 9]);
    assert.deepEqual(ids("sel: {B|fieldref|startswith: A}\ncondition: sel"), [1, 3, 4, 5, 6, 7, 9]);
    assert.deepEqual(ids("sel: {message|fieldref|contains: B}\ncondition: sel"), [1, 3, 4]);
    assert.deepEqual(ids("sel: {A|fieldref: message}\ncondition: sel"), []);
  });
  it('a long list (one regular expression) with a non-ASCII value matches folded; without it, the same as before', () => {
    const others = Array.from({ length: 12 }, (_, i) => `'absent${i}'`).join(', ');
    assert.deepEqual(ids(`sel: {A|contains: [${others}, 'МИНИСТ']}\ncondition: sel`), [4]);
    assert.deepEqual(ids(`sel: {A|contains: [${others}, 'ВЕНЕ']}\ncondition: sel`), []);
    assert.deepEqual(ids(`sel: {A|contains: [${others}, 'evenem']}\ncondition: sel`), [3]);
    assert.deepEqual(ids(`sel: {A|endswith: [${others}, 'ΔΟς', 'NEMENT']}\ncondition: sel`), [1, 2, 3, 5, 8]);
    assert.match(compile(`sel: {A|contains: [${others}, 'МИНИСТ']}\ncondition: sel`).where, /^regexp\(\?, sigma_fold\("A"\), \?\)$/);
  });
  it('a non-ASCII value on a number column matches nothing (and the prefilter agrees)', () => {
    assert.deepEqual(ids("sel: {id|contains: 'é1'}\ncondition: sel"), []);
  });
});
