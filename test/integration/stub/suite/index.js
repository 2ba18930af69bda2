// Test module for the stub extension: launch.mjs passes it as extensionTestsPath, and the
// VS Code extension host calls its exported run() with the full `vscode` API available.
// Runs every *.test.js in this folder with mocha (resolved from the repo's node_modules)
// and reports through harnessClient.writeResult, which ends the launcher's wait.
'use strict';
const fs = require('fs');
const path = require('path');
const harness = require('../../harnessClient.js');

async function run() {
  const result = { passed: 0, failed: 0, failures: [], log: '' };
  const lines = [];
  try {
    const Mocha = require('mocha');
    // Minimal reporter: collect a spec-like log instead of printing to the host's stdout.
    function Reporter(runner) {
      let depth = 0;
      runner.on('suite', (s) => { if (s.title) lines.push(`${'  '.repeat(depth)}${s.title}`); depth++; });
      runner.on('suite end', () => { depth--; });
      runner.on('pass', (t) => { result.passed++; lines.push(`${'  '.repeat(depth)}✓ ${t.title} (${t.duration} ms)`); });
      runner.on('fail', (t, err) => {
        result.failed++;
        result.failures.push({ title: t.fullTitle(), error: String((err && err.stack) || err) });
        lines.push(`${'  '.repeat(depth)}${result.failures.length}) ${t.title}`);
      });
    }
    const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: Reporter });
    for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
      mocha.addFile(path.join(__dirname, f));
    }
    await new Promise((resolve) => mocha.run(resolve));
  } catch (err) {
    result.failed++;
    result.failures.push({ title: 'test runner', error: String((err && err.stack) || err) });
  }
  result.log = lines.join('\n');
  harness.writeResult(result);
}

module.exports = { run };
