/**
 * Course-site investigations: what is read most and least per program, a
 * cohort that over-uses a resource, students barely active while enrolled.
 * Generic by roles: the log's user, group and resource columns, and the group
 * table's group, start, end and program columns (e.g. cohorts.csv). A cohort
 * id written 8.0 in the log joins 8 in the table: SQLite compares the numbers.
 */
import type { SqlValue } from '../database';
import type { Analysis, Finding, GroupTable } from '../findings';
import { findingId, robustStats, severityOf } from '../findings';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

function groupsOf(g: GroupTable | undefined): GroupTable {
  if (!g) throw new Error('the group table is missing'); // missingRoles() prevents this
  return g;
}

/** Busiest and least-read resources, overall and per program (or per group without a program). */
export const busiestResources: Analysis = {
  id: 'busiest-resources',
  title: 'Busiest and least-read resources per program',
  description: 'Requests per resource overall and per program (per cohort when the group table has no program): the top N with shares, and the least-read resources of each program (a resource belongs to the program that reads it most).',
  needs: ['resource', 'group'],
  needsGroups: true,
  params: [{ name: 'top', description: 'resources listed per program', default: 10 }],
  run(cx) {
    const res = cx.col('resource');
    const grp = cx.col('group');
    const g = groupsOf(cx.groups());
    const top = Math.max(1, cx.num('top'));
    const overall = cx.query(`SELECT ${res} AS resource, count(*) AS n FROM ${cx.t} WHERE ${res} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`, [top]).rows;
    const total = Number(cx.query(`SELECT count(*) FROM ${cx.t} WHERE ${res} IS NOT NULL`).rows[0][0]);
    // aggregate the log first (one pass), then join the few thousand groups to the group table
    const pkey = g.program ? `g.${g.program}` : `a.c`;
    const per = cx.query(
      `SELECT ${pkey} AS p, a.r, sum(a.n) AS n FROM (SELECT ${grp} AS c, ${res} AS r, count(*) AS n FROM ${cx.t} WHERE ${res} IS NOT NULL AND ${grp} IS NOT NULL GROUP BY 1, 2) a JOIN ${g.t} g ON g.${g.group} = a.c GROUP BY 1, 2`,
    ).rows as [SqlValue, string, number][];
    const byProgram = new Map<string, [string, number][]>();
    const owner = new Map<string, { p: string; n: number }>();
    for (const [p, r, n] of per) {
      const k = String(p);
      byProgram.set(k, [...(byProgram.get(k) ?? []), [r, n]]);
      if (!owner.has(r) || owner.get(r)!.n < n) owner.set(r, { p: k, n });
    }
    const topRows: SqlValue[][] = [];
    const leastRows: SqlValue[][] = [];
    const findings: Finding[] = [];
    for (const [p, list] of [...byProgram.entries()].sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))) {
      const sum = list.reduce((s, [, n]) => s + n, 0);
      const sorted = [...list].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      for (const [r, n] of sorted.slice(0, top)) topRows.push([p, r, n, Number((n / sum).toFixed(4))]);
      const own = sorted.filter(([r]) => owner.get(r)?.p === p);
      for (const [r, n] of own.slice(-top).reverse()) leastRows.push([p, r, n]);
      const [r0, n0] = sorted[0];
      findings.push({
        id: findingId('busiest-resources', cx.table.table, 'resource', `${p}:${r0}`),
        analysis: 'busiest-resources',
        entity: { kind: 'resource', value: r0 },
        score: 1,
        severity: severityOf(1),
        reason: `${r0} is the most read resource of ${g.program ? 'program' : 'group'} ${p}: ${n0.toLocaleString('en-US')} requests, ${((100 * n0) / sum).toFixed(1)} % of its ${sum.toLocaleString('en-US')}`,
        metrics: { program: p, requests: n0, share: Number((n0 / sum).toFixed(4)) },
        evidence: cx.evidence(`${res} = ?`, [r0]),
      });
    }
    const label = g.program ? 'program' : 'group';
    return {
      findings,
      tables: [
        { title: `Busiest resources overall (top ${top})`, columns: ['resource', 'requests', 'share'], rows: overall.map(([r, n]) => [r, n, Number((Number(n) / total).toFixed(4))]) },
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
            resolve: { scale: { y: 'independent' } },
          },
        },
      ],
    };
  },
};

/** For each resource, a cohort whose requests per student stand far above its program's other cohorts. */
export const cohortOveruse: Analysis = {
  id: 'cohort-overuse',
  title: 'A cohort that over-uses a resource',
  description: "Requests per student for each cohort and resource, against the median of the other cohorts of the same program; flags ratios above the threshold.",
  needs: ['resource', 'group', 'user'],
  needsGroups: true,
  params: [
    { name: 'ratio', description: "flag a cohort whose rate is this many times its peers' median", default: 5 },
    { name: 'minRequests', description: 'fewest requests by the cohort to that resource', default: 50 },
  ],
  run(cx) {
    const res = cx.col('resource');
    const grp = cx.col('group');
    const usr = cx.col('user');
    const g = groupsOf(cx.groups());
    const prog = g.program ? `g.${g.program}` : `0`;
    const students = new Map(
      (cx.query(`SELECT l.${grp}, count(DISTINCT l.${usr}) FROM ${cx.t} l WHERE l.${grp} IS NOT NULL GROUP BY 1`).rows as [number | string, number][]).map(([c, n]) => [String(c), n]),
    );
    const cohortsOf = new Map<string, string[]>();
    const names = new Map<string, string>();
    for (const [c, p, name] of cx.query(`SELECT g.${g.group}, ${prog}, ${g.name ? `g.${g.name}` : 'NULL'} FROM ${g.t} g`).rows as [SqlValue, SqlValue, SqlValue][]) {
      if (!students.has(String(c))) continue;
      cohortsOf.set(String(p), [...(cohortsOf.get(String(p)) ?? []), String(c)]);
      if (name !== null) names.set(String(c), String(name));
    }
    const rows = cx.query(
      `SELECT a.c, ${prog} AS p, a.r, a.n FROM (SELECT ${grp} AS c, ${res} AS r, count(*) AS n FROM ${cx.t} WHERE ${res} IS NOT NULL AND ${grp} IS NOT NULL GROUP BY 1, 2) a JOIN ${g.t} g ON g.${g.group} = a.c`,
    ).rows as [SqlValue, SqlValue, string, number][];
    const rate = new Map<string, number>(); // `${p}|${r}|${c}` → requests per student
    const requests = new Map<string, number>();
    const pairs = new Set<string>();
    for (const [c, p, r, n] of rows) {
      const k = `${p}|${r}|${c}`;
      rate.set(k, n / Math.max(1, students.get(String(c)) ?? 1));
      requests.set(k, n);
      pairs.add(`${p}|${r}`);
    }
    const threshold = cx.num('ratio');
    const minRequests = cx.num('minRequests');
    const findings: Finding[] = [];
    const heat: { c: string; r: string; rate: number }[] = [];
    for (const pr of pairs) {
      const [p, r] = [pr.slice(0, pr.indexOf('|')), pr.slice(pr.indexOf('|') + 1)];
      const cohorts = cohortsOf.get(p) ?? [];
      if (cohorts.length < 3) continue;
      for (const c of cohorts) {
        const mine = rate.get(`${p}|${r}|${c}`) ?? 0;
        const n = requests.get(`${p}|${r}|${c}`) ?? 0;
        if (n < minRequests) continue;
        const peers = cohorts.filter((x) => x !== c).map((x) => rate.get(`${p}|${r}|${x}`) ?? 0);
        const { median } = robustStats(peers);
        const ratio = mine / Math.max(median, 1e-9);
        if (ratio < threshold) continue;
        const cname = names.get(c) ?? c;
        const score = Math.min(ratio, 99);
        findings.push({
          id: findingId('cohort-overuse', cx.table.table, 'group', `${c}:${r}`),
          analysis: 'cohort-overuse',
          entity: { kind: 'group', value: c },
          score,
          severity: severityOf(score),
          reason: `cohort ${cname} reads ${r} ${mine.toFixed(1)} times per student, ${median > 0 ? `${ratio.toFixed(1)}× the median of the other ${peers.length} cohorts of its program (${median.toFixed(2)})` : `while the other ${peers.length} cohorts of its program barely read it`}`,
          metrics: { cohort: cname, resource: r, requests: n, perStudent: Number(mine.toFixed(3)), peersMedian: Number(median.toFixed(3)), ratio: Number.isFinite(ratio) ? Number(ratio.toFixed(2)) : null },
          evidence: cx.evidence(`${grp} = ? AND ${res} = ?`, [Number.isNaN(Number(c)) ? c : Number(c), r]),
        });
        for (const x of cohorts) heat.push({ c: names.get(x) ?? x, r, rate: Number((rate.get(`${p}|${r}|${x}`) ?? 0).toFixed(3)) });
      }
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
          title: 'Requests per student, cohort × resource',
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
  description: "Each student's accesses between the cohort's start and end dates, lowest first, with cohort, program, IPs, pages, first and last access, and whether activity came only after the end.",
  needs: ['user', 'group', 'time'],
  needsGroups: true,
  params: [
    { name: 'minAccesses', description: 'a student with fewer accesses while enrolled is flagged', default: 10 },
    { name: 'top', description: 'students listed', default: 50 },
  ],
  run(cx) {
    const usr = cx.col('user');
    const grp = cx.col('group');
    const g = groupsOf(cx.groups());
    const ip = cx.column('ip');
    const res = cx.column('resource');
    const rows = cx.query(
      // per student, cohort and day first (one pass over the log), then the few days are compared with the cohort's dates
      `WITH d AS (SELECT ${usr} AS u, ${grp} AS c, substr(_time, 1, 10) AS day, count(*) AS n, min(_time) AS first, max(_time) AS last
                  FROM ${cx.t} WHERE ${usr} IS NOT NULL AND ${grp} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2, 3),
            x AS (SELECT ${usr} AS u, ${grp} AS c, ${ip ? `count(DISTINCT "${ip.replace(/"/g, '""')}")` : 'NULL'} AS ips, ${res ? `count(DISTINCT "${res.replace(/"/g, '""')}")` : 'NULL'} AS pages
                  FROM ${cx.t} WHERE ${usr} IS NOT NULL AND ${grp} IS NOT NULL GROUP BY 1, 2)
       SELECT d.u, d.c, ${g.program ? `g.${g.program}` : 'NULL'} AS p, ${g.name ? `g.${g.name}` : 'NULL'} AS name,
        g.${g.start} AS start, g.${g.end} AS "end", sum(d.n) AS total,
        sum(CASE WHEN d.day >= g.${g.start} AND d.day <= g.${g.end} THEN d.n ELSE 0 END) AS during,
        sum(CASE WHEN d.day > g.${g.end} THEN d.n ELSE 0 END) AS after,
        min(d.first) AS first, max(d.last) AS last, x.ips, x.pages
       FROM d JOIN ${g.t} g ON g.${g.group} = d.c JOIN x ON x.u = d.u AND x.c = d.c
       GROUP BY 1, 2 ORDER BY during, total, d.u`,
    );
    const min = cx.num('minAccesses');
    const { median } = robustStats(rows.rows.map((r) => Number(r[7])));
    const findings: Finding[] = [];
    for (const r of rows.rows) {
      const [u, c, p, name, start, end, total, during, after, first, last] = r as [SqlValue, SqlValue, SqlValue, SqlValue, string, string, number, number, number, string, string];
      if (during >= min) break; // ordered by accesses while enrolled
      const score = 3 + 7 * (1 - during / min);
      const onlyAfter = during === 0 && after > 0;
      findings.push({
        id: findingId('barely-active', cx.table.table, 'user', String(u)),
        analysis: 'barely-active',
        entity: { kind: 'user', value: String(u) },
        score,
        severity: severityOf(score),
        reason: `student ${u} of cohort ${name ?? c}${p !== null ? ` (program ${p})` : ''}: ${during} access${during === 1 ? '' : 'es'} while enrolled (${start} – ${end}; the median student: ${median})${onlyAfter ? `, activity only after the end date (${after})` : after ? `, ${after} after the end date` : ''}`,
        metrics: { cohort: String(name ?? c), program: p === null ? null : String(p), during, after, total, first, last, ips: r[11] as number | null, pages: r[12] as number | null, onlyAfterEnd: onlyAfter ? 'yes' : 'no' },
        evidence: cx.evidence(`${usr} = ?`, [u]),
      });
    }
    const top = Math.max(1, cx.num('top'));
    return {
      findings,
      tables: [{ title: `Students with the fewest accesses while enrolled (first ${top})`, columns: ['user', 'cohort', 'program', 'name', 'start', 'end', 'total', 'while enrolled', 'after end', 'first', 'last', 'IPs', 'pages'], rows: rows.rows.slice(0, top) }],
      charts: [
        {
          title: 'Accesses while enrolled, per student',
          spec: {
            $schema: VL,
            data: { values: rows.rows.map((r) => ({ during: Number(r[7]) })) },
            mark: 'bar',
            encoding: { x: { field: 'during', type: 'quantitative', bin: { maxbins: 40 }, title: 'accesses while enrolled' }, y: { aggregate: 'count', type: 'quantitative', title: 'students' } },
          },
        },
      ],
    };
  },
};
