import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyzeContext } from '../engine/engineClient';
import type { AnalysisRun } from '../engine/engineProtocol';
import { SEVERITIES, type AnalysisOutput, type EntityKind, type Finding, type Severity } from '../engine/findings/model';
import type { Incident } from '../engine/findings/triage/incidents';
import { RISK_BANDS } from '../engine/findings/triage/risk';
import type { Suspect } from '../engine/findings/triage/suspects';
import { findingsOf, GROUPS, INCIDENTS_TITLE, triage, type Triage } from '../engine/findings/triage/triage';
import { emptyLabels, entityKey, LABELS_PATH, parseLabels, serializeLabels, type LabelFile, type LabelValue, type WindowLabel } from '../engine/findings/labels';
import { errorMessage } from '../engine/errors';
import type { EngineService } from './engineService';
import { safeText } from '../shared/safeText';

/** A suspect (every finding about one entity, combined: src/engine/triage) with the label a person gave it. */
export type EntityFindings = Suspect & { label?: LabelValue };

export type GroupId = EntityKind | 'incidents';

/** One group of the Findings view: its ranked items, how many are shown, and the entities only its incidents stand for. */
export interface ViewGroup {
  id: GroupId;
  title: string;
  incidents: Incident[];
  entities: EntityFindings[];
  /** How many items the view shows (the top N, more after "Show more…"). */
  shown: number;
  absorbed: number;
}

/** The ranked view: groups in order, the badge count. */
export interface FindingsModel {
  groups: ViewGroup[];
  /** Suspects and incidents at medium or above (after the filter). */
  atLeastMedium: number;
  triage: Triage;
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
  /** The ranked model and flagged lines per file, kept until findings, labels, filter, "show more" or settings change. */
  private cache: { model: FindingsModel; lines: Map<string, Map<number, Finding[]>> } | undefined;
  /** Items shown per group beyond the setting's top N, after "Show more…". */
  private readonly extra = new Map<GroupId, number>();
  private readonly configSub: vscode.Disposable;

  constructor(private readonly engine: EngineService) {
    // every change goes through this event, so the cache is dropped before anyone reads again
    this.changed.event(() => (this.cache = undefined));
    this.configSub = vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('logInvestigator.minSeverity') || e.affectsConfiguration('logInvestigator.findingsPerGroup')) && this.changed.fire());
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
      else void vscode.window.showErrorMessage(safeText(`Log Investigator: ${errorMessage(e)}`));
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

  /** Runs an analysis (or all) in the engine worker; its findings replace that analysis's earlier ones (a cancelled run keeps those that finished). */
  async run(analysis: string, params: Record<string, string> = {}, ctx: AnalyzeContext = {}): Promise<AnalysisRun> {
    const run = await this.engine.analyze(analysis, params, ctx);
    if (run.cancelled) this.engine.log.info(`${analysis}: cancelled after ${run.cancelled.done} of ${run.cancelled.total} analysis–table pairs`);
    const replaced = new Set(run.outputs.map((o) => `${o.analysis}|${o.table}`));
    this.extra.clear();
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

  private minRisk(): number {
    const s = vscode.workspace.getConfiguration('logInvestigator').get<Severity>('minSeverity', 'low');
    return s === 'info' || !SEVERITIES.includes(s) ? 0 : RISK_BANDS[s];
  }

  /** The setting logInvestigator.findingsPerGroup: how many items each group shows before "Show more…". */
  perGroup(): number {
    const n = vscode.workspace.getConfiguration('logInvestigator').get<number>('findingsPerGroup', 10);
    return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 10;
  }

  /** Shows `perGroup()` more items of a group. */
  showMore(group: GroupId): void {
    this.extra.set(group, (this.extra.get(group) ?? 0) + this.perGroup());
    this.changed.fire();
  }

  /** The ranked view (the same ranking as `log-investigator suspects`), cached. */
  model(): FindingsModel {
    this.cache ??= { model: this.computeModel(), lines: new Map() };
    return this.cache.model;
  }

  /** Suspects listed in the groups (all of them, not only the shown ones), in the view's order. */
  entities(): EntityFindings[] {
    return this.model().groups.flatMap((g) => g.entities);
  }

  private computeModel(): FindingsModel {
    // suppressed entities leave the ranking altogether (and the incidents)
    const suppressed = new Set(Object.entries(this.labelFile.labels).filter(([, v]) => v.label === 'suppressed').map(([k]) => k));
    const findings = findingsOf(this.outputs).filter((f) => !suppressed.has(entityKey(f.entity.kind, f.entity.value)));
    const perGroup = this.perGroup();
    const t = triage(findings, { perGroup, minRisk: this.minRisk() });
    const needle = this.filterText.toLowerCase();
    const hit = (text: string | undefined) => !!text && text.toLowerCase().includes(needle);
    const matches = (s: Suspect) => !needle || hit(s.value) || hit(s.name) || s.findings.some((f) => hit(f.reason));
    const shown = (id: GroupId, n: number) => Math.min(n, perGroup + (this.extra.get(id) ?? 0));
    const groups: ViewGroup[] = [];
    const incidents = t.incidents.filter((i) => !needle || i.entities.some((e) => hit(e.value)) || i.findings.some((f) => hit(f.reason)) || hit(i.title));
    if (incidents.length) groups.push({ id: 'incidents', title: INCIDENTS_TITLE, incidents, entities: [], shown: shown('incidents', incidents.length), absorbed: 0 });
    for (const g of t.groups) {
      const entities = g.suspects.filter(matches).map((x) => ({ ...x, label: this.labelFile.labels[x.key]?.label }));
      if (entities.length) groups.push({ id: g.kind, title: GROUPS.find((x) => x.kind === g.kind)!.title, incidents: [], entities, shown: shown(g.kind, entities.length), absorbed: g.absorbed.length });
    }
    const atLeastMedium = incidents.filter((i) => i.risk >= RISK_BANDS.medium).length + groups.reduce((n, g) => n + g.entities.filter((e) => e.risk >= RISK_BANDS.medium).length, 0);
    return { groups, atLeastMedium, triage: t };
  }

  /** Flagged source lines of a file: line → the findings whose evidence includes it, for shown incidents and suspects only (hovers ask this often). */
  flaggedLines(file: string): Map<number, Finding[]> {
    const target = path.resolve(file);
    const model = this.model();
    const known = this.cache!.lines.get(target);
    if (known) return known;
    const out = new Map<number, Finding[]>();
    this.cache!.lines.set(target, out);
    const shownFindings = new Set<Finding>();
    for (const g of model.groups) {
      for (const i of g.incidents.slice(0, g.shown)) for (const f of i.findings) shownFindings.add(f);
      for (const e of g.entities.slice(0, g.shown)) for (const f of e.findings) shownFindings.add(f);
    }
    for (const f of shownFindings) {
      if (path.resolve(f.evidence.file) !== target) continue;
      for (const l of f.evidence.lines) {
        const list = out.get(l);
        if (list) list.push(f);
        else out.set(l, [f]);
      }
    }
    return out;
  }

  dispose(): void {
    this.configSub.dispose();
    this.changed.dispose();
  }
}
