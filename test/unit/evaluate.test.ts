import * as assert from 'node:assert/strict';
import { evaluateEntities, evaluationSpec, maliciousFromWindows } from '../../src/engine/findings/evaluate';
import type { Finding } from '../../src/engine/findings/model';
import { loadVega, renderSvg } from '../../src/engine/findings/report';

const finding = (value: string, score: number): Finding => ({
  id: `a:t:ip:${value}`,
  analysis: 'volume-outliers-ip',
  entity: { kind: 'ip', value },
  score,
  severity: 'info',
  reason: '',
  metrics: {},
  evidence: { table: 't', file: 't.csv', lines: [], total: 0, sql: '', params: [] },
});

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

/**
 * 10 IPs, e0–e2 malicious. Findings: e0 9 (and a weaker 3, ignored), e1 5, e3 5, e4 2; e2 is missed.
 * At the default threshold 2: predicted e0 e1 e3 e4 → tp 2, fp 2, fn 1, tn 5.
 */
const UNIVERSE = Array.from({ length: 10 }, (_, i) => `e${i}`);
const MALICIOUS = new Set(['e0', 'e1', 'e2']);
const FINDINGS = [finding('e0', 9), finding('e1', 5), finding('e3', 5), finding('e0', 3), finding('e4', 2)];

describe('evaluation against labels', () => {
  it('counts, precision, recall and F1 at the default threshold (every finding)', () => {
    const e = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS);
    assert.equal(e.analysis, 'volume-outliers-ip');
    assert.equal(e.threshold, 2);
    assert.deepEqual([e.tp, e.fp, e.fn, e.tn, e.positives, e.negatives], [2, 2, 1, 5, 3, 7]);
    assert.deepEqual(e.support, { positive: 3, negative: 7 });
    close(e.precision, 1 / 2, 'precision');
    close(e.recall, 2 / 3, 'recall');
    close(e.f1, 4 / 7, 'f1');
  });

  it('a classification report like scikit-learn’s', () => {
    const rows = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS).reportRows;
    const expected: [string, number, number, number, number][] = [
      ['benign', 5 / 6, 5 / 7, 10 / 13, 7],
      ['malicious', 1 / 2, 2 / 3, 4 / 7, 3],
      ['macro avg', 2 / 3, 29 / 42, 61 / 91, 10],
      ['weighted avg', 11 / 15, 7 / 10, 323 / 455, 10],
    ];
    assert.equal(rows.length, expected.length);
    rows.forEach((r, i) => {
      assert.equal(r[0], expected[i][0]);
      for (let k = 1; k < 5; k++) close(r[k] as number, expected[i][k] as number, `${r[0]} column ${k}`);
    });
  });

  it('the precision–recall curve sweeps every distinct score, from +Infinity', () => {
    const { curve } = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS);
    assert.deepEqual(
      curve.map((p) => p.threshold),
      [Infinity, 9, 5, 2],
    );
    const expected = [
      [1, 0, 0],
      [1, 1 / 3, 0],
      [2 / 3, 2 / 3, 1 / 7],
      [1 / 2, 2 / 3, 2 / 7],
    ];
    curve.forEach((p, i) => {
      close(p.precision, expected[i][0], `precision at ${p.threshold}`);
      close(p.recall, expected[i][1], `recall at ${p.threshold}`);
      close(p.fpr, expected[i][2], `fpr at ${p.threshold}`);
    });
  });

  it('explicit thresholds and zero divisions (zero_division = 1)', () => {
    const at5 = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS, 5);
    assert.deepEqual([at5.tp, at5.fp, at5.fn, at5.tn], [2, 1, 1, 6]);
    close(at5.f1, 2 / 3, 'f1 at 5');
    // nothing predicted: precision 1 by definition, recall 0, F1 0
    const none = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS, 100);
    assert.deepEqual([none.tp, none.fp, none.fn, none.tn, none.precision, none.recall, none.f1], [0, 0, 3, 7, 1, 0, 0]);
    const noFindings = evaluateEntities([], UNIVERSE, MALICIOUS);
    assert.equal(noFindings.threshold, Infinity);
    assert.equal(noFindings.analysis, '');
    assert.equal(noFindings.curve.length, 1);
    // no malicious entity at all: nothing to miss, recall 1; every prediction is a false positive
    const clean = evaluateEntities(FINDINGS, UNIVERSE, new Set());
    assert.deepEqual([clean.tp, clean.fp, clean.recall, clean.precision, clean.f1], [0, 4, 1, 0, 0]);
    // an empty table
    const empty = evaluateEntities([], [], new Set());
    assert.deepEqual([empty.precision, empty.recall, empty.f1, empty.curve[0].fpr], [1, 1, 1, 0]);
  });

  it('flagged entities join the universe; labels outside the table are ignored', () => {
    const e = evaluateEntities(FINDINGS, UNIVERSE.filter((x) => x !== 'e4'), new Set([...MALICIOUS, 'not-in-table']));
    assert.deepEqual([e.tp, e.fp, e.fn, e.tn, e.positives, e.negatives], [2, 2, 1, 5, 3, 7]);
  });

  it('malicious entities from labelled windows', () => {
    const w = (entity?: string) => ({ start: '2024-03-01 12:00:00', end: '2024-03-01 12:05:00.5', entity });
    assert.deepEqual([...maliciousFromWindows([w('10.0.0.1'), w(), w(' 10.0.0.2 '), w(''), w('10.0.0.1')])].sort(), ['10.0.0.1', '10.0.0.2']);
  });

  it('the Vega-Lite spec compiles and renders: curve, target region and confusion matrix', async () => {
    const e = evaluateEntities(FINDINGS, UNIVERSE, MALICIOUS);
    const spec = evaluationSpec(e, { precision: 0.9, recall: 0.5 });
    assert.equal(spec.$schema, 'https://vega.github.io/schema/vega-lite/v6.json');
    const views = spec.vconcat as { layer: { mark: unknown }[] }[];
    assert.equal(views.length, 2);
    assert.deepEqual(
      views[0].layer.map((l) => (l.mark as { type: string }).type),
      ['rect', 'line'],
    );
    const { vegaLite } = await loadVega();
    // JSON round trip: the spec must survive being sent to a webview (no Infinity in its data)
    const vg = vegaLite.compile(JSON.parse(JSON.stringify(spec))).spec as { marks: unknown[] };
    assert.ok(vg.marks.length >= 2);
    assert.equal(evaluationSpec(e).vconcat && (evaluationSpec(e).vconcat as { layer: unknown[] }[])[0].layer.length, 1, 'no target, no region');
    const svg = await renderSvg(spec);
    assert.ok(svg.startsWith('<svg'));
    for (const text of ['TP 2', 'FP 2', 'FN 1', 'TN 5', 'Precision–recall']) assert.ok(svg.includes(text), text);
  });
});
