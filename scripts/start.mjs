// `npm start`: VS Code (code-server 1.100, offline) with Log Investigator loaded in development mode
// and a sample workspace of real logs. Prints the URL to open; Ctrl-C stops it.
// The code-server install (scripts/vscode-offline/install.sh) runs once if it is missing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = path.join(repo, '.vscode-test');
const entry = path.join(base, 'code-server/node_modules/code-server/out/node/entry.js');
const port = Number(process.env.PORT || 8080);

if (!fs.existsSync(entry)) {
  console.log('Installing VS Code (code-server 1.100) for offline use, once…');
  const r = spawnSync('bash', [path.join(repo, 'scripts/vscode-offline/install.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The install failed. It needs apt (as root) for chromium/ripgrep and npm. In desktop VS Code, see the README instead.');
    process.exit(1);
  }
}

// the sample workspace: real logs from test/fixtures (sources and licenses in its README)
const ws = path.join(base, 'sample-workspace');
fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
for (const f of ['access.log', 'OpenSSH_2k.log', 'Linux_2k.log', 'log.csv', 'attacks.csv', 'course.txt', 'cohorts.csv', 'smb_files.log.gz', 'smb_files.json.gz', 'events.jsonl', 'logins.sqlite', 'README.md']) {
  fs.copyFileSync(path.join(repo, 'test/fixtures', f), path.join(ws, f === 'README.md' ? 'SOURCES.md' : f));
}
// and seeded logs with planted cases for the investigations (the test generators, bundled by esbuild)
const esbuild = await import('esbuild');
const gen = (name) => {
  const out = path.join(base, 'generators', `${name}.cjs`);
  esbuild.buildSync({ entryPoints: [path.join(repo, 'test/generators', `${name}.ts`)], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
  return createRequire(import.meta.url)(out);
};
const course = gen('courseLog');
fs.writeFileSync(path.join(ws, 'course-site.txt'), [...course.generateCourseLog({ lines: 200000, seed: 42, plants: course.plantedCases(42).lines })].join('\n') + '\n');
const events = gen('eventStream');
await events.writeEventStream(path.join(ws, 'events-mail.jsonl.gz'));
fs.writeFileSync(path.join(ws, 'smb_files-planted.log'), gen('smbFiles').generateSmbFiles({ seed: 7 }).text);
fs.mkdirSync(path.join(ws, 'geo'), { recursive: true });
for (const f of ['GeoLite2-City-Test.mmdb', 'LICENSE-APACHE', 'LICENSE-MIT']) fs.copyFileSync(path.join(repo, 'test/fixtures/geo', f), path.join(ws, 'geo', f));
fs.mkdirSync(path.join(ws, '.log-investigator'), { recursive: true });
if (!fs.existsSync(path.join(ws, '.log-investigator/rules.json'))) fs.copyFileSync(path.join(repo, 'test/fixtures/events/rules.json'), path.join(ws, '.log-investigator/rules.json'));
fs.writeFileSync(
  path.join(ws, '.vscode/settings.json'),
  JSON.stringify(
    {
      'logInvestigator.columns': ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'],
      'logInvestigator.geoDatabase': 'geo/GeoLite2-City-Test.mmdb',
      'logInvestigator.threatList': events.THREAT_IPS.join(', '),
      // open on the logs, not on the Welcome page or a walkthrough
      'workbench.startupEditor': 'none',
    },
    null,
    2,
  ) + '\n',
);

// the same for the user profile of this VS Code: no Welcome page, no walkthrough over the workspace
const userSettings = path.join(base, 'user-data', 'User', 'settings.json');
fs.mkdirSync(path.dirname(userSettings), { recursive: true });
let user = {};
try {
  user = fs.existsSync(userSettings) ? JSON.parse(fs.readFileSync(userSettings, 'utf8') || '{}') : {};
} catch {
  user = null; // edited by hand (comments): left as it is
}
if (user) {
  Object.assign(user, { 'workbench.startupEditor': 'none', 'workbench.welcomePage.walkthroughs.openOnInstall': false, 'workbench.tips.enabled': false });
  fs.writeFileSync(userSettings, JSON.stringify(user, null, 2) + '\n');
}

const server = spawn(
  process.execPath,
  [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--user-data-dir', path.join(base, 'user-data'), '--extensions-dir', path.join(base, 'extensions'), ws],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
server.stderr.on('data', (d) => process.stderr.write(d));
process.on('SIGINT', () => server.kill());
server.on('exit', (code) => process.exit(code ?? 0));

const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repo}`]]);
const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`;
const poll = () =>
  http.get(`http://127.0.0.1:${port}/`, (res) => {
    res.resume();
    console.log(`\nLog Investigator is running in VS Code ${'1.100'} with a sample workspace of real logs.\nOpen:\n\n  ${url}\n\nThen run "Log Investigator: Index Workspace Logs" and "Log Investigator: Run Analysis…" → all, and open the Findings view.
(course-site.txt, events-mail.jsonl.gz and smb_files-planted.log are seeded logs with planted cases; the rest are real.)\nCtrl-C stops the server.`);
  }).on('error', () => setTimeout(poll, 300));
poll();
