import type { SqlValue } from '../database';
import type { Analysis, Finding } from '../findings';
import { findingId, robustStats, severityOf } from '../findings';
import { entityOf, fmt, measureOf } from './baselineColumns';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Per-entity baselines: each entity's daily count (or sum of a measure)
 * against its own expanding mean, the mean of all its earlier days. Days
 * without events count as zero: the mean is the sum before the day divided
 * by the days since the entity first appeared (an AVG over the day rows
 * would skip the quiet days and overstate the baseline). A day is flagged
 * above `factor` × that mean once the entity has `minDays` days of history.
 */
export const entityBaseline: Analysis = {
  id: 'entity-baseline',
  title: 'Days far above an entity’s own baseline',
  description: 'Daily events (or the sum of a measure such as attachments) per user against the expanding mean of their earlier days; flags days above factor × the mean after minDays days, and lists the largest increases.',
  needs: ['user', 'time'],
  params: [
    { name: 'factor', description: 'flag a day above this many times the expanding mean', default: 3 },
    { name: 'minDays', description: 'days of history an entity needs before its days are judged', default: 7 },
    { name: 'minCount', description: 'fewest events (or measure) on a day for it to be flagged', default: 10 },
    { name: 'populationZ', description: "0 (off), or: a flagged day must also lie this many robust standard deviations (log scale) above the population's typical active day; quiets logs of intermittent users (course sites) but also misses a quiet account that suddenly acts like everyone else", default: 0 },
    { name: 'entity', description: 'the entity column (default: the user column)', default: '' },
    { name: 'measure', description: 'a numeric column summed per day (default: the count of events)', default: '' },
    { name: 'top', description: 'rows in the tables, entities in the chart ×4', default: 20 },
  ],
  run(cx) {
    const ent = entityOf(cx, 'entity-baseline');
    const { agg, label } = measureOf(cx, 'entity-baseline');
    const factor = cx.num('factor');
    const minDays = cx.num('minDays');
    const minCount = cx.num('minCount');
    const top = Math.max(1, Math.floor(cx.num('top')));
    // one row per entity and day with the mean and mean square of the days before it, quiet days counted as zeros;
    // one pass in SQL, the comparisons in TypeScript (entity-days are far fewer than events)
    // +column: SQLite's no-op unary plus keeps the planner off the column's index; walking the index to group would fetch every row at random (several times slower than a scan and a sort in sql.js)
    const all = cx.query(
      `WITH d AS (SELECT +${ent.sql} AS e, substr(_time, 1, 10) AS day, ${agg} AS v FROM ${cx.t} WHERE +${ent.sql} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2),
            w AS (SELECT e, day, v, julianday(day) - julianday(first_value(day) OVER (PARTITION BY e ORDER BY day)) AS elapsed,
                         coalesce(sum(v) OVER (PARTITION BY e ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
                         coalesce(sum(v * v) OVER (PARTITION BY e ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before2 FROM d)
       SELECT e, day, v, elapsed, CASE WHEN elapsed > 0 THEN before / elapsed END, CASE WHEN elapsed > 0 THEN before2 / elapsed END FROM w`,
    ).rows as [SqlValue, string, number, number, number | null, number | null][];
    const judged = all.filter((r) => r[3] >= minDays && r[4] !== null);
    // the population's active entity-days, on a log scale (daily volumes are heavy-tailed)
    const popZ = cx.num('populationZ');
    const pop = robustStats(all.map((r) => Math.log10(1 + Math.max(0, r[2]))));
    const popBound = popZ > 0 && pop.scale > 0 ? Math.pow(10, pop.median + popZ * pop.scale) - 1 : 0;
    const isFlagged = (r: (typeof all)[number]) => r[3] >= minDays && r[4] !== null && r[2] >= minCount && r[2] > factor * r[4] && r[2] > popBound;
    const flagged = judged.filter(isFlagged) as [SqlValue, string, number, number, number, number][];
    const best = new Map<string, (typeof judged)[number]>();
    for (const r of judged) {
      const k = String(r[0]);
      const b = best.get(k);
      if (!b || r[2] - r[4]! > b[2] - b[4]!) best.set(k, r);
    }
    const increases: SqlValue[][] = [...best.values()]
      .sort((a, b) => b[2] - b[4]! - (a[2] - a[4]!) || String(a[0]).localeCompare(String(b[0])))
      .slice(0, top)
      .map(([e, day, v, , mean]) => [e, day, v, Number(mean!.toFixed(2)), Number((v - mean!).toFixed(2))]);

    // per entity, its worst flagged day
    const byEntity = new Map<string, { e: SqlValue; day: string; v: number; mean: number; sd: number; score: number; ratio: number; z: number; days: number }>();
    for (const [e, day, v, , mean, mean2] of flagged) {
      const ratio = mean > 0 ? v / mean : Infinity;
      // the ratio, but no more than the day's distance from the earlier days in their own standard deviations:
      // three times the mean of an entity whose days swing widely is weaker evidence than of a steady one
      const sd = Math.sqrt(Math.max(0, mean2 - mean * mean));
      const z = sd > 0 ? (v - mean) / sd : Infinity;
      const score = Math.min(ratio, z, 20);
      const k = String(e);
      const cur = byEntity.get(k);
      if (!cur || score > cur.score) byEntity.set(k, { e, day, v, mean, sd, score, ratio, z, days: (cur?.days ?? 0) + 1 });
      else cur.days++;
    }
    const findings: Finding[] = [];
    for (const [k, f] of byEntity) {
      findings.push({
        id: findingId('entity-baseline', cx.table.table, ent.kind, k),
        analysis: 'entity-baseline',
        entity: { kind: ent.kind, value: k },
        score: f.score,
        severity: severityOf(f.score),
        reason: `${fmt(f.v)} ${label} from ${k} on ${f.day}, ${Number.isFinite(f.ratio) ? `${fmt(f.ratio)}×` : 'while there were none before'} the ${fmt(f.mean)} a day of its earlier days (flagged above ${fmt(factor)}×; ${Number.isFinite(f.z) ? `${fmt(f.z)} σ above them` : 'they never varied'})${f.days > 1 ? `; ${f.days} days flagged in all` : ''}`,
        metrics: { day: f.day, value: f.v, expandingMean: Number(f.mean.toFixed(3)), expandingSd: Number(f.sd.toFixed(3)), ratio: Number.isFinite(f.ratio) ? Number(f.ratio.toFixed(2)) : null, z: Number.isFinite(f.z) ? Number(f.z.toFixed(2)) : null, flaggedDays: f.days, measure: label },
        evidence: cx.evidence(`${ent.sql} = ? AND substr(_time, 1, 10) = ?`, [f.e, f.day]),
      });
    }

    // the chart: the flagged entities (else those with the largest increases), each day against its expanding mean
    const shown = (findings.length ? findings.sort((a, b) => b.score - a.score).map((f) => f.entity.value) : increases.map((r) => String(r[0]))).slice(0, Math.min(8, top));
    const shownSet = new Set(shown);
    const series = all.filter((r) => shownSet.has(String(r[0])));
    const flaggedRows = flagged
      .map(([e, day, v, , mean]) => [e, day, v, Number(mean.toFixed(2)), mean > 0 ? Number((v / mean).toFixed(2)) : null] as SqlValue[])
      .sort((a, b) => Number(b[4] ?? Infinity) - Number(a[4] ?? Infinity))
      .slice(0, 100);
    return {
      findings,
      tables: [
        { title: `Days above ${fmt(factor)}× the expanding mean (${label})`, columns: [ent.name, 'day', label, 'expanding mean', 'ratio'], rows: flaggedRows },
        { title: `Largest increase of ${label} in a day, per ${ent.name} (top ${top})`, columns: [ent.name, 'day', label, 'expanding mean', 'increase'], rows: increases },
      ],
      charts: series.length
        ? [
            {
              title: `${label} per day against the expanding mean`,
              spec: {
                $schema: VL,
                data: { values: series.map((r) => ({ entity: String(r[0]), day: r[1], value: r[2], mean: r[4] === null ? null : Number(r[4].toFixed(3)), flagged: isFlagged(r) })) },
                facet: { row: { field: 'entity', type: 'nominal', title: null } },
                resolve: { scale: { y: 'independent' } },
                spec: {
                  width: 520,
                  height: 110,
                  layer: [
                    {
                      transform: [{ fold: ['value', 'mean'], as: ['series', 'y'] }],
                      mark: 'line',
                      encoding: {
                        x: { field: 'day', type: 'temporal', title: null },
                        y: { field: 'y', type: 'quantitative', title: label },
                        color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['value', 'mean'] } },
                        strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: ['value', 'mean'] } },
                      },
                    },
                    {
                      transform: [{ filter: 'datum.flagged' }],
                      mark: { type: 'point', filled: true, size: 60, color: '#d62728' },
                      encoding: {
                        x: { field: 'day', type: 'temporal' },
                        y: { field: 'value', type: 'quantitative' },
                        tooltip: [{ field: 'entity' }, { field: 'day', type: 'temporal' }, { field: 'value', title: label }, { field: 'mean', title: 'expanding mean' }],
                      },
                    },
                  ],
                },
              },
            },
          ]
        : [],
    };
  },
};
