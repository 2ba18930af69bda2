/**
 * Supervised models on per-minute login features: trained on one period with
 * the labelled windows, tested on the next. Logistic regression with its
 * regularisation C chosen by stratified cross-validation, a Gaussian naive
 * Bayes and a dummy baseline; the decision threshold that meets the target
 * precision and recall is found on the training period only (the test
 * labels are read after predicting), and the test is reported at both the
 * default 0.5 and that threshold.
 */
import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, AnalysisOutput } from '../../findings/model';
import { crossValidatedLogistic, dummyClassifier, gaussianNB, standardize, type Scoring } from '../../ml';
import { chooseThreshold, evaluateOne, evaluationChart, evaluationTables, type Scored } from './evaluation';
import { minuteFindings } from './minuteFindings';
import { designMatrix, standardizeShared, featureNames, minuteLabels, minuteTable, monthsBetween, parseFeatures, parsePeriod, type GridSpan, type Period } from './minutes';
import { riskFromProbability } from '../../findings/triage/risk';
import { findLabelWindows, logSource, readWindows } from './source';

const ID = 'login-supervised';
export const SUPERVISED_FEATURES = 'usernames_with_failures,failures,attempts,ips,previous,weekday,hour';

/** A model's output on the test period: the score to rank by, predictions, and the threshold used. */
type Output = Omit<AnalysisOutput, 'analysis' | 'title' | 'table'>;

export function explain(title: string, rows: SqlValue[][]): Output {
  return { findings: [], tables: [{ title, columns: ['what', 'why'], rows }], charts: [] };
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(4)) : null);

export const loginSupervised: Analysis = {
  id: ID,
  title: 'Attack minutes: supervised models, trained on one period and tested on the next',
  description:
    'Per-minute login features with the labelled attack windows: logistic regression (C by cross-validation), naive Bayes and a dummy baseline trained on one period and tested on the next; classification reports, confusion matrices, ROC and precision–recall curves, and the threshold meeting the target precision and recall found on the training period.',
  needs: ['ip', 'user', 'outcome', 'time'],
  timeFromRole: true,
  params: [
    { name: 'train', description: "training period: 2018-01, 2018-01..2018-03… (default: the log's first month)", default: '' },
    { name: 'test', description: 'test period (default: the month after the training period)', default: '' },
    { name: 'features', description: 'feature groups, comma-separated: usernames_with_failures, attempts, failures, ips, previous (the previous minute), weekday, hour', default: SUPERVISED_FEATURES },
    { name: 'span', description: "'failures' or 'events': which minutes each period's grid spans", default: 'failures' },
    { name: 'Cs', description: 'values of C tried by cross-validation (comma-separated)', default: '0.01,0.1,1,10,100' },
    { name: 'folds', description: 'cross-validation folds', default: 5 },
    { name: 'scoring', description: 'cross-validation score: f1, recall, precision, roc_auc, accuracy', default: 'f1' },
    { name: 'minPrecision', description: 'target precision of the threshold finder', default: 0.85 },
    { name: 'minRecall', description: 'target recall of the threshold finder', default: 0.7 },
    { name: 'seed', description: 'seed of the dummy baseline', default: 0 },
    { name: 'top', description: 'test minutes reported as findings', default: 50 },
  ],
  run(cx) {
    const src = logSource(cx, true);
    if (!src.owner) return explain('Analysed with another file', [[cx.table.table, `same log as ${src.tables[0].table}: see the ${ID} output of that table`]]);
    const windows = readWindows(cx.query, findLabelWindows(cx.table, cx.tables()).filter((l) => !src.tables.some((t) => t.table === l.table)));
    if (!windows.length) return explain('Nothing to train on', [['labels', 'no table of labelled windows (start, end and maybe an IP) is indexed beside the log; add one, e.g. hackers_2018.csv']]);
    const t = src.col.time!;
    const [first, last] = cx.query(`SELECT min(${t}), max(${t}) FROM ${src.from}`).rows[0] as [string | null, string | null];
    if (!first || !last) return explain('No time', [['time', 'the log has no event with a time']]);
    const months = monthsBetween(first, last);
    const trainText = String(cx.param('train')).trim() || months[0];
    const train = parsePeriod(trainText, 'train');
    const testText = String(cx.param('test')).trim() || nextMonthOf(train);
    const test = parsePeriod(testText, 'test');
    if (test.from < train.to) throw new LogInvestigatorError('BAD_OPTION', `${ID}: the test period (${test.label}) must come after the training period (${train.label})`);
    const span = String(cx.param('span')) as GridSpan;
    const trainT = minuteTable(cx, src, train, span);
    const testT = minuteTable(cx, src, test, span);
    if (!trainT || !testT) return explain('No minutes', [[!trainT ? train.label : test.label, 'no failed attempt in this period']]);

    const groups = parseFeatures(String(cx.param('features')));
    const names = featureNames(groups);
    const Xtr = designMatrix(trainT, groups);
    const Xte = designMatrix(testT, groups);
    const ytr = minuteLabels(trainT, windows);
    const yte = minuteLabels(testT, windows);
    const positives = ytr.reduce((s, v) => s + v, 0);
    if (positives === 0) return explain('Nothing to learn', [[train.label, `no labelled attack minute among its ${trainT.n} minutes`]]);
    const scaler = standardize(Xtr);
    const Ztr = standardizeShared(Xtr, scaler);
    const Zte = standardizeShared(Xte, scaler);

    const Cs = String(cx.param('Cs')).split(',').map((s) => Number(s.trim())).filter((c) => c > 0);
    const scoring = String(cx.param('scoring')) as Scoring;
    const folds = Math.min(Math.max(2, Math.round(cx.num('folds'))), positives);
    if (folds < 2) return explain('Too few labels', [[train.label, `only ${positives} attack minute(s): cross-validation needs at least 2`]]);
    const cv = crossValidatedLogistic(Ztr, Array.from(ytr), { Cs, folds, scoring });
    const lr = cv.model;
    const nb = gaussianNB(Ztr, Array.from(ytr));
    const dummy = dummyClassifier(Array.from(ytr), 'stratified', cx.num('seed'));
    const target = { minPrecision: cx.num('minPrecision'), minRecall: cx.num('minRecall') };
    // the threshold is chosen where the model was fitted: the test labels stay unseen until the predictions are made
    const choice = chooseThreshold(ytr, lr.predictProba(Ztr), target);
    const threshold = choice.threshold;

    const pLr = lr.predictProba(Zte);
    const pNb = nb.predictProba(Zte);
    const pDummy = dummy.predictProba(Zte.length);
    const scored: Scored[] = [
      { name: 'logistic regression', score: pLr, pred: lr.predict(Zte), threshold: 0.5 },
      { name: 'logistic regression, found threshold', score: pLr, pred: pLr.map((p) => (p >= threshold ? 1 : 0)), threshold },
      { name: 'naive Bayes', score: pNb, pred: nb.predict(Zte), threshold: 0.5 },
      { name: 'dummy (stratified)', score: pDummy, pred: dummy.predict(Zte.length) },
    ];
    const evals = scored.map((s) => evaluateOne(yte, s));
    const chart = evaluationChart(yte, scored, evals, target, `trained on ${train.label}, tested on ${test.label}`);

    const cvRows: SqlValue[][] = cv.scores.map((s) => [s.C, round(s.mean), round(s.std), s.C === cv.bestC ? 'chosen' : '']);
    const setup: SqlValue[][] = [
      ['training period', train.label],
      ['training minutes', trainT.n],
      ['training attack minutes', positives],
      ['test period', test.label],
      ['test minutes', testT.n],
      ['test attack minutes', yte.reduce((s, v) => s + v, 0)],
      ['features', names.join(', ')],
      ['C chosen by cross-validation', cv.bestC],
      [`threshold meeting precision ≥ ${target.minPrecision} and recall ≥ ${target.minRecall} on the training period (best F1 among those that do)`, choice.met ? Number(choice.threshold.toPrecision(4)) : `none; closest ${Number(choice.threshold.toPrecision(4))} (precision ${round(choice.precision)}, recall ${round(choice.recall)})`],
    ];

    const top = Math.max(0, Math.round(cx.num('top')));
    const flagged: number[] = [];
    for (let i = 0; i < testT.n; i++) if (pLr[i] >= threshold && testT.counts.failures[i] > 0) flagged.push(i);
    flagged.sort((a, b) => pLr[b] - pLr[a] || a - b);
    const findings = minuteFindings(
      cx,
      src,
      ID,
      testT,
      flagged.slice(0, top).map((i) => ({
        i,
        score: Number(pLr[i].toFixed(4)),
        // the model's probability that the minute is an attack, as a risk (findings/triage/risk.ts: riskFromProbability)
        risk: riskFromProbability(pLr[i]),
        why: `logistic regression trained on ${train.label} gives ${(100 * pLr[i]).toFixed(1)} % (threshold ${(100 * threshold).toPrecision(3)} %)`,
        metrics: { probability: round(pLr[i]), threshold: round(threshold), labelledAttack: yte[i] },
      })),
    );
    return {
      findings,
      tables: [
        { title: 'Set-up', columns: ['what', 'value'], rows: setup },
        ...evaluationTables(evals, `tested on ${test.label}`),
        { title: `Cross-validation of C (${folds} stratified folds, ${scoring})`, columns: ['C', 'mean', 'std', ''], rows: cvRows },
        { title: 'Logistic regression coefficients (standardised features)', columns: ['feature', 'coefficient'], rows: [...names.map((n, j) => [n, round(lr.coef[j])]), ['intercept', round(lr.intercept)]] },
      ],
      charts: chart ? [chart] : [],
    };
  },
};

function nextMonthOf(p: Period): string {
  return p.to.slice(0, 7);
}
