/**
 * Findings about minutes: a minute a detector or model calls an attack,
 * with the source IPs that failed in it and those rows as evidence.
 */
import type { AnalysisContext, Finding } from '../findings';
import { findingId, severityOf } from '../findings';
import { minuteText, type MinuteTable } from './minutes';
import { sourceEvidence, type LogSource } from './source';

export interface MinuteVerdict {
  /** Row of the minute table. */
  i: number;
  score: number;
  /** Why, after the minute's counts and IPs. */
  why: string;
  metrics: Record<string, number | string | null>;
}

/** One finding per minute (kind `window`, value 'YYYY-MM-DD HH:MM'), naming the IPs with failures in it. */
export function minuteFindings(cx: AnalysisContext, src: LogSource, analysis: string, table: MinuteTable, verdicts: MinuteVerdict[]): Finding[] {
  const { ip, user, time } = src.col as Record<'ip' | 'user' | 'time', string>;
  const c = table.counts;
  return verdicts.map(({ i, score, why, metrics }) => {
    const minute = minuteText(table.start + i);
    const from = `${minute}:00`;
    const to = `${minuteText(table.start + i + 1)}:00`;
    const ips = cx.query(`SELECT ${ip}, count(*), count(DISTINCT ${user}) FROM ${src.from} WHERE ${time} >= ? AND ${time} < ? AND ${src.fail} GROUP BY 1 ORDER BY 2 DESC, 1`, [from, to]).rows as [string, number, number][];
    const named = ips.slice(0, 5).map((r) => `${r[0]} ${r[1]}×`).join(', ') + (ips.length > 5 ? ', …' : '');
    return {
      id: findingId(analysis, cx.table.table, 'window', minute),
      analysis,
      entity: { kind: 'window', value: minute },
      score,
      severity: severityOf(score),
      reason: `minute ${minute}: ${c.failures[i]} failures on ${c.usernames_with_failures[i]} usernames from ${ips.length} IP(s)${ips.length ? ` (${named})` : ''}; ${why}`,
      metrics: { minute, failures: c.failures[i], attempts: c.attempts[i], usernamesWithFailures: c.usernames_with_failures[i], ips: ips.map((r) => r[0]).join(' '), ...metrics },
      evidence: sourceEvidence(cx, src, `${time} >= ? AND ${time} < ? AND ${src.fail}`, [from, to]),
    };
  });
}
