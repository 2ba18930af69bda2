import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EntityKind, Finding, Severity } from '../engine/findings';
import type { EntityFindings, FindingsService } from './findingsService';

export type FindingsNode =
  | { kind: 'group'; entityKind: EntityKind; entities: EntityFindings[] }
  | { kind: 'entity'; entity: EntityFindings }
  | { kind: 'finding'; entity: EntityFindings; finding: Finding }
  | { kind: 'evidence'; finding: Finding; line: number }
  | { kind: 'more'; finding: Finding };

export const FINDINGS_CONTEXT = { entity: 'li.entity', finding: 'li.finding', evidence: 'li.evidence' } as const;

const GROUPS: [EntityKind, string][] = [
  ['ip', 'Suspicious IPs'], ['user', 'Users'], ['group', 'Cohorts / groups'], ['resource', 'Resources'], ['window', 'Time windows'], ['session', 'Sessions'], ['row', 'Rows'],
];
const EVIDENCE_SHOWN = 20;

const severityIcon = (s: Severity) =>
  new vscode.ThemeIcon(s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'info', new vscode.ThemeColor(s === 'critical' || s === 'high' ? 'errorForeground' : s === 'medium' ? 'editorWarning.foreground' : 'editorInfo.foreground'));

/** Findings: what looks suspicious, grouped by kind of entity, by score. */
export class FindingsView implements vscode.TreeDataProvider<FindingsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FindingsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly service: FindingsService) {
    this.sub = service.onDidChange(() => this.emitter.fire(undefined));
  }

  getChildren(node?: FindingsNode): FindingsNode[] {
    if (!node) {
      const entities = this.service.entities();
      return GROUPS.map(([k]) => ({ kind: 'group' as const, entityKind: k, entities: entities.filter((e) => e.kind === k) })).filter((g) => g.entities.length > 0);
    }
    switch (node.kind) {
      case 'group':
        return node.entities.map((entity) => ({ kind: 'entity', entity }));
      case 'entity':
        return [...node.entity.findings].sort((a, b) => b.score - a.score).map((finding) => ({ kind: 'finding', entity: node.entity, finding }));
      case 'finding': {
        const lines: FindingsNode[] = node.finding.evidence.lines.slice(0, EVIDENCE_SHOWN).map((line) => ({ kind: 'evidence', finding: node.finding, line }));
        if (node.finding.evidence.total > lines.length || node.finding.evidence.lines.length === 0) lines.push({ kind: 'more', finding: node.finding });
        return lines;
      }
      default:
        return [];
    }
  }

  getTreeItem(node: FindingsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const item = new vscode.TreeItem(GROUPS.find(([k]) => k === node.entityKind)![1], vscode.TreeItemCollapsibleState.Expanded);
        item.description = String(node.entities.length);
        return item;
      }
      case 'entity': {
        const e = node.entity;
        const analyses = new Set(e.findings.map((f) => f.analysis)).size;
        const item = new vscode.TreeItem(e.value, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = e.key;
        item.iconPath = severityIcon(e.severity);
        item.description = `${e.score.toFixed(1)} · ${analyses} ${analyses === 1 ? 'analysis' : 'analyses'}${e.label ? ` · ${e.label}` : ''}`;
        const md = new vscode.MarkdownString();
        md.appendMarkdown('**');
        md.appendText(`${e.kind} ${e.value}`);
        md.appendMarkdown(`** — ${e.severity}, score ${e.score.toFixed(1)}${e.label ? `, labelled ${e.label}` : ''}\n\n`);
        for (const f of e.findings) {
          md.appendMarkdown('- ');
          md.appendText(`${f.reason} (${f.analysis})`);
          md.appendMarkdown('\n');
        }
        item.tooltip = md;
        item.contextValue = `${FINDINGS_CONTEXT.entity}${e.label ? `.${e.label}` : ''}`;
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(f.reason, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = severityIcon(f.severity);
        item.description = `${f.analysis} · ${f.score.toFixed(1)} · ${f.evidence.table}`;
        item.tooltip = `${f.reason}\n\n${Object.entries(f.metrics).map(([k, v]) => `${k}: ${v}`).join('\n')}`;
        item.contextValue = FINDINGS_CONTEXT.finding;
        return item;
      }
      case 'evidence': {
        const item = new vscode.TreeItem(`line ${node.line}`, vscode.TreeItemCollapsibleState.None);
        item.description = path.basename(node.finding.evidence.file);
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
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
