// Stub extension for the integration harness (plain JS, no build step).
// Command `stub.hello` opens a webview with a strict CSP; its nonce'd script renders a
// <table> (one data cell + one inline SVG) and posts {type:'ready'} back to the host.
// activate() returns an API (ext.exports) so tests can await the webview's messages.
'use strict';
const vscode = require('vscode');
const crypto = require('crypto');

function activate(context) {
  /** Messages posted by the current webview, and waiters keyed by message type. */
  let messages = [];
  let waiters = [];

  function deliver(msg) {
    messages.push(msg);
    waiters = waiters.filter((w) => (msg && msg.type === w.type ? (w.resolve(msg), false) : true));
  }

  const api = {
    panel: undefined,
    /** Resolves with the first message of this type from the current webview (past or future). */
    waitForMessage(type) {
      const seen = messages.find((m) => m && m.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    whenReady() { return api.waitForMessage('ready'); },
    messages: () => messages.slice(),
  };

  context.subscriptions.push(vscode.commands.registerCommand('stub.hello', () => {
    if (api.panel) api.panel.dispose();
    messages = [];
    const panel = vscode.window.createWebviewPanel('stubHello', 'Stub Hello', vscode.ViewColumn.One, {
      enableScripts: true,
      localResourceRoots: [],
    });
    api.panel = panel;
    panel.onDidDispose(() => { if (api.panel === panel) api.panel = undefined; });
    panel.webview.onDidReceiveMessage(deliver);
    panel.webview.html = renderHtml(panel.webview);
  }));

  return api;
}

function renderHtml(webview) {
  const nonce = crypto.randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Stub Hello</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
  table { border-collapse: collapse; margin: 1em 0; }
  td, th { border: 1px solid var(--vscode-panel-border, #888); padding: 4px 10px; }
</style>
</head>
<body>
<h1>Stub webview</h1>
<div id="root">rendering…</div>
<button id="btn">Click me</button>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const NS = 'http://www.w3.org/2000/svg';
  const table = document.createElement('table');
  table.id = 'stub-table';
  const head = table.insertRow(); head.innerHTML = '<th>name</th><th>chart</th>';
  const row = table.insertRow();
  const cell = row.insertCell(); cell.className = 'cell'; cell.textContent = 'hello from webview';
  const svgCell = row.insertCell();
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', '120'); svg.setAttribute('height', '40');
  [10, 25, 18].forEach((h, i) => {
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('x', String(10 + i * 35)); r.setAttribute('y', String(40 - h));
    r.setAttribute('width', '25'); r.setAttribute('height', String(h)); r.setAttribute('fill', '#3794ff');
    svg.appendChild(r);
  });
  svgCell.appendChild(svg);
  const root = document.getElementById('root'); root.textContent = ''; root.appendChild(table);
  document.getElementById('btn').addEventListener('click', () => vscode.postMessage({ type: 'clicked' }));
  vscode.postMessage({ type: 'ready', cells: table.querySelectorAll('td').length });
</script>
</body>
</html>`;
}

function deactivate() {}

module.exports = { activate, deactivate };
