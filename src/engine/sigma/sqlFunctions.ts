/**
 * SQL functions Sigma rules compile to, registered on a sql.js database:
 * `regexp(pattern, value[, flags])` (so `value REGEXP pattern` works too) and
 * `cidr_match(value, cidr)`, and `sigma_fold(value)` (fold.ts: Unicode case
 * folding for case-insensitive matches of values beyond ASCII; a number as
 * its text). Patterns and networks are compiled once and cached; a NULL
 * value gives NULL, a bad pattern or network gives 0.
 */
import type { Database } from 'sql.js';
import { parseIp, parseRange, type IpRange } from '../geo/ip';
import { sigmaFold } from './fold';

const MAX_CACHE = 10000;

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= MAX_CACHE) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

export function registerSigmaFunctions(db: Database): void {
  const regexes = new Map<string, RegExp | null>();
  const ranges = new Map<string, IpRange | null>();
  const test = (pattern: unknown, value: unknown, flags: unknown) => {
    if (value === null || value === undefined || pattern === null) return null;
    const f = typeof flags === 'string' ? flags : '';
    const re = cached(regexes, f + '/' + String(pattern), () => {
      try {
        return new RegExp(String(pattern), f);
      } catch {
        return null;
      }
    });
    return re && re.test(String(value)) ? 1 : 0;
  };
  // sql.js registers a function for the number of arguments its JavaScript function declares
  db.create_function('regexp', (pattern: unknown, value: unknown) => test(pattern, value, ''));
  db.create_function('regexp', (pattern: unknown, value: unknown, flags: unknown) => test(pattern, value, flags));
  db.create_function('cidr_match', (value: unknown, cidr: unknown) => {
    if (value === null || value === undefined) return null;
    const range = cached(ranges, String(cidr), () => parseRange(String(cidr)) ?? null);
    const ip = parseIp(String(value));
    if (!range || !ip || ip.v !== range.v) return 0;
    return ip.n >= range.lo && ip.n <= range.hi ? 1 : 0;
  });
  const folded = new Map<string, string>();
  db.create_function('sigma_fold', (value: unknown) => {
    if (value === null || value === undefined) return null;
    const text = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
    // ASCII text folds at once; other text is remembered (NFC and a map per character cost more)
    // eslint-disable-next-line no-control-regex
    return /[^\x00-\x7f]/.test(text) ? cached(folded, text, () => sigmaFold(text)) : text.toLowerCase();
  });
}
