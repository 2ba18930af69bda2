// Extension-host side of the launch.mjs handshake (CommonJS, no build step, Node built-ins only).
// Use it from a test module that runs inside the VS Code extension host:
//
//   const harness = require('.../test/integration/harnessClient.js');
//   await harness.screenshot('after-open');                       // -> <screenshots>/after-open.png
//   const r = await harness.evalWebview({ titleContains: 'Stub', selector: 'td.cell' });
//   r.texts  // textContent of every match;  r.count, r.svgMarks, r.canvases
//   await harness.evalWebview({ selector: '#btn', action: 'click' });
//   harness.writeResult({ passed, failed, failures, log });     // ends the run
//
// Protocol (see launch.mjs / README.md): the launcher sets LI_TEST_IPC (a directory) and
// LI_TEST_RESULT (a file path) in code-server's environment, which the extension host inherits.
// A request is written as <ipc>/req-<id>.json, the launcher answers with <ipc>/res-<id>.json.
// Every file is written to a temp name and renamed, so readers never see half a file.
'use strict';
const fs = require('fs');
const path = require('path');

let seq = 0;

function writeJsonAtomic(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, file);
}

function ipcDir() {
  const dir = process.env.LI_TEST_IPC;
  if (!dir) throw new Error('LI_TEST_IPC is not set: not running under test/integration/launch.mjs');
  return dir;
}

/** True when browser-side requests can be answered (i.e. running under launch.mjs). */
function available() { return Boolean(process.env.LI_TEST_IPC); }

/**
 * Send one request to the launcher and wait for its answer.
 * Resolves with the answer object; rejects on timeout or when the launcher reports ok:false.
 */
async function request(body, timeoutMs = 30000) {
  const id = `${Date.now()}-${process.pid}-${++seq}`;
  const dir = ipcDir();
  const resFile = path.join(dir, `res-${id}.json`);
  writeJsonAtomic(path.join(dir, `req-${id}.json`), { ...body, id, timeoutMs });
  const deadline = Date.now() + timeoutMs + 2000; // launcher has its own timeoutMs; allow slack
  while (Date.now() < deadline) {
    if (fs.existsSync(resFile)) {
      const res = JSON.parse(fs.readFileSync(resFile, 'utf8'));
      if (!res.ok) throw new Error(`launcher could not do ${body.type}: ${res.error}`);
      return res;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from launcher to ${body.type} request ${id} within ${timeoutMs} ms`);
}

/** Screenshot of the whole workbench page, saved as <screenshots>/<name>.png. */
function screenshot(name, timeoutMs) {
  return request({ type: 'screenshot', name }, timeoutMs);
}

/**
 * Find the webview frame whose document has `selector` (and, if given, whose title or
 * iframe title contains `titleContains`), then: action 'read' (default) returns
 * { count, texts[], boxes[], svgMarks, canvases, styles[] (the computed `styles` asked for), viewport };
 * 'click' / 'domClick' / 'press' / 'fill' / 'drag' (by dx, dy) / 'choose' (a value) act on the first match; 'hover' moves the mouse onto match `index` (default 0)
 * as well, and `focus` tells what has the focus afterwards.
 * The launcher retries until the selector appears or timeoutMs passes.
 */
function evalWebview({ titleContains, selector, action = 'read', scrollTop, text, key, modifiers, dx, dy, index, styles }, timeoutMs) {
  return request({ type: 'evalWebview', titleContains, selector, action, scrollTop, text, key, modifiers, dx, dy, index, styles }, timeoutMs);
}

/**
 * Query the workbench page itself (not a webview): { count, texts[], links[] } of the elements
 * matching `selector`, links being the href of every <a> inside them. Retries until one matches
 * or timeoutMs passes (then count is 0).
 */
function evalWorkbench({ selector }, timeoutMs) {
  return request({ type: 'evalWorkbench', selector }, timeoutMs);
}

/** Write the final result the launcher waits for: {passed, failed, failures:[{title,error}], log}. */
function writeResult(result) {
  const file = process.env.LI_TEST_RESULT;
  if (!file) throw new Error('LI_TEST_RESULT is not set');
  writeJsonAtomic(file, result);
}

module.exports = { available, request, screenshot, evalWebview, evalWorkbench, writeResult };
