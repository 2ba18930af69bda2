/**
 * An online model of attack minutes: logistic regression by stochastic
 * gradient descent, fitted on a training period, then, month after month,
 * used to predict the month and updated with the month's labels once they
 * are known (partial_fit). Labels come from the labelled-window tables and,
 * optionally, from the workspace labels file (the Findings view's labels).
 * Each month is scored at the default threshold (0.5) and at the threshold
 * chosen on everything labelled before the month: no month's labels are read
 * before its predictions are made.
 */
import * as fs from 'node:fs';
import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { LabelledWindow } from '../../findings/evaluate';
import type { Analysis } from '../../findings/model';
import { parseLabels } from '../../findings/labels';
import { sgdLogistic, standardize } from '../../ml';
import { chooseThreshold, evaluateOne, evaluationChart, evaluationTables, type Evaluated, type Scored } from './evaluation';
import { minuteFindings, type MinuteVerdict } from './minuteFindings';
import { designMatrix, standardizeShared, featureNames, minuteLabels, minuteTable, monthsBetween, parseFeatures, parsePeriod, type GridSpan, type MinuteTable } from './minutes';
import { riskFromProbability } from '../../findings/triage/risk';
import { findLabelWindows, logSource, readWindows, windowsFromLabelFile } from './source';
import { explain, SUPERVISED_FEATURES } from './loginSupervised';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const ID = 'login-online';
const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(4)) : null);

/** Windows from a labels file; a missing or malformed file is a clear error. */
function fileWindows(path: string): LabelledWindow[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new LogInvestigatorError('NOT_FOUND', `${ID}: cannot read the labels file ${path} (${(e as Error).message})`);
  }
  const f = parseLabels(text, path);
  return windowsFromLabelFile(f.windows, f.labels);
}

export const loginOnline: Analysis = {
  id: ID,
  title: 'Attack minutes: an online model updated month by month',
  description:
    'Logistic regression by SGD on per-minute login features: fitted on a training period, then each month predicted and updated with its labels (partial_fit); per-month precision and recall at 0.5 and at the threshold chosen on the data labelled before the month. Labels from labelled-window tables and optionally the workspace labels file.',
  needs: ['ip', 'user', 'outcome', 'time'],
  timeFromRole: true,
  params: [
    { name: 'train', description: 'training period (default: every month before the test months)', default: '' },
    { name: 'test', description: 'months predicted and then learnt one by one, e.g. 2019-01..2019-03 (default: the last testMonths months)', default: '' },
    { name: 'testMonths', description: 'months tested when test is not given', default: 3 },
    { name: 'features', description: 'feature groups, comma-separated: usernames_with_failures, attempts, failures, ips, previous (the previous minute), weekday, hour', default: SUPERVISED_FEATURES },
    { name: 'span', description: "'failures' or 'events': which minutes each period's grid spans", default: 'failures' },
    { name: 'alpha', description: 'SGD regularisation strength', default: 0.0001 },
    { name: 'seed', description: 'SGD shuffling seed', default: 10 },
    { name: 'labels', description: 'a labels file (.log-investigator/labels.json) whose windows and malicious minutes add to the label tables', default: '' },
    { name: 'minPrecision', description: 'target precision of the threshold finder', default: 0.85 },
    { name: 'minRecall', description: 'target recall of the threshold finder', default: 0.7 },
    { name: 'top', description: 'test minutes reported as findings', default: 50 },
  ],
  run(cx) {
    const src = logSource(cx, true);
    if (!src.owner) return explain('Analysed with another file', [[cx.table.table, `same log as ${src.tables[0].table}: see the ${ID} output of that table`]]);
    const labelsPath = String(cx.param('labels')).trim();
    const windows = [...readWindows(cx.query, findLabelWindows(cx.table, cx.tables())), ...(labelsPath ? fileWindows(labelsPath) : [])];
    if (!windows.length) return explain('Nothing to train on', [['labels', 'no table of labelled windows (start, end and maybe an IP) is indexed beside the log, and no labels file was given']]);
    const t = src.col.time!;
    const busy = cx.query(`SELECT DISTINCT substr(${t}, 1, 7) FROM ${src.from} WHERE ${src.fail} AND ${t} IS NOT NULL ORDER BY 1`).rows.map((r) => String(r[0]));
    if (busy.length < 2) return explain('Too short', [['months', `the log has failed attempts in ${busy.length} month(s); training and testing need two or more`]]);
    const testText = String(cx.param('test')).trim();
    let testMonths: string[];
    if (testText) {
      const p = parsePeriod(testText, 'test');
      testMonths = monthsBetween(p.from, lastMonthOf(p.to));
    } else testMonths = busy.slice(-Math.max(1, Math.min(busy.length - 1, Math.round(cx.num('testMonths')))));
    const trainText = String(cx.param('train')).trim();
    const train = trainText ? parsePeriod(trainText, 'train') : { from: `${busy[0]}-01 00:00:00`, to: `${testMonths[0]}-01 00:00:00`, label: `${busy[0]}..${prevMonth(testMonths[0])}` };
    if (`${testMonths[0]}-01 00:00:00` < train.to) throw new LogInvestigatorError('BAD_OPTION', `${ID}: the test months (${testMonths[0]}…) must come after the training period (${train.label})`);
    const span = String(cx.param('span')) as GridSpan;
    const trainT = minuteTable(cx, src, train, span);
    if (!trainT) return explain('No minutes', [[train.label, 'no failed attempt in the training period']]);
    const groups = parseFeatures(String(cx.param('features')));
    const names = featureNames(groups);
    const target = { minPrecision: cx.num('minPrecision'), minRecall: cx.num('minRecall') };

    const ytr = minuteLabels(trainT, windows);
    if (!ytr.some((v) => v)) return explain('Nothing to learn', [[train.label, `no labelled attack minute among its ${trainT.n} minutes`]]);
    let Xtr: number[][] | undefined = designMatrix(trainT, groups);
    const scaler = standardize(Xtr);
    const Ztr = standardizeShared(Xtr, scaler);
    Xtr = undefined; // half a million rows: let the raw matrix go before the model's work
    const model = sgdLogistic({ alpha: cx.num('alpha'), seed: cx.num('seed') }).fit(Ztr, ytr);

    // everything labelled so far, scored by the current model, is where the next threshold is chosen
    const seenZ: number[][][] = [Ztr];
    const seenY: Uint8Array[] = [ytr];
    const choose = () => {
      const y = concat(seenY);
      const p = seenZ.flatMap((z) => model.predictProba(z));
      return chooseThreshold(y, p, target);
    };
    let choice = choose();
    const monthRows: SqlValue[][] = [];
    const allY: number[] = [];
    const allP: number[] = [];
    const allPred: number[] = [];
    const allDefault: number[] = [];
    const verdicts: { table: MinuteTable; v: MinuteVerdict }[] = [];
    const perMonth: Record<string, unknown>[] = [];
    for (const month of testMonths) {
      const T = minuteTable(cx, src, parsePeriod(month, 'month'), span);
      if (!T) {
        monthRows.push([month, 0, 0, sig(choice.threshold), null, null, null, null, null, null, null, null, null, null]);
        continue;
      }
      const Z = standardizeShared(designMatrix(T, groups), scaler);
      const p = model.predictProba(Z);
      const threshold = choice.threshold;
      // the month's labels are read only now, after its predictions
      const y = minuteLabels(T, windows);
      const atDefault = evaluateOne(y, { name: 'default', score: p, pred: p.map((v) => (v >= 0.5 ? 1 : 0)) });
      const atChosen = evaluateOne(y, { name: 'chosen', score: p, pred: p.map((v) => (v >= threshold ? 1 : 0)) });
      const attacks = y.reduce((s, v) => s + v, 0);
      monthRows.push([month, T.n, attacks, sig(threshold), ...prf(atDefault), ...prf(atChosen), atChosen.confusion.tp, atChosen.confusion.fp, atChosen.confusion.fn, atChosen.confusion.tn]);
      perMonth.push(
        { month, threshold: 'default 0.5', measure: 'precision', value: round(atDefault.precision) },
        { month, threshold: 'default 0.5', measure: 'recall', value: round(atDefault.recall) },
        { month, threshold: 'chosen', measure: 'precision', value: round(atChosen.precision) },
        { month, threshold: 'chosen', measure: 'recall', value: round(atChosen.recall) },
      );
      for (let i = 0; i < T.n; i++) {
        allY.push(y[i]);
        allP.push(p[i]);
        allPred.push(p[i] >= threshold ? 1 : 0);
        allDefault.push(p[i] >= 0.5 ? 1 : 0);
        if (p[i] >= threshold && T.counts.failures[i] > 0) {
          verdicts.push({
            table: T,
            v: {
              i,
              score: Number(p[i].toFixed(4)),
              risk: riskFromProbability(p[i]),
              why: `online model (before learning ${month}) gives ${(100 * p[i]).toFixed(1)} % (threshold ${(100 * threshold).toPrecision(3)} %)`,
              metrics: { probability: round(p[i]), threshold: sig(threshold), month, labelledAttack: y[i] },
            },
          });
        }
      }
      model.partialFit(Z, y);
      seenZ.push(Z);
      seenY.push(y);
      choice = choose();
    }

    const top = Math.max(0, Math.round(cx.num('top')));
    verdicts.sort((a, b) => b.v.score - a.v.score);
    const chosen = verdicts.slice(0, top);
    // one query per month's minute table, not per minute
    const findings = [...new Set(chosen.map((x) => x.table))].flatMap((T) => minuteFindings(cx, src, ID, T, chosen.filter((x) => x.table === T).map((x) => x.v)));
    const scored: Scored[] = [
      { name: 'online model, 0.5', score: allP, pred: allDefault, threshold: 0.5 },
      { name: 'online model, chosen threshold', score: allP, pred: allPred },
    ];
    const evals: Evaluated[] = allY.length ? scored.map((s) => evaluateOne(allY, s)) : [];
    const what = `test months ${testMonths[0]}..${testMonths[testMonths.length - 1]}, each predicted before it was learnt`;
    const chart = allY.length ? evaluationChart(allY, scored, evals, target, what) : undefined;
    const state = model.toJSON();
    return {
      findings,
      tables: [
        {
          title: `Per month: predicted, then learnt (trained first on ${train.label}, ${trainT.n} minutes)`,
          columns: ['month', 'minutes', 'attack minutes', 'threshold', 'precision at 0.5', 'recall at 0.5', 'f1 at 0.5', 'precision', 'recall', 'f1', 'TP', 'FP', 'FN', 'TN'],
          rows: monthRows,
        },
        ...(evals.length ? evaluationTables(evals, what) : []),
        { title: 'Model after the last update (standardised features)', columns: ['feature', 'coefficient', 'mean', 'scale'], rows: [...names.map((n, j) => [n, round(state.coef[j]), round(scaler.mean[j]), round(scaler.scale[j])]), ['intercept', round(state.intercept), null, null]] },
        { title: 'Saved model (SGD state, JSON)', columns: ['state'], rows: [[JSON.stringify(state)]] },
      ],
      charts: [monthChart(perMonth, target), ...(chart ? [chart] : [])],
    };
  },
};

const sig = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : null);
const prf = (e: Evaluated) => [round(e.precision), round(e.recall), round(e.f1)];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function prevMonth(ym: string): string {
  const y = +ym.slice(0, 4);
  const m = +ym.slice(5, 7);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month holding the instant just before an exclusive end. */
function lastMonthOf(to: string): string {
  return to.slice(8, 19) === '01 00:00:00' ? prevMonth(to.slice(0, 7)) : to.slice(0, 7);
}

function monthChart(values: Record<string, unknown>[], target: { minPrecision: number; minRecall: number }) {
  return {
    title: 'Precision and recall per month',
    spec: {
      $schema: VL,
      data: { values },
      facet: { column: { field: 'measure', type: 'nominal', title: null } },
      spec: {
        width: 240,
        height: 200,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'month', type: 'ordinal', title: null },
              y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: null },
              color: { field: 'threshold', type: 'nominal', title: 'threshold' },
              tooltip: [{ field: 'month' }, { field: 'threshold' }, { field: 'measure' }, { field: 'value', format: '.3f' }],
            },
          },
          {
            // the target of the measure in this panel
            transform: [{ calculate: `datum.measure === 'precision' ? ${target.minPrecision} : ${target.minRecall}`, as: 'goal' }],
            mark: { type: 'rule', strokeDash: [4, 4], color: '#54a24b' },
            encoding: { y: { field: 'goal', type: 'quantitative', aggregate: 'max' } },
          },
        ],
      },
    },
  };
}
