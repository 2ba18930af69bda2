/**
 * JSON documents: a file holding JSON objects one after another or in a
 * top-level array, pretty-printed over many lines or not (EVTX exported as
 * JSON, a cloud audit export). Each object is one row, flattened to dotted
 * names as JSON Lines are, and keeps the line it starts on.
 */
import type { FixedColumn, FormatId, LineParser, RecordSink } from './formats';
import { JsonLinesParser } from './formats';

export class JsonDocumentsParser implements LineParser {
  readonly format: FormatId = 'json';
  private readonly inner = new JsonLinesParser('jsonl');
  /** text of the object being read, one piece per line */
  private pieces: string[] = [];
  private startLine = 0;
  private depth = 0;
  /** depth at which objects are rows: 0 for objects one after another, 1 inside a top-level array */
  private base = 0;
  private inString = false;
  private escaped = false;

  columns(): string[] {
    return this.inner.columns();
  }

  fixed(): Map<string, FixedColumn> {
    return this.inner.fixed();
  }

  isOpen(): boolean {
    return this.depth > this.base;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    let segStart = this.depth > this.base ? 0 : -1;
    let stray = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      const inside = this.depth > this.base;
      if (c === 0x22) {
        if (!inside) stray = true;
        this.inString = true;
      } else if (c === 0x7b /* { */) {
        if (!inside) {
          segStart = i;
          this.startLine = lineNo;
          this.pieces = [];
        }
        this.depth++;
      } else if (c === 0x5b /* [ */) {
        if (this.depth === 0 && this.base === 0) this.base = 1;
        else if (!inside) stray = true;
        this.depth++;
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        if (this.depth === 0) {
          stray = true;
          continue;
        }
        this.depth--;
        if (c === 0x5d && this.base === 1 && this.depth === 0) this.base = 0;
        else if (c === 0x7d && this.depth === this.base && segStart >= 0) {
          this.pieces.push(text.slice(segStart, i + 1));
          this.inner.line(this.pieces.join('\n'), this.startLine, sink);
          this.pieces = [];
          segStart = -1;
        }
      } else if (!inside && c !== 0x2c && c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0xfeff) stray = true;
    }
    if (this.depth > this.base && segStart >= 0) this.pieces.push(text.slice(segStart));
    if (stray) sink.reject(lineNo, 'text outside the JSON objects (a JSON documents file holds objects, one after another or in an array)', text);
  }

  end(sink: RecordSink): void {
    if (this.depth > this.base) sink.reject(this.startLine, 'a JSON object that is not closed at the end of the file', this.pieces.join('\n').slice(0, 2000));
  }
}

/** True when the first lines look like pretty-printed JSON: an array of objects, or an object whose first line is not a whole object. */
export function looksLikeJsonDocuments(first: string): boolean {
  return /^\s*\[\s*(\{|$)/.test(first) || /^\s*\{\s*("[^"]*"\s*:\s*(\{|\[)?\s*)?$/.test(first);
}
