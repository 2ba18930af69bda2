/**
 * Accounts of a login log (analyses/login/accounts.ts): an account is loud when it
 * misbehaves — a burst of failures on it, beyond its own baseline, then a
 * success — and a username that IPs guessing credentials try is reported
 * low, with the benign context "targeted by N IPs", so that being busy, seen
 * from many IPs or at odd hours because attackers try it does not make it a
 * suspect (docs/risk/login.md).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { accountBursts, TARGETED_RISK, targetedUsernames, type UserMinute } from './accounts';
import { minuteText } from './minutes';
import { logSource, sourceEvidence } from './source';
import { spanText } from './failureBursts';

const ID = 'login-accounts';
const sig = (x: number) => Number(x.toPrecision(3));
/** Guessing IPs bound into a targeted username's evidence query; beyond this, its failed attempts from any IP. */
const MAX_EVIDENCE_IPS = 200;

export const loginAccounts: Analysis = {
  id: ID,
  title: 'Accounts: guessing that worked, and usernames attackers try',
  description:
    "Per username: a burst of failures beyond the account's own baseline followed by a success (Poisson tail among the user-minutes; loud), or failures from IPs that guess credentials ('targeted by N IPs': low, benign context, so attackers' interest alone does not make a username a suspect).",
  needs: ['ip', 'user', 'outcome', 'time'],
  params: [
    { name: 'minRisk', description: 'risk (0–100) from which a burst of failures on an account is a finding', default: 50 },
    { name: 'minTargetingIps', description: 'fewest guessing IPs failing on a username for it to be reported as targeted', default: 3 },
  ],
  run(cx) {
    const src = logSource(cx, false);
    const { ip, user, time } = src.col as Record<'ip' | 'user' | 'time', string>;
    const minRisk = cx.num('minRisk');
    const minIps = Math.max(1, cx.num('minTargetingIps'));
    const m = `CAST(strftime('%s', ${time}) AS INTEGER) / 60`;
    const cells: UserMinute[] = (
      cx.query(`SELECT ${user}, ${m} AS m, coalesce(sum(${src.fail}), 0), count(*) - coalesce(sum(${src.fail}), 0) FROM ${src.from} WHERE ${user} IS NOT NULL AND ${time} IS NOT NULL GROUP BY 1, 2 HAVING m IS NOT NULL`).rows as [SqlValue, number, number, number][]
    ).map(([u, mm, f, s]) => ({ user: String(u), m: mm, failures: f, successes: s }));
    const bursts = accountBursts(cells, cells.length, minRisk);
    const burstOf = new Map(bursts.map((b) => [b.user, b]));

    const { guessing, targeted } = targetedUsernames(cx, src, 1);

    const findings: Finding[] = [];
    for (const b of bursts) {
      const answered = b.successAt !== undefined;
      if (!answered && b.risk < minRisk) continue;
      const e = b.burst;
      const span = spanText(e.first, e.last);
      findings.push({
        id: findingId(ID, cx.table.table, 'user', b.user),
        analysis: ID,
        entity: { kind: 'user', value: b.user },
        score: e.total,
        risk: b.risk,
        severity: 'info',
        reason: `${b.user}: ${e.total} failures in ${span} (${e.minutes.length} minute(s)) where its own rate gives ${sig(e.expected)}${answered ? `, then a success at ${minuteText(b.successAt!).slice(11)}: guessing that worked` : '; no success followed: attacked, not (yet) misbehaving'}`,
        metrics: { burst: span, failuresInBurst: e.total, expected: sig(e.expected), ownRatePerMinute: sig(b.ownRate), populationRatePerMinute: sig(b.populationRate), successAfter: answered ? minuteText(b.successAt!) : null },
        evidence: sourceEvidence(cx, src, `${user} = ? AND ${time} >= ? AND ${time} < ?`, [b.user, `${minuteText(e.first)}:00`, `${minuteText(Math.max(e.last, b.successAt ?? e.last) + 1)}:00`]),
        window: { start: new Date(e.first * 60000).toISOString(), end: new Date((Math.max(e.last, b.successAt ?? e.last) + 1) * 60000).toISOString() },
        explain: { baseline: `the account fails ${sig(b.ownRate)} times in a minute of activity (its own history outside the burst, weighted with everyone's ${sig(b.populationRate)})`, counterfactual: answered ? 'without the success after the burst it would be low: an attacked account, not a misbehaving one' : undefined },
      });
    }
    for (const [u, t] of targeted) {
      if (t.ips.length < minIps || burstOf.get(u)?.successAt !== undefined) continue;
      findings.push({
        id: findingId(ID, cx.table.table, 'user', u),
        analysis: ID,
        entity: { kind: 'user', value: u },
        score: t.ips.length,
        risk: TARGETED_RISK,
        severity: 'info',
        reason: `${u}: targeted by ${t.ips.length} IPs (${t.failures} failures from IPs that guess credentials); the account itself shows no burst of failures followed by a success`,
        metrics: { targetingIps: t.ips.length, failuresFromThem: t.failures },
        evidence: t.ips.length <= MAX_EVIDENCE_IPS ? sourceEvidence(cx, src, `${user} = ? AND ${src.fail} AND ${ip} IN (${t.ips.map(() => '?').join(', ')})`, [u, ...t.ips]) : sourceEvidence(cx, src, `${user} = ? AND ${src.fail}`, [u]),
        context: [t.context],
        explain: { peers: `${guessing.size} IPs guess credentials in this log` },
      });
    }
    const rows: SqlValue[][] = [...targeted].sort((a, b) => b[1].ips.length - a[1].ips.length || (a[0] < b[0] ? -1 : 1)).slice(0, 50).map(([u, t]) => [u, t.ips.length, t.failures, burstOf.get(u)?.successAt !== undefined ? 'yes' : 'no']);
    return {
      findings,
      tables: [
        { title: `Usernames most targeted by guessing IPs (${guessing.size} such IPs)`, columns: ['username', 'guessing IPs', 'failures from them', 'burst then success'], rows },
        { title: 'Bursts of failures on accounts', columns: ['username', 'burst', 'failures', 'expected', 'success after', 'risk'], rows: bursts.map((b) => [b.user, spanText(b.burst.first, b.burst.last), b.burst.total, sig(b.burst.expected), b.successAt !== undefined ? minuteText(b.successAt) : null, b.risk]) },
      ],
      charts: [],
    };
  },
};
