/**
 * The text of a few source lines, for evidence items in the Findings tree:
 * read lazily when a finding expands, only as far as the last line asked
 * for, in chunks. Each file remembers the byte offset of every 10,000th line
 * it has passed, so a later request starts near its lines instead of at the
 * top; texts are kept in a bounded cache. Gzip files are read through
 * gunzip from the start (no offsets into a compressed stream).
 * No vscode here: unit tests use it in plain Node.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

const STEP = 10_000;
const CHUNK = 1 << 20;
const MAX_CACHED = 5_000;
const MAX_LINE_BYTES = 4096;

interface FileState {
  mtimeMs: number;
  size: number;
  /** checkpoints[k] = byte offset where line k × STEP + 1 starts. */
  checkpoints: number[];
}

const files = new Map<string, FileState>();
const texts = new Map<string, string>();

function remember(file: string, line: number, text: string): void {
  if (texts.size >= MAX_CACHED) texts.delete(texts.keys().next().value!);
  texts.set(`${file}\n${line}`, text);
}

/** The texts of `lines` (1-based) in `file`; lines that are not there are left out. */
export async function readLines(file: string, lines: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const wanted = [...new Set(lines.filter((l) => Number.isInteger(l) && l >= 1))].sort((a, b) => a - b);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return out;
  }
  let state = files.get(file);
  if (!state || state.mtimeMs !== stat.mtimeMs || state.size !== stat.size) {
    state = { mtimeMs: stat.mtimeMs, size: stat.size, checkpoints: [0] };
    files.set(file, state);
    for (const k of [...texts.keys()]) if (k.startsWith(`${file}\n`)) texts.delete(k);
  }
  const missing = wanted.filter((l) => {
    const t = texts.get(`${file}\n${l}`);
    if (t !== undefined) out.set(l, t);
    return t === undefined;
  });
  if (missing.length === 0) return out;
  const found = /\.gz$/i.test(file) ? await scanGzip(file, missing) : await scanPlain(file, missing, state);
  for (const [l, t] of found) {
    out.set(l, t);
    remember(file, l, t);
  }
  return out;
}

const decode = (b: Buffer) => b.subarray(0, MAX_LINE_BYTES).toString('utf8').replace(/\r$/, '');

/** Walks bytes from a known line start, collecting the wanted lines; returns when past the last one. */
class Collector {
  private partial: Buffer[] = [];
  private idx = 0;
  constructor(
    public line: number,
    private readonly wanted: number[],
    readonly found: Map<number, string>,
    private readonly onLineStart?: (line: number, offset: number) => void,
  ) {
    while (this.idx < wanted.length && wanted[this.idx] < line) this.idx++;
  }
  get done(): boolean {
    return this.idx >= this.wanted.length;
  }
  /** Feeds a chunk that starts at byte `base`. */
  feed(chunk: Buffer, base: number): void {
    let from = 0;
    while (!this.done) {
      const nl = chunk.indexOf(10, from);
      const end = nl < 0 ? chunk.length : nl;
      if (this.line === this.wanted[this.idx]) this.partial.push(Buffer.from(chunk.subarray(from, end)));
      if (nl < 0) return;
      if (this.line === this.wanted[this.idx]) {
        this.found.set(this.line, decode(Buffer.concat(this.partial)));
        this.partial = [];
        this.idx++;
      }
      this.line++;
      from = nl + 1;
      this.onLineStart?.(this.line, base + from);
    }
  }
  finish(): void {
    if (!this.done && this.line === this.wanted[this.idx] && this.partial.length) this.found.set(this.line, decode(Buffer.concat(this.partial)));
  }
}

async function scanPlain(file: string, wanted: number[], state: FileState): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  const k = Math.min(state.checkpoints.length - 1, Math.floor((wanted[0] - 1) / STEP));
  let pos = state.checkpoints[k];
  const c = new Collector(k * STEP + 1, wanted, found, (line, offset) => {
    if ((line - 1) % STEP === 0 && state.checkpoints.length === (line - 1) / STEP) state.checkpoints.push(offset);
  });
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    while (!c.done) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      c.feed(buf.subarray(0, bytesRead), pos);
      pos += bytesRead;
    }
    c.finish();
  } finally {
    await fh.close();
  }
  return found;
}

async function scanGzip(file: string, wanted: number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  const c = new Collector(1, wanted, found);
  const stream = fs.createReadStream(file).pipe(zlib.createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      c.feed(chunk, 0);
      if (c.done) break;
    }
    c.finish();
  } catch {
    /* a damaged file: the lines read so far */
  } finally {
    stream.destroy();
  }
  return found;
}
