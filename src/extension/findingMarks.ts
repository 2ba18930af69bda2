import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../engine/findings/model';
import type { FindingsService } from './findingsService';
import { riskOf } from '../engine/findings/triage/combine';
import { safeText } from '../shared/safeText';

/**
 * Marks the evidence lines of the shown suspects and incidents (the top N of
 * each group, and those revealed by "Show more…") in editors: a gutter flag, an overview-ruler
 * mark and a hover with the reasons and scores; optionally (a setting,
 * capped) diagnostics in the Problems panel.
 */
export class FindingMarks implements vscode.Disposable {
  private readonly decoration: vscode.TextEditorDecorationType;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('Log Investigator');
  private readonly disposables: vscode.Disposable[] = [];
  /** What each visible editor has marked (file → lines); integration tests read it. */
  readonly marked = new Map<string, number[]>();

  constructor(
    context: vscode.ExtensionContext,
    private readonly service: FindingsService,
  ) {
    this.decoration = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(context.extensionUri, 'media', 'flag.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
    });
    this.disposables.push(
      this.decoration,
      this.diagnostics,
      service.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('logInvestigator') && this.refresh()),
      vscode.languages.registerHoverProvider({ scheme: 'file' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
    this.refresh();
  }

  refresh(): void {
    this.marked.clear();
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme !== 'file') continue;
      const flagged = this.service.flaggedLines(editor.document.uri.fsPath);
      const lines = [...flagged.keys()].filter((l) => l <= editor.document.lineCount).sort((a, b) => a - b);
      editor.setDecorations(
        this.decoration,
        lines.map((l) => new vscode.Range(l - 1, 0, l - 1, 0)),
      );
      if (lines.length) this.marked.set(path.resolve(editor.document.uri.fsPath), lines);
    }
    this.updateProblems();
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const findings = this.service.flaggedLines(doc.uri.fsPath).get(pos.line + 1);
    if (!findings?.length) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**Log Investigator**\n\n');
    for (const f of findings) {
      md.appendMarkdown(`- ${f.severity} ${Math.round(riskOf(f))} — `);
      md.appendText(safeText(`${f.reason} (${f.analysis})`));
      md.appendMarkdown('\n');
    }
    return new vscode.Hover(md, new vscode.Range(pos.line, 0, pos.line, 0));
  }

  private updateProblems(): void {
    this.diagnostics.clear();
    const cfg = vscode.workspace.getConfiguration('logInvestigator');
    if (!cfg.get<boolean>('problems', false)) return;
    const cap = cfg.get<number>('problemsLimit', 500);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    let n = 0;
    // the shown suspects only, as the marks
    const shown = this.service.model().groups.flatMap((g) => [...g.incidents.slice(0, g.shown).flatMap((i) => i.findings), ...g.entities.slice(0, g.shown).flatMap((e) => e.findings)]);
    {
      for (const f of new Set(shown)) {
        const line = f.evidence.lines[0];
        if (!line || n >= cap) continue;
        const d = new vscode.Diagnostic(new vscode.Range(line - 1, 0, line - 1, 0), safeText(f.reason), severityOf(f));
        d.source = `Log Investigator (${f.analysis})`;
        byFile.set(f.evidence.file, [...(byFile.get(f.evidence.file) ?? []), d]);
        n++;
      }
    }
    for (const [file, ds] of byFile) this.diagnostics.set(vscode.Uri.file(file), ds);
  }

  /** Moves the cursor to the next (or previous) flagged line of the active editor. */
  step(direction: 1 | -1): boolean {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return false;
    const lines = [...this.service.flaggedLines(editor.document.uri.fsPath).keys()].sort((a, b) => a - b);
    if (lines.length === 0) {
      void vscode.window.showInformationMessage('No flagged lines in this file. Run an analysis first (Log Investigator: Run Analysis…).');
      return false;
    }
    const current = editor.selection.active.line + 1;
    const next = direction > 0 ? lines.find((l) => l > current) ?? lines[0] : [...lines].reverse().find((l) => l < current) ?? lines[lines.length - 1];
    const range = new vscode.Range(next - 1, 0, next - 1, 0);
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function severityOf(f: Finding): vscode.DiagnosticSeverity {
  return f.severity === 'critical' || f.severity === 'high' ? vscode.DiagnosticSeverity.Error : f.severity === 'medium' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}
