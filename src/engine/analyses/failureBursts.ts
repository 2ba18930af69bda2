/**
 * Bursts of failed attempts, as episodes (login/bursts.ts): the log's attack
 * episodes (contiguous minutes with too many usernames with failures, or
 * failures when the log names no user, for the log's own rate of ordinary
 * failures), each one finding about its period with its source IPs; and per
 * IP its strongest burst (failures in its minutes against the failures of an
 * ordinary IP in a minute of activity). Risks: Poisson tails among the
 * minutes tested (docs/risk/login.md).
 */
import type { SqlValue } from '../database';
import type { Analysis, AnalysisContext, Finding } from '../findings';
import { findingId } from '../findings';
import { countNeeded, episodes, nullRate, type Episode, type MinuteCount } from '../login/bursts';
import { minuteText } from '../login/minutes';
import { logSource, sourceEvidence, type LogSource } from '../login/source';
import { log10PoissonTail } from '../triage/risk';

const ID = 'failure-bursts';
/** Source IPs named in an episode's `related` (the busiest first); the count is in its metrics. */
const MAX_RELATED = 200;

const iso = (m: number) => new Date(m * 60000).toISOString();
/** '2018-01-02 02:31' for one minute, '2018-01-02 02:31–02:36' (end excluded) for several. */
export function spanText(first: number, last: number): string {
  if (first === last) return minuteText(first);
  const end = minuteText(last + 1);
  return `${minuteText(first)}–${end.slice(0, 10) === minuteText(first).slice(0, 10) ? end.slice(11) : end}`;
}
const sig = (x: number) => Number(x.toPrecision(3));
const pText = (log10p: number) => (log10p > -3 ? (10 ** log10p).toPrecision(2) : `1e${Math.round(log10p)}`);

export const failureBursts: Analysis = {
  id: ID,
  title: 'Bursts of failed attempts',
  description:
    'Attack episodes: minutes with too many usernames with failures (or failures) for the log\'s own rate of ordinary failures, joined while contiguous, one finding per episode with its source IPs; and per IP its strongest burst of failures. Risk from Poisson tails among the minutes tested.',
  needs: ['ip', 'outcome', 'time'],
  params: [{ name: 'minRisk', description: 'risk (0–100) from which an episode or an IP burst is a finding (50: medium, fewer than 0.01 such minutes expected by chance)', default: 50 }],
  run(cx) {
    const src = logSource(cx, false);
    const minRisk = cx.num('minRisk');
    const { ip, time, user } = src.col as Record<'ip' | 'time' | 'user', string | undefined>;
    const m = `CAST(strftime('%s', ${time}) AS INTEGER) / 60`;
    const perMinute = cx.query(
      `SELECT ${m} AS m, count(*) AS f${user ? `, count(DISTINCT ${user})` : ''} FROM ${src.from} WHERE ${src.fail} AND ${time} IS NOT NULL GROUP BY 1 HAVING m IS NOT NULL ORDER BY 1`,
    ).rows as number[][];
    if (!perMinute.length) return { findings: [], tables: [{ title: 'No failed attempt with a time', columns: ['table'], rows: [[cx.table.table]] }], charts: [] };
    const unit = user ? 'usernames with failures' : 'failures';
    const series: MinuteCount[] = perMinute.map((r) => ({ m: r[0], n: user ? r[2] : r[1] }));
    const span = perMinute[perMinute.length - 1][0] - perMinute[0][0] + 1;
    const rate = nullRate(series, span);
    const eps = episodes(series, span, rate, minRisk);

    // failures per IP and minute: the IPs of the episodes, and each IP's own bursts
    const cells = cx.query(`SELECT ${ip} AS k, ${m} AS m, count(*) FROM ${src.from} WHERE ${src.fail} AND ${ip} IS NOT NULL AND ${time} IS NOT NULL GROUP BY 1, 2 HAVING m IS NOT NULL`).rows as [SqlValue, number, number][];
    const active = Number(cx.query(`SELECT count(*) FROM (SELECT 1 FROM ${src.from} WHERE ${ip} IS NOT NULL AND ${time} IS NOT NULL GROUP BY ${ip}, ${m})`).rows[0][0]);
    const findings = [
      ...eps.map((e) => episodeFinding(cx, src, e, cells, { rate, span, unit, minRisk })),
      ...ipBursts(cx, src, cells, active, minRisk),
    ];
    const top = cx.query(
      `SELECT substr(${time}, 1, 16) AS minute, count(*) AS failures, count(DISTINCT ${ip}) AS ips FROM ${src.from} WHERE ${src.fail} AND ${time} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
    );
    return {
      findings,
      tables: [
        {
          title: `Attack episodes (${unit} per minute against ${sig(rate)} a minute, among ${span} minutes)`,
          columns: ['episode', 'minutes', unit, 'expected', 'peak minute', `peak ${unit}`, 'IPs', 'risk'],
          rows: eps.map((e) => [spanText(e.first, e.last), e.minutes.length, e.total, sig(e.expected), minuteText(e.peak.m), e.peak.n, ipsOf(e, cells).length, e.risk]),
        },
        { title: 'Minutes with the most failures', columns: top.columns, rows: top.rows },
      ],
      charts: [],
    };
  },
};

/** The IPs with failures in an episode's minutes, the busiest first. */
function ipsOf(e: Episode, cells: [SqlValue, number, number][]): [string, number][] {
  const by = new Map<string, number>();
  for (const [k, m, n] of cells) if (m >= e.first && m <= e.last) by.set(String(k), (by.get(String(k)) ?? 0) + n);
  return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function episodeFinding(cx: AnalysisContext, src: LogSource, e: Episode, cells: [SqlValue, number, number][], o: { rate: number; span: number; unit: string; minRisk: number }): Finding {
  const value = spanText(e.first, e.last);
  const ips = ipsOf(e, cells);
  const named = ips.slice(0, 5).map(([x, n]) => `${x} ${n}×`).join(', ') + (ips.length > 5 ? ', …' : '');
  const log10p = log10PoissonTail(e.total, e.expected);
  const time = src.col.time!;
  return {
    id: findingId(ID, cx.table.table, 'window', value),
    analysis: ID,
    entity: { kind: 'window', value },
    score: Number((-log10p).toFixed(2)),
    risk: e.risk,
    severity: 'info',
    reason: `${value}: ${e.total} ${o.unit} in ${e.minutes.length} minute(s) where ${sig(e.expected)} were expected (${sig(o.rate)} a minute); peak ${e.peak.n} at ${minuteText(e.peak.m).slice(11)}; from ${ips.length} IP(s)${ips.length ? ` (${named})` : ''}; Poisson tail p ≈ ${pText(log10p)} among ${o.span} minutes`,
    metrics: { first: minuteText(e.first), last: minuteText(e.last), minutes: e.minutes.length, count: e.total, expected: sig(e.expected), ratePerMinute: sig(o.rate), peak: e.peak.n, peakMinute: minuteText(e.peak.m), ips: ips.length, minutesTested: o.span },
    evidence: sourceEvidence(cx, src, `${src.fail} AND ${time} >= ? AND ${time} < ?`, [`${minuteText(e.first)}:00`, `${minuteText(e.last + 1)}:00`]),
    window: { start: iso(e.first), end: iso(e.last + 1) },
    related: ips.slice(0, MAX_RELATED).map(([x]) => ({ kind: 'ip' as const, value: x })),
    explain: {
      baseline: `ordinary minutes: ${sig(o.rate)} ${o.unit} a minute (the log's rate without the flagged minutes)`,
      counterfactual: `a minute is flagged from ${countNeeded(o.rate, o.span, o.minRisk)} ${o.unit}; this episode peaks at ${e.peak.n}`,
    },
  };
}

/**
 * Per IP its strongest burst: its failures per minute against μ, the mean
 * failures of an ordinary IP in a minute in which it made an attempt (the
 * flagged IP-minutes left out), among the IP-minutes of activity.
 */
function ipBursts(cx: AnalysisContext, src: LogSource, cells: [SqlValue, number, number][], active: number, minRisk: number): Finding[] {
  const all: MinuteCount[] = cells.map(([, m, n]) => ({ m, n }));
  // the IP-minutes without a failure count 0 in the mean: `active` holds them all
  const mu = nullRate(all, active);
  const byIp = new Map<string, MinuteCount[]>();
  for (const [k, m, n] of cells) {
    const key = String(k);
    const list = byIp.get(key) ?? [];
    if (!list.length) byIp.set(key, list);
    list.push({ m, n });
  }
  const { ip, time } = src.col as Record<'ip' | 'time', string>;
  const out: Finding[] = [];
  const needed = countNeeded(mu, active, minRisk);
  for (const [k, list] of byIp) {
    if (!list.some((c) => c.n >= needed)) continue;
    const eps = episodes(list, active, mu, minRisk).sort((a, b) => b.risk - a.risk || a.first - b.first);
    if (!eps.length) continue;
    const e = eps[0];
    const total = list.reduce((s, c) => s + c.n, 0);
    const log10p = log10PoissonTail(e.total, e.expected);
    const span = spanText(e.first, e.last);
    out.push({
      id: findingId(ID, cx.table.table, 'ip', k),
      analysis: ID,
      entity: { kind: 'ip', value: k },
      score: Number((-log10p).toFixed(2)),
      risk: e.risk,
      severity: 'info',
      reason: `${k}: ${e.total} failed attempts in ${span} (${e.minutes.length} minute(s), peak ${e.peak.n} at ${minuteText(e.peak.m).slice(11)}) where an ordinary IP fails ${sig(mu)} times in a minute of activity; ${eps.length > 1 ? `${eps.length} bursts, ` : ''}${total} failures in ${list.length} minute(s) in all`,
      metrics: { worstMinute: minuteText(e.peak.m), failuresInWorstMinute: e.peak.n, burst: span, failuresInBurst: e.total, bursts: eps.length, failures: total, failingMinutes: list.length, meanFailuresPerActiveMinute: sig(mu), ipMinutesTested: active },
      evidence: sourceEvidence(cx, src, `${ip} = ? AND ${src.fail} AND ${time} >= ? AND ${time} < ?`, [k, `${minuteText(e.first)}:00`, `${minuteText(e.last + 1)}:00`]),
      window: { start: iso(e.first), end: iso(e.last + 1) },
      explain: {
        baseline: `an ordinary IP fails ${sig(mu)} times in a minute in which it makes an attempt`,
        counterfactual: `it would not be flagged with fewer than ${needed} failures in a minute`,
      },
    });
  }
  return out;
}

