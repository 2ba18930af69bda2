/**
 * Sigma string values: `*` and `?` wildcards with `\` escapes (as pySigma
 * reads them: `\*` `\?` `\\` are the literal characters, any other backslash
 * is itself), and the value-changing modifiers (wide/utf16, base64,
 * base64offset, windash) that turn one value into one or more. Patterns
 * come out as SQLite LIKE (case-insensitive) or GLOB (case-sensitive).
 */
import { SigmaUnsupported } from './errors';

export type Part = string | { w: '*' | '?' };
/** A value as a sequence of literal text and wildcards. */
export type SigmaString = Part[];

export function parseSigmaString(s: string): SigmaString {
  const out: SigmaString = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) {
      lit += s[i + 1];
      i++;
    } else if (c === '*' || c === '?') {
      if (lit) out.push(lit);
      lit = '';
      out.push({ w: c });
    } else lit += c;
  }
  if (lit) out.push(lit);
  return out;
}

export const hasWildcards = (v: SigmaString): boolean => v.some((p) => typeof p !== 'string');
export const plainText = (v: SigmaString): string => v.map((p) => (typeof p === 'string' ? p : p.w)).join('');

/** contains / startswith / endswith: wildcards around the value (none added where one is already). */
export function wrap(v: SigmaString, start: boolean, end: boolean): SigmaString {
  const out = [...v];
  const isStar = (p: Part | undefined) => p !== undefined && typeof p !== 'string' && p.w === '*';
  if (start && !isStar(out[0])) out.unshift({ w: '*' });
  if (end && !isStar(out[out.length - 1])) out.push({ w: '*' });
  return out;
}

/** LIKE pattern with `\` as the escape character. */
export function likePattern(v: SigmaString): string {
  return v.map((p) => (typeof p === 'string' ? p.replace(/[\\%_]/g, '\\$&') : p.w === '*' ? '%' : '_')).join('');
}

/** GLOB pattern (case-sensitive); literal `*` `?` `[` as one-character classes. */
export function globPattern(v: SigmaString): string {
  return v.map((p) => (typeof p === 'string' ? p.replace(/[*?[]/g, (c) => `[${c}]`) : p.w)).join('');
}

/** A value on its way through the modifiers: text with wildcards, or bytes (after wide / utf16). */
export type Value = { kind: 'text'; s: SigmaString } | { kind: 'bytes'; b: Buffer };

function literal(v: Value, mod: string): Buffer {
  if (v.kind === 'bytes') return v.b;
  if (hasWildcards(v.s)) throw new SigmaUnsupported(`modifier ${mod}`, `|${mod} on a value with wildcards`);
  return Buffer.from(plainText(v.s), 'utf8');
}

function asText(v: Value, mod: string): SigmaString {
  if (v.kind === 'text') return v.s;
  throw new SigmaUnsupported(`modifier ${mod}`, `|${mod} after |wide or |utf16 (bytes, not text)`);
}

/** base64offset as Sigma defines it: the three encodings of the value at byte offsets 0, 1, 2, trimmed to the stable characters. */
export function base64Offsets(b: Buffer): string[] {
  const start = [0, 2, 3];
  const end = [undefined, -3, -2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), b]).toString('base64');
    out.push(enc.slice(start[i], end[(b.length + i) % 3]));
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** windash: every `-` or `/` that starts an option (after a non-word character, before a word character) in each of its five spellings. */
export function windash(s: SigmaString): SigmaString[] {
  // positions (part index, char index) of option dashes in the literal parts
  const at: [number, number][] = [];
  s.forEach((p, pi) => {
    if (typeof p !== 'string') return;
    const re = /\B[-/]\b/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(p))) at.push([pi, m.index]);
  });
  if (at.length === 0) return [s];
  // every combination for up to 3 dashes (125 values); beyond that one spelling for all of them
  const combos: number[][] = [];
  if (at.length <= 3) {
    const total = DASHES.length ** at.length;
    for (let k = 0; k < total; k++) combos.push(at.map((_, j) => Math.floor(k / DASHES.length ** j) % DASHES.length));
  } else for (let d = 0; d < DASHES.length; d++) combos.push(at.map(() => d));
  return combos.map((combo) =>
    s.map((p, pi) => {
      if (typeof p !== 'string') return p;
      const chars = [...p];
      // replacing one UTF-16 unit by another keeps indexes valid (all dashes are single units)
      at.forEach(([api, ci], j) => {
        if (api === pi) chars[ci] = DASHES[combo[j]];
      });
      return chars.join('');
    }),
  );
}

/** Applies a value-changing modifier to every value; returns undefined when `mod` is not one. */
export function transform(values: Value[], mod: string): Value[] | undefined {
  switch (mod) {
    case 'wide':
    case 'utf16le':
      return values.map((v) => ({ kind: 'bytes', b: Buffer.from(plainText(asLiteralText(v, mod)), 'utf16le') }));
    case 'utf16be':
      return values.map((v) => ({ kind: 'bytes', b: Buffer.from(plainText(asLiteralText(v, mod)), 'utf16le').swap16() }));
    case 'utf16':
      return values.map((v) => ({ kind: 'bytes', b: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plainText(asLiteralText(v, mod)), 'utf16le')]) }));
    case 'base64':
      return values.map((v) => ({ kind: 'text', s: [literal(v, mod).toString('base64')] }));
    case 'base64offset':
      return values.flatMap((v) => base64Offsets(literal(v, mod)).map((e): Value => ({ kind: 'text', s: [e] })));
    case 'windash':
      return values.flatMap((v) => windash(asText(v, mod)).map((s): Value => ({ kind: 'text', s })));
    default:
      return undefined;
  }
}

function asLiteralText(v: Value, mod: string): SigmaString {
  const s = asText(v, mod);
  if (hasWildcards(s)) throw new SigmaUnsupported(`modifier ${mod}`, `|${mod} on a value with wildcards`);
  return s;
}
