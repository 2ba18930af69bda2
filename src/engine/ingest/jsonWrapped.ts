/**
 * Wrapped JSON documents: each document is an object whose key holds the
 * array of events, `{"Records": [{...}, {...}]}` (a CloudTrail file from S3,
 * Azure's `{"records": [...]}` blobs, a Microsoft Graph page
 * `{"@odata.context": "…", "value": [...]}` whose `@odata.*` keys are the
 * page's metadata), compact on one line or pretty-printed,
 * one document or several one after another. Each object of the array is one
 * row, flattened as JSON Lines are, and keeps the line it starts on. The file
 * is read as a stream (a document is never held whole), so what does not fit
 * the shape is said on its line: a key whose value is not an array, an
 * element that is not an object, text between the documents, a file that ends
 * inside one.
 */
import type { FixedColumn, FormatId, LineParser, RecordSink } from './formats';
import { JsonLinesParser, walkJsonNesting } from './formats';

/** Where the reader is outside the events: before a document, at a key, its ':', its value, in its array, after a value, skipping a value. */
type Frame = 'top' | 'key' | 'colon' | 'value' | 'array' | 'next' | 'skip';

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff;

export class WrappedJsonParser implements LineParser {
  readonly format: FormatId = 'json';
  private readonly inner = new JsonLinesParser('jsonl');
  private frame: Frame = 'top';
  /** the frame a skipped value returns to */
  private after: Frame = 'next';
  private skipDepth = 0;
  /** the key being read, and the key whose value is being read */
  private key = '';
  private readingKey = false;
  /** depth of [ and { inside the event being read (0: none) */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** text of the event being read, one piece per line */
  private pieces: string[] = [];
  private startLine = 0;
  /** where the event being read starts on the current line (-1: it started on an earlier one, or none is open) */
  private segStart = -1;
  /** the first thing on the current line that does not fit the shape */
  private problem: string | undefined;
  private lastLine = 0;
  private events = 0;

  /** `wrapper`: the first document's key (for the messages). */
  constructor(private readonly wrapper: string) {}

  columns(): string[] {
    return this.inner.columns();
  }

  fixed(): Map<string, FixedColumn> {
    return this.inner.fixed();
  }

  isOpen(): boolean {
    return this.depth > 0 || this.frame !== 'top';
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    this.lastLine = lineNo;
    this.segStart = this.depth > 0 ? 0 : -1;
    this.problem = undefined;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.readingKey) {
            this.readingKey = false;
            this.frame = 'colon';
          } else if (this.frame === 'skip' && this.skipDepth === 0) this.frame = this.after;
        }
        if (this.readingKey && this.inString) this.key += text[i];
      } else if (this.depth > 0) {
        // inside an event: find where it ends
        if (c === 0x22) this.inString = true;
        else if (c === 0x7b || c === 0x5b) this.depth++;
        else if ((c === 0x7d || c === 0x5d) && --this.depth === 0) {
          this.pieces.push(text.slice(this.segStart, i + 1));
          this.inner.line(this.pieces.join('\n'), this.startLine, sink);
          this.events++;
          this.pieces = [];
          this.segStart = -1;
        }
      } else if (isSpace(c)) continue;
      else if (this.frame === 'skip') {
        if (c === 0x22) this.inString = true;
        else if (c === 0x7b || c === 0x5b) this.skipDepth++;
        else if ((c === 0x7d || c === 0x5d) && this.skipDepth > 0) {
          if (--this.skipDepth === 0) this.frame = this.after;
        } else if (this.skipDepth === 0 && (c === 0x2c || c === 0x7d || c === 0x5d)) {
          // the end of a number, true, false or null: the character belongs to the frame after it
          this.frame = this.after;
          i--;
        }
      } else this.frameChar(c, i, lineNo);
    }
    if (this.depth > 0 && this.segStart >= 0) this.pieces.push(text.slice(this.segStart));
    if (this.problem) sink.reject(lineNo, this.problem, text);
  }

  /** A character outside the events, neither space nor part of a skipped value: the document's shape. */
  private frameChar(c: number, i: number, lineNo: number): void {
    const say = (p: string) => (this.problem ??= p);
    switch (this.frame) {
      case 'top':
        if (c === 0x7b) this.frame = 'key';
        else if (c !== 0x2c) say(`text outside the documents: this file holds objects such as {"${this.wrapper}": [...]}, one after another`);
        break;
      case 'key':
        if (c === 0x22) {
          this.inString = this.readingKey = true;
          this.key = '';
        } else if (c === 0x7d) this.frame = 'top';
        else say(`a key was expected in {"${this.wrapper}": [...]}`);
        break;
      case 'colon':
        if (c === 0x3a) this.frame = 'value';
        else say(`':' was expected after "${this.key}"`);
        break;
      case 'value':
        if (c === 0x5b) this.frame = 'array';
        else if (isMetadataKey(this.key)) this.skip(c, 'next');
        else {
          say(`"${this.key}" holds no array of events; its value is not read`);
          this.skip(c, 'next');
        }
        break;
      case 'array':
        if (c === 0x7b) {
          this.depth = 1;
          this.segStart = i;
          this.startLine = lineNo;
          this.pieces = [];
        } else if (c === 0x5d) this.frame = 'next';
        else if (c !== 0x2c) {
          say(`an element of "${this.key}" that is not an object (each event is an object); it is not read`);
          this.skip(c, 'array');
        }
        break;
      case 'next':
        if (c === 0x2c) this.frame = 'key';
        else if (c === 0x7d) this.frame = 'top';
        else say(`',' or '}' was expected after the value of "${this.key}"`);
        break;
    }
  }

  /** Skips the value that starts with character c, then goes on in frame `after`. */
  private skip(c: number, after: Frame): void {
    this.after = after;
    this.frame = 'skip';
    this.skipDepth = c === 0x7b || c === 0x5b ? 1 : 0;
    if (c === 0x22) this.inString = true;
  }

  end(sink: RecordSink): void {
    if (this.depth > 0) sink.reject(this.startLine, 'a JSON object that is not closed at the end of the file', this.pieces.join('\n').slice(0, 2000));
    else if (this.frame !== 'top') {
      sink.reject(this.lastLine, `the file ends inside {"${this.wrapper}": [...]} (a cut file?): the ${this.events.toLocaleString('en-US')} events before the end were read`, '');
    }
  }
}

/** OData's metadata of a page (`@odata.context`, `@odata.nextLink`, `@odata.count`): not events, read past without a word. */
const isMetadataKey = (key: string) => key.startsWith('@odata.');

/**
 * `{ "Key" : [ {` or `[ ]` at the start of the text: the document's first key holds an array of objects, or an empty one;
 * OData metadata keys with a string, number, boolean or null before it are allowed.
 */
const WRAPPED_START = /^\s*\{(?:\s*"@odata\.(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)\s*,)*\s*"((?:[^"\\]|\\.)*)"\s*:\s*\[\s*[{\]]/;

/**
 * The key when the first lines start a wrapped document: an object whose only
 * key holds an array of objects. When the first document ends within the
 * lines it is parsed to check that; a longer one is judged by its start.
 */
export function wrapperKey(lines: string[]): string | undefined {
  let text = '';
  for (const l of lines) {
    if (text.length > 1 << 20) break;
    text += l + '\n';
  }
  const m = WRAPPED_START.exec(text);
  if (!m) return undefined;
  const end = endOfFirstValue(text);
  if (end < 0) return keyText(m[1]);
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  const keys = Object.keys(doc as object).filter((k) => !isMetadataKey(k));
  const v = keys.length === 1 ? (doc as Record<string, unknown>)[keys[0]] : undefined;
  return Array.isArray(v) && v.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e)) ? keys[0] : undefined;
}

/** A key as written between its quotes, read as JSON; as written when it is not valid JSON (a raw tab): the reader reports what is wrong on its line. */
function keyText(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** The index just after the text's first JSON value (an object or array), or -1 when it does not end in the text. */
function endOfFirstValue(text: string): number {
  const close = walkJsonNesting(text, (_, depth) => depth === 0);
  return close < 0 ? -1 : close + 1;
}
