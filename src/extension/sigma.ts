/**
 * Sigma in VS Code: Run Sigma Rules (the folders and files of the
 * logInvestigator.sigmaRules setting; "bundled" is the curated set shipped
 * in media/sigma-rules), a summary per run, Sigma problems as diagnostics in
 * the rule's YAML, and Show Sigma Rule: the matched source line, the rule's
 * YAML beside it and a card with the compiled SQL, author and references.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisOutput, AnalysisRun, Finding } from '../engine/findings/model';
import { safeLabel } from '../shared/safeText';
import { workspaceRoot } from './analysisParams';
import type { FindingsContext } from './findingsCommands';
import type { FindingsNode } from './findingsView';

const SQL_SCHEME = 'log-investigator-sigma';

/** The setting as the engine's `sigma` parameter: files and folders (relative to the workspace), `bundled` as it is; empty when none. */
export function sigmaRulesParam(): string {
  const v = vscode.workspace.getConfiguration('logInvestigator').get<string[] | string>('sigmaRules', ['bundled']);
  const list = (Array.isArray(v) ? v : [v]).map((s) => String(s).trim()).filter(Boolean);
  const root = workspaceRoot();
  return list.map((p) => (p === 'bundled' || path.isAbsolute(p) || !root ? p : path.join(root, p))).join(',');
}

/** Problems of a run as diagnostics of the rule files: unsupported, failed, YAML errors, fields no table has. */
export function sigmaDiagnostics(outputs: AnalysisOutput[], collection: vscode.DiagnosticCollection): number {
  const byFile = new Map<string, Map<string, vscode.Diagnostic>>();
  const add = (file: string, line: number, message: string, severity: vscode.DiagnosticSeverity) => {
    if (!file || !fs.existsSync(file)) return;
    const l = Math.max(0, line - 1);
    const d = new vscode.Diagnostic(new vscode.Range(l, 0, l, 1000), message, severity);
    d.source = 'Log Investigator (Sigma)';
    const m = byFile.get(file) ?? new Map<string, vscode.Diagnostic>();
    m.set(`${l}:${message}`, d);
    byFile.set(file, m);
  };
  for (const o of outputs) {
    if (o.analysis !== 'sigma') continue;
    for (const t of o.tables) {
      if (t.title === 'Sigma problems') for (const [, file, line, msg] of t.rows) add(String(file), Number(line), String(msg), vscode.DiagnosticSeverity.Warning);
      if (t.title.startsWith('Sigma rules on this table')) {
        for (const [rule, , status, , missing, , file, line] of t.rows) {
          if (missing) add(String(file), Number(line), `${String(rule)}: table ${o.table} has no column for ${String(missing)}${status === 'no fields' ? ' (the rule did not run there)' : ''}`, vscode.DiagnosticSeverity.Information);
        }
      }
    }
  }
  collection.clear();
  for (const [file, m] of byFile) collection.set(vscode.Uri.file(file), [...m.values()]);
  return [...byFile.values()].reduce((n, m) => n + m.size, 0);
}

/**
 * One line: per table where rules applied, how many matched, ran without a match, were skipped and why;
 * then the tables no rule applies to and those no Sigma log source fits, by name (so the line stays short).
 */
export function sigmaSummary(run: AnalysisRun): string {
  const applied: string[] = [];
  const noRule: string[] = [];
  const noSource: string[] = [];
  for (const o of run.outputs) {
    if (o.analysis !== 'sigma') continue;
    const title = (o.tables[0]?.title ?? '').replace(/^Sigma rules on this table — /, '');
    if (/^no Sigma log source fits/.test(title)) noSource.push(o.table);
    else if (/: 0 of \d+ rules apply;/.test(title)) noRule.push(o.table);
    else applied.push(`${o.table}: ${title}`);
  }
  const parts = [...applied, ...(noRule.length ? [`no rule applies to ${noRule.join(', ')}`] : []), ...(noSource.length ? [`no Sigma log source fits ${noSource.join(', ')}`] : [])];
  return parts.join(' · ') || run.skipped.join('; ');
}

function findingOf(arg: unknown): Finding | undefined {
  const node = arg as FindingsNode | undefined;
  if (node && node.kind === 'finding') return node.finding;
  const f = arg as Finding | undefined;
  return f && typeof f === 'object' && 'analysis' in f ? f : undefined;
}

const cards = new Map<string, string>();
let provider: vscode.Disposable | undefined;

/** The card of a Sigma finding: the rule, who wrote it (the Detection Rule License asks to keep it), its references and its SQL. */
export function sigmaCard(f: Finding): string {
  const m = f.metrics;
  const lines = [
    `-- Sigma rule: ${String(m.rule)} (${String(m.level)})`,
    `-- author: ${String(m.author ?? 'not given')}`,
    ...String(m.references ?? '').split(' ').filter(Boolean).map((r) => `-- reference: ${r}`),
    ...(m.attack ? [`-- ATT&CK: ${String(m.attack)}`] : []),
    `-- rule file: ${String(m.ruleFile)}:${String(m.ruleLine)}`,
    `-- license: ${String(m.license ?? 'Detection Rule License 1.1')}`,
    ...(m.missingFields ? [`-- fields this table has no column for (false here): ${String(m.missingFields)}`] : []),
    `-- ${f.evidence.total} matching row(s) in ${f.evidence.table}; the evidence query with its bound values:`,
    '',
    f.evidence.sql + ';',
    '',
    `-- parameters: ${JSON.stringify(f.evidence.params)}`,
  ];
  return lines.join('\n') + '\n';
}

export const SIGMA_COMMANDS: Record<string, (cx: FindingsContext, ...args: unknown[]) => unknown> = {
  'logInvestigator.runSigma': async (cx) => {
    const rules = sigmaRulesParam();
    if (!rules) {
      void vscode.window.showWarningMessage('No Sigma rules: the setting logInvestigator.sigmaRules is empty (add "bundled" or rule folders).');
      return undefined;
    }
    const run = (await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'sigma', { sigma: rules })) as AnalysisRun | undefined;
    if (!run) return undefined;
    const n = sigmaDiagnostics(run.outputs, diagnostics(cx));
    // the problems first: the per-table part may be cut at the end
    void vscode.window.showInformationMessage(safeLabel(`Sigma: ${n ? `${n} problem${n === 1 ? '' : 's'} shown in the rule files · ` : ''}${sigmaSummary(run)}`, 600));
    return run;
  },

  'logInvestigator.showSigmaRule': async (cx, arg) => {
    const f = findingOf(arg);
    if (!f || f.analysis !== 'sigma' || !f.metrics.ruleFile) {
      void vscode.window.showInformationMessage('Show Sigma Rule works on a finding of the Sigma analysis.');
      return undefined;
    }
    // the source line first, the rule's YAML beside it, then its SQL
    if (f.evidence.lines.length) await vscode.commands.executeCommand('logInvestigator.openSource', f.evidence.file, f.evidence.lines[0]);
    const file = String(f.metrics.ruleFile);
    const line = Math.max(0, Number(f.metrics.ruleLine ?? 1) - 1);
    const yaml = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(yaml, { viewColumn: vscode.ViewColumn.Beside, preview: false, selection: new vscode.Range(line, 0, line, 0) });
    if (!provider) {
      provider = vscode.workspace.registerTextDocumentContentProvider(SQL_SCHEME, { provideTextDocumentContent: (uri) => cards.get(uri.path) ?? '' });
      cx.context.subscriptions.push(provider, { dispose: () => (provider = undefined) });
    }
    const uri = vscode.Uri.from({ scheme: SQL_SCHEME, path: `/${String(f.metrics.rule).replace(/[^\w.-]+/g, '_').slice(0, 80)}.sql` });
    cards.set(uri.path, sigmaCard(f));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return { yaml: file, sql: uri.toString() };
  },
};

let collection: vscode.DiagnosticCollection | undefined;
function diagnostics(cx: FindingsContext): vscode.DiagnosticCollection {
  if (!collection) {
    collection = vscode.languages.createDiagnosticCollection('log-investigator-sigma');
    cx.context.subscriptions.push(collection, { dispose: () => (collection = undefined) });
  }
  return collection;
}
