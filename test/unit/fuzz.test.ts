/**
 * Seeded fuzzing of the indexer: the fixtures, damaged the ways real files
 * get damaged (flipped bytes, cut ends, stray quotes, NUL bytes, CRs, a very
 * long line, a damaged gzip stream), must each index without a crash or a
 * hang, into a table or one clear error; and in a text file that indexes,
 * every line is a row or a reject (or a header, a Zeek # line, a blank line,
 * or a line inside a quoted multi-line record).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { seededRng, randInt, type Rng } from '../../src/engine/cluster/random';
import { Engine } from '../../src/engine/engine';
import { fixture, tmpDir } from '../helpers';

const TEXT = ['access.log', 'log.csv', 'OpenSSH_2k.log', 'Linux_2k.log', 'events.jsonl', 'quoted.csv', 'tabs.tsv', 'pipe.csv', 'semicolon.csv', 'attacks.csv', 'zeek/conn.log', 'zeek/http.log'];
const GZ = ['smb_files.log.gz', 'smb_files.json.gz', 'truncated.csv.gz'];
/** Errors a damaged file may end in: each one clear message, never a crash. */
const CLEAR = new Set(['EMPTY', 'BINARY', 'UNREADABLE']);

type Mutation = (b: Buffer, rng: Rng) => Buffer;
const at = (b: Buffer, rng: Rng) => randInt(rng, Math.max(1, b.length));
const insert = (b: Buffer, pos: number, s: Buffer | string) => Buffer.concat([b.subarray(0, pos), Buffer.from(s), b.subarray(pos)]);

const MUTATIONS: Record<string, Mutation> = {
  flips(b, rng) {
    const c = Buffer.from(b);
    for (let k = 0; k < 1 + randInt(rng, 20); k++) c[at(c, rng)] ^= 1 << randInt(rng, 8);
    return c;
  },
  truncation: (b, rng) => b.subarray(0, at(b, rng)),
  quotes(b, rng) {
    let c = b;
    for (let k = 0; k < 1 + randInt(rng, 5); k++) c = insert(c, at(c, rng), '"');
    return c;
  },
  nuls(b, rng) {
    let c = b;
    for (let k = 0; k < 1 + randInt(rng, 3); k++) c = insert(c, at(c, rng), Buffer.from([0]));
    return c;
  },
  crs(b, rng) {
    let c = b;
    for (let k = 0; k < 1 + randInt(rng, 10); k++) c = insert(c, at(c, rng), '\r');
    return c;
  },
  longLine: (b, rng) => insert(b, at(b, rng), 'x'.repeat(200_000 + randInt(rng, 100_000))),
  lineOfQuotes: (b, rng) => insert(b, b.indexOf(10, at(b, rng)) + 1, '"""\n'),
};

/** Every line of a text file that indexed is a row, a reject, or a line that holds no record. */
function checkLines(text: string, lineStarts: Set<number>, rejected: Set<number>, format: string): string | undefined {
  // line ends as the engine (and VS Code) count them: LF, CRLF or a lone CR
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let sawHeader = false;
  let last = 0; // the last line a record started on
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].replace(/^\uFEFF/, '');
    if (lineStarts.has(n) || rejected.has(n)) {
      last = n;
      continue;
    }
    if (line.trim() === '') continue;
    if (format === 'zeek' && line.startsWith('#')) continue;
    if (!sawHeader && (format === 'csv' || format === 'tsv')) {
      sawHeader = true;
      continue;
    }
    // learned headers and lnav formats join a line without the header to the record above (stack traces)
    if ((format === 'learned' || format === 'lnav') && last > 0) continue;
    // inside a quoted CSV record that started on an earlier line
    if ((format === 'csv' || format === 'tsv') && last > 0 && lines.slice(last - 1, i).join('\n').includes('"')) continue;
    return `line ${n} (${JSON.stringify(line.slice(0, 80))}) is neither a row nor a reject`;
  }
  return undefined;
}

describe('fuzzing the indexer with damaged fixtures (seeded)', function () {
  this.timeout(120_000);
  const dir = tmpDir();
  let engine: Engine;
  before(async () => {
    engine = await Engine.create();
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; bytes: () => Buffer; text: boolean }[] = [];
  let seed = 20261203;
  for (const f of TEXT) {
    for (const [m, mutate] of Object.entries(MUTATIONS)) {
      for (let k = 0; k < 2; k++) {
        const rng = seededRng(seed++);
        cases.push({ name: `${f} ${m} #${k}`, bytes: () => mutate(fs.readFileSync(fixture(f)), rng), text: true });
      }
    }
  }
  for (const f of GZ) {
    for (let k = 0; k < 6; k++) {
      const rng = seededRng(seed++);
      cases.push({
        name: `${f} gzip damage #${k}`,
        text: false,
        bytes: () => {
          const gz = fs.readFileSync(fixture(f));
          return k % 2 === 0 ? MUTATIONS.flips(gz, rng) : gz.subarray(0, 10 + randInt(rng, gz.length - 10));
        },
      });
    }
  }
  // a gzip stream of a damaged text file, so damage and decompression meet
  for (const f of ['access.log', 'log.csv']) {
    const rng = seededRng(seed++);
    cases.push({ name: `${f} quotes, gzipped`, text: false, bytes: () => zlib.gzipSync(MUTATIONS.quotes(fs.readFileSync(fixture(f)), rng)) });
  }

  it('the line check finds a line that is neither a row nor a reject', () => {
    assert.equal(checkLines('a\nb\nc\n', new Set([1, 3]), new Set(), 'apache'), 'line 2 ("b") is neither a row nor a reject');
    assert.equal(checkLines('h\n"x\ny"\nz\n', new Set([2]), new Set([4]), 'csv'), undefined);
    assert.equal(checkLines('h\nx\ny\n', new Set([2]), new Set(), 'csv'), 'line 3 ("y") is neither a row nor a reject');
  });

  it(`${cases.length} damaged files: each a table or one clear error, every line a row or a reject`, async () => {
    const problems: string[] = [];
    let tables = 0;
    let checked = 0;
    for (const [i, c] of cases.entries()) {
      const base = path.basename(c.name.split(' ')[0]);
      const file = path.join(dir, `${i}-${base}`);
      const bytes = c.bytes();
      fs.writeFileSync(file, bytes);
      let outcome;
      try {
        [outcome] = await engine.index([file]);
      } catch (e) {
        problems.push(`${c.name}: threw ${(e as Error).stack}`);
        continue;
      }
      if (outcome.error) {
        if (!CLEAR.has(outcome.error.code)) problems.push(`${c.name}: error ${outcome.error.code}: ${outcome.error.message}`);
        else if (!outcome.error.message) problems.push(`${c.name}: an error without a message`);
        continue;
      }
      tables++;
      for (const t of outcome.tables) {
        const q = (sql: string, p: (string | number)[] = []) => engine.query(sql, p).rows;
        if (q('SELECT count(*) FROM ' + JSON.stringify(t.table))[0][0] !== t.rows) problems.push(`${c.name}: the table does not hold the rows the catalog counts`);
        if (c.text && t.encoding === 'utf-8') {
          const starts = new Set(q(`SELECT _line FROM ${JSON.stringify(t.table)}`).map((r) => Number(r[0])));
          const rej = new Set(q('SELECT line FROM rejects WHERE table_name = ?', [t.table]).map((r) => Number(r[0])));
          const why = checkLines(bytes.toString('utf8'), starts, rej, t.format);
          if (why) problems.push(`${c.name} (${t.format}): ${why}`);
          checked++;
        }
        engine.db.remove(t.table);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > cases.length / 3, `${checked} files had their lines checked`);
    assert.ok(tables > cases.length / 2, `${tables} of ${cases.length} damaged files still gave a table`);
  });
});
