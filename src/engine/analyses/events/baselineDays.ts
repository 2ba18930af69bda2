/**
 * The entity-days of the entity-baseline analysis (baseline.ts): each entity's daily count (or sum
 * of a measure) with the sums of its earlier days of the same kind (weekdays, weekend days).
 */
import type { SqlValue } from '../../store/database';
import type { AnalysisContext } from '../../findings/model';

/** One entity's day with the mean and standard deviation of its earlier days of the same kind (quiet days as zeros). */
export interface DayRow {
  e: SqlValue;
  day: string;
  v: number;
  /** Calendar days since the entity's first day. */
  elapsed: number;
  weekend: boolean;
  /** Earlier days of the same kind (weekdays, or weekend days) since the entity's first day. */
  n: number;
  /** Of them, the days with events (active), and the sum and sum of squares of their values. */
  active: number;
  sum: number;
  sum2: number;
  /** Mean and standard deviation of the n earlier days, quiet days as zeros. */
  mean: number;
  sd: number;
}

/** Weekend days (Saturday, Sunday) in [day 0, x) where day 0 = 1900-01-01, a Monday: two a week, and the partial week's. */
const WEEKEND_BEFORE = (x: string) => `(2 * (${x} / 7) + max(0, ${x} % 7 - 5))`;

/**
 * Every entity-day with the sums of the earlier days of its kind: one pass in
 * SQL (window sums), the comparisons in TypeScript (entity-days are far fewer
 * than events). With apart = false every day is of one kind. A store without
 * window functions (ClickHouse 18.16) sends the entity-days grouped in SQL and
 * the running sums are taken here (groupedDayRows), with the same result.
 */
export function dayRows(cx: AnalysisContext, entity: string, agg: string, apart: boolean): DayRow[] {
  if (cx.windows === false) return groupedDayRows(cx, entity, agg, apart);
  const x = `CAST(round(julianday(day) - julianday('1900-01-01')) AS INTEGER)`;
  const x0 = `CAST(round(julianday(first) - julianday('1900-01-01')) AS INTEGER)`;
  // same-kind days in [first, day): weekend days, or weekdays, before the day less those before the entity's first day
  const kindBefore = (v: string) => (apart ? `CASE WHEN wk THEN ${WEEKEND_BEFORE(v)} ELSE ${v} - ${WEEKEND_BEFORE(v)} END` : v);
  // +column: SQLite's no-op unary plus keeps the planner off the column's index; walking the index to group would fetch every row at random (several times slower than a scan and a sort in sql.js)
  const rows = cx.query(
    `WITH d AS (SELECT +${entity} AS e, substr(_time, 1, 10) AS day, ${agg} AS v FROM ${cx.t} WHERE +${entity} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2),
          k AS (SELECT e, day, v, ${apart ? `strftime('%w', day) IN ('0', '6')` : '0'} AS wk, first_value(day) OVER (PARTITION BY e ORDER BY day) AS first FROM d),
          w AS (SELECT e, day, v, wk, first,
                       count(*) OVER (PARTITION BY e, wk ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS active,
                       coalesce(sum(v) OVER (PARTITION BY e, wk ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
                       coalesce(sum(v * v) OVER (PARTITION BY e, wk ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before2 FROM k)
     SELECT e, day, v, julianday(day) - julianday(first), wk, (${kindBefore(x)}) - (${kindBefore(x0)}), active, before, before2 FROM w`,
  ).rows as [SqlValue, string, number, number, number, number, number, number, number][];
  return rows.map(([e, day, v, elapsed, wk, n, active, sum, sum2]) => dayRow(e, day, Number(v), Number(elapsed), wk === 1, Number(n), Number(active), Number(sum), Number(sum2)));
}

function dayRow(e: SqlValue, day: string, v: number, elapsed: number, weekend: boolean, n: number, active: number, sum: number, sum2: number): DayRow {
  const mean = n > 0 ? sum / n : 0;
  // the sample variance of the n earlier days, quiet ones as zeros (n − 1 in the denominator)
  const variance = n > 1 ? Math.max(0, (sum2 - n * mean * mean) / (n - 1)) : 0;
  return { e, day, v, elapsed, weekend, n, active, sum, sum2, mean, sd: Math.sqrt(variance) };
}

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(1900, 0, 1);
/** Days since 1900-01-01 (a Monday) of 'YYYY-MM-DD', as the window form's round(julianday(day) - julianday('1900-01-01')). */
const dayNumber = (day: string) => Math.round((Date.parse(`${day.slice(0, 10)}T00:00:00Z`) - DAY0) / DAY_MS);
const weekendBefore = (x: number) => 2 * Math.trunc(x / 7) + Math.max(0, (x % 7) - 5);
const kindDaysBefore = (x: number, weekend: boolean, apart: boolean) => (!apart ? x : weekend ? weekendBefore(x) : x - weekendBefore(x));

/**
 * The window form's rows without window functions: the entity-days grouped and ordered in SQL
 * (only aggregates cross the wire), the entity's first day and the running count, sum and sum of
 * squares of its earlier days of the same kind taken in that order here. Rows come per entity,
 * weekdays before weekend days, each by day, as the window form's partitions give them.
 */
function groupedDayRows(cx: AnalysisContext, entity: string, agg: string, apart: boolean): DayRow[] {
  const rows = cx.query(`SELECT ${entity} AS e, substr(_time, 1, 10) AS day, ${agg} AS v FROM ${cx.t} WHERE ${entity} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`).rows;
  const out: DayRow[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && rows[j][0] === rows[i][0]) j++;
    const first = String(rows[i][1]);
    const x0 = dayNumber(first);
    const kinds: DayRow[][] = [[], []];
    const run = [{ active: 0, sum: 0, sum2: 0 }, { active: 0, sum: 0, sum2: 0 }];
    for (let k = i; k < j; k++) {
      const day = String(rows[k][1]);
      const v = Number(rows[k][2]);
      const dow = new Date(Date.parse(`${day.slice(0, 10)}T00:00:00Z`)).getUTCDay();
      const weekend = apart && (dow === 0 || dow === 6);
      const x = dayNumber(day);
      const r = run[weekend ? 1 : 0];
      kinds[weekend ? 1 : 0].push(dayRow(rows[k][0], day, v, x - x0, weekend, kindDaysBefore(x, weekend, apart) - kindDaysBefore(x0, weekend, apart), r.active, r.sum, r.sum2));
      r.active++;
      r.sum += v;
      r.sum2 += v * v;
    }
    out.push(...kinds[0], ...kinds[1]);
    i = j;
  }
  return out;
}
