/**
 * Accounts (usernames) of a login log: loud only when the account itself
 * misbehaves, never for being a name that attackers try.
 *
 * - Misbehaving: a burst of failures on the account (its failures per minute
 *   against its own baseline) followed by a success on it: guessing that
 *   worked. Null: the account's failures in a minute of activity are
 *   Poisson(μ_u), μ_u its own rate outside its flagged minutes, shrunk
 *   towards the population's rate μ (ten minutes' worth of weight), so an
 *   account with little history is measured against everyone's. Among the
 *   user-minutes of activity (analyses/login/bursts.ts). A burst that no success
 *   follows is the account being attacked, not misbehaving: it stays low;
 *   one a success follows is critical at least (GUESSED_FLOOR), the loudest
 *   login finding.
 * - Targeted: failures on the username from IPs that guess credentials
 *   (analyses/login/ipRisk.ts at low risk or above). Being targeted by many IPs is
 *   context — it explains why a username is busy, seen from many IPs, at odd
 *   hours — not a suspicion: a low risk, with benign context.
 */
import type { AnalysisContext, BenignContext } from '../../findings/model';
import type { MinuteCount } from './bursts';
import { episodes, nullRate, type Episode } from './bursts';
import { ipRisks, type IpCounts } from './ipRisk';
import { logSource, type LogSource } from './source';
import { RISK_BANDS } from '../../findings/triage/risk';

/** Failures and successes of one user in one minute (epoch minute). */
export interface UserMinute {
  user: string;
  m: number;
  failures: number;
  successes: number;
}

/** Weight of the population's rate in an account's own baseline, in minutes of activity. */
export const PRIOR_MINUTES = 10;
/** A success this many minutes after a burst still follows it. */
export const SUCCESS_WITHIN = 10;
/** The highest risk of a burst that no success follows: low, at most. */
export const UNANSWERED_CAP = RISK_BANDS.medium - 0.1;
/** The least risk of a burst a success follows: a guessed password is the loudest login finding (issue 15), critical. */
export const GUESSED_FLOOR = 95;

export interface AccountBurst {
  user: string;
  burst: Episode;
  /** Minute of the first success during or within SUCCESS_WITHIN minutes after the burst. */
  successAt?: number;
  /** The account's own rate (failures per minute of activity) and the population's. */
  ownRate: number;
  populationRate: number;
  risk: number;
}

/**
 * Each account's strongest burst of failures, and whether a success followed.
 * `tests`: the user-minutes of activity (every minute with an attempt).
 */
export function accountBursts(cells: UserMinute[], tests: number, minRisk: number): AccountBurst[] {
  const all: MinuteCount[] = cells.filter((c) => c.failures > 0).map((c) => ({ m: c.m, n: c.failures }));
  const mu = nullRate(all, tests);
  const byUser = new Map<string, UserMinute[]>();
  for (const c of cells) {
    const list = byUser.get(c.user) ?? [];
    if (!list.length) byUser.set(c.user, list);
    list.push(c);
  }
  const out: AccountBurst[] = [];
  for (const [user, list] of byUser) {
    const fails: MinuteCount[] = list.filter((c) => c.failures > 0).map((c) => ({ m: c.m, n: c.failures }));
    if (!fails.length) continue;
    // population first: only minutes unusual for anyone can be unusual for the account
    const first = episodes(fails, tests, mu, minRisk);
    if (!first.length) continue;
    const inBursts = new Set(first.flatMap((e) => e.minutes.map((x) => x.m)));
    const outsideFailures = fails.filter((c) => !inBursts.has(c.m)).reduce((s, c) => s + c.n, 0);
    const outsideMinutes = list.filter((c) => !inBursts.has(c.m)).length;
    const own = (outsideFailures + PRIOR_MINUTES * mu) / (outsideMinutes + PRIOR_MINUTES);
    const eps = episodes(fails, tests, Math.max(own, mu), minRisk).sort((a, b) => b.risk - a.risk || a.first - b.first);
    if (!eps.length) continue;
    const ranked = eps.map((e) => {
      const after = list.filter((c) => c.successes > 0 && c.m >= e.first && c.m <= e.last + SUCCESS_WITHIN).sort((a, b) => a.m - b.m)[0];
      return { e, successAt: after?.m };
    });
    // a burst answered by a success is what makes an account loud; among those, the strongest
    const pick = ranked.find((x) => x.successAt !== undefined) ?? ranked[0];
    out.push({ user, burst: pick.e, successAt: pick.successAt, ownRate: own, populationRate: mu, risk: pick.successAt !== undefined ? Math.max(pick.e.risk, GUESSED_FLOOR) : Math.min(pick.e.risk, UNANSWERED_CAP) });
  }
  return out;
}

/** The risk of a targeted username: low, whatever the number of IPs (context, not a suspicion). */
export const TARGETED_RISK = 30;

export interface Targeted {
  /** The guessing IPs that failed on the username. */
  ips: string[];
  failures: number;
  /** "a username attackers try: targeted by 44 IPs that guess credentials (141 failures from them)". */
  context: BenignContext;
}

/**
 * The usernames that IPs guessing credentials fail on (login-per-ip's null,
 * ipRisk.ts, at low risk or above; no reason column needed), with at least
 * `minIps` such IPs, and the benign context that says so. Any analysis of a
 * login log can describe a username with it: being busy, seen from many IPs
 * or at odd hours because attackers try it is no suspicion of the account.
 * Needs the ip, user and outcome roles.
 */
export function targetedUsernames(cx: AnalysisContext, src: LogSource = logSource(cx, false), minIps = 3): { guessing: Set<string>; targeted: Map<string, Targeted> } {
  const { ip, user } = src.col as Record<'ip' | 'user', string>;
  const perIp = cx.query(`SELECT ${ip}, count(*), coalesce(sum(${src.fail}), 0), count(DISTINCT CASE WHEN ${src.fail} THEN ${user} END) FROM ${src.from} WHERE ${ip} IS NOT NULL GROUP BY 1`).rows;
  const counts: IpCounts[] = perIp.map((r) => ({ ip: String(r[0]), attempts: Number(r[1]), failures: Number(r[2]), failedUsernames: Number(r[3]), byReason: new Map() }));
  const guessing = new Set(ipRisks(counts, []).risks.filter((x) => x.risk >= RISK_BANDS.low).map((x) => x.ip));
  const targeted = new Map<string, Targeted>();
  if (!guessing.size) return { guessing, targeted };
  const pairs = cx.query(`SELECT ${user}, ${ip}, count(*) FROM ${src.from} WHERE ${user} IS NOT NULL AND ${ip} IS NOT NULL AND ${src.fail} GROUP BY 1, 2`).rows;
  for (const [u, x, f] of pairs) {
    if (!guessing.has(String(x))) continue;
    const key = String(u);
    const t = targeted.get(key) ?? { ips: [], failures: 0, context: { kind: 'other', text: '' } };
    if (!t.ips.length) targeted.set(key, t);
    t.ips.push(String(x));
    t.failures += Number(f);
  }
  for (const [k, t] of targeted) {
    if (t.ips.length < minIps) targeted.delete(k);
    else t.context = { kind: 'other', text: `a username attackers try: targeted by ${t.ips.length} IPs that guess credentials (${t.failures} failures from them)` };
  }
  return { guessing, targeted };
}
