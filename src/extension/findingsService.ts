import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisRun } from '../engine/engineProtocol';
import { SEVERITIES, type AnalysisOutput, type EntityKind, type Finding, type Severity } from '../engine/findings';
import { emptyLabels, entityKey, LABELS_PATH, parseLabels, serializeLabels, type LabelFile, type LabelValue, type WindowLabel } from '../engine/labels';
import { errorMessage } from '../engine/errors';
import type { EngineService } from './engineService';

/** Every finding about one entity, across analyses. */
export interface EntityFindings {
  key: string;
  kind: EntityKind;
  value: string;
  findings: Finding[];
  /** The highest score among its findings. */
  score: number;
  severity: Severity;
  label?: LabelValue;
}

/**
 * Holds the findings of the analyses run in this window and the workspace's
 * labels; tells the tree, the editor marks and the Problems panel when
 * either changes.
 */
export class FindingsService implements vscode.Disposable {
  private outputs: AnalysisOutput[] = [];
  private labelFile: LabelFile = emptyLabels();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private filterText = '';
  /** entities() and flagged lines per file, kept until findings, labels, filter or settings change. */
  private cache: { entities: EntityFindings[]; lines: Map<string, Map<number, Finding[]>> } | undefined;
  private readonly configSub: vscode.Disposable;

  constructor(private readonly engine: EngineService) {
    // every change goes through this event, so the cache is dropped before anyone reads again
    this.changed.event(() => (this.cache = undefined));
    this.configSub = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('logInvestigator.minSeverity') && this.changed.fire());
  }

  get filter(): string {
    return this.filterText;
  }

  set filter(text: string) {
    this.filterText = text;
    this.changed.fire();
  }

  get analyses(): AnalysisOutput[] {
    return this.outputs;
  }

  get labels(): LabelFile {
    return this.labelFile;
  }

  private labelsUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, LABELS_PATH) : undefined;
  }

  /** Reads the labels file of the workspace (none yet is fine). */
  async loadLabels(): Promise<void> {
    const uri = this.labelsUri();
    if (!uri) return;
    try {
      this.labelFile = parseLabels(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'), vscode.workspace.asRelativePath(uri));
    } catch (e) {
      if ((e as { code?: string }).code === 'FileNotFound' || e instanceof vscode.FileSystemError) this.labelFile = emptyLabels();
      else void vscode.window.showErrorMessage(`Log Investigator: ${errorMessage(e)}`);
    }
    this.changed.fire();
  }

  private async saveLabels(): Promise<void> {
    const uri = this.labelsUri();
    if (!uri) {
      void vscode.window.showWarningMessage('Open a folder to keep labels: they are saved in the workspace, in .log-investigator/labels.json.');
      return;
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(serializeLabels(this.labelFile)));
  }

  async setLabel(kind: EntityKind, value: string, label: LabelValue | null): Promise<void> {
    const key = entityKey(kind, value);
    if (label) this.labelFile.labels[key] = { label, at: new Date().toISOString() };
    else delete this.labelFile.labels[key];
    await this.saveLabels();
    this.engine.log.info(`label ${key}: ${label ?? 'cleared'}`);
    this.changed.fire();
  }

  async addWindows(windows: WindowLabel[]): Promise<void> {
    const seen = new Set(this.labelFile.windows.map((w) => `${w.start}|${w.end}|${w.entity ?? ''}`));
    for (const w of windows) if (!seen.has(`${w.start}|${w.end}|${w.entity ?? ''}`)) this.labelFile.windows.push(w);
    await this.saveLabels();
    this.changed.fire();
  }

  labelOf(kind: EntityKind, value: string): LabelValue | undefined {
    return this.labelFile.labels[entityKey(kind, value)]?.label;
  }

  /** Runs an analysis (or all) in the engine worker; its findings replace that analysis's earlier ones. */
  async run(analysis: string, params: Record<string, string> = {}): Promise<AnalysisRun> {
    const run = await this.engine.analyze(analysis, params);
    const replaced = new Set(run.outputs.map((o) => `${o.analysis}|${o.table}`));
    this.outputs = [...this.outputs.filter((o) => !replaced.has(`${o.analysis}|${o.table}`)), ...run.outputs];
    for (const o of run.outputs) this.engine.log.info(`${o.analysis} on ${o.table}: ${o.findings.length} findings`);
    for (const s of run.skipped) this.engine.log.info(`skipped ${s}`);
    this.changed.fire();
    return run;
  }

  clearFor(table: string): void {
    this.outputs = this.outputs.filter((o) => o.table !== table);
    this.changed.fire();
  }

  private minSeverity(): number {
    const s = vscode.workspace.getConfiguration('logInvestigator').get<Severity>('minSeverity', 'low');
    return Math.max(0, SEVERITIES.indexOf(s));
  }

  /** Entities to show: above the minimum severity, matching the filter, not suppressed; by score. */
  entities(): EntityFindings[] {
    this.cache ??= { entities: this.computeEntities(), lines: new Map() };
    return this.cache.entities;
  }

  private computeEntities(): EntityFindings[] {
    const min = this.minSeverity();
    const byKey = new Map<string, EntityFindings>();
    for (const o of this.outputs) {
      for (const f of o.findings) {
        if (SEVERITIES.indexOf(f.severity) < min) continue;
        const key = entityKey(f.entity.kind, f.entity.value);
        const e = byKey.get(key) ?? { key, kind: f.entity.kind, value: f.entity.value, findings: [], score: -Infinity, severity: 'info' as Severity };
        e.findings.push(f);
        if (f.score > e.score) {
          e.score = f.score;
          e.severity = f.severity;
        }
        byKey.set(key, e);
      }
    }
    const needle = this.filterText.toLowerCase();
    return [...byKey.values()]
      .map((e) => ({ ...e, label: this.labelFile.labels[e.key]?.label }))
      .filter((e) => e.label !== 'suppressed')
      .filter((e) => !needle || e.value.toLowerCase().includes(needle) || e.findings.some((f) => f.reason.toLowerCase().includes(needle)))
      .sort((a, b) => b.score - a.score || a.value.localeCompare(b.value));
  }

  /** Flagged source lines of a file: line → the findings whose evidence includes it (hovers ask this often). */
  flaggedLines(file: string): Map<number, Finding[]> {
    const target = path.resolve(file);
    const entities = this.entities();
    const known = this.cache!.lines.get(target);
    if (known) return known;
    const out = new Map<number, Finding[]>();
    this.cache!.lines.set(target, out);
    for (const e of entities) {
      for (const f of e.findings) {
        if (path.resolve(f.evidence.file) !== target) continue;
        for (const l of f.evidence.lines) out.set(l, [...(out.get(l) ?? []), f]);
      }
    }
    return out;
  }

  dispose(): void {
    this.configSub.dispose();
    this.changed.dispose();
  }
}
