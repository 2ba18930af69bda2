/**
 * k-prototypes on data whose answer is known: a four-point case worked out
 * by hand, well-separated mixed clusters, the global optimum found by trying
 * every partition of a small set, determinism with a seed, the cost curve
 * and its elbow, and bad input. (The kmodes Python package is not installed
 * here, so it is not compared; its defaults are documented in kprototypes.ts.)
 */
import * as assert from 'node:assert/strict';
import { costCurve, kneeOf } from '../../src/engine/cluster/costCurve';
import { distanceToPrototype, kPrototypes, prepareMixed, type MixedData } from '../../src/engine/cluster/kprototypes';
import { sampleIndices, seededRng } from '../../src/engine/cluster/random';
import { LogInvestigatorError } from '../../src/engine/errors';
import { mulberry32 } from '../generators/courseLog';

/** Three mixed blobs: numeric centres far apart, each with its own usual categories (10 % noise). */
function blobs(perCluster: number, seed: number): { data: MixedData; truth: number[] } {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const centres = [
    [0, 0, 0],
    [8, 8, 0],
    [0, 8, 8],
  ];
  const cats = [
    ['tcp', 'morning'],
    ['udp', 'evening'],
    ['icmp', 'night'],
  ];
  const numeric: number[][] = [];
  const categorical: string[][] = [];
  const truth: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perCluster; i++) {
      numeric.push(centres[c].map((m) => m + gauss()));
      categorical.push(cats[c].map((v, a) => (rnd() < 0.1 ? cats[(c + 1) % 3][a] : v)));
      truth.push(c);
    }
  }
  return { data: { numeric, categorical }, truth };
}

/** Every label of a cluster maps to one true group and back. */
function samePartition(a: number[], b: number[]): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

/** The cost of a partition with its best prototypes (means and modes; a tie of modes costs the same whichever is taken). */
function partitionCost(data: MixedData, labels: number[], k: number, gamma: number): number {
  let cost = 0;
  for (let c = 0; c < k; c++) {
    const idx = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return Infinity;
    const p = data.numeric[0].length;
    for (let j = 0; j < p; j++) {
      const m = idx.reduce((s, i) => s + data.numeric[i][j], 0) / idx.length;
      cost += idx.reduce((s, i) => s + (data.numeric[i][j] - m) ** 2, 0);
    }
    for (let a = 0; a < data.categorical[0].length; a++) {
      const counts = new Map<string | null, number>();
      for (const i of idx) counts.set(data.categorical[i][a], (counts.get(data.categorical[i][a]) ?? 0) + 1);
      cost += gamma * (idx.length - Math.max(...counts.values()));
    }
  }
  return cost;
}

describe('k-prototypes', () => {
  it('clusters four points as worked out by hand (Cao initialisation, no standardising, γ = 1)', () => {
    // Cao: densities ½ ½ ¼ ¼ (a twice, b and c once); the densest nearer the mean 5.5 is x=1;
    // then density × distance: x=0 → ½·1, x=10 → ¼·(81+1), x=11 → ¼·(100+1) = 25.25: x=11 ('c').
    // Assignment {0, 1} and {10, 11}; prototypes 0.5/'a' and 10.5/'b' (b and c tie: the smaller).
    const data: MixedData = { numeric: [[0], [1], [10], [11]], categorical: [['a'], ['a'], ['b'], ['c']] };
    const r = kPrototypes(data, { k: 2, gamma: 1, standardize: false });
    assert.deepEqual(r.labels, [0, 0, 1, 1]);
    assert.deepEqual(r.prototypes.map((p) => [p.size, p.numeric[0], p.categorical[0]]), [
      [2, 0.5, 'a'],
      [2, 10.5, 'b'],
    ]);
    assert.deepEqual(r.numericDistance, [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(r.categoricalDistance, [0, 0, 0, 1]);
    assert.equal(r.cost, 2);
    assert.equal(r.gamma, 1);
    assert.deepEqual(distanceToPrototype(r, [11], ['c'], 0), { numeric: 110.25, categorical: 1, total: 111.25 });
  });

  it('γ defaults to half the σ of the standardised numeric values, as kmodes computes it (0.5 · Xnum.std())', () => {
    const { data } = blobs(20, 3);
    const d = prepareMixed(data);
    assert.ok(Math.abs(d.gamma - 0.5) < 1e-12, `γ = ${d.gamma}`);
    // without standardising: 0.5 × the population σ of all numeric values together
    const flat = data.numeric.flat();
    const m = flat.reduce((s, v) => s + v, 0) / flat.length;
    const sd = Math.sqrt(flat.reduce((s, v) => s + (v - m) ** 2, 0) / flat.length);
    assert.ok(Math.abs(prepareMixed(data, { standardize: false }).gamma - 0.5 * sd) < 1e-12);
    // a constant feature is 0 after standardising and lowers γ; a σ floor divides by at least the floor
    const c = prepareMixed({ numeric: [[1, 5], [3, 5], [5, 5]], categorical: [['x'], ['y'], ['x']] });
    assert.deepEqual(Array.from(c.x).map((v) => Number(v.toFixed(6))), [-1.224745, 0, 0, 0, 1.224745, 0]);
    assert.ok(Math.abs(c.gamma - 0.5 * Math.sqrt(0.5)) < 1e-12);
    assert.deepEqual(prepareMixed({ numeric: [[0], [0], [1]], categorical: [[null], [null], [null]] }, { minStd: 2 }).std, [2]);
  });

  it('recovers three well-separated mixed clusters with either initialisation', () => {
    const { data, truth } = blobs(40, 11);
    for (const init of ['cao', 'huang'] as const) {
      const r = kPrototypes(data, { k: 3, init, seed: 5 });
      assert.ok(samePartition(r.labels, truth), `${init}: the clusters are the planted ones`);
      assert.deepEqual(r.prototypes.map((p) => p.size).sort(), [40, 40, 40]);
      const modes = r.prototypes.map((p) => p.categorical.join('/')).sort();
      assert.deepEqual(modes, ['icmp/night', 'tcp/morning', 'udp/evening']);
      // the numeric means are back in the data's units, near the centres
      for (const p of r.prototypes) assert.ok(p.numeric.every((v) => Math.abs(v) < 1 || Math.abs(v - 8) < 1), `centre ${p.numeric}`);
      // each point's share of the cost adds up to the cost
      const sum = r.distance.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - r.cost) < 1e-9 * Math.max(1, r.cost));
      r.distance.forEach((v, i) => assert.ok(Math.abs(v - (r.numericDistance[i] + r.gamma * r.categoricalDistance[i])) < 1e-12));
      assert.ok(r.iterations >= 1 && r.iterations <= 100);
    }
  });

  it('reaches the global optimum that trying every partition of nine points finds', () => {
    const rnd = mulberry32(99);
    for (let trial = 0; trial < 4; trial++) {
      const data: MixedData = {
        numeric: Array.from({ length: 9 }, (_, i) => [Math.floor(i / 3) * 4 + rnd() * 2, rnd() * 3]),
        categorical: Array.from({ length: 9 }, (_, i) => [rnd() < 0.8 ? String(Math.floor(i / 3)) : 'z', rnd() < 0.5 ? 'p' : 'q']),
      };
      const gamma = 0.7;
      let best = Infinity;
      const labels = new Array<number>(9).fill(0);
      for (let code = 0; code < 3 ** 9; code++) {
        for (let i = 0, c = code; i < 9; i++, c = Math.floor(c / 3)) labels[i] = c % 3;
        best = Math.min(best, partitionCost(data, labels, 3, gamma));
      }
      const r = kPrototypes(data, { k: 3, gamma, standardize: false, init: 'huang', nInit: 10, seed: trial + 1 });
      assert.ok(Math.abs(r.cost - best) < 1e-9, `trial ${trial}: cost ${r.cost}, optimum ${best}`);
      assert.ok(Math.abs(partitionCost(data, r.labels, 3, gamma) - r.cost) < 1e-9, 'the reported cost is the partition’s');
    }
  });

  it('gives the same result for the same seed, and Cao does not depend on the seed', () => {
    const { data } = blobs(30, 21);
    const a = kPrototypes(data, { k: 5, init: 'huang', seed: 42 });
    const b = kPrototypes(data, { k: 5, init: 'huang', seed: 42 });
    assert.deepEqual(a, b);
    assert.deepEqual(kPrototypes(data, { k: 4, init: 'cao', seed: 1 }), kPrototypes(data, { k: 4, init: 'cao', seed: 999 }));
    assert.deepEqual(sampleIndices(seededRng(3), 100, 10), sampleIndices(seededRng(3), 100, 10));
    const s = sampleIndices(seededRng(3), 100, 10);
    assert.equal(new Set(s).size, 10);
    assert.ok(s.every((v, i) => v >= 0 && v < 100 && (i === 0 || v > s[i - 1])));
  });

  it('has a cost curve that falls with k and an elbow at the planted number of clusters', () => {
    const { data } = blobs(40, 7);
    for (const init of ['cao', 'huang'] as const) {
      const c = costCurve(data, 8, { init, seed: 3 });
      assert.deepEqual(c.points.map((p) => p.k), [1, 2, 3, 4, 5, 6, 7, 8]);
      for (let i = 1; i < c.points.length; i++) assert.ok(c.points[i].cost <= c.points[i - 1].cost * 1.05, `${init}: cost rises from k=${i} to k=${i + 1}: ${c.points.map((p) => p.cost.toFixed(1))}`);
      assert.equal(c.knee, 3, `${init}: ${c.points.map((p) => p.cost.toFixed(1))}`);
    }
  });

  it('finds the elbow of hand-made curves', () => {
    const pts = (costs: number[]) => costs.map((cost, i) => ({ k: i + 1, cost }));
    assert.equal(kneeOf(pts([100, 20, 15, 12, 10])), 2);
    assert.equal(kneeOf(pts([100, 90, 30, 25, 22, 20])), 3);
    assert.equal(kneeOf(pts([100, 75, 50, 25])), 1, 'a straight line has no elbow');
    assert.equal(kneeOf(pts([100, 40])), 2);
    assert.equal(kneeOf(pts([100, 70])), 1);
    assert.equal(kneeOf(pts([0, 0, 0])), 1);
    assert.equal(kneeOf(pts([5])), 1);
    assert.equal(kneeOf([]), 1);
  });

  it('takes the distinct points as prototypes when there are no more of them than k', () => {
    const data: MixedData = { numeric: [[1], [1], [2], [2], [2]], categorical: [['a'], ['a'], ['b'], ['b'], ['b']] };
    const r = kPrototypes(data, { k: 4 });
    assert.equal(r.k, 2);
    assert.equal(r.cost, 0);
    assert.deepEqual(r.labels, [0, 0, 1, 1, 1]);
    assert.deepEqual(costCurve(data, 8).points.map((p) => p.k), [1, 2]);
    // numeric only (k-means) and categorical only (k-modes) work too
    assert.ok(samePartition(kPrototypes({ numeric: [[0], [0.1], [9], [9.2]], categorical: [[], [], [], []] }, { k: 2 }).labels, [0, 0, 1, 1]));
    assert.ok(samePartition(kPrototypes({ numeric: [[], [], [], [], []], categorical: [['a', 'x'], ['a', 'x'], ['b', 'y'], ['b', 'y'], ['b', 'x']] }, { k: 2 }).labels, [0, 0, 1, 1, 1]));
  });

  it('rejects bad input with a clear error', () => {
    const ok: MixedData = { numeric: [[1], [2]], categorical: [['a'], ['b']] };
    const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && re.test(e.message));
    bad(() => kPrototypes({ numeric: [], categorical: [] }, { k: 1 }), /no points/);
    bad(() => kPrototypes({ numeric: [[1], [2, 3]], categorical: [['a'], ['b']] }, { k: 1 }), /row 2 has 2 numeric/);
    bad(() => kPrototypes({ numeric: [[1], [NaN]], categorical: [['a'], ['b']] }, { k: 1 }), /not a finite number/);
    bad(() => kPrototypes({ numeric: [[1]], categorical: [['a'], ['b']] }, { k: 1 }), /1 numeric rows but 2 categorical/);
    bad(() => kPrototypes({ numeric: [[], []], categorical: [[], []] }, { k: 1 }), /no features/);
    bad(() => kPrototypes(ok, { k: 0 }), /k must be/);
    bad(() => kPrototypes(ok, { k: 1.5 }), /k must be/);
    bad(() => kPrototypes(ok, { k: 1, gamma: -1 }), /gamma/);
    bad(() => kPrototypes(ok, { k: 1, init: 'random' as never }), /unknown initialisation/);
    bad(() => costCurve(ok, 0), /maxK/);
  });
});
