import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LogInvestigatorApi } from '../../../src/extension/extension';
import type { FindingsNode } from '../../../src/extension/findingsView';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require(path.resolve(__dirname, '../../../../test/integration/harnessClient.js')) as {
  available(): boolean;
  screenshot(name: string, timeoutMs?: number): Promise<{ path: string }>;
  evalWebview(q: { titleContains?: string; selector: string; action?: 'read' | 'click' }, timeoutMs?: number): Promise<{ count: number; texts: string[]; svgMarks: number }>;
};

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const api = async () => (await vscode.extensions.getExtension<LogInvestigatorApi>('log-investigator.log-investigator')!.activate()) as LogInvestigatorApi;

function ipNodes(a: LogInvestigatorApi): Extract<FindingsNode, { kind: 'entity' }>[] {
  const group = a.findingsView.getChildren().find((g) => g.kind === 'group' && g.entityKind === 'ip');
  return group ? (a.findingsView.getChildren(group) as Extract<FindingsNode, { kind: 'entity' }>[]) : [];
}

describe('Findings in VS Code', () => {
  it('runs an analysis; the Findings tree shows the expected IPs with reasons and evidence', async () => {
    const a = await api();
    if (!a.service.tables.some((t) => t.table === 'openssh_2k')) await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(path.join(ws(), 'OpenSSH_2k.log')));
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
    // independently: the IP with most events in the sshd table
    const top = (await a.service.query('SELECT src_ip, count(*) FROM openssh_2k WHERE src_ip IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1')).rows[0];
    const nodes = ipNodes(a);
    const node = nodes.find((n) => n.entity.value === top[0] && n.entity.findings.some((f) => f.evidence.table === 'openssh_2k'));
    assert.ok(node, `${top[0]} is in the tree: ${nodes.map((n) => n.entity.value).join(', ')}`);
    const item = a.findingsView.getTreeItem(node);
    assert.match(String(item.description), /^\d+\.\d · 1 analysis/);
    const [reason] = a.findingsView.getChildren(node) as Extract<FindingsNode, { kind: 'finding' }>[];
    assert.match(reason.finding.reason, new RegExp(`^${top[1]} events from IP ${String(top[0]).replace(/\./g, '\\.')}`));
    const evidence = a.findingsView.getChildren(reason);
    assert.equal(evidence[0].kind, 'evidence');
  });

  it('evidence opens the right line, which carries a mark in the editor', async () => {
    const a = await api();
    const node = ipNodes(a).find((n) => n.entity.findings.some((f) => f.evidence.table === 'openssh_2k'))!;
    const [reason] = a.findingsView.getChildren(node) as Extract<FindingsNode, { kind: 'finding' }>[];
    const [first] = a.findingsView.getChildren(reason) as Extract<FindingsNode, { kind: 'evidence' }>[];
    const cmd = a.findingsView.getTreeItem(first).command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    const file = path.join(ws(), 'OpenSSH_2k.log');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(path.resolve(editor.document.uri.fsPath), path.resolve(file));
    assert.equal(editor.selection.start.line, first.line - 1);
    assert.ok(editor.document.lineAt(first.line - 1).text.includes(node.entity.value));
    a.marks.refresh();
    assert.ok(a.marks.marked.get(path.resolve(file))?.includes(first.line), 'the evidence line is marked');
    assert.ok(vscode.commands.executeCommand('logInvestigator.nextFlaggedLine'));
    if (harness.available()) await harness.screenshot('findings-marks');
  });

  it('a label is saved in the workspace and survives a re-run and a reload', async () => {
    const a = await api();
    const node = ipNodes(a)[0];
    await vscode.commands.executeCommand('logInvestigator.markMalicious', node);
    const file = path.join(ws(), '.log-investigator', 'labels.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(saved.labels[`ip:${node.entity.value}`].label, 'malicious');
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
    assert.equal(a.findings.entities().find((e) => e.value === node.entity.value)?.label, 'malicious', 'after a re-run');
    await a.findings.loadLabels();
    assert.equal(a.findings.labelOf('ip', node.entity.value), 'malicious', 'after reading the file again');
    assert.match(String(a.findingsView.getTreeItem(ipNodes(a).find((n) => n.entity.value === node.entity.value)!).description), /malicious/);
    await vscode.commands.executeCommand('logInvestigator.suppress', ipNodes(a).find((n) => n.entity.value === node.entity.value));
    assert.ok(!ipNodes(a).some((n) => n.entity.value === node.entity.value), 'suppressed entities leave the tree');
    await vscode.commands.executeCommand('logInvestigator.clearLabel', a.findings.entities().find(() => false) ?? { key: `ip:${node.entity.value}`, kind: 'ip', value: node.entity.value, findings: [], score: 0, severity: 'info' });
  });

  it('evaluates failure bursts against imported attack windows; the view draws the curve and the confusion matrix', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'failure-bursts');
    const n = (await vscode.commands.executeCommand('logInvestigator.importWindows', 'attacks')) as number;
    assert.ok(n > 0);
    await vscode.commands.executeCommand('logInvestigator.evaluate', 'failure-bursts|log');
    if (harness.available()) {
      const text = await harness.evalWebview({ titleContains: 'Evaluation', selector: 'td' });
      assert.ok(text.texts.includes('precision') && text.texts.includes('recall'), text.texts.join(' | '));
      const marks = await harness.evalWebview({ titleContains: 'Evaluation', selector: 'svg .mark-rect path, svg .mark-line path, svg .mark-symbol path' }, 60000);
      assert.ok(marks.count > 4, `marks: ${marks.count}`);
      await harness.screenshot('evaluation');
    }
  });

  it("shows an analysis's tables and chart", async () => {
    await vscode.commands.executeCommand('logInvestigator.showAnalysis', 'volume-outliers-ip|access');
    if (harness.available()) {
      const cells = await harness.evalWebview({ titleContains: 'IPs with unusually many events', selector: 'td' });
      assert.ok(cells.texts.includes('66.249.73.185') || cells.texts.some((t) => /^\d+\.\d+\.\d+\.\d+$/.test(t)), cells.texts.slice(0, 10).join(' | '));
      const bars = await harness.evalWebview({ titleContains: 'IPs with unusually many events', selector: 'svg .mark-rect path' }, 60000);
      assert.ok(bars.count > 3);
      await harness.screenshot('analysis-results');
    }
  });

  it('exports findings as SARIF with the log lines as locations', async () => {
    const out = path.join(ws(), 'findings.sarif');
    await vscode.commands.executeCommand('logInvestigator.exportFindings', 'sarif', out);
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    const r = sarif.runs[0].results[0];
    assert.ok(r.locations[0].physicalLocation.region.startLine >= 1);
    // the Markdown report is rendered in the engine worker, its charts drawn headless by Vega
    const md = path.join(ws(), 'report.md');
    await vscode.commands.executeCommand('logInvestigator.exportFindings', 'markdown', md);
    assert.match(fs.readFileSync(md, 'utf8'), /^# Log Investigator report/m);
    const svgs = fs.readdirSync(path.join(ws(), 'report-charts')).filter((f) => f.endsWith('.svg'));
    assert.ok(svgs.length > 0 && fs.readFileSync(path.join(ws(), 'report-charts', svgs[0]), 'utf8').startsWith('<svg'));
    if (harness.available()) {
      await vscode.commands.executeCommand('logInvestigator.findings.focus');
      await harness.screenshot('findings-tree');
    }
  });
});
