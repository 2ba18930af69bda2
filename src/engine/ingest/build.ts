import * as fs from 'node:fs';
import { CancelledError, LogInvestigatorError } from '../errors';
import { detect, type DetectOptions, type FixedColumn, type FormatId, type LineParser, type RawRecord, type RecordSink } from './formats';
import { readByteLines } from './byteLines';
import {
  EMPTY_FIELD, isDateBytes, isTimeBytes, Kind, kindOf, NULL_FIELD, parseBoolBytes, parseIntBytes, parseRealBytes,
  putApacheTimeBytes, putIsoTimeBytes, type FieldSplitter,
} from './fastPath';
import { headLines, readLines, sniff, type Encoding, type ReadProgress, type ReadResult, type Sniff } from './input';
import { LINE_COLUMN, quoteIdent, TIME_COLUMN, uniqueColumnNames, tableNameFor } from '../store/names';
import { guessRoles, type Role } from './roles';
import { KeyIndex } from '../store/keyIndex';
import { messageColumn, TEMPLATE_COLUMN, TemplateColumn, type TemplatesInfo } from '../templates/column';
import { startYear } from './timestamps';
import { ImageWriter, TableBuilder, writeIndex, type CellValue, type SchemaEntry } from '../store/sqliteImage';
import type { PagedImage } from '../store/pagedImage';
import type { RowSinkFactory, RowTarget, SinkColumn } from './rowSink';
import {
  converterFor, dateTimeParser, inferType, isIp, SQL_TYPE, syslogYear, timeParser,
  TIME_NAME_RE, type ColumnType, type Converter, type Inferred, type TimeFormat,
} from './values';

export interface IndexOptions extends DetectOptions {
  /** Table name to use instead of one derived from the file name. */
  table?: string;
  /** Year for stamps that carry none (syslog's, Android's `03-17 16:13:38.811`, …). */
  year?: number;
  roles?: Partial<Record<Role, string | null>>;
  pageSize?: number;
  /** Lay out indexes on the ip, user, group, resource and session columns (default true). */
  indexes?: boolean;
  /** Keep repeated values once, in the image's dictionary (default true; false: every page as SQLite reads it). */
  dictionary?: boolean;
}

export interface ColumnInfo {
  name: string;
  /** The name in the source (header, #fields, JSON key) before it was made unique. */
  sourceName: string;
  type: ColumnType;
  role: Role | null;
  /** Values that did not fit the inferred type and were kept as text. */
  mismatches: number;
  timeFormat?: TimeFormat;
}

export interface TableInfo {
  file: string;
  table: string;
  format: FormatId;
  encoding: Encoding;
  gzip: boolean;
  rows: number;
  rejected: number;
  bytes: number;
  columns: ColumnInfo[];
  /** The column(s) `_time` was derived from. */
  timeSource?: string[];
  delimiter?: string;
  header?: boolean;
  /** The lnav format the file was read with. */
  formatName?: string;
  /** Columns with an index, which makes GROUP BY and lookups on them fast. */
  indexed: string[];
  warnings: string[];
  /** Message templates mined from the free-text column (`_template`, `<table>_templates`). */
  templates?: TemplatesInfo;
}

export interface Reject {
  line: number;
  reason: string;
  raw: string;
}

export interface IndexProgress {
  file: string;
  bytesRead: number;
  fileBytes: number;
  rows: number;
  rejected: number;
}

export interface BuiltTable {
  /** A complete SQLite database file holding one table (its pages, see pagedImage.ts). */
  image: PagedImage;
  info: TableInfo;
  rejects: Reject[];
  /** `_template` ids written before their template merged into another: [written, now]. */
  templateRemap?: [number, number][];
}

export interface BuildContext {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Table names already in use (the new one is made unique against them). */
  takenNames?: string[];
  /**
   * The rows go to this sink (ClickHouse) instead of the image, which then holds only the
   * templates table; no indexes are laid out.
   */
  rows?: RowSinkFactory;
}

const SAMPLE_ROWS = 2000;
/** Roles whose columns get an index: the ones analyses group and join by. */
const INDEXED_ROLES = new Set<Role>(['ip', 'destination', 'user', 'group', 'resource', 'session']);
/** Past this many distinct keys an index costs more than it saves. */
const MAX_INDEX_KEYS = 250_000;
const MAX_REJECT_RAW = 1 << 20;
/**
 * Columns of the file kept as columns of their own. SQLite allows 2,000 per
 * table (with _line, _time and the indexes); past this, a record's further
 * values (a CSV thousands of fields wide, JSON Lines whose keys keep
 * changing) go into one JSON column, EXTRA_COLUMN, as {"name": value}, so
 * nothing is lost and the table can still be created.
 */
export const MAX_COLUMNS = 1900;
export const EXTRA_COLUMN = '_extra';
/**
 * 16 KiB pages: a 4 KiB page leaves about half a row unused at its end and
 * needs four times the interior cells, 3-4% of the image; 64 KiB pages save
 * a little more but make every lookup of one row by its line copy 64 KiB.
 */
const DEFAULT_PAGE_SIZE = 16384;

interface ColumnPlan {
  name: string;
  sourceName: string;
  type: ColumnType;
  timeFormat?: TimeFormat;
  convert: Converter | null;
  mismatches: number;
  nullShare: number;
  /** Numbers (from JSON or Zeek) stored in a column whose values are otherwise text. */
  numbersAsIs?: boolean;
}

/**
 * The SQL type a column is declared with. SQLite expects stored values to
 * agree with the declared affinity (integrity_check says so), so a column
 * holding values of several kinds is declared without a type.
 */
function declaredType(p: ColumnPlan): string {
  if (p.mismatches > 0 || p.numbersAsIs) return '';
  if (p.type === 'timestamp' && (p.timeFormat === 'epoch-s' || p.timeFormat === 'epoch-ms')) return 'REAL';
  return SQL_TYPE[p.type];
}

/**
 * A format's address column (Apache's client, Zeek's addr) holds host names when the server looks
 * them up (HostnameLookups): such a column is text, and plays no ip role, unless nine in ten of the
 * sampled values are addresses.
 */
function mostlyIps(values: string[]): boolean {
  let ips = 0;
  for (const v of values) if (isIp(v)) ips++;
  return ips >= 0.9 * values.length;
}

/** Indexes one text log (any supported format, gzip or not) into a database image. */
export async function buildTable(path: string, opts: IndexOptions = {}, ctx: BuildContext = {}): Promise<BuiltTable> {
  const sn = await sniff(path);
  if (sn.sqlite) throw new LogInvestigatorError('BAD_OPTION', `${path} is a SQLite database; open it with openSqlite().`);
  return buildFromText(path, sn, opts, ctx);
}

async function buildFromText(path: string, sn: Sniff, opts: IndexOptions, ctx: BuildContext): Promise<BuiltTable> {
  const lines = headLines(sn);
  const det = detect(lines, opts, path);
  const parser: LineParser = det.parser;
  const table = opts.table ?? tableNameFor(path, ctx.takenNames ?? []);
  const mtime = (await fs.promises.stat(path)).mtime;
  const warnings: string[] = [];
  const rejects: Reject[] = [];
  let rejectedCount = 0;

  // no dictionary for a sink: its records must hold their text (a dictionary span's bytes are not copied)
  const img = new ImageWriter(opts.pageSize ?? DEFAULT_PAGE_SIZE, opts.dictionary === false || ctx.rows ? 0 : dictionaryLimit(sn.textBytes));
  // the rows go into the image's table B-tree, or to the caller's sink (ClickHouse)
  const out = ctx.rows?.(table, () => sinkColumns());
  const tree = out ? null : new TableBuilder(img);
  const tb: RowTarget = out ?? tree!;

  // Records are buffered until the sample is large enough to decide the schema.
  let sample: { values: RawRecord; line: number }[] | null = [];
  let plan: ColumnPlan[] = [];
  let timeOf: ((r: RawRecord) => string | null) | null = null;
  let timeSource: string[] | undefined;
  let timeSourceIdx: number[] = [];
  let fastTime: FastTime | null = null;
  let roles = new Map<string, Role>();
  let keyIndexes: KeyIndex[] = [];
  // Row r's rowid (its line) for the indexes; kept only once lines stop being consecutive (blank or
  // rejected lines, multi-line records), else the first line says it all.
  let firstLine = 0;
  let rowids: Int32Array | null = null;
  const noteRow = (line: number) => {
    const r = tb.rows;
    if (r === 0) firstLine = line;
    if (rowids === null) {
      if (line === firstLine + r) return;
      rowids = new Int32Array(Math.max(1 << 16, r * 2));
      for (let k = 0; k < r; k++) rowids[k] = firstLine + k;
    } else if (r === rowids.length) {
      const next = new Int32Array(rowids.length * 2);
      next.set(rowids);
      rowids = next;
    }
    rowids[r] = line;
  };
  let row: CellValue[] = [];
  let lastRows = 0;
  let tpl = null as TemplateColumn | null;
  // _time far from the file's own times (a corrupt Zeek line in the year 7412) is NULL, counted and said:
  // it would stretch every series and chart over millennia
  let yearLo = -Infinity;
  let yearHi = Infinity;
  const implausible = { count: 0, example: '', line: 0 };
  let currentLine = 0;
  const plausibleTimes = (fn: (r: RawRecord) => string | null, recs: { values: RawRecord }[]) => {
    // the sample's times, computed once: parsers keep state (syslog's year rolls over at a new year), and the
    // sample is written next, in this order, taking these
    const first = recs.map((r) => fn(r.values));
    let k = 0;
    const years = first.map(yearOf).filter((y): y is number => y !== null).sort((x, y) => x - y);
    if (years.length) {
      const median = years[Math.floor(years.length / 2)];
      yearLo = median - PLAUSIBLE_YEARS;
      yearHi = median + PLAUSIBLE_YEARS;
    }
    return (r: RawRecord): string | null => {
      const s = k < first.length ? first[k++] : fn(r);
      const y = yearOf(s);
      if (y === null || (y >= yearLo && y <= yearHi)) return s;
      if (implausible.count++ === 0) {
        implausible.example = s!;
        implausible.line = currentLine;
      }
      return null;
    };
  };

  const write = (values: RawRecord, line: number) => {
    currentLine = line;
    // JSON Lines may have grown new columns after the schema was fixed
    const cols = parser.columns();
    if (cols.length > planned) extendPlan(cols);
    const n = plan.length;
    const offset = (timeOf ? 2 : 1) + (tpl ? 1 : 0);
    row.length = n + offset;
    row[0] = null; // _line is the rowid (INTEGER PRIMARY KEY)
    if (timeOf) row[1] = timeOf(values);
    if (tpl) row[offset - 1] = tpl.value(values[tpl.position] ?? null, line);
    for (let i = 0; i < n; i++) {
      let v = i === extraAt ? extraJson(values, cols) : i < values.length ? values[i] : null;
      if (typeof v === 'string' && i !== extraAt) {
        const c = plan[i].convert;
        if (c !== null) {
          const x = c(v);
          if (x === undefined) plan[i].mismatches++;
          else v = x;
        }
      } else if (typeof v === 'number' && plan[i].convert === null) plan[i].numbersAsIs = true;
      row[i + offset] = v === undefined ? null : v;
    }
    for (const k of keyIndexes) k.addValue(row[k.position + offset]);
    if (keyIndexes.length) noteRow(line);
    tb.addRow(line, row);
  };

  /** Writes one record from byte ranges, converting by the column plan like write() does for strings. */
  const makeFieldWriter = () => {
    const kinds = plan.map((p) => kindOf(p.type, p.timeFormat));
    const enc = tb.enc;
    const decodeField = (buf: Buffer, st: number, en: number): CellValue => (st === NULL_FIELD ? null : st === EMPTY_FIELD ? '' : st === en ? null : buf.toString('utf8', st, en));
    const keyAt: (KeyIndex | undefined)[] = plan.map((_, i) => keyIndexes.find((k) => k.position === i));
    // repeated text (user agents, referrers, paths, methods, times) is kept once, in the image's dictionary
    const coders = plan.map((_, i) => (kinds[i] === Kind.Text ? img.coder() : null));
    const timeCoder = img.coder();
    // an ISO or Apache stamp in a coded column: its dictionary id gives the `_time` it makes (timeBySource[id] - 1)
    const stampField = fastTime && fastTime.kind !== 'date+time' && coders[fastTime.a] && !keyAt[fastTime.a] ? fastTime.a : -1;
    let timeBySource = new Int32Array(0);
    return (buf: Buffer, starts: Int32Array, ends: Int32Array, line: number) => {
      currentLine = line;
      const n = plan.length;
      enc.begin(n + 3);
      enc.putNull(); // _line is the rowid
      let stampId = -2; // the stamp field's dictionary id, once looked up
      if (timeOf) {
        const ft = fastTime;
        let done = false;
        if (ft) {
          const a = starts[ft.a];
          if (a >= 0 && ends[ft.a] > a) {
            if (stampField >= 0) {
              stampId = coders[stampField]!.id(buf, a, ends[ft.a]);
              const t = stampId >= 0 && stampId < timeBySource.length ? timeBySource[stampId] - 1 : -1;
              if (t >= 0) {
                enc.putSpan(t);
                done = true;
              }
            }
            // a year outside the plausible window takes the slow path, which gives it NULL and counts it
            const known = done;
            if (known) {
              /* the stamp's `_time` is known */
            } else if (ft.kind === 'iso') done = isoYearWithin(buf, a, ends[ft.a], yearLo, yearHi) && putIsoTimeBytes(enc, buf, a, ends[ft.a]);
            else if (ft.kind === 'apache') done = putApacheTimeBytes(enc, buf, a, ends[ft.a]);
            else {
              const b = starts[ft.b];
              if (isDateBytes(buf, a, ends[ft.a]) && b >= 0 && isTimeBytes(buf, b, ends[ft.b])) {
                enc.putJoinedTextBytes(buf, a, ends[ft.a], 0x20, b, ends[ft.b]);
                done = true;
              }
            }
            if (done && !known) {
              const t = enc.codeLast(timeCoder);
              if (t >= 0 && stampId >= 0) {
                if (stampId >= timeBySource.length) {
                  const next = new Int32Array(Math.max(1024, stampId * 2));
                  next.set(timeBySource);
                  timeBySource = next;
                }
                timeBySource[stampId] = t + 1;
              }
            }
          }
        }
        if (!done) {
          const vals: CellValue[] = [];
          for (const i of timeSourceIdx) {
            const v = decodeField(buf, starts[i], ends[i]);
            vals[i] = typeof v === 'string' && plan[i].convert ? plan[i].convert!(v) ?? v : v;
          }
          enc.put(timeOf(vals));
        }
      }
      if (tpl) enc.put(tpl.value(decodeField(buf, starts[tpl.position], ends[tpl.position]), line));
      for (let i = 0; i < n; i++) {
        const st = starts[i];
        const en = ends[i];
        const key = keyAt[i];
        if (st === NULL_FIELD || st === en) {
          enc.putNull();
          key?.addNull();
          continue;
        }
        if (st === EMPTY_FIELD) {
          enc.putTextBytes(buf, 0, 0);
          key?.addBytes(buf, 0, 0);
          continue;
        }
        const k = kinds[i];
        if (k === Kind.Text) {
          const coder = coders[i];
          if (key) {
            const kid = key.addBytes(buf, st, en);
            enc.putCodedTextBytes(buf, st, en, coder === null ? -1 : coder.idForKey(kid, buf, st, en));
          } else enc.putCodedTextBytes(buf, st, en, i === stampField && stampId !== -2 ? stampId : coder === null ? -1 : coder.id(buf, st, en));
          continue;
        }
        const v = k === Kind.Integer ? parseIntBytes(buf, st, en) : k === Kind.Real ? parseRealBytes(buf, st, en) : parseBoolBytes(buf, st, en);
        if (v !== undefined) {
          enc.putNumber(v);
          key?.addNumber(v);
          continue;
        }
        // not a plain number in bytes: the string converter decides (exponents, long reals, or a mismatch)
        const text = buf.toString('utf8', st, en);
        const c = plan[i].convert;
        const x = c ? c(text) : text;
        if (x === undefined) {
          plan[i].mismatches++;
          enc.putString(text);
          key?.addValue(text);
        } else {
          enc.put(x);
          key?.addValue(x);
        }
      }
      enc.finish();
      if (keyIndexes.length) noteRow(line);
      tb.commit(line);
    };
  };

  /** The parser's columns the plan covers (all of them, or MAX_COLUMNS and EXTRA_COLUMN for the rest). */
  let planned = 0;
  /** The plan position of EXTRA_COLUMN, or -1. */
  let extraAt = -1;
  /** A record's values past MAX_COLUMNS as one JSON object (NULL when all of them are NULL). */
  const extraJson = (values: RawRecord, cols: string[]): string | null => {
    let obj: Record<string, CellValue> | null = null;
    for (let i = MAX_COLUMNS; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      (obj ??= {})[cols[i] ?? `col${i + 1}`] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    }
    return obj ? JSON.stringify(obj) : null;
  };
  const extendPlan = (cols: string[]) => {
    const fixed = parser.fixed();
    const kept = Math.min(cols.length, MAX_COLUMNS);
    const names = uniqueColumnNames(cols.slice(0, kept), [LINE_COLUMN, TIME_COLUMN, TEMPLATE_COLUMN, EXTRA_COLUMN]);
    for (let i = plan.length; i < kept; i++) {
      const f = fixed.get(cols[i]);
      const type: ColumnType = f?.type ?? 'text';
      plan.push({ name: names[i], sourceName: cols[i], type, timeFormat: f?.timeFormat, convert: null, mismatches: 0, nullShare: 0 });
    }
    if (cols.length > MAX_COLUMNS && extraAt < 0) addExtra();
    planned = cols.length;
  };
  const addExtra = () => {
    extraAt = plan.length;
    plan.push({ name: EXTRA_COLUMN, sourceName: EXTRA_COLUMN, type: 'json', convert: null, mismatches: 0, nullShare: 0 });
    warnings.push(`${path} has more than ${MAX_COLUMNS.toLocaleString('en-US')} columns; the values of the further ones are kept in the JSON column ${EXTRA_COLUMN} ({"name": value}).`);
  };

  const decideSchema = () => {
    const recs = sample ?? [];
    const all = parser.columns();
    const cols = all.slice(0, MAX_COLUMNS);
    const names = uniqueColumnNames(cols, [LINE_COLUMN, TIME_COLUMN, TEMPLATE_COLUMN, ...(all.length > MAX_COLUMNS ? [EXTRA_COLUMN] : [])]);
    const fixed = parser.fixed();
    plan = cols.map((src, i) => {
      const vals: string[] = [];
      let nulls = 0;
      let numbers = 0;
      let integers = 0;
      for (const r of recs) {
        const v = r.values[i];
        // an always-empty list or set ([], {}, Zeek's (empty)) says no more than a null: it plays no role
        if (v === null || v === undefined || v === '' || v === '[]' || v === '{}' || v === '(empty)') nulls++;
        else if (typeof v === 'number') {
          numbers++;
          if (Number.isInteger(v)) integers++;
          vals.push(String(v));
        } else vals.push(String(v));
      }
      const f: FixedColumn | undefined = fixed.get(src);
      let inf: Inferred;
      if (f) inf = f.type === 'ip' && !mostlyIps(vals) ? { type: 'text' } : { type: f.type, timeFormat: f.timeFormat };
      else if (numbers > 0 && numbers === vals.length) {
        inf = inferType(vals, names[i]);
        if (inf.type !== 'timestamp' && inf.type !== 'boolean') inf = { type: integers === numbers ? 'integer' : 'real' };
      } else inf = inferType(vals, names[i]);
      return {
        name: names[i],
        sourceName: src,
        type: inf.type,
        timeFormat: inf.timeFormat,
        convert: converterFor(inf),
        mismatches: 0,
        nullShare: recs.length ? nulls / recs.length : 1,
      };
    });
    planned = all.length;
    if (all.length > MAX_COLUMNS) addExtra();
    const chosen = chooseTime(plan, recs, mtime, opts.year);
    timeOf = chosen ? plausibleTimes(chosen.fn, recs) : null;
    timeSource = chosen?.source;
    timeSourceIdx = chosen?.idx ?? [];
    fastTime = chosen?.fast ?? null;
    const mi = messageColumn(plan, recs);
    tpl = mi >= 0 ? new TemplateColumn(mi, plan[mi].name) : null;
    roles = guessRoles(
      [
        ...(timeOf ? [{ name: TIME_COLUMN, type: 'timestamp' as ColumnType, nullShare: 0 }] : []),
        ...(tpl ? [{ name: TEMPLATE_COLUMN, type: 'integer' as ColumnType, nullShare: 0, eligible: false }] : []),
        ...plan.map((p) => ({ name: p.name, type: p.type, nullShare: p.nullShare, eligible: fixed.get(p.sourceName)?.role !== null })),
      ],
      opts.roles,
    );
    if (opts.indexes !== false && !out) {
      keyIndexes = plan
        .map((p, i) => ({ p, i }))
        .filter(({ p }) => INDEXED_ROLES.has(roles.get(p.name) as Role))
        .map(({ p, i }) => new KeyIndex(p.name, i, MAX_INDEX_KEYS));
    }
    const buffered = recs;
    sample = null;
    for (const r of buffered) write(r.values, r.line);
  };

  // a row's rowid is its line, and rowids must increase: an object starting on a line another row
  // starts on (a compact JSON array or {"Records": [...]} on one line) takes the next free number
  let lastLine = 0;
  const shared = { count: 0, first: 0 };
  const sink: RecordSink = {
    record(values, line) {
      if (line <= lastLine) {
        if (shared.count++ === 0) shared.first = lastLine;
        line = lastLine + 1;
      }
      lastLine = line;
      if (sample) {
        sample.push({ values, line });
        if (sample.length >= SAMPLE_ROWS) decideSchema();
      } else write(values, line);
    },
    reject(line, reason, raw) {
      rejectedCount++;
      rejects.push({ line, reason, raw: raw.length > MAX_REJECT_RAW ? raw.slice(0, MAX_REJECT_RAW) : raw });
      if (raw.length > MAX_REJECT_RAW) rejects[rejects.length - 1].reason += ` (raw text cut to ${MAX_REJECT_RAW} characters of ${raw.length})`;
    },
  };

  /** The columns as the table is declared now (for a sink; the image's CREATE TABLE below says the same at the end). */
  const sinkColumns = (): SinkColumn[] => [
    { name: LINE_COLUMN, decl: 'INTEGER' },
    ...(timeOf ? [{ name: TIME_COLUMN, decl: SQL_TYPE.timestamp }] : []),
    ...(tpl ? [{ name: TEMPLATE_COLUMN, decl: 'INTEGER' }] : []),
    ...plan.map((p) => ({ name: p.name, decl: declaredType(p) })),
  ];

  const report = (bytesRead: number) =>
    ctx.onProgress?.({ file: path, bytesRead, fileBytes: sn.fileBytes, rows: tb.rows + (sample?.length ?? 0), rejected: rejectedCount });

  const onProgress = (p: ReadProgress) => {
    if (tb.rows - lastRows >= 50000 || p.bytesRead === p.fileBytes) {
      lastRows = tb.rows;
      report(p.bytesRead);
    }
  };
  let result: ReadResult;
  if (sn.encoding !== 'utf-8' || !parser.fastSplitter) {
    result = await readLines(
      path,
      sn,
      {
        line(text, lineNo) {
          parser.line(text, lineNo, sink);
        },
      },
      { signal: ctx.signal, onProgress, drain: out && (() => out.drain()) },
    );
  } else {
    // Byte path: the sample and any line the splitter declines go through the string parser.
    let fields = 0;
    let starts = new Int32Array(1);
    let ends = new Int32Array(1);
    // asked once the sample is parsed: by then the parser knows its header (Zeek's tokens, CSV's fields)
    let active: FieldSplitter | null | undefined;
    let writeFields: ReturnType<typeof makeFieldWriter> | null = null;
    result = await readByteLines(
      path,
      sn,
      {
        line(buf, s, e, lineNo) {
          if (!sample && active === undefined) active = parser.fastSplitter!();
          if (sample || !active || parser.isOpen?.() || extraAt >= 0) {
            parser.line(buf.toString('utf8', s, e), lineNo, sink);
            return;
          }
          if (e === s) return;
          if (fields !== plan.length || !writeFields) {
            // the schema is known from here on (or grew): conversions follow it
            fields = plan.length;
            starts = new Int32Array(fields + 1);
            ends = new Int32Array(fields + 1);
            writeFields = makeFieldWriter();
          }
          if (active.split(buf, s, e, starts, ends) !== fields) {
            parser.line(buf.toString('utf8', s, e), lineNo, sink);
            return;
          }
          writeFields(buf, starts, ends, lineNo);
        },
      },
      { signal: ctx.signal, onProgress, drain: out && (() => out.drain()) },
    );
  }
  if (ctx.signal?.aborted) throw new CancelledError();
  parser.end(sink);
  if (sample) decideSchema();
  const cols = parser.columns();
  if (cols.length > planned) extendPlan(cols);
  if (plan.length === 0) {
    throw new LogInvestigatorError('EMPTY', `${path} has no records to index${rejectedCount ? ` (${rejectedCount} lines were rejected)` : ''}.`);
  }
  if (result.truncated) warnings.push(`${path}: ${result.truncated}.`);
  if (implausible.count) {
    warnings.push(
      `${implausible.count.toLocaleString('en-US')} record${implausible.count === 1 ? ' has a time' : 's have times'} far outside the file's own range (years ${yearLo}–${yearHi}; e.g. ${implausible.example} on line ${implausible.line}): ${implausible.count === 1 ? 'its' : 'their'} _time is NULL, the original text is kept.`,
    );
  }
  if (shared.count) {
    warnings.push(
      `${shared.count.toLocaleString('en-US')} record${shared.count === 1 ? ' starts' : 's start'} on a line another record starts on (several JSON objects on one line, from line ${shared.first}): a row's _line must be its own, so these take the numbers after it, which are not their lines.`,
    );
  }
  if (sn.encoding !== 'utf-8') warnings.push(`${path} was read as ${sn.encoding === 'windows-1252' ? 'Latin-1 (Windows-1252)' : sn.encoding.toUpperCase()} text.`);
  const total = tb.rows + rejectedCount;
  if (rejectedCount > 0) {
    warnings.push(
      `${rejectedCount.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records did not fit the ${det.format} format and are in the rejects table; if the format is wrong, choose one with --format.`,
    );
  }
  for (const p of plan) {
    if (p.mismatches > 0) {
      warnings.push(`column ${p.name}: ${p.mismatches} values are not ${p.type} and were kept as text.`);
    }
  }
  const columns: ColumnInfo[] = [
    { name: LINE_COLUMN, sourceName: LINE_COLUMN, type: 'integer', role: null, mismatches: 0 },
    ...(timeOf ? [{ name: TIME_COLUMN, sourceName: TIME_COLUMN, type: 'timestamp' as ColumnType, role: roles.get(TIME_COLUMN) ?? null, mismatches: 0 }] : []),
    ...(tpl ? [{ name: TEMPLATE_COLUMN, sourceName: tpl.source, type: 'integer' as ColumnType, role: null, mismatches: 0 }] : []),
    ...plan.map((p) => ({
      name: p.name,
      sourceName: p.sourceName,
      type: p.mismatches > 0 ? ('text' as ColumnType) : p.type,
      role: roles.get(p.name) ?? null,
      mismatches: p.mismatches,
      timeFormat: p.timeFormat,
    })),
  ];
  const defs = columns.map((c) => {
    if (c.name === LINE_COLUMN) return `${quoteIdent(c.name)} INTEGER PRIMARY KEY`;
    if (c.name === TEMPLATE_COLUMN && tpl) return `${quoteIdent(c.name)} INTEGER`;
    const p = plan.find((x) => x.name === c.name);
    return `${quoteIdent(c.name)} ${p ? declaredType(p) : SQL_TYPE[c.type]}`.trimEnd();
  });
  const sql = `CREATE TABLE ${quoteIdent(table)} (${defs.join(', ')})`;
  const schema: SchemaEntry[] = tree ? [{ type: 'table', name: table, tblName: table, rootPage: tree.finish(), sql }] : [];
  const indexed: string[] = [];
  for (const k of keyIndexes) {
    if (k.abandoned || k.rows !== tb.rows) continue;
    const name = `${table}__${k.column}`;
    schema.push({ type: 'index', name, tblName: table, rootPage: writeIndex(img, k.entries(rowids, firstLine)), sql: `CREATE INDEX ${quoteIdent(name)} ON ${quoteIdent(table)} (${quoteIdent(k.column)})` });
    indexed.push(k.column);
  }
  keyIndexes = [];
  const templates = tpl?.write(img, table);
  if (templates) schema.push(templates.schema);
  const templateRemap = tpl?.remap();
  const image = img.finish(schema);
  report(sn.fileBytes);
  return {
    image,
    rejects,
    templateRemap: templateRemap?.length ? templateRemap : undefined,
    info: {
      file: path,
      table,
      format: det.format,
      encoding: sn.encoding,
      gzip: sn.gzip,
      rows: tb.rows,
      rejected: rejectedCount,
      bytes: sn.fileBytes,
      columns,
      timeSource,
      delimiter: det.delimiter,
      header: det.header,
      ...(det.formatName ? { formatName: det.formatName } : {}),
      indexed,
      warnings,
      templates: templates?.info,
    },
  };
}

/**
 * Room for a file's repeated values: an eighth of its text (the dictionary
 * only grows as values come; a column whose values do not repeat stops early).
 */
function dictionaryLimit(textBytes: number): number {
  return Math.max(1 << 20, Math.min(Math.floor(textBytes / 8), 512 << 20));
}

/** A time this many years from the median of the first records' times is taken for damage. */
const PLAUSIBLE_YEARS = 50;

/** The year of a normalized time ('YYYY-MM-DD …', or more digits for a corrupt one), or null. */
function yearOf(s: string | null): number | null {
  if (!s) return null;
  const m = /^(-?\d+)-/.exec(s);
  return m ? Number(m[1]) : null;
}

/** Whether an ISO stamp in bytes starts with a four-digit year within [lo, hi]. */
function isoYearWithin(buf: Uint8Array, s: number, e: number, lo: number, hi: number): boolean {
  if (e - s < 5 || buf[s + 4] !== 0x2d) return false;
  let y = 0;
  for (let k = s; k < s + 4; k++) {
    const d = buf[k] - 0x30;
    if (d < 0 || d > 9) return false;
    y = y * 10 + d;
  }
  return y >= lo && y <= hi;
}

const TIME_PREF = /^(_?time|timestamp|datetime|date_?time|ts|@timestamp|event_?time|start|start_?time|date)$/i;

/** How the byte path writes `_time`: an ISO or Apache stamp in field a, or date a with time b. */
interface FastTime {
  kind: 'iso' | 'apache' | 'date+time';
  a: number;
  b: number;
}

/** Picks what `_time` is computed from: a timestamp column, or a date column with a time column. */
function chooseTime(
  plan: ColumnPlan[],
  sample: { values: RawRecord }[],
  mtime: Date,
  year: number | undefined,
): { fn: (r: RawRecord) => string | null; source: string[]; idx: number[]; fast: FastTime | null } | null {
  const stamps = plan.map((p, i) => ({ p, i })).filter((x) => x.p.type === 'timestamp' && x.p.timeFormat);
  if (stamps.length) {
    const rank = (x: { p: ColumnPlan; i: number }) => (TIME_PREF.test(x.p.name) ? 0 : TIME_NAME_RE.test(x.p.name) ? 1 : 2) * 1000 + x.i;
    stamps.sort((a, b) => rank(a) - rank(b));
    const { p, i } = stamps[0];
    let y = year;
    if (p.timeFormat === 'syslog' && y === undefined) {
      const stamps = sample.map((r) => r.values[i]).filter((v): v is string => typeof v === 'string');
      // the first stamp, and an RFC 5424 line's ISO stamp when the file has both kinds and a BSD line comes first
      y = syslogYear(stamps[0], mtime, /^[A-Z]/.test(stamps[0] ?? '') ? stamps.find((v) => /^\d{4}-/.test(v)) : undefined);
    } else if (y === undefined && p.timeFormat?.startsWith('layout:')) {
      // a layout without a year (03-17 16:13:38.811) starts in the file's year, like syslog
      const first = sample.find((r) => typeof r.values[i] === 'string')?.values[i] as string | undefined;
      y = startYear(p.timeFormat.slice(7), first, mtime);
    }
    const parse = timeParser(p.timeFormat as TimeFormat, y);
    const fast: FastTime | null = p.timeFormat === 'iso' ? { kind: 'iso', a: i, b: -1 } : p.timeFormat === 'apache' ? { kind: 'apache', a: i, b: -1 } : null;
    return { fn: (r) => parse(r[i] ?? null), source: [p.name], idx: [i], fast };
  }
  const di = plan.findIndex((p) => p.type === 'date');
  const ti = plan.findIndex((p) => p.type === 'time');
  if (di >= 0) {
    const combine = dateTimeParser();
    return {
      fn: (r) => combine(r[di] ?? null, ti >= 0 ? r[ti] ?? null : null),
      source: ti >= 0 ? [plan[di].name, plan[ti].name] : [plan[di].name],
      idx: ti >= 0 ? [di, ti] : [di],
      fast: ti >= 0 ? { kind: 'date+time', a: di, b: ti } : null,
    };
  }
  return null;
}
