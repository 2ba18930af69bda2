/**
 * Course-site investigations: what is read most and least per program, a
 * cohort that over-uses a resource, students barely active while enrolled.
 * Generic by roles: the log's user, group and resource columns, and the group
 * table's group, start, end and program columns (e.g. cohorts.csv). A cohort
 * id written 8.0 in the log joins 8 in the table (see groupKey).
 * The counting runs over the shared column arrays of courseData.ts (why: see there).
 *
 * Risk (docs/risk/course.md): the busiest and least-read resources are
 * answers, not suspicions: their findings carry risk 0 (below low), so triage
 * leaves them out while the tables and chart keep them. Over-use: a Poisson
 * tail in units of students. Barely active: the lower normal tail of a
 * log-scale z among the students compared.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId, robustStats } from '../../findings/model';
import { logScale, logZ, riskFromPoisson, riskFromZ } from '../../findings/triage/risk';
import { compareText, evidenceOf, fmt, groupsOf, isoTime, logData, NO_DAY, PairCounts, VL, type GroupInfo } from './courseData';

const numeric = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Busiest and least-read resources, overall and per program (or per group without a program). */
export const busiestResources: Analysis = {
  id: 'busiest-resources',
  title: 'Busiest and least-read resources per program',
  description: 'Requests per resource overall and per program (per cohort when the group table has no program): the top N with shares, and the least-read resources of each program (a resource belongs to the program that reads it most).',
  needs: ['resource', 'group'],
  needsGroups: true,
  params: [{ name: 'top', description: 'resources listed per program', default: 10 }],
  run(cx) {
    const data = logData(cx);
    const R = data.key('resource');
    const G = data.key('group');
    const groups = groupsOf(cx, G);
    const top = Math.max(1, cx.num('top'));
    const programs = [...new Set([...groups.byKey.values()].map((g) => g.program))].sort(numeric);
    const pIndex = new Map(programs.map((p, i) => [p, i]));
    const progOfCode = groups.ofCode.map((g) => (g ? pIndex.get(g.program)! : -1));
    const per = new PairCounts(programs.length, R.keys.length);
    for (const line of data.lines) {
      const rc = R.codes[line];
      const p = progOfCode[G.codes[line]];
      if (rc !== R.nullCode && p >= 0) per.add(p, rc);
    }
    const name = (rc: number) => String(R.keys[rc]);
    const byCount = (a: [number, number], b: [number, number]) => b[1] - a[1] || compareText(name(a[0]), name(b[0]));
    const resources = [...R.keys.keys()].filter((rc) => rc !== R.nullCode);
    const total = resources.reduce((s, rc) => s + R.counts[rc], 0);
    const overall = resources.map((rc): [number, number] => [rc, R.counts[rc]]).sort(byCount).slice(0, top);
    // a resource belongs to the program that reads it most (ties: the first program)
    const owner = new Int32Array(R.keys.length).fill(-1);
    for (const rc of resources) {
      let best = 0;
      for (let p = 0; p < programs.length; p++) {
        const n = per.get(p, rc);
        if (n > best) {
          best = n;
          owner[rc] = p;
        }
      }
    }
    const label = groups.hasProgram ? 'program' : 'group';
    const topRows: SqlValue[][] = [];
    const leastRows: SqlValue[][] = [];
    const findings: Finding[] = [];
    for (let p = 0; p < programs.length; p++) {
      const list = resources.map((rc): [number, number] => [rc, per.get(p, rc)]).filter(([, n]) => n > 0).sort(byCount);
      if (!list.length) continue;
      const sum = list.reduce((s, [, n]) => s + n, 0);
      for (const [rc, n] of list.slice(0, top)) topRows.push([programs[p], name(rc), n, Number((n / sum).toFixed(4))]);
      const own = list.filter(([rc]) => owner[rc] === p);
      for (const [rc, n] of own.slice(-top).reverse()) leastRows.push([programs[p], name(rc), n]);
      const [r0, n0] = list[0];
      findings.push({
        id: findingId('busiest-resources', cx.table.table, 'resource', `${programs[p]}:${name(r0)}`),
        analysis: 'busiest-resources',
        entity: { kind: 'resource', value: name(r0) },
        score: 1,
        // an answer to "what is read most", not a departure from expected behaviour: below low, so no suspect
        risk: 0,
        severity: 'info',
        reason: `${name(r0)} is the most read resource of ${label} ${programs[p]}: ${fmt(n0)} requests, ${((100 * n0) / sum).toFixed(1)} % of its ${fmt(sum)}`,
        metrics: { program: programs[p], requests: n0, share: Number((n0 / sum).toFixed(4)) },
        evidence: evidenceOf(cx, R.linesOf(r0), null, `${cx.col('resource')} = ?`, [R.keys[r0]]),
      });
    }
    return {
      findings,
      tables: [
        { title: `Busiest resources overall (top ${top})`, columns: ['resource', 'requests', 'share'], rows: overall.map(([rc, n]) => [name(rc), n, Number((n / total).toFixed(4))]) },
        { title: `Busiest resources per ${label} (top ${top})`, columns: [label, 'resource', 'requests', 'share'], rows: topRows },
        { title: `Least-read resources per ${label} (of those it reads most)`, columns: [label, 'resource', 'requests'], rows: leastRows },
      ],
      charts: [
        {
          title: `Busiest resources per ${label}`,
          spec: {
            $schema: VL,
            data: { values: topRows.map(([p, r, n]) => ({ p: String(p), r, n })) },
            facet: { row: { field: 'p', type: 'nominal', title: label } },
            spec: { width: 360, height: { step: 14 }, mark: 'bar', encoding: { y: { field: 'r', type: 'nominal', sort: '-x', title: null }, x: { field: 'n', type: 'quantitative', title: 'requests' } } },
            // each program on its own scales: a small program's bars would be invisible beside a large one's (its own x axis says so)
            resolve: { scale: { x: 'independent', y: 'independent' }, axis: { x: 'independent' } },
          },
        },
      ],
    };
  },
};

/** Share of a group's enrollment that the log covers: cohorts seen only in part are not compared. */
function coverage(g: GroupInfo, firstDay: number, lastDay: number): number {
  const days = g.end - g.start + 1;
  if (!(days > 0)) return 0;
  return Math.max(0, Math.min(g.end, lastDay) - Math.max(g.start, firstDay) + 1) / days;
}

/** Resources of a program shown in the heatmap beside the flagged ones. */
const HEAT_RESOURCES = 15;

/** For each resource, a cohort whose requests per student while enrolled stand far above its program's other cohorts. */
export const cohortOveruse: Analysis = {
  id: 'cohort-overuse',
  title: 'A cohort that over-uses a resource',
  description:
    "Requests per student while enrolled, for each cohort and resource, against the median of the other cohorts of the same program; flags ratios above the threshold that are also minExcess requests per student above it. Only cohorts whose enrollment the log covers (90 % of its days or more) are compared: a cohort seen at its end only reads its last lessons.",
  needs: ['resource', 'group', 'user', 'time'],
  needsGroups: true,
  params: [
    { name: 'ratio', description: "flag a cohort whose rate is this many times its peers' median", default: 5 },
    { name: 'minRequests', description: 'fewest requests by the cohort to that resource', default: 50 },
    { name: 'minExcess', description: "fewest requests per student above the peers' median (a ratio of small rates is no over-use)", default: 5 },
  ],
  run(cx) {
    const data = logData(cx);
    const R = data.key('resource');
    const G = data.key('group');
    const U = data.key('user');
    const T = data.time();
    const groups = groupsOf(cx, G);
    const seen = new PairCounts(G.keys.length, U.keys.length);
    const enrolled = new PairCounts(G.keys.length, R.keys.length);
    for (const line of data.lines) {
      const gc = G.codes[line];
      const g = groups.ofCode[gc];
      if (!g) continue;
      seen.add(gc, U.codes[line]);
      const day = T.day[line];
      if (R.codes[line] !== R.nullCode && day >= g.start && day <= g.end) enrolled.add(gc, R.codes[line]);
    }
    const students = new Int32Array(G.keys.length);
    for (const [gc] of seen.entries()) students[gc]++;
    // a program's cohorts that the log covers, by code of the group column
    const cohortsOf = new Map<string, number[]>();
    for (let gc = 0; gc < G.keys.length; gc++) {
      const g = groups.ofCode[gc];
      if (!g || coverage(g, T.firstDay, T.lastDay) < 0.9) continue;
      cohortsOf.set(g.program, [...(cohortsOf.get(g.program) ?? []), gc]);
    }
    const threshold = cx.num('ratio');
    const minRequests = cx.num('minRequests');
    const minExcess = cx.num('minExcess');
    const findings: Finding[] = [];
    const heat: { c: string; r: string; rate: number }[] = [];
    const flaggedOf = new Map<number[], number[]>(); // a program's cohorts → its flagged resources
    const rate = (gc: number, rc: number) => enrolled.get(gc, rc) / Math.max(1, students[gc]);
    // the (cohort, resource) pairs compared: the tests of the risk's Bonferroni factor
    let tests = 0;
    for (const cohorts of cohortsOf.values()) if (cohorts.length >= 3) tests += cohorts.length * Math.max(1, R.keys.length - (R.nullCode >= 0 ? 1 : 0));
    for (const cohorts of cohortsOf.values()) {
      if (cohorts.length < 3) continue;
      for (let rc = 0; rc < R.keys.length; rc++) {
        if (rc === R.nullCode) continue;
        let flagged = false;
        for (const gc of cohorts) {
          const n = enrolled.get(gc, rc);
          if (n < minRequests) continue;
          const mine = rate(gc, rc);
          const peers = cohorts.filter((x) => x !== gc).map((x) => rate(x, rc));
          const { median } = robustStats(peers);
          const ratio = mine / Math.max(median, 1e-9);
          if (ratio < threshold || mine - median < minExcess) continue;
          flagged = true;
          const g = groups.ofCode[gc]!;
          const r = String(R.keys[rc]);
          const score = Math.min(ratio, 99);
          // in units of students: requests come in clumps (a student rereads a lesson), so the evidence is how many
          // students' worth of reading the cohort did where its peers' median rate predicts so much less
          const readers = new Set<number>();
          for (const line of R.linesOf(rc)) if (G.codes[line] === gc && T.day[line] >= g.start && T.day[line] <= g.end) readers.add(U.codes[line]);
          const clump = n / Math.max(1, readers.size);
          const risk = riskFromPoisson(Math.round(n / clump), (median * students[gc]) / clump, tests);
          findings.push({
            id: findingId('cohort-overuse', cx.table.table, 'group', `${g.key}:${r}`),
            analysis: 'cohort-overuse',
            entity: { kind: 'group', value: g.key },
            score,
            risk,
            severity: 'info',
            reason: `cohort ${g.name} reads ${r} ${mine.toFixed(1)} times per student while enrolled, ${median > 0 ? `${ratio.toFixed(1)}× the median of the other ${peers.length} cohorts of its program (${median.toFixed(2)})` : `while the other ${peers.length} cohorts of its program barely read it`}`,
            metrics: { cohort: g.name, resource: r, requests: n, readers: readers.size, perStudent: Number(mine.toFixed(3)), peersMedian: Number(median.toFixed(3)), ratio: Number.isFinite(ratio) ? Number(ratio.toFixed(2)) : null },
            explain: {
              peers: `the other ${peers.length} cohorts of its program read it ${median.toFixed(2)} times per student while enrolled (median)`,
              counterfactual: `it would not be flagged below ${(threshold * median).toFixed(1)} requests per student (${threshold}× the peers' median) or ${(median + minExcess).toFixed(1)} (${minExcess} above it)`,
            },
            evidence: evidenceOf(
              cx,
              R.linesOf(rc),
              (line) => G.codes[line] === gc && T.day[line] >= g.start && T.day[line] <= g.end,
              `${cx.col('group')} = ? AND ${cx.col('resource')} = ? AND _time >= ? AND _time < ?`,
              [G.keys[gc], R.keys[rc], g.startText, isoTime(g.end + 1, 0).slice(0, 10)],
            ),
          });
        }
        if (flagged) flaggedOf.set(cohorts, [...(flaggedOf.get(cohorts) ?? []), rc]);
      }
    }
    // the heatmap: each program with a flagged resource (else the program with most cohorts), its most read
    // resources beside the flagged ones, so an over-used lesson is seen against what the cohorts read anyway
    const programs = flaggedOf.size ? [...flaggedOf.keys()] : [...cohortsOf.values()].filter((c) => c.length >= 3).sort((a, b) => b.length - a.length).slice(0, 1);
    for (const cohorts of programs) {
      const total = (rc: number) => cohorts.reduce((sum, gc) => sum + enrolled.get(gc, rc), 0);
      const ranked = Array.from({ length: R.keys.length }, (_, rc) => rc).filter((rc) => rc !== R.nullCode).map((rc) => [rc, total(rc)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      const shown = [...new Set([...(flaggedOf.get(cohorts) ?? []), ...ranked.slice(0, HEAT_RESOURCES).map(([rc]) => rc)])];
      for (const rc of shown) for (const x of cohorts) heat.push({ c: groups.ofCode[x]!.name, r: String(R.keys[rc]), rate: Number(rate(x, rc).toFixed(3)) });
    }
    return {
      findings,
      tables: [
        {
          title: 'Cohorts over-using a resource',
          columns: ['cohort', 'resource', 'requests', 'per student', "peers' median", 'ratio'],
          rows: findings.map((f) => [f.metrics.cohort, f.metrics.resource, f.metrics.requests, f.metrics.perStudent, f.metrics.peersMedian, f.metrics.ratio]),
        },
      ],
      charts: [
        {
          title: 'Requests per student while enrolled, cohort × resource',
          spec: {
            $schema: VL,
            data: { values: heat },
            mark: 'rect',
            encoding: {
              x: { field: 'r', type: 'nominal', title: 'resource' },
              y: { field: 'c', type: 'nominal', title: 'cohort' },
              color: { field: 'rate', type: 'quantitative', title: 'per student' },
              tooltip: [{ field: 'c' }, { field: 'r' }, { field: 'rate' }],
            },
          },
        },
      ],
    };
  },
};

/** Students with the fewest accesses between their cohort's start and end dates. */
export const barelyActive: Analysis = {
  id: 'barely-active',
  title: 'Students barely active while enrolled',
  description:
    "Each student's accesses between the cohort's start and end dates, lowest first, with cohort, program, IPs, pages, first and last access, and whether activity came only after the end. Cohorts whose enrollment the log does not cover are left out; for one it covers in part, the threshold shrinks with the share covered.",
  needs: ['user', 'group', 'time'],
  needsGroups: true,
  params: [
    { name: 'minAccesses', description: 'a student with fewer accesses while enrolled is flagged', default: 10 },
    { name: 'top', description: 'students listed', default: 50 },
  ],
  run(cx) {
    const data = logData(cx);
    const U = data.key('user');
    const G = data.key('group');
    const T = data.time();
    const groups = groupsOf(cx, G);
    interface Student { uc: number; gc: number; total: number; during: number; after: number; first: number; last: number }
    const byPair = new Map<number, Student>();
    for (const line of data.lines) {
      const gc = G.codes[line];
      const uc = U.codes[line];
      const g = groups.ofCode[gc];
      const day = T.day[line];
      if (!g || uc === U.nullCode || day === NO_DAY) continue;
      const k = uc * G.keys.length + gc;
      let s = byPair.get(k);
      if (!s) byPair.set(k, (s = { uc, gc, total: 0, during: 0, after: 0, first: Infinity, last: -Infinity }));
      s.total++;
      if (day >= g.start && day <= g.end) s.during++;
      else if (day > g.end) s.after++;
      const at = day * 86400 + T.sec[line];
      if (at < s.first) s.first = at;
      if (at > s.last) s.last = at;
    }
    const min = cx.num('minAccesses');
    const covered = [...byPair.values()].filter((s) => coverage(groups.ofCode[s.gc]!, T.firstDay, T.lastDay) > 0);
    const name = (v: SqlValue) => String(v);
    covered.sort((a, b) => a.during - b.during || a.total - b.total || compareText(name(U.keys[a.uc]), name(U.keys[b.uc])));
    const { median } = robustStats(covered.map((s) => s.during));
    const top = Math.max(1, cx.num('top'));
    const flagged = covered.filter((s) => s.during < Math.max(1, min * coverage(groups.ofCode[s.gc]!, T.firstDay, T.lastDay)));
    // accesses while enrolled, extrapolated to the whole enrollment (a cohort seen in part), on a log scale among the students compared
    const fullTerm = (s: Student) => s.during / Math.max(1e-9, coverage(groups.ofCode[s.gc]!, T.firstDay, T.lastDay));
    const scale = logScale(covered.map(fullTerm));
    const listed = new Set([...covered.slice(0, top), ...flagged]);
    // distinct IPs and pages only for the students shown: a few indexed lookups instead of a pass over every row
    const extra = new Map<string, [SqlValue, SqlValue]>();
    const ip = cx.column('ip');
    const res = cx.column('resource');
    const usr = cx.col('user');
    const grp = cx.col('group');
    const users = [...new Set([...listed].map((s) => U.keys[s.uc]))];
    for (let i = 0; i < users.length; i += 500) {
      const chunk = users.slice(i, i + 500);
      const q = cx.query(
        `SELECT ${usr}, ${grp}, ${ip ? `count(DISTINCT "${ip.replace(/"/g, '""')}")` : 'NULL'}, ${res ? `count(DISTINCT "${res.replace(/"/g, '""')}")` : 'NULL'} FROM ${cx.t} WHERE ${usr} IN (${chunk.map(() => '?').join(',')}) AND ${grp} IS NOT NULL GROUP BY 1, 2`,
        chunk,
      );
      for (const [u, c, ips, pages] of q.rows) extra.set(`${name(u)}\u0000${name(c)}`, [ips, pages]);
    }
    const info = (s: Student) => {
      const g = groups.ofCode[s.gc]!;
      const [ips, pages] = extra.get(`${name(U.keys[s.uc])}\u0000${name(G.keys[s.gc])}`) ?? [null, null];
      return { g, ips, pages, first: isoTime(Math.floor(s.first / 86400), s.first % 86400), last: isoTime(Math.floor(s.last / 86400), s.last % 86400) };
    };
    const findings: Finding[] = flagged.map((s) => {
      const { g, ips, pages, first, last } = info(s);
      const u = U.keys[s.uc];
      const limit = Math.max(1, min * coverage(g, T.firstDay, T.lastDay));
      const score = 3 + 7 * (1 - s.during / limit);
      const onlyAfter = s.during === 0 && s.after > 0;
      // how far below the typical student: the lower normal tail of the log-scale z, among the students compared
      const z = -logZ(fullTerm(s), scale);
      return {
        id: findingId('barely-active', cx.table.table, 'user', name(u)),
        analysis: 'barely-active',
        entity: { kind: 'user', value: name(u) },
        score,
        risk: riskFromZ(z, covered.length),
        severity: 'info',
        reason: `student ${name(u)} of cohort ${g.name}${groups.hasProgram ? ` (program ${g.program})` : ''}: ${s.during} access${s.during === 1 ? '' : 'es'} while enrolled (${g.startText} – ${g.endText}; the median student: ${median})${onlyAfter ? `, activity only after the end date (${s.after})` : s.after ? `, ${s.after} after the end date` : ''}`,
        metrics: { cohort: g.name, program: groups.hasProgram ? g.program : null, during: s.during, after: s.after, total: s.total, first, last, ips: ips as number | null, pages: pages as number | null, onlyAfterEnd: onlyAfter ? 'yes' : 'no', logZ: Number(z.toFixed(2)) },
        explain: { peers: `the median student accessed the site ${median} times while enrolled`, counterfactual: `it would not be flagged with ${Math.ceil(limit)} accesses or more while enrolled` },
        evidence: evidenceOf(cx, U.linesOf(s.uc), null, `${usr} = ?`, [u]),
      };
    });
    return {
      findings,
      tables: [
        {
          title: `Students with the fewest accesses while enrolled (first ${top}; cohorts the log covers)`,
          columns: ['user', 'cohort', 'program', 'name', 'start', 'end', 'total', 'while enrolled', 'after end', 'first', 'last', 'IPs', 'pages'],
          rows: covered.slice(0, top).map((s) => {
            const { g, ips, pages, first, last } = info(s);
            return [U.keys[s.uc], G.keys[s.gc], groups.hasProgram ? g.program : null, g.name, g.startText, g.endText, s.total, s.during, s.after, first, last, ips, pages];
          }),
        },
      ],
      charts: [
        {
          title: 'Accesses while enrolled, per student',
          spec: {
            $schema: VL,
            data: { values: covered.map((s) => ({ during: s.during })) },
            mark: 'bar',
            encoding: { x: { field: 'during', type: 'quantitative', bin: { maxbins: 40 }, title: 'accesses while enrolled' }, y: { aggregate: 'count', type: 'quantitative', title: 'students' } },
          },
        },
      ],
    };
  },
};
