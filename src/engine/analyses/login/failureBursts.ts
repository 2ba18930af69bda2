/**
 * Bursts of failed attempts, as episodes (analyses/login/bursts.ts): the log's attack
 * episodes (contiguous minutes with too many usernames, or IPs when the log
 * names no user, that fail without a success, for the minute's ordinary
 * traffic: base + a rate per source with a success in it, the log's own
 * rates), each one finding about its period with its source IPs; and per IP
 * its strongest burst (failures in its minutes against both the failures of
 * an ordinary IP in a minute of activity and the ordinary share of its
 * attempts). Risks: Poisson tails among the minutes tested (docs/risk/login.md).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, AnalysisContext, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { countNeeded, episodes, expectedAt, nullRate, trafficRate, type Episode, type MinuteTraffic, type TrafficRate } from './bursts';
import { ipRisks } from './ipRisk';
import { minuteText } from './minutes';
import { logSource, sourceEvidence, type LogSource } from './source';
import { contextOf } from '../../findings/triage/context';
import { log10PoissonTail, riskFromPoisson, surpriseFromLog10P } from '../../findings/triage/risk';

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
    'Attack episodes: minutes with too many usernames (or IPs) failing without a success for the minute\'s ordinary traffic (the log\'s own rates), joined while contiguous, one finding per episode with its source IPs; and per IP its strongest burst of failures, beyond both an ordinary IP\'s failures a minute and the ordinary share of its attempts. Risk from Poisson tails among the minutes tested.',
  needs: ['ip', 'outcome', 'time'],
  params: [{ name: 'minRisk', description: 'risk (0–100) from which an episode or an IP burst is a finding (50: medium, fewer than 0.01 such minutes expected by chance)', default: 50 }],
  run(cx) {
    const src = logSource(cx, false);
    const minRisk = cx.num('minRisk');
    const { ip, time, user } = src.col as Record<'ip' | 'time' | 'user', string | undefined>;
    const m = `CAST(strftime('%s', ${time}) AS INTEGER) / 60`;
    const ok = `CASE WHEN ${src.fail} THEN 0 WHEN NOT (${src.fail}) THEN 1 ELSE 0 END`;
    // per minute the sources that fail (usernames, or IPs when the log names no user) and those that get through
    const unitCol = user ?? ip!;
    // a source that fails and then gets in (a typo, a page with one broken image) is traffic, not a failing source
    const perMinute = cx.query(
      `SELECT m, sum(CASE WHEN k IS NOT NULL AND f > 0 AND s = 0 THEN 1 ELSE 0 END), sum(CASE WHEN k IS NOT NULL AND s > 0 THEN 1 ELSE 0 END), sum(f)
       FROM (SELECT ${m} AS m, ${unitCol} AS k, sum(CASE WHEN ${src.fail} THEN 1 ELSE 0 END) AS f, sum(${ok}) AS s FROM ${src.from} WHERE ${time} IS NOT NULL GROUP BY 1, 2)
       WHERE m IS NOT NULL GROUP BY m ORDER BY m`,
    ).rows as number[][];
    const failing = perMinute.filter((r) => r[3] > 0);
    if (!failing.length) return { findings: [], tables: [{ title: 'No failed attempt with a time', columns: ['table'], rows: [[cx.table.table]] }], charts: [] };
    const unit = user ? 'usernames failing without a success' : 'IPs failing without a success';
    const traffic = user ? 'username with a success' : 'IP with a success';
    const series: MinuteTraffic[] = perMinute.map((r) => ({ m: r[0], n: r[1], s: r[2] }));
    const span = perMinute[perMinute.length - 1][0] - perMinute[0][0] + 1;
    const rate = trafficRate(series, span, series.reduce((x, c) => x + c.s, 0));
    const sAt = new Map(series.map((c) => [c.m, c.s]));
    const lam = (min: number) => expectedAt(rate, sAt.get(min) ?? 0);
    const eps = episodes(series.filter((c) => c.n > 0), span, lam, minRisk);

    // failures and successes per IP and minute: the IPs of the episodes, and each IP's own bursts
    const cells = cx.query(
      `SELECT ${ip} AS k, ${m} AS m, sum(CASE WHEN ${src.fail} THEN 1 ELSE 0 END) AS f, sum(${ok}) FROM ${src.from} WHERE ${ip} IS NOT NULL AND ${time} IS NOT NULL GROUP BY 1, 2 HAVING m IS NOT NULL AND f > 0`,
    ).rows as [SqlValue, number, number, number][];
    const model: Model = { rate, span, unit, traffic, minRisk };
    const findings = [...eps.map((e) => episodeFinding(cx, src, e, cells, model)), ...ipBursts(cx, src, cells, minRisk)];
    const top = cx.query(
      `SELECT substr(${time}, 1, 16) AS minute, count(*) AS failures, count(DISTINCT ${ip}) AS ips FROM ${src.from} WHERE ${src.fail} AND ${time} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
    );
    return {
      findings,
      tables: [
        {
          title: `Attack episodes (${unit} per minute against ${rateText(model)}, among ${span} minutes)`,
          columns: ['episode', 'minutes', unit, 'expected', 'peak minute', `peak ${unit}`, 'IPs', 'risk'],
          rows: eps.map((e) => [spanText(e.first, e.last), e.minutes.length, e.total, sig(e.expected), minuteText(e.peak.m), e.peak.n, ipsOf(e, cells).length, e.risk]),
        },
        { title: 'Minutes with the most failures', columns: top.columns, rows: top.rows },
      ],
      charts: [],
    };
  },
};

interface Model {
  rate: TrafficRate;
  span: number;
  unit: string;
  /** One unit of ordinary traffic, in words ('username with a success'). */
  traffic: string;
  minRisk: number;
}

/** '0.0012 a minute + 0.054 per IP with a success in it'. */
function rateText(o: Model): string {
  return `${sig(o.rate.base)} a minute${o.rate.perTraffic > 0 ? ` + ${sig(o.rate.perTraffic)} per ${o.traffic} in it` : ''}`;
}

/** The IPs with failures in an episode's minutes, the busiest first. */
function ipsOf(e: Episode, cells: [SqlValue, number, number, number][]): [string, number][] {
  const by = new Map<string, number>();
  for (const [k, m, n] of cells) if (m >= e.first && m <= e.last) by.set(String(k), (by.get(String(k)) ?? 0) + n);
  return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function episodeFinding(cx: AnalysisContext, src: LogSource, e: Episode, cells: [SqlValue, number, number, number][], o: Model): Finding {
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
    surprise: surpriseFromLog10P(log10p, o.span),
    severity: 'info',
    reason: `${value}: ${e.total} ${o.unit} in ${e.minutes.length} minute(s) where ${sig(e.expected)} were expected (${rateText(o)}); peak ${e.peak.n} at ${minuteText(e.peak.m).slice(11)}; from ${ips.length} IP(s)${ips.length ? ` (${named})` : ''}; Poisson tail p ≈ ${pText(log10p)} among ${o.span} minutes`,
    metrics: { first: minuteText(e.first), last: minuteText(e.last), minutes: e.minutes.length, count: e.total, expected: sig(e.expected), ratePerMinute: sig(o.rate.base), perTraffic: sig(o.rate.perTraffic), peak: e.peak.n, peakMinute: minuteText(e.peak.m), ips: ips.length, minutesTested: o.span },
    evidence: sourceEvidence(cx, src, `${src.fail} AND ${time} >= ? AND ${time} < ?`, [`${minuteText(e.first)}:00`, `${minuteText(e.last + 1)}:00`]),
    window: { start: iso(e.first), end: iso(e.last + 1) },
    related: ips.slice(0, MAX_RELATED).map(([x]) => ({ kind: 'ip' as const, value: x })),
    explain: {
      baseline: `ordinary minutes: ${rateText(o)} ${o.unit} (the log's own rates, without the flagged minutes)`,
      counterfactual: `its peak minute would be flagged from ${countNeeded(e.peak.expected, o.span, o.minRisk)} ${o.unit}; it had ${e.peak.n}`,
    },
  };
}

/**
 * Per IP its strongest burst, against the weaker of two nulls, so that a burst
 * must be a departure from both (as login-rules asks both of its measures):
 *   - in time: Poisson(μ), μ the mean failures of an IP in a minute of
 *     activity (the flagged IP-minutes left out, as bursts.ts's nullRate);
 *   - for its traffic: Poisson(r × its attempts in that minute), r the share
 *     of an ordinary IP's attempts that fail (login-per-ip's rate, ipRisk.ts:
 *     from the median IP, re-estimated without the flagged IPs). A browser
 *     whose page misses six fonts, a crawler following broken links fail
 *     along with their traffic. Only where the log records successes: in a
 *     log of failures alone (an sshd sample of "Failed password" lines) every
 *     attempt fails and the share says nothing.
 * A minute's null is the larger of the two expectations (the weaker tail).
 * A crawler or a monitoring agent (by its user agent) carries that as benign
 * context: its 404s are no attack, and triage ranks it low unless something
 * else stands out.
 */
function ipBursts(cx: AnalysisContext, src: LogSource, cells: [SqlValue, number, number, number][], minRisk: number): Finding[] {
  const { ip, time, user } = src.col as Record<'ip' | 'time' | 'user', string | undefined>;
  const m = `CAST(strftime('%s', ${time}) AS INTEGER) / 60`;
  const active = Number(cx.query(`SELECT count(*) FROM (SELECT 1 FROM ${src.from} WHERE ${ip} IS NOT NULL AND ${time} IS NOT NULL GROUP BY ${ip}, ${m})`).rows[0][0]);
  const mu = nullRate(cells.map(([, mm, n]) => ({ m: mm, n })), active);
  const fail = `CASE WHEN ${src.fail} THEN 1 ELSE 0 END`;
  const perIp = cx.query(
    `SELECT ${ip}, sum(CASE WHEN ${src.fail} THEN 1 WHEN NOT (${src.fail}) THEN 1 ELSE 0 END), sum(${fail}), ${user ? `count(DISTINCT CASE WHEN ${src.fail} THEN ${user} END)` : '0'} FROM ${src.from} WHERE ${ip} IS NOT NULL GROUP BY 1`,
  ).rows.map(([k, a, f, u]) => ({ ip: String(k), attempts: Number(a), failures: Number(f), failedUsernames: Number(u), byReason: new Map<string, number>() }));
  const recordsSuccess = perIp.some((c) => c.attempts > c.failures);
  const share = recordsSuccess ? ipRisks(perIp, []).rates.failure : 0;
  const byIp = new Map<string, MinuteTraffic[]>();
  for (const [k, mm, n, s] of cells) {
    const key = String(k);
    const list = byIp.get(key) ?? [];
    if (!list.length) byIp.set(key, list);
    list.push({ m: mm, n, s: n + s });
  }
  const out: Finding[] = [];
  const nullText = `an IP fails ${sig(mu)} times in a minute of activity${share ? `, or ${sig(100 * share)} % of its attempts, whichever is more` : ''}`;
  for (const [k, list] of byIp) {
    const aOf = new Map(list.map((c) => [c.m, c.s]));
    const lam = (mm: number) => Math.max(mu, share * (aOf.get(mm) ?? 0));
    if (!list.some((c) => c.n > lam(c.m) && riskFromPoisson(c.n, lam(c.m), active) >= minRisk)) continue;
    const eps = episodes(list, active, lam, minRisk).sort((a, b) => b.risk - a.risk || a.first - b.first);
    if (!eps.length) continue;
    const e = eps[0];
    const total = list.reduce((x, c) => x + c.n, 0);
    const log10p = log10PoissonTail(e.total, e.expected);
    const span = spanText(e.first, e.last);
    const tried = e.minutes.reduce((x, c) => x + (aOf.get(c.m) ?? 0), 0);
    out.push({
      id: findingId(ID, cx.table.table, 'ip', k),
      analysis: ID,
      entity: { kind: 'ip', value: k },
      score: Number((-log10p).toFixed(2)),
      risk: e.risk,
      surprise: surpriseFromLog10P(log10p, active),
      severity: 'info',
      reason: `${k}: ${e.total} failed attempts of ${tried} in ${span} (${e.minutes.length} minute(s), peak ${e.peak.n} at ${minuteText(e.peak.m).slice(11)}) where ${sig(e.expected)} were expected (${nullText}); ${eps.length > 1 ? `${eps.length} bursts, ` : ''}${total} failures in ${list.length} minute(s) in all`,
      metrics: { worstMinute: minuteText(e.peak.m), failuresInWorstMinute: e.peak.n, burst: span, failuresInBurst: e.total, attemptsInBurst: tried, expectedInBurst: sig(e.expected), bursts: eps.length, failures: total, failingMinutes: list.length, meanFailuresPerActiveMinute: sig(mu), failureShare: sig(share), ipMinutesTested: active },
      evidence: sourceEvidence(cx, src, `${ip} = ? AND ${src.fail} AND ${time} >= ? AND ${time} < ?`, [k, `${minuteText(e.first)}:00`, `${minuteText(e.last + 1)}:00`]),
      window: { start: iso(e.first), end: iso(e.last + 1) },
      explain: {
        baseline: `${nullText} (the log's own rates, without the flagged IPs and IP-minutes)`,
        counterfactual: `its peak minute would not be flagged with fewer than ${countNeeded(e.peak.expected, active, minRisk)} failures; it had ${e.peak.n}`,
      },
    });
  }
  const context = contextOf(cx, 'ip', out.map((f) => f.entity.value), src.fail);
  for (const f of out) {
    const c = context.get(f.entity.value);
    if (c?.length) f.context = c;
  }
  return out;
}
