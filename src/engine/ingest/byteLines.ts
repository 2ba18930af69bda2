import { pump, type ReadOptions, type ReadResult, type Sniff } from './input';

export interface ByteLineSink {
  /** One line as bytes buf[start, end), without its terminator; lineNo is 1-based. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
}

const LF = 10;
const CR = 13;

/**
 * Streams a UTF-8 file (or gzip of one) as byte ranges of lines, so that
 * parsers can copy fields into records without making strings. A line that
 * spans chunks is assembled in a carry buffer that grows by doubling.
 * Lines end at LF, CRLF or a lone CR, as in VS Code, so that line numbers
 * agree with the editor's.
 */
export async function readByteLines(
  path: string,
  sn: Sniff,
  sink: ByteLineSink,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  if (sn.encoding !== 'utf-8') throw new Error('readByteLines reads UTF-8 only');
  let carry = Buffer.allocUnsafe(1 << 16);
  let carryLen = 0;
  let lineNo = 0;
  let first = true;
  // the chunk before ended with a CR: an LF starting this chunk belongs to it
  let skipLf = false;

  const append = (chunk: Buffer, from: number, to: number) => {
    if (carryLen + to - from > carry.length) {
      let size = carry.length;
      while (size < carryLen + to - from) size *= 2;
      const next = Buffer.allocUnsafe(size);
      carry.copy(next, 0, 0, carryLen);
      carry = next;
    }
    chunk.copy(carry, carryLen, from, to);
    carryLen += to - from;
  };

  const onChunk = (chunk: Buffer) => {
    let pos = 0;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) pos = 3;
    }
    if (skipLf && chunk.length > 0) {
      skipLf = false;
      if (chunk[pos] === LF) pos++;
    }
    // the next LF and the next CR at or after pos (-1: none left in this chunk); each is searched for
    // again only once passed, so a chunk is scanned about twice however its lines end
    let lf = chunk.indexOf(LF, pos);
    let cr = chunk.indexOf(CR, pos);
    for (;;) {
      if (lf >= 0 && lf < pos) lf = chunk.indexOf(LF, pos);
      if (cr >= 0 && cr < pos) cr = chunk.indexOf(CR, pos);
      // the line's end: the first LF, or a CR before it
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 < chunk.length) next = chunk[cr + 1] === LF ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          skipLf = true;
        }
      } else if (lf >= 0) {
        end = lf;
        next = lf + 1;
      } else break;
      if (carryLen > 0) {
        append(chunk, pos, end);
        sink.line(carry, 0, carryLen, ++lineNo);
        carryLen = 0;
      } else sink.line(chunk, pos, end, ++lineNo);
      pos = next;
    }
    if (pos < chunk.length) append(chunk, pos, chunk.length);
  };
  const truncated = await pump(path, sn, opts, onChunk, () => {
    if (carryLen > 0) sink.line(carry, 0, carryLen, ++lineNo);
  }, () => lineNo);
  return { lines: lineNo, truncated };
}
