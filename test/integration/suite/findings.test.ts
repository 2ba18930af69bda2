import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LogInvestigatorApi } from '../../../src/extension/extension';
import { triage } from '../../../src/engine/findings/triage/triage';
import type { Finding } from '../../../src/engine/findings/model';
import { SEVERITY_ICONS, type FindingsNode } from '../../../src/extension/findingsView';
import { harness, ws, api, answering } from './helpers';

type Node<K extends FindingsNode['kind']> = Extract<FindingsNode, { kind: K }>;

async function group(a: LogInvestigatorApi, id: string): Promise<Node<'group'> | undefined> {
  return (await a.findingsView.getChildren()).find((g): g is Node<'group'> => g.kind === 'group' && g.group.id === id);
}
async function ipNodes(a: LogInvestigatorApi): Promise<Node<'entity'>[]> {
  const g = await group(a, 'ip');
  return g ? ((await a.findingsView.getChildren(g)).filter((n) => n.kind === 'entity') as Node<'entity'>[]) : [];
}
/** The same ranking, computed independently from the findings with the engine's triage (the code `log-investigator suspects` uses). */
const engineTriage = (a: LogInvestigatorApi) => triage(a.findings.analyses.flatMap((o) => o.findings), { perGroup: 10 });

describe('Findings in VS Code', () => {
  it('runs an analysis; the IP group shows the top N by combined risk (logInvestigator.findingsPerGroup), with "Show more…" revealing N more', async () => {
    const a = await api();
    // volume alone flags few IPs (counts on a log scale): a small N shows the paging on them
    const PER = 3;
    const cfg = vscode.workspace.getConfiguration('logInvestigator');
    await cfg.update('findingsPerGroup', PER, vscode.ConfigurationTarget.Workspace);
    try {
      if (!a.service.tables.some((t) => t.table === 'openssh_2k')) await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(path.join(ws(), 'OpenSSH_2k.log')));
      await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
      const t = engineTriage(a);
      const expected = t.groups.find((g) => g.kind === 'ip')!.suspects;
      const g = (await group(a, 'ip'))!;
      assert.equal(a.findingsView.getTreeItem(g).label, 'IPs');
      assert.ok(expected.length > 2 * PER, `${expected.length} IP suspects`);
      assert.equal(a.findingsView.getTreeItem(g).description, `top ${PER} of ${expected.length}`);
      const children = await a.findingsView.getChildren(g);
      assert.deepEqual(children.filter((n) => n.kind === 'entity').map((n) => (n as Node<'entity'>).entity.value), expected.slice(0, PER).map((s) => s.value));
      const more = children[children.length - 1] as Node<'showMore'>;
      assert.equal(more.kind, 'showMore');
      assert.equal(a.findingsView.getTreeItem(more).label, `Show ${Math.min(PER, expected.length - PER)} more…`);
      const cmd = a.findingsView.getTreeItem(more).command!;
      await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
      assert.deepEqual((await ipNodes(a)).map((n) => n.entity.value), expected.slice(0, 2 * PER).map((s) => s.value));
      // the sshd log's busiest IP, independently: its risk is the volume finding's, shown as an integer with the severity
      const top = (await a.service.query('SELECT src_ip, count(*) FROM openssh_2k WHERE src_ip IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1')).rows[0];
      const s = expected.find((x) => x.value === top[0])!;
      const f = s.findings.find((x) => x.evidence.table === 'openssh_2k')!;
      assert.match(f.reason, new RegExp(`^${top[1]} events from IP ${String(top[0]).replace(/\./g, '\\.')}`));
      const node = (await ipNodes(a)).find((n) => n.entity.value === top[0]);
      if (node) assert.equal(a.findingsView.getTreeItem(node).description, `${Math.round(s.risk)} ${s.severity} · ${s.analyses.length} ${s.analyses.length === 1 ? 'analysis' : 'analyses'}`);
    } finally {
      await cfg.update('findingsPerGroup', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('the badge counts suspects at medium or above; each severity has its own icon and colour', async () => {
    const a = await api();
    const t = engineTriage(a);
    assert.equal(a.findingsTree.badge?.value, t.atLeastMedium);
    const icons = Object.values(SEVERITY_ICONS);
    assert.equal(new Set(icons.map((i) => i.icon)).size, 5);
    assert.equal(new Set(icons.map((i) => i.color)).size, 5);
    for (const n of await ipNodes(a)) {
      const icon = a.findingsView.getTreeItem(n).iconPath as vscode.ThemeIcon;
      assert.equal(icon.id, SEVERITY_ICONS[n.entity.severity].icon);
      assert.equal(icon.color?.id, SEVERITY_ICONS[n.entity.severity].color);
    }
  });

  it('evidence items show the line\'s text; it opens the right line, which carries a mark in the editor', async () => {
    const a = await api();
    const node = (await ipNodes(a)).find((n) => n.entity.findings.some((f) => f.evidence.table === 'openssh_2k'))!;
    const reason = ((await a.findingsView.getChildren(node)) as Node<'finding'>[]).find((r) => r.finding.evidence.table === 'openssh_2k')!;
    const [first] = (await a.findingsView.getChildren(reason)) as Node<'evidence'>[];
    const file = path.join(ws(), 'OpenSSH_2k.log');
    const text = fs.readFileSync(file, 'utf8').split('\n')[first.line - 1];
    const item = a.findingsView.getTreeItem(first);
    assert.equal(item.label, text.trim().length > 160 ? `${text.trim().slice(0, 159)}…` : text.trim());
    assert.equal(item.description, `OpenSSH_2k.log:${first.line}`);
    const cmd = item.command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    const editor = vscode.window.activeTextEditor!;
    assert.equal(path.resolve(editor.document.uri.fsPath), path.resolve(file));
    assert.equal(editor.selection.start.line, first.line - 1);
    assert.ok(editor.document.lineAt(first.line - 1).text.includes(node.entity.value));
    a.marks.refresh();
    assert.ok(a.marks.marked.get(path.resolve(file))?.includes(first.line), 'the evidence line is marked');
    // marks cover the shown suspects only
    const shown = new Set((await ipNodes(a)).flatMap((n) => n.entity.findings).filter((f) => path.resolve(f.evidence.file) === path.resolve(file)).flatMap((f) => f.evidence.lines));
    assert.deepEqual(a.marks.marked.get(path.resolve(file)), [...shown].filter((l) => l <= editor.document.lineCount).sort((x, y) => x - y));
    if (harness.available()) await harness.screenshot('findings-marks');
  });

  it('Explain Suspect opens the explanation card: each contribution with its share', async () => {
    const a = await api();
    const [node] = await ipNodes(a);
    const card = (await vscode.commands.executeCommand('logInvestigator.explainSuspect', node)) as { uri: string; markdown: string };
    const s = node.entity;
    assert.equal(card.markdown.split('\n')[2], `**Risk ${Math.round(s.risk)} of 100 — ${s.severity}**, from ${s.contributions.length} ${s.contributions.length === 1 ? 'analysis' : 'analyses'}${s.lowered ? ' (lowered by benign context)' : ''}.`);
    const c = s.contributions[0];
    assert.ok(card.markdown.includes(`| ${Math.round(c.risk)} | ${Math.round(c.share * 100)} % | ${c.findings} |`), card.markdown);
    assert.ok(vscode.workspace.textDocuments.some((d) => d.uri.toString() === card.uri), 'the card is open as a read-only document');
    assert.equal(((a.findingsView.getTreeItem(node).tooltip as vscode.MarkdownString).value), card.markdown);
  });

  it('login detectors: flagged minutes form the Incidents group, first in the view', async () => {
    const a = await api();
    if (!a.service.tables.some((t) => t.table === 'log')) await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(path.join(ws(), 'log.csv')));
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'login-detectors');
    const t = engineTriage(a);
    const top = await a.findingsView.getChildren();
    assert.equal(top[0].kind === 'group' && top[0].group.id, 'incidents');
    const items = (await a.findingsView.getChildren(top[0])).filter((n) => n.kind === 'incident') as Node<'incident'>[];
    assert.deepEqual(items.map((n) => a.findingsView.getTreeItem(n).label), t.incidents.slice(0, 10).map((i) => i.title));
    assert.ok(items.length > 0);
    assert.match(String(items[0].incident.title), /^\d{4}-\d\d-\d\d \d\d:\d\d–\d\d:\d\d UTC · \d+ windows?(, \d+ IPs?)?$/);
    // the login log's first attack (05:06:17–05:10:30 in attacks.csv, as `suspects` prints it for log.csv alone): one episode, one incident
    assert.ok(t.incidents.some((i) => i.title === '2018-11-02 05:06–05:11 UTC · 5 windows, 1 IP' && i.findings.every((f) => f.evidence.table === 'log')), t.incidents.map((i) => i.title).join(' | '));
    const card = (await vscode.commands.executeCommand('logInvestigator.explainSuspect', items[0])) as { markdown: string };
    assert.ok(card.markdown.startsWith(`## Incident ${items[0].incident.title.replace(/[-.()]/g, (ch) => `\\${ch}`)}`), card.markdown.split('\n')[0]);
  });

  it('a label is saved in the workspace and survives a re-run and a reload', async () => {
    const a = await api();
    const [node] = await ipNodes(a);
    await vscode.commands.executeCommand('logInvestigator.markMalicious', node);
    const file = path.join(ws(), '.log-investigator', 'labels.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(saved.labels[`ip:${node.entity.value}`].label, 'malicious');
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'volume-outliers-ip');
    assert.equal(a.findings.entities().find((e) => e.value === node.entity.value)?.label, 'malicious', 'after a re-run');
    await a.findings.loadLabels();
    assert.equal(a.findings.labelOf('ip', node.entity.value), 'malicious', 'after reading the file again');
    assert.match(String(a.findingsView.getTreeItem((await ipNodes(a)).find((n) => n.entity.value === node.entity.value)!).description), / · malicious$/);
    await vscode.commands.executeCommand('logInvestigator.suppress', (await ipNodes(a)).find((n) => n.entity.value === node.entity.value));
    assert.ok(!(await ipNodes(a)).some((n) => n.entity.value === node.entity.value), 'suppressed entities leave the tree');
    await vscode.commands.executeCommand('logInvestigator.clearLabel', node.entity);
    assert.equal(a.findings.labelOf('ip', node.entity.value), undefined, 'Clear Label clears it');
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).labels[`ip:${node.entity.value}`], undefined, 'and the file no longer has it');
    assert.ok((await ipNodes(a)).some((n) => n.entity.value === node.entity.value), 'the entity is back in the tree');
    // the other labels, each saved and shown
    for (const [command, label] of [['logInvestigator.markBenign', 'benign'], ['logInvestigator.markNeedsReview', 'needs-review']] as const) {
      await vscode.commands.executeCommand(command, (await ipNodes(a)).find((n) => n.entity.value === node.entity.value));
      assert.equal(a.findings.labelOf('ip', node.entity.value), label);
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).labels[`ip:${node.entity.value}`].label, label);
      assert.match(String(a.findingsView.getTreeItem((await ipNodes(a)).find((n) => n.entity.value === node.entity.value)!).description), new RegExp(` · ${label}$`));
    }
    await vscode.commands.executeCommand('logInvestigator.clearLabel', node.entity);
    assert.equal(a.findings.labelOf('ip', node.entity.value), undefined);
  });

  it('evaluates failure bursts against imported attack windows; the view draws the curve and the confusion matrix', async () => {
    const a = await api();
    await vscode.commands.executeCommand('logInvestigator.runAnalysis', 'failure-bursts');
    const n = (await vscode.commands.executeCommand('logInvestigator.importWindows', 'attacks')) as number;
    // attacks.csv: 72 attack windows, one a line
    assert.equal(n, 72);
    // failure-bursts finds every attacker of log.csv and nothing else: precision = recall = 1. An IP it does not flag,
    // labelled malicious by hand, makes the recall 72 / 73, so that precision and recall differ
    const out = a.findings.analyses.find((o) => o.analysis === 'failure-bursts' && o.table === 'log')!;
    const flagged = new Set(out.findings.filter((f) => f.entity.kind === 'ip').map((f) => f.entity.value));
    const attackers = new Set((await a.service.query('SELECT DISTINCT source_ip FROM attacks')).rows.map((r) => String(r[0])));
    const inLog = new Set((await a.service.query('SELECT DISTINCT source_ip FROM log WHERE source_ip IS NOT NULL')).rows.map((r) => String(r[0])));
    const missed = [...inLog].sort().find((v) => !flagged.has(v) && !attackers.has(v))!;
    await a.findings.setLabel('ip', missed, 'malicious');
    await vscode.commands.executeCommand('logInvestigator.evaluate', 'failure-bursts|log');
    await a.findings.setLabel('ip', missed, null);
    // the answer, independently: the IPs failure-bursts flags on log.csv against the IPs attacks.csv names, and the one labelled
    const malicious = new Set([...attackers, missed]);
    const tp = [...flagged].filter((v) => malicious.has(v)).length;
    // every attacker IP of log.csv that failure-bursts flags (the 72 windows name few distinct IPs of this sample)
    assert.equal(tp, [...inLog].filter((v) => attackers.has(v) && flagged.has(v)).length);
    assert.ok(tp > 0);
    const precision = tp / flagged.size;
    const recall = tp / new Set([...inLog, ...flagged].filter((v) => malicious.has(v))).size;
    assert.ok(Math.abs(precision - recall) > 0.01, `precision ${precision} and recall ${recall} differ, so a swap shows`);
    if (harness.available()) {
      const text = await harness.evalWebview({ titleContains: 'Evaluation', selector: 'td' });
      const value = (name: string) => Number(text.texts[text.texts.indexOf(name) + 1]);
      assert.ok(Math.abs(value('precision') - precision) < 0.001, `precision shown ${value('precision')}, expected ${precision}: ${text.texts.slice(0, 16).join(' | ')}`);
      assert.ok(Math.abs(value('recall') - recall) < 0.001, `recall shown ${value('recall')}, expected ${recall}`);
      assert.equal(value('true positives'), tp);
      assert.equal(value('false positives'), flagged.size - tp);
      const marks = await harness.evalWebview({ titleContains: 'Evaluation', selector: 'svg .mark-rect path, svg .mark-line path, svg .mark-symbol path' }, 60000);
      assert.ok(marks.count > 4, `marks: ${marks.count}`);
      await harness.screenshot('evaluation');
    }
  });

  it('Next and Previous Flagged Line move the cursor to the next and previous flagged line, wrapping around', async () => {
    const a = await api();
    const file = path.join(ws(), 'OpenSSH_2k.log');
    // after the evaluation test, which ran failure-bursts: volume-outliers-ip alone flags only 2 lines of this log
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file));
    // the flagged lines, as the view shows them: every evidence line, in this file, of a finding under a shown suspect or incident
    const shown: Finding[] = [];
    for (const g of await a.findingsView.getChildren()) {
      for (const n of await a.findingsView.getChildren(g)) {
        if (n.kind === 'entity') shown.push(...n.entity.findings);
        else if (n.kind === 'incident') shown.push(...n.incident.findings);
      }
    }
    const flagged = [...new Set(shown.filter((f) => path.resolve(f.evidence.file) === path.resolve(file)).flatMap((f) => f.evidence.lines))].sort((x, y) => x - y);
    assert.ok(flagged.length >= 3, `flagged lines: ${flagged.join(', ')}`);
    const at = (line: number) => (editor.selection = new vscode.Selection(line - 1, 0, line - 1, 0));
    at(flagged[0]);
    assert.equal(await vscode.commands.executeCommand('logInvestigator.nextFlaggedLine'), true);
    assert.equal(vscode.window.activeTextEditor!.selection.active.line, flagged[1] - 1, 'next from the first flagged line');
    assert.equal(await vscode.commands.executeCommand('logInvestigator.nextFlaggedLine'), true);
    assert.equal(vscode.window.activeTextEditor!.selection.active.line, flagged[2] - 1);
    assert.equal(await vscode.commands.executeCommand('logInvestigator.previousFlaggedLine'), true);
    assert.equal(vscode.window.activeTextEditor!.selection.active.line, flagged[1] - 1, 'previous goes back');
    at(flagged[0]);
    await vscode.commands.executeCommand('logInvestigator.previousFlaggedLine');
    assert.equal(vscode.window.activeTextEditor!.selection.active.line, flagged[flagged.length - 1] - 1, 'previous from the first wraps to the last');
    await vscode.commands.executeCommand('logInvestigator.nextFlaggedLine');
    assert.equal(vscode.window.activeTextEditor!.selection.active.line, flagged[0] - 1, 'next from the last wraps to the first');
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
    const told: string[] = [];
    await answering({ showInformationMessage: async (m: string) => (told.push(m), undefined) }, () => vscode.commands.executeCommand('logInvestigator.exportFindings', 'sarif', out));
    // the file as the workspace names it, not the machine's absolute path
    assert.match(told[0] ?? '', /^Exported \d+ findings to findings\.sarif$/);
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
