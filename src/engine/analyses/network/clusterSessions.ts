/**
 * Sessions clustered by k-prototypes (cluster/kprototypes.ts) on mixed
 * features: log10(1 + x) of total bytes, events, distinct files and
 * duration (numeric, standardised), and the time of day and weekday the
 * session began with the most frequent value of a few categorical columns
 * such as Zeek's action, mime type, share, proto, service or conn_state
 * (categorical, compared by mismatch). k is the elbow of the cost curve over
 * k = 1..maxK unless given. Flags sessions far from their cluster's
 * prototype and the members of tiny clusters that lie far from every large
 * one. "Far" is a robust z-score of √distance (median and MAD, the MAD at
 * least one standardised unit); numeric features are standardised with σ at
 * least log10(2), so that in a log where almost every session is alike (one
 * event, no bytes) a session with 2 events is not an outlier.
 *
 * Risk (docs/risk/events.md): the upper tail of that robust z-score
 * (Student's t with n − 1 degrees of freedom), among the n sessions clustered.
 */
import { costCurve, kneeOf, type CostPoint } from '../../cluster/costCurve';
import { distanceToPrototype, INIT_METHODS, kPrototypes, prepareMixed, type InitMethod } from '../../cluster/kprototypes';
import { sampleIndices, seededRng } from '../../cluster/random';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, AnalysisContext, Finding } from '../../findings/model';
import { findingId, robustStats, robustZ } from '../../findings/model';
import { severityOfRisk } from '../../findings/triage/risk';
import { riskFromT } from '../../findings/triage/tails';
import { quoteIdent } from '../../store/names';
import { endpointsText, humanBytes, MIN_LOG_SCALE, SESSION_PARAMS } from './sessions';
import { byServer, insideUpload, peerStats, POOL_SESSIONS, serverOf } from './sessionsPooled';
import { isoUtc } from '../../findings/windows';
import { aggregateSessions, BUCKETS_TEXT, modalValues, rowGroupKey, sessionColumns, sessionWhere, type SessionColumns, type SessionRow } from './sessionsAggregate';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
/** Categorical columns worth a session's mode, by name (Zeek smb_files, files, http, conn, smb_mapping). */
const CATEGORICAL = ['action', 'mimetype', 'respmimetypes', 'origmimetypes', 'sharetype', 'proto', 'service', 'connstate', 'method', 'statuscode'];
/** A column with more values than this says too little as a session's mode. */
const MAX_LEVELS = 50;
const round = (v: number, d = 3) => Number(v.toFixed(d));
const unlog = (v: number) => 10 ** v - 1;

interface Feature {
  name: string;
  of: (s: SessionRow) => number;
}

function categoricalColumns(cx: AnalysisContext, c: SessionColumns, param: string): { name: string; column: string }[] {
  const v = param.trim();
  const t = cx.table;
  if (v.toLowerCase() === 'none') return [];
  if (v) {
    return v.split(',').map((s) => {
      const col = t.columns.find((x) => x.name === s.trim());
      if (!col) throw new LogInvestigatorError('BAD_OPTION', `parameter categorical: no column ${s.trim()} in ${t.table}; it has ${t.columns.map((x) => x.name).join(', ')}`);
      return { name: col.name, column: col.name };
    });
  }
  const out: { name: string; column: string }[] = [];
  for (const n of CATEGORICAL) {
    const col = t.columns.find((x) => norm(x.name) === n && !c.bytes.includes(x.name));
    if (col) out.push({ name: col.name, column: col.name });
  }
  // smb_files names the share in path and the file in name
  if (c.files.length === 2 && norm(c.files[0]) === 'path') out.push({ name: 'share', column: c.files[0] });
  return out.filter(({ column }) => Number(cx.query(`SELECT count(DISTINCT ${quoteIdent(column)}) FROM ${cx.t}`).rows[0][0]) <= MAX_LEVELS);
}

export const sessionClusters: Analysis = {
  id: 'session-clusters',
  title: 'Clusters of network sessions (k-prototypes)',
  description: `Sessions (per session id and endpoints) clustered by k-prototypes (Huang 1997) on log10(1 + x) of total bytes, events, distinct files and duration (standardised), and the time of day (${BUCKETS_TEXT}, UTC plus utcOffset), the weekday and the most frequent action, mime type, share, proto, service or conn_state of the session (categorical, by mismatch, weighted by gamma). k is the elbow of the cost curve over k = 1..maxK unless k is given. Flags sessions whose √distance from their cluster's prototype has a robust z-score (against the session's server: its sessions pooled with the whole log's as if 20 sessions; MAD at least 1) at or above the threshold, and the sessions of clusters holding at most tinyPercent % of all sessions (or just one) whose √distance to the nearest larger cluster's prototype reaches the same threshold.`,
  needs: ['session'],
  params: [
    { name: 'k', description: 'number of clusters; 0 chooses it by the elbow of the cost curve', default: 0 },
    { name: 'maxK', description: 'largest k on the cost curve', default: 8 },
    { name: 'init', description: "initialisation: 'cao' (deterministic) or 'huang' (seeded, best of 10 runs)", default: 'cao' },
    { name: 'seed', description: 'seed of the random choices', default: 1 },
    { name: 'gamma', description: 'weight of one categorical mismatch against squared standardised distance (empty: half the σ of the numeric features, as the kmodes package does)', default: '' },
    { name: 'threshold', description: "robust z-score of a session's distance from its prototype from which it is flagged", default: 3.5 },
    { name: 'tinyPercent', description: 'a cluster with at most this % of the sessions (or only one) is tiny; its sessions are flagged when they lie far from every larger cluster', default: 1 },
    { name: 'categorical', description: "columns whose most frequent value per session is a categorical feature, comma-separated (default: found by name; 'none' for none)", default: '' },
    { name: 'sample', description: 'sessions (a seeded sample) on which the cost curve is computed', default: 5000 },
    ...SESSION_PARAMS,
    { name: 'top', description: 'sessions listed in the table', default: 50 },
  ],
  run(cx) {
    const cols = sessionColumns(cx, String(cx.param('bytes')), String(cx.param('files')));
    const rows = aggregateSessions(cx, cols, cx.num('utcOffset'));
    const init = String(cx.param('init')).toLowerCase() as InitMethod;
    if (!INIT_METHODS.includes(init)) throw new LogInvestigatorError('BAD_OPTION', `session-clusters: init must be ${INIT_METHODS.join(' or ')}, not ${cx.param('init')}`);
    const seed = cx.num('seed');
    const gammaParam = String(cx.param('gamma')).trim();
    const gamma = gammaParam === '' ? undefined : Number(gammaParam);
    if (gamma !== undefined && !(Number.isFinite(gamma) && gamma >= 0)) throw new LogInvestigatorError('BAD_OPTION', `session-clusters: gamma must be a number ≥ 0, not ${gammaParam}`);
    const askedK = cx.num('k');
    const maxK = cx.num('maxK');
    if (!Number.isInteger(askedK) || askedK < 0) throw new LogInvestigatorError('BAD_OPTION', `session-clusters: k must be 0 or a whole number, not ${askedK}`);
    if (!Number.isInteger(maxK) || maxK < 1) throw new LogInvestigatorError('BAD_OPTION', `session-clusters: maxK must be a whole number ≥ 1, not ${maxK}`);
    if (rows.length < 2) return { findings: [], tables: [{ title: 'Sessions', columns: ['note'], rows: [[`${rows.length} session(s): too few to cluster`]] }], charts: [] };

    const numeric: Feature[] = [];
    if (cols.bytes.length) numeric.push({ name: 'bytes', of: (s) => s.bytes });
    numeric.push({ name: 'events', of: (s) => s.events });
    if (cols.files.length) numeric.push({ name: 'files', of: (s) => s.files ?? 0 });
    if (cols.time) numeric.push({ name: 'seconds', of: (s) => s.duration ?? 0 });
    const cats = categoricalColumns(cx, cols, String(cx.param('categorical')));
    const modes = cats.length ? modalValues(cx, cols, cats.map((c) => c.column)) : new Map<string, (string | null)[]>();
    const catNames = [...(cols.time ? ['time of day', 'weekday'] : []), ...cats.map((c) => c.name)];
    const numRows = rows.map((s) => numeric.map((f) => Math.log10(1 + Math.max(0, f.of(s)))));
    const catRows = rows.map((s) => [...(cols.time ? [s.bucket, s.weekday] : []), ...(modes.get(rowGroupKey(s)) ?? cats.map(() => null))]);
    const data = prepareMixed({ numeric: numRows, categorical: catRows }, { gamma, minStd: MIN_LOG_SCALE });
    const opts = { init, seed, gamma: data.gamma };

    let curve: CostPoint[] = [];
    let k = askedK;
    if (k === 0) {
      const pick = sampleIndices(seededRng(seed), rows.length, Math.max(2, cx.num('sample')));
      const sample = pick.length === rows.length ? data : prepareMixed({ numeric: pick.map((i) => numRows[i]), categorical: pick.map((i) => catRows[i]) }, { gamma: data.gamma, minStd: MIN_LOG_SCALE });
      curve = costCurve(sample, maxK, opts).points;
      k = kneeOf(curve);
    }
    const fit = kPrototypes(data, { ...opts, k });
    const n = rows.length;
    const rootDist = fit.distance.map(Math.sqrt);
    // when most sessions sit on their prototype the MAD is ~0; one standardised unit (a factor of 2 at the σ floor) is the least spread taken at face value
    const rs = robustStats(rootDist);
    const stats = { median: rs.median, scale: Math.max(rs.scale, 1) };
    const threshold = cx.num('threshold');
    const tinyPercent = cx.num('tinyPercent');
    // a cluster of one is tiny however few the sessions
    const tiny = fit.prototypes.map((p) => fit.k > 1 && (p.size === 1 || (100 * p.size) / n <= tinyPercent));
    const big = fit.prototypes.map((_, i) => i).filter((i) => !tiny[i]);

    const describeProto = (ik: number) => {
      const p = fit.prototypes[ik];
      const num = numeric.map((f, j) => (f.name === 'bytes' ? humanBytes(unlog(p.numeric[j])) : `${round(unlog(p.numeric[j]), 1)} ${f.name}`));
      return `${[...num, ...p.categorical.map((v) => v ?? '(none)')].join(', ')}`;
    };
    // a tiny cluster's session: its distance to the nearest large cluster's prototype; any other: to its own
    const nearest = rows.map((_, i) => {
      if (!tiny[fit.labels[i]] || !big.length) return { b: -1, d: rootDist[i] };
      let best = { b: -1, d: Infinity };
      for (const b of big) {
        const d = distanceToPrototype(fit, numRows[i], catRows[i], b).total;
        if (d < best.d) best = { b, d };
      }
      return { b: best.b, d: Math.sqrt(best.d) };
    });
    // each distance against its server's sessions, pooled with the whole log's as if POOL_SESSIONS sessions: a server whose every session is large is no outlier
    const servers = byServer(rows);
    const peerFar = peerStats(rootDist, servers, stats, 1);
    const peerApart = peerStats(nearest.map((x) => x.d), servers, stats, 1);
    const findings: Finding[] = [];
    const zs: number[] = [];
    rows.forEach((s, i) => {
      const ik = fit.labels[i];
      const z = robustZ(rootDist[i], peerFar.get(serverOf(s))!);
      zs.push(z);
      const far = z >= threshold;
      const nearestBig = nearest[i].b;
      const tinyScore = nearestBig >= 0 ? robustZ(nearest[i].d, peerApart.get(serverOf(s))!) : 0;
      // a tiny cluster next to a large one is a detail of the data, not an outlier
      const apart = tiny[ik] && tinyScore >= threshold;
      if (!far && !apart) return;
      const score = Math.max(far ? z : 0, apart ? tinyScore : 0);
      const risk = riskFromT(score, n, n);
      const server = serverOf(s);
      const peers = server === null ? 'the median session' : `the typical session to ${server} (its ${servers.get(server)!.length.toLocaleString('en-US')} sessions pooled with the whole log as if ${POOL_SESSIONS} sessions)`;
      const differs = catNames.filter((_, a) => (catRows[i][a] ?? null) !== fit.prototypes[ik].categorical[a]);
      const parts: string[] = [];
      if (far) {
        parts.push(
          `${z.toFixed(1)} robust σ farther from its cluster's prototype than ${peers} (squared numeric distance ${round(fit.numericDistance[i], 2)}, ${fit.categoricalDistance[i]} of ${catNames.length} categories differ${differs.length ? `: ${differs.map((nm) => `${nm} ${catRows[i][catNames.indexOf(nm)] ?? '(none)'}`).join(', ')}` : ''})`,
        );
      }
      if (apart) parts.push(`in cluster ${ik + 1}, which holds ${fit.prototypes[ik].size} of ${n} sessions (${round((100 * fit.prototypes[ik].size) / n, 2)} %), ${tinyScore.toFixed(1)} robust σ farther from the nearest large cluster ${nearestBig + 1} than ${peers}; that cluster is typically ${describeProto(nearestBig)}`);
      const mine = numeric.map((f) => (f.name === 'bytes' ? humanBytes(s.bytes) : `${f.of(s).toLocaleString('en-US')} ${f.name}`)).join(', ');
      const { where, params } = sessionWhere(cols, s);
      const inside = insideUpload(cx, cols, s);
      findings.push({
        id: findingId('session-clusters', cx.table.table, 'session', s.key),
        analysis: 'session-clusters',
        entity: { kind: 'session', value: s.key },
        score,
        severity: severityOfRisk(risk),
        risk,
        reason: `session ${s.key}${endpointsText(s)}${s.first ? ` began ${s.first.slice(0, 16)} (${s.weekday}, ${s.bucket})` : ''} (${mine}) is ${parts.join('; and ')}`,
        metrics: {
          cluster: ik + 1,
          clusterSize: fit.prototypes[ik].size,
          numericDistance: round(fit.numericDistance[i]),
          categoricalDistance: fit.categoricalDistance[i],
          distance: round(fit.distance[i]),
          robustZ: round(z, 2),
          k: fit.k,
          gamma: round(fit.gamma, 4),
        },
        evidence: cx.evidence(where, params),
        ...(s.first && s.last ? { window: { start: isoUtc(s.first), end: isoUtc(s.last) } } : {}),
        related: [s.origHost, s.respHost].filter((h) => h !== null && h !== undefined && h !== '').map((h) => ({ kind: 'ip' as const, value: String(h) })),
        ...(inside ? { context: [inside] } : {}),
      });
    });

    const flagged = new Set(findings.map((f) => f.entity.value));
    const top = Math.max(1, cx.num('top'));
    const order = rows.map((_, i) => i).sort((a, b) => fit.distance[b] - fit.distance[a] || a - b);
    const tables = [
      {
        title: `Clusters (k = ${fit.k}${askedK ? ', given' : ', the elbow of the cost curve'}; gamma ${round(fit.gamma, 4)}; numeric values are the prototype's, back from log10(1 + x))`,
        columns: ['cluster', 'sessions', 'share %', ...numeric.map((f) => f.name), ...catNames],
        rows: fit.prototypes.map((p, ik) => [ik + 1, p.size, round((100 * p.size) / n, 2), ...p.numeric.map((v) => round(unlog(v), 1)), ...p.categorical]),
      },
      ...(curve.length ? [{ title: 'Cost by number of clusters', columns: ['k', 'cost', 'chosen'], rows: curve.map((c) => [c.k, round(c.cost, 3), c.k === k ? 'yes' : '']) }] : []),
      {
        title: `Sessions farthest from their cluster's prototype (top ${top} of ${n.toLocaleString('en-US')})`,
        columns: ['session', 'cluster', 'numeric distance', 'categorical distance', 'distance', 'robust z', 'flagged'],
        rows: order.slice(0, top).map((i) => [rows[i].key, fit.labels[i] + 1, round(fit.numericDistance[i]), fit.categoricalDistance[i], round(fit.distance[i]), round(zs[i], 2), flagged.has(rows[i].key) ? 'yes' : '']),
      },
    ];
    const yField = cols.bytes.length ? 'bytes' : 'events';
    const shown = order.filter((i, r) => rows[i].hour !== null && (flagged.has(rows[i].key) || r < 5000));
    const charts = [
      ...(curve.length
        ? [
            {
              title: 'k-prototypes cost by number of clusters (the elbow is chosen)',
              spec: {
                $schema: VL,
                width: 360,
                height: 220,
                data: { values: curve.map((c) => ({ k: c.k, cost: round(c.cost, 3), chosen: c.k === k ? 'chosen k' : 'other k' })) },
                layer: [
                  { mark: { type: 'line' }, encoding: { x: { field: 'k', type: 'quantitative', axis: { tickMinStep: 1 } }, y: { field: 'cost', type: 'quantitative' } } },
                  {
                    mark: { type: 'point', filled: true },
                    encoding: {
                      x: { field: 'k', type: 'quantitative' },
                      y: { field: 'cost', type: 'quantitative' },
                      color: { field: 'chosen', type: 'nominal', title: null },
                      size: { condition: { test: "datum.chosen === 'chosen k'", value: 160 }, value: 40 },
                      tooltip: [{ field: 'k' }, { field: 'cost' }],
                    },
                  },
                ],
              },
            },
          ]
        : []),
      ...(shown.length
        ? [
            {
              title: `Sessions by cluster: ${yField} by the hour they began`,
              spec: {
                $schema: VL,
                width: 480,
                height: 300,
                data: {
                  values: shown.map((i) => ({
                    session: rows[i].key,
                    hour: round(rows[i].hour!, 3),
                    bytes: rows[i].bytes,
                    events: rows[i].events,
                    cluster: String(fit.labels[i] + 1),
                    distance: round(fit.distance[i]),
                    outlier: flagged.has(rows[i].key) ? 'flagged' : 'not flagged',
                  })),
                },
                mark: { type: 'point', filled: true, opacity: 0.75 },
                encoding: {
                  x: { field: 'hour', type: 'quantitative', title: 'hour of day (began)', scale: { domain: [0, 24] }, axis: { values: [0, 4, 8, 12, 16, 20, 24] } },
                  y: { field: yField, type: 'quantitative', title: yField, scale: { type: 'symlog' } },
                  color: { field: 'cluster', type: 'nominal' },
                  shape: { field: 'outlier', type: 'nominal', scale: { domain: ['not flagged', 'flagged'], range: ['circle', 'diamond'] }, title: null },
                  size: { condition: { test: "datum.outlier === 'flagged'", value: 160 }, value: 30 },
                  tooltip: [{ field: 'session' }, { field: 'cluster' }, { field: 'hour' }, { field: 'bytes' }, { field: 'events' }, { field: 'distance' }],
                },
              },
            },
          ]
        : []),
    ];
    return { findings, tables, charts };
  },
};
