/**
 * Templates never seen before (#14 item 4): the templates of a log that no
 * template of a baseline log (an earlier file of the same system) matches.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { tooLittleData } from '../../errors';
import { quoteIdent } from '../../store/names';
import { riskFromLog10P } from '../../findings/triage/risk';
import { bucketText, bucketWindow, loadTemplates, noTemplates, templateFinding } from './templatesData';

const patterns = new Map<string, RegExp>();
/** A token with variables (`user=<*>`, `(uid=<*>)`) as a pattern: each <*> any text. */
function pattern(token: string): RegExp {
  let re = patterns.get(token);
  if (!re) {
    re = new RegExp(`^${token.split('<*>').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    if (patterns.size > 10000) patterns.clear();
    patterns.set(token, re);
  }
  return re;
}

const tokenMatches = (a: string, b: string) => a === b || (a.includes('<*>') && pattern(a).test(b)) || (b.includes('<*>') && pattern(b).test(a));

/**
 * Two templates stand for the same event when they have as many tokens and each pair matches, a
 * variable matching any text: each log's miner decides for itself when `user=root` becomes `user=<*>`.
 */
export function sameEvent(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!tokenMatches(a[i], b[i])) return false;
  return true;
}

export const templateNew: Analysis = {
  id: 'template-new',
  title: 'Templates never seen before',
  description:
    "Message templates of this log that no template of a baseline log (`baseline`: the table of an earlier file of the same system) matches, a variable matching any token. One that fills many of this log's minutes while the baseline has many minutes without it is a new kind of event; a one-off is not.",
  needs: ['time'],
  requiredParams: ['baseline'],
  shape: noTemplates,
  params: [
    { name: 'baseline', description: 'the table of the baseline log (indexed too; it needs message templates)', default: '' },
    { name: 'bucket', description: "time bucket: 'minute', 'hour', or 'auto'", default: 'auto' },
  ],
  run(cx) {
    const base = String(cx.param('baseline'));
    const info = cx.tables().find((t) => t.table === base);
    if (!info) throw tooLittleData(`no table ${base} to compare with (index the baseline log too)`);
    if (base === cx.table.table) throw tooLittleData(`${base} is the table itself, not a baseline`);
    const b = cx.param('bucket');
    const s = loadTemplates(cx, b === 'minute' || b === 'hour' ? b : 'auto');
    let known: string[][];
    try {
      known = cx.query(`SELECT template FROM ${quoteIdent(`${base}_templates`)}`).rows.map((r) => String(r[0]).split(' '));
    } catch {
      throw tooLittleData(`the baseline ${base} has no message templates`);
    }
    const chars = s.size === 'minute' ? 16 : 13;
    const time = info.columns.some((c) => c.name === '_time') ? '_time' : info.columns.find((c) => c.role === 'time')?.name;
    const baseBuckets = time ? Number(cx.query(`SELECT count(DISTINCT substr(${quoteIdent(time)}, 1, ${chars})) FROM ${quoteIdent(base)} WHERE ${quoteIdent(time)} IS NOT NULL`).rows[0][0]) : 0;
    if (!baseBuckets) throw tooLittleData(`the baseline ${base} has no line with a time`);
    const timed = s.templates.filter((t) => t.firstBucket >= 0);
    const findings: Finding[] = [];
    const rows: SqlValue[][] = [];
    for (const t of timed) {
      const tokens = t.template.split(' ');
      if (known.some((k) => sameEvent(tokens, k))) continue;
      // were it as common in the baseline's minutes as in this log's, some baseline minute would hold it
      const share = t.activeBuckets / Math.max(1, s.activeBuckets);
      const log10p = share >= 1 ? -Infinity : baseBuckets * Math.log10(1 - share);
      const risk = riskFromLog10P(log10p, timed.length);
      rows.push([t.id, t.template, t.count, bucketText(s, t.firstBucket), t.activeBuckets, risk]);
      findings.push(
        templateFinding(cx, 'template-new', t, {
          score: -log10p,
          risk,
          reason: `not in ${base} (${baseBuckets.toLocaleString('en-US')} ${s.size}s with lines); here in ${t.activeBuckets} of ${s.activeBuckets.toLocaleString('en-US')} ${s.size}s (${t.count.toLocaleString('en-US')} lines), first ${bucketText(s, t.firstBucket)}; as common there, it would have shown: p = ${log10p > -3 ? (10 ** log10p).toFixed(3) : `1e${Math.round(log10p)}`} among ${timed.length} templates`,
          metrics: { template: t.template, templateId: t.id, lines: t.count, activeBuckets: t.activeBuckets, baseline: base, baselineBuckets: baseBuckets },
          window: bucketWindow(s, t.firstBucket),
        }),
      );
    }
    findings.sort((x, y) => (y.risk ?? 0) - (x.risk ?? 0));
    rows.sort((x, y) => Number(y[5]) - Number(x[5]));
    return {
      findings: findings.slice(0, 50),
      tables: [{ title: `Templates not seen in ${base}`, columns: ['id', 'template', 'lines', 'first seen', `active ${s.size}s`, 'risk'], rows }],
      charts: [],
    };
  },
};
