/**
 * A line header learned from a file's first lines, for logs no specific
 * format claims (HDFS, Hadoop, Spark, Zookeeper, Android, BGL, …): the
 * fields before a time stamp, the stamp (any layout of timestamps.ts), the
 * fields after it that every line has (level, pid / thread ids, [thread],
 * component or logger), and the rest of the line as `message`. A line
 * whose stamp is not where the header has it (a stack trace, a wrapped
 * message) continues the record above, which keeps its first line number.
 */
import type { FixedColumn, LineParser, RawRecord, RecordSink } from '../formats';
import { PendingRecord } from './multiline';
import { LAYOUTS, type StampLayout } from './timestamps';

type Kind = 'dash' | 'level' | 'int' | 'bracket' | 'component' | 'dotted' | 'word' | 'field';

interface Field {
  start: number;
  end: number;
}

export interface LearnedHeader {
  /** Fields before the stamp. */
  before: number;
  /** The stamp is inside `[…]` (Proxifier). */
  bracketed: boolean;
  layout: StampLayout;
  /** Kinds of the fields after the stamp, before the message. */
  after: Kind[];
  /** Share of the sampled lines that have the header (the rest continue records). */
  share: number;
}

const LEVEL_RE = /^[[<(]?(TRACE|DEBUG|FINE|FINER|FINEST|CONFIG|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT|ALERT|EMERG|EMERGENCY|VERBOSE|PANIC)[\]>)]?:?$/i;
const ANDROID_LEVEL_RE = /^[VDIWEFA]$/;
const DOTTED_RE = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)+$/;
const MAX_FIELDS = 10;

/** The whitespace-separated fields at the start of a line; `[…]` is one field, brackets nested. */
function fields(line: string, max = MAX_FIELDS): Field[] {
  const out: Field[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && out.length < max) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const start = i;
    if (line[i] === '[') {
      let depth = 0;
      for (; i < n; i++) {
        if (line[i] === '[') depth++;
        else if (line[i] === ']' && --depth === 0) {
          i++;
          break;
        }
      }
      // `[x]:` or `[x],` stay with the bracket
      while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
    } else while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
    out.push({ start, end: i });
  }
  return out;
}

function kindOf(text: string): Kind {
  if (text === '-') return 'dash';
  if (LEVEL_RE.test(text) || ANDROID_LEVEL_RE.test(text)) return 'level';
  if (/^\d+$/.test(text)) return 'int';
  if (text[0] === '[' && text.endsWith(']')) return 'bracket';
  if (text.length > 1 && text.endsWith(':') && !text.includes('://')) return 'component';
  if (DOTTED_RE.test(text)) return 'dotted';
  return 'word';
}

/** Where a stamp of this layout ends when it starts at `at`, or -1. */
function stampEnd(line: string, at: number, l: StampLayout): number {
  l.re.lastIndex = at;
  const m = l.re.exec(line);
  return m ? at + m[0].length : -1;
}

/** Every (field index, layout) where a stamp starts in this line. */
function stampCandidates(line: string): string[] {
  const out: string[] = [];
  const fs = fields(line, 8);
  fs.forEach((f, i) => {
    const bracketed = line[f.start] === '[';
    const at = bracketed ? f.start + 1 : f.start;
    const c = line.charCodeAt(at);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return;
    for (const l of LAYOUTS) if (stampEnd(line, at, l) > 0) out.push(`${i}|${bracketed ? 1 : 0}|${l.id}`);
  });
  return out;
}

/** Learns the header from the first lines, or null when no stamp is where most lines have one. */
export function learnHeader(sample: readonly string[]): LearnedHeader | null {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, 200);
  if (lines.length === 0) return null;
  const counts = new Map<string, number>();
  for (const l of lines) for (const c of new Set(stampCandidates(l))) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (counts.size === 0) return null;
  const max = Math.max(...counts.values());
  if (max < lines.length * 0.5) return null;
  const byId = new Map(LAYOUTS.map((l, i) => [l.id, { l, i }]));
  const best = [...counts.entries()]
    .filter(([, n]) => n >= max * 0.9)
    .map(([k, n]) => {
      const [fi, br, id] = k.split('|');
      return { before: +fi, bracketed: br === '1', ...byId.get(id)!, n };
    })
    // a stamp with a year before epoch before one without; then the earlier field, then the more specific layout
    .sort((a, b) => a.l.rank - b.l.rank || a.before - b.before || b.n - a.n || a.i - b.i)[0];
  const header: LearnedHeader = { before: best.before, bracketed: best.bracketed, layout: best.l, after: [], share: best.n / lines.length };
  const rests: string[] = [];
  for (const l of lines) {
    const end = headerEnd(l, header);
    if (end >= 0) rests.push(l.slice(end));
  }
  header.after = learnAfter(rests);
  return header;
}

/** Kinds of the fields after the stamp that (nearly) every header line has, in order. */
function learnAfter(rests: string[]): Kind[] {
  const split = rests.map((r) => fields(r, 7).map((f) => r.slice(f.start, f.end)));
  const after: Kind[] = [];
  // a level a few fields on (BGL: node RAS KERNEL INFO …): the fields before it are header fields whatever they hold
  const levelAt = [0, 1, 2, 3, 4].find((p) => {
    const have = split.filter((fs) => fs.length > p + 1);
    return have.length >= split.length * 0.9 && have.filter((fs) => kindOf(fs[p]) === 'level').length >= have.length * 0.9;
  });
  for (let p = 0; p < (levelAt ?? 0); p++) after.push(split.every((fs) => fs[p] === '-') ? 'dash' : kindOf(split[0][p]) === 'int' && split.every((fs) => /^\d+$/.test(fs[p])) ? 'int' : 'field');
  for (let p = after.length; p < 6; p++) {
    const kinds = new Map<Kind, number>();
    const values = new Set<string>();
    let n = 0;
    for (const fs of split) {
      if (fs.length <= p + 1) continue; // a message must follow
      n++;
      const k = kindOf(fs[p]);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      values.add(fs[p]);
    }
    if (n < split.length * 0.9 || n === 0) break;
    const [kind, c] = [...kinds.entries()].sort((a, b) => b[1] - a[1])[0];
    if (c < n * 0.9) break;
    // a word is a field only right after the level and with few values (Windows CBS: Info CBS …)
    if (kind === 'word' && !(after[after.length - 1] === 'level' && values.size <= Math.max(3, n * 0.05) && !after.includes('component'))) break;
    if (kind === 'level' && after.includes('level')) break;
    after.push(kind);
    if (kind === 'component' || kind === 'word' || (kind === 'dotted' && p + 1 < 6 && !split.every((fs) => fs[p + 1] === '-'))) break;
  }
  return after;
}

/** Where the stamp of a header line ends (after a closing `]` or a `,`), or -1 when the line has no header. */
function headerEnd(line: string, h: LearnedHeader): number {
  const fs = fields(line, h.before + 1);
  if (fs.length <= h.before) return -1;
  const f = fs[h.before];
  if (h.bracketed !== (line[f.start] === '[')) return -1;
  let end = stampEnd(line, h.bracketed ? f.start + 1 : f.start, h.layout);
  if (end < 0) return -1;
  if (h.bracketed) {
    if (line[end] !== ']') return -1;
    end++;
  }
  if (line[end] === ',') end++;
  if (end < line.length && line[end] !== ' ' && line[end] !== '\t') return -1;
  return end;
}

const NAMES: Record<Kind, string> = { dash: '', level: 'level', int: 'pid', bracket: 'thread', component: 'component', dotted: 'component', word: 'component', field: 'field' };

/** Column names of a learned header: field1… before the stamp, time, the fields after it, message. */
export function headerColumns(h: LearnedHeader): FixedColumn[] {
  const cols: FixedColumn[] = [];
  for (let i = 0; i < h.before; i++) cols.push({ name: `field${i + 1}`, type: 'text' });
  cols.push({ name: 'time', type: 'timestamp', timeFormat: `layout:${h.layout.id}` });
  let ints = 0;
  for (const k of h.after) {
    if (k === 'dash') continue;
    let name = NAMES[k];
    if (k === 'int') name = ['pid', 'tid'][ints++] ?? `int${ints}`;
    if (k === 'field') name = `field${cols.length}`;
    cols.push({ name, type: k === 'int' ? 'integer' : 'text' });
  }
  cols.push({ name: 'message', type: 'text' });
  return cols;
}

/** Reads lines with a learned header; lines without it continue the record above. */
export class LearnedParser implements LineParser {
  readonly format = 'learned' as const;
  private readonly cols: FixedColumn[];
  private readonly names: string[];
  private readonly fixedCols: Map<string, FixedColumn>;
  private msgIndex: number;
  private readonly pending: PendingRecord;

  constructor(readonly header: LearnedHeader) {
    this.cols = headerColumns(header);
    this.names = this.cols.map((c) => c.name);
    // the fields before the stamp are typed by inference; the rest are fixed by the header
    this.fixedCols = new Map(this.cols.filter((c) => !/^field\d+$/.test(c.name)).map((c) => [c.name, c]));
    this.msgIndex = this.cols.length - 1;
    this.pending = new PendingRecord(this.msgIndex);
  }

  /** Lines appended to records (continuations). */
  get continued(): number {
    return this.pending.continued;
  }

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.trim() === '') return;
    const h = this.header;
    const end = headerEnd(text, h);
    if (end < 0) {
      if (this.pending.append(text)) return;
      // no record above: a record of its own, with the message only
      const rec: RawRecord = new Array(this.cols.length).fill(null);
      rec[this.msgIndex] = text;
      sink.record(rec, lineNo);
      return;
    }
    const rec: RawRecord = new Array(this.cols.length).fill(null);
    const fs = fields(text, h.before);
    for (let i = 0; i < h.before; i++) rec[i] = text.slice(fs[i].start, fs[i].end);
    const f = fields(text, h.before + 1)[h.before];
    const stampStart = h.bracketed ? f.start + 1 : f.start;
    let stampStop = end;
    if (text[stampStop - 1] === ',') stampStop--;
    if (h.bracketed) stampStop--;
    rec[h.before] = text.slice(stampStart, stampStop);
    let pos = end;
    let c = h.before + 1;
    const rest = text.slice(pos);
    const after = fields(rest, h.after.length + 1);
    let k = 0;
    for (; k < h.after.length && k < after.length - 1; k++) {
      const v = rest.slice(after[k].start, after[k].end);
      pos = end + after[k].end;
      if (h.after[k] === 'dash') continue;
      rec[c++] = clean(v, h.after[k]);
    }
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    rec[this.msgIndex] = text.slice(pos);
    this.pending.start(rec, lineNo, sink);
  }

  end(sink: RecordSink): void {
    this.pending.flush(sink);
  }
}

function clean(v: string, k: Kind): string {
  if (k === 'bracket') return v.replace(/^\[/, '').replace(/\][:,]?$/, '');
  if (k === 'component') return v.slice(0, -1);
  if (k === 'level') return v.replace(/^[[<(]|[\]>)]?:?$/g, '');
  return v;
}

/**
 * True when, in most header lines, the delimiter is part of the stamp (`18:01:47,978`, `04:30:30,`):
 * then the delimiter does not separate fields and the file is no CSV.
 */
export function stampHoldsDelimiter(h: LearnedHeader, sample: readonly string[], delim: string): boolean {
  let header = 0;
  let holds = 0;
  for (const l of sample.slice(0, 200)) {
    const end = headerEnd(l, h);
    if (end < 0) continue;
    header++;
    const f = fields(l, h.before + 1)[h.before];
    if (l.slice(f.start, end).includes(delim)) holds++;
  }
  return header > 0 && holds >= header * 0.5;
}
