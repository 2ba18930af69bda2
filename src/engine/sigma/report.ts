/**
 * The compile report: every rule compiled against a resolver (by default
 * one that takes each Sigma field as a column of its own name, as a table of
 * flattened events has them), tallied as compiled or unsupported per feature.
 */
import { quoteIdent } from '../store/names';
import { compileDetection, type CompiledDetection, type FieldResolver } from './compile';
import { SigmaUnsupported } from './errors';
import type { SigmaRule } from './rule';

/** Every field a column of its own name; keywords over `message`. */
export const IDENTITY_RESOLVER: FieldResolver = {
  field: (name) => quoteIdent(name),
  keywords: () => quoteIdent('message'),
};

export type CompileOutcome =
  | { rule: SigmaRule; ok: true; compiled: CompiledDetection }
  | { rule: SigmaRule; ok: false; feature: string; reason: string };

export function tryCompile(rule: SigmaRule, resolver: FieldResolver = IDENTITY_RESOLVER): CompileOutcome {
  if (rule.correlation) return { rule, ok: false, feature: 'correlation', reason: 'a correlation rule (runs over the matches of its rules, not compiled alone)' };
  if (!rule.detection) return { rule, ok: false, feature: 'detection', reason: 'no detection section' };
  try {
    return { rule, ok: true, compiled: compileDetection(rule.detection, resolver) };
  } catch (e) {
    if (e instanceof SigmaUnsupported) return { rule, ok: false, feature: e.feature, reason: e.message };
    return { rule, ok: false, feature: 'error', reason: (e as Error).message };
  }
}

export interface CompileReport {
  rules: number;
  compiled: number;
  correlations: number;
  /** feature → rules it stopped, with an example reason */
  unsupported: { feature: string; rules: number; example: string; files: string[] }[];
  ms: number;
}

export function compileReport(rules: SigmaRule[], resolver: FieldResolver = IDENTITY_RESOLVER): CompileReport {
  const t0 = performance.now();
  const by = new Map<string, { rules: number; example: string; files: string[] }>();
  let compiled = 0;
  let correlations = 0;
  for (const r of rules) {
    const o = tryCompile(r, resolver);
    if (o.ok) compiled++;
    else if (o.feature === 'correlation') correlations++;
    else {
      const e = by.get(o.feature) ?? { rules: 0, example: o.reason, files: [] };
      e.rules++;
      e.files.push(r.file);
      by.set(o.feature, e);
    }
  }
  return {
    rules: rules.length,
    compiled,
    correlations,
    unsupported: [...by.entries()].map(([feature, v]) => ({ feature, ...v })).sort((a, b) => b.rules - a.rules),
    ms: performance.now() - t0,
  };
}
