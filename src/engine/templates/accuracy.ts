/**
 * How well mined templates group messages, scored as the log-parsing
 * literature does (Zhu et al., "Tools and Benchmarks for Automated Log
 * Parsing", ICSE-SEIP 2019, and loghub's evaluator):
 *
 * - grouping accuracy: a line counts as parsed right when the lines of its
 *   predicted group are exactly the lines of its true event (the group holds
 *   one true event and all of it); the score is the share of such lines;
 * - pairwise precision, recall and F-measure over pairs of lines put in one
 *   group (predicted) versus one event (true).
 */
import { DelimitedParser, type RecordSink } from '../ingest/formats';

export interface GroupingScore {
  lines: number;
  /** Share of lines whose predicted group equals their true event. */
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  predictedGroups: number;
  trueGroups: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/** Scores predicted group keys against true event ids, line by line (the arrays align). */
export function groupingAccuracy(truth: readonly string[], predicted: readonly (string | number | null)[]): GroupingScore {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`);
  const trueSize = new Map<string, number>();
  for (const t of truth) trueSize.set(t, (trueSize.get(t) ?? 0) + 1);
  // a line without a prediction is a group of its own
  const key = (p: string | number | null, i: number) => (p === null ? `\u0000${i}` : String(p));
  const groups = new Map<string, Map<string, number>>();
  predicted.forEach((p, i) => {
    const k = key(p, i);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = new Map()));
    g.set(truth[i], (g.get(truth[i]) ?? 0) + 1);
  });
  let right = 0;
  let samePairs = 0;
  let predPairs = 0;
  for (const g of groups.values()) {
    let size = 0;
    for (const [t, n] of g) {
      size += n;
      samePairs += pairs(n);
    }
    predPairs += pairs(size);
    if (g.size === 1) {
      const [[t, n]] = [...g];
      if (trueSize.get(t) === n) right += n;
    }
  }
  let truePairs = 0;
  for (const n of trueSize.values()) truePairs += pairs(n);
  const precision = predPairs ? samePairs / predPairs : 1;
  const recall = truePairs ? samePairs / truePairs : 1;
  return {
    lines: truth.length,
    accuracy: truth.length ? right / truth.length : 1,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    predictedGroups: groups.size,
    trueGroups: trueSize.size,
  };
}

export interface StructuredLine {
  lineId: number;
  content: string;
  eventId: string;
  /** The other columns of loghub's structured CSV (Date, Time, Level, Component, …). */
  fields: Record<string, string>;
}

/** Reads loghub's `*_structured.csv` (LineId, header fields, Content, EventId, EventTemplate). */
export function parseStructuredCsv(text: string): StructuredLine[] {
  const parser = new DelimitedParser(',', 'csv', null, true);
  const rows: string[][] = [];
  const sink: RecordSink = {
    record: (v) => rows.push(v.map((x) => (x === null ? '' : String(x)))),
    reject: (line, reason) => {
      throw new Error(`structured CSV line ${line}: ${reason}`);
    },
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => parser.line(l, i + 1, sink));
  parser.end(sink);
  const names = parser.columns();
  const col = (n: string) => {
    const i = names.indexOf(n);
    if (i < 0) throw new Error(`structured CSV has no ${n} column (columns: ${names.join(', ')})`);
    return i;
  };
  const [li, ci, ei] = [col('LineId'), col('Content'), col('EventId')];
  return rows.map((r) => {
    const fields: Record<string, string> = {};
    names.forEach((n, i) => {
      if (i !== li && i !== ci && i !== ei && n !== 'EventTemplate') fields[n] = r[i];
    });
    return { lineId: Number(r[li]), content: r[ci], eventId: r[ei], fields };
  });
}
