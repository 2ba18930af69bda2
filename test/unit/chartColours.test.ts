/**
 * Readable chart text where the theme cannot help: the counts written on a heatmap's cells
 * (the confusion matrices) read at 4.5:1 against their own cell, in every theme, since the
 * cells' blues do not follow it.
 */
import * as assert from 'node:assert/strict';
import { BLUES_WHITE_TEXT_FROM, shadesOf } from '../../src/shared/chartSpec';
import { evaluateEntities, evaluationSpec } from '../../src/engine/findings/evaluate';
import type { Finding } from '../../src/engine/findings/model';
import { evaluationChart } from '../../src/engine/analyses/login/evaluation';
import { renderSvg } from '../../src/engine/findings/report';

const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<{ scheme(name: string): (t: number) => string }>;

type Rgb = [number, number, number];
function rgbOf(c: string): Rgb {
  const hex = /^#([0-9a-f]{6})$/i.exec(c);
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)) as Rgb;
  const m = /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(c);
  assert.ok(m, `a colour: ${c}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
const lum = ([r, g, b]: Rgb) => {
  const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const contrast = (a: Rgb, b: Rgb) => {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

/** Each heatmap cell's fill (the rects with a shade: not the target region) and the text drawn on it, in the order Vega writes them (cells, then their texts, per view). */
function cellsAndCounts(svg: string): { fill: string; text: string; color: string }[] {
  const fills = [...svg.matchAll(/<path aria-label="[^"]*shade: [^"]*"[^>]*aria-roledescription="rect mark"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
  const texts = [...svg.matchAll(/<text [^>]*aria-roledescription="text mark"[^>]*fill="([^"]+)"[^>]*>([^<]*)</g)].map((m) => ({ color: m[1], text: m[2] }));
  assert.equal(fills.length, texts.length, 'a count on every cell');
  return texts.map((t, k) => ({ ...t, fill: fills[k] }));
}

describe('chart colours that do not depend on the theme', () => {
  it('black or white on the "blues" scheme reads at 4.5:1 everywhere along it', async () => {
    const { scheme } = await esmImport('vega');
    const blues = scheme('blues');
    for (let t = 0; t <= 1.00001; t += 0.0025) {
      const text: Rgb = t >= BLUES_WHITE_TEXT_FROM ? [255, 255, 255] : [0, 0, 0];
      const ratio = contrast(text, rgbOf(blues(t)));
      assert.ok(ratio >= 4.5, `shade ${t.toFixed(4)} (${blues(t)}): ${ratio.toFixed(2)}:1`);
    }
  });

  it('shades run from the smallest count to the largest, on a log scale when asked', () => {
    assert.deepEqual(shadesOf([0, 5, 10]), [0, 0.5, 1]);
    assert.deepEqual(shadesOf([5, 10], { fromZero: true }), [0.5, 1]);
    assert.deepEqual(shadesOf([0, 9, 99], { log: true }), [0, 0.5, 1]);
    assert.deepEqual(shadesOf([3, 3]), [0, 0], 'all alike: all light');
  });

  it("every count of the detectors' confusion matrices reads on its own cell, light and dark cells alike", async () => {
    const y = [...Array(30).fill(0), 1, 1, 1, 1];
    const scores = { sharp: y.map((v, i) => (v ? 0.9 : i % 9 === 0 ? 0.8 : 0.1)), blunt: y.map((_, i) => (i % 3) / 3) };
    const evals = Object.entries(scores).map(([name, s]) => {
      const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
      y.forEach((v, i) => (s[i] > 0.5 ? (v ? c.tp++ : c.fp++) : v ? c.fn++ : c.tn++));
      return { name, confusion: c, precision: c.tp / Math.max(1, c.tp + c.fp), recall: c.tp / 4, threshold: 0.5 };
    });
    const chart = evaluationChart(y, Object.entries(scores).map(([name, score]) => ({ name, score, pred: score.map((v) => (v > 0.5 ? 1 : 0)) })), evals as never, { minPrecision: 0.85, minRecall: 0.7 }, "minutes");
    assert.ok(chart);
    const cells = cellsAndCounts(await renderSvg(chart.spec));
    assert.equal(cells.length, 8, 'two matrices of four cells');
    for (const c of cells) assert.ok(contrast(rgbOf(c.color), rgbOf(c.fill)) >= 4.5, `"${c.text}" in ${c.color} on ${c.fill}`);
    assert.ok(new Set(cells.map((c) => c.color)).size === 2, `dark cells get white counts, light ones black: ${cells.map((c) => `${c.text} ${c.color}`).join(', ')}`);
  });

  it("the findings' evaluation matrix: each count reads on its own cell", async () => {
    const f = (v: string, score: number): Finding => ({ id: v, analysis: 'x', entity: { kind: 'ip', value: v }, score, risk: 0.5, severity: 'medium', reason: '', metrics: {}, evidence: { sql: '', params: [], total: 0, sample: [] } }) as unknown as Finding;
    const universe = Array.from({ length: 40 }, (_, i) => `10.0.0.${i}`);
    const e = evaluateEntities([f('10.0.0.1', 3), f('10.0.0.2', 2), f('10.0.0.30', 1)], universe, new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3']));
    const cells = cellsAndCounts(await renderSvg(evaluationSpec(e)));
    assert.equal(cells.length, 4);
    for (const c of cells) assert.ok(contrast(rgbOf(c.color), rgbOf(c.fill)) >= 4.5, `"${c.text}" in ${c.color} on ${c.fill}`);
    assert.equal(cells.find((c) => c.text.startsWith('TN'))?.color, '#ffffff', 'the largest count, on the darkest cell, in white');
  });
});
