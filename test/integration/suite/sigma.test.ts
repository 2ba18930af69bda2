import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisRun, Finding } from '../../../src/engine/findings/model';
import { ws, api, answering, EXT_ID } from './helpers';

const setRules = (v: string[] | undefined) => vscode.workspace.getConfiguration('logInvestigator').update('sigmaRules', v, vscode.ConfigurationTarget.Workspace);

/** Runs Run Sigma Rules as a person would, with the messages it shows. */
async function runSigma(): Promise<{ run: AnalysisRun | undefined; info: string[]; warnings: string[] }> {
  const info: string[] = [];
  const warnings: string[] = [];
  const run = await answering(
    {
      showInformationMessage: async (m: string) => void info.push(m),
      showWarningMessage: async (m: string) => void warnings.push(m),
    },
    () => vscode.commands.executeCommand('logInvestigator.runSigma') as Thenable<AnalysisRun | undefined>,
  );
  return { run, info, warnings };
}

async function indexOnce(file: string, table: string): Promise<void> {
  const a = await api();
  if (!a.service.tables.some((t) => t.table === table)) await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(path.join(ws(), file)));
}

describe('Sigma rules in VS Code', () => {
  const dir = () => path.join(ws(), 'sigma-it');
  before(() => {
    fs.mkdirSync(dir(), { recursive: true });
    fs.writeFileSync(
      path.join(dir(), 'sshd_failed_root.yml'),
      'title: IT Failed Root Password\nid: 7d3c1f0e-0000-4000-8000-000000000001\nauthor: Integration Test\nreferences:\n  - https://example.org/it\nlevel: high\ntags:\n  - attack.credential-access\n  - attack.t1110.001\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  keywords:\n    - \'Failed password for root\'\n  condition: keywords\n',
    );
    fs.writeFileSync(path.join(dir(), 'broken.yml'), 'title: IT Broken\nlogsource:\n  product: linux\ndetection:\n  sel:\n    message|frobnicate: x\n  condition: sel\n');
    fs.mkdirSync(path.join(dir(), 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir(), 'sub', 'nofield.yml'), "title: IT No Such Field\nlogsource:\n  product: linux\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n");
    // a Suspicious OpenSSH Daemon Error line (a bundled rule's keyword) and a benign one
    fs.writeFileSync(path.join(ws(), 'sigma_bundled.log'), 'Dec 10 06:55:46 host sshd[100]: Accepted password for alice from 198.51.100.4 port 40000 ssh2\nDec 10 06:55:47 host sshd[101]: Corrupted MAC on input. [preauth]\n');
  });
  after(async () => {
    await setRules(undefined);
  });

  it("Run Sigma Rules runs the setting's rules: findings with title, level → severity, ATT&CK tags; diagnostics in the YAML; a summary of the run", async () => {
    const a = await api();
    await indexOnce('OpenSSH_2k.log', 'openssh_2k');
    await setRules(['sigma-it']);
    const { run, info } = await runSigma();
    const out = run!.outputs.find((o) => o.table === 'openssh_2k')!;
    assert.ok(out.findings.length > 0, JSON.stringify(run!.skipped));
    const f = out.findings[0];
    assert.equal(f.metrics.rule, 'IT Failed Root Password');
    assert.equal(f.metrics.author, 'Integration Test');
    assert.equal(f.severity, 'high');
    assert.equal(f.metrics.attack, 'credential-access, T1110.001');
    assert.ok(f.reason.startsWith('Sigma rule "IT Failed Root Password" (high; ATT&CK credential-access, T1110.001)'), f.reason);
    assert.ok(f.reason.includes('rule by Integration Test'));
    // grep -c 'Failed password for root' OpenSSH_2k.log, over all the findings (one per source IP)
    const lines = fs.readFileSync(path.join(ws(), 'OpenSSH_2k.log'), 'utf8').split('\n').filter((l) => l.includes('sshd[') && l.includes('Failed password for root')).length;
    assert.equal(out.findings.reduce((n, x) => n + x.evidence.total, 0), lines);
    assert.ok(a.findings.analyses.some((o) => o.analysis === 'sigma' && o.findings.some((x) => x.id === f.id)), 'the findings are in the Findings view');

    // the summary: rules that apply, matched, skipped and why
    const summary = info.filter((m) => m.startsWith('Sigma: '));
    assert.equal(summary.length, 1, info.join(' | '));
    assert.match(summary[0], /^Sigma: \d+ problems? shown in the rule files · /, summary[0]);
    assert.match(summary[0], / · openssh_2k: Linux syslog \/ auth log: 3 of 3 rules apply; 1 matched, 0 ran without a match, 1 skipped \(no field of theirs in the table\), 1 unsupported, 0 failed/, summary[0]);
    // the other tables by name: the web log the rules are not for, the course log no Sigma source fits
    if (a.service.tables.some((t) => t.table === 'access')) assert.match(summary[0], / · no rule applies to ([\w, ]+, )?access\b/, summary[0]);
    if (a.service.tables.some((t) => t.table === 'course')) assert.match(summary[0], / · no Sigma log source fits ([\w, ]+, )?course\b/, summary[0]);
    assert.ok(summary[0].length < 600, summary[0]);

    // an unknown modifier: on the line of the key that uses it (line 6 of broken.yml), not the rule's first line
    const diags = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir(), 'broken.yml')));
    const bad = diags.find((d) => /frobnicate/.test(d.message));
    assert.ok(bad, JSON.stringify(diags.map((d) => d.message)));
    assert.equal(bad.range.start.line, 5);
    assert.equal(bad.severity, vscode.DiagnosticSeverity.Warning);
    // a field no table has: on the key naming it (line 6 of sub/nofield.yml, found in a subfolder)
    const nf = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir(), 'sub', 'nofield.yml')));
    const missing = nf.find((d) => /table openssh_2k has no column for Image/.test(d.message));
    assert.ok(missing, JSON.stringify(nf.map((d) => d.message)));
    assert.equal(missing.range.start.line, 5);
    assert.match(missing.message, /the rule did not run there/);
    // the rule that ran cleanly has none
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir(), 'sshd_failed_root.yml'))), []);
  });

  it("a Sigma finding's link in the Findings view opens the rule's YAML beside the source line, and its SQL", async () => {
    const a = await api();
    const f = a.findings.analyses.find((o) => o.analysis === 'sigma')!.findings[0];
    const children = await a.findingsView.getChildren({ kind: 'finding', finding: f });
    assert.equal(children[0].kind, 'sigmaRule');
    const item = a.findingsView.getTreeItem(children[0]);
    assert.equal(item.label, 'Sigma rule: IT Failed Root Password');
    assert.equal(item.command!.command, 'logInvestigator.showSigmaRule');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const shown = (await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []))) as { yaml: string; sql: string };
    assert.equal(shown.yaml, path.join(dir(), 'sshd_failed_root.yml'));
    const sql = vscode.workspace.textDocuments.find((d) => d.uri.toString() === shown.sql)!;
    assert.ok(sql.getText().includes('-- author: Integration Test'));
    assert.ok(sql.getText().includes('-- ATT&CK: credential-access, T1110.001'));
    assert.ok(sql.getText().includes('LIKE ?'));
    const editors = vscode.window.visibleTextEditors;
    const src = editors.find((e) => e.document.uri.fsPath === path.join(ws(), 'OpenSSH_2k.log'));
    const yaml = editors.find((e) => e.document.uri.fsPath === shown.yaml);
    assert.ok(src && yaml, editors.map((e) => e.document.uri.toString()).join(', '));
    assert.equal(src.selection.active.line, f.evidence.lines[0] - 1, 'the source editor at the matched line');
    assert.notEqual(yaml.viewColumn, src.viewColumn, 'the YAML beside the source, not over it');
    // a finding of another analysis has no such link
    const other = a.findings.analyses.flatMap((o) => o.findings).find((x) => x.analysis !== 'sigma');
    if (other) assert.ok(!(await a.findingsView.getChildren({ kind: 'finding', finding: other as Finding })).some((n) => n.kind === 'sigmaRule'));
  });

  it('by default (setting not set) the bundled curated set runs; an empty list runs none', async () => {
    await indexOnce('sigma_bundled.log', 'sigma_bundled');
    await setRules(undefined);
    const { run } = await runSigma();
    const out = run!.outputs.find((o) => o.table === 'sigma_bundled')!;
    assert.deepEqual(out.findings.map((f) => [f.metrics.rule, f.evidence.lines]), [['Suspicious OpenSSH Daemon Error', [2]]]);
    const ext = vscode.extensions.getExtension(EXT_ID)!;
    assert.ok(String(out.findings[0].metrics.ruleFile).startsWith(path.join(ext.extensionPath, 'media', 'sigma-rules')), String(out.findings[0].metrics.ruleFile));
    assert.match(out.tables[0].title, /of 3\d\d rules apply/, 'the whole bundled set was read');

    await setRules([]);
    const none = await runSigma();
    assert.equal(none.run, undefined);
    assert.equal(none.info.length, 0);
    assert.deepEqual(none.warnings, ['No Sigma rules: the setting logInvestigator.sigmaRules is empty (add "bundled" or rule folders).']);
  });
});
