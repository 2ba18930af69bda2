/**
 * Rare destinations per source: outside servers (address or host name, and
 * port) that one source host alone contacts, weighed by how unusual that is
 * for the source, the port and the number of connections, and by how late in
 * the capture the destination first appears. SQL gathers every source →
 * destination (port) pair, which destinations one source alone reaches, each
 * source's share of such one-off destinations, each port's share of pairs and
 * the spread of connection counts among one-off pairs; TypeScript multiplies
 * the rates (docs/risk/network.md).
 *
 * Quiet by design: a host that browses many one-off web servers on 443 has a
 * high share of one-offs and a common port, so none of them is news; a
 * workstation that alone, and for once, talks to a server on an odd port
 * again and again is.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { Analysis, AnalysisContext, Finding } from '../../findings/model';
import { RISK_BANDS, riskFromLog10P, surpriseFromLog10P } from '../../findings/triage/risk';
import { durationText, epochSql, isoOf, localAddressSql, sig } from './common';
import { linkedRows, linkedText, uidsOf } from './zeekLinks';

const ID = 'rare-destinations';
/** Fewer sources than this: "one host alone" says nothing. */
const MIN_SOURCES = 5;

const has = (t: TableInfo, ...names: string[]) => names.some((n) => t.columns.some((c) => c.name === n));

/** Tables whose destination is not a server the source chose to reach. */
function notConnections(t: TableInfo): string | undefined {
  if (has(t, 'note', 'addl', 'analyzer_name', 'failure_reason')) return 'a log of Zeek verdicts or analyzer failures, not of connections';
  if (has(t, 'query') && has(t, 'qtype', 'qtype_name', 'rcode', 'rcode_name')) return 'a DNS log: its destinations are resolvers (dns-resolvers reads them)';
  return undefined;
}

/**
 * One row per one-off outside pair (a destination and port one source alone reaches) with at least `min`
 * connections, and the figures its rates come from.
 */
function rareSql(t: string, src: string, dst: string, port: string, ts: string): string {
  return `WITH p AS (SELECT ${src} AS s, ${dst} AS d, ${port} AS pt, count(*) AS n, min(${ts}) AS t0, max(${ts}) AS t1
                 FROM ${t} WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL AND ${ts} IS NOT NULL GROUP BY ${dst}, ${src}, ${port}),
       o AS (SELECT * FROM p WHERE NOT ${localAddressSql('d')}),
       dh AS (SELECT d, pt, count(*) AS hosts FROM o GROUP BY d, pt),
       oh AS (SELECT o.s, o.d, o.pt, o.n, o.t0, o.t1, dh.hosts FROM o JOIN dh ON dh.d = o.d AND dh.pt = o.pt),
       sh AS (SELECT s, count(*) AS dests, sum(CASE WHEN hosts = 1 THEN 1 ELSE 0 END) AS oneoffs FROM oh GROUP BY s),
       ph AS (SELECT pt, count(*) AS pairs FROM o GROUP BY pt),
       nh AS (SELECT n, count(*) AS k FROM oh WHERE hosts = 1 GROUP BY n)
  SELECT oh.s, oh.d, oh.pt, oh.n, oh.t0, oh.t1, sh.dests, sh.oneoffs, ph.pairs,
         (SELECT sum(k) FROM nh WHERE nh.n >= oh.n), (SELECT sum(k) FROM nh), (SELECT count(*) FROM o),
         (SELECT count(DISTINCT s) FROM p), (SELECT min(t0) FROM p), (SELECT max(t1) FROM p)
  FROM oh JOIN sh ON sh.s = oh.s JOIN ph ON ph.pt = oh.pt
  WHERE oh.hosts = 1 AND oh.n >= ?`;
}

/**
 * rareSql's rows without its common table expressions and correlated sub-selects (ClickHouse 18.16
 * has neither): the source → destination (port) pairs grouped in SQL, in its GROUP BY's order, with
 * whether the destination is local; the rest counted here from those aggregates, the same figures.
 */
function rareRowsGrouped(cx: AnalysisContext, src: string, dst: string, port: string, ts: string, min: number): SqlValue[][] {
  const pairs = cx.query(
    `SELECT s, d, pt, n, t0, t1, ${localAddressSql('d')} FROM (SELECT ${src} AS s, ${dst} AS d, ${port} AS pt, count(*) AS n, min(${ts}) AS t0, max(${ts}) AS t1
     FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL AND ${ts} IS NOT NULL GROUP BY ${dst}, ${src}, ${port}) ORDER BY 2, 1, 3`,
  ).rows.map(([s, d, pt, n, t0, t1, local]) => ({ s, d, pt, n: Number(n), t0: Number(t0), t1: Number(t1), local: Number(local) === 1 }));
  const key = (...v: SqlValue[]) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  const count = <T>(xs: T[], k: (x: T) => string) => xs.reduce((m, x) => m.set(k(x), (m.get(k(x)) ?? 0) + 1), new Map<string, number>());
  const outside = pairs.filter((x) => !x.local);
  const hosts = count(outside, (x) => key(x.d, x.pt));
  const oneOff = outside.filter((x) => hosts.get(key(x.d, x.pt)) === 1);
  const dests = count(outside, (x) => key(x.s));
  const oneoffs = count(oneOff, (x) => key(x.s));
  const portPairs = count(outside, (x) => key(x.pt));
  const sources = new Set(pairs.map((x) => key(x.s))).size;
  const start = pairs.length ? pairs.reduce((m, x) => Math.min(m, x.t0), Infinity) : null;
  const end = pairs.length ? pairs.reduce((m, x) => Math.max(m, x.t1), -Infinity) : null;
  const ns = oneOff.map((x) => x.n);
  return oneOff
    .filter((x) => x.n >= min)
    .map((x) => [x.s, x.d, x.pt, x.n, x.t0, x.t1, dests.get(key(x.s)) ?? 0, oneoffs.get(key(x.s)) ?? 0, portPairs.get(key(x.pt)) ?? 0, ns.filter((n) => n >= x.n).length, ns.length, outside.length, sources, start, end]);
}

/** The rates a one-off pair's risk multiplies, each as log10, with the words for the reason. */
export interface RareParts {
  /** The source's own share of one-off destinations (Laplace): a browser of many small sites has a high one. */
  ownShare: number;
  /** The port's share of outside pairs (Laplace): 443 is most of them, 8081 one. */
  portShare: number;
  /** One-off pairs with this many connections or more, of all one-off pairs: most are visited once. */
  repeatShare: number;
  /** The capture's hours from the hour first seen to the end, of all its hours: 1 for a destination seen from the start. */
  lateShare: number;
  log10p: number;
}

export function rareParts(x: { dests: number; oneoffs: number; portPairs: number; outsidePairs: number; atLeast: number; oneoffPairs: number; first: number; start: number; end: number }): RareParts {
  const ownShare = (x.oneoffs + 1) / (x.dests + 2);
  const portShare = Math.min(1, (x.portPairs + 1) / (x.outsidePairs + 2));
  const repeatShare = Math.min(1, x.atLeast / Math.max(1, x.oneoffPairs));
  const hours = Math.max(1, Math.ceil((x.end - x.start) / 3600));
  const left = Math.max(1, Math.ceil((x.end - x.first) / 3600));
  const lateShare = Math.min(1, left / hours);
  return { ownShare, portShare, repeatShare, lateShare, log10p: Math.log10(ownShare) + Math.log10(portShare) + Math.log10(repeatShare) + Math.log10(lateShare) };
}

const pct = (x: number) => (x >= 0.1 ? `${Math.round(x * 100)} %` : `${sig(x * 100, 2)} %`);

export const rareDestinations: Analysis = {
  id: ID,
  title: 'Rare destinations: outside servers one source alone contacts',
  description:
    "Per source → outside destination (and port) that no other source contacts: how unusual that is for the source (its own share of one-off destinations), for the port (its share of outside pairs), for the number of connections (most one-off destinations are visited once) and how late it first appears; a host that browses many one-off sites on 443 is not news, a workstation that alone and repeatedly reaches a server on an odd port is.",
  needs: ['ip', 'destination', 'time'],
  shape: notConnections,
  params: [
    { name: 'minConnections', description: 'fewest connections to the destination for a finding', default: 3 },
    { name: 'minRisk', description: 'risk (0–100) from which a pair is a finding', default: RISK_BANDS.low },
  ],
  sameAcross: (f) => `${f.entity.value} -> ${f.metrics.destination}:${f.metrics.port ?? ''}`,
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const port = cx.column('port') ? cx.col('port') : "''";
    const ts = epochSql(cx.table);
    const min = Math.max(1, cx.num('minConnections'));
    const rows = cx.windows === false ? rareRowsGrouped(cx, src, dst, port, ts, min) : cx.query(rareSql(cx.t, src, dst, port, ts), [min]).rows;
    const findings: Finding[] = [];
    for (const r of rows) {
      const [s, d, p, n, t0, t1, dests, oneoffs, portPairs, atLeast, oneoffPairs, outsidePairs, sources, start, end] = r.map((v, i) => (i < 3 ? v : Number(v))) as [SqlValue, SqlValue, SqlValue, ...number[]];
      if (sources < MIN_SOURCES) break;
      const parts = rareParts({ dests, oneoffs, portPairs, outsidePairs, atLeast, oneoffPairs, first: t0, start, end });
      const risk = riskFromLog10P(parts.log10p, outsidePairs);
      if (risk < cx.num('minRisk')) continue;
      const hasPort = cx.column('port') !== undefined;
      const target = hasPort ? `${d}:${p}` : String(d);
      const where = `${src} = ? AND ${dst} = ?${hasPort ? ` AND ${port} = ?` : ''}`;
      const params: SqlValue[] = hasPort ? [s, d, p] : [s, d];
      const links = linkedRows(cx, { uids: uidsOf(cx, where, params, 2) });
      const into = t0 - start;
      findings.push({
        id: `${ID}:${cx.table.table}:ip:${s}->${target}`,
        analysis: ID,
        entity: { kind: 'ip', value: String(s) },
        score: sig(-parts.log10p),
        risk,
        surprise: surpriseFromLog10P(parts.log10p, outsidePairs),
        severity: 'info',
        reason:
          `${s} alone of ${sources} sources contacts ${target}: ${n} connection(s) from ${isoOf(t0).slice(0, 16).replace('T', ' ')} to ${isoOf(t1).slice(11, 16)} (first seen ${durationText(into)} into the ${durationText(end - start)} capture). ` +
          `${oneoffs} of its ${dests} outside destinations are its alone; ${hasPort ? `port ${p} is ${portPairs} of ${outsidePairs} outside pairs; ` : ''}` +
          `${atLeast} of ${oneoffPairs} one-off pairs have ${n} or more connections (${pct(parts.repeatShare)})${parts.lateShare < 1 ? `; first seen in the last ${pct(parts.lateShare)} of the capture's hours` : ''}${links.length ? `; e.g. ${linkedText(links, 2)}` : ''}`,
        metrics: { destination: String(d), port: hasPort ? Number(p) : null, connections: n, firstSeen: isoOf(t0), lastSeen: isoOf(t1), sources, ownDestinations: dests, ownOneOffs: oneoffs, ownShare: sig(parts.ownShare), portShare: sig(parts.portShare), repeatShare: sig(parts.repeatShare), lateShare: sig(parts.lateShare), linked: links.length ? linkedText(links) : null },
        evidence: cx.evidence(where, params),
        related: [{ kind: 'ip', value: String(d) }],
        explain: {
          baseline: `rates multiplied as if independent: the source's own share of one-off outside destinations ${pct(parts.ownShare)} and the port's share of outside pairs ${pct(parts.portShare)} (each with one of each added), one-off pairs with this many connections ${pct(parts.repeatShare)}, the capture's hours left when first seen ${pct(parts.lateShare)}`,
          peers: `${outsidePairs} source → outside destination pairs from ${sources} sources; ${oneoffPairs} of them one-off`,
          counterfactual: `no finding below risk ${cx.num('minRisk')}, or with fewer than ${cx.num('minConnections')} connections`,
        },
      });
    }
    findings.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0) || b.score - a.score);
    return { findings, tables: [], charts: [] };
  },
};
