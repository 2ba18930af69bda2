/**
 * Findings about minutes: a minute a detector or model calls an attack,
 * with the source IPs that failed in it and those rows as evidence.
 */
import type { AnalysisContext, Evidence, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { minuteText, type MinuteTable } from './minutes';
import type { LogSource } from './source';

export interface MinuteVerdict {
  /** Row of the minute table. */
  i: number;
  score: number;
  /** Risk on the one scale (findings/triage/risk.ts). */
  risk: number;
  /** Why, after the minute's counts and IPs. */
  why: string;
  metrics: Record<string, number | string | null>;
}

/** Lines of evidence kept per finding, as cx.evidence keeps. */
const EVIDENCE_LINES = 50;
/** Source IPs named in a minute's `related`, the busiest first. */
const MAX_RELATED = 200;

/**
 * One finding per minute (kind `window`, value 'YYYY-MM-DD HH:MM'), naming
 * the IPs with failures in it. The failed rows of every minute come from one
 * query: a query per minute would scan the log once per finding.
 */
export function minuteFindings(cx: AnalysisContext, src: LogSource, analysis: string, table: MinuteTable, verdicts: MinuteVerdict[]): Finding[] {
  if (!verdicts.length) return [];
  const { ip, time } = src.col as Record<'ip' | 'time', string>;
  const minutes = verdicts.map((v) => minuteText(table.start + v.i));
  const multi = src.tables.length > 1;
  // a table read from a SQLite file keeps its rows without _line: its rowid numbers them
  const line = cx.table.columns.some((c) => c.name === '_line') ? '_line' : 'rowid';
  const rows = cx.query(
    `SELECT substr(${time}, 1, 16) AS m, ${ip}, ${line}${multi ? ', _table' : ''} FROM ${src.from} WHERE ${src.fail} AND substr(${time}, 1, 16) IN (${minutes.map(() => '?').join(', ')}) ORDER BY ${multi ? '_table, ' : ''}${line}`,
    minutes,
  ).rows;
  const byMinute = new Map<string, { ips: Map<string, number>; lines: Map<string, number[]> }>();
  for (const [m, who, line, tbl] of rows) {
    const k = String(m);
    const e = byMinute.get(k) ?? { ips: new Map<string, number>(), lines: new Map<string, number[]>() };
    byMinute.set(k, e);
    if (who !== null) e.ips.set(String(who), (e.ips.get(String(who)) ?? 0) + 1);
    const t = multi ? String(tbl) : cx.table.table;
    e.lines.set(t, [...(e.lines.get(t) ?? []), Number(line)]);
  }
  const c = table.counts;
  return verdicts.map(({ i, score, risk, why, metrics }, k) => {
    const minute = minutes[k];
    const seen = byMinute.get(minute) ?? { ips: new Map<string, number>(), lines: new Map<string, number[]>() };
    const ips = [...seen.ips.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const named = ips.slice(0, 5).map(([x, n]) => `${x} ${n}×`).join(', ') + (ips.length > 5 ? ', …' : '');
    return {
      id: findingId(analysis, cx.table.table, 'window', minute),
      analysis,
      entity: { kind: 'window', value: minute },
      score,
      risk,
      severity: 'info',
      reason: `minute ${minute}: ${c.failures[i]} failures on ${c.usernames_with_failures[i]} usernames from ${ips.length} IP(s)${ips.length ? ` (${named})` : ''}; ${why}`,
      metrics: { minute, failures: c.failures[i], attempts: c.attempts[i], usernamesWithFailures: c.usernames_with_failures[i], ips: ips.map(([x]) => x).join(' '), ...metrics },
      evidence: evidenceOf(cx, src, minute, seen.lines, `${minuteText(table.start + i + 1)}:00`),
      // the minute and its source IPs: triage joins the minutes of one attack, and its IPs, into one incident
      window: { start: new Date((table.start + i) * 60000).toISOString(), end: new Date((table.start + i + 1) * 60000).toISOString() },
      related: ips.slice(0, MAX_RELATED).map(([x]) => ({ kind: 'ip' as const, value: x })),
    };
  });
}

/** The failed rows of a minute, in the file that holds them (the first, when a log spans several). */
function evidenceOf(cx: AnalysisContext, src: LogSource, minute: string, lines: Map<string, number[]>, to: string): Evidence {
  const [name, mine] = [...lines.entries()][0] ?? [cx.table.table, []];
  const info = src.tables.find((t) => t.table === name) ?? cx.table;
  const hasLines = info.columns.some((c) => c.name === '_line');
  const t = quoteIdent(info.table);
  let total = 0;
  for (const l of lines.values()) total += l.length;
  return {
    table: info.table,
    file: info.file,
    lines: hasLines ? mine.slice(0, EVIDENCE_LINES) : [],
    total,
    sql: `SELECT * FROM ${t} WHERE ${src.col.time} >= ? AND ${src.col.time} < ? AND ${src.fail} ORDER BY ${hasLines ? '_line' : 'rowid'}`,
    params: [`${minute}:00`, to],
  };
}
