import type { SqlValue } from '../../store/database';
import { errorMessage, LogInvestigatorError } from '../../errors';
import type { Analysis, EntityKind, Finding, Severity } from '../../findings/model';
import { findingId } from '../../findings/model';
import { riskOfSeverity, severityOfRisk } from '../../findings/triage/risk';
import { quoteIdent } from '../../store/names';
import { compileRule, formatRuleError, readRules, ruleAppliesTo, ruleEntity, type Rule } from './rules';
import { isoUtc } from '../../findings/windows';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The score of a rule's severity (the analysis's own statistic); more matching events rank a little higher within it. */
const BASE: Record<Severity, number> = { info: 1, low: 3, medium: 4, high: 6, critical: 10 };

/**
 * Risk of a rule's finding: the severity its author stated (the middle of its
 * band: low 35, medium 60, high 80, critical 95), plus 2 × log10 of the
 * matching events, at most 4, so that more matches rank a little higher
 * without leaving the band.
 */
export function ruleRisk(severity: Severity, events: number): number {
  return Math.round((riskOfSeverity(severity) + Math.min(4, 2 * Math.log10(Math.max(1, events)))) * 10) / 10;
}
const KIND_OF_ROLE: Record<string, EntityKind> = { ip: 'ip', user: 'user', group: 'group', resource: 'resource', session: 'session' };

/**
 * The user's rules (a rules file or JSON text): one finding per rule and
 * entity with the number of matching events and the lines. Rules that do not
 * compile against the table are listed with SQLite's message; the others run.
 */
export const rulesAnalysis: Analysis = {
  id: 'rules',
  title: 'Rules',
  description: 'Your rules (.log-investigator/rules.json: a name, an SQL condition, a severity, an entity column): one finding per rule and entity with the matching events.',
  needs: [],
  periodTables: true,
  requiredParams: ['rules'],
  params: [
    { name: 'rules', description: 'the rules file (e.g. .log-investigator/rules.json) or the rules as JSON text', default: '' },
    { name: 'maxEntities', description: 'findings per rule at most (the entities with the most matches)', default: 200 },
  ],
  run(cx) {
    const set = readRules(String(cx.param('rules')));
    // a file that does not parse at all is the user's to fix before anything runs
    if (set.rules.length === 0 && set.errors.length) throw new LogInvestigatorError('BAD_OPTION', `no rule can run: ${set.errors.map(formatRuleError).join('; ')}`);
    const maxEntities = Math.max(1, Math.floor(cx.num('maxEntities')));
    const hasTime = cx.table.columns.some((c) => c.name === '_time');
    const findings: Finding[] = [];
    const summary: SqlValue[][] = [];
    const errors: SqlValue[][] = set.errors.map((e) => [e.rule ?? null, e.line, e.column, e.message]);
    for (const rule of set.rules) {
      if (!ruleAppliesTo(rule, cx.table)) continue;
      const problem = compileRule(rule, cx.table, cx.query);
      if (problem) {
        const msg = `rule "${rule.name}" on table ${cx.table.table}: ${problem}`;
        errors.push([rule.name, rule.conditionLine, rule.conditionColumn, msg]);
        summary.push([rule.name, rule.severity, null, null, msg]);
        continue;
      }
      // each rule on its own: one that fails while running (malformed JSON in json_extract, a runaway expression…)
      // is named with its table in the errors and the summary, and the other rules' findings stay
      const found: Finding[] = [];
      try {
        const row = runRule(rule, found);
        findings.push(...found);
        summary.push(row);
      } catch (e) {
        const msg = `rule "${rule.name}" on table ${cx.table.table} failed while running: ${errorMessage(e).replace(/^SQL error: /, '')}`;
        errors.push([rule.name, rule.conditionLine, rule.conditionColumn, msg]);
        summary.push([rule.name, rule.severity, null, null, msg]);
      }
    }

    /** Runs one rule: its findings go into found; returns its summary row. */
    function runRule(rule: Rule, found: Finding[]): SqlValue[] {
      const cond = `(${rule.condition})`;
      const ent = ruleEntity(rule, cx.table);
      if (!ent) {
        const matched = Number(cx.query(`SELECT count(*) FROM ${cx.t} WHERE ${cond}`).rows[0][0]);
        if (matched) found.push(finding(rule.name, undefined, rule.name, matched, null, null, cond, []));
        return [rule.name, rule.severity, matched, null, 'no entity column: one finding for the rule'];
      }
      const e = quoteIdent(ent.name);
      // one scan: the matches per entity, with the totals over all entities beside them (window sums over the groups);
      // +column: SQLite's no-op unary plus keeps the planner off the column's index, whose walk would fetch every row at random
      const groups = `SELECT +${e} AS e, count(*) AS n, ${hasTime ? 'min(_time) AS first, max(_time) AS last' : 'NULL AS first, NULL AS last'} FROM ${cx.t} WHERE ${cond} GROUP BY 1`;
      const per = (
        cx.windows === false
          ? withTotals(cx.query(`SELECT e, n, first, last FROM (${groups}) ORDER BY 2 DESC, 1 LIMIT ?`, [maxEntities]).rows, cx.query(`SELECT sum(n), count(*) FROM (${groups})`).rows[0])
          : cx.query(`SELECT e, n, first, last, sum(n) OVER (), count(*) OVER () FROM (${groups}) ORDER BY 2 DESC, 1 LIMIT ?`, [maxEntities]).rows
      ) as [SqlValue, number, string | null, string | null, number, number][];
      const matched = per.length ? per[0][4] : 0;
      const entities = per.length ? per[0][5] : 0;
      const kind = KIND_OF_ROLE[ent.role ?? ''] ?? 'row';
      for (const [value, n, first, last] of per) {
        const where = value === null ? `${cond} AND ${e} IS NULL` : `${cond} AND ${e} = ?`;
        found.push(finding(rule.name, { kind, column: ent.name }, value === null ? '' : String(value), n, first, last, where, value === null ? [] : [value]));
      }
      return [rule.name, rule.severity, matched, entities, entities > maxEntities ? `findings for the ${maxEntities} entities with the most matches` : 'ok'];
    }

    /** A rule's finding about one entity, or about the rule's matches as a whole when the table has no entity column. */
    function finding(name: string, entity: { kind: EntityKind; column: string } | undefined, value: string, n: number, first: string | null, last: string | null, where: string, params: SqlValue[]): Finding {
      const rule = set.rules.find((r) => r.name === name)!;
      const score = BASE[rule.severity] + Math.min(0.9, Math.log10(n) / 5);
      const risk = ruleRisk(rule.severity, n);
      const kind = entity?.kind ?? 'row';
      const who = entity ? ` from ${entity.kind === 'row' ? entity.column : entity.kind === 'ip' ? 'IP' : entity.kind} ${value === '' ? '(empty)' : value}` : '';
      return {
        id: findingId('rules', cx.table.table, kind, entity ? `${name}:${value}` : name),
        analysis: 'rules',
        entity: { kind, value },
        score,
        severity: severityOfRisk(risk),
        risk,
        reason: `rule "${name}" (${rule.severity}): ${n.toLocaleString('en-US')} event${n === 1 ? '' : 's'}${who} matched ${rule.condition}${first ? (first === last ? ` at ${first}` : ` between ${first} and ${last}`) : ''}${rule.description ? ` — ${rule.description}` : ''}`,
        metrics: { rule: name, severity: rule.severity, events: n, first, last, condition: rule.condition },
        evidence: cx.evidence(where, params),
        ...(first && last ? { window: { start: isoUtc(first), end: isoUtc(last) } } : {}),
      };
    }

    return {
      findings,
      tables: [
        { title: 'Rules on this table', columns: ['rule', 'severity', 'matching events', 'entities', 'status'], rows: summary },
        ...(errors.length ? [{ title: 'Rule errors', columns: ['rule', 'line', 'column', 'message'], rows: errors }] : []),
      ],
      charts: summary.some((r) => r[2] !== null)
        ? [
            {
              title: 'Matching events per rule',
              spec: {
                $schema: VL,
                data: { values: summary.filter((r) => r[2] !== null).map(([rule, severity, n]) => ({ rule, severity, n })) },
                mark: 'bar',
                encoding: {
                  y: { field: 'rule', type: 'nominal', sort: '-x', title: 'rule' },
                  x: { field: 'n', type: 'quantitative', title: 'matching events' },
                  color: { field: 'severity', type: 'nominal', scale: { domain: ['info', 'low', 'medium', 'high', 'critical'] } },
                  tooltip: [{ field: 'rule' }, { field: 'severity' }, { field: 'n', title: 'events' }],
                },
              },
            },
          ]
        : [],
    };
  },
};

/** The window query's rows without window functions (a store without OVER): the totals over all groups, from their own query, beside each row. */
function withTotals(rows: SqlValue[][], totals: SqlValue[]): SqlValue[][] {
  return rows.map((r) => [...r, Number(totals[0] ?? 0), Number(totals[1] ?? 0)]);
}
