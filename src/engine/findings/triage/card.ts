/**
 * The explanation card of a suspect or an incident, as Markdown: its risk,
 * each contribution with its share, the baselines, peers and counterfactuals
 * the analyses gave, benign context, and what would have to go for it not to
 * be flagged. Every text from a file is made literal (safeText, then
 * Markdown's special characters escaped), so a log line cannot add a link,
 * an image or an icon.
 */
import { safeText } from '../../../shared/safeText';
import type { Incident } from './incidents';
import type { Contribution, Suspect } from './suspects';

/** Text from a file as literal Markdown. */
export function mdText(s: string): string {
  return safeText(s).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

function contributionLines(cs: Contribution[]): string[] {
  const out = ['| analysis | table | risk | share | findings |', '|---|---|---:|---:|---:|'];
  for (const c of cs) out.push(`| ${mdText(c.analysis)} | ${mdText(c.table)} | ${Math.round(c.risk)} | ${pct(c.share)} | ${c.findings} |`);
  out.push('');
  for (const c of cs) out.push(`- **${mdText(c.analysis)}** (score ${c.score.toFixed(2)}): ${mdText(c.reason)}`);
  return out;
}

const section = (title: string, items: string[]) => (items.length ? [`### ${title}`, '', ...items.map((x) => `- ${mdText(x)}`), ''] : []);

export function suspectCard(s: Suspect): string {
  const label = s.name ? `${s.value} · ${s.name}` : s.value;
  return [
    `## ${mdText(`${s.kind} ${label}`)}`,
    '',
    `**Risk ${Math.round(s.risk)} of 100 — ${s.severity}**, from ${s.contributions.length} ${s.contributions.length === 1 ? 'analysis' : 'analyses'}${s.lowered ? ' (lowered by benign context)' : ''}.`,
    '',
    '### Contributions',
    '',
    ...contributionLines(s.contributions),
    '',
    ...section('Baseline (its own past)', s.explanation.baseline),
    ...section('Peers', s.explanation.peers),
    ...section('Benign context', s.context.map((c) => `${c.kind}: ${c.text}`)),
    ...section('What would have to differ', [...s.explanation.counterfactual, ...(s.explanation.entity ? [s.explanation.entity] : [])]),
  ].join('\n');
}

export function incidentCard(i: Incident): string {
  const shown = i.entities.slice(0, 50);
  return [
    `## Incident ${mdText(i.title)}`,
    '',
    `**Risk ${Math.round(i.risk)} of 100 — ${i.severity}**, from ${i.start} to ${i.end}, ${i.findings.length} findings by ${i.analyses.length} ${i.analyses.length === 1 ? 'analysis' : 'analyses'}.`,
    '',
    '### Contributions',
    '',
    ...contributionLines(i.contributions),
    '',
    '### Entities',
    '',
    ...shown.map((e) => `- ${e.kind} ${mdText(e.value)}`),
    ...(i.entities.length > shown.length ? [`- … ${i.entities.length - shown.length} more`] : []),
    '',
    ...section('What would have to differ', [i.explanation]),
  ].join('\n');
}
