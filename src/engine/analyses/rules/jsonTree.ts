/**
 * The rules file read by Microsoft's jsonc-parser (what VS Code itself uses
 * for settings.json: comments, trailing commas, error offsets), as a small
 * tree that keeps every value's offset so that an error about a rule points
 * at the line and column of the value it is about.
 */
import { parseTree, type Node, type ParseError, ParseErrorCode } from 'jsonc-parser';

export type JsonNode =
  | { type: 'object'; offset: number; props: JsonProp[] }
  | { type: 'array'; offset: number; items: JsonNode[] }
  /** raw[i]: the file offset of the i-th character of value (escapes count as written). */
  | { type: 'string'; offset: number; value: string; raw: number[] }
  | { type: 'number'; offset: number; value: number }
  | { type: 'boolean'; offset: number; value: boolean }
  | { type: 'null'; offset: number; value: null };

export interface JsonProp {
  key: string;
  keyOffset: number;
  value: JsonNode;
}

const MESSAGES: Partial<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: 'unexpected character',
  [ParseErrorCode.InvalidNumberFormat]: 'not a number',
  [ParseErrorCode.PropertyNameExpected]: 'expected a property name in double quotes',
  [ParseErrorCode.ValueExpected]: 'expected a value',
  [ParseErrorCode.ColonExpected]: "expected ':'",
  [ParseErrorCode.CommaExpected]: "expected ','",
  [ParseErrorCode.CloseBraceExpected]: "expected '}'",
  [ParseErrorCode.CloseBracketExpected]: "expected ']'",
  [ParseErrorCode.EndOfFileExpected]: 'expected the end of the file',
  [ParseErrorCode.InvalidCommentToken]: 'not a comment',
  [ParseErrorCode.UnexpectedEndOfComment]: 'unterminated comment',
  [ParseErrorCode.UnexpectedEndOfString]: 'unterminated string (a line break inside a string ends it)',
  [ParseErrorCode.UnexpectedEndOfNumber]: 'unterminated number',
  [ParseErrorCode.InvalidUnicode]: 'bad \\u escape',
  [ParseErrorCode.InvalidEscapeCharacter]: 'bad escape',
  [ParseErrorCode.InvalidCharacter]: 'control character inside a string',
};

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses JSON with comments and trailing commas; throws JsonSyntaxError at the first error. */
export function parseJsonTree(text: string): JsonNode {
  // a byte-order mark is no JSON; a space in its place keeps every offset
  const src = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const errors: ParseError[] = [];
  const root = parseTree(src, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || !root) {
    const e = errors[0] ?? { error: ParseErrorCode.ValueExpected, offset: 0, length: 0 };
    const found = e.offset >= src.length ? 'the end of the file' : `'${src[e.offset]}'`;
    throw new JsonSyntaxError(`${MESSAGES[e.error] ?? 'syntax error'}, found ${found}`, e.offset);
  }
  return convert(src, root);
}

function convert(text: string, n: Node): JsonNode {
  switch (n.type) {
    case 'object':
      return {
        type: 'object',
        offset: n.offset,
        props: (n.children ?? []).map((p) => {
          const [k, v] = p.children ?? [];
          return { key: String(k.value), keyOffset: k.offset, value: convert(text, v) };
        }),
      };
    case 'array':
      return { type: 'array', offset: n.offset, items: (n.children ?? []).map((c) => convert(text, c)) };
    case 'string':
      return { type: 'string', offset: n.offset, value: String(n.value), raw: rawOffsets(text, n.offset, n.length) };
    case 'number':
      return { type: 'number', offset: n.offset, value: Number(n.value) };
    case 'boolean':
      return { type: 'boolean', offset: n.offset, value: Boolean(n.value) };
    default:
      return { type: 'null', offset: n.offset, value: null };
  }
}

/** The file offset of each UTF-16 unit of a string literal's value: an escape maps to where it starts. */
function rawOffsets(text: string, offset: number, length: number): number[] {
  const out: number[] = [];
  const end = offset + length - 1; // the closing quote
  for (let i = offset + 1; i < end; ) {
    out.push(i);
    if (text[i] !== '\\') i++;
    else i += text[i + 1] === 'u' ? 6 : 2;
  }
  return out;
}

/** 1-based line and column of an offset (a column counts UTF-16 code units, as editors do; CR, LF and CRLF end lines). */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
