/**
 * Bursts of failures as episodes: the minutes whose count (failures, or
 * usernames with failures) is too many for the null of ordinary failures,
 * joined while they follow one another, with the neighbouring minutes that
 * are unusual on their own. One episode is one attack: one finding with its
 * period and its source IPs, so triage makes one incident of it.
 *
 * Null model: the count of a minute is Poisson(λ), λ the mean count per
 * minute (of the span tested, empty minutes included) among the minutes that
 * are not flagged: the rate is re-estimated without the flagged minutes until
 * the set stops changing, since an attack's minutes would otherwise raise the
 * rate they are measured against. A minute is flagged when its risk, among
 * the N minutes tested, reaches `minRisk` (findings/triage/risk.ts: risk = 25 +
 * 12.5 × −log10(p × N)). An episode's risk is that of its total count over
 * its minutes against Poisson(λ × minutes), among the same N.
 */
import { log10PoissonTail, riskFromLog10P, riskFromPoisson, RISK_BANDS } from '../../findings/triage/risk';

/** A minute (epoch minute) and its count; minutes absent from a list count 0. */
export interface MinuteCount {
  m: number;
  n: number;
}

export interface Episode {
  /** First and last minute (epoch minutes, both included). */
  first: number;
  last: number;
  minutes: MinuteCount[];
  total: number;
  expected: number;
  risk: number;
  /** The minute with the largest count, and its own risk. */
  peak: MinuteCount & { risk: number; expected: number };
}

/** Unadjusted tail a neighbouring minute needs to join an episode: unusual on its own, if not among all minutes. */
export const EDGE_LOG10P = -2;

/**
 * λ: the mean count per minute over `span` minutes, without the minutes
 * flagged at `cut` (re-estimated until stable). Never below half a count over
 * the span: a log with no ordinary failure still has some rate.
 */
export function nullRate(counts: MinuteCount[], span: number, cut: number = RISK_BANDS.low): number {
  const n = Math.max(1, span);
  let kept = counts;
  let rate = Math.max(0.5, sum(kept)) / n;
  for (let round = 0; round < 12; round++) {
    const next = counts.filter((c) => riskFromPoisson(c.n, rate, n) < cut);
    const removed = counts.length - next.length;
    const r = Math.max(0.5, sum(next)) / Math.max(1, n - removed);
    if (next.length === kept.length && r === rate) break;
    kept = next;
    rate = r;
  }
  return rate;
}

const sum = (xs: MinuteCount[]) => xs.reduce((s, c) => s + c.n, 0);

/**
 * The episodes of a series: minutes at `minRisk` or above among `span`
 * minutes tested, joined across at most one quiet minute, each widened by
 * its neighbours whose own tail is below 10^EDGE_LOG10P.
 */
export function episodes(counts: MinuteCount[], span: number, rate: number | ((m: number) => number), minRisk: number): Episode[] {
  const n = Math.max(1, span);
  const lam = typeof rate === 'number' ? () => rate : rate;
  const byMinute = new Map(counts.map((c) => [c.m, c.n]));
  const risk = (c: MinuteCount) => riskFromPoisson(c.n, lam(c.m), n);
  const core = counts.filter((c) => c.n > lam(c.m) && risk(c) >= minRisk).sort((a, b) => a.m - b.m);
  const edge = (m: number) => {
    const k = byMinute.get(m) ?? 0;
    return k > 0 && log10PoissonTail(k, lam(m)) <= EDGE_LOG10P;
  };
  const out: Episode[] = [];
  let i = 0;
  while (i < core.length) {
    let first = core[i].m;
    let last = core[i].m;
    let j = i + 1;
    while (j < core.length && core[j].m - last <= 2) last = core[j++].m;
    while (edge(first - 1)) first--;
    while (edge(last + 1)) last++;
    // a widened episode may reach the next core minute
    while (j < core.length && core[j].m - last <= 2) {
      last = core[j++].m;
      while (edge(last + 1)) last++;
    }
    const minutes: MinuteCount[] = [];
    for (let m = first; m <= last; m++) minutes.push({ m, n: byMinute.get(m) ?? 0 });
    const total = sum(minutes);
    const expected = minutes.reduce((e, c) => e + lam(c.m), 0);
    const peak = minutes.reduce((a, b) => (b.n > a.n ? b : a));
    out.push({ first, last, minutes, total, expected, risk: riskFromLog10P(log10PoissonTail(total, expected), n), peak: { ...peak, risk: risk(peak), expected: lam(peak.m) } });
    i = j;
  }
  return out;
}

/**
 * A minute's count and the same unit's ordinary traffic in it: the usernames
 * (or IPs) with a success in the minute, or an IP's successful requests in
 * it.
 */
export interface MinuteTraffic extends MinuteCount {
  s: number;
}

/**
 * The null of a count that follows the traffic: λ_m = base + perTraffic × s_m.
 * Failures come with traffic (a busy web minute has more 404s; users who
 * mistype and then get in), and some come without it (a failure alone in an
 * empty minute). Both rates come from the log itself, from the minutes that
 * are not flagged.
 */
export interface TrafficRate {
  base: number;
  perTraffic: number;
  /** Minutes (or entity-minutes) the rates were estimated on, and those left out as flagged. */
  kept: number;
  flagged: number;
}

export const expectedAt = (r: TrafficRate, s: number): number => r.base + r.perTraffic * s;

/**
 * Maximum-likelihood fit of λ = base + perTraffic × s to Poisson counts
 * (EM: each failure is shared between the two sources in proportion to
 * their rates in its minute), over `minutes` minutes whose traffic sums to
 * `traffic`; the counts given are the minutes with a count (the others count
 * 0). base is never below half a count over the minutes: never seen is not
 * impossible.
 */
export function fitTraffic(counts: MinuteTraffic[], minutes: number, traffic: number): { base: number; perTraffic: number } {
  const n = Math.max(1, minutes);
  const total = sum(counts);
  const floor = 0.5 / n;
  if (!(traffic > 0) || total === 0) return { base: Math.max(floor, total / n), perTraffic: 0 };
  let base = total / (2 * n);
  let per = total / (2 * traffic);
  for (let round = 0; round < 500; round++) {
    let a = 0;
    let b = 0;
    for (const c of counts) {
      const l = base + per * c.s;
      if (l > 0) {
        a += (c.n * base) / l;
        b += (c.n * per * c.s) / l;
      }
    }
    const nb = a / n;
    const np = b / traffic;
    const done = Math.abs(nb - base) <= 1e-9 * (nb + 1e-300) + 1e-15 && Math.abs(np - per) <= 1e-9 * (np + 1e-300) + 1e-15;
    base = nb;
    per = np;
    if (done) break;
  }
  return { base: Math.max(floor, base), perTraffic: per };
}

/**
 * The traffic null of a series, re-estimated without the flagged minutes
 * (risk at `cut` or above among `span`) until the set stops changing: an
 * attack's minutes would otherwise raise the rates they are measured
 * against. `traffic` is the traffic of every minute of the span (those
 * without a count included).
 */
export function trafficRate(counts: MinuteTraffic[], span: number, traffic: number, cut: number = RISK_BANDS.low): TrafficRate {
  const n = Math.max(1, span);
  let flagged = new Set<MinuteTraffic>();
  let fit = fitTraffic(counts, n, traffic);
  for (let round = 0; round < 12; round++) {
    const lam = (c: MinuteTraffic) => fit.base + fit.perTraffic * c.s;
    const next = new Set(counts.filter((c) => c.n > lam(c) && riskFromPoisson(c.n, lam(c), n) >= cut));
    if (next.size === flagged.size && [...next].every((c) => flagged.has(c))) break;
    flagged = next;
    const kept = counts.filter((c) => !flagged.has(c));
    const lost = [...flagged].reduce((x, c) => x + c.s, 0);
    fit = fitTraffic(kept, n - flagged.size, traffic - lost);
  }
  return { ...fit, kept: n - flagged.size, flagged: flagged.size };
}

/** The smallest count of one minute that reaches `minRisk` among `span` minutes (the counterfactual of a minute). */
export function countNeeded(rate: number, span: number, minRisk: number): number {
  let k = 1;
  while (k < 1e6 && riskFromPoisson(k, rate, span) < minRisk) k = k < 64 ? k + 1 : Math.ceil(k * 1.05);
  return k;
}
