import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, Finding, Severity } from '../../findings/model';
import { findingId, SEVERITIES } from '../../findings/model';
import { riskOfSeverity } from '../../findings/triage/risk';
import { parseValue } from '../../geo/locate';
import { loadThreatList, type ThreatEntry } from '../../geo/threatList';
import { quoteIdent } from '../../store/names';
import { isoUtc } from '../../findings/windows';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const SCORE = 8; // the analysis's own statistic: a listed address is a fact, not a statistical hunch
/** Users named beside a listed address at most (the related entities of its finding). */
const MAX_RELATED = 20;

/**
 * Threat-list join: every distinct value of every address column (source
 * and destination alike: the ip role and any column typed ip) checked
 * against a list of IPs, CIDRs and ranges; each listed address seen becomes
 * a finding with the events that carry it.
 *
 * Risk (docs/risk/events.md): the list's stated severity (`severity`, high by
 * default: the middle of its band, 80), whatever the number of events; there
 * is no null to test, the list's maintainers said the address is hostile.
 */
export const threatListMatches: Analysis = {
  id: 'threat-list',
  title: 'Addresses on a threat list',
  description:
    'Checks every address column (the ip role and every column typed ip, so sources and destinations) against a threat list (--param threats=FILE with one IP, CIDR or range per line, # comments, or a CSV with an ip/cidr column; or IPs/CIDRs separated by commas); each listed address seen is a finding.',
  needs: ['ip'],
  requiredParams: ['threats'],
  params: [
    { name: 'threats', description: 'threat list: a file of IPs/CIDRs (one per line, # comments, or CSV with an ip/cidr column), or IPs/CIDRs separated by commas', default: '' },
    { name: 'severity', description: "how much a listed address weighs: the list's severity (low, medium, high, critical)", default: 'high' },
    { name: 'top', description: 'bars in the chart', default: 20 },
  ],
  run(cx) {
    const severity = String(cx.param('severity')) as Severity;
    if (!SEVERITIES.includes(severity) || severity === 'info') throw new LogInvestigatorError('BAD_OPTION', `threat-list: severity is low, medium, high or critical, not '${severity}'`);
    const risk = riskOfSeverity(severity);
    const list = loadThreatList(String(cx.param('threats')));
    const user = cx.column('user');
    const cols = cx.table.columns.filter((c) => c.role === 'ip' || c.type === 'ip').map((c) => c.name);
    const hasTime = cx.table.columns.some((c) => c.name === '_time');
    const hasLines = cx.table.columns.some((c) => c.name === '_line');
    const hits = new Map<string, { value: SqlValue; entry: ThreatEntry; columns: string[]; events: number }>();
    let distinct = 0;
    for (const c of cols) {
      const q = quoteIdent(c);
      const rows = cx.query(`SELECT ${q}, count(*) FROM ${cx.t} WHERE ${q} IS NOT NULL GROUP BY 1`).rows;
      distinct += rows.length;
      for (const [value, n] of rows) {
        const ip = parseValue(value);
        const entry = ip && list.find(ip);
        if (!entry) continue;
        const key = String(value);
        const h = hits.get(key) ?? { value, entry, columns: [], events: 0 };
        h.columns.push(c);
        h.events += Number(n);
        hits.set(key, h);
      }
    }
    const findings: Finding[] = [];
    const rows: SqlValue[][] = [];
    for (const [key, h] of [...hits.entries()].sort((a, b) => b[1].events - a[1].events || a[0].localeCompare(b[0]))) {
      const where = `(${h.columns.map((c) => `${quoteIdent(c)} = ?`).join(' OR ')})`;
      const params = h.columns.map(() => h.value);
      const evidence = cx.evidence(where, params);
      // one row per event: a value in two columns of the same event counts once
      const events = evidence.total;
      const [first, last] = hasTime ? (cx.query(`SELECT min(_time), max(_time) FROM ${cx.t} WHERE ${where}`, params).rows[0] as [string | null, string | null]) : [null, null];
      const e = h.entry;
      // the first users in line order, so that every store gives the same
      const u = user && quoteIdent(user);
      const firstUsers = hasLines ? `SELECT ${u} FROM ${cx.t} WHERE ${where} AND ${u} IS NOT NULL GROUP BY 1 ORDER BY min(_line) LIMIT ${MAX_RELATED}` : `SELECT DISTINCT ${u} FROM ${cx.t} WHERE ${where} AND ${u} IS NOT NULL LIMIT ${MAX_RELATED}`;
      const related = u ? cx.query(firstUsers, params).rows.map((r) => ({ kind: 'user' as const, value: String(r[0]) })) : [];
      const listed = e.text === key ? `listed at ${e.where}` : `inside ${e.text}, listed at ${e.where}`;
      findings.push({
        id: findingId('threat-list', cx.table.table, 'ip', key),
        analysis: 'threat-list',
        entity: { kind: 'ip', value: key },
        score: SCORE,
        severity,
        risk,
        reason: `${key} is on the threat list (${listed}${e.note ? `: ${e.note}` : ''}); ${events.toLocaleString('en-US')} event${events === 1 ? '' : 's'} in ${h.columns.join(' and ')}${first ? `, ${first === last ? `at ${first}` : `from ${first} to ${last}`}` : ''}${related.length ? `, by ${related.map((r) => r.value).join(', ')}${related.length === MAX_RELATED ? ' and others' : ''}` : ''}`,
        metrics: { entry: e.text, listedAt: e.where, note: e.note ?? null, columns: h.columns.join(', '), events, first, last },
        evidence,
        ...(first && last ? { window: { start: isoUtc(first), end: isoUtc(last) } } : {}),
        ...(related.length ? { related } : {}),
        explain: { counterfactual: `Only the list flags it: without ${e.text} on the list it would not be a finding.` },
      });
      rows.push([key, e.text, e.note ?? null, h.columns.join(', '), events, first, last]);
    }
    const top = Math.max(1, Math.floor(cx.num('top')));
    return {
      findings,
      tables: [
        {
          title: `Listed addresses seen (${list.entries.toLocaleString('en-US')} entries in ${list.source}; ${distinct.toLocaleString('en-US')} distinct values checked in ${cols.join(', ')})`,
          columns: ['ip', 'entry', 'note', 'columns', 'events', 'first', 'last'],
          rows,
        },
      ],
      charts: rows.length
        ? [
            {
              title: 'Events of listed addresses',
              spec: {
                $schema: VL,
                data: { values: rows.slice(0, top).map((r) => ({ ip: r[0], events: r[4], entry: r[1] })) },
                mark: 'bar',
                encoding: {
                  y: { field: 'ip', type: 'nominal', sort: '-x', title: 'address' },
                  x: { field: 'events', type: 'quantitative', title: 'events' },
                  color: { value: '#d62728' },
                  tooltip: [{ field: 'ip' }, { field: 'entry' }, { field: 'events', format: ',' }],
                },
              },
            },
          ]
        : [],
    };
  },
};
