import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Severity } from '../engine/findings/model';
import { incidentCard, suspectCard } from '../engine/findings/triage/card';
import { riskOf } from '../engine/findings/triage/combine';
import type { Incident } from '../engine/findings/triage/incidents';
import { safeLabel } from '../shared/safeText';
import type { EntityFindings, FindingsService, GroupId, ViewGroup } from './findingsService';
import { readLines } from './lineText';

export type FindingsNode =
  | { kind: 'group'; group: ViewGroup }
  | { kind: 'incident'; incident: Incident }
  | { kind: 'entity'; entity: EntityFindings }
  | { kind: 'finding'; entity?: EntityFindings; finding: Finding }
  | { kind: 'evidence'; finding: Finding; line: number; text?: string }
  | { kind: 'more'; finding: Finding }
  /** A Sigma finding's rule: opens its YAML beside the matched source line. */
  | { kind: 'sigmaRule'; finding: Finding }
  | { kind: 'showMore'; group: GroupId; remaining: number };

export const FINDINGS_CONTEXT = { entity: 'li.entity', incident: 'li.incident', finding: 'li.finding', evidence: 'li.evidence' } as const;

const EVIDENCE_SHOWN = 20;
const LINE_TEXT_MAX = 160;

/** Each severity its own icon and colour. */
export const SEVERITY_ICONS: Record<Severity, { icon: string; color: string }> = {
  critical: { icon: 'flame', color: 'charts.red' },
  high: { icon: 'error', color: 'charts.orange' },
  medium: { icon: 'warning', color: 'charts.yellow' },
  low: { icon: 'info', color: 'charts.blue' },
  info: { icon: 'circle-outline', color: 'disabledForeground' },
};
export const severityIcon = (s: Severity) => new vscode.ThemeIcon(SEVERITY_ICONS[s].icon, new vscode.ThemeColor(SEVERITY_ICONS[s].color));

/** "58 · Hyperion" when a group table names the entity. */
export const entityLabel = (e: { value: string; name?: string }) => safeLabel(e.name ? `${e.value} · ${e.name}` : e.value, 120);
const riskText = (risk: number, severity: Severity) => `${Math.round(risk)} ${severity}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Findings: incidents, then suspects grouped by kind of entity, by combined risk; each group its top N and "Show more…". */
export class FindingsView implements vscode.TreeDataProvider<FindingsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FindingsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly service: FindingsService) {
    this.sub = service.onDidChange(() => this.emitter.fire(undefined));
  }

  getChildren(node?: FindingsNode): FindingsNode[] | Promise<FindingsNode[]> {
    if (!node) return this.service.model().groups.map((group) => ({ kind: 'group' as const, group }));
    switch (node.kind) {
      case 'group': {
        const g = node.group;
        const items: FindingsNode[] = g.id === 'incidents' ? g.incidents.slice(0, g.shown).map((incident) => ({ kind: 'incident', incident })) : g.entities.slice(0, g.shown).map((entity) => ({ kind: 'entity', entity }));
        const total = g.id === 'incidents' ? g.incidents.length : g.entities.length;
        if (total > g.shown) items.push({ kind: 'showMore', group: g.id, remaining: total - g.shown });
        return items;
      }
      case 'incident':
        return node.incident.findings.map((finding) => ({ kind: 'finding', finding }));
      case 'entity':
        return [...node.entity.findings].sort((a, b) => riskOf(b) - riskOf(a)).map((finding) => ({ kind: 'finding', entity: node.entity, finding }));
      case 'finding':
        return this.evidence(node.finding);
      default:
        return [];
    }
  }

  /** Evidence items with the lines' text, read when the finding expands (only those lines). */
  private async evidence(f: Finding): Promise<FindingsNode[]> {
    const lines = f.evidence.lines.slice(0, EVIDENCE_SHOWN);
    const texts = lines.length ? await readLines(f.evidence.file, lines) : new Map<number, string>();
    const nodes: FindingsNode[] = lines.map((line) => ({ kind: 'evidence', finding: f, line, text: texts.get(line) }));
    if (f.analysis === 'sigma' && f.metrics.ruleFile) nodes.unshift({ kind: 'sigmaRule', finding: f });
    if (f.evidence.total > lines.length || lines.length === 0) nodes.push({ kind: 'more', finding: f });
    return nodes;
  }

  getTreeItem(node: FindingsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const g = node.group;
        const item = new vscode.TreeItem(g.title, vscode.TreeItemCollapsibleState.Expanded);
        const total = g.id === 'incidents' ? g.incidents.length : g.entities.length;
        item.id = `group:${g.id}`;
        item.description = `${total > g.shown ? `top ${g.shown} of ${total}` : String(total)}${g.absorbed ? ` · ${g.absorbed} more in incidents` : ''}`;
        return item;
      }
      case 'incident': {
        const i = node.incident;
        const item = new vscode.TreeItem(safeLabel(i.title, 120), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = i.id;
        item.iconPath = severityIcon(i.severity);
        item.description = `${riskText(i.risk, i.severity)} · ${plural(i.analyses.length, 'analysis', 'analyses')}`;
        item.tooltip = new vscode.MarkdownString(incidentCard(i));
        item.contextValue = FINDINGS_CONTEXT.incident;
        return item;
      }
      case 'entity': {
        const e = node.entity;
        const item = new vscode.TreeItem(entityLabel(e), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = e.key;
        item.iconPath = severityIcon(e.severity);
        item.description = `${riskText(e.risk, e.severity)} · ${plural(e.analyses.length, 'analysis', 'analyses')}${e.lowered ? ' · benign context' : ''}${e.label ? ` · ${e.label}` : ''}`;
        item.tooltip = new vscode.MarkdownString(suspectCard(e));
        item.contextValue = `${FINDINGS_CONTEXT.entity}${e.label ? `.${e.label}` : ''}`;
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(safeLabel(f.reason, 200), vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = severityIcon(f.severity);
        item.description = safeLabel(`${f.analysis} · ${Math.round(riskOf(f))} · ${f.entity.kind} ${f.entity.value} · ${f.evidence.table}`, 120);
        item.tooltip = safeLabel(`${f.reason}\n\n${Object.entries(f.metrics).map(([k, v]) => `${k}: ${v}`).join('\n')}`, 2000);
        item.contextValue = FINDINGS_CONTEXT.finding;
        return item;
      }
      case 'evidence': {
        const label = node.text === undefined ? `line ${node.line}` : safeLabel(node.text.trim() || '(empty line)', LINE_TEXT_MAX);
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.description = safeLabel(`${path.basename(node.finding.evidence.file)}:${node.line}`, 120);
        item.tooltip = node.text === undefined ? undefined : safeLabel(node.text, 2000);
        item.iconPath = new vscode.ThemeIcon('go-to-file');
        item.command = { command: 'logInvestigator.openSource', title: 'Open Source Line', arguments: [node.finding.evidence.file, node.line] };
        item.contextValue = FINDINGS_CONTEXT.evidence;
        return item;
      }
      case 'more': {
        const f = node.finding;
        const item = new vscode.TreeItem(`Show all ${f.evidence.total.toLocaleString()} rows…`, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('table');
        item.command = { command: 'logInvestigator.showEvidence', title: 'Show All Rows', arguments: [f] };
        return item;
      }
      case 'sigmaRule': {
        const f = node.finding;
        const item = new vscode.TreeItem(safeLabel(`Sigma rule: ${String(f.metrics.rule)}`, 160), vscode.TreeItemCollapsibleState.None);
        item.description = safeLabel(`${path.basename(String(f.metrics.ruleFile))}:${String(f.metrics.ruleLine ?? 1)} · beside the source line`, 120);
        item.iconPath = new vscode.ThemeIcon('file-code');
        item.command = { command: 'logInvestigator.showSigmaRule', title: 'Show Sigma Rule', arguments: [f] };
        return item;
      }
      case 'showMore': {
        const item = new vscode.TreeItem(`Show ${Math.min(node.remaining, this.service.perGroup())} more…`, vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.group}`;
        item.description = `${node.remaining} not shown`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'logInvestigator.showMoreFindings', title: 'Show More', arguments: [node.group] };
        return item;
      }
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
