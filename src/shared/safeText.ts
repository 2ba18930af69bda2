/**
 * Text from a file (a column name, a file name, a log line) made safe to show
 * where VS Code interprets markup: notifications render `[label](command:…)`
 * as a link that runs the command, labels and status bar items render
 * `$(icon)`, and bidirectional overrides can make text read backwards.
 *
 * The text stays readable and literal: a zero-width joiner is put between
 * `]` and `(` and after `$`, so neither syntax matches; bidi controls are
 * shown as <U+202E>; other control characters (but tab) as <U+0007>.
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/g;
const codePoint = (c: string) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;

export function safeText(text: string): string {
  return String(text)
    .replace(BIDI, codePoint)
    .replace(CONTROL, codePoint)
    .replace(/\]\s*\(/g, (m) => `${m.slice(0, -1)}\u2060(`)
    .replace(/\$\(/g, '$\u2060(');
}

/** safeText, and at most `max` characters (an ellipsis marks the cut). */
export function safeLabel(text: string, max = 200): string {
  const s = safeText(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
