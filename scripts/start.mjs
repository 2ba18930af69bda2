// `npm start`: VS Code (code-server 1.100, offline) with Log Investigator loaded in development mode
// and a sample workspace of real logs. Prints the URL to open; Ctrl-C stops it.
// The code-server install (scripts/vscode-offline/install.sh) runs once if it is missing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
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
fs.writeFileSync(path.join(ws, '.vscode/settings.json'), JSON.stringify({ 'logInvestigator.columns': ['date', 'time', 'page', 'user_id', 'cohort_id', 'ip'] }, null, 2) + '\n');

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
    console.log(`\nLog Investigator is running in VS Code ${'1.100'} with a sample workspace of real logs.\nOpen:\n\n  ${url}\n\nThen right-click access.log → "Log Investigator: Index File", or open the Log Investigator view.\nCtrl-C stops the server.`);
  }).on('error', () => setTimeout(poll, 300));
poll();
