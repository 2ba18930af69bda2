import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, AnalysisContext, Finding } from '../../findings/model';
import { findingId, robustStats } from '../../findings/model';
import { riskFromLog10P, severityOfRisk } from '../../findings/triage/risk';
import { log10NegBinomialTail } from '../../findings/triage/tails';
import { entityOf, fmt, measureOf } from './baselineColumns';
import { dayRows, type DayRow } from './baselineDays';
import { dayWindow } from '../../findings/windows';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Per-entity baselines: each entity's daily count (or sum of a measure)
 * against its own earlier days. Days without events count as zero: the
 * mean is the sum before the day divided by the days since the entity first
 * appeared (an AVG over the day rows would skip the quiet days and overstate
 * the baseline). With weekends=apart (the default) a weekday is compared
 * with the entity's earlier weekdays and a Saturday or Sunday with its
 * earlier weekend days: people work less at weekends, and a Monday is not
 * unusual for being busier than the mean of a whole week. A day is flagged
 * above `factor` × that mean once the entity has `minDays` days of history.
 *
 * Risk (docs/risk/events.md): the tail probability of the day's count under
 * a negative binomial with the mean and variance of the entity's earlier
 * days of the same kind (a Poisson when they vary no more than one), among
 * every entity-day judged.
 */
export const entityBaseline: Analysis = {
  id: 'entity-baseline',
  title: 'Days far above an entity’s own baseline',
  description: 'Daily events (or the sum of a measure such as attachments) per user against the mean of their earlier days (weekdays against weekdays, weekend days against weekend days unless weekends=together); flags days above factor × the mean after minDays days, and lists the largest increases. Risk: the negative-binomial tail of the day under the mean and variance of the earlier days, among every entity-day judged.',
  needs: ['user', 'time'],
  params: [
    { name: 'factor', description: 'flag a day above this many times the mean of the earlier days', default: 3 },
    { name: 'minDays', description: 'days of history an entity needs before its days are judged', default: 7 },
    { name: 'minCount', description: 'fewest events (or measure) on a day for it to be flagged', default: 10 },
    { name: 'weekends', description: "'apart': weekdays are compared with earlier weekdays and weekend days (Saturday, Sunday, UTC) with earlier weekend days; 'together': every day with all earlier days", default: 'apart' },
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
    const weekends = String(cx.param('weekends'));
    if (weekends !== 'apart' && weekends !== 'together') throw new LogInvestigatorError('BAD_OPTION', `entity-baseline: weekends is 'apart' or 'together', not '${weekends}'`);
    const top = Math.max(1, Math.floor(cx.num('top')));
    const all = dayRows(cx, ent.sql, agg, weekends === 'apart');
    // a day is judged once the entity has minDays of history and at least two earlier days of its kind
    const judged = all.filter((r) => r.elapsed >= minDays && r.n >= 2);
    // the population's active entity-days, on a log scale (daily volumes are heavy-tailed)
    const popZ = cx.num('populationZ');
    const pop = robustStats(all.map((r) => Math.log10(1 + Math.max(0, r.v))));
    const popBound = popZ > 0 && pop.scale > 0 ? Math.pow(10, pop.median + popZ * pop.scale) - 1 : 0;
    const isFlagged = (r: DayRow) => r.elapsed >= minDays && r.n >= 2 && r.v >= minCount && r.v > factor * r.mean && r.v > popBound;
    const flagged = judged.filter(isFlagged);
    const best = new Map<string, DayRow>();
    for (const r of judged) {
      const k = String(r.e);
      const b = best.get(k);
      if (!b || r.v - r.mean > b.v - b.mean) best.set(k, r);
    }
    const increases: SqlValue[][] = [...best.values()]
      .sort((a, b) => b.v - b.mean - (a.v - a.mean) || String(a.e).localeCompare(String(b.e)))
      .slice(0, top)
      .map((r) => [r.e, r.day, r.v, Number(r.mean.toFixed(2)), Number((r.v - r.mean).toFixed(2))]);

    // per entity, its most surprising flagged day
    const tests = judged.length;
    const prior = [false, true].map((we) => activeDays(all.filter((r) => r.weekend === we).map((r) => r.v)));
    const byEntity = new Map<string, { r: DayRow; log10p: number; score: number; ratio: number; z: number; days: number }>();
    for (const r of flagged) {
      const ratio = r.mean > 0 ? r.v / r.mean : Infinity;
      // the ratio, but no more than the day's distance from the earlier days in their own standard deviations:
      // three times the mean of an entity whose days swing widely is weaker evidence than of a steady one
      const z = r.sd > 0 ? (r.v - r.mean) / r.sd : Infinity;
      const score = Math.min(ratio, z, 20);
      const log10p = chanceOf(r, prior[r.weekend ? 1 : 0]);
      const k = String(r.e);
      const cur = byEntity.get(k);
      if (!cur || log10p < cur.log10p || (log10p === cur.log10p && score > cur.score)) byEntity.set(k, { r, log10p, score, ratio, z, days: (cur?.days ?? 0) + 1 });
      else cur.days++;
    }
    const kindWord = (r: DayRow) => (weekends === 'together' ? 'earlier days' : r.weekend ? 'earlier weekend days' : 'earlier weekdays');
    const findings: Finding[] = [];
    for (const [k, f] of byEntity) {
      const { r } = f;
      const risk = riskFromLog10P(f.log10p, tests);
      const bound = Math.max(minCount, Math.floor(factor * r.mean) + 1);
      findings.push({
        id: findingId('entity-baseline', cx.table.table, ent.kind, k),
        analysis: 'entity-baseline',
        entity: { kind: ent.kind, value: k },
        score: f.score,
        severity: severityOfRisk(risk),
        risk,
        reason: `${fmt(r.v)} ${label} from ${k} on ${r.day}, ${Number.isFinite(f.ratio) ? `${fmt(f.ratio)}×` : 'while there were none before'} the ${fmt(r.mean)} a day of its ${r.n} ${kindWord(r)} (flagged above ${fmt(factor)}×; ${Number.isFinite(f.z) ? `${fmt(f.z)} σ above them` : 'they never varied'}; chance ${pText(f.log10p)} a day, ${fmt(tests)} entity-days judged)${f.days > 1 ? `; ${f.days} days flagged in all` : ''}`,
        metrics: { day: r.day, value: r.v, expandingMean: Number(r.mean.toFixed(3)), expandingSd: Number(r.sd.toFixed(3)), ratio: Number.isFinite(f.ratio) ? Number(f.ratio.toFixed(2)) : null, z: Number.isFinite(f.z) ? Number(f.z.toFixed(2)) : null, log10p: Number(f.log10p.toFixed(2)), tests, baselineDays: r.n, flaggedDays: f.days, measure: label },
        evidence: cx.evidence(`${ent.sql} = ? AND substr(_time, 1, 10) = ?`, [r.e, r.day]),
        window: dayWindow(r.day),
        explain: {
          baseline: `${k}: ${fmt(r.mean)} ${label} a day on its ${r.n} ${kindWord(r)} (σ ${fmt(r.sd)})`,
          counterfactual: `It would not be flagged with fewer than ${fmt(bound)} ${label} that day.`,
        },
      });
    }

    // the chart: the flagged entities (else those with the largest increases), each day against its expanding mean
    const shown = (findings.length ? [...findings].sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0) || b.score - a.score).map((f) => f.entity.value) : increases.map((r) => String(r[0]))).slice(0, Math.min(8, top));
    const shownSet = new Set(shown);
    const series = all.filter((r) => shownSet.has(String(r.e)));
    const flaggedRows = flagged
      .map((r) => [r.e, r.day, r.v, Number(r.mean.toFixed(2)), r.mean > 0 ? Number((r.v / r.mean).toFixed(2)) : null] as SqlValue[])
      .sort((a, b) => Number(b[4] ?? Infinity) - Number(a[4] ?? Infinity))
      .slice(0, 100);
    return {
      findings,
      tables: [
        { title: `Days above ${fmt(factor)}× the mean of the earlier days (${label})`, columns: [ent.name, 'day', label, 'expanding mean', 'ratio'], rows: flaggedRows },
        { title: `Largest increase of ${label} in a day, per ${ent.name} (top ${top})`, columns: [ent.name, 'day', label, 'expanding mean', 'increase'], rows: increases },
      ],
      charts: series.length
        ? [
            {
              title: `${label} per day against the expanding mean`,
              spec: {
                $schema: VL,
                data: { values: series.map((r) => ({ entity: String(r.e), day: r.day, value: r.v, mean: r.n > 0 ? Number(r.mean.toFixed(3)) : null, flagged: isFlagged(r) })) },
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

/** Days of the population's active days the prior of an entity's active days weighs. */
export const PRIOR_DAYS = 2;

/** Mean and variance of active days' values. */
function activeDays(values: number[]): { mean: number; variance: number } {
  const n = values.length;
  if (n === 0) return { mean: 1, variance: 1 };
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : mean;
  return { mean, variance };
}

/**
 * log10 of the chance of a day this big under the entity's own earlier days
 * of its kind: it is active on a day with the frequency of those days
 * (Laplace's rule: (active + 1) / (days + 2)), and an active day's value is
 * negative binomial with the mean and variance of its earlier active days,
 * together with PRIOR_DAYS of the population's active days of that kind
 * (so that one or two earlier days do not make a baseline on their own).
 */
export function chanceOf(r: Pick<DayRow, 'v' | 'n' | 'active' | 'sum' | 'sum2'>, prior: { mean: number; variance: number }): number {
  const w = r.active + PRIOR_DAYS;
  const mean = (r.sum + PRIOR_DAYS * prior.mean) / w;
  const second = (r.sum2 + PRIOR_DAYS * (prior.variance + prior.mean * prior.mean)) / w;
  const variance = Math.max(0, second - mean * mean);
  const active = (r.active + 1) / (r.n + 2);
  return Math.log10(active) + log10NegBinomialTail(r.v, mean, variance);
}

/** A probability given as log10, in words: "1.2e-7", "< 1e-300". */
export function pText(log10p: number): string {
  if (!Number.isFinite(log10p) || log10p < -300) return '< 1e-300';
  if (log10p > -3) return (10 ** log10p).toPrecision(2);
  const e = Math.floor(log10p);
  return `${(10 ** (log10p - e)).toFixed(1)}e${e}`;
}
