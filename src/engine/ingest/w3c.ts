/**
 * The W3C extended log format (IIS, and others that follow it): directives
 * `#Software`, `#Version`, `#Date` and `#Fields: date time s-ip cs-method
 * cs-uri-stem …`, then one space-separated line per request, `-` for a
 * missing value, strings with spaces quoted ("…") — IIS writes them with `+`
 * for the spaces instead. Columns keep the field names (`cs-method`,
 * `cs-uri-query`, `sc-status`, `cs(User-Agent)`), which Sigma's webserver
 * rules use; `date` and `time` (UTC) make `_time`. A `#Fields` line further
 * on (IIS writes one each time the service restarts) may name other fields:
 * the lines after it are read with it, and new names become new columns.
 */
import type { FixedColumn, LineParser, RawRecord, RecordSink } from './formats';
import type { ColumnType } from './values';

const INTEGER_FIELDS = new Set(['sc-status', 'sc-substatus', 'sc-win32-status', 's-port', 'c-port', 'time-taken', 'sc-bytes', 'cs-bytes', 'bytes', 'status', 'count']);
const IP_FIELDS = new Set(['c-ip', 's-ip', 'cs-ip', 'sc-ip', 'r-ip', 'x-forwarded-for']);
/** The server's own address, port and name are the same on every line: no ip or resource role. */
const NO_ROLE = new Set(['s-ip', 's-port', 's-computername', 's-sitename', 'cs-host', 'r-ip']);
/** Fields where IIS writes '+' for a space. */
const PLUS_IS_SPACE = new Set(['cs(user-agent)', 'cs-user-agent', 'c-useragent']);

/** True when the first non-empty lines open with W3C directives and name the fields. */
export function looksLikeW3c(lines: string[]): boolean {
  const head = lines.filter((l) => l.trim()).slice(0, 10);
  if (!head.length || !/^#(Software|Version|Date|Fields|Remark|Start-Date):/.test(head[0])) return false;
  return head.some((l) => l.startsWith('#Fields:'));
}

function typeOf(field: string): ColumnType {
  const f = field.toLowerCase();
  if (f === 'date') return 'date';
  if (f === 'time') return 'time';
  if (INTEGER_FIELDS.has(f)) return 'integer';
  if (IP_FIELDS.has(f)) return 'ip';
  return 'text';
}

/** Splits a W3C line at single spaces; a field that opens with a quote runs to its closing quote ("" is a quote). */
export function splitW3c(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let v = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            v += '"';
            j++;
          } else break;
        } else v += text[j];
      }
      out.push(v);
      i = j + 2; // past the quote and the space
      continue;
    }
    const sp = text.indexOf(' ', i);
    const end = sp < 0 ? text.length : sp;
    out.push(text.slice(i, end));
    i = end + 1;
  }
  return out;
}

export class W3cParser implements LineParser {
  readonly format = 'w3c' as const;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly fixedCols = new Map<string, FixedColumn>();
  /** Positions of the current #Fields in the columns. */
  private slots: number[] = [];
  private plus: boolean[] = [];
  private types: ColumnType[] = [];

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.length === 0) return;
    if (text[0] === '#') {
      if (text.startsWith('#Fields:')) this.setFields(text.slice(8).trim().split(/\s+/));
      return;
    }
    if (this.slots.length === 0) {
      sink.reject(lineNo, 'a W3C log line before the #Fields: directive that names its fields', text);
      return;
    }
    const parts = splitW3c(text);
    if (parts.length !== this.slots.length) {
      sink.reject(lineNo, `${parts.length} fields, expected ${this.slots.length} (from #Fields)`, text);
      return;
    }
    const out: RawRecord = new Array(this.names.length).fill(null);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p === '-') continue;
      const t = this.types[k];
      if (t === 'integer') {
        const n = Number(p);
        out[this.slots[k]] = /^-?\d+$/.test(p) && Number.isSafeInteger(n) ? n : p;
      } else out[this.slots[k]] = this.plus[k] ? p.replace(/\+/g, ' ') : p;
    }
    sink.record(out, lineNo);
  }

  private setFields(fields: string[]): void {
    this.slots = fields.map((f) => {
      let i = this.index.get(f);
      if (i === undefined) {
        i = this.names.length;
        this.names.push(f);
        this.index.set(f, i);
        const type = typeOf(f);
        this.fixedCols.set(f, { name: f, type, ...(NO_ROLE.has(f.toLowerCase()) ? { role: null } : {}) });
      }
      return i;
    });
    this.types = fields.map(typeOf);
    this.plus = fields.map((f) => PLUS_IS_SPACE.has(f.toLowerCase()));
  }

  end(): void {}
}
