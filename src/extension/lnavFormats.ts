import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lnavFormatDirs, lnavFormatsIn } from '../engine/ingest/lnav';
import { workspaceRoot } from './analysisParams';
import { safeText } from '../shared/safeText';

/**
 * lnav format files for the engine (#14 item 5): the workspace's
 * `.log-investigator/formats/*.json`, the user's lnav folders and the folders
 * of the `logInvestigator.lnavFormatFolders` setting. Files that cannot be
 * read and definitions that cannot be compiled are diagnostics on the file,
 * at the format's name; they never stop indexing.
 */
export function lnavDirs(): string[] {
  const root = workspaceRoot();
  const extra = vscode.workspace.getConfiguration('logInvestigator').get<string[]>('lnavFormatFolders', []) ?? [];
  const resolved = extra.filter((d) => typeof d === 'string' && d.trim()).map((d) => (path.isAbsolute(d) || !root ? d : path.join(root, d)));
  return [...resolved, ...lnavFormatDirs(root)];
}

let current: LnavFormatsWatcher | undefined;

/** The folders for an index request, their problems shown afresh: what the engine reads is what the Problems view shows. */
export function lnavDirsForIndex(): string[] {
  return current ? current.check() : lnavDirs();
}

export class LnavFormatsWatcher implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('logInvestigator.lnavFormats');
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    current = this;
    const root = workspaceRoot();
    if (root) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(root, '.log-investigator/formats/*.json'));
      this.subs.push(w, w.onDidChange(() => this.check()), w.onDidCreate(() => this.check()), w.onDidDelete(() => this.check()));
    }
    this.subs.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('logInvestigator.lnavFormatFolders') && this.check()));
    this.check();
  }

  /** Loads the formats (cached while the files are unchanged) and shows what is wrong in them; returns the folders. */
  check(): string[] {
    const dirs = lnavDirs();
    this.diagnostics.clear();
    try {
      const { formats, diagnostics } = lnavFormatsIn(dirs);
      const byFile = new Map<string, vscode.Diagnostic[]>();
      for (const d of diagnostics) {
        const list = byFile.get(d.file) ?? [];
        byFile.set(d.file, list);
        const diag = new vscode.Diagnostic(rangeOf(d.file, d.format), safeText(`${d.format ? `${d.format}: ` : ''}${d.message}`), vscode.DiagnosticSeverity.Warning);
        diag.source = 'Log Investigator (lnav format)';
        list.push(diag);
      }
      for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
      if (formats.length || diagnostics.length) this.log.info(`lnav formats: ${formats.length} loaded, ${diagnostics.length} problem(s), from ${dirs.join(', ')}`);
    } catch (e) {
      this.log.warn(`lnav formats could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    return dirs;
  }

  /** The diagnostics shown for a file (for tests). */
  problems(file: string): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(vscode.Uri.file(file)) ?? [];
  }

  dispose(): void {
    if (current === this) current = undefined;
    this.diagnostics.dispose();
    for (const s of this.subs) s.dispose();
  }
}

/** Where a format's definition starts in its file (its quoted name), or the file's first line. */
function rangeOf(file: string, format?: string): vscode.Range {
  if (format) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const at = text.indexOf(JSON.stringify(format));
      if (at >= 0) {
        const before = text.slice(0, at).split(/\r\n|\r|\n/);
        const line = before.length - 1;
        const col = before[line].length;
        return new vscode.Range(line, col, line, col + JSON.stringify(format).length);
      }
    } catch {
      // the file went away: the first line will do
    }
  }
  return new vscode.Range(0, 0, 0, 1);
}
