import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../engine/errors';
import { parseRules, RULES_FILE, type RuleError } from '../engine/analyses/rules/rules';
import { analysisParams, workspaceRoot } from './analysisParams';
import type { FindingsService } from './findingsService';
import { safeText } from '../shared/safeText';

/**
 * The workspace's rules file: checked and re-run whenever it is saved (or
 * changed on disk). Syntax errors, bad rules and conditions SQLite cannot
 * compile against a table become diagnostics at their position in the file;
 * nothing in the file can stop the extension.
 */
export class RulesWatcher implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('logInvestigator.rules');
  private readonly subs: vscode.Disposable[] = [];
  private watcher?: vscode.FileSystemWatcher;
  /** The last check, for tests and the output channel. */
  lastErrors: RuleError[] = [];

  constructor(
    private readonly findings: FindingsService,
    private readonly hasTables: () => boolean,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.watch();
    this.subs.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('logInvestigator.rulesFile') && this.watch()));
  }

  /** The rules file's absolute path, from the setting (relative to the workspace folder). */
  file(): string | undefined {
    const root = workspaceRoot();
    const setting = vscode.workspace.getConfiguration('logInvestigator').get<string>('rulesFile', RULES_FILE) || RULES_FILE;
    if (path.isAbsolute(setting)) return setting;
    return root ? path.join(root, setting) : undefined;
  }

  private watch(): void {
    this.watcher?.dispose();
    const file = this.file();
    if (!file) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const onChange = () => void this.check();
    this.watcher.onDidChange(onChange);
    this.watcher.onDidCreate(onChange);
    this.watcher.onDidDelete(() => this.diagnostics.clear());
  }

  /** Reads the file, shows its errors, and runs the rules over the indexed tables. Returns the errors. */
  async check(): Promise<RuleError[]> {
    const file = this.file();
    if (!file || !fs.existsSync(file)) {
      this.diagnostics.clear();
      return (this.lastErrors = []);
    }
    let errors: RuleError[] = [];
    try {
      const set = parseRules(fs.readFileSync(file, 'utf8'), file);
      errors = [...set.errors];
      if (this.hasTables() && set.rules.length) {
        const run = await this.findings.run('rules', analysisParams('rules'));
        // conditions SQLite could not compile against a table come back in the output's error table
        for (const o of run.outputs) {
          const t = o.tables.find((x) => x.title === 'Rule errors');
          for (const [rule, line, column, message] of t?.rows ?? []) {
            if (!errors.some((e) => e.line === line && e.column === column && e.message === message)) errors.push({ file, line: Number(line), column: Number(column), message: String(message), rule: rule === null ? undefined : String(rule) });
          }
        }
        const n = run.outputs.reduce((s, o) => s + o.findings.length, 0);
        this.log.info(`rules: ${set.rules.length} rule${set.rules.length === 1 ? '' : 's'} run, ${n} finding${n === 1 ? '' : 's'}`);
      }
    } catch (e) {
      this.log.error(`rules: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(safeText(`Log Investigator: the rules in ${path.basename(file)} could not run: ${errorMessage(e)}`));
    }
    this.diagnostics.set(
      vscode.Uri.file(file),
      errors.map((e) => {
        const pos = new vscode.Position(Math.max(0, e.line - 1), Math.max(0, e.column - 1));
        const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), e.message, vscode.DiagnosticSeverity.Error);
        d.source = 'Log Investigator rules';
        return d;
      }),
    );
    return (this.lastErrors = errors);
  }

  dispose(): void {
    this.watcher?.dispose();
    this.diagnostics.dispose();
    for (const s of this.subs) s.dispose();
  }
}
