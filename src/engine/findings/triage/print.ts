/**
 * The triage as the command line prints it (`log-investigator suspects`):
 * as text, group by group in the Findings view's order, or as JSON.
 */
import * as path from 'node:path';
import type { Finding } from '../model';
import type { Incident } from './incidents';
import type { Contribution, Suspect } from './suspects';
import { INCIDENTS_TITLE, type Triage } from './triage';

const evidenceOf = (f: Finding) => ({ file: f.evidence.file, table: f.evidence.table, lines: f.evidence.lines, total: f.evidence.total });
const reasonOf = (c: Contribution) => ({ analysis: c.analysis, table: c.table, reason: c.reason, score: Number(c.score.toFixed(3)), risk: c.risk, share: c.share, findings: c.findings });

function suspectJson(s: Suspect) {
  return {
    kind: s.kind,
    value: s.value,
    ...(s.name ? { name: s.name } : {}),
    risk: s.risk,
    surprise: s.surprise,
    severity: s.severity,
    analyses: s.analyses,
    reasons: s.contributions.map(reasonOf),
    evidence: s.contributions.map((c) => evidenceOf(c.finding)),
    context: s.context,
    lowered: s.lowered,
    explanation: { baseline: s.explanation.baseline, peers: s.explanation.peers, counterfactual: s.explanation.counterfactual, entity: s.explanation.entity, belowMedium: s.explanation.belowMedium, belowShown: s.explanation.belowShown },
  };
}

function incidentJson(i: Incident) {
  return { id: i.id, title: i.title, start: i.start, end: i.end, risk: i.risk, surprise: i.surprise, severity: i.severity, analyses: i.analyses, entities: i.entities, reasons: i.contributions.map(reasonOf), evidence: i.contributions.map((c) => evidenceOf(c.finding)), explanation: i.explanation };
}

/** limit: how many of each group (0: all). */
export function triageJson(t: Triage, skipped: string[], limit: number) {
  const cut = <T>(xs: T[]) => (limit > 0 ? xs.slice(0, limit) : xs);
  return {
    loud: t.loud,
    atLeastMedium: t.atLeastMedium,
    incidents: { total: t.incidents.length, shown: cut(t.incidents).map(incidentJson) },
    groups: t.groups.map((g) => ({ kind: g.kind, title: g.title, total: g.suspects.length, absorbedIntoIncidents: g.absorbed.length, suspects: cut(g.suspects).map(suspectJson) })),
    skipped,
  };
}

const lines = (f: Finding) => {
  const l = f.evidence.lines.slice(0, 5).join(', ');
  return l ? `${path.basename(f.evidence.file)} lines ${l}${f.evidence.total > 5 ? `, … (${f.evidence.total} rows)` : ''}` : `${f.evidence.table}, ${f.evidence.total} rows`;
};

function reasonLines(cs: Contribution[]): string[] {
  return cs.map((c) => `       - ${c.reason} (${c.analysis}; score ${c.score.toFixed(1)}, risk ${Math.round(c.risk)}, ${Math.round(c.share * 100)} %)\n         ${lines(c.finding)}`);
}

/** The text the command prints: each group's title with its count, then its first `limit` entries (0: all). */
export function triageText(t: Triage, limit: number): string {
  const out: string[] = [];
  const head = (title: string, shown: number, total: number, extra = '') => out.push(`\n${title} (${shown < total ? `${shown} of ${total}` : total}${extra})`);
  const cut = <T>(xs: T[]) => (limit > 0 ? xs.slice(0, limit) : xs);
  const risk = (r: number, sev: string) => `risk ${String(Math.round(r)).padStart(3)} ${sev.padEnd(8)}`;
  if (t.incidents.length) {
    const shown = cut(t.incidents);
    head(INCIDENTS_TITLE, shown.length, t.incidents.length);
    shown.forEach((i, k) => {
      out.push(`  ${String(k + 1).padStart(3)}. ${risk(i.risk, i.severity)} ${i.title}  [${i.analyses.join(', ')}]`);
      out.push(`       entities: ${i.entities.slice(0, 12).map((e) => `${e.kind} ${e.value}`).join(', ')}${i.entities.length > 12 ? `, … ${i.entities.length - 12} more` : ''}`);
      out.push(...reasonLines(i.contributions));
    });
  }
  for (const g of t.groups) {
    if (g.suspects.length === 0) continue;
    const shown = cut(g.suspects);
    head(g.title, shown.length, g.suspects.length, g.absorbed.length ? `; ${g.absorbed.length} more only in incidents` : '');
    shown.forEach((s, k) => {
      const label = s.name ? `${s.value} · ${s.name}` : s.value;
      out.push(`  ${String(k + 1).padStart(3)}. ${risk(s.risk, s.severity)} ${s.kind} ${label}  [${s.analyses.join(', ')}]${s.lowered ? '  (benign context)' : ''}`);
      out.push(...reasonLines(s.contributions));
    });
  }
  if (out.length === 0) out.push('No suspects: no finding at low risk or above.');
  out.push(`\n${t.loud} high or critical, ${t.atLeastMedium} medium or above.`);
  return out.join('\n').replace(/^\n/, '') + '\n';
}
