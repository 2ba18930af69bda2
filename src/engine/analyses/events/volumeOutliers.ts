import type { SqlValue } from '../../store/database';
import type { Analysis, EntityKind, Finding } from '../../findings/model';
import { failureCondition, findingId } from '../../findings/model';
import type { Role } from '../../ingest/roles';
import { contextOf } from '../../findings/triage/context';
import { logScale, logZ, riskFromLog10P, RISK_BANDS } from '../../findings/triage/risk';

/**
 * Risk of a robust z of a log count among `tests` entities: the upper tail of a Laplace (double
 * exponential) law with the same robust σ, P = ½·exp(−√2·z). Activity counts are heavy-tailed even
 * on a log scale; the normal tail would make every busy entity extreme.
 */
export function riskOfLogZ(z: number, tests: number): number {
  return riskFromLog10P((Math.log(0.5) - Math.SQRT2 * Math.max(0, z)) / Math.LN10, tests);
}

const BY: Record<string, { role: Role; kind: EntityKind; noun: string }> = {
  ip: { role: 'ip', kind: 'ip', noun: 'IP' },
  user: { role: 'user', kind: 'user', noun: 'user' },
  resource: { role: 'resource', kind: 'resource', noun: 'resource' },
  group: { role: 'group', kind: 'group', noun: 'group' },
};

/**
 * Entities with far more events than their peers, compared on a log scale:
 * events per entity in SQL, then a robust z-score of log(1 + events)
 * (distance from the median in MADs), so that a heavy tail of busy entities
 * (a campus NAT, the most read lesson) is not unusual for being heavy.
 *
 * Risk (docs/risk/course.md): the Laplace upper tail of that z, times the
 * entities compared (riskOfLogZ). Benign context (findings/triage/context.ts): a shared
 * egress address, a crawler or monitoring agent, a service account, a popular
 * resource. Evidence: the entity's rows in its busiest hour (where its volume
 * is densest), not every row it has; the SQL of "show all" lists those rows.
 */
export function volumeOutliers(by: keyof typeof BY): Analysis {
  const { role, kind, noun } = BY[by];
  return {
    id: `volume-outliers-${by}`,
    title: `${noun[0].toUpperCase()}${noun.slice(1)}s with unusually many events`,
    description: `Events per ${noun}, compared on a log scale: flags those whose log count lies far above the median ${noun}'s (robust z-score: median and MAD of log(1 + events)); risk from the Laplace tail of that z among all ${noun}s. Shared egress addresses, crawlers, service accounts and popular resources are described as such.`,
    needs: [role],
    params: [
      { name: 'threshold', description: 'robust z-score of the log count from which a count is flagged', default: 3 },
      { name: 'minEvents', description: `fewest events for a ${noun} to be flagged`, default: 20 },
      { name: 'top', description: 'rows in the table and chart', default: 20 },
    ],
    run(cx) {
      const col = cx.col(role);
      const counts = cx.query(`SELECT ${col} AS k, count(*) AS n FROM ${cx.t} WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`).rows as [string | number, number][];
      const scale = logScale(counts.map((r) => r[1]));
      const median = Math.round(Math.expm1(scale.median));
      const threshold = cx.num('threshold');
      const minEvents = cx.num('minEvents');
      const total = counts.reduce((s, r) => s + r[1], 0);
      const flagged = counts
        .map(([k, n]) => ({ k, n, z: logZ(n, scale) }))
        .filter((x) => x.z >= threshold && x.n >= minEvents)
        .map((x) => ({ ...x, risk: riskOfLogZ(x.z, counts.length) }))
        .filter((x) => x.risk >= RISK_BANDS.low);
      const outcome = cx.column('outcome');
      const context = contextOf(cx, kind as 'ip' | 'user' | 'resource' | 'group', flagged.map((x) => x.k), outcome ? failureCondition(cx.table, outcome) : undefined);
      const time = cx.column('time');
      // the least z flagged: the threshold, or where the risk reaches low (E = 1 among the entities compared)
      let lo = threshold;
      let hi = 40;
      for (let i = 0; i < 40; i++) {
        const mid = (lo + hi) / 2;
        if (riskOfLogZ(mid, counts.length) >= RISK_BANDS.low) hi = mid;
        else lo = mid;
      }
      const leastFlagged = Math.max(minEvents, Math.ceil(Math.expm1(scale.median + hi * scale.scale)));
      const findings: Finding[] = flagged.map(({ k, n, z, risk }) => {
        // the busiest hour of the entity: its densest rows, as evidence
        const hour = time ? (cx.query(`SELECT substr(${cx.col('time')}, 1, 13) AS h, count(*) FROM ${cx.t} WHERE ${col} = ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`, [k]).rows[0] as [SqlValue, number] | undefined) : undefined;
        const inHour = hour && hour[0] !== null && /^\d{4}-\d\d-\d\d[ T]\d\d$/.test(String(hour[0]));
        const where = inHour ? `${col} = ? AND substr(${cx.col('time')}, 1, 13) = ?` : `${col} = ?`;
        const h = inHour ? String(hour![0]).replace('T', ' ') : '';
        const params: SqlValue[] = inHour ? [k, hour![0]] : [k];
        const ctx = context.get(String(k));
        return {
          id: findingId(`volume-outliers-${by}`, cx.table.table, kind, String(k)),
          analysis: `volume-outliers-${by}`,
          entity: { kind, value: String(k) },
          score: z,
          risk,
          severity: 'info',
          reason: `${n.toLocaleString('en-US')} events from ${noun} ${k}, ${z.toFixed(1)} robust σ above the median ${noun} (${median.toLocaleString('en-US')} events) on a log scale${inHour ? `; busiest hour ${h}:00 with ${Number(hour![1]).toLocaleString('en-US')}` : ''}`,
          metrics: { events: n, median, robustZ: Number(z.toFixed(2)), logMedian: Number(scale.median.toFixed(3)), logScale: Number(scale.scale.toFixed(3)), share: Number((n / total).toFixed(4)), busiestHour: inHour ? `${h}:00` : null },
          // marks: the first 10 rows of that hour (a volume has no row more telling than another); "show all" lists them all
          evidence: cx.evidence(where, params, 10),
          ...(ctx ? { context: ctx } : {}),
          explain: {
            peers: `the median ${noun} has ${median.toLocaleString('en-US')} events; on a log scale ${noun}s spread by ×${Math.exp(scale.scale).toFixed(1)} (one robust σ)`,
            counterfactual: `it would not be flagged with fewer than ${leastFlagged.toLocaleString('en-US')} events`,
          },
        };
      });
      const top = Math.max(1, cx.num('top'));
      const rows = counts.slice(0, top).map(([k, n]) => [k, n, Number((n / total).toFixed(4))]);
      return {
        findings,
        tables: [{ title: `Events per ${noun} (top ${top})`, columns: [noun, 'events', 'share'], rows }],
        charts: [
          {
            title: `Events per ${noun}`,
            spec: {
              $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
              data: { values: rows.map(([k, n]) => ({ key: String(k), n })) },
              mark: 'bar',
              encoding: {
                y: { field: 'key', type: 'nominal', sort: '-x', title: noun },
                x: { field: 'n', type: 'quantitative', title: 'events' },
              },
            },
          },
        ],
      };
    },
  };
}
