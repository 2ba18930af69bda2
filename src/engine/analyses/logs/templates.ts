/**
 * Analyses on message templates (`_template`, `<table>_templates`; issue 14):
 * templates first seen late, rare templates, a template's rate jumping against
 * its own past, and bursts of error-level lines. How each computes its risk:
 * docs/risk/templates.md.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { tooLittleData } from '../../errors';
import { quoteIdent } from '../../store/names';
import { TEMPLATE_COLUMN } from '../../templates/column';
import { riskFromLog10P } from '../../findings/triage/risk';
import { log10NegBinomialTail } from '../../findings/triage/tails';
import { templateNew } from './templateNew';
import { templatesChart } from './templatesChart';
import {
  bucketBounds, bucketText, bucketWindow, errorLevelCondition, levelColumn, loadTemplates, noLevels, noTemplates, priorWindows,
  templateFinding, templateLabel, templatesTableOf, type BucketSize, type TemplateSeries,
} from './templatesData';

const sizeParam = { name: 'bucket', description: "time bucket: 'minute', 'hour', or 'auto' (minutes unless the log spans more than 3 days)", default: 'auto' };
const bucketOf = (v: number | string): BucketSize | 'auto' => (v === 'minute' || v === 'hour' ? v : 'auto');
const fmtP = (log10p: number) => (log10p > -3 ? (10 ** log10p).toFixed(3) : `1e${Math.round(log10p)}`);
const unit = (s: TemplateSeries, n: number) => `${n.toLocaleString('en-US')} ${s.size}${n === 1 ? '' : 's'}`;
/** Findings listed per analysis at most (the most risky); the result table lists them all. */
const MAX_FINDINGS = 50;

/**
 * log10 of the chance that all k active buckets of a template fall at or after
 * bucket `before` of the log's A active buckets, were they drawn at random
 * among them (hypergeometric): how unlikely "nothing of it before" is.
 */
export function log10NoneBefore(k: number, activeBefore: number, active: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) {
    const num = active - activeBefore - j;
    if (num <= 0) return -Infinity;
    s += Math.log10(num / (active - j));
  }
  return s;
}

export const templateNovelty: Analysis = {
  id: 'template-novelty',
  title: 'Templates first seen late',
  description:
    'Message templates that first appear late in the log (after a share `late` of its active time) and keep coming: a new kind of event that starts mid-log. A template seen once near the end is not surprising; one that then fills many minutes is.',
  needs: ['time'],
  shape: noTemplates,
  params: [
    sizeParam,
    { name: 'late', description: "share of the log's active time (0–1) before which a template counts as seen from the start", default: 0.2 },
    { name: 'minBuckets', description: 'fewest buckets a late template must fill to be judged (a template of one bucket is a one-off: template-rare and template-rates judge it)', default: 2 },
  ],
  run(cx) {
    const s = loadTemplates(cx, bucketOf(cx.param('bucket')));
    const late = cx.num('late');
    const minBuckets = cx.num('minBuckets');
    const timed = s.templates.filter((t) => t.firstBucket >= 0);
    // active buckets of the log before each bucket
    const before = new Int32Array(s.buckets + 1);
    for (let i = 0; i < s.buckets; i++) before[i + 1] = before[i] + (s.total[i] > 0 ? 1 : 0);
    const findings: Finding[] = [];
    const rows: SqlValue[][] = [];
    for (const t of timed) {
      const share = before[t.firstBucket] / Math.max(1, s.activeBuckets);
      if (share < late || t.activeBuckets < minBuckets) continue;
      const log10p = log10NoneBefore(t.activeBuckets, before[t.firstBucket], s.activeBuckets);
      const risk = riskFromLog10P(log10p, timed.length);
      const after = s.activeBuckets - before[t.firstBucket];
      const first = bucketText(s, t.firstBucket);
      rows.push([t.id, t.template, t.count, first, t.firstLine, Math.round(share * 100), t.activeBuckets, risk]);
      findings.push(
        templateFinding(cx, 'template-novelty', t, {
          score: -log10p,
          risk,
          reason:
            `first seen ${first} (line ${t.firstLine}), ${Math.round(share * 100)} % into the log's active time; then in ${unit(s, t.activeBuckets)} of the ${after.toLocaleString('en-US')} active ones left (${t.count.toLocaleString('en-US')} lines). ` +
            `Spread like the log's own lines, some would have come earlier: p = ${fmtP(log10p)} among ${timed.length} templates.`,
          metrics: { template: t.template, templateId: t.id, firstSeen: first, firstLine: t.firstLine, sharePercent: Math.round(share * 100), activeBuckets: t.activeBuckets, lines: t.count },
          window: bucketWindow(s, t.firstBucket),
          explain: { baseline: `no line of it in the first ${unit(s, before[t.firstBucket])} with lines (of ${s.activeBuckets.toLocaleString('en-US')})` },
        }),
      );
    }
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0));
    rows.sort((a, b) => Number(b[7]) - Number(a[7]));
    return {
      findings: findings.slice(0, MAX_FINDINGS),
      tables: [{ title: `Templates first seen after ${Math.round(late * 100)} % of the log's active time`, columns: ['id', 'template', 'lines', 'first seen', 'first line', '% into the log', `active ${s.size}s`, 'risk'], rows }],
      charts: [],
    };
  },
};

export const templateRare: Analysis = {
  id: 'template-rare',
  title: 'Rare templates',
  description:
    'Message templates with at most `maxLines` lines. Rare is not suspicious by itself (every log has a long tail of one-off messages): these are listed at info, and at low when their lines carry an error level.',
  // a log's templates: tables of periods and other time-less tables are left alone
  needs: ['time'],
  shape: noTemplates,
  params: [{ name: 'maxLines', description: 'most lines a template may have to count as rare', default: 3 }],
  run(cx) {
    const tt = templatesTableOf(cx);
    const maxLines = cx.num('maxLines');
    const level = levelColumn(cx);
    const errors = new Map<number, number>();
    if (level) {
      const tpl = quoteIdent(TEMPLATE_COLUMN);
      for (const [id, n] of cx.query(`SELECT ${tpl}, count(*) FROM ${cx.t} WHERE ${errorLevelCondition(level)} AND ${tpl} IS NOT NULL GROUP BY 1`).rows) errors.set(Number(id), Number(n));
    }
    const all = cx.query(`SELECT id, template, count, first_line, last_line FROM ${tt} ORDER BY count, id`).rows;
    const lines = all.reduce((a, r) => a + Number(r[2]), 0);
    const rare = all.filter((r) => Number(r[2]) <= maxLines);
    const findings: Finding[] = rare.map(([id, template, count, first, last]) => {
      const t = { id: Number(id), template: String(template), count: Number(count), firstLine: Number(first), lastLine: Number(last), firstBucket: -1, activeBuckets: 0 };
      const err = errors.get(t.id) ?? 0;
      return templateFinding(cx, 'template-rare', t, {
        score: t.count,
        // no null makes one rare template surprising where the log has many: info, low at an error level (docs/risk/templates.md)
        risk: err > 0 ? 35 : 10,
        reason: `${t.count} line${t.count === 1 ? '' : 's'} of ${lines.toLocaleString('en-US')} (first line ${t.firstLine}); one of ${rare.length} templates with at most ${maxLines}${err > 0 ? `; ${err} at an error level` : ''}`,
        metrics: { template: t.template, templateId: t.id, lines: t.count, firstLine: t.firstLine, errorLines: err },
      });
    });
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0) || a.score - b.score);
    return {
      findings: findings.slice(0, MAX_FINDINGS),
      tables: [{ title: `Templates with at most ${maxLines} lines (${rare.length} of ${all.length})`, columns: ['id', 'template', 'lines', 'first line', 'error lines'], rows: rare.map((r) => [r[0], r[1], r[2], r[3], errors.get(Number(r[0])) ?? 0]) }],
      charts: [],
    };
  },
};

/**
 * How bursty the log's templates are: the median over templates (with at least
 * 10 lines) of variance / mean of their counts per bucket from their first
 * bucket on, at least 1. A template whose own history is all zeros takes this
 * spread, so its first burst is judged against the log's burstiness, not
 * against a Poisson that calls any burst impossible.
 */
export function burstiness(series: Iterable<{ c: Float64Array; from: number; count: number }>): number {
  const ratios: number[] = [];
  for (const { c, from, count } of series) {
    if (count < 10 || from < 0) continue;
    let sum = 0;
    let sq = 0;
    const n = c.length - from;
    if (n < 2) continue;
    for (let i = from; i < c.length; i++) {
      sum += c[i];
      sq += c[i] * c[i];
    }
    const mean = sum / n;
    if (mean > 0) ratios.push((sq - n * mean * mean) / (n - 1) / mean);
  }
  if (!ratios.length) return 1;
  ratios.sort((a, b) => a - b);
  const m = ratios.length >> 1;
  return Math.max(1, ratios.length % 2 ? ratios[m] : (ratios[m - 1] + ratios[m]) / 2);
}

const logBurstiness = (s: TemplateSeries) => burstiness(s.templates.filter((t) => s.counts.has(t.id)).map((t) => ({ c: s.counts.get(t.id)!, from: t.firstBucket, count: t.count })));

/** Most surprising bucket of a series against the `history` buckets before it (negative binomial, pooled with `prior`). */
function jumps(c: Float64Array, from: number, history: number, minHistory: number, minCount: number, factor: number, prior: number, dispersion: number): { best?: { i: number; k: number; mean: number; log10p: number }; tested: number } {
  let best: { i: number; k: number; mean: number; log10p: number } | undefined;
  let tested = 0;
  for (const w of priorWindows(c, from, history)) {
    if (w.n < minHistory) continue;
    tested++;
    const k = c[w.i];
    // two buckets' worth of the series' overall rate: a history of zeros is no certainty that the next bucket is zero
    const mean = (w.mean * w.n + 2 * prior) / (w.n + 2);
    if (k < minCount || k < factor * mean) continue;
    const log10p = log10NegBinomialTail(k, mean, Math.max(w.variance, mean * dispersion));
    if (!best || log10p < best.log10p) best = { i: w.i, k, mean, log10p };
  }
  return { best, tested };
}

const rateParams = [
  sizeParam,
  { name: 'history', description: 'buckets before each bucket that make its baseline', default: 60 },
  { name: 'minHistory', description: 'fewest earlier buckets (since the template first appeared) before a bucket is judged', default: 10 },
  { name: 'minCount', description: 'fewest lines in a flagged bucket', default: 10 },
  { name: 'factor', description: 'a flagged bucket has at least this many times its baseline mean', default: 3 },
];

export const templateRates: Analysis = {
  id: 'template-rates',
  title: 'Template rates jumping',
  description:
    "Each template's lines per minute (or hour) against its own preceding buckets: a bucket with at least `minCount` lines and `factor` times the template's baseline, judged by a negative-binomial tail. One finding per template, its most surprising bucket; the chart shows the busiest templates over time.",
  needs: ['time'],
  shape: noTemplates,
  params: rateParams,
  run(cx) {
    const s = loadTemplates(cx, bucketOf(cx.param('bucket')));
    const [history, minHistory, minCount, factor] = ['history', 'minHistory', 'minCount', 'factor'].map((p) => cx.num(p));
    const hits: { t: (typeof s.templates)[number]; i: number; k: number; mean: number; log10p: number }[] = [];
    let tests = 0;
    const dispersion = logBurstiness(s);
    for (const t of s.templates) {
      const c = s.counts.get(t.id);
      if (!c || t.firstBucket < 0) continue;
      const { best, tested } = jumps(c, t.firstBucket, history, minHistory, minCount, factor, t.count / s.buckets, dispersion);
      tests += tested;
      if (best) hits.push({ t, ...best });
    }
    const findings = hits.map(({ t, i, k, mean, log10p }) => {
      const risk = riskFromLog10P(log10p, tests);
      const [from, to] = bucketBounds(s, i);
      return templateFinding(
        cx,
        'template-rates',
        t,
        {
          score: -log10p,
          risk,
          reason: `${k.toLocaleString('en-US')} lines in the ${s.size} ${bucketText(s, i)}, ${(k / Math.max(mean, 1e-9)).toFixed(1)}× its baseline of ${mean.toFixed(2)} a ${s.size} (the ${history} ${s.size}s before; the log's templates vary ${dispersion.toFixed(1)}× their mean); p = ${fmtP(log10p)} among ${tests.toLocaleString('en-US')} template-${s.size}s judged`,
          metrics: { template: t.template, templateId: t.id, bucket: bucketText(s, i), lines: k, baseline: Number(mean.toFixed(3)) },
          window: bucketWindow(s, i),
          explain: { baseline: `${mean.toFixed(2)} lines a ${s.size} before`, counterfactual: `it would not be flagged with fewer than ${Math.max(minCount, Math.ceil(factor * mean))} lines in that ${s.size}` },
        },
        ` AND ${cx.col('time')} >= ? AND ${cx.col('time')} < ?`,
        [from, to],
      );
    });
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0));
    const flagged = new Set(hits.map((h) => h.t.id));
    return {
      findings: findings.slice(0, MAX_FINDINGS),
      tables: [{ title: 'Templates whose rate jumped', columns: ['id', 'template', s.size, 'lines', 'baseline', 'risk'], rows: hits.map((h, j) => [h.t.id, h.t.template, bucketText(s, h.i), h.k, Number(h.mean.toFixed(3)), findings.find((f) => f.metrics.templateId === h.t.id)?.risk ?? null]).sort((a, b) => Number(b[5]) - Number(a[5])) }],
      charts: [templatesChart(s, flagged)],
    };
  },
};

export const errorBursts: Analysis = {
  id: 'error-bursts',
  title: 'Error-level bursts',
  description:
    "Lines at an error level (error, fatal, critical… in the table's level column) per minute (or hour) against the buckets before: a bucket with at least `minCount` of them and `factor` times the baseline, judged by a negative-binomial tail. Names the templates of the burst.",
  needs: ['time'],
  shape: noLevels,
  params: [...rateParams.slice(0, 3), { name: 'minCount', description: 'fewest error lines in a flagged bucket', default: 5 }, rateParams[4]],
  run(cx) {
    const level = levelColumn(cx);
    if (!level) throw tooLittleData(`${cx.table.table} has no level column (level, severity, priority…) to tell error lines by`);
    const s = loadTemplates(cx, bucketOf(cx.param('bucket')));
    const [history, minHistory, minCount, factor] = ['history', 'minHistory', 'minCount', 'factor'].map((p) => cx.num(p));
    const time = cx.col('time');
    const chars = s.size === 'minute' ? 16 : 13;
    const cond = errorLevelCondition(level);
    const series = new Float64Array(s.buckets);
    const byBucket = new Map<number, Map<number, number>>();
    for (const [b, id, n] of cx.query(`SELECT substr(${time}, 1, ${chars}), ${quoteIdent(TEMPLATE_COLUMN)}, count(*) FROM ${cx.t} WHERE ${cond} AND ${time} IS NOT NULL GROUP BY 1, 2`).rows) {
      const i = Math.floor((Date.parse(`${String(b).replace(' ', 'T')}${s.size === 'minute' ? ':00' : ':00:00'}Z`) - s.start) / (s.size === 'minute' ? 60_000 : 3_600_000));
      if (!(i >= 0 && i < s.buckets)) continue;
      series[i] += Number(n);
      const m = byBucket.get(i) ?? new Map<number, number>();
      byBucket.set(i, m);
      if (id !== null) m.set(Number(id), (m.get(Number(id)) ?? 0) + Number(n));
    }
    const errorLines = series.reduce((a, b) => a + b, 0);
    const overall = errorLines / s.buckets;
    // the log's own burstiness, from all its templates (the error series alone would count its bursts as its spread)
    const dispersion = logBurstiness(s);
    const names = new Map(s.templates.map((t) => [t.id, t.template]));
    const findings: Finding[] = [];
    let tests = 0;
    for (const w of priorWindows(series, 0, history)) {
      if (w.n < minHistory) continue;
      tests++;
      const k = series[w.i];
      const mean = (w.mean * w.n + 2 * overall) / (w.n + 2);
      if (k < minCount || k < factor * mean) continue;
      const log10p = log10NegBinomialTail(k, mean, Math.max(w.variance, mean * dispersion));
      const tpls = [...(byBucket.get(w.i) ?? new Map<number, number>()).entries()].sort((a, b) => b[1] - a[1]);
      const named = tpls.slice(0, 3).map(([id, n]) => `${n}× "${templateLabel(names.get(id) ?? String(id)).slice(0, 80)}"`).join(', ');
      const minute = bucketText(s, w.i);
      const [from, to] = bucketBounds(s, w.i);
      findings.push({
        id: findingId('error-bursts', cx.table.table, 'window', minute),
        analysis: 'error-bursts',
        entity: { kind: 'window', value: minute },
        score: -log10p,
        risk: 0, // set below, once the buckets judged are counted
        severity: 'info',
        reason: `${k} error-level lines in the ${s.size} ${minute}, ${(k / Math.max(mean, 1e-9)).toFixed(1)}× the baseline of ${mean.toFixed(2)} (the log's templates vary ${dispersion.toFixed(1)}× their mean); p = ${fmtP(log10p)} among the ${s.size}s judged; ${tpls.length} template${tpls.length === 1 ? '' : 's'}: ${named}${tpls.length > 3 ? ', …' : ''}`,
        metrics: { bucket: minute, errorLines: k, baseline: Number(mean.toFixed(3)), templates: tpls.length, log10p },
        evidence: cx.evidence(`${cond} AND ${time} >= ? AND ${time} < ?`, [from, to]),
        window: bucketWindow(s, w.i),
        related: tpls.slice(0, 20).map(([id]) => ({ kind: 'template' as const, value: templateLabel(names.get(id) ?? String(id)) })),
        explain: { baseline: `${mean.toFixed(2)} error lines a ${s.size} before`, counterfactual: `it would not be flagged with fewer than ${Math.max(minCount, Math.ceil(factor * mean))} in that ${s.size}` },
      });
    }
    for (const f of findings) f.risk = riskFromLog10P(Number(f.metrics.log10p), tests);
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0));
    return {
      findings: findings.slice(0, MAX_FINDINGS),
      tables: [{ title: `Error-level bursts (${level} column)`, columns: [s.size, 'error lines', 'baseline', 'templates', 'risk'], rows: findings.map((f) => [f.metrics.bucket, f.metrics.errorLines, f.metrics.baseline, f.metrics.templates, f.risk ?? null]) }],
      charts: [],
    };
  },
};

export const TEMPLATE_ANALYSES: readonly Analysis[] = [templateNovelty, templateNew, templateRare, templateRates, errorBursts];
