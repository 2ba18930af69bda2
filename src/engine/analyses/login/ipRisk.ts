/**
 * Risk of a source IP from its failed logins, on the one scale of
 * findings/triage/risk.ts. The null model: an ordinary IP's attempts fail
 * independently at the population's rate, so its failures are
 * Poisson(attempts × rate); so are its failures of each reason (a wrong
 * username is rare for people who know their own name), and the usernames it
 * fails on beyond its first are Poisson(failures × rate of a new username per
 * failure). The IP's surprise is its smallest tail probability among those
 * statistics, counted once per statistic and IP tested (Bonferroni).
 *
 * The population's rates come from the IPs that are not flagged: attackers
 * make most of the failures in a log under attack (70 % of the attempts of
 * the book's chapter-8 log fail), so the rates start from the median IP's and
 * are re-estimated, pooled over the IPs below low risk, until the set stops
 * changing (at most 8 rounds).
 * A rate that is zero among them (no ordinary IP ever gave a wrong username)
 * is taken as half an event over their attempts: never seen is not impossible.
 */
import { log10PoissonTail, riskFromLog10P, RISK_BANDS, surpriseFromLog10P } from '../../findings/triage/risk';

export interface IpCounts {
  ip: string;
  attempts: number;
  failures: number;
  /** Distinct usernames among the IP's failed attempts. */
  failedUsernames: number;
  /** Failures by reason (empty when the log has no reason column). */
  byReason: Map<string, number>;
}

export interface Rates {
  failure: number;
  /** Usernames beyond the first per failure. */
  newUsername: number;
  byReason: Map<string, number>;
  /** IPs the rates were estimated on (those not flagged). */
  ips: number;
  attempts: number;
}

export type IpStatistic = { kind: 'failures' } | { kind: 'reason'; reason: string } | { kind: 'usernames' };

export interface IpRisk {
  ip: string;
  risk: number;
  /** −log10(p × tests), unclamped: the tie-break where risk stops at 100 (findings/triage/risk.ts). */
  surprise: number;
  log10p: number;
  /** The statistic that gave the smallest tail. */
  stat: IpStatistic;
  observed: number;
  expected: number;
  /** Smallest count of the statistic that would make the IP reach `minRisk` (its counterfactual). */
  needed: number;
}

/** The statistics tested for every IP: failures, each reason, usernames. */
export function statistics(reasons: string[]): IpStatistic[] {
  return [{ kind: 'failures' }, ...reasons.map((reason) => ({ kind: 'reason' as const, reason })), { kind: 'usernames' }];
}

function observedOf(c: IpCounts, s: IpStatistic): number {
  if (s.kind === 'failures') return c.failures;
  if (s.kind === 'reason') return c.byReason.get(s.reason) ?? 0;
  return Math.max(0, c.failedUsernames - 1);
}

function expectedOf(c: IpCounts, s: IpStatistic, r: Rates): number {
  if (s.kind === 'failures') return c.attempts * r.failure;
  if (s.kind === 'reason') return c.attempts * (r.byReason.get(s.reason) ?? 0);
  return Math.max(0, c.failures - 1) * r.newUsername;
}

/** Pooled rates over some IPs, with the floor of half an event for a rate never seen. */
export function pooledRates(ips: IpCounts[], reasons: string[]): Rates {
  let attempts = 0;
  let failures = 0;
  let extra = 0;
  let extraBase = 0;
  const byReason = new Map<string, number>(reasons.map((x) => [x, 0]));
  for (const c of ips) {
    attempts += c.attempts;
    failures += c.failures;
    extra += Math.max(0, c.failedUsernames - 1);
    extraBase += Math.max(0, c.failures - 1);
    for (const [k, n] of c.byReason) if (byReason.has(k)) byReason.set(k, byReason.get(k)! + n);
  }
  const rate = (n: number, d: number) => (d > 0 ? Math.max(n, 0.5) / d : 1);
  return {
    failure: rate(failures, attempts),
    newUsername: rate(extra, Math.max(extraBase, 1)),
    byReason: new Map([...byReason].map(([k, n]) => [k, rate(n, attempts)])),
    ips: ips.length,
    attempts,
  };
}

const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

/** The median IP's rates (the start of the re-estimation), each at least half an event over all attempts. */
export function medianRates(ips: IpCounts[], reasons: string[]): Rates {
  const attempts = ips.reduce((s, c) => s + c.attempts, 0);
  const floor = 0.5 / Math.max(1, attempts);
  const withAttempts = ips.filter((c) => c.attempts > 0);
  const several = ips.filter((c) => c.failures > 1);
  return {
    failure: Math.max(floor, median(withAttempts.map((c) => c.failures / c.attempts))),
    newUsername: Math.max(floor, median(several.map((c) => Math.max(0, c.failedUsernames - 1) / (c.failures - 1)))),
    byReason: new Map(reasons.map((x) => [x, Math.max(floor, median(withAttempts.map((c) => (c.byReason.get(x) ?? 0) / c.attempts)))])),
    ips: ips.length,
    attempts,
  };
}

/** Log10 tail of an IP's statistic under the rates (0 when nothing is unusual). */
function tailOf(c: IpCounts, s: IpStatistic, r: Rates): number {
  const k = observedOf(c, s);
  const lambda = expectedOf(c, s, r);
  if (k <= lambda) return 0;
  return log10PoissonTail(k, lambda);
}

function bestTail(c: IpCounts, stats: IpStatistic[], r: Rates): { best: IpStatistic; bestLog: number } {
  let best: IpStatistic = stats[0];
  let bestLog = 0;
  for (const s of stats) {
    const l = tailOf(c, s, r);
    if (l < bestLog) {
      bestLog = l;
      best = s;
    }
  }
  return { best, bestLog };
}

function score(c: IpCounts, stats: IpStatistic[], r: Rates, tests: number, minRisk: number): IpRisk {
  const { best, bestLog } = bestTail(c, stats, r);
  const expected = expectedOf(c, best, r);
  // the counterfactual: the smallest count of that statistic that reaches minRisk
  let needed = Math.max(1, Math.ceil(expected));
  while (needed < 1e6 && riskFromLog10P(log10PoissonTail(needed, expected), tests) < minRisk) needed = needed < 64 ? needed + 1 : Math.ceil(needed * 1.05);
  return { ip: c.ip, risk: riskFromLog10P(bestLog, tests), surprise: surpriseFromLog10P(bestLog, tests), log10p: bestLog, stat: best, observed: observedOf(c, best), expected, needed };
}

/**
 * Every IP's risk, with the rates of the population it was measured against.
 * `minRisk` is also the level above which an IP leaves the population whose
 * rates are estimated (at least low: E ≤ 1).
 */
export function ipRisks(ips: IpCounts[], reasons: string[], minRisk: number = RISK_BANDS.low): { risks: IpRisk[]; rates: Rates; tests: number } {
  const stats = statistics(reasons);
  const tests = Math.max(1, ips.length) * stats.length;
  const cut = Math.min(minRisk, RISK_BANDS.low);
  let clean = ips;
  // start from the median IP, not the pool: when attackers make most of the failures the pooled rate is theirs
  let rates = medianRates(ips, reasons);
  for (let round = 0; round < 8; round++) {
    const next = ips.filter((c) => riskFromLog10P(bestTail(c, stats, rates).bestLog, tests) < cut);
    if (next.length === clean.length || next.length === 0) break;
    clean = next;
    rates = pooledRates(clean, reasons);
  }
  return { risks: ips.map((c) => score(c, stats, rates, tests, minRisk)), rates, tests };
}

/** The statistic in words: 'failures', 'failures (error_wrong_username)', 'usernames failed on beyond the first'. */
export function statText(s: IpStatistic): string {
  return s.kind === 'failures' ? 'failures' : s.kind === 'reason' ? `failures (${s.reason})` : 'usernames failed on beyond the first';
}
