import type { Analysis, EntityKind, Finding } from '../findings';
import { findingId, robustStats, robustZ, severityOf } from '../findings';
import type { Role } from '../roles';

const BY: Record<string, { role: Role; kind: EntityKind; noun: string }> = {
  ip: { role: 'ip', kind: 'ip', noun: 'IP' },
  user: { role: 'user', kind: 'user', noun: 'user' },
  resource: { role: 'resource', kind: 'resource', noun: 'resource' },
  group: { role: 'group', kind: 'group', noun: 'group' },
};

/**
 * Entities with far more events than their peers: events per entity in SQL,
 * then a robust z-score (distance from the median in MADs), which a handful
 * of heavy hitters cannot inflate the way they inflate a mean and σ.
 */
export function volumeOutliers(by: keyof typeof BY): Analysis {
  const { role, kind, noun } = BY[by];
  return {
    id: `volume-outliers-${by}`,
    title: `${noun[0].toUpperCase()}${noun.slice(1)}s with unusually many events`,
    description: `Events per ${noun}; flags those whose count lies far above the median ${noun} (robust z-score: median and MAD).`,
    needs: [role],
    params: [
      { name: 'threshold', description: 'robust z-score from which a count is flagged', default: 3.5 },
      { name: 'minEvents', description: `fewest events for a ${noun} to be flagged`, default: 20 },
      { name: 'top', description: 'rows in the table and chart', default: 20 },
    ],
    run(cx) {
      const col = cx.col(role);
      const counts = cx.query(`SELECT ${col} AS k, count(*) AS n FROM ${cx.t} WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`).rows as [string | number, number][];
      const stats = robustStats(counts.map((r) => r[1]));
      const { median, mad } = stats;
      const threshold = cx.num('threshold');
      const minEvents = cx.num('minEvents');
      const total = counts.reduce((s, r) => s + r[1], 0);
      const findings: Finding[] = [];
      for (const [k, n] of counts) {
        const z = robustZ(n, stats);
        if (z < threshold || n < minEvents) continue;
        const score = z;
        findings.push({
          id: findingId(`volume-outliers-${by}`, cx.table.table, kind, String(k)),
          analysis: `volume-outliers-${by}`,
          entity: { kind, value: String(k) },
          score,
          severity: severityOf(score),
          reason: `${n.toLocaleString('en-US')} events from ${noun} ${k}, ${z.toFixed(1)} robust σ above the median ${noun} (${median.toLocaleString('en-US')} events)`,
          metrics: { events: n, median, mad: Number(mad.toFixed(3)), robustZ: Number(z.toFixed(2)), scale: Number(stats.scale.toFixed(3)), share: Number((n / total).toFixed(4)) },
          evidence: cx.evidence(`${col} = ?`, [k]),
        });
      }
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
