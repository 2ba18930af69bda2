import * as fs from 'node:fs';
import * as path from 'node:path';

const CHUNK = 1 << 20;

/**
 * Writes a file so that it is either the old file or the whole new one, never
 * a cut-off mix: the bytes go to a temporary file beside the target (same
 * folder, so the same file system), are flushed to disk, and the temporary
 * file is then renamed over the target, which POSIX and NTFS do in one step.
 * If anything fails (or the process is killed) before the rename, the target
 * is untouched; a failed write removes its temporary file.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', fileMode(file));
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, Math.min(CHUNK, bytes.length - off));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Keeps the permissions of a file that is replaced; new files get the usual 0666 & ~umask. */
function fileMode(file: string): number {
  try {
    return fs.statSync(file).mode & 0o777;
  } catch {
    return 0o666;
  }
}
