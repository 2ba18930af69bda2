/**
 * Findings out of the tool: SARIF 2.1.0 (so SARIF viewers and code scanning
 * show them on the log lines), CSV and JSON.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisOutput, Finding, Severity } from './model';
import { formatCsv, jsonText } from '../output';

const LEVEL: Record<Severity, 'none' | 'note' | 'warning' | 'error'> = { info: 'note', low: 'note', medium: 'warning', high: 'error', critical: 'error' };

/** A file as SARIF wants it: relative to the base folder when inside it, else a file: URI. */
function artifact(file: string, baseDir: string | undefined): { uri: string; uriBaseId?: string } {
  if (baseDir) {
    const rel = path.relative(baseDir, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return { uri: rel.split(path.sep).join('/'), uriBaseId: 'LOGROOT' };
  }
  return { uri: pathToFileURL(file).href };
}

export function toSarif(outputs: AnalysisOutput[], opts: { baseDir?: string; version?: string } = {}): Record<string, unknown> {
  const analyses = [...new Map(outputs.map((o) => [o.analysis, o])).values()];
  const location = (f: Finding, line: number) => ({
    physicalLocation: { artifactLocation: artifact(f.evidence.file, opts.baseDir), region: { startLine: line } },
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Log Investigator',
            informationUri: 'https://example.invalid/log-investigator',
            version: opts.version ?? '0.0.0',
            rules: analyses.map((o) => ({ id: o.analysis, name: o.analysis, shortDescription: { text: o.title } })),
          },
        },
        ...(opts.baseDir ? { originalUriBaseIds: { LOGROOT: { uri: pathToFileURL(opts.baseDir + path.sep).href } } } : {}),
        results: outputs.flatMap((o) =>
          o.findings.map((f) => ({
            ruleId: f.analysis,
            ruleIndex: analyses.findIndex((a) => a.analysis === f.analysis),
            level: LEVEL[f.severity],
            message: { text: f.reason },
            // the first evidence line is where a viewer puts the result; the others are related
            locations: f.evidence.lines.length ? [location(f, f.evidence.lines[0])] : [{ physicalLocation: { artifactLocation: artifact(f.evidence.file, opts.baseDir) } }],
            relatedLocations: f.evidence.lines.slice(1, 20).map((l, i) => ({ id: i + 1, ...location(f, l) })),
            partialFingerprints: { findingId: f.id },
            properties: { entityKind: f.entity.kind, entity: f.entity.value, score: Number(f.score.toFixed(3)), severity: f.severity, table: f.evidence.table, evidenceRows: f.evidence.total, metrics: f.metrics },
          })),
        ),
      },
    ],
  };
}

export function findingsCsv(outputs: AnalysisOutput[]): string {
  const rows = outputs.flatMap((o) =>
    o.findings.map((f) => [f.analysis, f.entity.kind, f.entity.value, Number(f.score.toFixed(3)), f.severity, f.reason, f.evidence.file, f.evidence.lines.slice(0, 20).join(' '), f.evidence.total, jsonText(f.metrics)]),
  );
  return formatCsv(['analysis', 'entity_kind', 'entity', 'score', 'severity', 'reason', 'file', 'lines', 'evidence_rows', 'metrics'], rows);
}
