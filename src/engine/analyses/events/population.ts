import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, Finding } from '../../findings/model';
import { findingId, robustStats } from '../../findings/model';
import { logScale, severityOfRisk } from '../../findings/triage/risk';
import { riskFromT } from '../../findings/triage/tails';
import { entityOf, fmt, measureOf } from './baselineColumns';
import { dayWindow } from '../../findings/windows';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

export type Method = 'log' | 'zscore' | 'robust';
/** Fewest entities with minCount events that make the reference population (else every entity is in it). */
export const MIN_REFERENCE = 5;
export const METHODS: readonly Method[] = ['log', 'zscore', 'robust'];

interface Centre {
  /** In the values' own units (for 'log': the value at the median of log(1 + v)). */
  centre: number;
  /** In the units z is measured in (for 'log': natural log of 1 + v). */
  spread: number;
  z: (v: number) => number;
  /** The value z standard deviations above the centre, in the values' units. */
  at: (z: number) => number;
}

/**
 * The centre and spread a value is compared with: median and MAD of
 * log(1 + v) ('log': a heavy tail of busy entities is not unusual for being
 * heavy, and a rate ten times the typical one is as far above it as a tenth
 * is below), mean and standard deviation (of the population: every entity is
 * in it; 'zscore'), or median and robust scale ('robust').
 */
export function centreOf(values: number[], method: Method): Centre {
  if (method === 'log') {
    const s = logScale(values);
    const z = (v: number) => (s.scale > 0 ? (Math.log1p(Math.max(0, v)) - s.median) / s.scale : 0);
    return { centre: Math.expm1(s.median), spread: s.scale, z, at: (k) => Math.expm1(s.median + k * s.scale) };
  }
  let centre: number;
  let spread: number;
  if (method === 'robust') {
    const s = robustStats(values);
    centre = s.median;
    spread = s.scale;
  } else {
    const n = values.length || 1;
    centre = values.reduce((a, v) => a + v, 0) / n;
    spread = Math.sqrt(values.reduce((a, v) => a + (v - centre) ** 2, 0) / n);
  }
  return { centre, spread, z: (v) => (spread > 0 ? (v - centre) / spread : 0), at: (k) => centre + k * spread };
}

/**
 * Population baselines: entities whose rate stands more than `threshold`
 * standard deviations above the population's typical rate: by default on a
 * log scale (median and MAD of log(1 + rate), method=log), or as plain
 * z-scores of the rates (method=zscore) or robust ones (median and MAD,
 * method=robust). The rate is per day over the entity's active span (first
 * to last day, at least minDays, overall; compared with the entities that
 * have minCount events or more), or each day's count against that day's population
 * (rate=day; with zscore and robust every entity seen in the table is in each
 * day's population, with zero on its quiet days; on the log scale the day's
 * active entities, since the zeros of the quiet ones would make every active
 * one extreme).
 *
 * Risk (docs/risk/events.md): the upper tail of the z-score (Student's t
 * with n − 1 degrees of freedom for a spread estimated from n entities),
 * among the entities (overall) or the entity-days (rate=day) compared.
 */
export const populationOutliers: Analysis = {
  id: 'population-outliers',
  title: 'Entities far from the population’s rate',
  description: 'Per user (or another entity column): events per day, overall or day by day, against the population of all entities; flags those more than threshold standard deviations above the typical rate on a log scale (method=log, the default: median and MAD of log(1 + rate)), from the mean (method=zscore) or in robust deviations from the median (method=robust). Risk: the tail of the z-score (Student’s t) among the entities (or entity-days) compared.',
  needs: ['user', 'time'],
  params: [
    { name: 'rate', description: "'overall': events per day over each entity's active days; 'day': each day's count against that day's population", default: 'overall' },
    { name: 'method', description: "'log' (median and MAD of log(1 + rate)), 'zscore' (mean and standard deviation) or 'robust' (median and MAD)", default: 'log' },
    { name: 'threshold', description: 'standard deviations from the centre that are flagged', default: 3 },
    { name: 'direction', description: "'above': only entities above the centre are flagged; 'both': also those below it (overall rate)", default: 'above' },
    { name: 'minCount', description: 'fewest events (or measure) of an entity in all (overall) or on the day (day) for it to be flagged above the centre', default: 10 },
    { name: 'minDays', description: "(overall) a rate is measured over at least this many days, so that an entity seen on one busy day is not taken for a heavy one", default: 7 },
    { name: 'entity', description: 'the entity column (default: the user column)', default: '' },
    { name: 'measure', description: 'a numeric column summed instead of counting events', default: '' },
    { name: 'top', description: 'rows in the table and the chart', default: 40 },
  ],
  run(cx) {
    const ent = entityOf(cx, 'population-outliers');
    const { agg, label } = measureOf(cx, 'population-outliers');
    const rate = String(cx.param('rate'));
    const method = String(cx.param('method'));
    if (rate !== 'overall' && rate !== 'day') throw new LogInvestigatorError('BAD_OPTION', `population-outliers: rate is 'overall' or 'day', not '${rate}'`);
    if (!METHODS.includes(method as Method)) throw new LogInvestigatorError('BAD_OPTION', `population-outliers: method is 'log', 'zscore' or 'robust', not '${method}'`);
    const m = method as Method;
    const direction = String(cx.param('direction'));
    if (direction !== 'above' && direction !== 'both') throw new LogInvestigatorError('BAD_OPTION', `population-outliers: direction is 'above' or 'both', not '${direction}'`);
    const threshold = cx.num('threshold');
    const top = Math.max(1, Math.floor(cx.num('top')));
    // a day with a handful of events (the partial first and last days, weekends) has a tiny spread: a few events there are not an outlier
    const minCount = cx.num('minCount');
    const minDays = Math.max(1, cx.num('minDays'));
    const sdWord = m === 'log' ? 'robust σ (log scale)' : m === 'robust' ? 'robust σ' : 'σ';
    const centreWord = m === 'zscore' ? 'mean' : 'median';
    const spreadText = (c: Centre) => (m === 'log' ? `×${fmt(Math.exp(c.spread))} a robust σ` : `${sdWord} ${fmt(c.spread)}`);
    return rate === 'overall' ? overall() : perDay();

    function overall() {
      // +column: SQLite's no-op unary plus keeps the planner off the column's index; walking the index to group would fetch every row at random (several times slower than a scan and a sort in sql.js)
      const rows = cx.query(
        `SELECT +${ent.sql}, ${agg}, min(substr(_time, 1, 10)), max(substr(_time, 1, 10)), julianday(max(substr(_time, 1, 10))) - julianday(min(substr(_time, 1, 10))) + 1
         FROM ${cx.t} WHERE +${ent.sql} IS NOT NULL AND _time IS NOT NULL GROUP BY 1`,
      ).rows as [SqlValue, number, string, string, number][];
      const rates = rows.map((r) => r[1] / Math.max(r[4], minDays));
      // the reference: the entities with minCount events or more (the rates of entities seen a handful of times are
      // mostly chance, and a log full of one-off names, such as usernames attackers tried, would make every real one busy)
      const measured = rows.map((r, i) => (r[1] >= minCount ? rates[i] : NaN)).filter((v) => !Number.isNaN(v));
      // with fewer well-measured entities than that there is no population to be far from: the few that have minCount
      // events would be compared with the one-off names (ch08's 500-line sample: its three real users all "critical"),
      // so nothing is flagged above the centre and the table says why
      const enough = measured.length >= MIN_REFERENCE;
      const reference = enough ? measured : rates;
      const c = centreOf(reference, m);
      const peers = reference.length;
      const z = c.z;
      const findings: Finding[] = [];
      rows.forEach(([e, v, first, last, days], i) => {
        const zi = z(rates[i]);
        if (Math.abs(zi) < threshold || (zi > 0 && (v < minCount || !enough)) || (zi < 0 && direction === 'above')) return;
        const k = String(e);
        const score = Math.abs(zi);
        const risk = riskFromT(score, peers, peers);
        // the evidence: the entity's busiest day, where its rate shows most (all its rows would mark much of a log)
        const [day, dayValue] = cx.query(`SELECT substr(_time, 1, 10), ${agg} FROM ${cx.t} WHERE ${ent.sql} = ? AND _time IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`, [e]).rows[0] as [string, number];
        findings.push({
          id: findingId('population-outliers', cx.table.table, ent.kind, k),
          analysis: 'population-outliers',
          entity: { kind: ent.kind, value: k },
          score,
          severity: severityOfRisk(risk),
          risk,
          reason: `${k}: ${fmt(rates[i])} ${label} a day (${fmt(v)} over ${days} day${days === 1 ? '' : 's'}, ${first} – ${last}${days < minDays ? `, counted as ${fmt(minDays)}` : ''}), ${fmt(Math.abs(zi))} ${sdWord} ${zi > 0 ? 'above' : 'below'} the population's ${centreWord} of ${fmt(c.centre)} (${peers === rows.length ? `${rows.length} entities` : `${peers} entities with ${fmt(minCount)} ${label} or more, of ${rows.length}`}, ${spreadText(c)}); evidence: its busiest day, ${day} (${fmt(dayValue)} ${label})`,
          metrics: { rate: Number(rates[i].toFixed(3)), total: v, days, first, last, z: Number(zi.toFixed(2)), centre: Number(c.centre.toFixed(3)), spread: Number(c.spread.toFixed(3)), method, measure: label, busiestDay: day, busiestDayValue: dayValue },
          evidence: cx.evidence(`${ent.sql} = ? AND substr(_time, 1, 10) = ?`, [e, day]),
          explain: {
            peers: `the population's ${centreWord}: ${fmt(c.centre)} ${label} a day over ${peers} entities`,
            counterfactual: zi > 0 ? `It would not be flagged below ${fmt(c.at(threshold))} ${label} a day.` : `It would not be flagged above ${fmt(c.at(-threshold))} ${label} a day.`,
          },
        });
      });
      const ranked = rows.map((r, i) => ({ e: String(r[0]), rate: Number(rates[i].toFixed(3)), z: Number(z(rates[i]).toFixed(2)), total: r[1], days: r[4] })).sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.e.localeCompare(b.e));
      const shown = ranked.slice(0, top);
      return {
        findings,
        tables: [{ title: `${label} a day per ${ent.name}, against the population (${method}; ${shown.length} of ${rows.length}, furthest first)${enough ? '' : `; none flagged above it: only ${measured.length} ${ent.name}${measured.length === 1 ? ' has' : 's have'} ${fmt(minCount)} ${label} or more, and ${MIN_REFERENCE} make a population`}`, columns: [ent.name, `${label} a day`, 'z', label, 'active days'], rows: shown.map((r) => [r.e, r.rate, r.z, r.total, r.days]) }],
        charts: [
          {
            title: `${label} a day per ${ent.name}, with the ${centreWord} and ±${fmt(threshold)} ${sdWord}`,
            spec: {
              $schema: VL,
              width: 520,
              layer: [
                {
                  data: { values: shown.map((r) => ({ entity: r.e, rate: r.rate, z: r.z, flagged: findings.some((f) => f.entity.value === r.e) })) },
                  mark: 'bar',
                  encoding: {
                    y: { field: 'entity', type: 'nominal', sort: '-x', title: ent.name },
                    x: { field: 'rate', type: 'quantitative', title: `${label} a day` },
                    color: { field: 'flagged', type: 'nominal', scale: { domain: [false, true], range: ['#9aa5b1', '#d62728'] }, title: 'flagged' },
                    tooltip: [{ field: 'entity' }, { field: 'rate' }, { field: 'z' }],
                  },
                },
                {
                  data: { values: [{ x: c.centre, what: centreWord }, { x: c.at(threshold), what: `+${fmt(threshold)} ${sdWord}` }, ...(direction === 'both' && c.at(-threshold) > 0 ? [{ x: c.at(-threshold), what: `−${fmt(threshold)} ${sdWord}` }] : [])] },
                  mark: { type: 'rule', strokeDash: [4, 3] },
                  encoding: { x: { field: 'x', type: 'quantitative' }, tooltip: [{ field: 'what' }, { field: 'x' }] },
                },
              ],
            },
          },
        ],
      };
    }

    function perDay() {
      const population = cx.query(`SELECT DISTINCT ${ent.sql} FROM ${cx.t} WHERE ${ent.sql} IS NOT NULL AND _time IS NOT NULL`).rows.length;
      const rows = cx.query(
        `SELECT substr(_time, 1, 10) AS day, +${ent.sql}, ${agg} FROM ${cx.t} WHERE +${ent.sql} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2 ORDER BY 1`,
      ).rows as [string, SqlValue, number][];
      const byDay = new Map<string, [SqlValue, number][]>();
      for (const [day, e, v] of rows) {
        const list = byDay.get(day) ?? [];
        list.push([e, v]);
        byDay.set(day, list);
      }
      const worst = new Map<string, { e: SqlValue; day: string; v: number; z: number; c: Centre; n: number; days: number }>();
      const dayRows: { day: string; centre: number; upper: number }[] = [];
      const points: { day: string; entity: string; v: number; z: number }[] = [];
      let tests = 0;
      for (const [day, list] of byDay) {
        const values = list.map((x) => x[1]);
        let c: Centre;
        // on the log scale the day's active entities; otherwise the entities without events that day are zeros of its population
        if (m === 'log') {
          c = centreOf(values, 'log');
          tests += values.length;
        } else if (m === 'robust') {
          c = centreOf(values.concat(new Array<number>(Math.max(0, population - values.length)).fill(0)), 'robust');
          tests += population;
        } else {
          const sum = values.reduce((a, v) => a + v, 0);
          const sum2 = values.reduce((a, v) => a + v * v, 0);
          const mean = sum / population;
          const sd = Math.sqrt(Math.max(0, sum2 / population - mean * mean));
          c = { centre: mean, spread: sd, z: (v) => (sd > 0 ? (v - mean) / sd : 0), at: (k) => mean + k * sd };
          tests += population;
        }
        dayRows.push({ day, centre: Number(c.centre.toFixed(3)), upper: Number(c.at(threshold).toFixed(3)) });
        for (const [e, v] of list) {
          const z = c.z(v);
          if (z < threshold || v < minCount) continue;
          points.push({ day, entity: String(e), v, z: Number(z.toFixed(2)) });
          const k = String(e);
          const w = worst.get(k);
          if (!w || z > w.z) worst.set(k, { e, day, v, z, c, n: m === 'log' ? values.length : population, days: (w?.days ?? 0) + 1 });
          else w.days++;
        }
      }
      const findings: Finding[] = [];
      for (const [k, w] of worst) {
        const risk = riskFromT(w.z, w.n, tests);
        findings.push({
          id: findingId('population-outliers', cx.table.table, ent.kind, k),
          analysis: 'population-outliers',
          entity: { kind: ent.kind, value: k },
          score: w.z,
          severity: severityOfRisk(risk),
          risk,
          reason: `${k}: ${fmt(w.v)} ${label} on ${w.day}, ${fmt(w.z)} ${sdWord} above that day's ${centreWord} of ${fmt(w.c.centre)} over ${m === 'log' ? `its ${byDay.get(w.day)!.length} active` : population} entities; ${w.days} of ${byDay.size} days flagged`,
          metrics: { day: w.day, value: w.v, z: Number(w.z.toFixed(2)), centre: Number(w.c.centre.toFixed(3)), spread: Number(w.c.spread.toFixed(3)), flaggedDays: w.days, days: byDay.size, method, measure: label, tests },
          evidence: cx.evidence(`${ent.sql} = ? AND substr(_time, 1, 10) = ?`, [w.e, w.day]),
          window: dayWindow(w.day),
          explain: {
            peers: `that day's ${centreWord}: ${fmt(w.c.centre)} ${label}`,
            counterfactual: `It would not be flagged below ${fmt(w.c.at(threshold))} ${label} that day.`,
          },
        });
      }
      const table = [...worst.entries()].sort((a, b) => b[1].days - a[1].days || b[1].z - a[1].z).slice(0, top);
      return {
        findings,
        tables: [{ title: `${ent.name}s flagged on some day (${method}), most days first`, columns: [ent.name, 'flagged days', 'worst day', label, 'z', `that day's ${centreWord}`], rows: table.map(([k, w]) => [k, w.days, w.day, w.v, Number(w.z.toFixed(2)), Number(w.c.centre.toFixed(3))]) }],
        charts: [
          {
            title: `${label} per day: the population's ${centreWord}, the +${fmt(threshold)} ${sdWord} line and the entities above it`,
            spec: {
              $schema: VL,
              width: 560,
              layer: [
                {
                  data: { values: dayRows.flatMap((d) => [{ day: d.day, y: d.centre, series: centreWord }, { day: d.day, y: d.upper, series: `+${fmt(threshold)} ${sdWord}` }]) },
                  mark: 'line',
                  encoding: { x: { field: 'day', type: 'temporal', title: null }, y: { field: 'y', type: 'quantitative', title: `${label} a day` }, strokeDash: { field: 'series', type: 'nominal', title: null } },
                },
                {
                  data: { values: points.filter((p) => table.some(([k]) => k === p.entity)).slice(0, 5000) },
                  mark: { type: 'point', filled: true },
                  encoding: { x: { field: 'day', type: 'temporal' }, y: { field: 'v', type: 'quantitative' }, color: { field: 'entity', type: 'nominal', title: ent.name }, tooltip: [{ field: 'entity' }, { field: 'day', type: 'temporal' }, { field: 'v', title: label }, { field: 'z' }] },
                },
              ],
            },
          },
        ],
      };
    }
  },
};
