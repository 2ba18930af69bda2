import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisRun } from '../../../src/engine/findings';
import { ws, api } from './helpers';

describe('Sigma rules in VS Code', () => {
  const dir = () => path.join(ws(), 'sigma-it');
  before(() => {
    fs.mkdirSync(dir(), { recursive: true });
    fs.writeFileSync(
      path.join(dir(), 'sshd_failed_root.yml'),
      'title: IT Failed Root Password\nid: 7d3c1f0e-0000-4000-8000-000000000001\nauthor: Integration Test\nreferences:\n  - https://example.org/it\nlevel: high\ntags:\n  - attack.t1110.001\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  keywords:\n    - \'Failed password for root\'\n  condition: keywords\n',
    );
    fs.writeFileSync(path.join(dir(), 'broken.yml'), 'title: IT Broken\nlogsource:\n  product: linux\ndetection:\n  sel:\n    message|frobnicate: x\n  condition: sel\n');
  });
  after(async () => {
    await vscode.workspace.getConfiguration('logInvestigator').update('sigmaRules', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('Run Sigma Rules runs the setting\'s rules: findings with the rule, author and level; a bad rule as a diagnostic in its YAML', async () => {
    const a = await api();
    if (!a.service.tables.some((t) => t.table === 'openssh_2k')) await vscode.commands.executeCommand('logInvestigator.indexFile', vscode.Uri.file(path.join(ws(), 'OpenSSH_2k.log')));
    await vscode.workspace.getConfiguration('logInvestigator').update('sigmaRules', ['sigma-it'], vscode.ConfigurationTarget.Workspace);
    const run = (await vscode.commands.executeCommand('logInvestigator.runSigma')) as AnalysisRun;
    const out = run.outputs.find((o) => o.table === 'openssh_2k')!;
    assert.ok(out.findings.length > 0, JSON.stringify(run.skipped));
    const f = out.findings[0];
    assert.equal(f.metrics.rule, 'IT Failed Root Password');
    assert.equal(f.metrics.author, 'Integration Test');
    assert.equal(f.severity, 'high');
    assert.ok(f.reason.includes('rule by Integration Test'));
    // grep -c 'Failed password for root' OpenSSH_2k.log, over all the findings (one per source IP)
    const lines = fs.readFileSync(path.join(ws(), 'OpenSSH_2k.log'), 'utf8').split('\n').filter((l) => l.includes('sshd[') && l.includes('Failed password for root')).length;
    assert.equal(out.findings.reduce((n, x) => n + x.evidence.total, 0), lines);
    const diags = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir(), 'broken.yml')));
    const bad = diags.find((d) => /frobnicate/.test(d.message));
    assert.ok(bad, JSON.stringify(diags.map((d) => d.message)));
    // on the line of the key that uses the modifier (line 6 of broken.yml), not the rule's first line
    assert.equal(bad.range.start.line, 5);
  });

  it('Show Sigma Rule opens the source line, the rule\'s YAML beside it and its SQL', async () => {
    const a = await api();
    const f = a.findings.analyses.find((o) => o.analysis === 'sigma')!.findings[0];
    const shown = (await vscode.commands.executeCommand('logInvestigator.showSigmaRule', f)) as { yaml: string; sql: string };
    assert.equal(shown.yaml, path.join(dir(), 'sshd_failed_root.yml'));
    const docs = vscode.workspace.textDocuments;
    const sql = docs.find((d) => d.uri.toString() === shown.sql)!;
    assert.ok(sql.getText().includes('-- author: Integration Test'));
    assert.ok(sql.getText().includes('LIKE ?'));
    assert.ok(docs.some((d) => d.uri.fsPath === path.join(ws(), 'OpenSSH_2k.log')));
    const editors = vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath);
    assert.ok(editors.includes(shown.yaml), editors.join(', '));
  });
});
