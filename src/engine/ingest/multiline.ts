/**
 * Multi-line records for line parsers that recognise a record's first line (learned headers,
 * lnav formats): a line that does not start a record is appended to the message of the record
 * above, which is written when the next one starts or the file ends, with its first line number.
 * A record's message stops growing at 1 MiB (the rest of its lines still belong to it).
 */
import type { RawRecord, RecordSink } from './formats';

const MAX_RECORD_CHARS = 1 << 20;

export class PendingRecord {
  private rec: RawRecord | null = null;
  private firstLine = 0;
  /** Lines attached to a record above. */
  continued = 0;

  /** `messageAt`: the column continuation lines are appended to. */
  constructor(private readonly messageAt: number) {}

  /** Appends a continuation line to the open record; false when no record is open. */
  append(text: string): boolean {
    if (!this.rec) return false;
    const m = this.rec[this.messageAt] as string | null;
    if ((m?.length ?? 0) < MAX_RECORD_CHARS) this.rec[this.messageAt] = m === null ? text : m + '\n' + text;
    this.continued++;
    return true;
  }

  /** Writes the open record and opens `rec`, which starts at `lineNo`. */
  start(rec: RawRecord, lineNo: number, sink: RecordSink): void {
    this.flush(sink);
    this.rec = rec;
    this.firstLine = lineNo;
  }

  /** Writes the open record, if any. */
  flush(sink: RecordSink): void {
    if (this.rec) sink.record(this.rec, this.firstLine);
    this.rec = null;
  }
}
