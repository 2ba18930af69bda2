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
 * the N minutes tested, reaches `minRisk` (triage/risk.ts: risk = 25 +
 * 12.5 × −log10(p × N)). An episode's risk is that of its total count over
 * its minutes against Poisson(λ × minutes), among the same N.
 */
import { log10PoissonTail, riskFromLog10P, riskFromPoisson, RISK_BANDS } from '../triage/risk';

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
  peak: MinuteCount & { risk: number };
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
export function episodes(counts: MinuteCount[], span: number, rate: number, minRisk: number): Episode[] {
  const n = Math.max(1, span);
  const byMinute = new Map(counts.map((c) => [c.m, c.n]));
  const risk = (c: MinuteCount) => riskFromPoisson(c.n, rate, n);
  const core = counts.filter((c) => c.n > rate && risk(c) >= minRisk).sort((a, b) => a.m - b.m);
  const edge = (m: number) => {
    const k = byMinute.get(m) ?? 0;
    return k > 0 && log10PoissonTail(k, rate) <= EDGE_LOG10P;
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
    const expected = rate * minutes.length;
    const peak = minutes.reduce((a, b) => (b.n > a.n ? b : a));
    out.push({ first, last, minutes, total, expected, risk: riskFromLog10P(log10PoissonTail(total, expected), n), peak: { ...peak, risk: risk(peak) } });
    i = j;
  }
  return out;
}

/** The smallest count of one minute that reaches `minRisk` among `span` minutes (the counterfactual of a minute). */
export function countNeeded(rate: number, span: number, minRisk: number): number {
  let k = 1;
  while (k < 1e6 && riskFromPoisson(k, rate, span) < minRisk) k = k < 64 ? k + 1 : Math.ceil(k * 1.05);
  return k;
}
