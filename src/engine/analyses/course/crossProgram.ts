/**
 * Cross-program access: students of one program reading another program's
 * material. A resource belongs to the program that reads it most, per
 * request of that program (so a large program does not own what every
 * program reads); it is another program's material only when that owner has
 * at least `ownShare` of these per-program shares (the home page, read by all,
 * belongs to nobody). Per direction (program → program): requests per month,
 * and a change point where it stops (the split of the daily counts, from the
 * first such request to the end of the log, that best fits two Poisson rates),
 * with the pauses of at least `quietDays` before it.
 *
 * Risk (docs/risk/course.md): a direction is an answer ("how much does program
 * 2 read of program 3, and when did it stop?"): risk 0, in the tables and the
 * chart, no suspect. A student: a Poisson tail of the student's cross requests
 * against the rate of its program's students, in units of the student's
 * requests per active day (requests come in sessions, not one by one).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { riskFromPoisson } from '../../findings/triage/risk';
import { evidenceOf, fmt, groupsOf, isoDay, logData, NO_DAY, PairCounts, VL, type GroupInfo } from './courseData';

/** A group whose end is not after its start (the real table's Staff) has no students: its members are no program's readers. */
export const isCohort = (g: GroupInfo | undefined): g is GroupInfo => !!g && g.end > g.start;

/** The best single split of a daily series into two Poisson rates: the first day of the second part, or -1. */
export function poissonChangePoint(counts: ArrayLike<number>, minSegment = 7): { at: number; before: number; after: number } {
  const n = counts.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i];
  const ll = (sum: number, len: number) => (sum > 0 ? sum * Math.log(sum / len) : 0);
  let best = { at: -1, before: 0, after: 0, gain: 0 };
  let left = 0;
  for (let t = 1; t < n; t++) {
    left += counts[t - 1];
    if (t < minSegment || n - t < minSegment) continue;
    const gain = ll(left, t) + ll(total - left, n - t) - ll(total, n);
    if (gain > best.gain) best = { at: t, before: left / t, after: (total - left) / (n - t), gain };
  }
  return best;
}

export const crossProgram: Analysis = {
  id: 'cross-program',
  title: "Students reading another program's material",
  description:
    "Requests by students of one program to resources that belong to another (the program that reads it most, per request of each program, with at least ownShare of it). Per direction: requests per month, the date after which it stops (a change point) and earlier pauses; findings on the directions and on the students.",
  needs: ['resource', 'group', 'user', 'time'],
  needsGroups: true,
  params: [
    { name: 'ownShare', description: "share of the per-program reading a program needs to own a resource", default: 0.8 },
    { name: 'minRequests', description: "fewest requests of a student to another program's material for a finding", default: 20 },
    { name: 'quietDays', description: 'days without such requests that count as stopped', default: 30 },
    { name: 'stopRatio', description: 'it stops when the rate after the change point is at most this share of the rate before', default: 0.1 },
  ],
  run(cx) {
    const data = logData(cx);
    const R = data.key('resource');
    const G = data.key('group');
    const U = data.key('user');
    const T = data.time();
    const groups = groupsOf(cx, G);
    const findings: Finding[] = [];
    if (!groups.hasProgram) {
      return { findings, tables: [{ title: 'Cross-program access needs programs', columns: ['note'], rows: [['the group table has no program column (role program); nothing to compare']] }], charts: [] };
    }
    const programs = [...new Set([...groups.byKey.values()].map((g) => g.program))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const pIndex = new Map(programs.map((p, i) => [p, i]));
    const progOf = groups.ofCode.map((g) => (isCohort(g) ? pIndex.get(g.program)! : -1));
    const per = new PairCounts(programs.length, R.keys.length);
    const perProgram = new Float64Array(programs.length);
    for (const line of data.lines) {
      const p = progOf[G.codes[line]];
      if (p < 0 || R.codes[line] === R.nullCode) continue;
      per.add(p, R.codes[line]);
      perProgram[p]++;
    }
    const ownShare = cx.num('ownShare');
    const owner = new Int32Array(R.keys.length).fill(-1);
    const ownerShare = new Float64Array(R.keys.length);
    for (let rc = 0; rc < R.keys.length; rc++) {
      let sum = 0;
      let best = -1;
      let bestShare = 0;
      for (let p = 0; p < programs.length; p++) {
        const share = perProgram[p] ? per.get(p, rc) / perProgram[p] : 0;
        sum += share;
        if (share > bestShare) {
          bestShare = share;
          best = p;
        }
      }
      if (best >= 0 && bestShare / sum >= ownShare) {
        owner[rc] = best;
        ownerShare[rc] = bestShare / sum;
      }
    }
    // cross rows: per direction and day, per user
    const nP = programs.length;
    const span = T.firstDay === NO_DAY ? 0 : T.lastDay - T.firstDay + 1;
    const daily = new Map<number, Float64Array>(); // direction (from * nP + to) → counts per day
    const userCross = new Map<number, { n: number; dirs: Set<number>; groups: Set<number>; resources: Set<number>; first: number; last: number }>();
    const userTotal = U.counts;
    for (const line of data.lines) {
      const p = progOf[G.codes[line]];
      if (p < 0) continue;
      const q = owner[R.codes[line]];
      if (q < 0 || q === p) continue;
      const dir = p * nP + q;
      if (T.day[line] !== NO_DAY) {
        let c = daily.get(dir);
        if (!c) daily.set(dir, (c = new Float64Array(span)));
        c[T.day[line] - T.firstDay]++;
      }
      const uc = U.codes[line];
      let u = userCross.get(uc);
      if (!u) userCross.set(uc, (u = { n: 0, dirs: new Set(), groups: new Set(), resources: new Set(), first: Infinity, last: -Infinity }));
      u.n++;
      if (T.day[line] !== NO_DAY) {
        u.first = Math.min(u.first, T.day[line]);
        u.last = Math.max(u.last, T.day[line]);
      }
      u.dirs.add(dir);
      u.groups.add(G.codes[line]);
      u.resources.add(R.codes[line]);
    }
    const quietDays = Math.max(1, cx.num('quietDays'));
    const stopRatio = cx.num('stopRatio');
    const dirName = (dir: number) => `${programs[Math.floor(dir / nP)]} → ${programs[dir % nP]}`;
    const dirRows: SqlValue[][] = [];
    const monthly: { dir: string; month: string; n: number }[] = [];
    const marks: { dir: string; stop: string }[] = [];
    const grp = cx.col('group');
    const res = cx.col('resource');
    const usr = cx.col('user');
    for (const [dir, c] of [...daily].sort((a, b) => a[0] - b[0])) {
      const p = Math.floor(dir / nP);
      const q = dir % nP;
      let first = -1;
      let last = -1;
      let total = 0;
      const months = new Map<string, number>();
      for (let i = 0; i < c.length; i++) {
        if (!c[i]) continue;
        if (first < 0) first = i;
        last = i;
        total += c[i];
        const m = isoDay(T.firstDay + i).slice(0, 7);
        months.set(m, (months.get(m) ?? 0) + c[i]);
      }
      for (const [month, n] of months) monthly.push({ dir: dirName(dir), month, n });
      // the change point is looked for from the first request on: before it there is nothing to stop
      const tail = c.subarray(first);
      const cp = poissonChangePoint(tail);
      let stopDay: number | undefined;
      if (cp.at > 0 && cp.after <= stopRatio * cp.before && tail.length - cp.at >= quietDays) {
        let k = cp.at - 1;
        while (k > 0 && !tail[k]) k--;
        stopDay = T.firstDay + first + k;
      }
      const pauses: string[] = [];
      const until = stopDay === undefined ? last : stopDay - T.firstDay;
      let prev = first;
      for (let i = first + 1; i <= until; i++) {
        if (!c[i]) continue;
        if (i - prev - 1 >= quietDays) pauses.push(`${isoDay(T.firstDay + prev + 1)} – ${isoDay(T.firstDay + i - 1)}`);
        prev = i;
      }
      const after = stopDay === undefined ? 0 : c.subarray(stopDay - T.firstDay + 1).reduce((s, v) => s + v, 0);
      if (stopDay !== undefined) marks.push({ dir: dirName(dir), stop: isoDay(stopDay) });
      const readers = [...userCross.values()].filter((u) => u.dirs.has(dir)).length;
      const share = total / Math.max(1, perProgram[p]);
      const score = Math.min(10, 3 + 30 * share);
      const qResources = [...R.keys.keys()].filter((rc) => owner[rc] === q);
      const pGroups = [...G.keys.keys()].filter((gc) => progOf[gc] === p);
      findings.push({
        id: findingId('cross-program', cx.table.table, 'group', dirName(dir)),
        analysis: 'cross-program',
        entity: { kind: 'group', value: `program ${dirName(dir)}` },
        score,
        // an answer (how much, since when, until when), not a departure: below low, so no suspect
        risk: 0,
        severity: 'info',
        reason: `students of program ${programs[p]} made ${fmt(total)} requests to program ${programs[q]}'s material (${(100 * share).toFixed(2)} % of their requests; ${readers} student${readers === 1 ? '' : 's'}), ${isoDay(T.firstDay + first)} – ${isoDay(T.firstDay + last)}${stopDay !== undefined ? `; it stops after ${isoDay(stopDay)}${after ? ` (${after} later)` : ''}` : ''}${pauses.length ? `; it had stopped before: ${pauses.join(', ')}` : ''}`,
        metrics: { from: programs[p], to: programs[q], requests: total, share: Number(share.toFixed(5)), students: readers, first: isoDay(T.firstDay + first), last: isoDay(T.firstDay + last), stopsAfter: stopDay === undefined ? null : isoDay(stopDay), pauses: pauses.join('; ') || null },
        evidence: evidenceOf(
          cx,
          data.lines,
          (line) => progOf[G.codes[line]] === p && owner[R.codes[line]] === q,
          `${grp} IN (${pGroups.map(() => '?').join(', ')}) AND ${res} IN (${qResources.map(() => '?').join(', ')})`,
          [...pGroups.map((gc) => G.keys[gc]), ...qResources.map((rc) => R.keys[rc])],
        ),
      });
      dirRows.push([programs[p], programs[q], total, readers, isoDay(T.firstDay + first), isoDay(T.firstDay + last), stopDay === undefined ? null : isoDay(stopDay), after, pauses.join('; ') || null]);
    }
    const minRequests = cx.num('minRequests');
    const userRows: SqlValue[][] = [];
    // each program's cross share: its students' requests to other programs' material over all their requests
    const crossOf = new Float64Array(nP);
    for (const [dir, c] of daily) crossOf[Math.floor(dir / nP)] += c.reduce((a, b) => a + b, 0);
    // days with requests per user (the unit of a student's reading: a session's pages come together)
    const activeDays = new Map<number, number>();
    for (const uc of userCross.keys()) {
      const days = new Set<number>();
      for (const line of U.linesOf(uc)) days.add(T.day[line]);
      activeDays.set(uc, Math.max(1, days.size));
    }
    const tested = [...userCross.keys()].filter((uc) => uc !== U.nullCode).length;
    for (const [uc, u] of userCross) {
      if (u.n < minRequests || uc === U.nullCode) continue;
      const name = U.keys[uc];
      const share = u.n / Math.max(1, userTotal[uc]);
      const score = Math.min(10, 3 + 7 * share);
      // the rate of the student's program(s), the student's own requests left out
      const home = [...new Set([...u.groups].map((gc) => progOf[gc]))];
      const homeCross = home.reduce((sum, p) => sum + crossOf[p], 0) - u.n;
      const homeTotal = home.reduce((sum, p) => sum + perProgram[p], 0) - userTotal[uc];
      const expected = (Math.max(0, homeCross) / Math.max(1, homeTotal)) * userTotal[uc];
      const clump = userTotal[uc] / activeDays.get(uc)!;
      const risk = riskFromPoisson(Math.round(u.n / clump), expected / clump, tested);
      const dirs = [...u.dirs].map(dirName).join(', ');
      // per reading program: its groups of this user and the resources read across; every such row is a cross row
      const clauses: string[] = [];
      const params: SqlValue[] = [name];
      for (const p of new Set([...u.groups].map((gc) => progOf[gc]))) {
        const gs = [...u.groups].filter((gc) => progOf[gc] === p);
        const rs = [...u.resources].filter((rc) => owner[rc] >= 0 && owner[rc] !== p);
        clauses.push(`(${grp} IN (${gs.map(() => '?').join(', ')}) AND ${res} IN (${rs.map(() => '?').join(', ')}))`);
        params.push(...gs.map((gc) => G.keys[gc]), ...rs.map((rc) => R.keys[rc]));
      }
      findings.push({
        id: findingId('cross-program', cx.table.table, 'user', String(name)),
        analysis: 'cross-program',
        entity: { kind: 'user', value: String(name) },
        // the months of its cross reading, and the direction(s): students reading across together are one incident
        ...(u.first <= u.last ? { window: { start: `${isoDay(u.first)}T00:00:00Z`, end: `${isoDay(u.last + 1)}T00:00:00Z` } } : {}),
        related: [...u.dirs].map((d) => ({ kind: 'group' as const, value: `program ${dirName(d)}` })),
        score,
        risk,
        severity: 'info',
        reason: `student ${name} made ${fmt(u.n)} requests to another program's material (${(100 * share).toFixed(1)} % of the student's ${fmt(userTotal[uc])}; program ${dirs})`,
        metrics: { requests: u.n, share: Number(share.toFixed(4)), directions: dirs, resources: u.resources.size, expected: Number(expected.toFixed(1)) },
        explain: { peers: `students of its program make ${((100 * Math.max(0, homeCross)) / Math.max(1, homeTotal)).toFixed(2)} % of their requests to other programs' material (${expected.toFixed(1)} of the student's ${fmt(userTotal[uc])} expected)` },
        evidence: evidenceOf(
          cx,
          U.linesOf(uc),
          (line) => {
            const p = progOf[G.codes[line]];
            const q = owner[R.codes[line]];
            return p >= 0 && q >= 0 && q !== p;
          },
          `${usr} = ? AND (${clauses.join(' OR ')})`,
          params,
        ),
      });
      userRows.push([name, u.n, Number(share.toFixed(4)), dirs, u.resources.size]);
    }
    userRows.sort((a, b) => Number(b[1]) - Number(a[1]));
    const owned = [...R.keys.keys()].filter((rc) => rc !== R.nullCode).map((rc): SqlValue[] => [String(R.keys[rc]), owner[rc] >= 0 ? programs[owner[rc]] : null, owner[rc] >= 0 ? Number(ownerShare[rc].toFixed(3)) : null]);
    owned.sort((a, b) => String(a[1] ?? '~').localeCompare(String(b[1] ?? '~'), 'en', { numeric: true }) || String(a[0]).localeCompare(String(b[0])));
    const x = { field: 'month', type: 'temporal', title: null };
    return {
      findings,
      tables: [
        { title: 'Directions (reading program → owning program)', columns: ['from', 'to', 'requests', 'students', 'first', 'last', 'stops after', 'requests after', 'earlier pauses'], rows: dirRows },
        { title: `Students with at least ${minRequests} requests to another program's material`, columns: ['user', 'requests', 'share of theirs', 'directions', 'resources'], rows: userRows },
        { title: 'Who owns each resource (none: read by several programs alike)', columns: ['resource', 'program', 'share'], rows: owned },
      ],
      charts: [
        {
          title: "Requests to another program's material per month, with the date it stops",
          spec: {
            $schema: VL,
            data: { values: [...monthly.map((m) => ({ ...m, month: `${m.month}-01` })), ...marks.map((m) => ({ dir: m.dir, stop: m.stop }))] },
            facet: { row: { field: 'dir', type: 'nominal', title: 'program → program' } },
            spec: {
              width: 560,
              height: 120,
              layer: [
                { transform: [{ filter: 'datum.month != null' }], mark: { type: 'bar' }, encoding: { x: { ...x, timeUnit: 'yearmonth' }, y: { field: 'n', type: 'quantitative', title: 'requests' }, tooltip: [{ field: 'month', type: 'temporal', timeUnit: 'yearmonth' }, { field: 'n' }] } },
                { transform: [{ filter: 'datum.stop != null' }], mark: { type: 'rule', color: 'red', strokeWidth: 2 }, encoding: { x: { field: 'stop', type: 'temporal' }, tooltip: [{ field: 'stop', title: 'stops after' }] } },
              ],
            },
            resolve: { scale: { y: 'independent' } },
          },
        },
      ],
    };
  },
};
