/**
 * Entry of the integration suite, called inside the VS Code extension host
 * (code-server offline, or desktop VS Code through @vscode/test-electron).
 * Runs the mocha files next to it and reports to the launcher.
 *
 * Two checks on top of the tests' own assertions:
 * - a test during which a command handler failed fails (commands.ts catches every handler's
 *   exception to show it to the user, so executeCommand resolves undefined; the failure is
 *   recorded in the API's commandFailures);
 * - when the whole suite runs, a last test fails if a command contributed in package.json was
 *   never run by a test.
 * LI_IT_ONLY=a,b runs only the files whose names contain one of the words (no coverage check then).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Mocha from 'mocha';
import type { LogInvestigatorApi } from '../../../src/extension/extension';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require(path.resolve(__dirname, '../../../../test/integration/harnessClient.js')) as {
  available(): boolean;
  writeResult(r: { passed: number; failed: number; failures: { title: string; error: string }[]; log: string }): void;
};

const EXT_ID = 'log-investigator.log-investigator';

/** Command ids the tests ran through vscode.commands.executeCommand (not the extension's own calls). */
export const commandsRunByTests = new Map<string, number>();

/** Failures a test expects (it names them): they do not fail it. */
let expected: RegExp[] = [];
export function expectCommandFailure(command: RegExp): void {
  expected.push(command);
}

function recordCommandRuns(): void {
  const commands = vscode.commands as { executeCommand: typeof vscode.commands.executeCommand };
  const original = commands.executeCommand.bind(vscode.commands);
  const testDir = path.resolve(__dirname, '..');
  commands.executeCommand = (<T>(id: string, ...args: unknown[]) => {
    // the extension shares this API object: count only calls made from the test files
    const stack = new Error().stack ?? '';
    if (stack.split('\n').slice(2).some((l) => l.includes(testDir))) commandsRunByTests.set(id, (commandsRunByTests.get(id) ?? 0) + 1);
    return original<T>(id, ...args);
  }) as typeof vscode.commands.executeCommand;
}

function allTests(suite: Mocha.Suite): Mocha.Test[] {
  return [...suite.tests, ...suite.suites.flatMap(allTests)];
}

/** Wraps each test: after it ran, any handler failure recorded meanwhile fails it. */
function failOnHandlerFailures(suite: Mocha.Suite, failures: () => readonly { command: string; message: string; stack?: string }[]): void {
  for (const t of allTests(suite)) {
    const fn = t.fn;
    if (!fn) continue;
    t.fn = async function (this: Mocha.Context) {
      const before = failures().length;
      expected = [];
      await (fn as (this: Mocha.Context) => Promise<unknown>).call(this);
      const during = failures().slice(before).filter((f) => !expected.some((re) => re.test(f.command)));
      if (during.length) throw new Error(`a command handler failed during the test: ${during.map((f) => `${f.command}: ${f.stack ?? f.message}`).join('\n')}`);
    };
  }
}

function coverageSuite(root: Mocha.Suite): void {
  const s = Mocha.Suite.create(root, 'Every contributed command');
  s.addTest(
    new Mocha.Test('is run by a test', () => {
      const pkg = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
      const never = pkg.contributes.commands.map((c) => c.command).filter((c) => !commandsRunByTests.has(c));
      if (never.length) throw new Error(`${never.length} contributed commands were never run by a test: ${never.join(', ')}`);
    }),
  );
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: false });
  const only = (process.env.LI_IT_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    if (only.length === 0 || only.some((w) => f.includes(w))) mocha.addFile(path.join(__dirname, f));
  }
  const ext = vscode.extensions.getExtension<LogInvestigatorApi>(EXT_ID);
  const api = ext ? (ext.isActive ? ext.exports : await ext.activate()) : undefined;
  recordCommandRuns();
  // load the files now (so that their tests can be wrapped), and not again in run()
  const loader = mocha as unknown as { loadFiles(): void; lazyLoadFiles(on: boolean): void };
  loader.loadFiles();
  loader.lazyLoadFiles(true);
  failOnHandlerFailures(mocha.suite, () => api?.commandFailures ?? []);
  if (only.length === 0) coverageSuite(mocha.suite);
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
