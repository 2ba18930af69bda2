/**
 * Sessions with extreme totals: the log aggregated per session id and
 * endpoints (sessionsAggregate.ts), then how far each session's total bytes,
 * events and distinct files lie above the typical session to its server
 * (the server's sessions pooled with the whole log's, sessionsPooled.ts). Totals of network
 * sessions span orders of magnitude, so the flag uses a robust z-score
 * (median and MAD, the MAD at least a factor of 2) of log10(1 + total): a session 100 times the typical one
 * stands out however skewed the rest are, and a handful of big sessions
 * cannot hide each other the way they would inflate a mean and σ. The plain
 * z-score of the raw total is reported beside it. A session that began in
 * the late night has its score multiplied by nightFactor.
 *
 * Risk (docs/risk/events.md): the upper tail of the largest robust z
 * (Student's t, the spread estimated from the sessions), times the measures compared, among the sessions that began in the same
 * time of day (a session as big as the day's largest is far rarer among the
 * few sessions of the late night).
 */
import type { Analysis, Finding, ResultTable } from '../../findings/model';
import { findingId, robustStats, robustZ } from '../../findings/model';
import { riskFromLog10P, severityOfRisk } from '../../findings/triage/risk';
import { log10StudentTail } from '../../findings/triage/tails';
import { isoUtc } from '../../findings/windows';
import { byServer, insideUpload, peerStats, POOL_SESSIONS, serverOf } from './sessionsPooled';
import { linkedRows, linkedText } from './zeekLinks';
import { aggregateSessions, BUCKETS, BUCKETS_TEXT, fileBytesOf, sessionColumns, sessionWhere, WEEKDAYS, type SessionColumns, type SessionRow } from './sessionsAggregate';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Parameters both session analyses take. */
export const SESSION_PARAMS = [
  { name: 'bytes', description: "columns summed into a session's bytes, comma-separated (default: found by name: size, seen_bytes, orig_bytes, resp_bytes, request_body_len, …; 'none' for none)", default: '' },
  { name: 'files', description: "columns that name a file, comma-separated (default: path and name, else name, fuid, path or the resource column; 'none' for none)", default: '' },
  { name: 'utcOffset', description: 'hours added to the UTC times before reading the hour and weekday (e.g. -7 for US Pacific daylight time)', default: 0 },
];

export interface Measure {
  name: 'bytes' | 'events' | 'files';
  noun: string;
  value: (s: SessionRow) => number;
}

export function measuresOf(c: SessionColumns): Measure[] {
  const m: Measure[] = [];
  if (c.bytes.length) m.push({ name: 'bytes', noun: 'total bytes', value: (s) => s.bytes });
  m.push({ name: 'events', noun: 'events', value: (s) => s.events });
  // the words fit the log: a DNS session asks for names, it has no files
  const fileLike = c.files.some((f) => /file|path|fuid|share|^name$/i.test(f));
  if (c.files.length) m.push({ name: 'files', noun: fileLike ? 'distinct files' : `distinct ${c.files.join(' / ')} values`, value: (s) => s.files ?? 0 });
  return m;
}

const log1p10 = (v: number) => Math.log10(1 + Math.max(0, v));

/**
 * The smallest spread of log10 totals taken at face value: a factor of 2.
 * When most sessions have the same total (one event each, zero bytes) the
 * MAD is 0 and its fallback tiny, and a session with 2 events instead of 1
 * would be "10 σ" out; with the floor it is 0.6 σ, and a session 1,000
 * times the median is still 10.
 */
export const MIN_LOG_SCALE = Math.log10(2);

/** A flagged session also lies this many standard deviations above the mean of its measure (the plain z the reason states). */
export const MIN_PLAIN_Z = 1;

function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, xs.length));
  return { mean, sd };
}

export interface SessionScore {
  s: SessionRow;
  score: number;
  /** The measure with the largest robust z. */
  worst: Measure;
  robust: Record<string, number>;
  z: Record<string, number>;
  night: boolean;
  /** The typical session it is compared with: its server's, pooled with the log's (log scale, per measure). */
  peer: Record<string, { median: number; scale: number; sessions: number }>;
}

/**
 * Robust z (log scale) of every measure against the session's server
 * (sessionsPooled.ts; the log's when it names no server), the plain z against the
 * whole log, and the session's score. A server whose every session is large
 * (a backup target, a video service) is not loud for being large.
 */
export function scoreSessions(rows: SessionRow[], measures: Measure[], nightFactor: number): SessionScore[] {
  const servers = byServer(rows);
  const stats = measures.map((m) => {
    const logs = rows.map((s) => log1p10(m.value(s)));
    const r = robustStats(logs);
    const log = { median: r.median, scale: Math.max(r.scale, MIN_LOG_SCALE) };
    const perServer = peerStats(logs, servers, log, MIN_LOG_SCALE);
    return { m, logs, perServer, plain: meanSd(rows.map((s) => m.value(s))) };
  });
  return rows.map((s, i) => {
    const robust: Record<string, number> = {};
    const z: Record<string, number> = {};
    const peer: SessionScore['peer'] = {};
    let worst = measures[0];
    let top = -Infinity;
    for (const st of stats) {
      const p = st.perServer.get(serverOf(s))!;
      const r = robustZ(st.logs[i], p);
      robust[st.m.name] = r;
      peer[st.m.name] = p;
      z[st.m.name] = st.plain.sd > 0 ? (st.m.value(s) - st.plain.mean) / st.plain.sd : 0;
      if (r > top) {
        top = r;
        worst = st.m;
      }
    }
    const night = s.bucket === BUCKETS[0].name;
    const base = Math.max(0, top);
    return { s, score: night ? base * nightFactor : base, worst, robust, z, night, peer };
  });
}

/**
 * Risk of a session whose largest robust z (log scale) over `measures`
 * measures is z, the spread estimated from `sessions` sessions, among the
 * `inBucket` sessions that began in its time of day:
 * E = P(T ≥ z) × measures × inBucket, T Student's t with sessions − 1
 * degrees of freedom (the normal tail for many sessions, heavier for few).
 */
export function sessionRisk(z: number, measures: number, sessions: number, inBucket: number): number {
  return riskFromLog10P(log10StudentTail(z, Math.max(1, sessions - 1)) + Math.log10(Math.max(1, measures)), inBucket);
}

export function humanBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = b;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

const hhmm = (t: string | null) => (t ? t.slice(11, 16) : '?');
const round = (v: number, d = 2) => Number(v.toFixed(d));

export function endpointsText(s: SessionRow): string {
  const side = (h: unknown, p: unknown) => (h === null && p === null ? '' : `${h ?? '?'}${p !== null ? ':' + String(p) : ''}`);
  const o = side(s.origHost, s.origPort);
  const r = side(s.respHost, s.respPort);
  return o || r ? ` from ${o || '?'} to ${r || '?'}` : '';
}

export const sessions: Analysis = {
  id: 'sessions',
  title: 'Network sessions with extreme totals',
  description: `Aggregates the log per session id and endpoints (orig/resp host and port when present; e.g. Zeek smb_files, conn, http): first and last time, events, total bytes, distinct files; z-scores of the totals and robust z-scores of log10(1 + total) against the session's server (median and MAD of its sessions pooled with the whole log's as if 20 sessions, the MAD at least log10(2)); weekday and time-of-day buckets: ${BUCKETS_TEXT}, in UTC plus utcOffset. Flags sessions whose largest robust z reaches the threshold; a session that began in the late night has its score multiplied by nightFactor.`,
  needs: ['session', 'time'],
  params: [
    { name: 'threshold', description: 'score (robust z of log10(1 + total), × nightFactor in the late night) from which a session is flagged', default: 3.5 },
    { name: 'nightFactor', description: 'multiplies the score of a session that began in the late night (00–04)', default: 1.5 },
    ...SESSION_PARAMS,
    { name: 'top', description: 'sessions listed in the table', default: 50 },
  ],
  run(cx) {
    const cols = sessionColumns(cx, String(cx.param('bytes')), String(cx.param('files')));
    const rows = aggregateSessions(cx, cols, cx.num('utcOffset'));
    const measures = measuresOf(cols);
    const threshold = cx.num('threshold');
    const scored = scoreSessions(rows, measures, cx.num('nightFactor'));
    const findings: Finding[] = [];
    const perBucket = new Map<string | null, number>();
    for (const s of rows) perBucket.set(s.bucket, (perBucket.get(s.bucket) ?? 0) + 1);
    for (const x of scored) {
      // far above the median of many tiny sessions but not above the mean (z = −0.1) is ordinary for a heavy-tailed log: not flagged
      if (x.score < threshold || !(x.z[x.worst.name] >= MIN_PLAIN_Z)) continue;
      const { s } = x;
      const inBucket = perBucket.get(s.bucket) ?? rows.length;
      const risk = sessionRisk(x.robust[x.worst.name], measures.length, rows.length, inBucket);
      const amount = (m: Measure) => (m.name === 'bytes' ? humanBytes(m.value(s)) : `${m.value(s).toLocaleString('en-US')} ${m.noun}`);
      const peer = x.peer[x.worst.name];
      const typical = 10 ** peer.median - 1;
      const worstMedian = x.worst.name === 'bytes' ? humanBytes(Math.round(typical)) : `${round(typical, 1).toLocaleString('en-US')}`;
      const server = s.respHost === null || s.respHost === '' ? '' : String(s.respHost);
      const against = server
        ? `the typical session to ${server} (${worstMedian}: its ${peer.sessions.toLocaleString('en-US')} session${peer.sessions === 1 ? '' : 's'} pooled with the whole log as if ${POOL_SESSIONS} sessions)`
        : `the median session (${worstMedian})`;
      const totals = measures.map((m) => (m.name === 'bytes' ? `${humanBytes(s.bytes)}` : amount(m))).join(', ');
      const when = s.first ? ` began ${s.first.slice(0, 16)} (${s.weekday}, ${s.bucket})` : '';
      const reason =
        `session ${s.key}${endpointsText(s)}${when}: ${totals}; ${x.worst.noun} ${x.robust[x.worst.name].toFixed(1)} robust σ above ${against} on a log scale, z = ${x.z[x.worst.name].toFixed(1)}` +
        (x.night ? `; score × ${cx.num('nightFactor')} for the late night` : '');
      const { where, params } = sessionWhere(cols, s);
      // a Zeek session (uid) shows its rows in the capture's other logs: an HTTP download its connection and file, a connection its requests
      const links = /^uid$/i.test(cols.session) ? linkedRows(cx, { uids: [s.key] }) : [];
      const inside = insideUpload(cx, cols, s);
      findings.push({
        id: findingId('sessions', cx.table.table, 'session', s.key),
        analysis: 'sessions',
        entity: { kind: 'session', value: s.key },
        score: x.score,
        severity: severityOfRisk(risk),
        risk,
        reason: `${reason}; ${inBucket.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} sessions began ${s.bucket ? `in the ${s.bucket}` : 'at an unknown time'}${links.length ? `; ${linkedText(links, 2)}` : ''}`,
        metrics: {
          first: s.first,
          last: s.last,
          durationSeconds: s.duration === null ? null : round(s.duration, 3),
          events: s.events,
          bytes: cols.bytes.length ? s.bytes : null,
          files: s.files,
          fileBytes: fileBytesOf(cx, cols, s),
          weekday: s.weekday,
          bucket: s.bucket,
          linked: links.length ? linkedText(links) : null,
          ...Object.fromEntries(measures.flatMap((m) => [[`robustZ_${m.name}`, round(x.robust[m.name])], [`z_${m.name}`, round(x.z[m.name])]])),
        },
        evidence: cx.evidence(where, params),
        ...(s.first && s.last ? { window: { start: isoUtc(s.first), end: isoUtc(s.last) } } : {}),
        related: [s.origHost, s.respHost].filter((h) => h !== null && h !== undefined && h !== '').map((h) => ({ kind: 'ip' as const, value: String(h) })),
        ...(inside ? { context: [inside] } : {}),
        explain: {
          peers: `${server ? `the typical session to ${server}` : 'the median session'}: ${worstMedian} ${x.worst.name === 'bytes' ? '' : x.worst.noun}`.trim(),
        },
      });
    }
    const top = Math.max(1, cx.num('top'));
    const ordered = [...scored].sort((a, b) => b.score - a.score || b.s.bytes - a.s.bytes || a.s.line - b.s.line);
    const endpointNames = ['orig host', 'orig port', 'resp host', 'resp port'];
    const sessionTable: ResultTable = {
      title: `Sessions by score (top ${top} of ${rows.length.toLocaleString('en-US')})`,
      columns: ['session', ...endpointNames, 'first', 'last', 'seconds', 'events', 'bytes', 'files', 'weekday', 'time of day', ...measures.flatMap((m) => [`z ${m.name}`, `robust z ${m.name}`]), 'score'],
      rows: ordered.slice(0, top).map(({ s, z, robust, score }) => [
        s.key,
        s.origHost,
        s.origPort,
        s.respHost,
        s.respPort,
        s.first,
        s.last,
        s.duration === null ? null : round(s.duration, 3),
        s.events,
        cols.bytes.length ? s.bytes : null,
        s.files,
        s.weekday,
        s.bucket,
        ...measures.flatMap((m) => [round(z[m.name]), round(robust[m.name])]),
        round(score),
      ]),
    };
    const cells = new Map<string, { n: number; bytes: number; events: number }>();
    for (const s of rows) {
      if (!s.bucket || !s.weekday) continue;
      const k = `${s.weekday}|${s.bucket}`;
      const c = cells.get(k) ?? { n: 0, bytes: 0, events: 0 };
      c.n++;
      c.bytes += s.bytes;
      c.events += s.events;
      cells.set(k, c);
    }
    const bucketRows = WEEKDAYS.flatMap((w) => BUCKETS.map((b) => [w, b.name, cells.get(`${w}|${b.name}`)] as const))
      .filter(([, , c]) => c)
      .map(([w, b, c]) => [w, b, c!.n, c!.events, c!.bytes]);
    const flagged = new Set(findings.map((f) => f.entity.value));
    const yField = cols.bytes.length ? 'bytes' : 'events';
    // the scatter keeps every flagged session and at most 5,000 others
    const points = ordered.filter((x, i) => x.s.hour !== null && (flagged.has(x.s.key) || i < 5000));
    return {
      findings,
      tables: [sessionTable, { title: 'Sessions by weekday and time of day', columns: ['weekday', 'time of day', 'sessions', 'events', 'bytes'], rows: bucketRows }],
      charts: rows.some((s) => s.hour !== null)
        ? [
            {
              title: `Sessions: ${yField} by the hour they began`,
              spec: {
                $schema: VL,
                width: 480,
                height: 300,
                data: { values: points.map((x) => ({ session: x.s.key, hour: round(x.s.hour!, 3), bytes: x.s.bytes, events: x.s.events, files: x.s.files, score: round(x.score), flagged: flagged.has(x.s.key) ? 'flagged' : 'not flagged' })) },
                mark: { type: 'point', filled: true, opacity: 0.7 },
                encoding: {
                  x: { field: 'hour', type: 'quantitative', title: 'hour of day (began)', scale: { domain: [0, 24] }, axis: { values: [0, 4, 8, 12, 16, 20, 24] } },
                  y: { field: yField, type: 'quantitative', title: yField, scale: { type: 'symlog' } },
                  color: { field: 'flagged', type: 'nominal', title: null },
                  size: { condition: { test: "datum.flagged === 'flagged'", value: 120 }, value: 30 },
                  tooltip: [{ field: 'session' }, { field: 'hour' }, { field: 'bytes' }, { field: 'events' }, { field: 'files' }, { field: 'score' }],
                },
              },
            },
            {
              title: 'Sessions by weekday and time of day',
              spec: {
                $schema: VL,
                data: { values: bucketRows.map(([w, b, n, , bytes]) => ({ weekday: w, bucket: b, sessions: n, bytes })) },
                mark: 'rect',
                encoding: {
                  x: { field: 'bucket', type: 'ordinal', sort: BUCKETS.map((b) => b.name), title: 'time of day' },
                  y: { field: 'weekday', type: 'ordinal', sort: WEEKDAYS, title: null },
                  color: { field: 'sessions', type: 'quantitative' },
                  tooltip: [{ field: 'weekday' }, { field: 'bucket' }, { field: 'sessions' }, { field: 'bytes' }],
                },
              },
            },
          ]
        : [],
    };
  },
};
