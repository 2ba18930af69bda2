#!/usr/bin/env node
// Offline VS Code integration-test launcher: code-server (VS Code 1.100.3, installed by
// scripts/vscode-offline/install.sh) + Debian chromium driven by playwright-core.
//
//   node test/integration/launch.mjs --extension <abs ext folder> --tests <abs test module .js>
//        --workspace <abs folder> [--screenshots <dir>] [--timeout 300] [--keep]
//
// 1. Starts code-server on a free 127.0.0.1 port with a fresh user-data-dir / extensions-dir
//    in a temp dir, and waits for GET / -> 302.
// 2. Launches headless chromium and opens
//    /?folder=<workspace>&payload=[["extensionDevelopmentPath","vscode-remote://127.0.0.1:PORT<ext>"],
//                                  ["extensionTestsPath","vscode-remote://127.0.0.1:PORT<tests>"]]
//    so the extension host loads the extension in development mode and calls the module's run().
// 3. Handshake through the file system (code-server's environment reaches the extension host):
//      LI_TEST_RESULT = <tmp>/result.json  run() writes {passed, failed, failures:[{title,error}], log}
//      LI_TEST_IPC    = <tmp>/ipc/         the test writes req-<id>.json, the launcher answers res-<id>.json
//    Requests: {"type":"screenshot","name":N}                  -> {ok, path}  (<screenshots>/N.png)
//              {"type":"evalWebview","titleContains":T,"selector":S,"action":"read"|"click"|"domClick"|"scroll"|"fill"|"press"|"drag"|"hover"|"choose",
//               "scrollTop":px,"text":T,"key":K,"modifiers":[…],"dx":px,"dy":px,"styles":[css property…],"timeoutMs":ms}
//                                                              -> {ok, count, texts[], boxes[], styles[], viewport, svgMarks, canvases,
//                                                                  focus (after the action), frameUrl}
//              failures                                        -> {ok:false, error}
//    All files are written to a temp name and renamed (atomic). Client: test/integration/harnessClient.js.
// 4. Prints the log, failures and a final "N passed, N failed" line; exits 0 only if failed == 0
//    and passed > 0. Chromium and code-server are killed by process group in every case.
//
// Env overrides: CODE_SERVER_DIR (default <repo>/.vscode-test/code-server), CHROMIUM_PATH
// (default /usr/bin/chromium), LI_LAUNCH_DEBUG=1 (echo browser console + code-server output).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CODE_SERVER_DIR = process.env.CODE_SERVER_DIR || path.join(REPO, '.vscode-test/code-server');
const ENTRY = path.join(CODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const DEBUG = process.env.LI_LAUNCH_DEBUG === '1';
const t0 = Date.now();
const say = (msg) => console.log(`[launch ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- arguments ---------------------------------------------------------------------------
const { values: args } = parseArgs({
  options: {
    extension: { type: 'string' }, tests: { type: 'string' }, workspace: { type: 'string' },
    screenshots: { type: 'string' }, timeout: { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
  },
});
for (const k of ['extension', 'tests', 'workspace']) {
  if (!args[k] || !path.isAbsolute(args[k]) || !fs.existsSync(args[k])) {
    console.error(`--${k} must be an existing absolute path (got ${args[k]})`);
    process.exit(2);
  }
}
if (!fs.existsSync(ENTRY)) {
  console.error(`code-server not found at ${ENTRY}; run scripts/vscode-offline/install.sh`);
  process.exit(2);
}
const timeoutMs = Number(args.timeout) * 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'li-vscode-'));
const ipcDir = path.join(tmp, 'ipc');
const resultFile = path.join(tmp, 'result.json');
const shotDir = path.resolve(args.screenshots || path.join(tmp, 'screenshots'));
for (const d of [ipcDir, shotDir, path.join(tmp, 'user-data/User'), path.join(tmp, 'extensions')]) {
  fs.mkdirSync(d, { recursive: true });
}
// Quiet first start: no welcome page, no trust prompt, no update/gallery chatter.
fs.writeFileSync(path.join(tmp, 'user-data/User/settings.json'), JSON.stringify({
  'workbench.startupEditor': 'none', 'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true, 'update.mode': 'none',
}, null, 2));

// ---- process bookkeeping: everything we start is killed by process group ------------------
const groups = new Set(); // pids that lead their own process group
function killGroups(signal) {
  for (const pid of groups) {
    try { process.kill(-pid, signal); } catch { /* already gone */ }
  }
}
async function cleanup() {
  killGroups('SIGTERM');
  for (let i = 0; i < 30 && [...groups].some(alive); i++) await sleep(100);
  killGroups('SIGKILL');
  for (let i = 0; i < 20 && [...groups].some(alive); i++) await sleep(100); // before removing tmp
  groups.clear();
}
function alive(pid) { try { process.kill(-pid, 0); return true; } catch { return false; } }
process.on('exit', () => killGroups('SIGKILL')); // last resort, synchronous
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killGroups('SIGKILL'); process.exit(130); });
}

// ---- helpers -----------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}
function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}
function writeJsonAtomic(file, value) {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}
function tail(file, lines = 40) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

// ---- browser-side requests ---------------------------------------------------------------
/** Find the frame whose document matches `selector` (and titleContains, if given). */
async function findWebviewFrame(page, selector, titleContains) {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      const n = await frame.evaluate((s) => document.querySelectorAll(s).length, selector);
      if (!n) continue;
      if (titleContains) {
        // Webview content lives in an inner iframe; its own <title> and the titles of the
        // enclosing <iframe> elements (VS Code sets the panel title there) are all candidates.
        const labels = [await frame.title()];
        for (let f = frame; f && f.parentFrame(); f = f.parentFrame()) {
          const el = await f.frameElement().catch(() => null);
          if (el) labels.push((await el.getAttribute('title')) || '');
        }
        if (!labels.some((l) => l.includes(titleContains))) continue;
      }
      return frame;
    } catch { /* frame detached or navigating: skip */ }
  }
  return null;
}

async function handleRequest(page, req) {
  if (req.type === 'screenshot') {
    const name = String(req.name || 'screenshot').replace(/[^\w.-]+/g, '_');
    const file = path.join(shotDir, `${name}.png`);
    await page.screenshot({ path: file });
    return { ok: true, path: file };
  }
  if (req.type === 'evalWebview') {
    const deadline = Date.now() + (req.timeoutMs || 30000);
    for (;;) {
      const frame = await findWebviewFrame(page, req.selector, req.titleContains);
      if (frame) {
        if (req.action === 'scroll') {
          await frame.evaluate(([s, top]) => { const e = document.querySelector(s); if (e) e.scrollTop = top; }, [req.selector, Number(req.scrollTop) || 0]);
          await sleep(400);
        }
        const info = await frame.evaluate(([s, styleProps]) => {
          const els = [...document.querySelectorAll(s)];
          const marks = 'rect,circle,ellipse,line,path,polygon,polyline,text';
          const inside = (el, q) => (el.matches(q) ? 1 : 0) + el.querySelectorAll(q).length;
          // colours as [r, g, b, a]; the background of an element is the first opaque one up the tree
          const rgba = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null; const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
          // text drawn over a chart's mark (a heatmap's cell) reads against that mark: the last filled shape painted before the text
          // (document order is paint order) whose fill holds the text's centre, found by geometry, so a chart scrolled out of the
          // viewport, or marks that take no pointer events, are found too; a translucent mark is blended over the page
          const pageBg = () => bgOf(document.body);
          const shapesOf = new Map();
          const markUnder = (el) => {
            const svg = el instanceof SVGElement ? el.closest('svg') : null;
            if (!svg) return null;
            const r = el.getBoundingClientRect();
            const [cx, cy] = [r.x + r.width / 2, r.y + r.height / 2];
            let hit = null;
            if (!shapesOf.has(svg)) shapesOf.set(svg, [...svg.querySelectorAll('path, rect, circle, ellipse, polygon')].filter((e) => !e.closest('text') && !e.classList.contains('background')).map((e) => ({ e, b: e.getBoundingClientRect() })));
            for (const { e, b } of shapesOf.get(svg)) {
              if (e.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) break; // painted after the text
              if (cx < b.x || cx > b.x + b.width || cy < b.y || cy > b.y + b.height) continue;
              const cs = getComputedStyle(e);
              const c = rgba(cs.fill);
              const a = c ? c[3] * (cs.fillOpacity === '' ? 1 : Number(cs.fillOpacity)) * (cs.opacity === '' ? 1 : Number(cs.opacity)) : 0;
              if (!(a > 0.2) || cs.visibility === 'hidden' || cs.display === 'none') continue;
              const m = e.getScreenCTM();
              if (!m || !e.isPointInFill(new DOMPoint(cx, cy).matrixTransform(m.inverse()))) continue;
              hit = { c, a };
            }
            if (!hit) return null;
            const under = pageBg();
            return [0, 1, 2].map((i) => hit.c[i] * hit.a + under[i] * (1 - hit.a)).concat(1);
          };
          const bgOf = (el) => { for (let e = el instanceof SVGElement ? el.closest('svg')?.parentElement : el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c && c[3] > 0.5) return c; } const hex = /^#([0-9a-f]{6})/i.exec(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim()); return hex ? [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)).concat(1) : [255, 255, 255, 1]; };
          const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
          const texts = els.flatMap((e) => [...(e.matches('text') ? [e] : []), ...e.querySelectorAll('svg text')]).filter((t) => (t.textContent || '').trim() !== '');
          const textContrast = texts.map((t) => { const cs = getComputedStyle(t); const fg = rgba(cs.fill) || rgba(cs.color) || [0, 0, 0, 1]; const mark = markUnder(t); const bg = mark ?? bgOf(t); const a = fg[3] * (Number(cs.opacity) || 1) * (Number(cs.fillOpacity) || 1); const mixed = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a)); return { text: (t.textContent || '').slice(0, 40), ratio: Math.round(ratio(mixed, bg) * 100) / 100, fg: cs.fill, bg: `rgb(${bg.slice(0, 3).join(', ')})`, onMark: mark !== null }; });
          return {
            count: els.length,
            texts: els.map((e) => e.textContent),
            svgMarks: els.reduce((n, e) => n + (e.closest('svg') || e.querySelector('svg') ? inside(e, marks) : 0), 0),
            canvases: els.reduce((n, e) => n + inside(e, 'canvas'), 0),
            boxes: els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; }),
            textContrast,
            // the computed value of each asked CSS property, per match
            styles: els.map((e) => Object.fromEntries(styleProps.map((p) => [p, getComputedStyle(e).getPropertyValue(p)]))),
            viewport: { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight },
          };
        }, [req.selector, Array.isArray(req.styles) ? req.styles.map(String) : []]);
        if (req.action === 'click') await frame.click(req.selector, { timeout: 5000, modifiers: req.modifiers });
        // domClick: the element's own click(), for a view another webview's iframe lies over
        if (req.action === 'domClick') await frame.$eval(req.selector, (e) => e.click());
        // fill: type into the input inside the match (toolkit fields keep theirs in a shadow root)
        if (req.action === 'fill') await frame.locator(req.selector).first().locator('input').first().fill(String(req.text ?? ''), { timeout: 5000 });
        if (req.action === 'press') await frame.locator(req.selector).first().press(String(req.key), { timeout: 5000 });
        // drag: press the mouse on the match's centre, move it by dx (in steps, as a hand does), release
        if (req.action === 'drag') {
          const b = await frame.locator(req.selector).first().boundingBox({ timeout: 5000 });
          if (!b) throw new Error(`${req.selector} has no box to drag`);
          const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
          await page.mouse.move(x, y);
          await page.mouse.down();
          await page.mouse.move(x + Number(req.dx || 0), y + Number(req.dy || 0), { steps: 8 });
          await page.mouse.up();
        }
        // hover: move the mouse (in steps, as a hand does) onto the centre of match number `index` (default the first) and leave it there
        if (req.action === 'hover') {
          const b = await frame.locator(req.selector).nth(Number(req.index) || 0).boundingBox({ timeout: 5000 });
          if (!b) throw new Error(`${req.selector} has no box to hover`);
          await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 6 });
          await sleep(300);
        }
        // choose: set a select's (or toolkit dropdown's) value and tell its listeners
        if (req.action === 'choose') await frame.$eval(req.selector, (e, v) => { e.value = v; e.dispatchEvent(new Event('change', { bubbles: true })); }, String(req.text ?? ''));
        // what has the focus after the action: the element, and whether it is (inside) a match
        const focus = await frame.evaluate((s) => {
          const a = document.activeElement;
          return { tag: a ? a.tagName.toLowerCase() : '', className: a && typeof a.className === 'string' ? a.className : '', inMatch: !!a && [...document.querySelectorAll(s)].some((e) => e === a || e.contains(a)) };
        }, req.selector);
        return { ok: true, ...info, focus, frameUrl: frame.url() };
      }
      if (Date.now() > deadline) {
        return { ok: false, error: `no frame has ${req.selector}${req.titleContains ? ` with title ~ "${req.titleContains}"` : ''}` };
      }
      await sleep(250);
    }
  }
  if (req.type === 'evalWorkbench') {
    // the workbench page itself (notifications, views): every match's text and the links inside it
    const deadline = Date.now() + (req.timeoutMs || 30000);
    for (;;) {
      const info = await page.evaluate((s) => {
        const els = [...document.querySelectorAll(s)];
        return {
          count: els.length,
          texts: els.map((e) => e.textContent),
          links: els.flatMap((e) => [...e.querySelectorAll('a')].map((a) => a.getAttribute('href') || a.getAttribute('data-href') || a.textContent)),
        };
      }, req.selector);
      if (info.count > 0 || Date.now() > deadline) return { ok: true, ...info };
      await sleep(250);
    }
  }
  return { ok: false, error: `unknown request type ${req.type}` };
}

// ---- main --------------------------------------------------------------------------------
let exitCode = 1;
let page;
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.openSync(path.join(tmp, 'code-server.log'), 'a');
  const server = spawn(process.execPath, [ENTRY,
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--config', path.join(tmp, 'config.yaml'), // else it creates ~/.config/code-server/config.yaml
    '--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', path.join(tmp, 'extensions'),
    args.workspace,
  ], {
    detached: true, // own process group -> killable with its extension host and watchers
    stdio: ['ignore', DEBUG ? 'inherit' : serverLog, DEBUG ? 'inherit' : serverLog],
    env: { ...process.env, LI_TEST_RESULT: resultFile, LI_TEST_IPC: ipcDir },
  });
  groups.add(server.pid);
  let serverExit = null;
  server.on('exit', (code, sig) => { serverExit = `code-server exited (${code ?? sig})`; });
  say(`code-server pid ${server.pid} on ${base}, temp ${tmp}`);

  while ((await httpStatus(`${base}/`)) !== 302) {
    if (serverExit) throw new Error(serverExit);
    if (Date.now() - t0 > 60000) throw new Error('code-server did not answer 302 within 60 s');
    await sleep(200);
  }
  say('code-server ready');

  const browserServer = await chromium.launchServer({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const bpid = browserServer.process().pid;
  groups.add(bpid); // playwright starts chromium detached, so it leads its own group
  const browser = await chromium.connect(browserServer.wsEndpoint());
  page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const consoleLog = fs.createWriteStream(path.join(tmp, 'browser-console.log'));
  page.on('console', (m) => { consoleLog.write(`[${m.type()}] ${m.text()}\n`); if (DEBUG) console.log(`[browser] ${m.text()}`); });
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.message}\n`));

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${pathToFileURL(p).pathname}`;
  const payload = [['extensionDevelopmentPath', remote(args.extension)], ['extensionTestsPath', remote(args.tests)]];
  const url = `${base}/?folder=${encodeURIComponent(args.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  say(`chromium pid ${bpid}; opening workbench`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });

  // Poll: answer requests, wait for the result, watch the clock and the server.
  const handled = new Set();
  let result = null;
  while (!result) {
    if (fs.existsSync(resultFile)) { result = JSON.parse(fs.readFileSync(resultFile, 'utf8')); break; }
    for (const f of fs.readdirSync(ipcDir).filter((f) => /^req-.*\.json$/.test(f)).sort()) {
      if (handled.has(f)) continue;
      handled.add(f);
      const req = JSON.parse(fs.readFileSync(path.join(ipcDir, f), 'utf8'));
      let res;
      try { res = await handleRequest(page, req); } catch (e) { res = { ok: false, error: String(e && e.message || e) }; }
      say(`${req.type} ${req.name || req.selector || ''} -> ${res.ok ? 'ok' : res.error}`);
      writeJsonAtomic(path.join(ipcDir, f.replace(/^req-/, 'res-')), { id: req.id, ...res });
    }
    if (serverExit) throw new Error(serverExit);
    if (Date.now() - t0 > timeoutMs) throw new Error(`no test result within ${args.timeout} s`);
    await sleep(100);
  }

  say('test result received');
  if (result.log) console.log(`\n${result.log}\n`);
  (result.failures || []).forEach((f, i) => console.log(`  ${i + 1}) ${f.title}\n     ${String(f.error).replace(/\n/g, '\n     ')}\n`));
  console.log(`${result.passed} passed, ${result.failed} failed`);
  exitCode = result.failed === 0 && result.passed > 0 ? 0 : 1;
} catch (err) {
  console.error(`[launch] ERROR: ${err && err.stack || err}`);
  if (page) await page.screenshot({ path: path.join(shotDir, 'launch-error.png') }).catch(() => {});
  console.error(`--- code-server.log (tail) ---\n${tail(path.join(tmp, 'code-server.log'))}`);
  const logs = path.join(tmp, 'user-data/logs');
  for (const f of fs.existsSync(logs) ? fs.readdirSync(logs, { recursive: true }).filter((f) => /exthost.*\.log$/.test(f)) : []) {
    console.error(`--- ${f} (tail) ---\n${tail(path.join(logs, f))}`);
  }
  console.error(`--- browser-console.log (tail) ---\n${tail(path.join(tmp, 'browser-console.log'))}`);
  console.log('0 passed, 1 failed');
  exitCode = 1;
} finally {
  await cleanup();
  // Keep the temp dir (logs, user-data, screenshots without --screenshots) after a failure.
  if (exitCode === 0 && !args.keep) fs.rmSync(tmp, { recursive: true, force: true });
  else say(`kept ${tmp} for inspection`);
}
process.exit(exitCode);
