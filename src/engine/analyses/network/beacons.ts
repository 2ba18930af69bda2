/**
 * Beaconing: a host that checks in with the same server at a steady rhythm,
 * as implants do with their command-and-control server. Per source →
 * destination (and port) pair, SQL gathers the connection times and sizes;
 * beaconScore.ts scores them as RITA does (interval skew and MAD, connection
 * count, size regularity, hours of the day) and tests the regularity against
 * random arrivals for the risk (docs/risk/network.md).
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, AnalysisContext, AnalysisOutput, BenignContext, Finding, ResultTable } from '../../findings/model';
import { RISK_BANDS, riskFromLog10P } from '../../findings/triage/risk';
import { beaconScore, P_NEAR_MEDIAN, type BeaconParts } from './beaconScore';
import { durationText, epochSql, qcol, sig, VL } from './common';
import { linkedRows, linkedText, uidsOf } from './zeekLinks';

const ID = 'beacons';
/** Sources a destination is reached from at a steady rhythm for it to be a service (NTP, updates, monitoring), not one implant's server. */
const SHARED_BY = 3;
/** The risk a rhythm that several hosts share is held to: a service's, low. */
const SHARED_RISK = 30;
/**
 * A rhythm kept for less than an hour is as likely a poller or a scanner as an implant: its risk is
 * held to low; under six hours, to medium (a 20-minute capture cannot show a beacon's persistence).
 */
export function spanCap(spanSeconds: number): number {
  return spanSeconds < 3600 ? 45 : spanSeconds < 6 * 3600 ? 70 : 100;
}

/**
 * SQL's group_concat of numbers as a Float64Array, each divided by `scale`, without a string per number:
 * digits are read in place, anything else (a decimal point, an exponent) through Number().
 */
export function numberList(text: SqlValue, scale = 1): Float64Array {
  if (text === null || text === undefined) return new Float64Array(0);
  const s = String(text);
  let n = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 44) n++;
  const out = new Float64Array(n);
  let k = 0;
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && s.charCodeAt(i) !== 44) continue;
    let v = 0;
    let j = start;
    const neg = s.charCodeAt(j) === 45;
    if (neg) j++;
    for (; j < i; j++) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (j < i || j === start + (neg ? 1 : 0)) v = Number(s.slice(start, i));
    else if (neg) v = -v;
    if (Number.isFinite(v)) out[k++] = v / scale;
    start = i + 1;
  }
  return out.subarray(0, k);
}

interface Pair {
  src: string;
  dst: string;
  port: SqlValue;
  parts: BeaconParts;
}

export const beacons: Analysis = {
  id: ID,
  title: 'Beaconing: connections at a steady rhythm',
  description:
    "Per source → destination (and port): RITA's beacon score (regular gaps: Bowley skew and MAD of the intervals; the share of expected beats seen; regular sizes; active across the hours of the day), with jitter and missed beats allowed. Risk: how unlikely so many gaps near the median gap are under random arrivals, among the pairs tested.",
  needs: ['ip', 'destination', 'time'],
  // Zeek's logs about its own work (notices, weirds, analyzer and protocol-detection failures) are no connections
  shape: (t) => (['note', 'addl', 'analyzer_name', 'failure_reason'].some((c) => t.columns.some((x) => x.name === c)) ? 'a log of Zeek verdicts or analyzer failures, not of connections' : undefined),
  params: [
    { name: 'minConnections', description: 'fewest connections of a pair for it to be scored', default: 10 },
    { name: 'minScore', description: 'beacon score (0–1) from which a pair is a finding', default: 0.8 },
    { name: 'charts', description: 'pairs whose interval histogram is drawn', default: 4 },
  ],
  // a connection Zeek logs in conn.log and again in ssl.log (or rdp.log and ssl.log) is one pair's beat, not two beacons
  sameAcross: (f) => `${f.entity.value} -> ${f.metrics.destination}:${f.metrics.port ?? ''}`,
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const port = cx.column('port') ? cx.col('port') : null;
    const bytes = qcol(cx.table, 'orig_bytes', 'bytes_out', 'sent_bytes', 'bytes');
    const ts = epochSql(cx.table);
    const minConn = Math.max(3, cx.num('minConnections'));
    const minScore = cx.num('minScore');
    // the destination first: it has more distinct values than the source, so the sort settles more comparisons on the first key
    const key = port ? `${dst}, ${src}, ${port}` : `${dst}, ${src}`;
    // one pass: NOT INDEXED, since walking the source's index to group would fetch every row out of order (twice as slow on 1M rows);
    // times as integer milliseconds, which SQLite writes as text much faster than reals, parsed into Float64Arrays (numberList).
    // Profiled on 1M connections (node --cpu-prof): the sort for the GROUP BY is most of the time; parsing `_time`'s text
    // (julianday) for each row cost 1.5 s more until epochSql read Zeek's `ts` as the number it is
    const rows = cx.query(
      `SELECT ${src}, ${dst}, ${port ?? 'NULL'}, group_concat(CAST(${ts} * 1000 AS INTEGER)), ${bytes ? `group_concat(${bytes})` : 'NULL'} FROM ${cx.t} NOT INDEXED WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL AND ${ts} IS NOT NULL GROUP BY ${key} HAVING count(*) >= ?`,
      [minConn],
    ).rows;
    const pairs = scorePairs(rows);
    const tested = pairs.length;
    const regular = pairs.filter((x) => x.parts.score >= minScore);
    const sourcesOf = new Map<string, Set<string>>();
    for (const x of regular) {
      const k = `${x.dst}:${x.port}`;
      if (!sourcesOf.has(k)) sourcesOf.set(k, new Set());
      sourcesOf.get(k)!.add(x.src);
    }
    const findings: Finding[] = [];
    const pairOf = new Map<string, Pair>();
    const cols = { src, dst, port };
    const counts = { tested, regular: regular.length, minConn, minScore };
    for (const x of regular) {
      const f = pairFinding(cx, x, cols, sourcesOf.get(`${x.dst}:${x.port}`)!.size, counts);
      if (!f) continue;
      pairOf.set(f.id, x);
      findings.push(f);
    }
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0) || b.score - a.score);
    const top = findings.filter((f) => !f.context).slice(0, Math.max(0, cx.num('charts')));
    const chartData = top.flatMap((f) => {
      const p = pairOf.get(f.id)!;
      return Array.from(p.parts.gaps.subarray(0, 3000), (g) => ({ pair: `${p.src} → ${p.dst}${p.port === null ? '' : `:${p.port}`}`, gap: sig(g) }));
    });
    return { findings, tables: [pairsTable(pairs, tested, minConn)], charts: chartData.length ? [gapChart(chartData)] : [] };
  },
};

/** The pairs' connection times and sizes (SQL's lists) scored, over the hours of the day the pairs span. */
function scorePairs(rows: SqlValue[][]): Pair[] {
  // the capture's span from the pairs' own times (the pairs scored hold most connections; no second pass over the table)
  const parsed = rows.map(([s, d, p, times, sizes]) => ({ s, d, p, times: numberList(times, 1000), sizes: numberList(sizes) }));
  let first = Infinity;
  let last = -Infinity;
  for (const { times } of parsed)
    for (let i = 0; i < times.length; i++) {
      if (times[i] < first) first = times[i];
      if (times[i] > last) last = times[i];
    }
  const captureHours = Math.max(1, Math.min(24, Math.ceil((last - first) / 3600)));
  const pairs: Pair[] = [];
  for (const { s, d, p, times, sizes } of parsed) {
    const parts = beaconScore(times, sizes, captureHours);
    if (parts) pairs.push({ src: String(s), dst: String(d), port: p, parts });
  }
  return pairs;
}

/** One regular pair's finding, or undefined when chance alone makes one pair that regular among those tested. */
function pairFinding(cx: AnalysisContext, x: Pair, c: { src: string; dst: string; port: string | null }, shared: number, n: { tested: number; regular: number; minConn: number; minScore: number }): Finding | undefined {
  const b = x.parts;
  const target = x.port === null ? x.dst : `${x.dst}:${x.port}`;
  const cap = Math.min(shared >= SHARED_BY ? SHARED_RISK : 100, spanCap(b.span));
  const tail = riskFromLog10P(b.log10p, n.tested);
  // as regular as chance alone makes one of the pairs tested (E ≥ 1): no finding
  if (tail < RISK_BANDS.low) return undefined;
  const context: BenignContext[] = shared >= SHARED_BY ? [{ kind: 'popular', text: `${shared} hosts reach ${target} at a steady rhythm: a service they all use (time, updates, monitoring), not one host's implant` }] : [];
  const where = `${c.src} = ? AND ${c.dst} = ?${c.port ? ` AND ${c.port} IS ?` : ''}`;
  const params: SqlValue[] = c.port ? [x.src, x.dst, x.port] : [x.src, x.dst];
  const links = linkedRows(cx, { uids: uidsOf(cx, where, params, 2) });
  const partsText = `interval skew ${sig(b.skew, 2)}, interval MAD ${sig(b.mad, 2)}, ${Math.round(b.count * 100)} % of the expected beats, sizes ${sig(b.sizes, 2)}, ${b.activeHours} of ${b.captureHours} hours`;
  return {
    id: `${ID}:${cx.table.table}:ip:${x.src}->${target}`,
    analysis: ID,
    entity: { kind: 'ip', value: x.src },
    score: sig(b.score),
    risk: Math.min(cap, tail),
    severity: 'info',
    reason: `${x.src} → ${target}: ${b.connections} connections every ~${durationText(b.interval)} for ${durationText(b.span)} (beacon score ${sig(b.score, 2)}: ${partsText}); ${b.near} of ${b.tested} gaps within ±25 % of ${durationText(b.interval)}, where random arrivals put ${Math.round(P_NEAR_MEDIAN * 100)} %${links.length ? `; e.g. ${linkedText(links, 2)}` : ''}`,
    metrics: { destination: x.dst, port: x.port === null ? null : Number(x.port), connections: b.connections, beats: b.beats, spanSeconds: sig(b.span), intervalSeconds: sig(b.interval), beaconScore: sig(b.score), intervalSkew: sig(b.skew), intervalMad: sig(b.mad), beatsSeen: sig(b.count), sizes: sig(b.sizes), hours: `${b.activeHours}/${b.captureHours}`, nearMedian: b.near, gapsTested: b.tested, sharedBySources: shared, linked: links.length ? linkedText(links) : null },
    evidence: cx.evidence(where, params),
    related: [{ kind: 'ip', value: x.dst }],
    ...(context.length ? { context } : {}),
    explain: {
      baseline: `random arrivals at this pair's rate would put ${Math.round(P_NEAR_MEDIAN * 100)} % of its gaps (below 1.5 medians) within ±25 % of the median; it has ${Math.round((b.near / Math.max(1, b.tested)) * 100)} %`,
      peers: `${n.tested} pairs with ${n.minConn} or more connections scored; ${n.regular} at ${n.minScore} or above`,
      counterfactual: `not a finding with a beacon score below ${n.minScore}${cap < 100 ? `; held to ${cap} because ${shared >= SHARED_BY ? `${shared} hosts share the rhythm` : `it lasted ${durationText(b.span)}`}` : ''}`,
    },
  };
}

function pairsTable(pairs: Pair[], tested: number, minConn: number): ResultTable {
  return {
    title: `Pairs with the highest beacon scores (${tested} pairs with ${minConn}+ connections)`,
    columns: ['source', 'destination', 'port', 'connections', 'interval (s)', 'score', 'skew', 'MAD', 'beats seen', 'sizes', 'hours', 'near median'],
    rows: [...pairs]
      .sort((a, b) => b.parts.score - a.parts.score)
      .slice(0, 50)
      .map((x) => [x.src, x.dst, x.port, x.parts.connections, sig(x.parts.interval), sig(x.parts.score), sig(x.parts.skew), sig(x.parts.mad), sig(x.parts.count), sig(x.parts.sizes), `${x.parts.activeHours}/${x.parts.captureHours}`, `${x.parts.near}/${x.parts.tested}`]),
  };
}

function gapChart(values: { pair: string; gap: number }[]): AnalysisOutput['charts'][number] {
  return {
    title: 'Gaps between connections of the strongest beacons',
    spec: {
      $schema: VL,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'gap', type: 'quantitative', bin: { maxbins: 60 }, title: 'gap between connections (s)' },
        y: { aggregate: 'count', type: 'quantitative', title: 'gaps' },
        color: { field: 'pair', type: 'nominal', title: 'pair' },
        row: { field: 'pair', type: 'nominal', title: null },
        tooltip: [{ field: 'pair' }, { aggregate: 'count', title: 'gaps' }],
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  };
}
