/**
 * Labels analysts give to entities, kept in the workspace as readable JSON
 * (.log-investigator/labels.json) that can be committed and shared. Labels
 * attach to an entity (kind and value), not to one run of an analysis, so an
 * entity found again keeps its label.
 */
import type { EntityKind } from './model';
import { LogInvestigatorError } from '../errors';

export type LabelValue = 'malicious' | 'benign' | 'needs-review' | 'suppressed';
export const LABEL_VALUES: readonly LabelValue[] = ['malicious', 'benign', 'needs-review', 'suppressed'];

export interface EntityLabel {
  label: LabelValue;
  note?: string;
  /** When it was set (ISO time). */
  at: string;
}

/** A labelled time window, e.g. an attack from an IP between two times (normalized UTC text). */
export interface WindowLabel {
  start: string;
  end: string;
  entity?: string;
  source?: string;
}

export interface LabelFile {
  version: 1;
  /** By entity key `kind:value`, e.g. `ip:10.0.0.1`. */
  labels: Record<string, EntityLabel>;
  windows: WindowLabel[];
}

export const LABELS_PATH = '.log-investigator/labels.json';

export const entityKey = (kind: EntityKind, value: string): string => `${kind}:${value}`;

export function emptyLabels(): LabelFile {
  return { version: 1, labels: {}, windows: [] };
}

/** Reads a labels file; anything malformed is one clear error naming the problem. */
export function parseLabels(text: string, where = LABELS_PATH): LabelFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LogInvestigatorError('BAD_OPTION', `${where} is not valid JSON (${(e as Error).message}); fix or delete it.`);
  }
  const o = raw as Partial<LabelFile>;
  if (!o || typeof o !== 'object' || o.version !== 1 || typeof o.labels !== 'object' || o.labels === null) {
    throw new LogInvestigatorError('BAD_OPTION', `${where} is not a Log Investigator labels file (expected {"version": 1, "labels": {…}, "windows": […]}).`);
  }
  const labels: Record<string, EntityLabel> = {};
  for (const [k, v] of Object.entries(o.labels)) {
    if (!v || !LABEL_VALUES.includes((v as EntityLabel).label)) throw new LogInvestigatorError('BAD_OPTION', `${where}: the label of ${k} must be one of ${LABEL_VALUES.join(', ')}.`);
    labels[k] = { label: (v as EntityLabel).label, ...((v as EntityLabel).note ? { note: String((v as EntityLabel).note) } : {}), at: String((v as EntityLabel).at ?? '') };
  }
  const windows = Array.isArray(o.windows) ? o.windows.filter((w) => w && typeof w.start === 'string' && typeof w.end === 'string') : [];
  return { version: 1, labels, windows };
}

/** Stable, diff-friendly JSON: keys sorted, one label per line block. */
export function serializeLabels(f: LabelFile): string {
  const labels = Object.fromEntries(Object.keys(f.labels).sort().map((k) => [k, f.labels[k]]));
  return JSON.stringify({ version: 1, labels, windows: f.windows }, null, 2) + '\n';
}

/** Labelled windows from a table's rows: start, end and an optional entity. */
export function windowsFromRows(rows: (string | number | null)[][], source: string): WindowLabel[] {
  return rows
    .filter((r) => r[0] !== null && r[1] !== null)
    .map((r) => ({ start: String(r[0]), end: String(r[1]), ...(r[2] !== null && r[2] !== undefined ? { entity: String(r[2]) } : {}), source }));
}
