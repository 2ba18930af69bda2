/**
 * Suspicious access on a site with accounts: users without a group (cohort),
 * users in several groups, IPs shared by unusually many users, users from
 * unusually many IPs, scraping (requests and distinct resources per minute,
 * resources requested in alphabetical order, activity round the clock,
 * machine-looking user agents) and bursts of requests from one IP.
 *
 * "Unusually many" is a robust z-score on a log scale (counts per user are
 * heavy-tailed) above a threshold, and a floor in plain numbers so that a
 * small log's quiet population does not make 3 requests a minute a finding.
 *
 * Risk (docs/risk/course.md): each signal's own, the finding's the strongest
 * plus the small bonus of combine.ts for the others. Log-scale z: the normal
 * tail among the users (or IPs) compared. Users sharing an IP: a Poisson null
 * of extra users per address. Several cohorts, round the clock, a machine user
 * agent: rules with stated risks. No cohort alone is a description (risk 0).
 * A shared egress address (many users over many days at ordinary rates) is
 * described as such (findings/triage/context.ts), so that ranking lowers it.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Evidence, Finding } from '../../findings/model';
import { failureCondition, findingId, robustStats } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { withinAnalysis } from '../../findings/triage/combine';
import { contextOf } from '../../findings/triage/context';
import { targetedUsernames } from '../login/accounts';
import { logZ, riskFromPoisson, riskFromZ, RISK_BANDS } from '../../findings/triage/risk';
import { evidenceOf, fmt, inTimeOrder, isoDay, isoTime, lineColumn, logData, NO_DAY, secondsOf, VL } from './courseData';

/** Clients that are programs, not people: crawlers, HTTP libraries, headless browsers. */
const MACHINE_AGENT = /bot\b|bot\/|crawl|spider|slurp|scrap|curl|wget|python|java\/|go-http|httpclient|http-client|okhttp|axios|node-fetch|libwww|headless|phantom|selenium|puppeteer|playwright|postman|insomnia|^-?$/i;

interface UserStats {
  requests: number;
  ips: number;
  groups: SqlValue[];
  onlyNullGroup: boolean;
  peakMinute: number;
  peakMinuteAt: number;
  peakDistinct: number;
  peakDistinctAt: number;
  run: number;
  runFirst: number;
  runLast: number;
  runFrom: string;
  runTo: string;
  hours: number;
  hoursDay: number;
  agents: number;
  agentExample: string;
}

/** Beyond 20 robust σ the number says no more; without a cap a population of 1-user IPs makes a campus IP score in the hundreds. */
const cap = (z: number) => Math.min(20, z);

/** Stated risks of the rule-like signals: an account in two groups (medium; three or more: high), a machine user agent (medium). */
export const RULE_RISK = { severalGroups: 60, manyGroups: 80, machineAgent: 60 };
/** Round the clock: 50 (medium) at the floor of hours, rising to 80 (high) at 24 hours of one day. */
export const roundTheClockRisk = (hours: number, floor: number): number => Math.round(10 * (RISK_BANDS.medium + (30 * (hours - floor)) / Math.max(1, 24 - floor))) / 10;

export const suspiciousAccess: Analysis = {
  id: 'suspicious-access',
  title: 'Suspicious access: accounts, shared IPs, scraping',
  description:
    'Users without a cohort or in several cohorts; IPs shared by unusually many users and users from unusually many IPs; scraping (requests and distinct resources per minute, resources requested in alphabetical order, activity round the clock, machine-looking user agents when a user-agent column exists); bursts of requests from one IP. Unusual = robust z-score of the log count above z, and at least the floor.',
  needs: ['user', 'ip', 'time'],
  params: [
    { name: 'z', description: 'robust z-score (of the log of a count) above which it is unusual', default: 3.5 },
    { name: 'perMinute', description: 'fewest requests by one user in one minute that count as scraping', default: 20 },
    { name: 'distinctPerMinute', description: 'fewest different resources by one user in one minute that count as scraping', default: 15 },
    { name: 'orderRun', description: 'fewest consecutive requests of one user in alphabetical order of resource', default: 20 },
    { name: 'hours', description: 'different hours of one day with requests by one user that count as round the clock', default: 18 },
    { name: 'minIps', description: 'fewest IPs of one user that can be unusual', default: 10 },
    { name: 'minUsers', description: 'fewest users of one IP that can be unusual', default: 5 },
    { name: 'burst', description: 'fewest requests from one IP in one minute that can be a burst', default: 30 },
  ],
  run(cx) {
    const data = logData(cx);
    const U = data.key('user');
    const I = data.key('ip');
    const T = data.time();
    const G = cx.column('group') ? data.key('group') : undefined;
    const R = cx.column('resource') ? data.key('resource') : undefined;
    const agentCol = cx.table.columns.find((c) => !c.role && /^(user[_ -]?agent|useragent|agent|ua|http_user_agent|cs\(user-agent\))$/i.test(c.name))?.name;
    const A = agentCol ? data.keyOf(agentCol) : undefined;
    const machine = A ? A.keys.map((k) => k !== null && MACHINE_AGENT.test(String(k).trim())) : [];
    // with an outcome column, a user's IPs are those it succeeded from: failures from many IPs are attempts on the
    // account (the login analyses' business), not an account used from many places
    const outcome = cx.column('outcome');
    const O = outcome ? data.keyOf(outcome) : undefined;
    const failedCode = new Uint8Array(O ? O.keys.length : 0);
    if (O && outcome) {
      const fail = failureCondition(cx.table, outcome);
      for (const [v, f] of cx.query(`SELECT DISTINCT ${quoteIdent(outcome)}, CASE WHEN ${fail} THEN 1 ELSE 0 END FROM ${cx.t}`).rows) {
        const k = O.keys.findIndex((x) => x === v);
        if (k >= 0 && Number(f) === 1) failedCode[k] = 1;
      }
    }
    const failedLine = (line: number) => !!O && failedCode[O.codes[line]] === 1;
    const zMin = cx.num('z');
    const usr = cx.col('user');
    const ipc = cx.col('ip');
    const L = lineColumn(cx);

    // alphabetical rank of each resource, for runs in listing order
    const rank = new Int32Array(R ? R.keys.length : 0).fill(-1);
    if (R) {
      const order = [...R.keys.keys()].filter((k) => k !== R.nullCode).sort((a, b) => (String(R.keys[a]) < String(R.keys[b]) ? -1 : 1));
      order.forEach((k, i) => (rank[k] = i));
    }
    const ipSeen = new Int32Array(I.keys.length).fill(-1);
    const groupSeen = new Int32Array(G ? G.keys.length : 0).fill(-1);
    // a stamp per (user, minute): a resource is new in this minute when its stamp is older
    const resSeen = new Int32Array(R ? R.keys.length : 0).fill(-1);
    let stamp = 0;
    const users = new Map<number, UserStats>();
    for (let uc = 0; uc < U.keys.length; uc++) {
      if (uc === U.nullCode) continue;
      const lines = inTimeOrder(U.linesOf(uc), T);
      const s: UserStats = { requests: lines.length, ips: 0, groups: [], onlyNullGroup: !!G, peakMinute: 0, peakMinuteAt: NaN, peakDistinct: 0, peakDistinctAt: NaN, run: 0, runFirst: 0, runLast: 0, runFrom: '', runTo: '', hours: 0, hoursDay: NO_DAY, agents: 0, agentExample: '' };
      let minute = NaN;
      let inMinute = 0;
      let distinct = 0;
      let day = NO_DAY;
      let hourBits = 0;
      let run = 0;
      let runStart = 0;
      let prevRank = -1;
      const closeDay = () => {
        let h = 0;
        for (let b = hourBits; b; b &= b - 1) h++;
        if (h > s.hours) {
          s.hours = h;
          s.hoursDay = day;
        }
      };
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const ic = I.codes[line];
        if (ic !== I.nullCode && ipSeen[ic] !== uc && !failedLine(line)) {
          ipSeen[ic] = uc;
          s.ips++;
        }
        if (G) {
          const gc = G.codes[line];
          if (gc !== G.nullCode) {
            s.onlyNullGroup = false;
            if (groupSeen[gc] !== uc) {
              groupSeen[gc] = uc;
              s.groups.push(G.keys[gc]);
            }
          }
        }
        if (A && machine[A.codes[line]]) {
          if (!s.agents) s.agentExample = String(A.keys[A.codes[line]] ?? '');
          s.agents++;
        }
        const at = secondsOf(T, line);
        if (Number.isNaN(at)) continue;
        const m = Math.floor(at / 60);
        if (m !== minute) {
          minute = m;
          inMinute = 0;
          distinct = 0;
          stamp++;
        }
        inMinute++;
        if (inMinute > s.peakMinute) {
          s.peakMinute = inMinute;
          s.peakMinuteAt = m;
        }
        const rc = R ? R.codes[line] : -1;
        if (R && rc !== R.nullCode) {
          if (resSeen[rc] !== stamp) {
            resSeen[rc] = stamp;
            distinct++;
            if (distinct > s.peakDistinct) {
              s.peakDistinct = distinct;
              s.peakDistinctAt = m;
            }
          }
          if (rank[rc] > prevRank && run > 0) run++;
          else {
            run = 1;
            runStart = i;
          }
          prevRank = rank[rc];
          if (run > s.run) {
            s.run = run;
            s.runFirst = lines[runStart];
            s.runLast = line;
            s.runFrom = String(R.keys[R.codes[lines[runStart]]]);
            s.runTo = String(R.keys[rc]);
          }
        }
        const d = T.day[line];
        if (d !== day) {
          if (day !== NO_DAY) closeDay();
          day = d;
          hourBits = 0;
        }
        hourBits |= 1 << Math.floor(T.sec[line] / 3600);
      }
      if (day !== NO_DAY) closeDay();
      users.set(uc, s);
    }

    // per IP: distinct users and the busiest minute
    const userSeen = new Int32Array(U.keys.length).fill(-1);
    const ips: { ic: number; users: number; peak: number; peakAt: number; requests: number }[] = [];
    for (let ic = 0; ic < I.keys.length; ic++) {
      if (ic === I.nullCode) continue;
      const lines = inTimeOrder(I.linesOf(ic), T);
      let n = 0;
      let minute = NaN;
      let inMinute = 0;
      let peak = 0;
      let peakAt = NaN;
      for (const line of lines) {
        const uc = U.codes[line];
        if (uc !== U.nullCode && userSeen[uc] !== ic) {
          userSeen[uc] = ic;
          n++;
        }
        const at = secondsOf(T, line);
        if (Number.isNaN(at)) continue;
        const m = Math.floor(at / 60);
        if (m !== minute) {
          minute = m;
          inMinute = 0;
        }
        if (++inMinute > peak) {
          peak = inMinute;
          peakAt = m;
        }
      }
      ips.push({ ic, users: n, peak, peakAt, requests: lines.length });
    }

    const all = [...users.values()];
    const stat = (f: (s: UserStats) => number) => robustStats(all.map((s) => Math.log1p(f(s))));
    const med = (f: (s: UserStats) => number) => robustStats(all.map(f)).median;
    // with an outcome, the peers are the accounts that exist (succeeded at least once), not the names attackers made up
    const accounts = O ? all.filter((s) => s.ips > 0) : all;
    const sIps = robustStats(accounts.map((s) => Math.log1p(s.ips)));
    const sRpm = stat((s) => s.peakMinute);
    const sDpm = stat((s) => s.peakDistinct);
    const sRun = stat((s) => s.run);
    const medians = { ips: robustStats(accounts.map((s) => s.ips)).median, rpm: med((s) => s.peakMinute), dpm: med((s) => s.peakDistinct), run: med((s) => s.run), hours: med((s) => s.hours) };
    // extra users per address (beyond the first): the Poisson null of users sharing an IP
    const extraUsers = ips.reduce((sum, x) => sum + Math.max(0, x.users - 1), 0) / Math.max(1, ips.length);
    const sUsers = robustStats(ips.map((x) => Math.log1p(x.users)));
    const sBurst = robustStats(ips.map((x) => Math.log1p(x.peak)));
    const ipMedians = { users: robustStats(ips.map((x) => x.users)).median, peak: robustStats(ips.map((x) => x.peak)).median };

    const minuteText = (m: number) => isoTime(Math.floor(m / 1440), (m % 1440) * 60).slice(0, 16);
    const minuteWindow = (m: number): [string, string] => [isoTime(Math.floor(m / 1440), (m % 1440) * 60), isoTime(Math.floor((m + 1) / 1440), ((m + 1) % 1440) * 60)];
    const inMinute = (m: number) => (line: number) => Math.floor(secondsOf(T, line) / 60) === m;
    const findings: Finding[] = [];
    const userRows: SqlValue[][] = [];
    // a username that attackers try has "many IPs" because they do: benign context from the login analyses (analyses/login/accounts.ts)
    const targeted = cx.column('outcome') ? targetedUsernames(cx).targeted : new Map();
    for (const [uc, s] of users) {
      const u = U.keys[uc];
      const signals: { name: string; score: number; risk: number; text: string; evidence?: () => Evidence }[] = [];
      const unusual = (v: number, floor: number, st: { median: number; scale: number }) => (v >= floor ? logZ(v, st) : 0);
      const nUsers = users.size;
      const firstOf = (codes: Int32Array, column: string, okOnly = false) => () => {
        // the user's first row with each value of a column (each IP, each cohort): the rows that make the count
        const seen = new Set<number>();
        const ok = okOnly && O && outcome ? ` AND NOT (${failureCondition(cx.table, outcome)})` : '';
        return evidenceOf(cx, U.linesOf(uc), (line) => !(ok && failedLine(line)) && !seen.has(codes[line]) && (seen.add(codes[line]), true), `${usr} = ? AND ${L} IN (SELECT min(${L}) FROM ${cx.t} WHERE ${usr} = ?${ok} GROUP BY ${column})`, [u, u]);
      };
      if (s.onlyNullGroup) signals.push({ name: 'no cohort', score: 3, risk: 0, text: `no cohort in any of its ${fmt(s.requests)} requests` });
      if (s.groups.length > 1)
        signals.push({ name: 'several cohorts', score: 4 + Math.min(6, s.groups.length - 2), risk: s.groups.length > 2 ? RULE_RISK.manyGroups : RULE_RISK.severalGroups, text: `seen in ${s.groups.length} cohorts (${s.groups.map(String).join(', ')})`, evidence: G ? firstOf(G.codes, cx.col('group')) : undefined });
      const zIps = unusual(s.ips, cx.num('minIps'), sIps);
      if (zIps >= zMin) signals.push({ name: 'many IPs', score: cap(zIps), risk: riskFromZ(zIps, accounts.length), text: `${fmt(s.ips)} different IPs${O ? ' it succeeded from' : ''} (the median user: ${medians.ips})`, evidence: firstOf(I.codes, ipc, true) });
      const zRpm = unusual(s.peakMinute, cx.num('perMinute'), sRpm);
      const minuteEvidence = (m: number) => () => {
        const [from, to] = minuteWindow(m);
        return evidenceOf(cx, U.linesOf(uc), inMinute(m), `${usr} = ? AND _time >= ? AND _time < ?`, [u, from, to]);
      };
      if (zRpm >= zMin) signals.push({ name: 'requests per minute', score: cap(zRpm), risk: riskFromZ(zRpm, nUsers), text: `${s.peakMinute} requests in the minute ${minuteText(s.peakMinuteAt)} (the median user's busiest minute: ${medians.rpm})`, evidence: minuteEvidence(s.peakMinuteAt) });
      const zDpm = unusual(s.peakDistinct, cx.num('distinctPerMinute'), sDpm);
      if (zDpm >= zMin) signals.push({ name: 'resources per minute', score: cap(zDpm), risk: riskFromZ(zDpm, nUsers), text: `${s.peakDistinct} different resources in the minute ${minuteText(s.peakDistinctAt)} (median: ${medians.dpm})`, evidence: minuteEvidence(s.peakDistinctAt) });
      const zRun = unusual(s.run, cx.num('orderRun'), sRun);
      if (zRun >= zMin)
        signals.push({
          name: 'alphabetical order',
          score: cap(zRun),
          risk: riskFromZ(zRun, nUsers),
          text: `${s.run} requests in a row in alphabetical order of resource, ${s.runFrom} … ${s.runTo} (median longest run: ${medians.run})`,
          evidence: () => evidenceOf(cx, U.linesOf(uc), (line) => line >= s.runFirst && line <= s.runLast, `${usr} = ? AND ${lineColumn(cx)} BETWEEN ? AND ?`, [u, s.runFirst, s.runLast]),
        });
      // hours of a day are bounded (24): the floor itself is the test, a person does not work 18 hours round the clock
      const hoursFloor = Math.max(1, Math.min(24, cx.num('hours')));
      if (s.hours >= hoursFloor)
        signals.push({
          name: 'round the clock',
          score: 3 + (7 * (s.hours - hoursFloor + 1)) / (25 - hoursFloor),
          risk: roundTheClockRisk(s.hours, hoursFloor),
          text: `requests in ${s.hours} different hours of ${isoDay(s.hoursDay)} (median: ${medians.hours})`,
          evidence: () => evidenceOf(cx, U.linesOf(uc), (line) => T.day[line] === s.hoursDay, `${usr} = ? AND _time >= ? AND _time < ?`, [u, isoDay(s.hoursDay), isoDay(s.hoursDay + 1)]),
        });
      if (s.agents && A)
        signals.push({
          name: 'machine user agent',
          score: 6,
          risk: RULE_RISK.machineAgent,
          text: `${fmt(s.agents)} requests with a machine-looking user agent (${s.agentExample || 'empty'})`,
          evidence: () => {
            const codes = machine.flatMap((isMachine, k) => (isMachine ? [k] : []));
            return evidenceOf(cx, U.linesOf(uc), (line) => machine[A.codes[line]], `${usr} = ? AND ${quoteIdent(A.column)} IN (${codes.map(() => '?').join(', ')})`, [u, ...codes.map((k) => A.keys[k])]);
          },
        });
      if (!signals.length) continue;
      const score = Math.max(...signals.map((x) => x.score));
      const risk = Math.round(10 * withinAnalysis(signals.map((x) => x.risk))) / 10;
      const strongest = [...signals].sort((a, b) => b.risk - a.risk || b.score - a.score).find((x) => x.evidence);
      findings.push({
        id: findingId('suspicious-access', cx.table.table, 'user', String(u)),
        analysis: 'suspicious-access',
        entity: { kind: 'user', value: String(u) },
        score,
        risk,
        severity: 'info',
        reason: `user ${u}: ${signals.map((x) => x.text).join('; ')}`,
        metrics: {
          signals: signals.map((x) => x.name).join(', '),
          requests: s.requests,
          cohorts: s.groups.map(String).join(' ') || null,
          ips: s.ips,
          peakPerMinute: s.peakMinute,
          peakDistinctPerMinute: s.peakDistinct,
          alphabeticalRun: s.run,
          hoursInOneDay: s.hours,
          machineAgentRequests: A ? s.agents : null,
        },
        evidence: strongest?.evidence ? strongest.evidence() : evidenceOf(cx, U.linesOf(uc), null, `${usr} = ?`, [u]),
        ...(targeted.has(String(u)) ? { context: [targeted.get(String(u))!.context] } : {}),
      });
      userRows.push([u, Number(score.toFixed(2)), signals.map((x) => x.name).join(', '), s.requests, s.groups.map(String).join(' ') || null, s.ips, s.peakMinute, s.peakDistinct, s.run, s.hours, A ? s.agents : null]);
    }
    const ipRows: SqlValue[][] = [];
    const ipFindings: { x: (typeof ips)[number]; texts: string[]; score: number; risk: number; evidence: () => Evidence }[] = [];
    for (const x of ips) {
      const ip = I.keys[x.ic];
      const texts: string[] = [];
      const signals: { score: number; risk: number; evidence: () => Evidence }[] = [];
      // users sharing it: extra users beyond the first, against a Poisson null of the log's mean extra users per address
      const usersRisk = x.users >= cx.num('minUsers') ? riskFromPoisson(x.users - 1, extraUsers, ips.length) : 0;
      if (usersRisk >= RISK_BANDS.low) {
        texts.push(`${fmt(x.users)} users share it (the median IP: ${ipMedians.users}; ${extraUsers.toFixed(2)} extra users per IP on average)`);
        // the rows that make it: each user's first request from it
        signals.push({ score: cap(logZ(x.users - 1, sUsers)), risk: usersRisk, evidence: () => {
          const seen = new Set<number>();
          return evidenceOf(cx, I.linesOf(x.ic), (line) => !seen.has(U.codes[line]) && (seen.add(U.codes[line]), true), `${ipc} = ? AND ${L} IN (SELECT min(${L}) FROM ${cx.t} WHERE ${ipc} = ? GROUP BY ${usr})`, [ip, ip]);
        } });
      }
      const zBurst = x.peak >= cx.num('burst') ? logZ(x.peak, sBurst) : 0;
      if (zBurst >= zMin) {
        texts.push(`a burst of ${x.peak} requests in the minute ${minuteText(x.peakAt)} (the median IP's busiest minute: ${ipMedians.peak})`);
        const [from, to] = minuteWindow(x.peakAt);
        signals.push({ score: cap(zBurst), risk: riskFromZ(zBurst, ips.length), evidence: () => evidenceOf(cx, I.linesOf(x.ic), inMinute(x.peakAt), `${ipc} = ? AND _time >= ? AND _time < ?`, [ip, from, to]) });
      }
      if (!signals.length) continue;
      const strongest = signals.reduce((a, b) => (b.risk > a.risk ? b : a));
      ipFindings.push({ x, texts, score: Math.max(...signals.map((g) => g.score)), risk: Math.round(10 * withinAnalysis(signals.map((g) => g.risk))) / 10, evidence: strongest.evidence });
    }
    const ipContext = contextOf(cx, 'ip', ipFindings.map((f) => I.keys[f.x.ic]));
    for (const { x, texts, score, risk, evidence } of ipFindings) {
      const ip = I.keys[x.ic];
      const context = ipContext.get(String(ip));
      findings.push({
        id: findingId('suspicious-access', cx.table.table, 'ip', String(ip)),
        analysis: 'suspicious-access',
        entity: { kind: 'ip', value: String(ip) },
        score,
        risk,
        severity: 'info',
        reason: `IP ${ip}: ${texts.join('; ')}; ${fmt(x.requests)} requests in all`,
        metrics: { users: x.users, peakPerMinute: x.peak, requests: x.requests },
        evidence: evidence(),
        ...(context ? { context } : {}),
      });
      ipRows.push([ip, Number(score.toFixed(2)), x.users, x.peak, x.requests]);
    }
    userRows.sort((a, b) => Number(b[1]) - Number(a[1]));
    ipRows.sort((a, b) => Number(b[1]) - Number(a[1]));
    const flaggedUsers = new Set(userRows.map((r) => String(r[0])));
    return {
      findings,
      tables: [
        { title: 'Flagged users', columns: ['user', 'score', 'signals', 'requests', 'cohorts', 'IPs', 'peak requests/min', 'peak resources/min', 'alphabetical run', 'hours in one day', 'machine-agent requests'], rows: userRows },
        { title: 'Flagged IPs', columns: ['ip', 'score', 'users', 'peak requests/min', 'requests'], rows: ipRows },
        {
          title: 'The typical user and IP (medians)',
          columns: ['measure', 'median'],
          rows: [
            ['IPs per user', medians.ips],
            ["user's busiest minute (requests)", medians.rpm],
            ["user's busiest minute (resources)", medians.dpm],
            ['longest alphabetical run', medians.run],
            ['most hours in one day', medians.hours],
            ['users per IP', ipMedians.users],
            ["IP's busiest minute", ipMedians.peak],
          ],
        },
      ],
      charts: [
        {
          title: 'Users: IPs and busiest minute',
          spec: {
            $schema: VL,
            data: { values: [...users].map(([uc, s]) => ({ user: String(U.keys[uc]), ips: s.ips, perMinute: s.peakMinute, hours: s.hours, flagged: flaggedUsers.has(String(U.keys[uc])) ? 'flagged' : 'not flagged' })) },
            mark: { type: 'point', filled: true, opacity: 0.7 },
            encoding: {
              x: { field: 'ips', type: 'quantitative', scale: { type: 'symlog' }, title: 'different IPs' },
              y: { field: 'perMinute', type: 'quantitative', scale: { type: 'symlog' }, title: 'requests in the busiest minute' },
              color: { field: 'flagged', type: 'nominal', title: null },
              tooltip: [{ field: 'user' }, { field: 'ips' }, { field: 'perMinute' }, { field: 'hours' }],
            },
          },
        },
      ],
    };
  },
};
