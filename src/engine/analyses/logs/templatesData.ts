/**
 * What the template analyses read: each message template of a table (its
 * text, count, first and last line) and its counts per time bucket (minute,
 * or hour for logs longer than a few days), from two GROUP BY queries over
 * `_template` and `_time`. Buckets are numbered from the log's first one;
 * quiet buckets count as zero.
 */
import type { TableInfo } from '../../ingest/build';
import type { AnalysisContext, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { tooLittleData } from '../../errors';
import { quoteIdent } from '../../store/names';
import { TEMPLATE_COLUMN } from '../../templates/column';

export type BucketSize = 'minute' | 'hour';

export interface TemplateRow {
  id: number;
  template: string;
  count: number;
  firstLine: number;
  lastLine: number;
  /** Index of the first bucket it occurs in (-1 when none of its lines has a time). */
  firstBucket: number;
  /** Buckets with at least one of its lines. */
  activeBuckets: number;
}

export interface TemplateSeries {
  size: BucketSize;
  /** Epoch ms of bucket 0. */
  start: number;
  buckets: number;
  /** Lines with a time per bucket, all templates. */
  total: Float64Array;
  /** Buckets where the log has any line. */
  activeBuckets: number;
  templates: TemplateRow[];
  /** Counts per bucket of each template, by id (only templates with timed lines). */
  counts: Map<number, Float64Array>;
  /** The templates table's quoted name. */
  templatesTable: string;
}

const BUCKET_MS: Record<BucketSize, number> = { minute: 60_000, hour: 3_600_000 };
const BUCKET_CHARS: Record<BucketSize, number> = { minute: 16, hour: 13 };
/** More buckets than this (a year of minutes) asks for hours. */
const MAX_BUCKETS = 200_000;

/** A template's name in findings and the tree: its text, cut. */
export const templateLabel = (t: string): string => (t.length > 200 ? t.slice(0, 199) + '…' : t);

/** The bucket's text as a time-window value: 'YYYY-MM-DD HH:MM' (minute) or 'YYYY-MM-DD HH' (hour). */
export function bucketText(s: TemplateSeries, i: number): string {
  const iso = new Date(s.start + i * BUCKET_MS[s.size]).toISOString();
  return iso.slice(0, BUCKET_CHARS[s.size]).replace('T', ' ');
}

export function bucketWindow(s: TemplateSeries, i: number): { start: string; end: string } {
  return { start: new Date(s.start + i * BUCKET_MS[s.size]).toISOString(), end: new Date(s.start + (i + 1) * BUCKET_MS[s.size]).toISOString() };
}

/** The `_time` bounds of bucket i, as text comparable with `_time` (for evidence SQL). */
export function bucketBounds(s: TemplateSeries, i: number): [string, string] {
  const text = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  return [text(s.start + i * BUCKET_MS[s.size]), text(s.start + (i + 1) * BUCKET_MS[s.size])];
}

/** Analysis.shape of the template analyses: a table without a message column has no templates (skipped as not the log they read). */
export function noTemplates(t: TableInfo): string | undefined {
  return t.columns.some((c) => c.name === TEMPLATE_COLUMN) ? undefined : `no free-text message column, so no message templates (${TEMPLATE_COLUMN})`;
}

/** Analysis.shape of error-bursts: also a level column to tell error lines by. */
export function noLevels(t: TableInfo): string | undefined {
  return noTemplates(t) ?? (levelColumnOf(t) ? undefined : 'no level column (level, severity, priority…) to tell error lines by');
}

/** Throws TOO_LITTLE_DATA (the analysis is skipped with the reason) when the table has no templates. */
export function templatesTableOf(cx: AnalysisContext): string {
  if (!cx.table.columns.some((c) => c.name === TEMPLATE_COLUMN)) throw tooLittleData(`${cx.table.table} has no free-text message column, so no message templates (${TEMPLATE_COLUMN})`);
  const name = `${cx.table.table}_templates`;
  try {
    cx.query(`SELECT 1 FROM ${quoteIdent(name)} LIMIT 0`); // each file's tables live in its own attached schema
  } catch {
    throw tooLittleData(`${cx.table.table} has a ${TEMPLATE_COLUMN} column but no ${name} table`);
  }
  return quoteIdent(name);
}

const bucketMs = (text: string, size: BucketSize) => Date.parse(size === 'minute' ? `${text.replace(' ', 'T')}:00Z` : `${text.replace(' ', 'T')}:00:00Z`);

/** Loads the templates and their series; `size` 'auto' takes minutes unless the log spans more than 3 days. */
export function loadTemplates(cx: AnalysisContext, size: BucketSize | 'auto' = 'auto'): TemplateSeries {
  const templatesTable = templatesTableOf(cx);
  const time = cx.col('time');
  const span = cx.query(`SELECT min(${time}), max(${time}) FROM ${cx.t} WHERE ${time} IS NOT NULL`).rows[0];
  if (span[0] === null) throw tooLittleData(`${cx.table.table} has no line with a time`);
  const lo = Date.parse(String(span[0]).slice(0, 19).replace(' ', 'T') + 'Z');
  const hi = Date.parse(String(span[1]).slice(0, 19).replace(' ', 'T') + 'Z');
  let chosen: BucketSize = size === 'auto' ? (hi - lo > 3 * 86_400_000 ? 'hour' : 'minute') : size;
  if ((hi - lo) / BUCKET_MS[chosen] > MAX_BUCKETS) chosen = 'hour';
  const chars = BUCKET_CHARS[chosen];
  const start = bucketMs(String(span[0]).slice(0, chars), chosen);
  const buckets = Math.max(1, Math.floor((hi - start) / BUCKET_MS[chosen]) + 1);
  const tpl = quoteIdent(TEMPLATE_COLUMN);
  const rows = cx.query(`SELECT ${tpl}, substr(${time}, 1, ${chars}) AS b, count(*) FROM ${cx.t} WHERE ${tpl} IS NOT NULL AND ${time} IS NOT NULL GROUP BY 1, 2`).rows;
  const total = new Float64Array(buckets);
  const counts = new Map<number, Float64Array>();
  for (const [id, b, n] of rows) {
    const i = Math.floor((bucketMs(String(b), chosen) - start) / BUCKET_MS[chosen]);
    if (!(i >= 0 && i < buckets)) continue;
    let c = counts.get(Number(id));
    if (!c) counts.set(Number(id), (c = new Float64Array(buckets)));
    c[i] += Number(n);
    total[i] += Number(n);
  }
  let activeBuckets = 0;
  for (let i = 0; i < buckets; i++) if (total[i] > 0) activeBuckets++;
  const templates = cx.query(`SELECT id, template, count, first_line, last_line FROM ${templatesTable} ORDER BY id`).rows.map(([id, template, count, first, last]): TemplateRow => {
    const c = counts.get(Number(id));
    let firstBucket = -1;
    let active = 0;
    if (c) for (let i = 0; i < buckets; i++) if (c[i] > 0) {
      if (firstBucket < 0) firstBucket = i;
      active++;
    }
    return { id: Number(id), template: String(template), count: Number(count), firstLine: Number(first), lastLine: Number(last), firstBucket, activeBuckets: active };
  });
  return { size: chosen, start, buckets, total, activeBuckets, templates, counts, templatesTable };
}

/** Names of a level (severity) column, and the values of it that mean an error. */
const LEVEL_NAME_RE = /^(level|severity|log_?level|lvl|loglevel|priority|sev)$/i;
const ERROR_LEVELS = ['error', 'err', 'e', 'fatal', 'f', 'crit', 'critical', 'alert', 'emerg', 'emergency', 'severe', 'panic'];

/** The table's level column, unquoted, or undefined. */
export function levelColumn(cx: AnalysisContext): string | undefined {
  return levelColumnOf(cx.table);
}

function levelColumnOf(t: TableInfo): string | undefined {
  return t.columns.find((c) => c.type === 'text' && LEVEL_NAME_RE.test(c.name))?.name;
}

/** SQL that is true for a line at an error level (error, fatal, critical… in any case). */
export function errorLevelCondition(column: string): string {
  return `lower(trim(${quoteIdent(column)})) IN (${ERROR_LEVELS.map((l) => `'${l}'`).join(', ')})`;
}

/** A finding about one template: kind `template`, its text as the value, its rows as evidence (narrowed by `where`). */
export function templateFinding(
  cx: AnalysisContext,
  analysis: string,
  t: TemplateRow,
  f: Pick<Finding, 'score' | 'risk' | 'reason' | 'metrics' | 'window' | 'explain'>,
  where = '',
  params: (string | number)[] = [],
): Finding {
  const value = templateLabel(t.template);
  return {
    id: findingId(analysis, cx.table.table, 'template', value),
    analysis,
    entity: { kind: 'template', value },
    severity: 'info',
    ...f,
    evidence: cx.evidence(`${quoteIdent(TEMPLATE_COLUMN)} = ?${where}`, [t.id, ...params]),
  };
}

/** Running mean and variance of the `history` buckets before each bucket, from `from` on (zeros included). */
export function* priorWindows(c: Float64Array, from: number, history: number): Generator<{ i: number; n: number; mean: number; variance: number }> {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = from; i < c.length; i++) {
    if (n > 0) {
      const mean = sum / n;
      yield { i, n, mean, variance: n > 1 ? Math.max(0, (sq - n * mean * mean) / (n - 1)) : mean };
    }
    sum += c[i];
    sq += c[i] * c[i];
    n++;
    if (n > history) {
      const old = c[i - history];
      sum -= old;
      sq -= old * old;
      n--;
    }
  }
}
