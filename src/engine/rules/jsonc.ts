/**
 * JSON with comments (// and block comments) and trailing commas, parsed into
 * a tree that keeps each value's offset, so that errors in a rules file can
 * point at the line and column of the value they are about. JSON.parse gives
 * neither comments nor positions.
 */

export type JsonNode =
  | { type: 'object'; offset: number; end: number; props: JsonProp[] }
  | { type: 'array'; offset: number; end: number; items: JsonNode[] }
  | { type: 'string'; offset: number; end: number; value: string; raw: number[] }
  | { type: 'number'; offset: number; end: number; value: number }
  | { type: 'boolean'; offset: number; end: number; value: boolean }
  | { type: 'null'; offset: number; end: number; value: null };

export interface JsonProp {
  key: string;
  keyOffset: number;
  value: JsonNode;
}

export class JsoncSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** 1-based line and column of an offset (a column counts UTF-16 code units, as editors do). */
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

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses JSONC; throws JsoncSyntaxError with the offset of the first error. */
export function parseJsonc(text: string): JsonNode {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (msg: string, at = i): never => {
    throw new JsoncSyntaxError(msg, at);
  };
  const describe = (at: number) => (at >= text.length ? 'the end of the file' : `'${text[at]}'`);

  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      } else if (c === '/' && text[i + 1] === '*') {
        const close = text.indexOf('*/', i + 2);
        if (close < 0) fail('unterminated comment');
        i = close + 2;
      } else return;
    }
  };

  const string = (): Extract<JsonNode, { type: 'string' }> => {
    const start = i;
    i++; // opening quote
    let value = '';
    // raw[k] = offset in the text of the k-th character of the value, so positions inside a string can be reported
    const raw: number[] = [];
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i];
      if (c === '"') {
        i++;
        return { type: 'string', offset: start, end: i, value, raw };
      }
      if (c === '\n' || c === '\r') fail('line break inside a string (write \\n)', i);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape', i);
          raw.push(i);
          value += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          raw.push(i);
          value += ESCAPES[e];
          i += 2;
        } else fail(`bad escape \\${e ?? ''}`, i);
      } else {
        raw.push(i);
        value += c;
        i++;
      }
    }
  };

  const value = (): JsonNode => {
    skip();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const props: JsonProp[] = [];
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return { type: 'object', offset: start, end: i, props };
        }
        if (text[i] !== '"') fail(`expected a property name in double quotes or '}', found ${describe(i)}`);
        const key = string();
        skip();
        if (text[i] !== ':') fail(`expected ':' after the property name "${key.value}", found ${describe(i)}`);
        i++;
        props.push({ key: key.value, keyOffset: key.offset, value: value() });
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail(`expected ',' or '}' after a property, found ${describe(i)}`);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      for (;;) {
        skip();
        if (text[i] === ']') {
          i++;
          return { type: 'array', offset: start, end: i, items };
        }
        items.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail(`expected ',' or ']' after an array item, found ${describe(i)}`);
      }
    }
    if (c === '"') return string();
    const num = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (num) {
      i += num[0].length;
      return { type: 'number', offset: start, end: i, value: Number(num[0]) };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v === null ? { type: 'null', offset: start, end: i, value: null } : { type: 'boolean', offset: start, end: i, value: v };
      }
    }
    return fail(`expected a value, found ${describe(i)}`);
  };

  const root = value();
  skip();
  if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
  return root;
}
