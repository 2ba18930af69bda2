/**
 * Reading the small side files of the geo and threat joins: whole files,
 * synchronously (analyses run synchronously), gzip undone, lines decoded in
 * chunks so a file of hundreds of megabytes never becomes one string.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { LogInvestigatorError } from '../errors';

/** The file's bytes, gunzipped when it starts with the gzip magic. */
export function readFileBytes(file: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LogInvestigatorError('NOT_FOUND', `${what} ${file} does not exist.`);
    throw new LogInvestigatorError('UNREADABLE', `${what} ${file} cannot be read (${(e as Error).message}).`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new LogInvestigatorError('UNREADABLE', `${what} ${file} is a damaged gzip file (${(e as Error).message}).`);
    }
  }
  return bytes;
}

/** Lines (1-based numbers) of UTF-8 text without their line ends; a BOM is dropped. */
export function* textLines(bytes: Buffer): Generator<[number, string]> {
  const CHUNK = 8 << 20;
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let lineNo = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + CHUNK);
    if (end < bytes.length) {
      const nl = bytes.indexOf(10, end);
      end = nl < 0 ? bytes.length : nl + 1;
    }
    const text = bytes.toString('utf8', start, end);
    let p = 0;
    while (p < text.length) {
      let q = text.indexOf('\n', p);
      if (q < 0) q = text.length;
      const line = q > p && text.charCodeAt(q - 1) === 13 ? text.slice(p, q - 1) : text.slice(p, q);
      yield [++lineNo, line];
      p = q + 1;
    }
    start = end;
  }
}

/** One CSV line split on a delimiter, with "quoted" fields and "" escapes; undefined when a quote is left open. */
export function splitCsvLine(line: string, delim: string): string[] | undefined {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // text after the closing quote up to the delimiter belongs to the field
      const d = line.indexOf(delim, i);
      out.push(v + line.slice(i, d < 0 ? line.length : d));
      if (d < 0) return out;
      i = d + delim.length;
    } else {
      const d = line.indexOf(delim, i);
      out.push(line.slice(i, d < 0 ? line.length : d));
      if (d < 0) return out;
      i = d + delim.length;
    }
  }
}

/** The delimiter of a header line: the most frequent of , ; tab |. */
export function guessDelimiter(header: string): string {
  let best = ',';
  let bestN = 0;
  for (const d of [',', '\t', ';', '|']) {
    const n = header.split(d).length - 1;
    if (n > bestN) {
      best = d;
      bestN = n;
    }
  }
  return best;
}

/** A header name reduced for matching: lower case, letters and digits only. */
export const normName = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
