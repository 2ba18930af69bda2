import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/engine/atomicFile';
import { tmpDir } from '../helpers';

describe('atomic file writes (--out, Save Database As…)', () => {
  it('replaces a file whole and leaves no temporary file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'db.sqlite');
    fs.writeFileSync(f, 'old contents, longer than the new ones');
    fs.chmodSync(f, 0o640);
    writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(f)], [1, 2, 3]);
    assert.equal(fs.statSync(f).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['db.sqlite']);
  });

  it('a write that fails leaves the old file as it was and no temporary file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x');
    fs.mkdirSync(f); // renaming a file over a folder fails after the bytes are written
    assert.throws(() => writeFileAtomic(f, 'new'));
    assert.ok(fs.statSync(f).isDirectory());
    assert.deepEqual(fs.readdirSync(dir), ['x']);
  });

  it('a process killed while writing leaves the old file whole', async function () {
    this.timeout(60_000);
    const dir = tmpDir();
    const f = path.join(dir, 'good.sqlite');
    const old = Buffer.from('SQLite format 3\u0000 the good database');
    fs.writeFileSync(f, old);
    const mod = require.resolve('../../src/engine/atomicFile');
    // the child writes 512 MiB; it is killed as soon as its temporary file has bytes in it
    const script = `require(${JSON.stringify(mod)}).writeFileAtomic(${JSON.stringify(f)}, Buffer.alloc(512 << 20, 7));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let killedMidWrite = false;
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000) {
      const tmp = fs.readdirSync(dir).find((n) => n.endsWith('.tmp'));
      if (tmp && fs.statSync(path.join(dir, tmp)).size > 0) {
        child.kill('SIGKILL');
        killedMidWrite = true;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    await exited;
    assert.ok(killedMidWrite, 'the child was killed while writing');
    assert.deepEqual(fs.readFileSync(f), old);
  });
});
