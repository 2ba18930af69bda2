import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ANALYSES } from '../engine/analyses';
import { selectAnalyses, type Missing } from '../engine/findings/model';
import { safeText } from '../shared/safeText';
import { sigmaRulesParam } from './sigma';

/**
 * Parameters that come from settings rather than from the person running an
 * analysis: the geo database, the threat list, the rules file, the precision
 * and recall an evaluation aims for; and the workspace's labels file. Each reaches only the
 * analyses that declare it; a path is resolved against the first workspace
 * folder, and a file setting that names no existing file is left out (the
 * analysis then says it needs it).
 */
const FROM_SETTINGS: { param: string; setting: string; kind: 'file' | 'fileOrList' | 'number' }[] = [
  { param: 'geo', setting: 'geoDatabase', kind: 'file' },
  { param: 'threats', setting: 'threatList', kind: 'fileOrList' },
  { param: 'rules', setting: 'rulesFile', kind: 'file' },
  { param: 'minPrecision', setting: 'targetPrecision', kind: 'number' },
  { param: 'minRecall', setting: 'targetRecall', kind: 'number' },
];

/** Files of the workspace that analyses may read: the labels given in the Findings view. */
const WORKSPACE_FILES: { param: string; file: string }[] = [{ param: 'labels', file: path.join('.log-investigator', 'labels.json') }];

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function resolveFile(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const root = workspaceRoot();
  const p = path.isAbsolute(value) || !root ? value : path.join(root, value);
  return fs.existsSync(p) ? p : undefined;
}

/** The settings' parameters for an analysis selection ('all', an id, or ids with commas), then the given ones on top. */
export function analysisParams(selection: string, given: Record<string, string> = {}): Record<string, string> {
  let chosen;
  try {
    chosen = selectAnalyses(selection, ANALYSES);
  } catch {
    return given; // the engine reports the unknown id
  }
  const declared = new Set(chosen.flatMap((a) => a.params.map((p) => p.name)));
  const cfg = vscode.workspace.getConfiguration('logInvestigator');
  const out: Record<string, string> = {};
  for (const { param, setting, kind } of FROM_SETTINGS) {
    if (!declared.has(param)) continue;
    const v = cfg.get<unknown>(setting);
    if (kind === 'number' && typeof v === 'number') out[param] = String(v);
    else if (typeof v === 'string' && v.trim()) {
      const file = resolveFile(v);
      if (file) out[param] = file;
      else if (kind === 'fileOrList' && !/[\\/]/.test(v)) out[param] = v; // a list of IPs and networks
    }
  }
  // Sigma rules: the folders and files of logInvestigator.sigmaRules ("bundled" is the shipped set)
  if (declared.has('sigma')) {
    const rules = sigmaRulesParam();
    if (rules) out.sigma = rules;
  }
  for (const { param, file } of WORKSPACE_FILES) {
    const p = declared.has(param) ? resolveFile(file) : undefined;
    if (p) out[param] = p;
  }
  return { ...out, ...given };
}

/** What a person can do about something an analysis lacks, in VS Code's terms (settings and commands, not command-line flags). */
export function remedy(m: Missing): string | undefined {
  switch (m.kind) {
    case 'role':
      return `give a column the role ${m.role} ("Set Column's Role…")`;
    case 'groups':
      return 'index the group table too (a table with group, start and end columns, e.g. cohorts.csv)';
    case 'param': {
      const s = FROM_SETTINGS.find((x) => x.param === m.name);
      return s ? `set logInvestigator.${s.setting}` : `give the parameter ${m.name}`;
    }
    case 'log':
      return undefined; // tables of periods are left alone on purpose
  }
}

/** A button that fixes what keeps an analysis from running: the command it runs, with its arguments. */
export interface FixAction {
  title: string;
  command: string;
  args: unknown[];
}

/** The buttons for what is missing, each once: set a role, index the group table, open a setting. */
export function fixActions(missing: Missing[]): FixAction[] {
  const out: FixAction[] = [];
  const add = (a: FixAction) => {
    if (!out.some((x) => x.title === a.title)) out.push(a);
  };
  for (const m of missing) {
    if (m.kind === 'role') add({ title: "Set Column's Role…", command: 'logInvestigator.setRole', args: [] });
    else if (m.kind === 'groups') add({ title: 'Index File…', command: 'logInvestigator.indexFile', args: [] });
    else if (m.kind === 'param') {
      const s = FROM_SETTINGS.find((x) => x.param === m.name);
      if (s) add({ title: `Open Setting ${s.setting}`, command: 'workbench.action.openSettings', args: [`logInvestigator.${s.setting}`] });
    }
  }
  return out;
}

/** Shows why an analysis cannot run, in one line, with the buttons that fix it; runs the one chosen. */
export async function offerFixes(message: string, missing: Missing[]): Promise<void> {
  const actions = fixActions(missing);
  // the reasons name tables and columns from files: no command links, icons or bidi tricks
  const chosen = await vscode.window.showWarningMessage(safeText(message), ...actions.map((a) => a.title));
  const action = actions.find((a) => a.title === chosen);
  if (action) await vscode.commands.executeCommand(action.command, ...action.args);
}

