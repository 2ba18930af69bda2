/**
 * Issue #11, item 6 ("evidence is the anomaly"), measured: on the sample workspace of `npm start`
 * (the same files as scripts/start.mjs writes), after running every analysis, the share of each
 * log's lines that are
 *   - marked: the evidence lines the editor marks by default (every finding of the suspects and
 *     incidents shown: the top 10 of each group, as the Findings view shows them);
 *   - evidence lines: the evidence lines of every finding at low or above (what the editor would
 *     mark if every suspect were revealed with "Show more");
 *   - evidence rows: every row that some finding's evidence SQL lists ("show all").
 * Bundled and run by bench/evidence.mjs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSES } from '../src/engine/analyses';
import { Engine } from '../src/engine/engine';
import { runAnalyses, type Finding } from '../src/engine/findings/model';
import { RISK_BANDS } from '../src/engine/findings/triage/risk';
import { triage } from '../src/engine/findings/triage/triage';
import { generateCourseLog, plantedCases } from '../test/generators/courseLog';
import { THREAT_IPS, writeEventStream } from '../test/generators/eventStream';
import { generateSmbFiles } from '../test/generators/smbFiles';

/** The files of the sample workspace (scripts/start.mjs), written into dir. */
export async function sampleWorkspace(root: string, dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const fixtures = ['access.log', 'OpenSSH_2k.log', 'Linux_2k.log', 'log.csv', 'attacks.csv', 'course.txt', 'cohorts.csv', 'smb_files.log.gz', 'smb_files.json.gz', 'events.jsonl', 'logins.sqlite'];
  for (const f of fixtures) fs.copyFileSync(path.join(root, 'test/fixtures', f), path.join(dir, f));
  const course = path.join(dir, 'course-site.txt');
  if (!fs.existsSync(course)) fs.writeFileSync(course, [...generateCourseLog({ lines: 200000, seed: 42, plants: plantedCases(42).lines })].join('\n') + '\n');
  const events = path.join(dir, 'events-mail.jsonl.gz');
  if (!fs.existsSync(events)) await writeEventStream(events);
  fs.writeFileSync(path.join(dir, 'smb_files-planted.log'), generateSmbFiles({ seed: 7 }).text);
  return [...fixtures.map((f) => path.join(dir, f)), course, events, path.join(dir, 'smb_files-planted.log')];
}

export interface Share {
  table: string;
  file: string;
  lines: number;
  marked: number;
  evidenceLines: number;
  evidenceRows: number;
  /** Per analysis: lines marked and rows listed. */
  byAnalysis: Record<string, { marked: number; rows: number }>;
}

export async function measure(root: string, dir: string): Promise<Share[]> {
  const files = await sampleWorkspace(root, dir);
  const engine = await Engine.create();
  const outcomes = await engine.index(files, { columns: ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] });
  for (const o of outcomes) if (o.error) throw new Error(o.error.message);
  const threats = path.join(dir, 'threats.txt');
  fs.writeFileSync(threats, THREAT_IPS.join('\n') + '\n');
  const params = { geo: path.join(root, 'test/fixtures/geo/GeoLite2-City-Test.mmdb'), threats, rules: path.join(root, 'test/fixtures/events/rules.json') };
  const q = (sql: string, p: (string | number | null | Uint8Array)[] = []) => engine.query(sql, p);
  const run = runAnalyses(ANALYSES, engine.tables(), q, params);
  const all = run.outputs.flatMap((o) => o.findings).filter((f) => (f.risk ?? 0) >= RISK_BANDS.low);
  const t = triage(all, { perGroup: 10 });
  const shown = new Set<Finding>();
  for (const i of t.incidents.slice(0, 10)) for (const f of i.findings) shown.add(f);
  for (const g of t.groups) for (const s of g.suspects.slice(0, 10)) for (const f of s.findings) shown.add(f);
  const out: Share[] = [];
  for (const table of engine.tables()) {
    if (!table.columns.some((c) => c.name === '_line')) continue;
    const lines = Number(q(`SELECT count(*) FROM "${table.table.replace(/"/g, '""')}"`).rows[0][0]);
    const mine = all.filter((f) => f.evidence.table === table.table);
    if (!lines) continue;
    const marked = new Set<number>();
    for (const f of mine) if (shown.has(f)) for (const l of f.evidence.lines) marked.add(l);
    const evidenceLines = new Set<number>();
    for (const f of mine) for (const l of f.evidence.lines) evidenceLines.add(l);
    const rows = new Set<number>();
    const per = new Map<string, { marked: Set<number>; rows: Set<number> }>();
    for (const f of mine) {
      const a = per.get(f.analysis) ?? { marked: new Set<number>(), rows: new Set<number>() };
      per.set(f.analysis, a);
      if (shown.has(f)) for (const l of f.evidence.lines) a.marked.add(l);
      const sql = f.evidence.sql.replace(/^SELECT \* FROM/, 'SELECT _line FROM');
      for (const [l] of q(sql, f.evidence.params).rows) {
        rows.add(Number(l));
        a.rows.add(Number(l));
      }
    }
    const byAnalysis = Object.fromEntries([...per].map(([k, v]) => [k, { marked: v.marked.size, rows: v.rows.size }]));
    out.push({ table: table.table, file: path.basename(table.file), lines, marked: marked.size, evidenceLines: evidenceLines.size, evidenceRows: rows.size, byAnalysis });
  }
  await engine.dispose();
  return out;
}
