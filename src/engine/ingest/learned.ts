/**
 * A line header learned from a file's first lines, for logs no specific
 * format claims (HDFS, Hadoop, Spark, Zookeeper, Android, BGL, …): the
 * fields before a time stamp, the stamp (any layout of timestamps.ts), the
 * fields after it that every line has (a date, a host, a second stamp,
 * level, pid / thread ids, [thread], component or logger, a program tag),
 * and the rest of the line as `message`. A field that holds a host name
 * in (nearly) every line is the column `host` (a later one `location`). A line
 * whose stamp is not where the header has it (a stack trace, a wrapped
 * message) continues the record above, which keeps its first line number.
 */
import type { FixedColumn, LineParser, RawRecord, RecordSink } from './formats';
import { fieldAt, fields, type Kind, learnAfter, learnBefore, stampEnd, TAG_RE, textAfter } from './learnedFields';
import { PendingRecord } from './multiline';
import { LAYOUTS, type StampLayout } from './timestamps';

export interface LearnedHeader {
  /** Fields before the stamp. */
  before: number;
  /** Kinds of the fields before the stamp (host, date or field). */
  beforeKinds: Kind[];
  /** The stamp is inside `[…]` (Proxifier). */
  bracketed: boolean;
  layout: StampLayout;
  /** Kinds of the fields after the stamp, before the message. */
  after: Kind[];
  /** The layout of a second stamp among the fields after the first (kind `stamp`). */
  laterStamp?: StampLayout;
  /** Share of the sampled lines that have the header (the rest continue records). */
  share: number;
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
  const header: LearnedHeader = { before: best.before, beforeKinds: [], bracketed: best.bracketed, layout: best.l, after: [], share: best.n / lines.length };
  const rests: string[] = [];
  const headed: string[] = [];
  for (const l of lines) {
    const end = headerEnd(l, header);
    if (end < 0) continue;
    rests.push(l.slice(end));
    headed.push(l);
  }
  header.beforeKinds = learnBefore(headed, header.before);
  const after = learnAfter(rests);
  header.after = after.kinds;
  header.laterStamp = after.stamp;
  return header;
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

const NAMES: Record<Kind, string> = {
  dash: '',
  level: 'level',
  int: 'pid',
  bracket: 'thread',
  component: 'component',
  tag: 'component',
  dotted: 'component',
  word: 'component',
  host: 'host',
  date: 'date',
  stamp: 'time2',
  field: 'field',
};

/** Where each field after the stamp goes: its kind and column (a program tag fills two: component and pid). */
interface Slot {
  kind: Kind;
  col: number;
  pid: number;
}

function layout(h: LearnedHeader): { cols: FixedColumn[]; slots: Slot[] } {
  const cols: FixedColumn[] = [];
  const used = new Set<string>();
  const add = (name: string, type: FixedColumn['type'], timeFormat?: FixedColumn['timeFormat']): number => {
    let n = name;
    for (let k = 2; used.has(n); k++) n = `${name}_${k}`;
    used.add(n);
    cols.push(timeFormat ? { name: n, type, timeFormat } : { name: n, type });
    return cols.length - 1;
  };
  let hosts = 0;
  const hostName = () => (hosts++ === 0 ? 'host' : 'location');
  for (let i = 0; i < h.before; i++) {
    const k = h.beforeKinds[i] ?? 'field';
    add(k === 'host' ? hostName() : k === 'date' ? 'date' : `field${i + 1}`, 'text');
  }
  add('time', 'timestamp', `layout:${h.layout.id}`);
  let ints = 0;
  const slots: Slot[] = [];
  for (const kind of h.after) {
    if (kind === 'dash') {
      slots.push({ kind, col: -1, pid: -1 });
      continue;
    }
    let name = NAMES[kind];
    if (kind === 'int') name = ['pid', 'tid'][ints++] ?? `int${ints}`;
    if (kind === 'field') name = `field${cols.length}`;
    if (kind === 'host') name = hostName();
    const col = add(name, kind === 'int' ? 'integer' : 'text');
    slots.push({ kind, col, pid: kind === 'tag' ? add('pid', 'integer') : -1 });
  }
  add('message', 'text');
  return { cols, slots };
}

/** Column names of a learned header: field1… (or host, date) before the stamp, time, the fields after it, message. */
export function headerColumns(h: LearnedHeader): FixedColumn[] {
  return layout(h).cols;
}

/** Reads lines with a learned header; lines without it continue the record above. */
export class LearnedParser implements LineParser {
  readonly format = 'learned' as const;
  private readonly cols: FixedColumn[];
  private readonly slots: Slot[];
  private readonly names: string[];
  private readonly fixedCols: Map<string, FixedColumn>;
  private msgIndex: number;
  private readonly pending: PendingRecord;

  constructor(readonly header: LearnedHeader) {
    ({ cols: this.cols, slots: this.slots } = layout(header));
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
    const rec: RawRecord = new Array(this.cols.length).fill(null);
    if (end < 0) {
      if (this.pending.append(text)) return;
      // no record above: a record of its own, with the message only
      rec[this.msgIndex] = text;
      sink.record(rec, lineNo);
      return;
    }
    const fs = fields(text, h.before + 1);
    for (let i = 0; i < h.before; i++) rec[i] = text.slice(fs[i].start, fs[i].end);
    const f = fs[h.before];
    let stampStop = end;
    if (text[stampStop - 1] === ',') stampStop--;
    if (h.bracketed) stampStop--;
    rec[h.before] = text.slice(h.bracketed ? f.start + 1 : f.start, stampStop);
    rec[this.msgIndex] = text.slice(this.readAfter(text, end, rec));
    this.pending.start(rec, lineNo, sink);
  }

  /** Fills the fields after the stamp; returns where the message starts. A field is taken only when text follows it. */
  private readAfter(text: string, from: number, rec: RawRecord): number {
    let pos = from;
    for (const s of this.slots) {
      const f = fieldAt(text, pos);
      if (!f) break;
      let stop = f.end;
      if (s.kind === 'stamp') {
        stop = stampEnd(text, f.start, this.header.laterStamp!);
        if (stop < 0 || (stop < text.length && text[stop] !== ' ' && text[stop] !== '\t')) return f.start;
      }
      if (!textAfter(text, stop)) return f.start;
      pos = stop;
      if (s.col < 0) continue;
      const v = text.slice(f.start, stop);
      if (s.kind === 'tag') {
        const m = TAG_RE.exec(v);
        rec[s.col] = m ? m[1] : v.endsWith(':') ? v.slice(0, -1) : v;
        rec[s.pid] = m ? m[2] : null;
      } else rec[s.col] = clean(v, s.kind);
    }
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    return pos;
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
