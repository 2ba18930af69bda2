// (huge) a database past 1 GiB (issue 12, item 1 and "keep it fixed"): SQLite's lock-byte page sits at byte
// offset 2^30, and an image writer that does not skip it gives a corrupt database. The Apache sample is
// repeated 450 times (4.5 M lines, ~1.07 GB; without ../shared/data, test/fixtures/access.log repeated to the
// same size), then:
//   1. `query FILE --sql 'SELECT count(*), sum(bytes) …'`: the in-memory database answers a full scan;
//   2. `index FILE --out huge.sqlite`: the saved file passes sqlite3's `PRAGMA integrity_check` (when sqlite3
//      is installed) and gives the same count and sum there.
// Expected count and sum come from the source file itself (status and size fields read here, not by the engine).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const TARGET_BYTES = 1.07e9;

function expected(src) {
  let rows = 0;
  let bytes = 0n;
  for (const line of src.toString('utf8').split('\n')) {
    if (!line) continue;
    rows++;
    const m = /" \d{3} (\d+|-)/.exec(line);
    if (m && m[1] !== '-') bytes += BigInt(m[1]);
  }
  return { rows, bytes };
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30 * 60 * 1000 });
  return { ...r, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const peak = (stderr) => {
  for (const l of (stderr ?? '').trim().split('\n').reverse()) {
    try {
      const j = JSON.parse(l);
      if (j && typeof j === 'object' && 'maxRssBytes' in j) return j.maxRssBytes;
    } catch {
      /* not the stats line */
    }
  }
  return NaN;
};

export default async function ({ cli, benchDir, sharedData, root }) {
  const shared = path.join(sharedData, 'apache', 'apache_access_10k.log');
  const srcPath = fs.existsSync(shared) ? shared : path.join(root, 'test', 'fixtures', 'access.log');
  const src = fs.readFileSync(srcPath);
  const times = Math.ceil(TARGET_BYTES / src.length);
  const file = path.join(benchDir, 'huge.log');
  if (!fs.existsSync(file) || fs.statSync(file).size !== src.length * times) {
    process.stdout.write(`  building ${path.relative(root, file)} (${times} x ${path.basename(srcPath)}) ... `);
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < times; i++) fs.writeSync(fd, src);
    fs.closeSync(fd);
    console.log('done');
  }
  const one = expected(src);
  const want = { rows: one.rows * times, bytes: String(one.bytes * BigInt(times)) };
  const size = fs.statSync(file).size;
  console.log(`  input: ${fmt(size / 1e6)} MB, ${fmt(want.rows)} lines; expected sum(bytes) ${want.bytes}`);
  const sql = 'SELECT count(*) AS n, sum(bytes) AS b FROM huge';
  const result = { sizeBytes: size, rows: want.rows };

  // 1. the in-memory database
  const q = timed(process.execPath, [cli, 'query', file, '--sql', sql, '--json', '--stats']);
  let got = null;
  try {
    const j = JSON.parse(q.stdout);
    const row = Array.isArray(j) ? j[0] : j.rows?.[0];
    got = Array.isArray(row) ? { n: row[0], b: row[1] } : row;
  } catch {
    /* reported below */
  }
  const qOk = q.status === 0 && got && Number(got.n) === want.rows && String(got.b) === want.bytes;
  console.log(`  query in memory: ${q.status === 0 ? `count ${got?.n}, sum ${got?.b}` : `FAILED (exit ${q.status}): ${(q.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`}; ${(q.ms / 1000).toFixed(1)} s, peak ${fmt(peak(q.stderr) / 1e6)} MB  ${qOk ? 'MET' : 'NOT MET'}`);
  Object.assign(result, { queryMs: q.ms, queryOk: !!qOk, queryPeakBytes: peak(q.stderr) });

  // 2. the saved database
  const db = path.join(benchDir, 'huge.sqlite');
  fs.rmSync(db, { force: true });
  const ix = timed(process.execPath, [cli, 'index', file, '--out', db, '--stats']);
  const dbBytes = fs.existsSync(db) ? fs.statSync(db).size : 0;
  console.log(`  index --out: ${ix.status === 0 ? `${fmt(dbBytes / 1e6)} MB written (${dbBytes > 2 ** 30 ? 'past' : 'NOT past'} 1 GiB)` : `FAILED (exit ${ix.status}): ${(ix.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`}; ${(ix.ms / 1000).toFixed(1)} s`);
  Object.assign(result, { indexMs: ix.ms, dbBytes });
  const sqlite3 = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' }).stdout.trim();
  if (ix.status === 0 && sqlite3) {
    const chk = timed(sqlite3, [db, 'PRAGMA integrity_check;', `SELECT count(*) || ' ' || sum(bytes) FROM huge;`]);
    const [integrity, counts] = (chk.stdout ?? '').trim().split('\n');
    const ok = chk.status === 0 && integrity === 'ok' && counts === `${want.rows} ${want.bytes}`;
    console.log(`  sqlite3 on the file: integrity_check ${integrity ?? chk.stderr.trim()}; count and sum ${counts ?? 'n/a'}; ${(chk.ms / 1000).toFixed(1)} s  ${ok ? 'MET' : 'NOT MET'}`);
    Object.assign(result, { integrity, fileOk: ok });
  } else if (!sqlite3) console.log('  sqlite3 not installed: the saved file was not checked');
  fs.rmSync(db, { force: true });
  return result;
}
