/**
 * How the findings on one entity (or one incident) add up to one risk, in
 * the manner of risk-based alerting. All on the 0–100 scale of risk.ts; the
 * arithmetic does not depend on any analysis's own statistic.
 *
 * 1. Within one analysis (across its tables and its many findings on the
 *    entity: the days, the minutes) the strongest finding counts, plus at most
 *    a small bonus for the others at low or above: 10 % of the headroom above
 *    it, scaled by 1 − 1/n (two findings: 5 %, twenty: 9.5 %). Twenty
 *    near-identical findings never outweigh one strong one.
 * 2. Analyses that measure the same thing (the volume family: counts per
 *    entity against peers or the entity's own past; rare-ports and
 *    rare-destinations, a port or a server one source alone uses) are one
 *    detection: the strongest of them counts, the others add only the bonus
 *    of rule 1.
 * 3. Independent detections (different analyses, or families) add up with
 *    diminishing returns: sorted from the strongest, each next one closes a
 *    damped share of the remaining headroom,
 *      R ← R + (100 − R) × (r_i / 100) × 0.4^(i−1)
 *    so two highs (75, 75) give 82.5, three give 84.6, two mediums (50, 50)
 *    give 60 and three (60 each) 72.5: it takes a high finding to make a
 *    high suspect; five lows (30 each) stay low (42.9). Findings below the low band
 *    (risk < 25: expected by chance among the entities tested) add nothing.
 * 4. Benign context (a shared egress address, a crawler, a popular
 *    resource…) lowers the combined risk to 25 + 0.3 × (R − 25) (always
 *    below medium, order kept) unless an analysis outside the volume family,
 *    whose finding carries no benign context, also flags the entity at
 *    medium or above: then something else about it stands out.
 */
import type { Finding } from '../model';
import { legacyRisk } from '../model';
import { RISK_BANDS, surpriseOfRisk } from './risk';

/** Analyses that compare an entity's counts with its peers or its own past: correlated, so one detection between them. */
export const VOLUME_FAMILY = new Set(['population-outliers', 'entity-baseline', 'busiest-resources', 'spikes']);
export const isVolume = (analysis: string): boolean => analysis.startsWith('volume-outliers') || VOLUME_FAMILY.has(analysis);
/** Other analyses that measure one thing: a port one host alone uses is what makes its rare destination rare. */
const SAME_DETECTION: Record<string, string> = { 'rare-ports': 'rare-destinations' };
export const familyOf = (analysis: string): string => (isVolume(analysis) ? 'volume' : (SAME_DETECTION[analysis] ?? analysis));

export const WITHIN_BONUS = 0.1;
export const DAMPING = 0.4;
export const BENIGN_SLOPE = 0.3;

/** A finding's surprise: its own, or the one its risk implies. */
export function surpriseOf(f: Finding): number {
  return f.surprise ?? surpriseOfRisk(riskOf(f));
}

/** A finding's risk on the one scale (legacyRisk of its score when an analysis set none). */
export function riskOf(f: Finding): number {
  const r = f.risk ?? legacyRisk(f.score);
  return Number.isFinite(r) ? Math.max(0, Math.min(100, r)) : 0;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Rule 1: the strongest risk plus the small bonus for the others at low or above. */
export function withinAnalysis(risks: number[]): number {
  if (risks.length === 0) return 0;
  const sorted = [...risks].sort((a, b) => b - a);
  const top = sorted[0];
  const n = 1 + sorted.slice(1).filter((r) => r >= RISK_BANDS.low).length;
  return top + (100 - top) * WITHIN_BONUS * (1 - 1 / n);
}

/** Rule 3: independent detections, strongest first, each closing a damped share of the headroom. Returns the total and each one's increment (in the order given back: strongest first). */
export function acrossDetections(risks: number[]): { total: number; increments: number[] } {
  const sorted = [...risks].sort((a, b) => b - a);
  let total = 0;
  const increments: number[] = [];
  sorted.forEach((r, i) => {
    const add = r < RISK_BANDS.low ? (i === 0 ? r : 0) : i === 0 ? r : (100 - total) * (r / 100) * DAMPING ** i;
    increments.push(add);
    total += add;
  });
  return { total, increments };
}

/** Rule 4: the risk of an entity explained by benign context. */
export function benignRisk(risk: number): number {
  return risk <= RISK_BANDS.low ? risk : RISK_BANDS.low + BENIGN_SLOPE * (risk - RISK_BANDS.low);
}

export interface Part {
  analysis: string;
  /** The strongest finding of the analysis on the entity. */
  top: Finding;
  findings: Finding[];
  /** Rule 1's risk of the analysis. */
  risk: number;
  /** Its share of the combined risk (0–1; the parts' shares sum to 1 when the total is above 0). */
  share: number;
}

export interface Combined {
  risk: number;
  /**
   * Tie-break at the top of the scale: the surprises (−log10 E) of the
   * independent detections added up, each its strongest finding's (tails of
   * independent detections multiply). Only ranks suspects of equal risk.
   */
  surprise: number;
  /** Before benign context lowered it. */
  raw: number;
  /** Benign context lowered the risk (rule 4). */
  lowered: boolean;
  parts: Part[];
}

/** Rules 1–4 over the findings on one entity or one incident. */
export function combine(findings: Finding[]): Combined {
  if (findings.length === 0) return { risk: 0, surprise: 0, raw: 0, lowered: false, parts: [] };
  if (findings.length === 1) {
    // the common case, without the bookkeeping
    const f = findings[0];
    const r = round1(riskOf(f));
    const lowered = !!f.context?.length;
    return { risk: lowered ? round1(benignRisk(r)) : r, surprise: surpriseOf(f), raw: r, lowered, parts: [{ analysis: f.analysis, top: f, findings, risk: r, share: r > 0 ? 1 : 0 }] };
  }
  const byAnalysis = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byAnalysis.get(f.analysis);
    if (list) list.push(f);
    else byAnalysis.set(f.analysis, [f]);
  }
  const parts: Part[] = [];
  for (const [analysis, fs] of byAnalysis) {
    const sorted = fs.length > 1 ? [...fs].sort((a, b) => riskOf(b) - riskOf(a)) : fs;
    parts.push({ analysis, top: sorted[0], findings: sorted, risk: round1(withinAnalysis(sorted.map(riskOf))), share: 0 });
  }
  parts.sort((a, b) => b.risk - a.risk || (a.analysis < b.analysis ? -1 : a.analysis > b.analysis ? 1 : 0));
  // rule 2: a family is one detection; its lead part carries rule 1 over all the family's findings
  const families = new Map<string, Part[]>();
  for (const p of parts) {
    const list = families.get(familyOf(p.analysis));
    if (list) list.push(p);
    else families.set(familyOf(p.analysis), [p]);
  }
  const detections = [...families.values()].map((ps) => ({ parts: ps, risk: ps.length === 1 ? ps[0].risk : withinAnalysis([ps[0].risk, ...ps.slice(1).flatMap((p) => p.findings.map(riskOf))]) }));
  detections.sort((a, b) => b.risk - a.risk);
  const { total, increments } = acrossDetections(detections.map((d) => d.risk));
  detections.forEach((d, i) => {
    const rest = d.parts.slice(1);
    if (total <= 0) return;
    if (rest.length === 0) {
      d.parts[0].share = increments[i] / total;
      return;
    }
    // the lead gets its own risk's share; the family's bonus is split among the others by their risk
    const lead = i === 0 ? Math.min(increments[i], d.parts[0].risk) : increments[i] * (d.parts[0].risk / Math.max(d.risk, 1e-9));
    const bonus = increments[i] - lead;
    const restSum = rest.reduce((s, p) => s + p.risk, 0);
    d.parts[0].share = lead / total;
    for (const p of rest) p.share = restSum > 0 ? (bonus * p.risk) / restSum / total : 0;
  });
  const raw = round1(Math.min(100, total));
  // the strongest surprise of each detection at low or above, added up (the lead alone when none is)
  const strong = detections.filter((d, i) => i === 0 || d.risk >= RISK_BANDS.low);
  const surprise = Math.round(strong.reduce((s, d) => s + Math.max(0, Math.max(...d.parts.flatMap((p) => p.findings.map(surpriseOf)))), 0) * 100) / 100;
  const contexts = findings.some((f) => f.context?.length);
  const overridden = contexts && findings.some((f) => !isVolume(f.analysis) && !f.context?.length && riskOf(f) >= RISK_BANDS.medium);
  const lowered = contexts && !overridden;
  return { risk: lowered ? round1(benignRisk(raw)) : raw, surprise, raw, lowered, parts };
}
