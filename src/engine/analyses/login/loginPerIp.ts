/**
 * Login attempts per source IP: attempts, successes, each failure reason
 * (the reasons found in the data become columns), success and error rates,
 * distinct usernames. Attackers guessing credentials try many usernames and
 * fail most of the time; legitimate users log in as one or two. IPs far above
 * the others on distinct usernames or failures are findings.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { ipRisks, statText, type IpCounts } from './ipRisk';
import { minuteText } from './minutes';
import { findLabelWindows, logSource, readWindows, sourceEvidence } from './source';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const ID = 'login-per-ip';
/** Reasons beyond this many are summed as 'other': a pivot needs a bounded set of columns. */
const MAX_REASONS = 12;
/** Points of the per-minute chart: enough to see bursts, few enough to draw. */
const MAX_POINTS = 3000;

export const loginPerIp: Analysis = {
  id: ID,
  title: 'Login attempts per IP',
  description:
    "Per source IP: attempts, successes, failures by reason, success and error rates, distinct usernames; flags IPs with more failures (in all, of one reason, or on more usernames) than an ordinary IP's rate makes likely (Poisson tail among the IPs, rates from the IPs not flagged). Charts: successes against attempts, box plots, distinct usernames per IP, usernames with failures per minute.",
  needs: ['ip', 'user', 'outcome'],
  params: [
    { name: 'minRisk', description: 'risk (0–100) from which an IP is a finding (25: low, about one such IP expected by chance)', default: 25 },
    { name: 'reason', description: 'column holding the failure reason (default: found by name, e.g. failure_reason)', default: '' },
    { name: 'logScale', description: "'yes' draws the successes-against-attempts scatter on log (symlog) axes", default: 'no' },
  ],
  run(cx) {
    const src = logSource(cx, false, String(cx.param('reason')));
    const { ip, user, outcome } = src.col as Record<'ip' | 'user' | 'outcome', string>;
    const fail = src.fail;
    const reasons = src.reason
      ? (cx.query(`SELECT ${src.reason}, count(*) FROM ${src.from} WHERE ${fail} AND ${src.reason} IS NOT NULL AND ${src.reason} <> '' GROUP BY 1 ORDER BY 2 DESC, 1`).rows.map((r) => String(r[0])))
      : [];
    const shown = reasons.slice(0, MAX_REASONS);
    const pivot = shown.map(() => `sum(CASE WHEN ${fail} AND ${src.reason} = ? THEN 1 ELSE 0 END)`);
    const otherSql = reasons.length > shown.length ? `, sum(CASE WHEN ${fail} AND (${src.reason} IS NULL OR ${src.reason} NOT IN (${shown.map(() => '?').join(', ')})) THEN 1 ELSE 0 END)` : '';
    const per = cx.query(
      `SELECT ${ip} AS ip, count(${outcome}) AS attempts, count(${outcome}) - coalesce(sum(${fail}), 0) AS successes, coalesce(sum(${fail}), 0) AS failures,
         count(DISTINCT ${user}) AS usernames, count(DISTINCT CASE WHEN ${fail} THEN ${user} END) AS failedUsernames${pivot.map((p) => `, ${p}`).join('')}${otherSql}
       FROM ${src.from} WHERE ${ip} IS NOT NULL GROUP BY 1 HAVING attempts > 0 ORDER BY 2 DESC, 1`,
      [...shown, ...(otherSql ? shown : [])],
    ).rows;
    const reasonCols = [...shown, ...(otherSql ? ['other reasons'] : [])];

    const labelTables = findLabelWindows(cx.table, cx.tables()).filter((l) => l.entityRole === 'ip');
    const attackers = new Set(readWindows(cx.query, labelTables).map((w) => w.entity).filter((e): e is string => !!e));
    const labelled = attackers.size > 0;

    const minRisk = cx.num('minRisk');
    const counts: IpCounts[] = per.map((r) => ({
      ip: String(r[0]),
      attempts: Number(r[1]),
      failures: Number(r[3]),
      failedUsernames: Number(r[5]),
      byReason: new Map(shown.map((x, j) => [x, Number(r[6 + j])])),
    }));
    const { risks, rates } = ipRisks(counts, shown, minRisk);
    const findings: Finding[] = [];
    const rows: SqlValue[][] = [];
    for (const [i, r] of per.entries()) {
      const [, attempts, successes, failures, usernames] = r.map(Number) as number[];
      const key = String(r[0]);
      const successRate = successes / attempts;
      const errorRate = failures / attempts;
      const x = risks[i];
      rows.push([key, attempts, successes, failures, ...r.slice(6), round(successRate), round(errorRate), usernames, x.risk, ...(labelled ? [attackers.has(key) ? 1 : 0] : [])]);
      if (x.risk < minRisk || x.log10p === 0) continue;
      const what = statText(x.stat);
      const rateText = x.stat.kind === 'usernames' ? `${pct(rates.newUsername)} of an ordinary IP's failures are on a new username` : `an ordinary IP's attempts fail ${x.stat.kind === 'reason' ? `with ${x.stat.reason} ` : ''}${pct(x.stat.kind === 'reason' ? (rates.byReason.get(x.stat.reason) ?? 0) : rates.failure)} of the time`;
      findings.push({
        id: findingId(ID, cx.table.table, 'ip', key),
        analysis: ID,
        entity: { kind: 'ip', value: key },
        score: Number((-x.log10p).toFixed(2)),
        risk: x.risk,
        surprise: x.surprise,
        severity: 'info',
        reason: `${key}: ${attempts} attempts, ${failures} failed (${(100 * errorRate).toFixed(1)} %) on ${Number(r[5])} of its ${usernames} usernames; ${x.observed} ${what} where ${sig(x.expected)} were expected (${rateText}); Poisson tail p ≈ ${pText(x.log10p)} among ${per.length} IPs`,
        metrics: { attempts, successes, failures, usernames, failedUsernames: Number(r[5]), successRate: round(successRate), errorRate: round(errorRate), statistic: what, observed: x.observed, expected: sig(x.expected), log10p: Number(x.log10p.toFixed(2)) },
        // the anomalous rows: the IP's failed attempts, not every row of it
        evidence: sourceEvidence(cx, src, `${ip} = ? AND ${fail}`, [key]),
        explain: {
          baseline: `${rates.ips} ordinary IPs (those not flagged): ${pct(rates.failure)} of attempts fail${[...rates.byReason].map(([k, v]) => `, ${pct(v)} with ${k}`).join('')}`,
          counterfactual: `it would not be flagged with fewer than ${x.needed} ${what} (it has ${x.observed})`,
        },
      });
    }
    const columns = ['ip', 'attempts', 'successes', 'failures', ...reasonCols.map((r) => `failures: ${r}`), 'success rate', 'error rate', 'distinct usernames', 'risk', ...(labelled ? ['labelled attacker'] : [])];

    const dist = cx.query(`SELECT u AS usernames, count(*) AS ips FROM (SELECT count(DISTINCT ${user}) AS u FROM ${src.from} WHERE ${ip} IS NOT NULL GROUP BY ${ip}) GROUP BY 1 ORDER BY 1`).rows;
    const summary = cx.query(
      `SELECT count(*), count(DISTINCT ${ip}), count(DISTINCT ${user}), avg(CASE WHEN ${fail} THEN 0.0 ELSE 1.0 END) FROM ${src.from} WHERE ${outcome} IS NOT NULL`,
    ).rows[0];
    const perIpUsers = per.map((r) => Number(r[4]));
    const topUser = cx.query(`SELECT ${user}, count(*) FROM ${src.from} WHERE ${user} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`).rows[0] ?? [null, 0];
    const overview: SqlValue[][] = [
      ['attempts', summary[0]],
      ['distinct IPs', summary[1]],
      ['distinct usernames', summary[2]],
      ['success rate', round(Number(summary[3]))],
      ['top IP', per.length ? `${per[0][0]} (${per[0][1]} attempts)` : null],
      ['top username', topUser[0] === null ? null : `${topUser[0]} (${topUser[1]} attempts)`],
      ['distinct usernames per IP: mean', round(perIpUsers.reduce((s, v) => s + v, 0) / Math.max(1, perIpUsers.length))],
      ['distinct usernames per IP: max', perIpUsers.length ? Math.max(...perIpUsers) : null],
      ...(labelled ? [['labelled attacker IPs in the log', per.filter((r) => attackers.has(String(r[0]))).length] as SqlValue[]] : []),
    ];

    const charts: { title: string; spec: Record<string, unknown> }[] = [scatter(rows, labelled, String(cx.param('logScale')).toLowerCase() === 'yes'), boxes(rows, labelled, columns), usernamesPerIp(dist)];
    if (cx.column('time')) charts.push(failuresOverTime(cx, src));
    return {
      findings,
      tables: [
        { title: 'Overview', columns: ['measure', 'value'], rows: overview },
        { title: 'Attempts per IP', columns, rows },
        { title: 'Distinct usernames per IP', columns: ['distinct usernames', 'IPs'], rows: dist },
      ],
      charts,
    };
  },
};

const round = (x: number) => Number(x.toFixed(4));
const sig = (x: number) => Number(x.toPrecision(3));
const pct = (x: number) => `${Number((100 * x).toPrecision(3))} %`;
const pText = (log10p: number) => (log10p > -3 ? (10 ** log10p).toPrecision(2) : `1e${Math.round(log10p)}`);

function scatter(rows: SqlValue[][], labelled: boolean, log: boolean) {
  // IPs with the same counts are one point with a size: thousands of casual users share a handful of pairs
  const points = new Map<string, { attempts: number; successes: number; labelled?: string; ips: number; example: string }>();
  for (const r of rows) {
    const lab = labelled ? (r[r.length - 1] ? 'attacker' : 'not labelled') : undefined;
    const key = `${r[1]}|${r[2]}|${lab ?? ''}`;
    const p = points.get(key);
    if (p) p.ips++;
    else points.set(key, { attempts: Number(r[1]), successes: Number(r[2]), ...(lab ? { labelled: lab } : {}), ips: 1, example: String(r[0]) });
  }
  const scale = log ? { type: 'symlog' } : {};
  return {
    title: `Successes against attempts per IP${log ? ' (log axes)' : ''}`,
    spec: {
      $schema: VL,
      width: 420,
      height: 320,
      data: { values: [...points.values()] },
      mark: { type: 'point', filled: true, opacity: 0.6 },
      encoding: {
        x: { field: 'attempts', type: 'quantitative', scale, title: 'attempts' },
        y: { field: 'successes', type: 'quantitative', scale, title: 'successes' },
        size: { field: 'ips', type: 'quantitative', scale: { type: 'sqrt' }, title: 'IPs' },
        ...(labelled ? { color: { field: 'labelled', type: 'nominal', title: null } } : {}),
        tooltip: [{ field: 'attempts' }, { field: 'successes' }, { field: 'ips', title: 'IPs' }, { field: 'example', title: 'e.g.' }],
      },
    },
  };
}

/** Quantile with linear interpolation (pandas' default) of sorted values. */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

/**
 * Box plots drawn from their statistics (quartiles, 1.5 IQR whiskers,
 * outliers counted by value): the raw per-IP values would make the spec
 * megabytes long for a few thousand IPs.
 */
function boxes(rows: SqlValue[][], labelled: boolean, columns: string[]) {
  const measures = ['attempts', 'success rate', 'error rate', 'distinct usernames'];
  const boxes: Record<string, unknown>[] = [];
  const outliers: Record<string, unknown>[] = [];
  for (const m of measures) {
    const i = columns.indexOf(m);
    const groups = labelled ? ['attacker', 'not labelled'] : ['all IPs'];
    for (const g of groups) {
      const vals = rows.filter((r) => !labelled || (r[r.length - 1] ? 'attacker' : 'not labelled') === g).map((r) => Number(r[i])).sort((a, b) => a - b);
      if (!vals.length) continue;
      const q1 = quantile(vals, 0.25);
      const q3 = quantile(vals, 0.75);
      const fenceLo = q1 - 1.5 * (q3 - q1);
      const fenceHi = q3 + 1.5 * (q3 - q1);
      const inside = vals.filter((v) => v >= fenceLo && v <= fenceHi);
      boxes.push({ kind: 'box', measure: m, group: g, q1, median: quantile(vals, 0.5), q3, lower: inside[0] ?? q1, upper: inside[inside.length - 1] ?? q3, n: vals.length });
      const counts = new Map<number, number>();
      for (const v of vals) if (v < fenceLo || v > fenceHi) counts.set(v, (counts.get(v) ?? 0) + 1);
      for (const [value, n] of counts) outliers.push({ kind: 'outlier', measure: m, group: g, value, n });
    }
  }
  const x = { field: 'group', type: 'nominal', title: null };
  const box = [{ filter: "datum.kind === 'box'" }];
  return {
    title: 'Per-IP measures (box plots: quartiles, whiskers at 1.5 IQR, outliers)',
    spec: {
      $schema: VL,
      data: { values: [...boxes, ...outliers] },
      facet: { column: { field: 'measure', type: 'nominal', title: null, sort: measures } },
      spec: {
        width: 120,
        height: 260,
        layer: [
          { transform: box, mark: 'rule', encoding: { x, y: { field: 'lower', type: 'quantitative', title: null }, y2: { field: 'upper' } } },
          { transform: box, mark: { type: 'bar', size: 24 }, encoding: { x, y: { field: 'q1', type: 'quantitative' }, y2: { field: 'q3' }, color: { field: 'group', type: 'nominal', legend: null }, tooltip: [{ field: 'group' }, { field: 'n', title: 'IPs' }, { field: 'q1' }, { field: 'median' }, { field: 'q3' }, { field: 'lower' }, { field: 'upper' }] } },
          { transform: box, mark: { type: 'tick', color: 'white', size: 24 }, encoding: { x, y: { field: 'median', type: 'quantitative' } } },
          {
            transform: [{ filter: "datum.kind === 'outlier'" }],
            mark: { type: 'point', size: 12 },
            encoding: { x, y: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'value' }, { field: 'n', title: 'IPs' }] },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

function usernamesPerIp(dist: SqlValue[][]) {
  return {
    title: 'Distinct usernames per IP',
    spec: {
      $schema: VL,
      width: 420,
      height: 220,
      data: { values: dist.map(([u, n]) => ({ usernames: u, ips: n })) },
      mark: 'bar',
      encoding: {
        x: { field: 'usernames', type: 'quantitative', bin: { maxbins: 60 }, title: 'distinct usernames tried from one IP' },
        y: { field: 'ips', type: 'quantitative', aggregate: 'sum', scale: { type: 'symlog' }, title: 'IPs (symlog)' },
      },
    },
  };
}

/** Usernames with failures per minute; over a long span, the busiest minute of each bucket, so bursts stay visible. */
function failuresOverTime(cx: Parameters<Analysis['run']>[0], src: ReturnType<typeof logSource>) {
  const { user, time } = src.col as Record<'user' | 'time', string>;
  const busy = cx.query(
    `SELECT CAST(strftime('%s', ${time}) AS INTEGER) / 60 AS m, count(DISTINCT ${user}) FROM ${src.from} WHERE ${src.fail} AND ${time} IS NOT NULL GROUP BY 1 HAVING m IS NOT NULL ORDER BY 1`,
  ).rows as [number, number][];
  const span = busy.length ? busy[busy.length - 1][0] - busy[0][0] + 1 : 0;
  const bucket = Math.max(1, Math.ceil(span / MAX_POINTS));
  const best = new Map<number, number>();
  for (const [m, n] of busy) {
    const b = m - (m % bucket);
    best.set(b, Math.max(best.get(b) ?? 0, n));
  }
  // empty buckets are zeros, not gaps bridged by the line
  const values: { t: string; minute: string; usernames: number }[] = [];
  if (busy.length) for (let b = busy[0][0] - (busy[0][0] % bucket); b <= busy[busy.length - 1][0]; b += bucket) values.push({ t: new Date(b * 60000).toISOString(), minute: minuteText(b), usernames: best.get(b) ?? 0 });
  return {
    title: bucket === 1 ? 'Usernames with failures per minute' : `Usernames with failures per minute (busiest minute of every ${bucket})`,
    spec: {
      $schema: VL,
      width: 640,
      height: 200,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 't', type: 'temporal', scale: { type: 'utc' }, title: 'time (UTC)', axis: { labelOverlap: true } },
        y: { field: 'usernames', type: 'quantitative', title: 'usernames with failures' },
        tooltip: [{ field: 'minute', title: 'minute (UTC)' }, { field: 'usernames' }],
      },
    },
  };
}
