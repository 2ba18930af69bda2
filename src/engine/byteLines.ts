import { pump, type ReadOptions, type ReadResult, type Sniff } from './input';

export interface ByteLineSink {
  /** One line as bytes buf[start, end), without its terminator; lineNo is 1-based. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
}

/**
 * Streams a UTF-8 file (or gzip of one) as byte ranges of lines, so that
 * parsers can copy fields into records without making strings. A line that
 * spans chunks is assembled in a carry buffer that grows by doubling.
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

  const emit = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === 13) end--;
    sink.line(buf, start, end, ++lineNo);
  };

  const onChunk = (chunk: Buffer) => {
    let pos = 0;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) pos = 3;
    }
    if (carryLen > 0) {
      const nl = chunk.indexOf(10, pos);
      const take = nl < 0 ? chunk.length : nl;
      if (carryLen + take - pos > carry.length) {
        let size = carry.length;
        while (size < carryLen + take - pos) size *= 2;
        const next = Buffer.allocUnsafe(size);
        carry.copy(next, 0, 0, carryLen);
        carry = next;
      }
      chunk.copy(carry, carryLen, pos, take);
      carryLen += take - pos;
      if (nl < 0) return;
      emit(carry, 0, carryLen);
      carryLen = 0;
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      emit(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      const rest = chunk.length - pos;
      if (rest > carry.length) carry = Buffer.allocUnsafe(rest * 2);
      chunk.copy(carry, 0, pos);
      carryLen = rest;
    }
  };
  const truncated = await pump(path, sn, opts, onChunk, () => {
    if (carryLen > 0) emit(carry, 0, carryLen);
  }, () => lineNo);
  return { lines: lineNo, truncated };
}
