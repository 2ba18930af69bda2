// The same integration suite in desktop VS Code, through @vscode/test-electron, where VS Code can be
// downloaded (a developer's computer; on Linux it needs a display: `xvfb-run -a node test/integration/electron.mjs`).
// Browser-level steps (webview DOM, screenshots) need the offline launcher (run.mjs) and are skipped here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
import { runTests } from '@vscode/test-electron';
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'li-electron-ws-'));
for (const f of ['access.log', 'course.txt', 'cohorts.csv', 'log.csv', 'attacks.csv', 'smb_files.log.gz', 'OpenSSH_2k.log']) fs.copyFileSync(path.join(repo, 'test/fixtures', f), path.join(ws, f));
fs.writeFileSync(path.join(ws, 'hostile.csv'), 'id,payload\n1,<script>alert(1)</script>\n2,<img src=x onerror=alert(2)>\n3,javascript:alert(3)\n4,"<a href=""javascript:alert(4)"">x</a>"\n');
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'out/test/integration/suite/index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error(`integration tests failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
