import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { LogInvestigatorError } from '../errors';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface Sniff {
  /** Decompressed leading bytes (up to SNIFF_BYTES). */
  head: Uint8Array;
  gzip: boolean;
  sqlite: boolean;
  encoding: Encoding;
  bomBytes: number;
  fileBytes: number;
  /** Size of the text: the file, or for gzip the size its trailer records. */
  textBytes: number;
}

const SNIFF_BYTES = 256 * 1024;
const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Reads the start of a file (decompressing gzip) to decide how to read the rest. */
export async function sniff(path: string): Promise<Sniff> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(path);
  } catch {
    throw new LogInvestigatorError('NOT_FOUND', `${path}: no such file.`);
  }
  if (st.isDirectory()) throw new LogInvestigatorError('UNREADABLE', `${path} is a folder, not a log file.`);
  if (st.size === 0) throw new LogInvestigatorError('EMPTY', `${path} is empty: there is nothing to index.`);
  const fh = await fs.promises.open(path, 'r');
  let raw: Buffer;
  let isize = 0;
  try {
    const b = Buffer.alloc(Math.min(st.size, SNIFF_BYTES));
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    raw = b.subarray(0, bytesRead);
    if (st.size >= 18) {
      // gzip's last 4 bytes: the uncompressed size modulo 2^32
      const t = Buffer.alloc(4);
      await fh.read(t, 0, 4, st.size - 4);
      isize = t.readUInt32LE(0);
    }
  } finally {
    await fh.close();
  }
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let head: Uint8Array = raw;
  if (gzip) head = await gunzipHead(path, SNIFF_BYTES);
  if (head.length === 0) throw new LogInvestigatorError('EMPTY', `${path} is empty after decompression: there is nothing to index.`);
  const sqlite = !gzip && head.length >= 16 && Buffer.from(head.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
  let encoding: Encoding = 'utf-8';
  let bomBytes = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) bomBytes = 3;
  else if (head[0] === 0xff && head[1] === 0xfe) {
    encoding = 'utf-16le';
    bomBytes = 2;
  } else if (head[0] === 0xfe && head[1] === 0xff) {
    encoding = 'utf-16be';
    bomBytes = 2;
  }
  if (!sqlite && encoding === 'utf-8' && !gzip && bomBytes === 0) {
    // UTF-16 without a byte-order mark: ASCII text has a NUL in every other byte
    const guess = utf16WithoutBom(head);
    if (guess) encoding = guess;
  }
  if (encoding !== 'utf-8') {
    const at = misalignedAt(head, bomBytes, encoding === 'utf-16le', 0);
    if (at >= 0) throw misaligned(path, encoding, at);
  }
  if (!sqlite && encoding === 'utf-8') {
    if (looksBinary(head)) {
      throw new LogInvestigatorError(
        'BINARY',
        `${path} looks like a binary file (it contains NUL or control bytes), not a text log. ` +
          'Supported: CSV/TSV, whitespace-separated, JSON Lines, Zeek, Apache/Nginx, syslog, SQLite, and these gzip-compressed.',
      );
    }
    if (!isUtf8(head)) encoding = 'windows-1252';
  }
  const textBytes = gzip ? (isize >= st.size ? isize : st.size * 6) : st.size;
  return { head, gzip, sqlite, encoding, bomBytes, fileBytes: st.size, textBytes };
}

/** Pairs of bytes compared at a time when checking UTF-16's alignment. */
const ALIGN_WINDOW = 4096;

/**
 * Where UTF-16 text is read one byte off (a byte missing or extra before that
 * point), or -1. Mostly-ASCII UTF-16 has its NULs in the high byte of each
 * unit (odd offsets for little-endian); read off by one they sit at the other
 * parity and every character decodes as garbage (U+6100, 'a' shifted). Each
 * window of 4 KiB is judged on its own: one with many NULs, nearly all at the
 * wrong parity, is misaligned; so is, at the end of buf, a stretch after the
 * last NUL at the right parity whose NULs are at the wrong one (a slip too
 * near the end for a whole window to follow it). `base` is the offset of buf
 * in the text.
 */
export function misalignedAt(buf: Uint8Array, from: number, le: boolean, base: number): number {
  const high = le ? 1 : 0; // parity of the high bytes, counted from the text's start
  for (let w = from; w < buf.length; w += 2 * ALIGN_WINDOW) {
    const end = Math.min(buf.length, w + 2 * ALIGN_WINDOW);
    let right = 0;
    let wrong = 0;
    for (let i = w; i < end; i++) {
      if (buf[i] !== 0) continue;
      if (((base + i) & 1) === high) right++;
      else wrong++;
    }
    const pairs = (end - w) >> 1;
    if (pairs >= 16 && wrong > pairs * 0.3 && wrong > 8 * right) return base + slipAt(buf, Math.max(from, w - 2 * ALIGN_WINDOW), end, base, high);
  }
  // the end has no next window to be judged by: a slip in the last 8 KiB (a small file, the end of a file or
  // of a chunk) shows as a stretch after the last NUL at the right parity whose NULs are all at the wrong one
  const tail = Math.max(from, buf.length - 2 * ALIGN_WINDOW);
  if (wrongAfterLastRight(buf, tail, buf.length, base, high)) return base + slipAt(buf, tail, buf.length, base, high);
  return -1;
}

/** Whether the bytes after the window's last NUL at the right parity are 16 pairs or more, six in ten with a NUL (at the wrong parity): shifted ASCII has one in nearly every pair. */
function wrongAfterLastRight(buf: Uint8Array, w: number, end: number, base: number, high: number): boolean {
  let i = end - 1;
  while (i >= w && !(buf[i] === 0 && ((base + i) & 1) === high)) i--;
  const pairs = (end - i - 1) >> 1;
  let wrong = 0;
  for (let k = i + 1; k < end; k++) if (buf[k] === 0) wrong++;
  return pairs >= 16 && wrong > pairs * 0.6;
}

/** The first NUL at the wrong parity after the last one at the right parity: about where the byte slipped. */
function slipAt(buf: Uint8Array, from: number, end: number, base: number, high: number): number {
  let i = end - 1;
  while (i >= from && !(buf[i] === 0 && ((base + i) & 1) === high)) i--;
  for (i = Math.max(from, i + 1); i < end; i++) if (buf[i] === 0 && ((base + i) & 1) !== high) return i;
  return from;
}

function misaligned(path: string, encoding: Encoding, at: number): LogInvestigatorError {
  return new LogInvestigatorError(
    'UNREADABLE',
    `${path} is ${encoding.toUpperCase()} text read one byte off from about byte ${at.toLocaleString('en-US')} on ` +
      '(a byte is missing or extra there), so every character after it would decode as garbage; nothing was indexed. ' +
      'Repair the file (e.g. re-export it, or convert it with iconv) and index it again.',
  );
}

/** 'utf-16le' or 'utf-16be' when the bytes look like UTF-16 without a byte-order mark (NULs at one parity only). */
function utf16WithoutBom(b: Uint8Array): Encoding | undefined {
  const n = Math.min(b.length, 8192) & ~1;
  if (n < 32) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i++) if (b[i] === 0) (i & 1 ? odd++ : even++);
  const pairs = n / 2;
  if (odd > pairs * 0.5 && even < pairs * 0.02) return 'utf-16le';
  if (even > pairs * 0.5 && odd < pairs * 0.02) return 'utf-16be';
  return undefined;
}

/**
 * Binary when NUL and other control bytes are more than a few in the first
 * 8 KiB: one stray NUL in a log (a damaged record) makes no binary file, it
 * costs at most its own record.
 */
function looksBinary(b: Uint8Array): boolean {
  const n = Math.min(b.length, 8192);
  let control = 0;
  let nul = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) nul++;
    else if (c < 9 || (c > 13 && c < 32 && c !== 27)) control++;
  }
  return nul > Math.max(2, n * 0.001) || nul + control > n * 0.05;
}

/**
 * UTF-8 unless invalid sequences are common: Latin-1 text is invalid at
 * nearly every non-ASCII byte, while a UTF-8 log with one damaged byte has
 * many valid characters beside it — that byte becomes U+FFFD, the rest of
 * the file (café) stays as written.
 */
function isUtf8(b: Uint8Array): boolean {
  // A multi-byte sequence may be cut at the end of the sample; ignore the last 3 bytes.
  const cut = b.length === SNIFF_BYTES ? Math.max(0, b.length - 3) : b.length;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, cut));
  let replaced = 0;
  let valid = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) replaced++;
    else if (c >= 0x80) valid++;
  }
  let literal = 0; // U+FFFD written in the file itself (EF BF BD)
  for (let i = 0; i + 2 < cut; i++) if (b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) literal++;
  const invalid = replaced - literal;
  return invalid <= 0 || valid >= 10 * invalid;
}

async function gunzipHead(path: string, limit: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const src = fs.createReadStream(path);
    const gz = zlib.createGunzip();
    const done = () => {
      src.destroy();
      gz.destroy();
      resolve(Buffer.concat(chunks).subarray(0, limit));
    };
    gz.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= limit) done();
    });
    gz.on('end', done);
    gz.on('error', done); // truncated archives are reported by the full read
    src.pipe(gz);
  });
}

/** A file's bytes as a stream, gunzipped when needed, with the count of bytes read from disk. */
export interface SourceStream {
  chunks: AsyncIterable<Buffer>;
  bytesRead(): number;
  /** Turns a read error into a truncation note (gzip that ends early) or rethrows it as UNREADABLE. */
  failure(e: unknown, lines: number): string;
  /** A note when the gzip stream stopped without its end; call after reading. */
  endedEarly(): string | undefined;
  close(): void;
}

export function openSource(path: string, sn: Sniff, chunkBytes: number): SourceStream {
  if (!sn.gzip) return openPlainSource(path, chunkBytes);
  const src = fs.createReadStream(path, { highWaterMark: chunkBytes });
  let read = 0;
  src.on('data', (c) => {
    read += (c as Buffer).length;
  });
  const gz = zlib.createGunzip({ chunkSize: 1 << 20 });
  src.pipe(gz);
  return {
    chunks: gz,
    bytesRead: () => read,
    failure(e, lines) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR' || /unexpected end/i.test(err.message)) {
        return `the compressed data ends early or is damaged (${err.message}); the ${lines.toLocaleString('en-US')} lines before that point were indexed`;
      }
      throw new LogInvestigatorError('UNREADABLE', `${path}: ${err.message}`);
    },
    endedEarly: () => (!gz.readableEnded ? 'the compressed data ends early; the lines before that point were indexed' : undefined),
    close() {
      src.destroy();
      gz.destroy();
    },
  };
}

/**
 * An uncompressed file read into two buffers that take turns: a read stream
 * allocates a fresh buffer per chunk, and the garbage collector frees them
 * late enough to add tens of MB to the peak memory of indexing. The next
 * chunk is read while the current one is parsed. Each chunk is only valid
 * until the next one is asked for.
 */
function openPlainSource(path: string, chunkBytes: number): SourceStream {
  let read = 0;
  let closed = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    const fh = await fs.promises.open(path, 'r');
    const bufs = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
    let turn = 0;
    let position = 0;
    let pending: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, chunkBytes, 0);
    try {
      while (!closed) {
        const { bytesRead } = await pending;
        pending = undefined;
        if (bytesRead === 0) break;
        position += bytesRead;
        read += bytesRead;
        const chunk = bufs[turn].subarray(0, bytesRead);
        turn ^= 1;
        pending = fh.read(bufs[turn], 0, chunkBytes, position);
        yield chunk;
      }
    } finally {
      await pending?.catch(() => undefined);
      await fh.close().catch(() => undefined);
    }
  }
  return {
    chunks: chunks(),
    bytesRead: () => read,
    failure(e) {
      throw new LogInvestigatorError('UNREADABLE', `${path}: ${(e as Error).message}`);
    },
    endedEarly: () => undefined,
    close() {
      closed = true;
    },
  };
}

export interface ReadProgress {
  bytesRead: number;
  fileBytes: number;
}

export interface LineSink {
  /** Called for every line (without its line terminator); lineNo is 1-based. */
  line(text: string, lineNo: number): void;
}

export interface ReadResult {
  lines: number;
  /** Set when the compressed stream ended early; the lines before it were delivered. */
  truncated?: string;
}

/**
 * Streams a file as lines, decoding gzip and the sniffed encoding.
 * Memory stays bounded by the chunk size plus the longest line.
 */
export async function readLines(
  path: string,
  sn: Sniff,
  sink: LineSink,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  const decoder = new TextDecoder(sn.encoding, { fatal: false, ignoreBOM: false });
  let rest = '';
  let lineNo = 0;
  let first = true;
  const feed = (text: string, final: boolean) => {
    let s = rest.length ? rest + text : text;
    if (first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    // lines end at LF, CRLF or a lone CR (as in VS Code); a CR that ends the text so far waits for the next
    // text, which may begin with its LF
    let start = 0;
    let lf = s.indexOf('\n');
    let cr = s.indexOf('\r');
    for (;;) {
      if (lf >= 0 && lf < start) lf = s.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = s.indexOf('\r', start);
      let end: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr + 1 === s.length && !final) break;
        end = cr;
      } else if (lf >= 0) end = lf;
      else break;
      sink.line(s.slice(start, end), ++lineNo);
      start = end + (s.charCodeAt(end) === 13 && s.charCodeAt(end + 1) === 10 ? 2 : 1);
    }
    rest = start === 0 ? s : s.slice(start);
    if (final && rest.length) {
      sink.line(rest, ++lineNo);
      rest = '';
    }
  };
  // UTF-16 that slips a byte further on is garbage from there: an error, not lines of mojibake
  const utf16 = sn.encoding === 'utf-16le' || sn.encoding === 'utf-16be';
  let offset = 0;
  const onChunk = (chunk: Buffer) => {
    if (utf16) {
      const at = misalignedAt(chunk, 0, sn.encoding === 'utf-16le', offset);
      if (at >= 0) throw misaligned(path, sn.encoding, at);
      offset += chunk.length;
    }
    feed(decoder.decode(chunk, { stream: true }), false);
  };
  const truncated = await pump(path, sn, opts, onChunk, () => feed(decoder.decode(), true), () => lineNo);
  return { lines: lineNo, truncated };
}

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
  chunkBytes?: number;
  /** Awaited after each chunk when given: a consumer that writes elsewhere (ClickHouse) holds the reading until it has room. */
  drain?: () => Promise<void> | undefined;
}

/**
 * Reads a file (or its gzip) to the end in chunks, with progress and
 * cancellation, for the line readers (strings here, bytes in ingest/byteLines.ts).
 * `finish` takes what is left after the last chunk unless the read was
 * cancelled. Returns why the data ended early (a read error, a truncated
 * gzip), or undefined.
 */
export async function pump(path: string, sn: Sniff, opts: ReadOptions, onChunk: (chunk: Buffer) => void, finish: () => void, lines: () => number): Promise<string | undefined> {
  const source = openSource(path, sn, opts.chunkBytes ?? 1 << 20);
  let truncated: string | undefined;
  try {
    for await (const chunk of source.chunks) {
      if (opts.signal?.aborted) break;
      onChunk(chunk);
      opts.onProgress?.({ bytesRead: source.bytesRead(), fileBytes: sn.fileBytes });
      if (opts.drain) await opts.drain();
    }
  } catch (e) {
    if (e instanceof LogInvestigatorError) throw e; // the parser's own verdict (misaligned UTF-16), already worded
    truncated = source.failure(e, lines());
  } finally {
    source.close();
  }
  if (!opts.signal?.aborted) {
    truncated ??= source.endedEarly();
    finish();
    opts.onProgress?.({ bytesRead: sn.fileBytes, fileBytes: sn.fileBytes });
  }
  return truncated;
}

/** Decodes the sniffed head into lines (for format detection). */
export function headLines(sn: Sniff, max = 2000): string[] {
  let text = new TextDecoder(sn.encoding).decode(sn.head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\r|\n/);
  // the last line may be cut by the sample size; a file whose first line is longer than the sample
  // (a CloudTrail file from S3 is one line) keeps its start, so that the format can be told from it
  if (sn.head.length >= SNIFF_BYTES && lines.length > 1) lines.pop();
  return lines.slice(0, max);
}
