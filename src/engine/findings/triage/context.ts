/**
 * Benign context (issue #11, item 4): recognising entities that are busy or
 * odd for an ordinary reason, and saying so with the figures, so that ranking
 * (combine.ts, rule 4) lowers them unless something else about them stands
 * out. An analysis sets `finding.context` from these; nothing here changes a
 * risk by itself.
 *
 * - Shared egress / NAT: an address used by many users, over many days, each
 *   of them at an ordinary rate (a campus, an office, a carrier NAT). Seen
 *   on one day only it is no egress but an event (15 students behind one
 *   off-campus address for an afternoon), and an address whose events mostly
 *   fail is trying accounts, not carrying them.
 * - Crawlers and monitoring agents: recognised by their user agent.
 * - Service accounts: recognised by their name (svc-…, …$, backup, nagios…).
 * - Popular resources: read by a large share of the users (the home page,
 *   the lesson everyone is on).
 */
import type { SqlValue } from '../../store/database';
import type { AnalysisContext, BenignContext } from '../model';
import { quoteIdent } from '../../store/names';

const fmt = (n: number) => n.toLocaleString('en-US');
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Thresholds of the rules below (documented in docs/triage.md). */
export const CONTEXT = {
  /** Fewest users behind one address for it to be a shared egress. */
  egressUsers: 10,
  /** Fewest days with events: an address shared on one afternoon is an event, not an egress. */
  egressDays: 7,
  /** Its events per user and day at most this many times the log's typical user-day. */
  egressRate: 3,
  /** Most failed events (when the log has an outcome) for an address to carry accounts rather than try them. */
  egressFailShare: 0.2,
  /** Share of the users (or fewest users) that makes a resource popular. */
  popularShare: 0.2,
  popularUsers: 50,
};

export interface EgressStats {
  users: number;
  days: number;
  events: number;
  /** Distinct (user, day) pairs of the address. */
  userDays: number;
  /** The log's events per (user, day) pair, over every address: the typical rate. */
  typicalPerUserDay: number;
  /** Share of failed events, when the log has an outcome column. */
  failShare?: number;
}

/** A shared egress (NAT) address: many users, many days, each user at an ordinary rate; undefined when it is none. */
export function sharedEgress(s: EgressStats): BenignContext | undefined {
  if (s.users < CONTEXT.egressUsers || s.days < CONTEXT.egressDays || s.userDays <= 0) return undefined;
  if (s.failShare !== undefined && s.failShare > CONTEXT.egressFailShare) return undefined;
  const rate = s.events / s.userDays;
  if (rate > CONTEXT.egressRate * Math.max(1, s.typicalPerUserDay)) return undefined;
  return {
    kind: 'shared-egress',
    text: `shared egress (NAT): ${fmt(s.users)} users over ${fmt(s.days)} days, each at an ordinary rate (${round1(rate)} events per user and day; the log's typical user: ${round1(s.typicalPerUserDay)})`,
  };
}

/** Web crawlers and link checkers, by user agent. */
export const CRAWLER_AGENT = /bot\b|bot\/|crawl|spider|slurp|bingpreview|facebookexternalhit|ia_archiver|archive\.org|yandex|baiduspider|duckduck|semrush|ahrefs|mj12|linkcheck|feedfetcher|feedburner/i;
/** Uptime monitors, health checks and probes, by user agent. */
export const MONITOR_AGENT = /nagios|zabbix|icinga|pingdom|uptimerobot|statuscake|site24x7|datadog|newrelic|prometheus|blackbox[-_ ]exporter|kube-probe|elb-healthchecker|googlehc|health[-_ ]?check|check_http|monit\/|uptime[-_ ]?kuma|consul|sensu/i;

/** A crawler or monitoring agent, from a user-agent string; undefined for anything else. */
export function agentContext(agent: string | null | undefined, share = 1): BenignContext | undefined {
  const a = String(agent ?? '').trim();
  if (!a) return undefined;
  const part = share < 1 ? ` (${Math.round(share * 100)} % of its events)` : '';
  if (MONITOR_AGENT.test(a)) return { kind: 'monitoring', text: `a monitoring agent or health check${part}: ${a.slice(0, 120)}` };
  if (CRAWLER_AGENT.test(a)) return { kind: 'crawler', text: `a web crawler${part}: ${a.slice(0, 120)}` };
  return undefined;
}

/** Account names that programs use, not people. */
export const SERVICE_ACCOUNT = /^(svc|service|srv|sa|sys|app|bot|robot|daemon|batch|job|cron|ci|build|deploy|monitor(ing)?|backup|sync|scanner)[-_.]|[-_.](svc|service|bot|daemon|sync|backup|monitor)$|^(system|localsystem|local service|network service|daemon|nobody|backup|monitor(ing)?|nagios|zabbix|prometheus|jenkins|gitlab-runner|ci|deploy|healthcheck|www-data|apache|nginx|httpd|postgres|mysql|oracle|sync|cron|noreply|no-reply|mailer-daemon|postmaster|anonymous|ftp|ansible|puppet|chef|splunk|elastic|kibana|logstash|sqlservice|mssqlserver)$|\$$/i;

/** A service account, from its name; undefined for a person's account. */
export function serviceAccount(name: string | null | undefined): BenignContext | undefined {
  const n = String(name ?? '').trim();
  if (!n || !SERVICE_ACCOUNT.test(n)) return undefined;
  return { kind: 'service-account', text: `a service account (by its name, ${n.slice(0, 80)}): programs are busy, regular and at odd hours by nature` };
}

/** A popular resource: read by a large share of the users; undefined otherwise. */
export function popularResource(users: number, totalUsers: number, who = 'users'): BenignContext | undefined {
  if (!(totalUsers > 0) || users < Math.min(CONTEXT.popularUsers, CONTEXT.popularShare * totalUsers) || users / totalUsers < CONTEXT.popularShare / 2) return undefined;
  return { kind: 'popular', text: `a popular resource: read by ${fmt(users)} of the ${fmt(totalUsers)} ${who} (${Math.round((100 * users) / totalUsers)} %)` };
}

/** The column of a table that holds user agents (by name; no role plays it). */
export function agentColumn(cx: AnalysisContext): string | undefined {
  return cx.table.columns.find((c) => c.role !== 'user' && /^(user[_ -]?agent|useragent|agent|ua|http_user_agent|cs\(user-agent\)|user_agent\.original)$/i.test(c.name))?.name;
}

const chunks = <T>(xs: T[], n = 400): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

/**
 * Benign context of some entities of a table, by SQL over their rows only (a
 * few indexed lookups): for IPs shared egress and agents; for users service
 * accounts and agents; for resources popularity. Keys are the values as text.
 */
/** The window query's rows without window functions (a store without OVER): counts per entity and agent, the commonest agent and the entity's total picked here. */
function topAgents(cx: AnalysisContext, q: string, agent: string, part: SqlValue[]): SqlValue[][] {
  const rows = cx.query(`SELECT ${q} AS k, ${quoteIdent(agent)} AS a, count(*) AS n FROM ${cx.t} WHERE ${q} IN (${part.map(() => '?').join(',')}) GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`, part).rows;
  const best = new Map<string, SqlValue[]>();
  for (const [k, a, n] of rows) {
    const b = best.get(String(k));
    if (b) b[3] = Number(b[3]) + Number(n);
    else best.set(String(k), [k, a, n, n]);
  }
  return [...best.values()];
}

export function contextOf(cx: AnalysisContext, kind: 'ip' | 'user' | 'resource' | 'group', values: SqlValue[], failed?: string): Map<string, BenignContext[]> {
  const out = new Map<string, BenignContext[]>();
  const add = (v: SqlValue, c: BenignContext | undefined) => {
    if (!c) return;
    const k = String(v);
    out.set(k, [...(out.get(k) ?? []), c]);
  };
  if (values.length === 0 || kind === 'group') return out;
  const col = cx.column(kind);
  if (!col) return out;
  const q = quoteIdent(col);
  const user = cx.column('user');
  const time = cx.column('time');
  const agent = agentColumn(cx);
  if (kind === 'user') for (const v of values) add(v, serviceAccount(String(v)));
  if (agent && kind !== 'resource') {
    // the entity's most common agent, and its share of the entity's events
    for (const part of chunks(values)) {
      const rows = cx.windows === false ? topAgents(cx, q, agent, part) : cx.query(`SELECT k, a, n, total FROM (SELECT ${q} AS k, ${quoteIdent(agent)} AS a, count(*) AS n, sum(count(*)) OVER (PARTITION BY ${q}) AS total, row_number() OVER (PARTITION BY ${q} ORDER BY count(*) DESC) AS r FROM ${cx.t} WHERE ${q} IN (${part.map(() => '?').join(',')}) GROUP BY 1, 2) WHERE r = 1`, part).rows;
      for (const [k, a, n, total] of rows) if (Number(n) >= 0.5 * Number(total)) add(k, agentContext(a === null ? null : String(a), Number(n) / Number(total)));
    }
  }
  if (kind === 'ip' && user && user !== col) {
    const u = quoteIdent(user);
    const day = time ? `substr(${quoteIdent(time)}, 1, 10)` : "''";
    const typical = cx.query(`SELECT count(*), count(DISTINCT ${u} || '|' || ${day}) FROM ${cx.t} WHERE ${u} IS NOT NULL`).rows[0];
    const typicalPerUserDay = Number(typical[1]) > 0 ? Number(typical[0]) / Number(typical[1]) : 0;
    for (const part of chunks(values)) {
      const rows = cx.query(
        `SELECT ${q}, count(DISTINCT ${u}), count(DISTINCT ${day}), count(*), count(DISTINCT ${u} || '|' || ${day}), ${failed ? `avg(CASE WHEN ${failed} THEN 1.0 ELSE 0 END)` : 'NULL'} FROM ${cx.t} WHERE ${q} IN (${part.map(() => '?').join(',')}) AND ${u} IS NOT NULL GROUP BY 1`,
        part,
      ).rows;
      for (const [k, users, days, events, userDays, fail] of rows) {
        add(k, sharedEgress({ users: Number(users), days: time ? Number(days) : 0, events: Number(events), userDays: Number(userDays), typicalPerUserDay, failShare: fail === null ? undefined : Number(fail) }));
      }
    }
  }
  // popularity by users, or by client addresses where the log names no users (a web server's access log)
  const reader = user ?? cx.column('ip');
  if (kind === 'resource' && reader) {
    const u = quoteIdent(reader);
    const total = Number(cx.query(`SELECT count(DISTINCT ${u}) FROM ${cx.t}`).rows[0][0]);
    for (const part of chunks(values)) {
      const rows = cx.query(`SELECT ${q}, count(DISTINCT ${u}) FROM ${cx.t} WHERE ${q} IN (${part.map(() => '?').join(',')}) GROUP BY 1`, part).rows;
      for (const [k, users] of rows) add(k, popularResource(Number(users), total, user ? 'users' : 'clients (IPs)'));
    }
  }
  return out;
}
