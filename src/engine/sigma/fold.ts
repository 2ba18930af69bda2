/**
 * Case folding for Sigma's case-insensitive string matches beyond ASCII
 * (SQLite's LIKE, NOCASE and lower() fold A–Z only, so `É` ≠ `é`).
 * `sigmaFold` is Unicode simple case folding, close enough to be read as it:
 * the text in NFC, then each character mapped on its own (no context, so a
 * final `ς` and `σ` fold alike) to the lower case of its upper case when
 * that is one character (ſ → s, ς → σ, ϐ → β, K (Kelvin) → k, ẞ → ß), else
 * to its lower case. Choices: `ß` stays `ß` (simple folding: `straße` does
 * not match `STRASSE`); Turkish dotted `İ` folds to `i` (as Turkic folding
 * does; the default folding leaves it alone or makes it `i` + U+0307), so
 * `İ` matches `i` and `I`; dotless `ı` stays `ı` (default folding), so it
 * does not match `I`. The compiler uses this only for values that have a
 * character it changes other than A–Z (`needsFold`); other values keep
 * SQLite's ASCII folding, so an ASCII value does not match the three
 * non-ASCII letters that fold to ASCII (K, ſ, İ).
 */

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

const chars = new Map<string, string>();

function foldChar(c: string): string {
  let f = chars.get(c);
  if (f !== undefined) return f;
  if (c === '\u0130') f = 'i';
  else if (c === '\u0131') f = c;
  else {
    const up = c.toUpperCase();
    const base = [...up].length === 1 ? up : c;
    const low = base.toLowerCase();
    f = [...low].length === 1 ? low : [...c.toLowerCase()].length === 1 ? c.toLowerCase() : c;
  }
  chars.set(c, f);
  return f;
}

/** The text folded for a case-insensitive comparison (see the file's comment). */
export function sigmaFold(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const c of s.normalize('NFC')) out += c.charCodeAt(0) < 128 ? c.toLowerCase() : foldChar(c);
  return out;
}

/** Whether a value needs sigmaFold to match case-insensitively: a character other than ASCII that folding or NFC changes, or that has another case. */
export function needsFold(s: string): boolean {
  if (!NON_ASCII.test(s)) return false;
  if (s.normalize('NFC') !== s) return true;
  for (const c of s) if (c.charCodeAt(0) >= 128 && (foldChar(c) !== c || c.toUpperCase() !== c)) return true;
  return false;
}
