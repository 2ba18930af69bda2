import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ANALYSES } from '../engine/analyses';
import { analysisParams, offerFixes, remedy } from './analysisParams';
import type { RulesWatcher } from './rulesWatcher';
import { evaluateEntities, evaluationSpec, maliciousFromWindows } from '../engine/findings/evaluate';
import { findingsCsv, toSarif } from '../engine/findings/export';
import { missingRoles, selectAnalyses, type Analysis, type AnalysisOutput, type Finding, type ParamSpec } from '../engine/findings/model';
import { windowsFromRows, type LabelValue } from '../engine/findings/labels';
import { quoteIdent } from '../engine/store/names';
import type { Role } from '../engine/ingest/roles';
import type { TableInfo } from '../engine/ingest/build';
import type { CommandContext } from './commands';
import type { FindingMarks } from './findingMarks';
import type { EntityFindings, FindingsService } from './findingsService';
import { entityLabel, type FindingsNode } from './findingsView';
import { safeLabel } from '../shared/safeText';
import { incidentCard, suspectCard } from '../engine/findings/triage/card';
import type { Incident } from '../engine/findings/triage/incidents';
import { ResultsPanel } from './resultsPanel';
import { ChartPanel } from './chartPanel';
import { showAnalysisOutput } from './tableLinks';
import { cancelledNote, runWithProgress } from './analysisProgress';
import { safeText } from '../shared/safeText';
import { shownFile } from './gridHost';

export interface FindingsContext extends CommandContext {
  findings: FindingsService;
  marks: FindingMarks;
  rules: RulesWatcher;
}

/** What a new rules file starts with: one rule per kind of condition, to edit. */
const EXAMPLE_RULES = `// Log Investigator rules: each rule is an SQL condition over the columns of a table.
// Saving this file runs the rules again over the indexed tables; errors appear here.
{
  "rules": [
    {
      "name": "many recipients and an executable attachment",
      "condition": "recipients > 10 AND attachment_names LIKE '%.exe%'",
      "severity": "high",
      "entity": "user",
      "description": "Mass mail with a program attached"
    },
    {
      "name": "server errors",
      "condition": "status >= 500",
      "severity": "medium"
    }
  ]
}
`;

type Handler = (cx: FindingsContext, ...args: unknown[]) => unknown;

const ROLE_OF_KIND: Record<string, Role> = { ip: 'ip', user: 'user', group: 'group', resource: 'resource', session: 'session' };

/** The entity a command is about: a tree node, or an entity object from a test. */
function entityArg(arg: unknown): EntityFindings | undefined {
  const n = arg as FindingsNode | undefined;
  if (n?.kind === 'entity' || n?.kind === 'finding') return n.entity;
  const e = arg as EntityFindings | undefined;
  return e && typeof e.key === 'string' && Array.isArray(e.findings) ? e : undefined;
}

async function pickEntity(cx: FindingsContext, arg: unknown): Promise<EntityFindings | undefined> {
  const e = entityArg(arg);
  if (e) return e;
  const all = cx.findings.entities();
  if (all.length === 0) {
    void vscode.window.showInformationMessage('No findings yet: run Log Investigator: Run Analysis… first.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(all.map((x) => ({ label: entityLabel(x), description: `${x.kind} · ${Math.round(x.risk)} ${x.severity}`, detail: safeLabel(x.findings[0]?.reason ?? '', 200), x })), { placeHolder: 'Which entity?', matchOnDescription: true, matchOnDetail: true });
  return pick?.x;
}

/** The table an entity was found in and the column that holds it (by its role). */
async function entityColumn(cx: FindingsContext, arg: unknown): Promise<{ value: string; table: TableInfo; column: string } | undefined> {
  const e = await pickEntity(cx, arg);
  const role = e && ROLE_OF_KIND[e.kind];
  if (!e || !role) return undefined;
  const table = cx.service.tables.find((t) => t.table === e.findings[0]?.evidence.table);
  const column = table?.columns.find((c) => c.role === role)?.name;
  return table && column ? { value: e.value, table, column } : undefined;
}

const label = (value: LabelValue | null): Handler => async (cx, arg) => {
  const e = await pickEntity(cx, arg);
  if (e) await cx.findings.setLabel(e.kind, e.value, value);
};

/**
 * Parameters for an analysis a person runs: the defaults (or the values used
 * last time in this workspace), or each one set in an input box. Returns
 * undefined when they cancel.
 */
async function askParams(cx: FindingsContext, a: Analysis): Promise<Record<string, string> | undefined> {
  const key = `logInvestigator.params.${a.id}`;
  const last = cx.context.workspaceState.get<Record<string, string>>(key, {});
  const fromSettings = analysisParams(a.id);
  const shown = a.params.filter((p) => !(p.name in fromSettings));
  if (shown.length === 0) return {};
  const current = (p: ParamSpec) => last[p.name] ?? String(p.default);
  const summary = shown.map((p) => `${p.name}=${current(p) === '' ? '∅' : current(p)}`).join(', ');
  const choice = await vscode.window.showQuickPick(
    [
      { label: Object.keys(last).length ? 'Run with the last parameters' : 'Run with the defaults', detail: summary, set: false },
      { label: 'Set parameters…', detail: shown.map((p) => p.name).join(', '), set: true },
    ],
    { title: `${a.title}: parameters` },
  );
  if (!choice) return undefined;
  if (!choice.set) return Object.fromEntries(shown.filter((p) => current(p) !== String(p.default)).map((p) => [p.name, current(p)]));
  const out: Record<string, string> = {};
  for (const p of shown) {
    const v = await vscode.window.showInputBox({
      title: `${a.id}: ${p.name}`,
      prompt: `${p.description} (default ${String(p.default) === '' ? 'none' : p.default})`,
      value: current(p),
      validateInput: (text) => (typeof p.default === 'number' && text.trim() !== '' && !Number.isFinite(Number(text)) ? `${p.name} takes a number` : undefined),
    });
    if (v === undefined) return undefined;
    if (v.trim() !== '' && v !== String(p.default)) out[p.name] = v.trim();
  }
  await cx.context.workspaceState.update(key, out);
  return out;
}

/** The results picker: one separator per analysis, an item per table it ran on. */
function resultItems(outputs: AnalysisOutput[]): (vscode.QuickPickItem & { o?: AnalysisOutput })[] {
  const byAnalysis = new Map<string, AnalysisOutput[]>();
  for (const o of outputs) byAnalysis.set(o.analysis, [...(byAnalysis.get(o.analysis) ?? []), o]);
  return [...byAnalysis].flatMap(([analysis, os]) => [
    { label: `${analysis} — ${os[0].title}`, kind: vscode.QuickPickItemKind.Separator },
    ...os.map((o) => ({ label: safeLabel(o.table, 100), description: `${o.findings.length} finding${o.findings.length === 1 ? '' : 's'} · ${o.tables.length} table${o.tables.length === 1 ? '' : 's'}`, detail: safeLabel(`${analysis}: ${o.title}`, 200), o })),
  ]);
}

/** Read-only Markdown documents of the explanation cards (scheme log-investigator-card). */
const CARD_SCHEME = 'log-investigator-card';
const cards = new Map<string, string>();
let cardProvider: vscode.Disposable | undefined;

function openCardUri(cx: FindingsContext, name: string, markdown: string): vscode.Uri {
  if (!cardProvider) {
    cardProvider = vscode.workspace.registerTextDocumentContentProvider(CARD_SCHEME, { provideTextDocumentContent: (uri) => cards.get(uri.path) ?? '' });
    cx.context.subscriptions.push(cardProvider, { dispose: () => (cardProvider = undefined) });
  }
  const uri = vscode.Uri.from({ scheme: CARD_SCHEME, path: `/${name.replace(/[^\w.:-]+/g, '_').slice(0, 100)}.md` });
  cards.set(uri.path, markdown);
  return uri;
}

/** The export formats, each with what it is for (shown in the picker). */
const EXPORT_FORMATS = [
  { id: 'sarif', label: 'SARIF 2.1.0', detail: 'Results located on the log lines, for SARIF viewers and code scanning' },
  { id: 'markdown', label: 'Markdown report', detail: 'A readable report with the charts as SVG files beside it; evidence links to the logs by relative path' },
  { id: 'csv', label: 'CSV', detail: 'One row per finding (analysis, entity, score, severity, reason, file, evidence lines), for spreadsheets' },
  { id: 'json', label: 'JSON', detail: 'Every analysis output as it is (findings, tables, charts), for scripts' },
];

/** Commands of the Findings view, in the same table as the others (commands.ts merges them). */
export const FINDINGS_COMMANDS: Record<string, Handler> = {
  'logInvestigator.runAnalysis': async (cx, idArg, paramsArg) => {
    let id = typeof idArg === 'string' ? idArg : undefined;
    if (!id) {
      const tables = cx.service.tables;
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'all', description: 'every analysis whose roles are present', detail: undefined as string | undefined },
          ...ANALYSES.map((a) => {
            const fits = tables.filter((t) => missingRoles(a, t, tables, analysisParams(a.id)).length === 0).map((t) => t.table);
            return { label: a.id, description: a.title, detail: fits.length ? `runs on ${fits.join(', ')}` : `needs ${[a.needs.length ? `a table with the roles ${a.needs.join(', ')}` : '', ...(a.requiredParams ?? []).map((name) => remedy({ kind: 'param', name }) ?? '')].filter(Boolean).join('; ')}` };
          }),
        ],
        { title: 'Run which analysis?', matchOnDescription: true },
      );
      id = pick?.label;
      if (id && id !== 'all') {
        const a = ANALYSES.find((x) => x.id === id)!;
        // nothing it could run on: say why, with the buttons that fix it, before asking for parameters
        const missing = tables.map((t) => missingRoles(a, t, tables, analysisParams(a.id)));
        if (missing.every((m) => m.length > 0)) {
          const all = missing.flat();
          const todo = [...new Set(all.map(remedy).filter((r): r is string => !!r))];
          void offerFixes(`${a.id} cannot run yet: ${todo.length ? todo.join(', or ') : 'no indexed table fits it'}.`, all);
          return undefined;
        }
        const given = await askParams(cx, a);
        if (!given) return undefined;
        paramsArg = given;
      }
    }
    if (!id) return undefined;
    const params = analysisParams(id, (paramsArg && typeof paramsArg === 'object' ? paramsArg : {}) as Record<string, string>);
    const run = await runWithProgress(cx.findings, id, params);
    const n = run.outputs.reduce((s, o) => s + o.findings.length, 0);
    if (run.cancelled && run.outputs.length === 0) return run;
    if (run.outputs.length === 0) {
      // what the person can do, once each: roles, the group table, settings
      const tables = cx.service.tables;
      const missing = selectAnalyses(id, ANALYSES).flatMap((a) => tables.flatMap((t) => missingRoles(a, t, tables, params)));
      const todo = new Set(missing.map(remedy).filter((r): r is string => !!r));
      void offerFixes(`${id} could not run: ${run.skipped.join('; ')}.${todo.size ? ` To run it: ${[...todo].join(', or ')}.` : ''}`, missing);
    }
    else {
      const m = cx.findings.model();
      const suspects = m.groups.reduce((k, g) => k + g.entities.length, 0);
      const tables = new Set(run.outputs.map((o) => o.table));
      // one line, whatever the number of analyses and tables
      void vscode.window.showInformationMessage(safeLabel(`${id}: ${n.toLocaleString('en-US')} finding${n === 1 ? '' : 's'} → ${suspects} suspect${suspects === 1 ? '' : 's'}, ${m.triage.incidents.length} incident${m.triage.incidents.length === 1 ? '' : 's'}, ${m.atLeastMedium} at medium or above (${tables.size} table${tables.size === 1 ? '' : 's'})${cancelledNote(run)}.`, 300));
      await vscode.commands.executeCommand('logInvestigator.findings.focus');
      // run by a person (no arguments) on one analysis that found something: also show its own tables and chart
      if (typeof idArg !== 'string' && id !== 'all' && n > 0) await vscode.commands.executeCommand('logInvestigator.showAnalysis', `${run.outputs[0].analysis}|${run.outputs[0].table}`);
    }
    return run;
  },

  'logInvestigator.openRules': async (cx) => {
    const file = cx.rules.file();
    if (!file) throw new Error('Open a folder first: the rules file lives in the workspace.');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, EXAMPLE_RULES);
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    return cx.rules.check();
  },

  'logInvestigator.showAnalysis': async (cx, keyArg) => {
    const outputs = cx.findings.analyses;
    const out =
      typeof keyArg === 'string'
        ? outputs.find((o) => `${o.analysis}|${o.table}` === keyArg)
        : (await vscode.window.showQuickPick(resultItems(outputs), { title: 'Show which analysis?', matchOnDescription: true, matchOnDetail: true, placeHolder: 'Type to search analyses, tables and titles' }))?.o;
    if (!out) return undefined;
    return showAnalysisOutput(cx.context, cx.service, out);
  },

  'logInvestigator.showEvidence': async (cx, arg) => {
    const f = (arg as FindingsNode | undefined)?.kind === 'finding' ? (arg as { finding: Finding }).finding : (arg as Finding | undefined);
    if (!f?.evidence) return undefined;
    return ResultsPanel.show(cx.context, cx.service, `${f.entity.value}: ${f.analysis}`, f.evidence.sql, f.evidence.params);
  },

  'logInvestigator.entityRows': async (cx, arg) => {
    const where = await entityColumn(cx, arg);
    if (!where) return undefined;
    return ResultsPanel.show(cx.context, cx.service, `${where.value}: all rows`, `SELECT * FROM ${quoteIdent(where.table.table)} WHERE ${quoteIdent(where.column)} = ?`, [where.value]);
  },

  'logInvestigator.entityTimeline': async (cx, arg) => {
    const where = await entityColumn(cx, arg);
    if (!where) return undefined;
    if (!where.table.columns.some((c) => c.name === '_time')) {
      void vscode.window.showWarningMessage(safeText(`${where.value}: ${where.table.table} has no time column, so there is no timeline.`));
      return undefined;
    }
    return ChartPanel.show(cx.context, cx.service, where.table, { column: where.column, value: where.value });
  },

  'logInvestigator.showMoreFindings': (cx, groupArg) => {
    const group = typeof groupArg === 'string' ? groupArg : (groupArg as { group?: string } | undefined)?.group;
    if (!group || !cx.findings.model().groups.some((g) => g.id === group)) return false;
    cx.findings.showMore(group as Parameters<FindingsService['showMore']>[0]);
    return true;
  },

  'logInvestigator.explainSuspect': async (cx, arg) => {
    const n = arg as FindingsNode | undefined;
    const incident = n?.kind === 'incident' ? n.incident : (arg as Incident | undefined)?.id?.startsWith?.('incident:') ? (arg as Incident) : undefined;
    const e = incident ? undefined : await pickEntity(cx, arg);
    if (!incident && !e) return undefined;
    const markdown = incident ? incidentCard(incident) : suspectCard(e!);
    const uri = openCardUri(cx, incident ? incident.id : e!.key, markdown);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    const preview = (await vscode.commands.getCommands(true)).includes('markdown.showPreview');
    if (preview) await vscode.commands.executeCommand('markdown.showPreview', uri);
    else await vscode.window.showTextDocument(doc, { preview: true });
    return { uri: uri.toString(), markdown, preview };
  },

  'logInvestigator.markMalicious': label('malicious'),
  'logInvestigator.markBenign': label('benign'),
  'logInvestigator.markNeedsReview': label('needs-review'),
  'logInvestigator.suppress': label('suppressed'),
  'logInvestigator.clearLabel': label(null),

  'logInvestigator.copyFinding': async (cx, arg) => {
    const e = await pickEntity(cx, arg);
    if (!e) return;
    const text = [`${e.kind} ${e.name ? `${e.value} · ${e.name}` : e.value} (risk ${Math.round(e.risk)}, ${e.severity}${e.label ? `, ${e.label}` : ''})`, ...e.findings.map((f) => `- ${f.reason} [${f.analysis}; ${path.basename(f.evidence.file)} lines ${f.evidence.lines.slice(0, 10).join(', ')}]`)].join('\n');
    await vscode.env.clipboard.writeText(text);
  },

  'logInvestigator.filterFindings': async (cx, textArg) => {
    const value = typeof textArg === 'string' ? textArg : await vscode.window.showInputBox({ title: 'Filter findings', prompt: 'Text in the entity or a reason (empty shows all)', value: cx.findings.filter });
    if (value === undefined) return;
    cx.findings.filter = value.trim();
  },

  'logInvestigator.nextFlaggedLine': (cx) => cx.marks.step(1),
  'logInvestigator.previousFlaggedLine': (cx) => cx.marks.step(-1),

  'logInvestigator.exportFindings': async (cx, formatArg, fileArg) => {
    const outputs = cx.findings.analyses;
    if (outputs.length === 0) {
      void vscode.window.showInformationMessage('No findings to export yet: run an analysis first.');
      return undefined;
    }
    const format = typeof formatArg === 'string' ? formatArg : (await vscode.window.showQuickPick(EXPORT_FORMATS, { title: 'Export findings as', matchOnDetail: true }))?.id ?? '';
    if (!format) return undefined;
    const ext = { sarif: 'sarif', csv: 'csv', json: 'json', markdown: 'md' }[format] ?? format;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const proposed = `${format === 'markdown' ? 'investigation-report' : 'findings'}.${ext}`;
    const target = typeof fileArg === 'string'
      ? vscode.Uri.file(fileArg)
      : await vscode.window.showSaveDialog({ filters: { [EXPORT_FORMATS.find((f) => f.id === format)?.label ?? format]: [ext] }, saveLabel: 'Export', defaultUri: folder ? vscode.Uri.joinPath(folder, proposed) : undefined });
    if (!target) return undefined;
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let text: string;
    if (format === 'sarif') text = JSON.stringify(toSarif(outputs, { baseDir: base, version: String(cx.context.extension.packageJSON.version) }), null, 2) + '\n';
    else if (format === 'csv') text = findingsCsv(outputs);
    else if (format === 'json') text = JSON.stringify(outputs, null, 2) + '\n';
    else {
      const chartsDir = target.fsPath.replace(/\.md$/i, '') + '-charts';
      text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Log Investigator: writing the report…' }, () =>
        cx.service.report(outputs, 'Log Investigator report', chartsDir, path.basename(chartsDir)),
      );
    }
    fs.writeFileSync(target.fsPath, text);
    void vscode.window.showInformationMessage(safeText(`Exported ${outputs.reduce((n, o) => n + o.findings.length, 0)} findings to ${shownFile(target.fsPath)}`));
    return target.fsPath;
  },

  'logInvestigator.importWindows': async (cx, tableArg) => {
    const tables = cx.service.tables.filter((t) => t.columns.filter((c) => c.type === 'timestamp' && c.name !== '_time').length >= 2);
    const table = typeof tableArg === 'string' ? cx.service.tables.find((t) => t.table === tableArg) : (await vscode.window.showQuickPick(tables.map((t) => ({ label: t.table, t })), { title: 'Labelled windows from which table (start, end, entity)?' }))?.t;
    if (!table) return undefined;
    const stamps = table.columns.filter((c) => c.type === 'timestamp' && c.name !== '_time').map((c) => c.name);
    const start = stamps.find((c) => /start|from|begin/i.test(c)) ?? stamps[0];
    const end = stamps.find((c) => /end|to|until|stop/i.test(c) && c !== start) ?? stamps[1];
    const entity = table.columns.find((c) => c.role === 'ip' || c.role === 'user')?.name;
    if (!start || !end) {
      void vscode.window.showWarningMessage(safeText(`${table.table} needs a start and an end time column to give labelled windows.`));
      return undefined;
    }
    const r = await cx.service.query(`SELECT ${quoteIdent(start)}, ${quoteIdent(end)}${entity ? `, ${quoteIdent(entity)}` : ', NULL'} FROM ${quoteIdent(table.table)}`);
    const windows = windowsFromRows(r.rows as (string | number | null)[][], table.table);
    await cx.findings.addWindows(windows);
    void vscode.window.showInformationMessage(safeText(`Imported ${windows.length} labelled windows from ${table.table}.`));
    return windows.length;
  },

  'logInvestigator.evaluate': async (cx, analysisArg) => {
    const outputs = cx.findings.analyses;
    const out = typeof analysisArg === 'string' ? outputs.find((o) => `${o.analysis}|${o.table}` === analysisArg || o.analysis === analysisArg) : (await vscode.window.showQuickPick(outputs.map((o) => ({ label: o.analysis, description: o.table, o })), { title: 'Evaluate which analysis?' }))?.o;
    if (!out) return undefined;
    // an analysis may flag windows or episodes beside IPs: evaluate the first kind that a column holds, and only its findings
    const kind = out.findings.map((f) => f.entity.kind).find((k) => ROLE_OF_KIND[k]) ?? 'ip';
    const role = ROLE_OF_KIND[kind];
    const table = cx.service.tables.find((t) => t.table === out.table);
    const column = table?.columns.find((c) => c.role === role)?.name;
    if (!table || !column) return undefined;
    const malicious = maliciousFromWindows(cx.findings.labels.windows);
    for (const [k, v] of Object.entries(cx.findings.labels.labels)) if (v.label === 'malicious' && k.startsWith(`${kind}:`)) malicious.add(k.slice(kind.length + 1));
    if (malicious.size === 0) {
      void vscode.window.showWarningMessage('No labels to evaluate against: mark entities as malicious, or Import Labelled Windows… from a table of attacks.');
      return undefined;
    }
    const universe = (await cx.service.query(`SELECT DISTINCT ${quoteIdent(column)} FROM ${quoteIdent(table.table)} WHERE ${quoteIdent(column)} IS NOT NULL`)).rows.map((r) => String(r[0]));
    const cfg = vscode.workspace.getConfiguration('logInvestigator');
    const target = { precision: cfg.get<number>('targetPrecision', 0.85), recall: cfg.get<number>('targetRecall', 0.7) };
    const e = evaluateEntities(out.findings.filter((f) => f.entity.kind === kind), universe, malicious);
    const metrics = [
      ['precision', e.precision],
      ['recall', e.recall],
      ['F1', e.f1],
      ['true positives', e.tp],
      ['false positives', e.fp],
      ['false negatives', e.fn],
      ['true negatives', e.tn],
    ] as [string, number][];
    return ChartPanel.chart(cx.context, cx.service, `Evaluation: ${out.analysis} on ${out.table}`, [{ title: 'Precision, recall and the target region', spec: evaluationSpec(e, target) }], [
      { title: `${out.analysis} against the ${universe.filter((u) => malicious.has(u)).length} ${kind}s labelled malicious among the ${universe.length} in ${out.table}`, columns: ['measure', 'value'], rows: metrics },
      { title: 'Classification report', columns: ['class', 'precision', 'recall', 'F1', 'support'], rows: e.reportRows },
    ]);
  },
};
