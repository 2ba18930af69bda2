/**
 * Incidents: findings that share a time window and entities are one
 * incident, with its own risk, time span, entities and analyses (an attack
 * minute with its 29 source IPs is one incident, not 29 suspects).
 *
 * Two findings with a period (finding.window, or for a finding about a time
 * window the period its value names: a day, an hour, a minute) are linked
 * when their periods overlap or touch — at most the shorter period apart,
 * and never more than a minute — and
 *   - they share an entity (the finding's own or one of its `related`), or
 *   - both are about time windows of the same table (consecutive flagged
 *     minutes of one log are one burst).
 * The linked findings (transitively) form a candidate; it is an incident
 * when it holds two findings or more, two entities or more, or a finding
 * about a time window (a flagged minute is an event in time by nature).
 * Its risk combines its findings as an entity's do (combine.ts).
 */
import type { EntityKind, Finding, Severity } from '../model';
import { combine, riskOf } from './combine';
import { RISK_BANDS, severityOfRisk } from './risk';
import { compareSuspects, naturalCompare, suspectKey, type Contribution } from './suspects';

export interface Incident {
  /** Stable for the same findings: 'incident:' + start + the first entity. */
  id: string;
  /** ISO 8601 UTC. */
  start: string;
  end: string;
  risk: number;
  /** The tie-break among equal risks (combine.ts). */
  surprise: number;
  severity: Severity;
  /** Every entity taking part: the findings' own and their related ones, windows first, then by kind and natural order. */
  entities: { kind: EntityKind; value: string }[];
  analyses: string[];
  contributions: Contribution[];
  findings: Finding[];
  /** "2018-01-02 02:31–02:36 UTC · 3 windows, 29 IPs". */
  title: string;
  /** Which contributions would have to go for it to fall below medium. */
  explanation: string;
}

const MAX_GAP_MS = 60_000;
const KIND_ORDER: EntityKind[] = ['window', 'ip', 'user', 'group', 'resource', 'session', 'template', 'row'];

/** The period a time-window value names: 'YYYY-MM-DD' (a day), '… HH' (an hour), '… HH:MM' (a minute), '… HH:MM:SS' (a second); UTC. */
export function periodOfValue(value: string): { start: number; end: number } | undefined {
  const m = /^(\d{4}-\d\d-\d\d)(?:[ T](\d\d)(?::(\d\d)(?::(\d\d))?)?)?(?:Z|\s*UTC)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, day, h, mi, s] = m;
  const start = Date.parse(`${day}T${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}Z`);
  if (Number.isNaN(start)) return undefined;
  const len = s !== undefined ? 1000 : mi !== undefined ? 60_000 : h !== undefined ? 3_600_000 : 86_400_000;
  return { start, end: start + len };
}

/** A finding's period in ms (its window, else its time-window entity's value). */
export function periodOf(f: Finding): { start: number; end: number } | undefined {
  if (f.window) {
    const start = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(f.window.start) ? f.window.start : `${f.window.start.replace(' ', 'T')}Z`);
    const end = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(f.window.end) ? f.window.end : `${f.window.end.replace(' ', 'T')}Z`);
    if (Number.isFinite(start) && Number.isFinite(end)) return { start, end: Math.max(start, end) };
  }
  return f.entity.kind === 'window' ? periodOfValue(f.entity.value) : undefined;
}

const entitiesOf = (f: Finding) => [f.entity, ...(f.related ?? [])];

function find(parent: number[], i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** Links neighbours in time within each list (sorted by start): overlap or a gap of at most the shorter period (≤ 1 minute). */
function linkRuns(items: { i: number; start: number; end: number }[], parent: number[]): void {
  items.sort((a, b) => a.start - b.start || a.end - b.end);
  let reach = -Infinity;
  let last = -1;
  let lastLen = 0;
  for (const it of items) {
    const gap = Math.min(MAX_GAP_MS, lastLen, it.end - it.start);
    if (last >= 0 && it.start <= reach + gap) parent[find(parent, it.i)] = find(parent, last);
    if (it.end >= reach) {
      reach = it.end;
      lastLen = it.end - it.start;
    }
    last = it.i;
  }
}

export function formatSpan(start: number, end: number): string {
  const a = new Date(start).toISOString();
  const b = new Date(end).toISOString();
  const day = (s: string) => s.slice(0, 10);
  const clock = (s: string) => (s.slice(11, 19).endsWith(':00') ? s.slice(11, 16) : s.slice(11, 19));
  if (end - start >= 86_400_000 && a.slice(11, 19) === '00:00:00' && b.slice(11, 19) === '00:00:00') {
    const last = new Date(end - 1).toISOString();
    return day(a) === day(last) ? day(a) : `${day(a)} – ${day(last)}`;
  }
  return day(a) === day(b) ? `${day(a)} ${clock(a)}–${clock(b)} UTC` : `${day(a)} ${clock(a)} – ${day(b)} ${clock(b)} UTC`;
}

const plural = (n: number, kind: EntityKind) => `${n} ${kind === 'ip' ? 'IP' : kind === 'window' ? 'window' : kind}${n === 1 ? '' : 's'}`;

/** The incidents among the findings, by risk (then start time). */
export function buildIncidents(findings: Finding[]): Incident[] {
  const timed = findings.map((f) => ({ f, p: periodOf(f) })).filter((x): x is { f: Finding; p: { start: number; end: number } } => !!x.p);
  const parent = timed.map((_, i) => i);
  const runs = new Map<string, { i: number; start: number; end: number }[]>();
  const add = (key: string, i: number) => {
    const list = runs.get(key) ?? [];
    if (list.length === 0) runs.set(key, list);
    list.push({ i, start: timed[i].p.start, end: timed[i].p.end });
  };
  timed.forEach(({ f }, i) => {
    for (const e of entitiesOf(f)) add(`e|${suspectKey(e.kind, e.value)}`, i);
    if (f.entity.kind === 'window') add(`w|${f.evidence.table}`, i);
  });
  for (const items of runs.values()) linkRuns(items, parent);
  const groups = new Map<number, number[]>();
  timed.forEach((_, i) => {
    const root = find(parent, i);
    const list = groups.get(root) ?? [];
    if (list.length === 0) groups.set(root, list);
    list.push(i);
  });
  const out: Incident[] = [];
  for (const members of groups.values()) {
    const fs = members.map((i) => timed[i].f);
    const ents = new Map<string, { kind: EntityKind; value: string }>();
    for (const f of fs) for (const e of entitiesOf(f)) ents.set(suspectKey(e.kind, e.value), { kind: e.kind, value: e.value });
    if (fs.length < 2 && ents.size < 2 && !fs.some((f) => f.entity.kind === 'window')) continue;
    const start = Math.min(...members.map((i) => timed[i].p.start));
    const end = Math.max(...members.map((i) => timed[i].p.end));
    const entities = [...ents.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || naturalCompare(a.value, b.value));
    const c = combine(fs);
    const counts = KIND_ORDER.map((k) => [k, entities.filter((e) => e.kind === k).length] as const).filter(([, n]) => n > 0);
    const first = entities.find((e) => e.kind !== 'window') ?? entities[0];
    const gone: string[] = [];
    let rest = fs;
    while (rest.length && combine(rest).risk >= RISK_BANDS.medium) {
      const lead = combine(rest).parts[0].analysis;
      gone.push(lead);
      rest = rest.filter((f) => f.analysis !== lead);
    }
    out.push({
      id: `incident:${new Date(start).toISOString()}:${first.kind}:${first.value}`,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      risk: c.risk,
      surprise: c.surprise,
      severity: severityOfRisk(c.risk),
      entities,
      analyses: c.parts.map((p) => p.analysis),
      contributions: c.parts.map((p) => ({ analysis: p.analysis, table: p.top.evidence.table, reason: p.top.reason, risk: p.risk, score: p.top.score, share: Math.round(p.share * 1000) / 1000, findings: p.findings.length, finding: p.top })),
      findings: [...fs].sort((a, b) => riskOf(b) - riskOf(a)),
      title: `${formatSpan(start, end)} · ${counts.map(([k, n]) => plural(n, k)).join(', ')}`,
      explanation: gone.length ? `Without ${gone.join(' and ')} it would fall below medium.` : c.lowered ? 'Below medium because of benign context.' : 'Below medium.',
    });
  }
  return out.sort((a, b) => compareSuspects({ risk: a.risk, value: '', surprise: a.surprise }, { risk: b.risk, value: '', surprise: b.surprise }) || a.start.localeCompare(b.start) || naturalCompare(a.id, b.id));
}
