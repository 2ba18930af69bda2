/**
 * Suspects: one per entity (kind + value), its findings across analyses and
 * tables combined into one risk (combine.ts), with each contribution's share
 * and an explanation gathered from the findings, ranked within its kind.
 */
import type { BenignContext, EntityKind, Finding, Severity } from '../model';
import { combine, riskOf, type Combined, type Part } from './combine';
import { RISK_BANDS, severityOfRisk } from './risk';

export interface Contribution {
  analysis: string;
  table: string;
  reason: string;
  /** The analysis's risk on the entity (its strongest finding, plus the small bonus for the others). */
  risk: number;
  /** The analysis's own statistic of its strongest finding, as its reason states it. */
  score: number;
  /** Share of the suspect's risk (0–1). */
  share: number;
  /** How many findings of the analysis are about the entity. */
  findings: number;
  /** The strongest finding. */
  finding: Finding;
}

export interface SuspectExplanation {
  baseline: string[];
  peers: string[];
  counterfactual: string[];
  /** In words: which contributions would have to go for the suspect to fall below medium (and below the group's shown set). */
  entity: string;
  /** The analyses whose contributions, taken away strongest first, bring the risk below medium ([] when it is below already). */
  belowMedium: string[];
  /** The same, to fall below the last suspect shown in the group (set by rankGroup; [] when not shown). */
  belowShown: string[];
}

export interface Suspect {
  key: string;
  kind: EntityKind;
  value: string;
  name?: string;
  risk: number;
  /** The tie-break among equal risks (combine.ts): the detections' surprises, −log10 E, added up. */
  surprise: number;
  severity: Severity;
  analyses: string[];
  contributions: Contribution[];
  context: BenignContext[];
  /** Benign context lowered its risk. */
  lowered: boolean;
  explanation: SuspectExplanation;
  findings: Finding[];
}

export const suspectKey = (kind: EntityKind, value: string): string => `${kind}:${value}`;

const NATURAL = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order of entity values: "11" before "100", "10.0.0.9" before "10.0.0.10"; case-insensitive, then by code point so the order is total. */
export function naturalCompare(a: string, b: string): number {
  return NATURAL.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Rank order: risk (to 0.1) descending, then the surprise (−log10 E, to 0.01) descending, then the value in natural order. */
export function compareSuspects(a: { risk: number; value: string; surprise?: number }, b: { risk: number; value: string; surprise?: number }): number {
  return Math.round(b.risk * 10) - Math.round(a.risk * 10) || Math.round((b.surprise ?? 0) * 100) - Math.round((a.surprise ?? 0) * 100) || naturalCompare(a.value, b.value);
}

function contributionOf(p: Part): Contribution {
  return { analysis: p.analysis, table: p.top.evidence.table, reason: p.top.reason, risk: p.risk, score: p.top.score, share: Math.round(p.share * 1000) / 1000, findings: p.findings.length, finding: p.top };
}

const unique = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

/** The analyses to take away, strongest first, for the findings' combined risk to fall below `limit`. */
export function toFallBelow(findings: Finding[], limit: number, first?: Combined): string[] {
  const gone: string[] = [];
  let rest = findings;
  let c = first ?? combine(rest);
  while (rest.length && c.risk >= limit) {
    const lead = c.parts[0].analysis;
    gone.push(lead);
    rest = rest.filter((f) => f.analysis !== lead);
    c = combine(rest);
  }
  return gone;
}

export function describeRemoval(analyses: string[], what: string): string {
  if (analyses.length === 0) return '';
  return `Without ${analyses.join(' and ')} it would fall below ${what}.`;
}

/** One suspect from the findings on one entity. */
export function suspectOf(kind: EntityKind, value: string, findings: Finding[]): Suspect {
  const c = combine(findings);
  const sorted = [...findings].sort((a, b) => riskOf(b) - riskOf(a));
  const context = new Map<string, BenignContext>();
  for (const f of sorted) for (const x of f.context ?? []) context.set(`${x.kind}|${x.text}`, x);
  const belowMedium = c.risk >= RISK_BANDS.medium ? toFallBelow(findings, RISK_BANDS.medium, c) : [];
  const contributions = c.parts.map(contributionOf);
  const entity =
    c.risk < RISK_BANDS.medium
      ? c.lowered
        ? `Below medium because of benign context (${c.raw.toFixed(0)} before it).`
        : 'Below medium.'
      : belowMedium.length === contributions.length && contributions.length === 1
        ? `Only ${belowMedium[0]} flags it: without that finding it would not be a suspect.`
        : describeRemoval(belowMedium, 'medium');
  return {
    key: suspectKey(kind, value),
    kind,
    value,
    name: sorted.find((f) => f.entity.name)?.entity.name,
    risk: c.risk,
    surprise: c.surprise,
    severity: severityOfRisk(c.risk),
    analyses: contributions.map((x) => x.analysis),
    contributions,
    context: [...context.values()],
    lowered: c.lowered,
    explanation: {
      baseline: unique(sorted.map((f) => f.explain?.baseline)),
      peers: unique(sorted.map((f) => f.explain?.peers)),
      counterfactual: unique(sorted.map((f) => f.explain?.counterfactual)),
      entity,
      belowMedium,
      belowShown: [],
    },
    findings: sorted,
  };
}

/** Suspects of every entity in the findings, in rank order within each kind (kinds in first-seen order). */
export function buildSuspects(findings: Finding[]): Suspect[] {
  const byKey = new Map<string, { kind: EntityKind; value: string; findings: Finding[] }>();
  for (const f of findings) {
    const key = suspectKey(f.entity.kind, f.entity.value);
    const e = byKey.get(key) ?? { kind: f.entity.kind, value: f.entity.value, findings: [] };
    e.findings.push(f);
    byKey.set(key, e);
  }
  return [...byKey.values()].map((e) => suspectOf(e.kind, e.value, e.findings)).sort(compareSuspects);
}

/** After ranking a group: what would have to go for each shown suspect to drop below the last one shown (the group's shown set). */
export function explainShown(ranked: Suspect[], shown: number): void {
  if (ranked.length <= shown) return;
  if (shown <= 0) return;
  const next = ranked[shown].risk;
  // to leave the shown set a suspect must fall below the first one not shown
  for (const s of ranked.slice(0, shown)) {
    if (s.risk <= next) continue;
    s.explanation.belowShown = toFallBelow(s.findings, next);
    const words = describeRemoval(s.explanation.belowShown, `the first ${shown} of its group`);
    if (words) s.explanation.entity = [s.explanation.entity, words].filter(Boolean).join(' ');
  }
}
