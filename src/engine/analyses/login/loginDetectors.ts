/**
 * Unsupervised detectors on per-minute login features: an isolation forest
 * and the local outlier factor on standardised features (usernames with
 * failures, attempts, failures, distinct IPs per minute, one-hot weekday and
 * hour), their agreement (Cohen's kappa), and, when labelled windows exist,
 * both evaluated against the labelled minutes. Findings are the minutes that
 * look most like attacks, with the source IPs that failed in them.
 */
import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, AnalysisContext, Finding } from '../../findings/model';
import { nullRate, type MinuteCount } from './bursts';
import { log10PoissonTail, riskFromLog10P, RISK_BANDS } from '../../findings/triage/risk';
import { minuteFindings } from './minuteFindings';
import { cohenKappa, isolationForest, localOutlierFactor, standardize } from '../../ml';
import { evaluateOne, evaluationChart, evaluationTables, thresholdOnCurve, type Scored } from './evaluation';
import { designMatrix, standardizeShared, featureNames, minuteLabels, minuteTable, minuteText, parseFeatures, parsePeriod, type GridSpan, type MinuteTable, type Period } from './minutes';
import { findLabelWindows, logSource, readWindows, type LogSource } from './source';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const ID = 'login-detectors';
/** Minutes drawn in the over-time chart: the busiest ones and every flagged one. */
const MAX_CHART_POINTS = 4000;

export const DEFAULT_FEATURES = 'usernames_with_failures,weekday,hour';

/** The period a parameter names, or the whole log ('' or 'all'). */
export function periodOf(cx: AnalysisContext, src: LogSource, text: string, what: string): Period | undefined {
  if (text && text !== 'all') return parsePeriod(text, what);
  const t = src.col.time!;
  const [lo, hi] = cx.query(`SELECT min(${t}), max(${t}) FROM ${src.from}`).rows[0] as [string | null, string | null];
  if (!lo || !hi) return undefined;
  // '~' sorts after every digit: the last event itself is inside [from, to)
  return { from: lo, to: `${hi}~`, label: `${lo.slice(0, 16)} … ${hi.slice(0, 16)}` };
}

export const loginDetectors: Analysis = {
  id: ID,
  title: 'Attack minutes: isolation forest and local outlier factor',
  description:
    "Per-minute features of login attempts (every minute from the first to the last failure, empty ones included), standardised; an isolation forest and the local outlier factor flag unusual minutes, Cohen's kappa says how much they agree; with labelled windows, both are evaluated (report, confusion matrix, ROC and precision–recall curves with the target region).",
  needs: ['ip', 'user', 'outcome', 'time'],
  timeFromRole: true,
  params: [
    { name: 'period', description: "minutes analysed: 'all', or 2018, 2018-01, 2018-01..2018-03, 2018-01-15", default: 'all' },
    { name: 'features', description: 'feature groups, comma-separated: usernames_with_failures, attempts, failures, ips, previous (the previous minute), weekday, hour', default: DEFAULT_FEATURES },
    { name: 'span', description: "'failures': minutes from the first to the last failure (the book's); 'events': from the first to the last event", default: 'failures' },
    { name: 'contamination', description: 'isolation forest: share of minutes expected to be outliers', default: 0.05 },
    { name: 'trees', description: 'isolation forest: number of trees', default: 100 },
    { name: 'seed', description: 'isolation forest: random seed', default: 0 },
    { name: 'k', description: 'local outlier factor: neighbours', default: 20 },
    { name: 'lofContamination', description: "local outlier factor: share flagged, or 'auto' (LOF > 1.5)", default: 'auto' },
    { name: 'minPrecision', description: 'target precision drawn on the curves', default: 0.85 },
    { name: 'minRecall', description: 'target recall drawn on the curves', default: 0.7 },
    { name: 'top', description: 'attack-looking minutes reported as findings', default: 50 },
  ],
  run(cx) {
    const src = logSource(cx, false);
    const period = periodOf(cx, src, String(cx.param('period')).trim(), 'period');
    const span = String(cx.param('span')) as GridSpan;
    if (span !== 'failures' && span !== 'events') throw badParam(`span must be 'failures' or 'events', not ${span}`);
    const table = period && minuteTable(cx, src, period, span);
    if (!table) return { findings: [], tables: [{ title: 'No minutes to analyse', columns: ['period', 'why'], rows: [[period?.label ?? 'all', `no ${span === 'failures' ? 'failed attempt' : 'event'} with a time`]] }], charts: [] };

    const groups = parseFeatures(String(cx.param('features')));
    const names = featureNames(groups);
    const X = designMatrix(table, groups);
    const Z = standardizeShared(X, standardize(X));

    const contamination = cx.num('contamination');
    const t0 = performance.now();
    const forest = isolationForest(Z, { contamination, nEstimators: Math.max(1, Math.round(cx.num('trees'))), seed: cx.num('seed') });
    const tForest = performance.now() - t0;
    const lofC = String(cx.param('lofContamination')).trim();
    const lof = localOutlierFactor(Z, { nNeighbors: Math.max(1, Math.round(cx.num('k'))), contamination: lofC === 'auto' ? 'auto' : Number(lofC) });
    const tLof = performance.now() - t0 - tForest;
    const ifFlag: number[] = forest.predict.map((p) => (p === -1 ? 1 : 0));
    const lofFlag: number[] = lof.predict.map((p) => (p === -1 ? 1 : 0));
    const kappa = cohenKappa(ifFlag, lofFlag);
    // scores that grow with how attack-like a minute is
    const ifScore = forest.scores.map((s) => -s);

    const windows = readWindows(cx.query, findLabelWindows(cx.table, cx.tables()));
    const y = windows.length ? minuteLabels(table, windows) : undefined;
    const positives = y ? y.reduce((s, v) => s + v, 0) : 0;

    const summary: SqlValue[][] = [
      ['period', table.period.label],
      ['minutes', table.n],
      ['first minute', minuteText(table.start)],
      ['last minute', minuteText(table.start + table.n - 1)],
      ['features', names.length],
      ['isolation forest outliers', sum(ifFlag)],
      ['local outlier factor outliers', sum(lofFlag)],
      ['both', ifFlag.reduce((s, v, i) => s + (v && lofFlag[i] ? 1 : 0), 0)],
      ["Cohen's kappa", round(kappa)],
      ['isolation forest ms', Math.round(tForest)],
      ['local outlier factor ms', Math.round(tLof)],
      ...(y ? [['labelled attack minutes', positives] as SqlValue[]] : []),
    ];

    const tables = [{ title: 'Detectors', columns: ['measure', 'value'], rows: summary }];
    const charts: { title: string; spec: Record<string, unknown> }[] = [];
    if (y) {
      const target = { minPrecision: cx.num('minPrecision'), minRecall: cx.num('minRecall') };
      const scored: Scored[] = [
        { name: 'isolation forest', score: ifScore, pred: ifFlag, threshold: -forest.threshold },
        { name: 'local outlier factor', score: lof.lof, pred: lofFlag, threshold: -lof.threshold },
      ];
      const evals = scored.map((s) => evaluateOne(y, s));
      tables.push(...evaluationTables(evals, table.period.label));
      if (positives > 0) {
        // with the labels in hand, where each score would have to be cut: descriptive, not a test
        const rows = evals.map((e) => {
          const c = thresholdOnCurve(e.pr!, target);
          return [e.name, c.threshold === undefined ? null : Number(c.threshold.toPrecision(6)), round(c.precision), round(c.recall), c.threshold === undefined ? 'no threshold meets both targets; best point shown' : 'meets both targets'];
        });
        tables.push({ title: `Thresholds meeting precision ≥ ${target.minPrecision} and recall ≥ ${target.minRecall} on these labels (hindsight)`, columns: ['detector', 'score ≥', 'precision', 'recall', 'note'], rows });
      }
      const chart = evaluationChart(y, scored, evals, target, `detectors on ${table.period.label}`);
      if (chart) charts.push(chart);
    }
    charts.push(overTime(table, ifFlag, lofFlag, y));

    const findings = attackMinutes(cx, src, table, ifScore, ifFlag, lofFlag, lof.lof, y);
    return { findings, tables, charts };
  },
};

function badParam(message: string): Error {
  return new LogInvestigatorError('BAD_OPTION', `${ID}: ${message}`);
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(4)) : null);
const sum = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
};

/**
 * The minutes flagged by the isolation forest whose usernames with failures
 * are beyond chance: Poisson(λ) per minute, λ the mean of the minutes not
 * flagged (analyses/login/bursts.ts), among the minutes of the table; those at low risk
 * or above (fewer than one such minute expected) are findings, with that
 * risk. The forest also flags quiet minutes at rare hours, which are nothing
 * to investigate. The finding names the IPs that failed then.
 */
function attackMinutes(cx: AnalysisContext, src: LogSource, table: MinuteTable, ifScore: number[], ifFlag: number[], lofFlag: number[], lof: number[], y: Uint8Array | undefined): Finding[] {
  const u = table.counts.usernames_with_failures;
  const series: MinuteCount[] = [];
  for (let i = 0; i < table.n; i++) if (u[i] > 0) series.push({ m: i, n: u[i] });
  const rate = nullRate(series, table.n);
  const top = Math.max(0, Math.round(cx.num('top')));
  const cand: { i: number; log10p: number; risk: number }[] = [];
  for (let i = 0; i < table.n; i++) {
    if (!ifFlag[i] || table.counts.failures[i] === 0 || u[i] <= rate) continue;
    const log10p = log10PoissonTail(u[i], rate);
    const risk = riskFromLog10P(log10p, table.n);
    if (risk >= RISK_BANDS.low) cand.push({ i, log10p, risk });
  }
  cand.sort((a, b) => a.log10p - b.log10p || ifScore[b.i] - ifScore[a.i] || a.i - b.i);
  return minuteFindings(
    cx,
    src,
    ID,
    table,
    cand.slice(0, top).map(({ i, log10p, risk }) => ({
      i,
      score: Number((-log10p).toFixed(2)),
      risk,
      why: `flagged by the isolation forest${lofFlag[i] ? ' and the local outlier factor' : ''}; ${u[i]} usernames with failures where an ordinary minute has ${Number(rate.toPrecision(3))} (Poisson tail p ≈ ${log10p > -3 ? (10 ** log10p).toPrecision(2) : `1e${Math.round(log10p)}`} among ${table.n} minutes)`,
      metrics: { isolationForest: round(ifScore[i]), lof: round(lof[i]), lofFlagged: lofFlag[i], usernamesPerOrdinaryMinute: Number(rate.toPrecision(3)), ...(y ? { labelledAttack: y[i] } : {}) },
    })),
  );
}

/** Usernames with failures per minute, flagged minutes coloured; the busiest and all flagged minutes when there are too many to draw. */
function overTime(table: MinuteTable, ifFlag: number[], lofFlag: number[], y: Uint8Array | undefined) {
  const u = table.counts.usernames_with_failures;
  let idx: number[] = [];
  for (let i = 0; i < table.n; i++) if (u[i] > 0 || ifFlag[i] || lofFlag[i] || y?.[i]) idx.push(i);
  if (idx.length > MAX_CHART_POINTS) {
    const must = idx.filter((i) => y?.[i] || (ifFlag[i] && lofFlag[i]));
    const rest = idx.filter((i) => !(y?.[i] || (ifFlag[i] && lofFlag[i]))).sort((a, b) => u[b] - u[a]);
    idx = [...must, ...rest.slice(0, Math.max(0, MAX_CHART_POINTS - must.length))].sort((a, b) => a - b);
  }
  const label = (i: number) => (ifFlag[i] && lofFlag[i] ? 'both' : ifFlag[i] ? 'isolation forest' : lofFlag[i] ? 'local outlier factor' : 'neither');
  const values = idx.map((i) => ({ t: new Date((table.start + i) * 60000).toISOString(), minute: minuteText(table.start + i), usernames: u[i], flagged: label(i), ...(y ? { attack: y[i] ? 'labelled attack' : 'no label' } : {}) }));
  return {
    title: `Usernames with failures per minute, flagged minutes (${table.period.label})`,
    spec: {
      $schema: VL,
      width: 640,
      height: 220,
      data: { values },
      mark: { type: 'point', filled: true, opacity: 0.7 },
      encoding: {
        x: { field: 't', type: 'temporal', scale: { type: 'utc' }, title: 'time (UTC)', axis: { labelOverlap: true } },
        y: { field: 'usernames', type: 'quantitative', title: 'usernames with failures' },
        color: { field: 'flagged', type: 'nominal', scale: { domain: ['both', 'isolation forest', 'local outlier factor', 'neither'] }, title: 'flagged by' },
        ...(y ? { shape: { field: 'attack', type: 'nominal', title: null } } : {}),
        tooltip: [{ field: 'minute', title: 'minute (UTC)' }, { field: 'usernames' }, { field: 'flagged' }, ...(y ? [{ field: 'attack' }] : [])],
      },
    },
  };
}
