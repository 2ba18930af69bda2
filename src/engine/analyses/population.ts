import type { SqlValue } from '../database';
import { LogInvestigatorError } from '../errors';
import type { Analysis, Finding } from '../findings';
import { findingId, robustStats, severityOf } from '../findings';
import { entityOf, fmt, measureOf } from './baselineColumns';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

interface Centre {
  centre: number;
  spread: number;
}

/** Mean and standard deviation (of the population: every entity is in it), or median and robust scale. */
function centreOf(values: number[], robust: boolean): Centre {
  if (robust) {
    const s = robustStats(values);
    return { centre: s.median, spread: s.scale };
  }
  const n = values.length || 1;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  return { centre: mean, spread: sd };
}

/**
 * Population baselines: entities whose rate stands more than `threshold`
 * standard deviations from the population's mean (or, with method=robust,
 * robust deviations from the median, which the outliers themselves cannot
 * inflate). The rate is per day over the entity's active span (first to last
 * day, overall), or each day's count against that day's population (rate=day;
 * every entity seen in the table is in each day's population, with zero on
 * its quiet days).
 */
export const populationOutliers: Analysis = {
  id: 'population-outliers',
  title: 'Entities far from the population’s rate',
  description: 'Per user (or another entity column): events per day, overall or day by day, against the population of all entities; flags those more than threshold standard deviations from the mean (method=zscore) or robust deviations from the median (method=robust).',
  needs: ['user', 'time'],
  params: [
    { name: 'rate', description: "'overall': events per day over each entity's active days; 'day': each day's count against that day's population", default: 'overall' },
    { name: 'method', description: "'zscore' (mean and standard deviation) or 'robust' (median and MAD)", default: 'zscore' },
    { name: 'threshold', description: 'standard deviations from the centre that are flagged', default: 3 },
    { name: 'minCount', description: 'fewest events (or measure) of an entity in all (overall) or on the day (day) for it to be flagged above the centre', default: 10 },
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
    if (method !== 'zscore' && method !== 'robust') throw new LogInvestigatorError('BAD_OPTION', `population-outliers: method is 'zscore' or 'robust', not '${method}'`);
    const robust = method === 'robust';
    const threshold = cx.num('threshold');
    const top = Math.max(1, Math.floor(cx.num('top')));
    // a day with a handful of events (the partial first and last days, weekends) has a tiny spread: a few events there are not an outlier
    const minCount = cx.num('minCount');
    const sdWord = robust ? 'robust σ' : 'σ';
    const centreWord = robust ? 'median' : 'mean';
    return rate === 'overall' ? overall() : perDay();

    function overall() {
      // +column: SQLite's no-op unary plus keeps the planner off the column's index; walking the index to group would fetch every row at random (several times slower than a scan and a sort in sql.js)
      const rows = cx.query(
        `SELECT +${ent.sql}, ${agg}, min(substr(_time, 1, 10)), max(substr(_time, 1, 10)), julianday(max(substr(_time, 1, 10))) - julianday(min(substr(_time, 1, 10))) + 1
         FROM ${cx.t} WHERE +${ent.sql} IS NOT NULL AND _time IS NOT NULL GROUP BY 1`,
      ).rows as [SqlValue, number, string, string, number][];
      const rates = rows.map((r) => r[1] / r[4]);
      const c = centreOf(rates, robust);
      const z = (v: number) => (c.spread > 0 ? (v - c.centre) / c.spread : 0);
      const findings: Finding[] = [];
      rows.forEach(([e, v, first, last, days], i) => {
        const zi = z(rates[i]);
        if (Math.abs(zi) < threshold || (zi > 0 && v < minCount)) return;
        const k = String(e);
        const score = Math.abs(zi);
        findings.push({
          id: findingId('population-outliers', cx.table.table, ent.kind, k),
          analysis: 'population-outliers',
          entity: { kind: ent.kind, value: k },
          score,
          severity: severityOf(score),
          reason: `${k}: ${fmt(rates[i])} ${label} a day (${fmt(v)} over ${days} day${days === 1 ? '' : 's'}, ${first} – ${last}), ${fmt(Math.abs(zi))} ${sdWord} ${zi > 0 ? 'above' : 'below'} the population's ${centreWord} of ${fmt(c.centre)} (${rows.length} entities, ${sdWord} ${fmt(c.spread)})`,
          metrics: { rate: Number(rates[i].toFixed(3)), total: v, days, first, last, z: Number(zi.toFixed(2)), centre: Number(c.centre.toFixed(3)), spread: Number(c.spread.toFixed(3)), method, measure: label },
          evidence: cx.evidence(`${ent.sql} = ?`, [e]),
        });
      });
      const ranked = rows.map((r, i) => ({ e: String(r[0]), rate: Number(rates[i].toFixed(3)), z: Number(z(rates[i]).toFixed(2)), total: r[1], days: r[4] })).sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.e.localeCompare(b.e));
      const shown = ranked.slice(0, top);
      return {
        findings,
        tables: [{ title: `${label} a day per ${ent.name}, against the population (${method}; ${shown.length} of ${rows.length}, furthest first)`, columns: [ent.name, `${label} a day`, 'z', label, 'active days'], rows: shown.map((r) => [r.e, r.rate, r.z, r.total, r.days]) }],
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
                  data: { values: [{ x: c.centre, what: centreWord }, { x: c.centre + threshold * c.spread, what: `+${fmt(threshold)} ${sdWord}` }, ...(c.centre - threshold * c.spread > 0 ? [{ x: c.centre - threshold * c.spread, what: `−${fmt(threshold)} ${sdWord}` }] : [])] },
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
      const worst = new Map<string, { e: SqlValue; day: string; v: number; z: number; c: Centre; days: number }>();
      const dayRows: { day: string; centre: number; upper: number }[] = [];
      const points: { day: string; entity: string; v: number; z: number }[] = [];
      for (const [day, list] of byDay) {
        // the entities without events that day are zeros of its population
        const values = list.map((x) => x[1]);
        let c: Centre;
        if (robust) c = centreOf(values.concat(new Array<number>(Math.max(0, population - values.length)).fill(0)), true);
        else {
          const sum = values.reduce((a, v) => a + v, 0);
          const sum2 = values.reduce((a, v) => a + v * v, 0);
          const mean = sum / population;
          c = { centre: mean, spread: Math.sqrt(Math.max(0, sum2 / population - mean * mean)) };
        }
        dayRows.push({ day, centre: Number(c.centre.toFixed(3)), upper: Number((c.centre + threshold * c.spread).toFixed(3)) });
        for (const [e, v] of list) {
          const z = c.spread > 0 ? (v - c.centre) / c.spread : 0;
          if (z < threshold || v < minCount) continue;
          points.push({ day, entity: String(e), v, z: Number(z.toFixed(2)) });
          const k = String(e);
          const w = worst.get(k);
          if (!w || z > w.z) worst.set(k, { e, day, v, z, c, days: (w?.days ?? 0) + 1 });
          else w.days++;
        }
      }
      const findings: Finding[] = [];
      for (const [k, w] of worst) {
        findings.push({
          id: findingId('population-outliers', cx.table.table, ent.kind, k),
          analysis: 'population-outliers',
          entity: { kind: ent.kind, value: k },
          score: w.z,
          severity: severityOf(w.z),
          reason: `${k}: ${fmt(w.v)} ${label} on ${w.day}, ${fmt(w.z)} ${sdWord} above that day's ${centreWord} of ${fmt(w.c.centre)} over ${population} entities; ${w.days} of ${byDay.size} days flagged`,
          metrics: { day: w.day, value: w.v, z: Number(w.z.toFixed(2)), centre: Number(w.c.centre.toFixed(3)), spread: Number(w.c.spread.toFixed(3)), flaggedDays: w.days, days: byDay.size, method, measure: label },
          evidence: cx.evidence(`${ent.sql} = ? AND substr(_time, 1, 10) = ?`, [w.e, w.day]),
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
