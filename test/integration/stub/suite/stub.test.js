// Extension-host tests for the stub: real vscode API + browser-side checks through launch.mjs.
'use strict';
const assert = require('assert');
const vscode = require('vscode');
const harness = require('../../harnessClient.js');

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

describe('harness stub', () => {
  let api;

  it('runs inside VS Code 1.100.x', () => {
    assert.match(vscode.version, /^1\.100\./);
  });

  it('sees the launcher environment', () => {
    assert.ok(process.env.LI_TEST_RESULT, 'LI_TEST_RESULT missing');
    assert.ok(process.env.LI_TEST_IPC, 'LI_TEST_IPC missing');
  });

  it('opens the webview and gets its ready message', async () => {
    await vscode.commands.executeCommand('stub.hello');
    const ext = vscode.extensions.getExtension('li-test.li-stub');
    assert.ok(ext && ext.isActive, 'stub extension not active');
    api = ext.exports;
    const ready = await withTimeout(api.whenReady(), 30000, 'webview ready');
    assert.strictEqual(ready.cells, 2);
  });

  it('reads the table cell and counts SVG marks in the browser', async () => {
    const cell = await harness.evalWebview({ titleContains: 'Stub Hello', selector: '#stub-table td.cell' });
    assert.deepStrictEqual(cell.texts, ['hello from webview']);
    const svg = await harness.evalWebview({ titleContains: 'Stub Hello', selector: '#stub-table svg' });
    assert.strictEqual(svg.count, 1);
    assert.strictEqual(svg.svgMarks, 3);
  });

  it('clicks in the webview and the host receives the message', async () => {
    await harness.evalWebview({ titleContains: 'Stub Hello', selector: '#btn', action: 'click' });
    const msg = await withTimeout(api.waitForMessage('clicked'), 10000, 'clicked message');
    assert.strictEqual(msg.type, 'clicked');
  });

  it('takes a screenshot', async () => {
    const res = await harness.screenshot('stub-webview');
    assert.ok(res.path.endsWith('stub-webview.png'));
  });
});
