/**
 * Data and timing of the beacon bench (bench/beacons.mjs): a Zeek conn.log
 * of `rows` connections (2,000 hosts, each with 20 favourite servers it
 * reaches at random times, so some 40,000 pairs have enough connections to
 * be scored) plus 20 planted beacons (every 300 s ± 20 %, 10 % of beats
 * missing), indexed in-process; then the beacons analysis alone is timed.
 * Bundled by esbuild and run by the bench through `node -e`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beacons } from '../src/engine/analyses/network/beacons';
import { Engine } from '../src/engine/engine';
import { runAnalysis } from '../src/engine/findings/model';
import { mulberry32 } from '../test/generators/courseLog';

const HEAD = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring',
];

export function writeConn(file: string, rows: number, seed = 9): { beacons: string[] } {
  const rnd = mulberry32(seed);
  const start = Date.UTC(2024, 2, 5) / 1000;
  const span = 86400;
  const hosts = 2000;
  const planted: string[] = [];
  const lines: [number, string][] = [];
  let uid = 0;
  const line = (ts: number, src: string, dst: string, port: number, ob: number) => lines.push([ts, `${ts.toFixed(6)}\tC${(uid++).toString(36)}\t${src}\t${49152 + Math.floor(rnd() * 16000)}\t${dst}\t${port}\ttcp\tssl\t${(rnd() * 5).toFixed(6)}\t${ob}\t${Math.floor(rnd() * 50000)}\tSF`]);
  for (let b = 0; b < 20; b++) {
    const src = `10.9.${b}.${b + 1}`;
    const dst = `198.18.${b}.7`;
    planted.push(src);
    for (let ts = start + rnd() * 300; ts < start + span; ts += 300 * (0.8 + 0.4 * rnd())) if (rnd() >= 0.1) line(ts, src, dst, 4443, 300 + Math.floor(rnd() * 20));
  }
  const perHost = Math.max(1, Math.floor((rows - lines.length) / hosts));
  for (let h = 0; h < hosts; h++) {
    const src = `10.${1 + (h >> 8)}.${h & 255}.${10 + (h % 200)}`;
    const favourites = Array.from({ length: 20 }, () => `${20 + Math.floor(rnd() * 180)}.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.${1 + Math.floor(rnd() * 250)}`);
    for (let k = 0; k < perHost; k++) line(start + rnd() * span, src, favourites[Math.floor(rnd() * rnd() * 20)], rnd() < 0.8 ? 443 : 80, 200 + Math.floor(rnd() * 3000));
  }
  lines.sort((a, b) => a[0] - b[0]);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, HEAD.join('\n') + '\n');
  for (let i = 0; i < lines.length; i += 20000) fs.writeSync(fd, lines.slice(i, i + 20000).map((l) => l[1]).join('\n') + '\n');
  fs.closeSync(fd);
  return { beacons: planted };
}

export async function beaconBench(dir: string, rows: number): Promise<Record<string, unknown>> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'conn-1m.log');
  const { beacons: planted } = writeConn(file, rows);
  const engine = await Engine.create();
  const t0 = performance.now();
  const outcomes = await engine.index([file], {});
  const indexMs = performance.now() - t0;
  const table = outcomes[0].tables[0];
  const times: number[] = [];
  const cpu: number[] = [];
  let out;
  for (let i = 0; i < 2; i++) {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    out = runAnalysis(beacons, table, (s, p) => engine.query(s, p), {}, engine.tables());
    const c = process.cpuUsage(c1);
    cpu.push((c.user + c.system) / 1000);
    times.push(performance.now() - t1);
  }
  const found = new Set(out!.findings.filter((f) => (f.risk ?? 0) >= 75).map((f) => f.entity.value));
  const loud = out!.findings.filter((f) => (f.risk ?? 0) >= 50).length;
  const scored = Number(String(out!.tables[0].title).match(/\((\d+) pairs/)?.[1] ?? 0);
  await engine.dispose();
  return { rows: table.rows, indexMs: Math.round(indexMs), beaconMs: Math.round(Math.min(...times)), runsMs: times.map(Math.round), cpuMs: Math.round(Math.min(...cpu)), pairsScored: scored, findings: out!.findings.length, loud, plantedFound: planted.filter((p) => found.has(p)).length, planted: planted.length, missed: planted.filter((p) => !found.has(p)) };
}
