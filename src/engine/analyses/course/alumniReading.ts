/**
 * What alumni keep reading: requests made after the end date of the
 * requester's cohort, the top topics per program (a topic is the first path
 * segment of the resource), and how long after graduation. Findings on
 * alumni who keep reading a lot (robust z of the log count) or read one topic.
 *
 * Risk (docs/risk/course.md): reading a lot, the normal tail of the log-scale
 * z among the alumni; one topic, a Poisson tail of the requests to that topic
 * against the share its program's other alumni give it, in units of the
 * alumnus' requests per active day. The top topics are answers (tables, chart).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId, robustStats, robustZ } from '../../findings/model';
import { riskFromPoisson, riskFromZ } from '../../findings/triage/risk';
import { evidenceOf, fmt, groupsOf, isoDay, logData, NO_DAY, PairCounts, VL } from './courseData';
import { isCohort } from './crossProgram';

/** Folders that hold a whole site rather than one topic (the old course site kept every lesson under content/). */
const CONTAINERS = new Set(['content', 'contents', 'docs', 'doc', 'pages', 'page', 'lessons', 'lesson', 'curriculum', 'static', 'public', 'www', 'en']);

/**
 * The first path segment: `javascript-i/functions` → `javascript-i`; after a
 * container folder, the next one (`content/php_i/arrays.html` → `php_i`); the
 * home page (`/`, empty) → `(home)`.
 */
export function topicOf(resource: SqlValue): string {
  const parts = String(resource ?? '')
    .split(/[?#]/)[0]
    .split('/')
    .filter((x) => x !== '');
  let i = 0;
  while (i < parts.length - 1 && CONTAINERS.has(parts[i].toLowerCase())) i++;
  return parts.length ? parts[i] : '(home)';
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);

export const alumniReading: Analysis = {
  id: 'alumni-reading',
  title: 'What alumni keep reading',
  description:
    "Requests after the end date of the requester's cohort: top topics per program (a topic is the first path segment, after a container folder such as content/), days after graduation, and findings on alumni who keep reading a lot (robust z of the log of their count above z) or mostly one topic.",
  needs: ['resource', 'group', 'user', 'time'],
  needsGroups: true,
  params: [
    { name: 'top', description: 'topics listed per program', default: 10 },
    { name: 'z', description: "robust z-score (of the log of an alumnus' requests) above which it is a lot", default: 3.5 },
    { name: 'minRequests', description: 'fewest requests after graduation for a finding', default: 100 },
    { name: 'topicShare', description: 'share of one topic (home page aside) that counts as reading one topic', default: 0.8 },
  ],
  run(cx) {
    const data = logData(cx);
    const R = data.key('resource');
    const G = data.key('group');
    const U = data.key('user');
    const T = data.time();
    const groups = groupsOf(cx, G);
    const topics: string[] = [];
    const topicIndex = new Map<string, number>();
    const topicOfCode = R.keys.map((k) => {
      const t = topicOf(k);
      if (!topicIndex.has(t)) {
        topicIndex.set(t, topics.length);
        topics.push(t);
      }
      return topicIndex.get(t)!;
    });
    const home = topicIndex.get('(home)') ?? -1;
    const programs = [...new Set([...groups.byKey.values()].map((g) => g.program))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const pIndex = new Map(programs.map((p, i) => [p, i]));
    const perTopic = new PairCounts(programs.length, topics.length);
    const userTopic = new PairCounts(U.keys.length, topics.length);
    const alumniOfProgram = programs.map(() => new Set<number>());
    const daysAfter: number[][] = programs.map(() => []);
    const perUser = new Map<number, { n: number; groups: Set<number>; lastDay: number; maxAfter: number; days: Set<number>; program: number }>();
    const after = (line: number) => {
      const g = groups.ofCode[G.codes[line]];
      return isCohort(g) && T.day[line] !== NO_DAY && T.day[line] > g.end;
    };
    for (const line of data.lines) {
      if (!after(line)) continue;
      const g = groups.ofCode[G.codes[line]]!;
      const p = pIndex.get(g.program)!;
      const uc = U.codes[line];
      const tc = topicOfCode[R.codes[line]];
      perTopic.add(p, tc);
      alumniOfProgram[p].add(uc);
      const d = T.day[line] - g.end;
      daysAfter[p].push(d);
      if (uc === U.nullCode) continue;
      userTopic.add(uc, tc);
      let u = perUser.get(uc);
      if (!u) perUser.set(uc, (u = { n: 0, groups: new Set(), lastDay: T.day[line], maxAfter: 0, days: new Set(), program: p }));
      u.n++;
      u.days.add(T.day[line]);
      u.groups.add(G.codes[line]);
      u.lastDay = Math.max(u.lastDay, T.day[line]);
      u.maxAfter = Math.max(u.maxAfter, d);
    }
    const top = Math.max(1, cx.num('top'));
    const topicRows: SqlValue[][] = [];
    const chartTopics: { p: string; topic: string; n: number }[] = [];
    programs.forEach((p, pi) => {
      const list = topics.map((t, tc): [string, number] => [t, perTopic.get(pi, tc)]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const sum = list.reduce((s, [, n]) => s + n, 0);
      for (const [t, n] of list.slice(0, top)) {
        topicRows.push([p, t, n, Number((n / sum).toFixed(4)), alumniOfProgram[pi].size]);
        chartTopics.push({ p, topic: t, n });
      }
    });
    const afterRows: SqlValue[][] = programs
      .map((p, pi) => {
        const xs = [...daysAfter[pi]].sort((a, b) => a - b);
        return [p, xs.length, alumniOfProgram[pi].size, quantile(xs, 0.5), quantile(xs, 0.9), xs.length ? xs[xs.length - 1] : null] as SqlValue[];
      })
      .filter((r) => Number(r[1]) > 0);
    const stats = robustStats([...perUser.values()].map((u) => Math.log1p(u.n)));
    const median = robustStats([...perUser.values()].map((u) => u.n)).median;
    const zMin = cx.num('z');
    const minRequests = cx.num('minRequests');
    const topicShare = cx.num('topicShare');
    const findings: Finding[] = [];
    const userRows: SqlValue[][] = [];
    const usr = cx.col('user');
    const grp = cx.col('group');
    const tested = [...perUser.values()].filter((u) => u.n >= minRequests).length;
    const programNonHome = programs.map((_, pi) => topics.reduce((sum, _t, tc) => sum + (tc === home ? 0 : perTopic.get(pi, tc)), 0));
    for (const [uc, u] of perUser) {
      if (u.n < minRequests) continue;
      const name = U.keys[uc];
      let bestTopic = -1;
      let best = 0;
      let nonHome = 0;
      for (let tc = 0; tc < topics.length; tc++) {
        if (tc === home) continue;
        const n = userTopic.get(uc, tc);
        nonHome += n;
        if (n > best) {
          best = n;
          bestTopic = tc;
        }
      }
      const share = nonHome ? best / nonHome : 0;
      const z = robustZ(Math.log1p(u.n), stats);
      const texts: string[] = [];
      let score = 0;
      let risk = 0;
      if (z >= zMin) {
        texts.push(`${fmt(u.n)} requests after graduation (the median alumnus: ${median})`);
        score = Math.min(20, z);
        risk = riskFromZ(z, tested);
      }
      if (share >= topicShare && bestTopic >= 0) {
        // the share the program's other alumni give that topic (their non-home requests)
        const others = programNonHome[u.program] - nonHome;
        const p0 = others > 0 ? Math.max(0, perTopic.get(u.program, bestTopic) - best) / others : 0;
        const clump = u.n / Math.max(1, u.days.size);
        texts.push(`${(100 * share).toFixed(0)} % of them on one topic, ${topics[bestTopic]} (${fmt(best)}; the program's other alumni: ${(100 * p0).toFixed(1)} %)`);
        score = Math.max(score, 3 + (7 * (share - topicShare)) / Math.max(1e-9, 1 - topicShare));
        risk = Math.max(risk, riskFromPoisson(Math.round(best / clump), (nonHome * p0) / clump, tested));
      }
      if (!texts.length) continue;
      const gs = [...u.groups].map((gc) => groups.ofCode[gc]!);
      findings.push({
        id: findingId('alumni-reading', cx.table.table, 'user', String(name)),
        analysis: 'alumni-reading',
        entity: { kind: 'user', value: String(name) },
        score,
        risk,
        severity: 'info',
        reason: `alumnus ${name} of ${gs.map((g) => `${g.name} (ended ${g.endText})`).join(', ')}: ${texts.join('; ')}; last read ${isoDay(u.lastDay)}, ${u.maxAfter} days after the end`,
        metrics: { requests: u.n, topic: bestTopic >= 0 ? topics[bestTopic] : null, topicShare: Number(share.toFixed(3)), lastRead: isoDay(u.lastDay), daysAfterEnd: u.maxAfter, robustZ: Number(z.toFixed(2)) },
        evidence: evidenceOf(
          cx,
          U.linesOf(uc),
          after,
          `${usr} = ? AND (${gs.map(() => `(${grp} = ? AND _time >= ?)`).join(' OR ')})`,
          [name, ...gs.flatMap((g) => [G.keys[[...u.groups].find((gc) => groups.ofCode[gc] === g)!], isoDay(g.end + 1)])],
        ),
      });
      userRows.push([name, gs.map((g) => g.name).join(', '), u.n, bestTopic >= 0 ? topics[bestTopic] : null, Number(share.toFixed(3)), isoDay(u.lastDay), u.maxAfter]);
    }
    userRows.sort((a, b) => Number(b[2]) - Number(a[2]));
    return {
      findings,
      tables: [
        { title: `Top topics of alumni per program (top ${top})`, columns: ['program', 'topic', 'requests', 'share', 'alumni'], rows: topicRows },
        { title: 'Days after graduation, per program', columns: ['program', 'requests', 'alumni', 'median days', '90th percentile', 'most'], rows: afterRows },
        { title: 'Alumni flagged', columns: ['user', 'cohort', 'requests', 'top topic', 'share', 'last read', 'days after the end'], rows: userRows },
      ],
      charts: [
        {
          title: 'Days after graduation of alumni requests',
          spec: {
            $schema: VL,
            data: { values: programs.flatMap((p, pi) => daysAfter[pi].map((d) => ({ p, d }))) },
            mark: 'bar',
            encoding: {
              x: { field: 'd', type: 'quantitative', bin: { maxbins: 50 }, title: 'days after the end of the cohort' },
              y: { aggregate: 'count', type: 'quantitative', title: 'requests' },
              color: { field: 'p', type: 'nominal', title: 'program' },
            },
          },
        },
        {
          title: 'Top topics of alumni per program',
          spec: {
            $schema: VL,
            data: { values: chartTopics },
            facet: { row: { field: 'p', type: 'nominal', title: 'program' } },
            spec: { width: 360, height: { step: 14 }, mark: 'bar', encoding: { y: { field: 'topic', type: 'nominal', sort: '-x', title: null }, x: { field: 'n', type: 'quantitative', title: 'requests' } } },
            resolve: { scale: { y: 'independent' } },
          },
        },
      ],
    };
  },
};
