import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ws, api } from './helpers';

// lnav format files in the workspace (#14 item 5): read by the indexer, bad definitions shown as problems on their file
const repo = path.resolve(__dirname, '../../../..');
/** Resolves when the file has diagnostics that pass `ok` (no sleeps). */
function diagnosticsOf(file: string, ok: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 30000): Promise<readonly vscode.Diagnostic[]> {
  const uri = vscode.Uri.file(file);
  const now = vscode.languages.getDiagnostics(uri);
  if (ok(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such diagnostics on ${file} within ${timeoutMs} ms: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => d.message))}`)), timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics(() => {
      const d = vscode.languages.getDiagnostics(uri);
      if (!ok(d)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
    });
  });
}

describe('lnav format files in the workspace', () => {
  const dir = () => path.join(ws(), '.log-investigator', 'formats');
  after(() => fs.rmSync(path.join(ws(), '.log-investigator'), { recursive: true, force: true }));

  it('a log in a workspace lnav format is indexed with it; a bad definition is a problem on its file, at its name', async () => {
    const a = await api();
    fs.mkdirSync(dir(), { recursive: true });
    fs.copyFileSync(path.join(repo, 'test/fixtures/lnav/formats/glog_log.json'), path.join(dir(), 'glog_log.json'));
    const bad = path.join(dir(), 'broken.json');
    fs.writeFileSync(bad, '{\n  "good_enough": { "regex": { "std": { "pattern": "^(?<timestamp>\\\\d+) (?<body>.*)$" } } },\n  "broken_log": {\n    "regex": { "std": { "pattern": "^(?<timestamp>[0-9+ (?<body>.*)$" } }\n  }\n}\n');
    const log = path.join(ws(), 'app.glog');
    fs.copyFileSync(path.join(repo, 'test/fixtures/lnav/app.glog'), log);
    const [t] = await a.service.index([log]);
    try {
      assert.equal(t.format, 'lnav');
      assert.equal(t.formatName, 'glog_log');
      const r = await a.service.query(`SELECT count(*) FROM "${t.table}" WHERE _time IS NOT NULL`);
      assert.ok(Number(r.rows[0][0]) > 0);
    } finally {
      await a.service.remove(t.table);
    }
    // indexing read the folder, and showed what it could not read
    const problems = await diagnosticsOf(bad, (d) => d.length > 0);
    assert.ok(problems.some((p) => /broken_log/.test(p.message)), problems.map((p) => p.message).join('; '));
    const at = problems.find((p) => /broken_log/.test(p.message))!;
    assert.equal(at.range.start.line, 2, 'the problem sits on the line that names the format');
    assert.equal(at.severity, vscode.DiagnosticSeverity.Warning);

    // mended: the problem goes away (at the next index, or sooner when the file watcher reports the change)
    fs.writeFileSync(bad, '{ "good_enough": { "regex": { "std": { "pattern": "^(?<timestamp>\\\\d+) (?<body>.*)$" } } } }\n');
    const [again] = await a.service.index([log]);
    await a.service.remove(again.table);
    fs.rmSync(log, { force: true });
    await diagnosticsOf(bad, (d) => d.length === 0);
  });
});
