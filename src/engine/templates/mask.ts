/**
 * Tokens of a message and the masking of their variable parts, for the
 * template miner (drain.ts). A token is split at whitespace; inside it,
 * numbers, hex words, IP addresses (with ports), dates and times, and joined
 * runs of them (`10.0.0.1:22`, `1122475266.42:0`) become `<*>`; a token that
 * is a path, a URL, a UUID or an e-mail address becomes `<*>` as a whole.
 * Digits that end a word (`ssh2`, `tty2`, `v4`) are kept: they are usually
 * part of a name, and the similarity threshold generalises them when they vary.
 */

export const WILDCARD = '<*>';

// A run of hex digits that holds at least one decimal digit, optionally
// signed when it does not follow a letter, joined to more such runs by one
// of . : , _ - (IPv4 and ports, times, versions, fractions, ids).
const HEXNUM = '[0-9a-fA-F]*[0-9][0-9a-fA-F]*';
const NUM_RUN_RE = new RegExp(`(?<![A-Za-z0-9])[-+]?(?:0[xX][0-9a-fA-F]+|${HEXNUM})(?:[.:,_\\-/](?:${HEXNUM}))*(?![0-9a-fA-F])`, 'g');
const WHOLE_RE = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/\S+|[~.]?\/[^\s/]*\/\S*|[A-Za-z]:\\\S+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[^\s@]+@[^\s@]+\.[A-Za-z]{2,}|(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}|(?:[A-Za-z0-9][A-Za-z0-9_-]*\.){2,}[a-z]{2,6}\.?)$/;

/** Cheap test before WHOLE_RE: paths, URLs, UUIDs, e-mail, IPv6 and host names hold one of / \\ - @ : or two dots. */
function mayBeWhole(t: string): boolean {
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 47 || c === 92 || c === 45 || c === 64 || c === 58) return true;
    if (c === 46 && ++dots === 2) return true;
  }
  return false;
}

/** True when the token may hold a variable: a digit, a slash or backslash, or two dots. */
function mayVary(t: string): boolean {
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 47 || c === 92) return true;
    if (c === 46 && ++dots === 2) return true;
  }
  return false;
}

// A date and time written inside a message (`Sat Jun 18 02:08:10 2005`, `2005-06-18 02:08:10,123`,
// `18/Jun/2005:02:08:10 +0200`): one variable, whatever the number of its tokens.
const STAMP_RE =
  /\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}(?: \d{4})?|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\d{2}\/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\b/g;

/** The message with dates and times inside it replaced by `<*>`. */
export function maskStamps(message: string): string {
  // cheap test first: every layout above has a colon followed by two digits
  if (!/:\d\d/.test(message)) return message;
  STAMP_RE.lastIndex = 0;
  return message.replace(STAMP_RE, WILDCARD);
}

const KEY_RE = /^[A-Za-z_][\w.-]*$/;
const ID_LIKE_RE = /^[\w.:-]+$/;

/** The token with its variable parts replaced by `<*>` (the same string when nothing varies). */
export function maskToken(t: string): string {
  if (!mayVary(t)) return t;
  // key=value: the value is masked on its own, and a value that varies in part (a host
  // name with a number in it, `a1b2`) is a variable as a whole
  const eq = t.indexOf('=');
  if (eq > 0 && eq < t.length - 1 && t.indexOf('=', eq + 1) < 0 && KEY_RE.test(t.slice(0, eq))) {
    const v = t.slice(eq + 1);
    const end = /[,;]$/.test(v) ? v.length - 1 : v.length;
    const mv = maskPart(v.slice(0, end));
    return mv.includes(WILDCARD) ? t.slice(0, eq + 1) + WILDCARD + v.slice(end) : t;
  }
  return maskPart(t);
}

function maskPart(t: string): string {
  if (!mayVary(t)) return t;
  // a token wrapped in brackets or quotes keeps them: `[10.0.0.1]` is `[<*>]`
  const open = t.charCodeAt(0);
  if ((open === 91 || open === 40 || open === 34 || open === 39 || open === 60) && t.length > 2) {
    const last = t.length - 1;
    const close = t.charCodeAt(last);
    const pair = open === 91 ? 93 : open === 40 ? 41 : open === 60 ? 62 : open;
    if (close === pair) {
      const inner = t.slice(1, last);
      if (mayBeWhole(inner) && WHOLE_RE.test(inner)) return t[0] + WILDCARD + t[last];
    }
  }
  if (mayBeWhole(t) && WHOLE_RE.test(t)) return WILDCARD;
  NUM_RUN_RE.lastIndex = 0;
  const m = t.replace(NUM_RUN_RE, WILDCARD);
  // two variables or more in one token that is no bracketed group: an id as a whole (R02-M1-N0-C:J12-U11)
  return m.indexOf(WILDCARD) !== m.lastIndexOf(WILDCARD) && ID_LIKE_RE.test(t) ? WILDCARD : m;
}

/** Splits a message at runs of whitespace (no empty tokens). */
export function tokenize(message: string): string[] {
  const s = message.includes('\t') || message.includes('\r') || message.includes('\n') ? message.replace(/[\t\r\n]/g, ' ') : message;
  const parts = s.split(' ');
  if (!s.includes('  ') && parts[0] !== '' && parts[parts.length - 1] !== '') return parts;
  return parts.filter((p) => p !== '');
}
