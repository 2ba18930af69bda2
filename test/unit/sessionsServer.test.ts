/**
 * `sessions` and `session-clusters` compare a session with its own server's
 * sessions, pooled with the whole log's as if POOL_SESSIONS sessions: a
 * server whose every session is large (a NAS backup target, a video service)
 * is not loud for being large, and one large session to a server with no
 * other session still is.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { MIN_LOG_SCALE } from '../../src/engine/analyses/network/sessions';
import { POOL_SESSIONS, pooledStats } from '../../src/engine/analyses/network/sessionsPooled';
import { robustStats, runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { seededRng } from '../../src/engine/cluster/random';
import { indexed, tmpDir } from '../helpers';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring',
];

interface Conn {
  uid: string;
  src: string;
  dst: string;
  port: number;
  bytes: number;
}

/** 4,000 web sessions to 40 servers (1–60 kB), 30 daytime sessions of 1–2 GB to one NAS, and one 1.5 GB session to a server seen once. */
function capture(): { conns: Conn[]; nas: string; lone: Conn } {
  const rnd = seededRng(11);
  const conns: Conn[] = [];
  let n = 0;
  const uid = () => `C${(1000 + n++).toString(36)}x${Math.floor(rnd() * 1e9).toString(36)}`;
  for (let i = 0; i < 4000; i++) conns.push({ uid: uid(), src: `10.1.0.${1 + (i % 50)}`, dst: `93.184.${i % 40}.10`, port: 443, bytes: Math.round(1000 * 60 ** rnd()) });
  const nas = '10.1.9.5';
  for (let i = 0; i < 30; i++) conns.push({ uid: uid(), src: `10.1.0.${1 + (i % 3)}`, dst: nas, port: 445, bytes: Math.round(1e9 * (1 + rnd())) });
  const lone = { uid: uid(), src: '10.1.0.7', dst: '203.0.113.9', port: 8443, bytes: 1_500_000_000 };
  conns.push(lone);
  return { conns, nas, lone };
}

function write(conns: Conn[]): string {
  const t0 = Date.UTC(2024, 2, 5, 9) / 1000;
  // every session in the working day (09–17), so the late-night factor plays no part
  const lines = conns.map((c, i) => [(t0 + i * 7).toFixed(6), c.uid, c.src, 40000 + i, c.dst, c.port, 'tcp', c.port === 445 ? 'smb' : 'ssl', '12.5', Math.round(c.bytes / 2), c.bytes - Math.round(c.bytes / 2), 'SF'].join('\t'));
  const file = path.join(tmpDir(), 'conn.log');
  fs.writeFileSync(file, [...HEADER, ...lines, ''].join('\n'));
  return file;
}

describe('sessions against their own server', function () {
  this.timeout(120000);
  const { conns, nas, lone } = capture();
  let outs: Record<string, AnalysisOutput>;
  before(async () => {
    const { engine, tables } = await indexed([write(conns)]);
    const run = (id: string) => runAnalysis(analysisById(id)!, tables[0], (sql, p = []) => engine.query(sql, p), {}, tables);
    outs = { sessions: run('sessions'), clusters: run('session-clusters') };
    await engine.dispose();
  });

  it('pools a server with few sessions toward the log: the log weighs as POOL_SESSIONS sessions', () => {
    // the log: 100 values evenly from 2 to 4 (median 3, MAD 0.5)
    const log = Array.from({ length: 101 }, (_, i) => 2 + i / 50);
    const one = pooledStats([9], log, MIN_LOG_SCALE);
    // one session at 9 against 20 sessions' worth of the log: the median stays within the log's middle
    // (it moves the median by half a session's weight: to the 53rd of the log's 101 values, 3.04–3.06)
    assert.ok(Math.abs(one.median - 3) < 0.1, `median ${one.median}`);
    assert.ok(Math.abs(one.scale - 1.4826 * 0.5) < 0.1, `scale ${one.scale}`);
    // 30 sessions at 9 outweigh the log's 20: the server is compared with itself, its spread at the floor
    const many = pooledStats(new Array(30).fill(9), log, MIN_LOG_SCALE);
    assert.ok(Math.abs(many.median - 9) < 1e-6, `median ${many.median}`);
    assert.equal(many.scale, MIN_LOG_SCALE);
    assert.equal(POOL_SESSIONS, 20);
  });

  it('the NAS sessions are far above the log but not above their server: not flagged; the lone large session is', () => {
    // independently of the analysis: against the whole log, every NAS session lies beyond the threshold 3.5
    const logs = conns.map((c) => Math.log10(1 + c.bytes));
    const r = robustStats(logs);
    const scale = Math.max(r.scale, MIN_LOG_SCALE);
    const nasZ = conns.filter((c) => c.dst === nas).map((c) => (Math.log10(1 + c.bytes) - r.median) / scale);
    assert.ok(Math.min(...nasZ) > 3.5, `the NAS sessions' log-wide z: at least ${Math.min(...nasZ)}`);

    const f = outs.sessions.findings;
    assert.deepEqual(f.map((x) => x.entity.value), [lone.uid]);
    assert.match(f[0].reason, /total bytes [\d.]+ robust σ above the typical session to 203\.0\.113\.9 \([\d.]+ [KM]?B: its 1 session pooled with the whole log as if 20 sessions\) on a log scale/);
    assert.equal(f[0].severity, 'critical');
  });

  it('session-clusters: no NAS session is flagged, the lone large session is', () => {
    const flagged = outs.clusters.findings.map((x) => x.entity.value);
    const nasUids = new Set(conns.filter((c) => c.dst === nas).map((c) => c.uid));
    assert.deepEqual(flagged.filter((u) => nasUids.has(u)), []);
    assert.ok(flagged.includes(lone.uid), `flagged: ${flagged.join(', ')}`);
  });
});
