import type { EntityKind, Finding } from '../../src/engine/findings/model';

let n = 0;
/** A finding as an analysis would give it: risk on the one scale, evidence in table t. */
export function finding(analysis: string, kind: EntityKind, value: string, risk: number | undefined, extra: Partial<Finding> = {}): Finding {
  n++;
  return {
    id: `${analysis}:t:${kind}:${value}:${n}`,
    analysis,
    entity: { kind, value },
    score: extra.score ?? 5,
    risk,
    severity: 'info',
    reason: `${analysis} flags ${value}`,
    metrics: {},
    evidence: { table: 't', file: '/tmp/t.log', lines: [n], total: 1, sql: '', params: [] },
    ...extra,
  };
}

