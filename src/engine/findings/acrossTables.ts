/**
 * One thing, one finding: the logs of one capture describe the same
 * connection in several tables (a Zeek conn.log row, its ssl.log row, its
 * rdp.log row), so an analysis that runs on each of them finds the same
 * source → destination pair more than once. An analysis that says what its
 * finding is about whatever the table (`Analysis.sameAcross`) has those
 * findings merged after the run: the loudest is kept (then the one with the
 * most connections, then the first table), its reason and metrics name the
 * other tables, and the others are dropped.
 */
import type { Analysis, AnalysisOutput, Finding } from './model';

interface Seen {
  output: AnalysisOutput;
  finding: Finding;
  others: { table: string; finding: Finding }[];
}

const loudness = (f: Finding) => [f.risk ?? 0, Number(f.metrics.connections ?? 0)];

function louder(a: Finding, b: Finding): boolean {
  const [ra, ca] = loudness(a);
  const [rb, cb] = loudness(b);
  return ra > rb || (ra === rb && ca > cb);
}

/** Merges, in place, the findings of one analysis on several tables that are about the same thing. */
export function mergeAcrossTables(outputs: AnalysisOutput[], analyses: readonly Analysis[]): void {
  for (const a of analyses) {
    if (!a.sameAcross) continue;
    const mine = outputs.filter((o) => o.analysis === a.id);
    if (mine.length < 2) continue;
    const byKey = new Map<string, Seen>();
    const drop = new Set<Finding>();
    for (const output of mine)
      for (const finding of output.findings) {
        const key = a.sameAcross(finding);
        if (key === undefined) continue;
        const seen = byKey.get(key);
        if (!seen) {
          byKey.set(key, { output, finding, others: [] });
        } else if (louder(finding, seen.finding)) {
          drop.add(seen.finding);
          seen.others.push({ table: seen.output.table, finding: seen.finding });
          Object.assign(seen, { output, finding });
        } else {
          drop.add(finding);
          seen.others.push({ table: output.table, finding });
        }
      }
    for (const s of byKey.values()) {
      if (!s.others.length) continue;
      const tables = s.others.map((o) => o.table);
      s.finding.reason += `; the same in ${s.others.map((o) => `${o.table} (risk ${o.finding.risk ?? 0})`).join(', ')}, one finding for both`;
      s.finding.metrics = { ...s.finding.metrics, alsoIn: tables.join(', ') };
    }
    for (const o of mine) o.findings = o.findings.filter((f) => !drop.has(f));
  }
}
