/**
 * Triage: the ranked list an analyst reads first, the same for the Findings
 * view and `log-investigator suspects`. Incidents first, then one group per
 * kind of entity, each by risk (then value in natural order).
 *
 * An entity whose findings at medium or above (all of them, when it has
 * none) lie inside incidents that each hold two or more entities of its kind
 * (an attack minute with its 29 source IPs) is not listed in its own group: the incident stands for it, so the IP group is not
 * flooded by one attack. It stays a suspect (in `absorbed`) and its incident
 * lists it. An entity with any finding outside an incident, or alone of its
 * kind in its incidents, keeps its place in its group.
 */
import type { AnalysisOutput, EntityKind, Finding } from '../model';
import { riskOf } from './combine';
import { buildIncidents, type Incident } from './incidents';
import { RISK_BANDS } from './risk';
import { buildSuspects, explainShown, suspectKey, type Suspect } from './suspects';

export const GROUPS: readonly { kind: EntityKind; title: string }[] = [
  { kind: 'ip', title: 'IPs' },
  { kind: 'user', title: 'Users' },
  { kind: 'group', title: 'Cohorts / groups' },
  { kind: 'resource', title: 'Resources' },
  { kind: 'window', title: 'Time windows' },
  { kind: 'session', title: 'Sessions' },
  { kind: 'template', title: 'Templates' },
  { kind: 'row', title: 'Rows' },
];
export const INCIDENTS_TITLE = 'Incidents';
export const DEFAULT_PER_GROUP = 10;

export interface SuspectGroup {
  kind: EntityKind;
  title: string;
  /** Ranked; the first `perGroup` are shown, the others behind "Show more". */
  suspects: Suspect[];
  /** Entities of this kind that only an incident stands for. */
  absorbed: Suspect[];
}

export interface Triage {
  incidents: Incident[];
  groups: SuspectGroup[];
  /** Every suspect listed in a group, in the view's order (group by group). */
  suspects: Suspect[];
  /** Suspects and incidents at medium or above (the view's badge). */
  atLeastMedium: number;
  /** Suspects and incidents at high or above. */
  loud: number;
  perGroup: number;
}

export interface TriageOptions {
  /** How many suspects each group shows before "Show more" (default 10); sets the "below the shown set" counterfactual. */
  perGroup?: number;
  /** Findings below this risk are left out (default 25: low and above, as the view's default minimum severity). */
  minRisk?: number;
}

export function findingsOf(outputs: AnalysisOutput[]): Finding[] {
  return outputs.flatMap((o) => o.findings);
}

export function triage(all: Finding[], opts: TriageOptions = {}): Triage {
  const perGroup = Math.max(1, Math.floor(opts.perGroup ?? DEFAULT_PER_GROUP));
  const minRisk = opts.minRisk ?? RISK_BANDS.low;
  const findings = all.filter((f) => riskOf(f) >= minRisk);
  const incidents = buildIncidents(findings);
  const incidentOf = new Map<Finding, Incident>();
  for (const i of incidents) for (const f of i.findings) incidentOf.set(f, i);
  const crowded = (i: Incident, kind: EntityKind) => i.entities.filter((e) => e.kind === kind).length >= 2;
  const suspects = buildSuspects(findings);
  const groups: SuspectGroup[] = GROUPS.map(({ kind, title }) => {
    const mine = suspects.filter((s) => s.kind === kind);
    // its findings at medium or above (all of them when it has none) lie in incidents crowded with its kind: a low
    // finding elsewhere (a volume measure of the same student) does not list it again beside its incident
    const absorbed = mine.filter((s) => {
      const strong = s.findings.filter((f) => riskOf(f) >= RISK_BANDS.medium);
      return (strong.length ? strong : s.findings).every((f) => incidentOf.has(f) && crowded(incidentOf.get(f)!, kind));
    });
    const gone = new Set(absorbed.map((s) => s.key));
    const listed = mine.filter((s) => !gone.has(s.key));
    explainShown(listed, perGroup);
    return { kind, title, suspects: listed, absorbed };
  }).filter((g) => g.suspects.length > 0 || g.absorbed.length > 0);
  const listed = groups.flatMap((g) => g.suspects);
  const count = (min: number) => listed.filter((s) => s.risk >= min).length + incidents.filter((i) => i.risk >= min).length;
  return { incidents, groups, suspects: listed, atLeastMedium: count(RISK_BANDS.medium), loud: count(RISK_BANDS.high), perGroup };
}

/** Where an entity ranks in its group (1-based), or in the incidents that hold it; undefined when no finding names it. */
export function rankOf(t: Triage, kind: EntityKind, value: string): { group: string; rank: number; of: number } | undefined {
  const key = suspectKey(kind, value);
  const g = t.groups.find((x) => x.kind === kind);
  const i = g?.suspects.findIndex((s) => s.key === key) ?? -1;
  if (g && i >= 0) return { group: g.title, rank: i + 1, of: g.suspects.length };
  const inc = t.incidents.findIndex((x) => x.entities.some((e) => e.kind === kind && e.value === value));
  return inc >= 0 ? { group: INCIDENTS_TITLE, rank: inc + 1, of: t.incidents.length } : undefined;
}
