/**
 * Evidence is the anomaly (issue #11, item 6): a finding's `evidence.lines`
 * are its representative rows, the ones the editor marks and the tree shows,
 * not every row behind it. The analysis orders its evidence rows (the burst
 * minute's failures, the flagged day's requests, in line order); a loud
 * finding (high or critical) keeps its first `loud` rows, any other its
 * first one. `evidence.total` still counts every row and `evidence.sql`
 * lists them all ("rows…" in the tree, `suspects --json`).
 *
 * Why so few: on the sample workspace's login log (500 lines, 60 % of them
 * attack traffic) 23 findings are shown; at 50 rows each they marked 67 % of
 * the file, a mark on every attack row, which tells an analyst nothing a
 * single mark per burst does not. Measured by bench/evidence.mjs.
 */
import type { Evidence, Severity } from '../model';

export const EVIDENCE_MARKS = { loud: 2, other: 1 } as const;

/** How many representative rows a finding of this severity keeps. */
export function marksFor(severity: Severity): number {
  return severity === 'high' || severity === 'critical' ? EVIDENCE_MARKS.loud : EVIDENCE_MARKS.other;
}

/** The evidence with its lines cut to the representative rows (a copy: evidence may be shared between findings). */
export function representative(e: Evidence, severity: Severity): Evidence {
  const n = marksFor(severity);
  return e.lines.length <= n ? e : { ...e, lines: e.lines.slice(0, n) };
}
