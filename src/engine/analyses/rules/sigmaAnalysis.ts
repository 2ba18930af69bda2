import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, EntityKind, Evidence, Finding, Severity } from '../../findings/model';
import { findingId } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { runCorrelations } from '../../sigma/correlate';
import type { SigmaLevel, SigmaRule } from '../../sigma/rule';
import { loadMappings, rulesFrom, runRulesOnTable, type RuleRun } from '../../sigma/run';
import { riskOfSeverity } from '../../findings/triage/risk';

const SEVERITY_OF_LEVEL: Record<SigmaLevel, Severity> = { informational: 'info', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const KIND_OF_ROLE: Record<string, EntityKind> = { ip: 'ip', user: 'user' };

/** ATT&CK tags of a rule: `attack.t1059.001` → T1059.001, tactics as written. */
export function attackTags(rule: SigmaRule): string[] {
  return rule.tags.filter((t) => t.toLowerCase().startsWith('attack.')).map((t) => {
    const v = t.slice(7);
    return /^t\d{4}/i.test(v) ? v.toUpperCase() : v;
  });
}

/** What the Detection Rule License asks to keep, and what a finding shows of the rule. */
export function ruleMetrics(rule: SigmaRule): Record<string, string | number | null> {
  return {
    rule: rule.title,
    ruleId: rule.id ?? null,
    level: rule.level,
    author: rule.author ?? null,
    references: rule.references.join(' ') || null,
    attack: attackTags(rule).join(', ') || null,
    ruleFile: rule.file,
    ruleLine: rule.line,
    license: 'Detection Rule License 1.1',
  };
}

/**
 * Sigma rules (SigmaHQ's or yours) on every table whose log source they are
 * written for: one finding per rule and entity (IP or user, when the table
 * has one) with the matched rows as evidence; correlation rules over the
 * matches. Rules that cannot run are listed with the reason, never stop the others.
 */
export const sigmaAnalysis: Analysis = {
  id: 'sigma',
  title: 'Sigma rules',
  description:
    'Runs Sigma detection and correlation rules (--param sigma=DIR[,FILE…], searched recursively; --param sigma=bundled for the curated set shipped with the extension) on each table whose log source they are for (Windows events as JSON, Linux syslog/auth, Apache/Nginx, Zeek, cloud audit JSON), through field mappings (--param sigmaMappings=FILE adds yours); the rule\'s level gives the severity.',
  needs: [],
  // like the rules analysis it runs where rules are given: `bundled` names the curated set shipped with the extension
  requiredParams: ['sigma'],
  params: [
    { name: 'sigma', description: 'Sigma rule files or folders, separated by commas (searched recursively); "bundled": the curated set shipped with the extension', default: '' },
    { name: 'sigmaMappings', description: 'a JSON file of extra log sources and field mappings (same shape as src/engine/sigma/mappings.json)', default: '' },
    { name: 'maxEntities', description: 'findings per rule at most (the entities with the most matches)', default: 50 },
  ],
  run(cx) {
    const set = rulesFrom(String(cx.param('sigma')));
    if (set.rules.length === 0) throw new LogInvestigatorError('BAD_OPTION', `no Sigma rule in ${String(cx.param('sigma')) || 'the bundled set'}${set.problems.length ? `: ${set.problems[0].message}` : ''}`);
    const mappings = loadMappings(String(cx.param('sigmaMappings')) || undefined);
    const tr = runRulesOnTable(set.rules, cx.table, cx.query, mappings);
    const maxEntities = Math.max(1, Math.floor(cx.num('maxEntities')));
    const entCol = cx.table.columns.find((c) => c.role === 'ip') ?? cx.table.columns.find((c) => c.role === 'user');
    const findings: Finding[] = [];
    for (const r of tr.runs) if (r.status === 'matched') findings.push(...ruleFindings(r, entCol ? { name: entCol.name, kind: KIND_OF_ROLE[entCol.role!] } : undefined, maxEntities));
    const corr = tr.source ? runCorrelations(set.rules, tr.runs, cx, tr.source) : { findings: [], rows: [] };
    findings.push(...corr.findings);

    function ruleFindings(r: RuleRun, ent: { name: string; kind: EntityKind } | undefined, max: number): Finding[] {
      const where = `(${r.where!})`;
      const params = r.params ?? [];
      if (!ent) return [finding(r, undefined, r.rule.title, r.matched, r.first ?? null, r.last ?? null, where, params)];
      const e = quoteIdent(ent.name);
      const hasTime = cx.table.columns.some((c) => c.name === '_time');
      // on the rows the rule ran on, when the prefilter picked them (the same matches, without a scan)
      const only = r.rows ? `${r.rows.sql} AND ` : '';
      const per = cx.query(
        `SELECT +${e} AS e, count(*), ${hasTime ? 'min(_time), max(_time)' : 'NULL, NULL'} FROM ${cx.t} WHERE ${only}${where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`,
        [...(r.rows?.params ?? []), ...params, max],
      ).rows as [SqlValue, number, string | null, string | null][];
      return per.map(([v, n, first, last]) =>
        finding(r, ent, v === null ? '' : String(v), Number(n), first, last, v === null ? `${where} AND ${e} IS NULL` : `${where} AND ${e} = ?`, v === null ? params : [...params, v]),
      );
    }

    /**
     * The evidence of a finding, as cx.evidence gives it, with the count already
     * known and the first lines looked up on the rows the rule ran on (when the
     * prefilter picked them) instead of a scan per finding. The SQL it shows is
     * the rule's, over the whole table.
     */
    function evidenceOf(r: RuleRun, where: string, params: SqlValue[], total: number): Evidence {
      if (!r.rows) return cx.evidence(where, params);
      const hasLines = cx.table.columns.some((c) => c.name === '_line');
      const order = hasLines ? '_line' : 'rowid';
      const lines = hasLines ? cx.query(`SELECT _line FROM ${cx.t} WHERE ${r.rows.sql} AND ${where} ORDER BY _line LIMIT 50`, [...r.rows.params, ...params]).rows.map((x) => Number(x[0])) : [];
      return { table: cx.table.table, file: cx.table.file, lines, total, sql: `SELECT * FROM ${cx.t} WHERE ${where} ORDER BY ${order}`, params };
    }

    function finding(r: RuleRun, ent: { name: string; kind: EntityKind } | undefined, value: string, n: number, first: string | null, last: string | null, where: string, params: SqlValue[]): Finding {
      const rule = r.rule;
      const severity = SEVERITY_OF_LEVEL[rule.level];
      const tags = attackTags(rule);
      const who = ent ? ` from ${ent.kind === 'ip' ? 'IP' : ent.kind} ${value === '' ? '(empty)' : value}` : '';
      const when = first ? (first === last ? ` at ${first}` : ` between ${first} and ${last}`) : '';
      return {
        id: findingId('sigma', cx.table.table, ent?.kind ?? 'row', `${rule.id ?? rule.title}${ent ? ':' + value : ''}`),
        analysis: 'sigma',
        entity: ent ? { kind: ent.kind, value } : { kind: 'row', value: rule.title },
        score: n,
        risk: riskOfSeverity(severity),
        severity,
        reason: `Sigma rule "${rule.title}" (${rule.level}${tags.length ? `; ATT&CK ${tags.join(', ')}` : ''}): ${n.toLocaleString('en-US')} event${n === 1 ? '' : 's'}${who}${when}${rule.author ? `; rule by ${rule.author}` : ''}`,
        metrics: { ...ruleMetrics(rule), events: n, first, last, sql: r.where ?? null, missingFields: r.missing.join(', ') || null },
        evidence: evidenceOf(r, where, params, n),
        ...(first && last ? { window: { start: first, end: last } } : {}),
      };
    }

    // the line: where the problem is in the rule file (the key of a missing field, an unsupported modifier), else the rule's first line
    const statusRows: SqlValue[][] = tr.runs.map((r) => [r.rule.title, r.rule.level, r.status, r.matched, r.missing.join(', ') || null, r.message ?? null, r.rule.file, r.line ?? r.rule.line]);
    const problems: SqlValue[][] = [
      ...set.problems.map((p) => [p.rule ?? null, p.file, p.line, p.message]),
      ...tr.runs.filter((r) => r.status === 'failed' || r.status === 'unsupported').map((r) => [r.rule.title, r.rule.file, r.line ?? r.rule.line, r.message ?? null]),
    ];
    const count = (s: RuleRun['status']) => tr.runs.filter((r) => r.status === s).length;
    const summary = tr.source
      ? `${tr.source.def.title}: ${tr.runs.length} of ${set.rules.length} rules apply; ${count('matched')} matched, ${count('no match')} ran without a match, ${count('no fields')} skipped (no field of theirs in the table), ${count('unsupported')} unsupported, ${count('failed')} failed`
      : `no Sigma log source fits this table (format ${cx.table.format}); add one with --param sigmaMappings=FILE`;
    return {
      findings,
      tables: [
        { title: `Sigma rules on this table — ${summary}`, columns: ['rule', 'level', 'status', 'matched', 'missing fields', 'message', 'file', 'line'], rows: statusRows },
        ...(corr.rows.length ? [{ title: 'Sigma correlation rules', columns: ['rule', 'type', 'groups matched', 'message'], rows: corr.rows }] : []),
        ...(problems.length ? [{ title: 'Sigma problems', columns: ['rule', 'file', 'line', 'message'], rows: problems }] : []),
      ],
      charts: [],
    };
  },
};
