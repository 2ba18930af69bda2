import { exactInteger } from './values';

const MARK = '\u0000int:';

/**
 * JSON.parse, but integers beyond ±2^53 stay exact: JSON.parse would round
 * 6249979066121302517 to 6249979066121302016. Such numbers (a run of 16 or
 * more digits outside strings) are wrapped as marked strings before parsing
 * and come back as bigint (within 64 bits) or as their digits (beyond).
 * Lines without 16 digits in a row take JSON.parse alone.
 */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // one whole number token: -? digits (. digits)? ([eE] [+-]? digits)?
      const isDigit = (k: number) => text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39;
      let j = i + (c === 0x2d ? 1 : 0);
      const intStart = j;
      while (j < text.length && isDigit(j)) j++;
      const intDigits = j - intStart;
      let plain = true;
      if (text[j] === '.') {
        plain = false;
        j++;
        while (j < text.length && isDigit(j)) j++;
      }
      if (text[j] === 'e' || text[j] === 'E') {
        plain = false;
        j++;
        if (text[j] === '+' || text[j] === '-') j++;
        while (j < text.length && isDigit(j)) j++;
      }
      if (plain && intDigits >= 16) {
        out += text.slice(last, i) + `"\\u0000int:${text.slice(i, j)}"`; // MARK, escaped as JSON text
        last = j;
      }
      i = j - 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(MARK)) return v;
    const digits = v.slice(MARK.length);
    return exactInteger(digits) ?? digits;
  });
}
