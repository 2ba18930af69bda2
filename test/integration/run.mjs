// `npm run test:integration`: the integration suite in a real VS Code (code-server 1.100, offline),
// with browser-level checks in headless Chromium. Prepares a workspace of real logs from
// test/fixtures (plus a log of hostile text), then runs launch.mjs. Screenshots go to
// test-artifacts/screenshots.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'li-it-ws-'));
for (const f of ['access.log', 'course.txt', 'cohorts.csv', 'log.csv', 'attacks.csv', 'smb_files.log.gz', 'OpenSSH_2k.log']) {
  fs.copyFileSync(path.join(repo, 'test/fixtures', f), path.join(ws, f));
}
// seeded logs with planted cases, from the generators compiled to out/ (npm run test:integration runs tsc first)
const require = createRequire(import.meta.url);
const gen = (name) => require(path.join(repo, 'out/test/generators', name));
{
  const { generateCourseLog, plantedCases } = gen('courseLog.js');
  const lines = [...generateCourseLog({ lines: 60000, seed: 42, plants: plantedCases(42).lines })];
  fs.writeFileSync(path.join(ws, 'course-planted.txt'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(ws, 'smb_files-planted.log'), gen('smbFiles.js').generateSmbFiles({ seed: 7 }).text);
  fs.mkdirSync(path.join(ws, 'geo'));
  fs.copyFileSync(path.join(repo, 'test/fixtures/geo/GeoLite2-City-Test.mmdb'), path.join(ws, 'geo/GeoLite2-City-Test.mmdb'));
  fs.copyFileSync(path.join(repo, 'test/fixtures/geo/signins.csv'), path.join(ws, 'signins.csv'));
}
fs.writeFileSync(
  path.join(ws, 'hostile.csv'),
  'id,payload\n1,<script>alert(1)</script>\n2,<img src=x onerror=alert(2)>\n3,javascript:alert(3)\n4,"<a href=""javascript:alert(4)"">x</a>"\n',
);
// over 50 MB: VS Code does not synchronize such files to extensions, so indexing and jump-to-source must read from disk
const access = fs.readFileSync(path.join(repo, 'test/fixtures/access.log'));
const big = fs.openSync(path.join(ws, 'big-access.log'), 'w');
for (let k = 0; k < 800; k++) fs.writeSync(big, access);
fs.closeSync(big);
fs.mkdirSync(path.join(ws, '.vscode'));
// the large-file limit as a user leaves it after accepting the extension's offer to raise it
fs.writeFileSync(
  path.join(ws, '.vscode/settings.json'),
  JSON.stringify(
    {
      'logInvestigator.columns': ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'],
      'logInvestigator.geoDatabase': 'geo/GeoLite2-City-Test.mmdb',
      'workbench.editorLargeFileConfirmation': 100,
      'workbench.startupEditor': 'none',
    },
    null,
    2,
  ),
);
const shots = path.join(repo, 'test-artifacts/screenshots');
fs.mkdirSync(shots, { recursive: true });
const r = spawnSync(
  process.execPath,
  [path.join(repo, 'test/integration/launch.mjs'), '--extension', repo, '--tests', path.join(repo, 'out/test/integration/suite/index.js'), '--workspace', ws, '--screenshots', shots, '--timeout', '900'],
  { stdio: 'inherit' },
);
fs.rmSync(ws, { recursive: true, force: true });
process.exit(r.status ?? 1);
