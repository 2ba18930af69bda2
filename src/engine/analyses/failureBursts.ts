import type { Analysis, Finding } from '../findings';
import { failureCondition, findingId, robustStats, robustZ, severityOf } from '../findings';

/**
 * Bursts of failures: failed events (by the outcome column) per IP and
 * minute; an IP is flagged when its worst minute reaches a threshold or lies
 * far above the typical failing minute of all IPs (robust z-score).
 */
export const failureBursts: Analysis = {
  id: 'failure-bursts',
  title: 'Bursts of failed attempts per IP',
  description: 'Failed events per IP and minute (failure from the outcome column: false, status ≥ 400, or words like "failed"); flags IPs whose worst minute is extreme.',
  needs: ['ip', 'outcome', 'time'],
  params: [
    { name: 'perMinute', description: 'failures in one minute that are always flagged', default: 10 },
    { name: 'threshold', description: 'robust z-score of the worst minute that is flagged', default: 4 },
  ],
  run(cx) {
    const ip = cx.col('ip');
    const outcome = cx.column('outcome')!;
    const fail = failureCondition(cx.table, outcome);
    const perMinute = cx.num('perMinute');
    const threshold = cx.num('threshold');
    const minutes = cx.query(
      `SELECT ${ip} AS k, substr(_time, 1, 16) AS m, count(*) AS n FROM ${cx.t} WHERE ${fail} AND ${ip} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2`,
    ).rows as [string, string, number][];
    const stats = robustStats(minutes.map((r) => r[2]));
    const { median } = stats;
    const worst = new Map<string, { m: string; n: number; total: number; minutes: number }>();
    for (const [k, m, n] of minutes) {
      const w = worst.get(k) ?? { m, n: 0, total: 0, minutes: 0 };
      if (n > w.n) {
        w.n = n;
        w.m = m;
      }
      w.total += n;
      w.minutes++;
      worst.set(k, w);
    }
    const findings: Finding[] = [];
    for (const [k, w] of worst) {
      const z = robustZ(w.n, stats);
      if (w.n < perMinute && z < threshold) continue;
      const score = Math.max(z, w.n >= perMinute ? 3 + w.n / perMinute : 0);
      findings.push({
        id: findingId('failure-bursts', cx.table.table, 'ip', k),
        analysis: 'failure-bursts',
        entity: { kind: 'ip', value: k },
        score,
        severity: severityOf(score),
        reason: `${w.n} failed attempts in the minute ${w.m} from ${k}${z > 0 ? `, ${z.toFixed(1)} robust σ above a typical failing minute (${median})` : ''}; ${w.total} failures in ${w.minutes} minute(s) in all`,
        metrics: { worstMinute: w.m, failuresInWorstMinute: w.n, failures: w.total, failingMinutes: w.minutes, medianFailuresPerMinute: median, robustZ: Number(z.toFixed(2)) },
        evidence: cx.evidence(`${ip} = ? AND ${fail} AND substr(_time, 1, 16) = ?`, [k, w.m]),
      });
    }
    const per = cx.query(
      `SELECT substr(_time, 1, 16) AS minute, count(*) AS failures, count(DISTINCT ${ip}) AS ips FROM ${cx.t} WHERE ${fail} AND _time IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 20`,
    );
    return {
      findings,
      tables: [{ title: 'Minutes with the most failures', columns: per.columns, rows: per.rows }],
      charts: [],
    };
  },
};
