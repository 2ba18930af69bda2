import { RFC5424_RE } from './rfc5424';
import { parseSshd, SYSLOG_LINE_RE, syslogReader } from './syslog';
import { looksLikeW3c, W3cParser } from './w3c';
import type { CellValue } from '../store/sqliteImage';
import type { ColumnType, TimeFormat } from './values';
import { LogInvestigatorError } from '../errors';
import { parseJsonExact } from './jsonExact';
import { jsonText } from '../output';
import { exactInteger } from './values';
import { accessSplitter, delimitedSplitter, zeekSplitter, type FieldSplitter } from './fastPath';
import { JsonDocumentsParser, looksLikeJsonDocuments } from './jsonDocuments';
import { WrappedJsonParser, wrapperKey } from './jsonWrapped';
import { learnHeader, LearnedParser, stampHoldsDelimiter } from './learned';
import { logColumnNames } from './logColumns';
import { detectLnav, lnavFormatsIn, LnavParser } from './lnav';

export const FORMATS = ['csv', 'tsv', 'spaces', 'jsonl', 'json', 'zeek', 'zeek-json', 'apache', 'syslog', 'apache-error', 'w3c', 'lnav', 'learned', 'lines', 'sqlite'] as const;
export type FormatId = (typeof FORMATS)[number];

export const FORMAT_TITLES: Record<FormatId, string> = {
  csv: 'CSV with a header (delimiter , ; | or tab)',
  tsv: 'Tab-separated values with a header',
  spaces: 'Whitespace-separated fields without a header (e.g. date time page user cohort ip)',
  jsonl: 'JSON Lines (nested objects flattened to dotted names)',
  json: 'JSON documents: objects one after another or in an array, pretty-printed or not (EVTX or cloud audit exports); a document whose one key holds an array of objects ({"Records": [...]}) is a row per object',
  zeek: 'Zeek TSV log (#separator, #fields, #types)',
  'zeek-json': 'Zeek JSON log',
  apache: 'Apache / Nginx access log (common or combined)',
  syslog: 'Syslog lines (with sshd authentication details)',
  'apache-error': 'Apache error log',
  w3c: 'W3C extended log format (IIS and others: #Fields: date time cs-method cs-uri-stem sc-status …)',
  lnav: 'A format defined by an lnav format file (.log-investigator/formats/*.json, ~/.lnav/formats/installed)',
  learned: 'Lines with a header learned from the first lines (time stamp, level, pid, component…, then the message); lines without one continue the record above',
  lines: 'Plain text, one message per line',
  sqlite: 'SQLite database file',
};

/** A record as parsed: values aligned with the parser's columns; strings may still be converted by type. */
export type RawRecord = CellValue[];

export interface RecordSink {
  record(values: RawRecord, startLine: number): void;
  reject(line: number, reason: string, raw: string): void;
}

/** A column whose type the format itself defines (no inference needed). */
export interface FixedColumn {
  name: string;
  type: ColumnType;
  timeFormat?: TimeFormat;
  /** null: the format knows this column plays no role (syslog's `program` is no group). */
  role?: null;
}

export interface LineParser {
  readonly format: FormatId;
  /** Current column names; JSON Lines may add columns as it reads. */
  columns(): string[];
  /** Types the format defines for some columns (Zeek #types, Apache, syslog). */
  fixed(): Map<string, FixedColumn>;
  /** True when names came from a header or the format, false when they are colN defaults. */
  line(text: string, lineNo: number, sink: RecordSink): void;
  end(sink: RecordSink): void;
  /** True while a record spans lines (a quoted CSV field): the next line must come here. */
  isOpen?(): boolean;
  /**
   * A splitter for the byte path (ingest/fastPath.ts), asked once the first records
   * are parsed; null or absent: every line goes through line().
   */
  fastSplitter?(): FieldSplitter | null;
}

export interface DetectOptions {
  format?: FormatId;
  columns?: string[];
  header?: boolean;
  delimiter?: string;
  /** Folders of lnav format files (JSON) to try; see ingest/lnav.ts. */
  formatDirs?: string[];
}

export interface Detected {
  format: FormatId;
  parser: LineParser;
  delimiter?: string;
  header?: boolean;
  /** The name of the lnav format used. */
  formatName?: string;
}

/**
 * A quoted field longer than this (lines, or characters) is taken for a
 * quote that never closes: the record's first line is rejected and the
 * lines after it are read again, so one stray quote costs one record.
 */
const MAX_RECORD_LINES = 1000;
const MAX_RECORD_CHARS = 1 << 20;

// ---------------------------------------------------------------- delimited

/**
 * RFC 4180 records over lines: quoted fields may hold delimiters, doubled
 * quotes and newlines; a record that spans lines keeps the line it starts on.
 */
export class DelimitedParser implements LineParser {
  readonly format: FormatId;
  private names: string[];
  private readonly userNames: string[] | null;
  private expected: number;
  private skipHeader: boolean;
  // state of a record still open inside quotes
  private fields: string[] = [];
  private field = '';
  private open = false;
  private startLine = 0;
  private rawLines: string[] = [];
  private rawChars = 0;

  constructor(
    private readonly delim: string,
    format: FormatId,
    names: string[] | null,
    header: boolean,
    private readonly collapse = false,
  ) {
    this.format = format;
    // a header's names win over names from the user, which are for headerless files
    this.userNames = header ? null : names;
    this.names = [];
    this.expected = -1;
    this.skipHeader = header;
  }

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return new Map();
  }

  isOpen(): boolean {
    return this.open;
  }

  fastSplitter(): FieldSplitter | null {
    // runs of whitespace and non-ASCII delimiters stay on the string path
    return this.collapse || this.delim.length !== 1 || this.delim.charCodeAt(0) >= 0x80 ? null : delimitedSplitter(this.delim.charCodeAt(0));
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (!this.open) {
      if (text.length === 0 || (this.collapse && text.trim() === '')) return;
      if (this.collapse) {
        this.emit(text.trim().split(/\s+/), lineNo, text, sink);
        return;
      }
      if (text.indexOf('"') < 0) {
        this.emit(text.split(this.delim), lineNo, text, sink);
        return;
      }
      this.fields = [];
      this.field = '';
      this.startLine = lineNo;
      this.rawLines = [];
      this.rawChars = 0;
    } else {
      this.field += '\n';
    }
    this.rawLines.push(text);
    this.rawChars += text.length + 1;
    this.scan(text);
    if (this.open) {
      if (this.rawLines.length >= MAX_RECORD_LINES || this.rawChars > MAX_RECORD_CHARS) {
        this.giveUp(sink, `a quoted field opened on this line is not closed within ${this.rawLines.length >= MAX_RECORD_LINES ? `${MAX_RECORD_LINES} lines` : `${MAX_RECORD_CHARS.toLocaleString('en-US')} characters`}; the lines after it were read again`);
      }
      return;
    }
    this.fields.push(this.field);
    if (this.rawLines.length > 1 && this.expected >= 0 && !this.skipHeader && this.fields.length !== this.expected) {
      // the quote closed on a later line, but what it closed is no record: it was a stray quote, so
      // its line alone is rejected and the lines after it are read again
      this.open = true;
      this.giveUp(sink, `a quote opened on this line closes on line ${this.startLine + this.rawLines.length - 1}, giving ${this.fields.length} fields instead of ${this.expected}; the lines after it were read again`);
      return;
    }
    this.emit(this.fields, this.startLine, this.rawLines.join('\n'), sink);
  }

  /** Parses one physical line, continuing a quoted field if one is open. */
  private scan(text: string): void {
    const d = this.delim;
    const n = text.length;
    let i = 0;
    let f = this.field;
    let inQuote = this.open;
    let fieldStart = !this.open && f === '';
    while (i < n) {
      const c = text[i];
      if (inQuote) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            f += '"';
            i += 2;
            continue;
          }
          inQuote = false;
          i++;
          continue;
        }
        const q = text.indexOf('"', i);
        const stop = q < 0 ? n : q;
        f += text.slice(i, stop);
        i = stop;
        continue;
      }
      if (c === d) {
        this.fields.push(f);
        f = '';
        fieldStart = true;
        i++;
        continue;
      }
      if (c === '"' && fieldStart) {
        inQuote = true;
        fieldStart = false;
        i++;
        continue;
      }
      fieldStart = false;
      f += c;
      i++;
    }
    this.field = f;
    this.open = inQuote;
  }

  /** An unterminated quote: reject its first line and read the rest again. */
  private giveUp(sink: RecordSink, reason: string): void {
    const lines = this.rawLines;
    const start = this.startLine;
    this.open = false;
    this.fields = [];
    this.field = '';
    this.rawLines = [];
    sink.reject(start, reason, lines[0]);
    for (let k = 1; k < lines.length; k++) this.line(lines[k], start + k, sink);
  }

  private emit(fields: string[], lineNo: number, raw: string, sink: RecordSink): void {
    if (this.skipHeader) {
      this.skipHeader = false;
      if (this.expected < 0) {
        this.names = fields;
        this.expected = fields.length;
      }
      return;
    }
    if (this.expected < 0) {
      // names given by the user cover the first fields; the rest are colN
      this.expected = fields.length;
      this.names = fields.map((_, i) => this.userNames?.[i] ?? `col${i + 1}`);
    }
    if (fields.length > this.expected && this.delim === '|' && this.expected > 0) {
      // pipe-separated logs end in free text (a message) that may hold a pipe of its own: it belongs to the last field
      fields = [...fields.slice(0, this.expected - 1), fields.slice(this.expected - 1).join('|')];
    }
    if (fields.length !== this.expected) {
      sink.reject(lineNo, `${fields.length} fields, expected ${this.expected}`, raw);
      return;
    }
    const out: CellValue[] = fields;
    for (let i = 0; i < out.length; i++) if (out[i] === '') out[i] = null;
    sink.record(out, lineNo);
  }

  end(sink: RecordSink): void {
    // read again, a line after the stray quote may open another one: repeat until none is open
    while (this.open) this.giveUp(sink, 'a quoted field opened on this line is never closed (end of file); the lines after it were read again');
  }
}

// ---------------------------------------------------------------- JSON Lines

export class JsonLinesParser implements LineParser {
  private names: string[] = [];
  private index = new Map<string, number>();
  private readonly fixedCols = new Map<string, FixedColumn>();

  constructor(readonly format: FormatId) {}

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = parseJsonExact(text);
    } catch (e) {
      sink.reject(lineNo, e instanceof RangeError ? tooDeep(text) : `not valid JSON: ${(e as Error).message}`, text);
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      sink.reject(lineNo, 'a JSON value that is not an object', text);
      return;
    }
    const out: CellValue[] = new Array(this.names.length).fill(null);
    try {
      this.flatten(obj as Record<string, unknown>, '', out, 0);
    } catch (e) {
      // JSON.parse reads any depth; writing a value back as text recurses, and thousands of levels exhaust the stack
      if (!(e instanceof RangeError)) throw e;
      sink.reject(lineNo, tooDeep(text), text);
      return;
    }
    sink.record(out, lineNo);
  }

  private slot(name: string, out: CellValue[]): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    while (out.length <= i) out.push(null);
    return i;
  }

  private flatten(obj: Record<string, unknown>, prefix: string, out: CellValue[], depth: number): void {
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const name = prefix + key;
      // objects become dotted columns down to MAX_FLATTEN_DEPTH; deeper ones are kept whole, as JSON text
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_FLATTEN_DEPTH) {
        this.flatten(v as Record<string, unknown>, name + '.', out, depth + 1);
        continue;
      }
      const i = this.slot(name, out);
      if (v === null || v === undefined) out[i] = null;
      else if (typeof v === 'boolean') {
        out[i] = v ? 1 : 0;
        if (!this.fixedCols.has(name)) this.fixedCols.set(name, { name, type: 'boolean' });
      } else if (typeof v === 'number' || typeof v === 'bigint') out[i] = v;
      else if (typeof v === 'string') out[i] = v;
      else {
        out[i] = jsonText(v);
        if (!this.fixedCols.has(name)) this.fixedCols.set(name, { name, type: 'json' });
      }
    }
  }

  end(): void {}
}

/** Levels of nested objects that become dotted column names (a.b.c); a deeper object is one JSON column. */
const MAX_FLATTEN_DEPTH = 16;

const tooDeep = (text: string) => `a JSON value nested too deep to store (${jsonDepth(text).toLocaleString('en-US')} levels of [ and {); the line is kept here as it was`;

/**
 * Walks the [ { ] } of a JSON text that are outside strings, calling `visit` with each one's index
 * and the nesting depth after it; stops at the first `visit` that returns true and gives its index
 * (-1 when none did).
 */
export function walkJsonNesting(text: string, visit: (i: number, depth: number) => boolean | void): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if ((c === 0x5b || c === 0x7b ? visit(i, ++depth) : c === 0x5d || c === 0x7d ? visit(i, --depth) : false) === true) return i;
  }
  return -1;
}

/** The deepest nesting of [ and { outside strings in a JSON text. */
export function jsonDepth(text: string): number {
  let max = 0;
  walkJsonNesting(text, (_, depth) => {
    max = Math.max(max, depth);
  });
  return max;
}

// ---------------------------------------------------------------- Zeek TSV

const ZEEK_TYPES: Record<string, ColumnType> = {
  time: 'timestamp', interval: 'real', count: 'integer', int: 'integer', port: 'integer', double: 'real',
  addr: 'ip', subnet: 'text', bool: 'boolean', string: 'text', enum: 'text', pattern: 'text',
};

/**
 * Zeek's ASCII writer escapes a backslash as `\\` and separators and
 * unprintable bytes as `\xHH`; the JSON writer does not, so both logs of the
 * same traffic read the same only once these are undone. Escaped bytes are
 * UTF-8 (Zeek escapes byte by byte).
 */
export function unescapeZeek(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (c === '\\' && s[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      const cp = s.codePointAt(i)!;
      for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Longest #fields / #types value read: 64 KiB is over a thousand field names. */
const MAX_ZEEK_HEADER = 1 << 16;

export class ZeekParser implements LineParser {
  readonly format: FormatId = 'zeek';

  fastSplitter(): FieldSplitter | null {
    return this.sep === '\t' ? zeekSplitter(this.unset, this.empty) : null;
  }

  sep = '\t';
  unset = '-';
  empty = '(empty)';
  private names: string[] = [];
  private types: ColumnType[] = [];
  private readonly fixedCols = new Map<string, FixedColumn>();

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.length === 0) return;
    if (text[0] === '#') {
      const sp = text.indexOf(text.startsWith('#separator') ? ' ' : this.sep);
      const key = sp < 0 ? text : text.slice(0, sp);
      const value = sp < 0 ? '' : text.slice(sp + 1);
      if (key === '#separator') this.sep = value.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      else if (key === '#unset_field') this.unset = value;
      else if (key === '#empty_field') this.empty = value;
      else if (key === '#fields' && this.names.length === 0) {
        // a real Zeek log names a few dozen fields; a huge #fields line is damage, said at once
        if (value.length > MAX_ZEEK_HEADER) {
          throw new LogInvestigatorError('UNREADABLE', `line ${lineNo}: the Zeek #fields header is ${value.length.toLocaleString('en-US')} characters long (at most ${MAX_ZEEK_HEADER.toLocaleString('en-US')}); the file is damaged or not a Zeek log.`);
        }
        this.names = value.split(this.sep);
      }
      else if (key === '#types' && this.types.length === 0 && value.length <= MAX_ZEEK_HEADER) {
        value.split(this.sep).forEach((t, i) => {
          const type: ColumnType = t.startsWith('set[') || t.startsWith('vector[') ? 'text' : ZEEK_TYPES[t] ?? 'text';
          this.types[i] = type;
          const name = this.names[i];
          if (name) this.fixedCols.set(name, { name, type, timeFormat: type === 'timestamp' ? 'epoch-s' : undefined });
        });
      }
      return;
    }
    const parts = text.split(this.sep);
    if (this.names.length === 0) {
      sink.reject(lineNo, 'a Zeek data line before the #fields header', text);
      return;
    }
    if (parts.length !== this.names.length) {
      sink.reject(lineNo, `${parts.length} fields, expected ${this.names.length} (from #fields)`, text);
      return;
    }
    const out: CellValue[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p === this.unset) out[i] = null;
      else if (p === this.empty) out[i] = '';
      else {
        const t = this.types[i];
        if (t === 'integer' || t === 'real' || t === 'timestamp') {
          const n = Number(p);
          // Zeek's count and int are 64-bit: past 2^53 they are kept exactly (or as text beyond 64 bits)
          out[i] = t === 'integer' && !Number.isSafeInteger(n) && /^-?\d+$/.test(p) ? exactInteger(p) ?? p : Number.isFinite(n) ? n : p;
        } else if (t === 'boolean') out[i] = p === 'T' ? 1 : p === 'F' ? 0 : p;
        else out[i] = p.includes('\\') ? unescapeZeek(p) : p;
      }
    }
    sink.record(out, lineNo);
  }

  end(): void {}
}

// ---------------------------------------------------------------- Apache / Nginx access

const ACCESS_RE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;
const REQUEST_RE = /^(\S+) (\S+)(?: (\S+))?$/;
const APACHE_COLUMNS: FixedColumn[] = [
  { name: 'client_ip', type: 'ip' },
  { name: 'ident', type: 'text', role: null },
  { name: 'user', type: 'text' },
  { name: 'time', type: 'timestamp', timeFormat: 'apache' },
  { name: 'method', type: 'text' },
  { name: 'path', type: 'text' },
  { name: 'protocol', type: 'text' },
  { name: 'status', type: 'integer' },
  { name: 'bytes', type: 'integer' },
  { name: 'referrer', type: 'text', role: null },
  { name: 'user_agent', type: 'text', role: null },
  { name: 'extra', type: 'text' },
];

class FixedRegexParser implements LineParser {
  private readonly names: string[];
  private readonly fixedCols: Map<string, FixedColumn>;
  constructor(
    readonly format: FormatId,
    cols: FixedColumn[],
    private readonly parse: (text: string) => CellValue[] | string,
    private readonly splitter?: () => FieldSplitter,
  ) {
    this.names = cols.map((c) => c.name);
    this.fixedCols = new Map(cols.map((c) => [c.name, c]));
  }
  fastSplitter(): FieldSplitter | null {
    return this.splitter ? this.splitter() : null;
  }
  columns(): string[] {
    return this.names;
  }
  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }
  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.length === 0) return;
    const r = this.parse(text);
    if (typeof r === 'string') sink.reject(lineNo, r, text);
    else sink.record(r, lineNo);
  }
  end(): void {}
}

const dash = (s: string | undefined): string | null => (s === undefined || s === '-' || s === '' ? null : s);

function parseAccess(text: string): CellValue[] | string {
  const m = ACCESS_RE.exec(text);
  if (!m) return 'not an access-log line (expected: host ident user [time] "request" status bytes ["referrer" "user agent"])';
  const req = m[5];
  const r = REQUEST_RE.exec(req);
  const status = m[6] === '-' ? null : +m[6];
  const bytes = m[7] === '-' ? null : +m[7];
  const extra = m[10] ? m[10].trim() || null : null;
  return [m[1], dash(m[2]), dash(m[3]), m[4], r ? r[1] : null, r ? r[2] : dash(req), r ? r[3] ?? null : null, status, bytes, dash(m[8]), dash(m[9]), extra];
}

// ---------------------------------------------------------------- syslog

export { parseSshd };

/** BSD syslog lines, RFC 5424 lines, or both in one file, each line read by the form it has (ingest/syslog.ts). */
function makeSyslogParser(sample: readonly string[]): LineParser {
  const r = syslogReader(sample);
  return new FixedRegexParser('syslog', r.columns, r.row);
}

// ---------------------------------------------------------------- Apache error log

const APACHE_ERROR_RE = /^\[([^\]]+)\] \[([^\]]+)\](?: \[(?:client|remote) ([^\]\s]+?)(?::\d+)?\])? ?(.*)$/;
function makeApacheErrorParser(): LineParser {
  return new FixedRegexParser(
    'apache-error',
    [
      { name: 'time', type: 'timestamp', timeFormat: 'ctime' },
      { name: 'level', type: 'text' },
      { name: 'client_ip', type: 'ip' },
      { name: 'message', type: 'text' },
    ],
    (text) => {
      const m = APACHE_ERROR_RE.exec(text);
      if (!m) return 'not an Apache error-log line (expected: [time] [level] message)';
      return [m[1], m[2], m[3] ?? null, m[4]];
    },
  );
}

function makeLinesParser(): LineParser {
  return new FixedRegexParser('lines', [{ name: 'message', type: 'text' }], (text) => [text]);
}

// ---------------------------------------------------------------- detection

const share = (lines: string[], pred: (l: string) => boolean): number => (lines.length ? lines.filter(pred).length / lines.length : 0);

/** Field counts per record of the first lines, honouring quotes. */
function fieldCounts(lines: string[], delim: string): number[] {
  const counts: number[] = [];
  const p = new DelimitedParser(delim, 'csv', null, false);
  let expectedSet = false;
  const sink: RecordSink = {
    record: (v) => counts.push(v.length),
    reject: (_l, reason) => {
      const m = /^(\d+) fields/.exec(reason);
      if (m) counts.push(+m[1]);
    },
  };
  for (let i = 0; i < lines.length && counts.length < 200; i++) {
    p.line(lines[i], i + 1, sink);
    expectedSet = true;
  }
  return expectedSet ? counts : [];
}

function mode(xs: number[]): { value: number; share: number } {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  let best = 0;
  let n = 0;
  for (const [k, v] of m) if (v > n) [best, n] = [k, v];
  return { value: best, share: xs.length ? n / xs.length : 0 };
}

const IDENT_RE = /^[\p{L}_@#$][\p{L}\p{N} _.\-@#$/()[\]:]*$/u;
const DATA_RE = /^[-+]?\d|^\d{1,3}(\.\d{1,3}){3}$|^(true|false)$/i;

/**
 * A first row is a header when it holds no data-like values while some
 * column below does (numbers, addresses), or, when everything is text,
 * when it looks like a row of distinct names.
 */
function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.length === 0) return false;
  const unquoted = first.map((f) => f.trim());
  if (unquoted.some((f) => f !== '' && DATA_RE.test(f))) return false;
  if (new Set(unquoted).size < unquoted.length * 0.8) return false;
  for (let c = 0; c < first.length; c++) {
    if (rest.length && rest.filter((r) => r[c] !== undefined && r[c] !== '' && DATA_RE.test(r[c])).length >= rest.length * 0.5) return true;
  }
  const named = unquoted.filter((f) => f !== '' && IDENT_RE.test(f)).length;
  if (named < Math.max(1, Math.ceil(first.length * 0.6))) return false;
  return rest.every((r) => r.join('\u0000') !== first.join('\u0000'));
}

function splitRecords(lines: string[], delim: string, max = 50): string[][] {
  const out: string[][] = [];
  const p = new DelimitedParser(delim, 'csv', null, false);
  const sink: RecordSink = { record: (v) => out.push(v.map((x) => (x === null ? '' : String(x)))), reject: () => undefined };
  for (let i = 0; i < lines.length && out.length < max; i++) p.line(lines[i], i + 1, sink);
  return out;
}

export function makeParser(format: FormatId, lines: string[], opts: DetectOptions): Detected {
  const names = opts.columns && opts.columns.length ? opts.columns : null;
  switch (format) {
    case 'csv':
    case 'tsv': {
      const delim = opts.delimiter ?? (format === 'tsv' ? '\t' : guessDelimiter(lines) ?? ',');
      const recs = splitRecords(lines, delim);
      const header = opts.header ?? looksLikeHeader(recs[0] ?? [], recs.slice(1));
      // a log without a header (HealthApp's time|component|pid|message) gets its columns named as a learned header's
      const logNames = header || names ? null : logColumnNames(recs);
      return { format, parser: new DelimitedParser(delim, format, names ?? logNames, header), delimiter: delim, header };
    }
    case 'spaces': {
      const single = consistentSpaces(lines);
      const collapse = !single;
      const recs = collapse ? lines.filter((l) => l.trim()).slice(0, 50).map((l) => l.trim().split(/\s+/)) : splitRecords(lines, ' ');
      const header = opts.header ?? (names ? false : looksLikeHeader(recs[0] ?? [], recs.slice(1)));
      return { format, parser: new DelimitedParser(' ', format, names, header, collapse), delimiter: collapse ? 'whitespace' : ' ', header };
    }
    case 'jsonl':
    case 'zeek-json':
      return { format, parser: new JsonLinesParser(format) };
    case 'json': {
      // {"Records": [...]}: the events are the array's objects
      const key = wrapperKey(lines.filter((l) => l.trim().length > 0));
      return { format, parser: key === undefined ? new JsonDocumentsParser() : new WrappedJsonParser(key) };
    }
    case 'zeek':
      return { format, parser: new ZeekParser() };
    case 'apache':
      return { format, parser: new FixedRegexParser('apache', APACHE_COLUMNS, parseAccess, accessSplitter) };
    case 'syslog':
      return { format, parser: makeSyslogParser(lines.filter((l) => l.length).slice(0, 500)) };
    case 'apache-error':
      return { format, parser: makeApacheErrorParser() };
    case 'w3c':
      return { format, parser: new W3cParser() };
    case 'lnav': {
      const f = detectLnav(lnavFormatsIn(opts.formatDirs ?? []).formats, lines);
      if (!f) throw new LogInvestigatorError('BAD_OPTION', 'No lnav format file (in .log-investigator/formats or lnav\'s folder) has patterns that match most of the first lines.');
      return { format, parser: new LnavParser(f, lines), formatName: f.name };
    }
    case 'learned': {
      const h = learnHeader(lines);
      if (!h) throw new LogInvestigatorError('BAD_OPTION', 'No time stamp was found where most of the first lines have one; choose another format.');
      return { format, parser: new LearnedParser(h) };
    }
    case 'lines':
      return { format, parser: makeLinesParser() };
    case 'sqlite':
      throw new LogInvestigatorError('BAD_OPTION', 'This file is not a SQLite database; choose another format.');
  }
}

/**
 * Share of the first records that must have the most common field count for
 * a delimiter to be taken; a file whose name says .csv or .tsv needs half.
 */
const CSV_CONSISTENT_SHARE = 0.95;
const CSV_NAMED_SHARE = 0.5;

function guessDelimiter(lines: string[], minShare = CSV_CONSISTENT_SHARE): string | null {
  let best: { d: string; score: number } | null = null;
  for (const d of [',', '\t', ';', '|']) {
    const counts = fieldCounts(lines.slice(0, 200), d);
    if (counts.length === 0) continue;
    const m = mode(counts);
    // a file is CSV only when its records agree on the number of fields
    if (m.value < 2 || m.share < minShare) continue;
    const score = m.share * 1000 + m.value;
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d ?? null;
}

function consistentSpaces(lines: string[]): boolean {
  const sample = lines.filter((l) => l.length).slice(0, 200);
  if (sample.length === 0) return false;
  const m = mode(sample.map((l) => l.split(' ').length));
  return m.value >= 2 && m.share >= 0.95;
}

/** Decides the format from the first lines of a file. */
export function detect(lines: string[], opts: DetectOptions = {}, fileName?: string): Detected {
  if (opts.format) return makeParser(opts.format, lines, opts);
  const nonEmpty = lines.filter((l) => l.trim().length > 0).slice(0, 200);
  if (nonEmpty.length === 0) throw new LogInvestigatorError('EMPTY', 'The file holds only blank lines: there is nothing to index.');
  if (/^#(separator|fields)\b/.test(nonEmpty[0])) return makeParser('zeek', lines, opts);
  if (looksLikeW3c(nonEmpty)) return makeParser('w3c', lines, opts);
  if (nonEmpty[0].trimStart().startsWith('{')) {
    if (wrapperKey(nonEmpty) !== undefined) return makeParser('json', lines, opts);
    const objs = nonEmpty.slice(0, 50).map((l) => {
      try {
        const v = JSON.parse(l);
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    });
    const ok = objs.filter((o) => o !== null);
    if (ok.length >= objs.length * 0.8) {
      const zeek = ok.every((o) => 'ts' in o! && ('uid' in o! || '_path' in o! || 'id.orig_h' in o!));
      return makeParser(zeek ? 'zeek-json' : 'jsonl', lines, opts);
    }
  }
  if (looksLikeJsonDocuments(nonEmpty[0])) return makeParser('json', lines, opts);
  const probe = nonEmpty.slice(0, 100);
  if (share(probe, (l) => ACCESS_RE.test(l)) >= 0.8) return makeParser('apache', lines, opts);
  if (share(probe, (l) => SYSLOG_LINE_RE.test(l) || RFC5424_RE.test(l)) >= 0.8) return makeParser('syslog', lines, opts);
  if (share(probe, (l) => APACHE_ERROR_RE.test(l) && /^\[[A-Z][a-z]{2} /.test(l)) >= 0.8) return makeParser('apache-error', lines, opts);
  if (opts.formatDirs?.length) {
    const f = detectLnav(lnavFormatsIn(opts.formatDirs).formats, nonEmpty);
    if (f) return { format: 'lnav', parser: new LnavParser(f, nonEmpty), formatName: f.name };
  }
  // a header learned from the lines (ingest/learned.ts) wins over a delimiter that is part of its stamp (`18:01:47,978`)
  const learned = learnHeader(nonEmpty);
  const delim = opts.delimiter ?? guessDelimiter(lines, fileName && /\.(csv|tsv)(\.gz)?$/i.test(fileName) ? CSV_NAMED_SHARE : CSV_CONSISTENT_SHARE);
  if (delim && !(learned && !opts.delimiter && stampHoldsDelimiter(learned, nonEmpty, delim))) {
    return makeParser(delim === '\t' ? 'tsv' : 'csv', lines, { ...opts, delimiter: delim });
  }
  if (consistentSpaces(lines) || share(probe, (l) => l.trim().split(/\s+/).length >= 2) === 1) {
    const counts = probe.map((l) => l.trim().split(/\s+/).length);
    if (consistentSpaces(lines) || mode(counts).share >= 0.95) return makeParser('spaces', lines, opts);
  }
  if (learned) return { format: 'learned', parser: new LearnedParser(learned) };
  return makeParser('lines', lines, opts);
}
