/**
 * Entry of the integration suite, called inside the VS Code extension host
 * (code-server offline, or desktop VS Code through @vscode/test-electron).
 * Runs the mocha files next to it and reports to the launcher.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require(path.resolve(__dirname, '../../../../test/integration/harnessClient.js')) as {
  available(): boolean;
  writeResult(r: { passed: number; failed: number; failures: { title: string; error: string }[]; log: string }): void;
};

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: false });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  const log: string[] = [];
  const failures: { title: string; error: string }[] = [];
  let passed = 0;
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failed) => {
      const result = { passed, failed, failures, log: log.join('\n') };
      if (harness.available()) harness.writeResult(result);
      if (failed > 0) reject(new Error(`${failed} integration tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      passed++;
      log.push(`  ✔ ${t.fullTitle()}`);
    });
    runner.on('fail', (t, err: Error) => {
      failures.push({ title: t.fullTitle(), error: err.stack ?? err.message });
      log.push(`  ✗ ${t.fullTitle()}: ${err.message}`);
    });
  });
}
