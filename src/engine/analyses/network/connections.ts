/**
 * Signs of command-and-control and exfiltration in a connection log (Zeek
 * conn.log or any table with source, destination and a duration or bytes):
 * long connections, large uploads against the host's own hours, and ports
 * to outside servers that one host alone uses. Risks: docs/risk/network.md.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { Analysis, BenignContext, Finding } from '../../findings/model';
import { logScale, logZ, riskFromZ } from '../../findings/triage/risk';
import { bytesText, columnNamed, durationText, epochSql, isLocalAddress, isoOf, qcol, sig } from './common';
import { linkedRows, linkedText, uidsOf } from './zeekLinks';

const needsColumn = (what: string, ...names: string[]) => (t: TableInfo) => (columnNamed(t, ...names) ? undefined : `no ${what} column (${names.join(', ')})`);

const pairWhere = (src: string, dst: string, port: string | null) => `${src} = ? AND ${dst} = ?${port ? ` AND ${port} IS ?` : ''}`;

/**
 * A connection this long is a channel held open; a pair whose connections are all shorter (streaming, a busy
 * web service) is held below medium: a hint, ranked under a channel held open, never a loud finding of its own.
 */
const HELD_OPEN_S = 3600;
const SHORT_CONNECTIONS_RISK = 45;

export const longConnections: Analysis = {
  id: 'long-connections',
  title: 'Long connections: a channel held open for hours',
  description: 'Per source → destination (and port): the total time connected (robust z on a log scale among all pairs); a remote shell or tunnel stays connected for hours.',
  needs: ['ip', 'destination', 'time'],
  shape: needsColumn('duration', 'duration'),
  params: [{ name: 'minHours', description: 'least total time connected (hours) for a finding', default: 1 }],
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const port = cx.column('port') ? cx.col('port') : null;
    const dur = qcol(cx.table, 'duration')!;
    const ob = qcol(cx.table, 'orig_bytes', 'bytes_out');
    const rows = cx.query(`SELECT ${src}, ${dst}, ${port ?? 'NULL'}, sum(${dur}), count(*), max(${dur}), ${ob ? `sum(${ob})` : 'NULL'} FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL GROUP BY 1, 2, 3`).rows;
    const scale = logScale(rows.map((r) => Number(r[3] ?? 0)));
    const minS = cx.num('minHours') * 3600;
    const findings: Finding[] = [];
    for (const [s, d, p, total, n, longest, out] of rows) {
      const t = Number(total ?? 0);
      if (t < minS) continue;
      const z = logZ(t, scale);
      const target = p === null ? String(d) : `${d}:${p}`;
      // many short connections adding up (streaming, a busy web service) are heavy use, not one channel held open
      const held = Number(longest) < HELD_OPEN_S;
      const context: BenignContext[] = held ? [{ kind: 'routine', text: `${n} connections of at most ${durationText(Number(longest))} each: heavy use of a service, not a channel held open` }] : [];
      const params: SqlValue[] = port ? [s, d, p] : [s, d];
      const links = linkedRows(cx, { uids: uidsOf(cx, pairWhere(src, dst, port), params, 1, `${dur} DESC`) });
      findings.push({
        id: `long-connections:${cx.table.table}:ip:${s}->${target}`,
        analysis: 'long-connections',
        entity: { kind: 'ip', value: String(s) },
        score: sig(z),
        risk: held ? Math.min(SHORT_CONNECTIONS_RISK, riskFromZ(z, rows.length)) : riskFromZ(z, rows.length),
        severity: 'info',
        reason: `${s} → ${target}: connected ${durationText(t)} in all over ${n} connection(s) (the longest ${durationText(Number(longest))}${out !== null ? `, ${bytesText(Number(out))} sent` : ''}); ${sig(z, 3)} robust σ above the median pair (${durationText(Math.expm1(scale.median))}) on a log scale${links.length ? `; ${linkedText(links, 2)}` : ''}`,
        metrics: { destination: String(d), port: p === null ? null : Number(p), totalSeconds: sig(t), connections: Number(n), longestSeconds: sig(Number(longest)), bytesOut: out === null ? null : Number(out), z: sig(z), linked: links.length ? linkedText(links) : null },
        evidence: cx.evidence(pairWhere(src, dst, port), params),
        related: [{ kind: 'ip', value: String(d) }],
        ...(context.length ? { context } : {}),
        explain: { peers: `${rows.length} pairs; the median pair is connected ${durationText(Math.expm1(scale.median))}`, counterfactual: held ? `held to ${SHORT_CONNECTIONS_RISK}: no single connection lasted ${durationText(HELD_OPEN_S)}` : undefined },
      });
    }
    return { findings, tables: [], charts: [] };
  },
};

/** The upper quartile of log(1 + v). */
function upperQuartileLog(values: number[]): number {
  if (!values.length) return 0;
  const logs = values.map((v) => Math.log1p(Math.max(0, v))).sort((a, b) => a - b);
  const i = 0.75 * (logs.length - 1);
  const lo = Math.floor(i);
  const hi = Math.min(logs.length - 1, lo + 1);
  return logs[lo] + (i - lo) * (logs[hi] - logs[lo]);
}

export const largeOutbound: Analysis = {
  id: 'large-outbound',
  title: "Large uploads against the host's own hours",
  description: "Per host and hour: bytes sent to outside addresses, against the host's own other hours (robust z on a log scale, weighted with everyone's hours when the host has few); a sudden upload is how data leaves.",
  needs: ['ip', 'destination', 'time'],
  shape: needsColumn('bytes sent', 'orig_bytes', 'bytes_out', 'sent_bytes'),
  params: [
    { name: 'minBytes', description: 'least bytes sent in the hour for a finding', default: 10_000_000 },
    { name: 'minRisk', description: 'risk (0–100) from which an hour is a finding', default: 50 },
  ],
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const ob = qcol(cx.table, 'orig_bytes', 'bytes_out', 'sent_bytes')!;
    const ts = epochSql(cx.table);
    const rows = cx.query(`SELECT ${src}, ${dst}, CAST(${ts} / 3600 AS INTEGER), sum(${ob}) FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL AND ${ob} > 0 GROUP BY 1, 2, 3`).rows;
    // outside destinations only: what leaves the network
    const hours = new Map<string, Map<number, number>>();
    const to = new Map<string, Map<string, number>>();
    for (const [s, d, h, b] of rows) {
      if (isLocalAddress(String(d))) continue;
      const k = String(s);
      const m = hours.get(k) ?? new Map<number, number>();
      m.set(Number(h), (m.get(Number(h)) ?? 0) + Number(b));
      hours.set(k, m);
      const key = `${k}\u0000${h}`;
      const t = to.get(key) ?? new Map<string, number>();
      t.set(String(d), (t.get(String(d)) ?? 0) + Number(b));
      to.set(key, t);
    }
    const everyone = [...hours.values()].flatMap((m) => [...m.values()]);
    const pop = logScale(everyone);
    const minBytes = cx.num('minBytes');
    const minRisk = cx.num('minRisk');
    const findings: Finding[] = [];
    for (const [s, m] of hours) {
      const [h, b] = [...m.entries()].reduce((a, x) => (x[1] > a[1] ? x : a));
      if (b < minBytes) continue;
      const rest = [...m.entries()].filter(([x]) => x !== h).map(([, v]) => v);
      const own = logScale(rest);
      // few hours of its own: everyone's spread, the host's own centre when it has one. The host's busy hours are its
      // habit (a cloud drive syncing every office hour): the centre is the upper quartile of its other hours, not their
      // median (most hours of a workstation are idle nights)
      const w = Math.min(1, rest.length / 12);
      const centre = rest.length ? w * upperQuartileLog(rest) + (1 - w) * pop.median : pop.median;
      const spread = Math.max(0.5, rest.length ? w * own.scale + (1 - w) * pop.scale : pop.scale);
      const z = logZ(b, { median: centre, scale: spread });
      const risk = riskFromZ(z, everyone.length);
      if (risk < minRisk) continue;
      const dests = [...(to.get(`${s}\u0000${h}`) ?? new Map()).entries()].sort((a, b2) => b2[1] - a[1]);
      findings.push({
        id: `large-outbound:${cx.table.table}:ip:${s}`,
        analysis: 'large-outbound',
        entity: { kind: 'ip', value: s },
        score: sig(z),
        risk,
        severity: 'info',
        reason: `${s} sent ${bytesText(b)} to outside addresses in the hour from ${isoOf(h * 3600).slice(0, 13).replace('T', ' ')}:00 (mostly to ${dests.slice(0, 2).map(([d, v]) => `${d}: ${bytesText(v)}`).join(', ')}); a quarter of its other hours send ${bytesText(Math.expm1(centre))} or more; ${sig(z, 3)} robust σ above them on a log scale`,
        metrics: { bytes: b, hour: isoOf(h * 3600), ownUpperQuartileBytes: sig(Math.expm1(centre)), ownHours: rest.length, z: sig(z), topDestination: dests[0]?.[0] ?? null },
        evidence: cx.evidence(`${src} = ? AND ${ts} >= ? AND ${ts} < ? AND ${ob} > 0`, [s, h * 3600, (h + 1) * 3600]),
        window: { start: isoOf(h * 3600), end: isoOf((h + 1) * 3600) },
        related: dests.slice(0, 3).map(([d]) => ({ kind: 'ip' as const, value: d })),
        explain: { baseline: `${rest.length} other hours with uploads; median ${bytesText(Math.expm1(own.median))}` },
      });
    }
    return { findings, tables: [], charts: [] };
  },
};

/** Ports whose use says nothing by itself. */
const COMMON_PORTS = new Set([20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995, 3478, 5222, 8080, 8443]);

export const rarePorts: Analysis = {
  id: 'rare-ports',
  title: 'Rare ports to outside servers: used by one host alone',
  description: 'Destination ports outside the common ones that one host alone uses towards outside addresses, with the first time seen; C2 often listens on an odd port (449, 4444, 8888).',
  needs: ['ip', 'destination', 'port', 'time'],
  params: [{ name: 'minConnections', description: 'fewest connections on the port for a finding', default: 3 }],
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const port = cx.col('port');
    const rows = cx.query(`SELECT ${port}, count(DISTINCT ${src}), count(*), min(${src}), min(_time) FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${dst} IS NOT NULL AND ${port} IS NOT NULL GROUP BY 1`).rows;
    const sources = Number(cx.query(`SELECT count(DISTINCT ${src}) FROM ${cx.t}`).rows[0][0]);
    const findings: Finding[] = [];
    for (const [p, hosts, n, s, first] of rows) {
      if (Number(hosts) !== 1 || COMMON_PORTS.has(Number(p)) || Number(n) < cx.num('minConnections') || sources < 5) continue;
      const dests = cx.query(`SELECT ${dst}, count(*) FROM ${cx.t} WHERE ${port} = ? GROUP BY 1 ORDER BY 2 DESC LIMIT 3`, [p]).rows.filter((r) => !isLocalAddress(String(r[0])));
      if (!dests.length) continue;
      findings.push({
        id: `rare-ports:${cx.table.table}:ip:${s}->${p}`,
        analysis: 'rare-ports',
        entity: { kind: 'ip', value: String(s) },
        score: Number(n),
        risk: 35,
        severity: 'info',
        reason: `${s} alone of ${sources} hosts uses port ${p} (${n} connections to ${dests.map((r) => `${r[0]} ×${r[1]}`).join(', ')}), first at ${first}`,
        metrics: { port: Number(p), connections: Number(n), destinations: dests.map((r) => String(r[0])).join(', '), firstSeen: String(first) },
        evidence: cx.evidence(`${port} = ? AND ${src} = ?`, [p, s]),
        related: dests.map((r) => ({ kind: 'ip' as const, value: String(r[0]) })),
      });
    }
    return { findings, tables: [], charts: [] };
  },
};
