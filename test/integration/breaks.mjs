// `npm run test:breaks`: hand-made breaks of the extension, each of which the integration suite must notice.
// For each break: copy the repository to a scratch folder, apply the edit (which must match exactly once),
// rebuild dist/, run the integration test file that should notice (LI_IT_ONLY), and expect it to fail
// on the named test. Prints one line per break and exits 1 if any break left the suite green (or did
// not apply). Each suite run takes the integration lock (/tmp/li-integration.lock) when flock exists.
//   node test/integration/breaks.mjs [--only name,name] [--keep]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const keep = argv.includes('--keep');

/** file, the text to replace (exactly once), its replacement, the test file that must notice, and the test that must fail. */
export const BREAKS = [
  {
    name: 'rules-save',
    why: 'saving the rules file no longer re-runs the rules',
    file: 'src/extension/rulesWatcher.ts',
    find: 'const onChange = () => void this.check();',
    replace: 'const onChange = () => undefined;',
    suite: 'investigations',
    fails: 'saving the rules file runs the rules',
  },
  {
    name: 'precision-recall-swapped',
    why: 'precision and recall swapped in the evaluation',
    file: 'src/extension/findingsCommands.ts',
    find: "['precision', e.precision],\n      ['recall', e.recall],",
    replace: "['precision', e.recall],\n      ['recall', e.precision],",
    suite: 'findings',
    fails: 'evaluates failure bursts',
  },
  {
    name: 'next-flagged-line',
    why: 'Go to Next Flagged Line does nothing',
    file: 'src/extension/findingsCommands.ts',
    find: "'logInvestigator.nextFlaggedLine': (cx) => cx.marks.step(1),",
    replace: "'logInvestigator.nextFlaggedLine': () => true,",
    suite: 'findings',
    fails: 'Next and Previous Flagged Line',
  },
  {
    name: 'clear-label',
    why: 'Clear Label does nothing',
    file: 'src/extension/findingsCommands.ts',
    find: "'logInvestigator.clearLabel': label(null),",
    replace: "'logInvestigator.clearLabel': async () => undefined,",
    suite: 'findings',
    fails: 'a label is saved in the workspace',
  },
  {
    name: 'status-bar-hidden',
    why: 'the status bar item is never shown',
    file: 'src/extension/extension.ts',
    find: '    status.show();\n',
    replace: '',
    suite: 'extension',
    fails: 'shows the status bar',
  },
  {
    name: 'handler-throws',
    why: 'Show Table throws (commands.ts shows the message; executeCommand resolves undefined)',
    file: 'src/extension/commands.ts',
    find: "    const t = await pickTable(cx, arg, 'Show which table?');",
    replace: "    const t = await pickTable(cx, arg, 'Show which table?');\n    if (t) throw new Error('broken on purpose');",
    suite: 'tableCommands',
    fails: 'Show Table and Show Rejected Lines',
  },
  {
    name: 'source-line-off-by-one',
    why: 'a source link opens the line after the one it names',
    file: 'src/extension/sourceLinks.ts',
    find: 'const l = Math.max(0, line - 1);',
    replace: 'const l = Math.max(0, line);',
    suite: 'extension',
    fails: 'opens the source file at the right line',
  },
  {
    name: 'copy-finding-empty',
    why: 'Copy Finding puts nothing on the clipboard',
    file: 'src/extension/findingsCommands.ts',
    find: 'await vscode.env.clipboard.writeText(text);',
    replace: 'void text;',
    suite: 'tableCommands',
    fails: 'Copy puts it on the clipboard',
  },
  {
    name: 'export-database-no-file',
    why: 'Export Database writes no file',
    file: 'src/extension/commands.ts',
    find: 'writeFileAtomic(uri.fsPath, await cx.service.exportDatabase());',
    replace: 'void writeFileAtomic;',
    suite: 'tableCommands',
    fails: 'Export Database writes a SQLite file',
  },
  {
    name: 'show-output-nothing',
    why: 'Show Output does nothing',
    file: 'src/extension/commands.ts',
    find: "'logInvestigator.showOutput': (cx) => cx.service.log.show(),",
    replace: "'logInvestigator.showOutput': () => undefined,",
    suite: 'tableCommands',
    fails: 'Show Output shows the log',
  },
  // the grid of the results and chart views (#13)
  {
    name: 'chart-table-rows-behind-unsorted',
    why: "a sorted table's \"rows…\" lists the rows of the row that was there before the sort",
    file: 'src/extension/chartPanel.ts',
    find: 'const given = rows.origin(m.row);',
    replace: 'const given = m.row;',
    suite: 'viewsTables',
    fails: 'the right ones after a sort',
  },
  {
    name: 'grid-filter-one-column-ignored',
    why: 'filtering on one column filters on all of them',
    file: 'src/shared/gridRows.ts',
    find: 'this.filter = { text, column: column !== null && column >= 0 && column < this.columns.length ? column : null };',
    replace: 'this.filter = { text, column: null };',
    suite: 'viewsTables',
    fails: 'filter on all columns or one',
  },
  {
    name: 'grid-copy-format-ignored',
    why: 'the grid copies TSV whatever format is chosen',
    file: 'webview/grid.ts',
    find: "return (this.copyFormat.value as CopyFormat) || 'tsv';",
    replace: "return 'tsv' as CopyFormat;",
    suite: 'viewsTables',
    fails: 'a selection copies as TSV, CSV and Markdown',
  },
  {
    name: 'grid-ctrl-f-nothing',
    why: 'Ctrl+F in a grid does not go to its filter',
    file: 'webview/grid.ts',
    find: "else if (effect === 'find') this.focusFilter();",
    replace: "else if (effect === 'find') void 0;",
    suite: 'viewsTables',
    fails: 'Ctrl+F goes to the filter',
  },
  {
    name: 'high-contrast-selection-invisible',
    why: 'a selected row has no border in High Contrast',
    file: 'media/grid.css',
    find: 'body.vscode-high-contrast .grid tr.selected td, body.vscode-high-contrast-light .grid tr.selected td { box-shadow: inset 0 2px 0 var(--sel), inset 0 -2px 0 var(--sel); }',
    replace: '',
    suite: 'viewsGrid',
    fails: 'a selected row stands out in High Contrast',
  },
  {
    name: 'results-absolute-path',
    why: "the results info line names the file by the machine's absolute path",
    file: 'src/extension/gridHost.ts',
    find: 'return path.isAbsolute(rel) ? path.basename(rel) : rel;',
    replace: 'return file;',
    suite: 'viewsGrid',
    fails: 'copies exactly the rows on screen',
  },
  {
    name: 'confusion-counts-theme-colour',
    why: "the confusion matrices' counts in the theme's text colour, whatever the cell's blue",
    file: 'src/engine/analyses/login/evaluation.ts',
    find: "encoding: { text: { field: 'label' }, color: heat.text } },",
    replace: "encoding: { text: { field: 'label' } } },",
    suite: 'views.test',
    fails: 'every chart has a size and text at 4.5:1',
  },
  {
    name: 'timeline-brush-nothing',
    why: 'brushing a timeline lists no rows',
    file: 'webview/chart.ts',
    find: "post({ type: 'brush', from: new Date(range[0]).toISOString(), to: new Date(range[1]).toISOString() });",
    replace: 'void range;',
    suite: 'viewsTimeline',
    fails: 'lists the rows of the range dragged over',
  },
  {
    name: 'notebook-grid-pages-unanswered',
    why: "the notebook renderer does not answer its grid's pages (a sort shows no rows)",
    file: 'webview/notebookRenderer.ts',
    find: 'queueMicrotask(() => grid.rows(page));',
    replace: 'void page;',
    suite: 'viewsNotebook',
    fails: "a notebook's SQL output is the results grid",
  },
  {
    name: 'notebook-grid-copy-lost',
    why: "a copy in a notebook's grid never reaches the clipboard",
    file: 'webview/notebookRenderer.ts',
    find: "if (post) post({ type: 'clipboard', text: reply.clipboard });",
    replace: 'if (post) void 0;',
    suite: 'viewsNotebook',
    fails: "a notebook's SQL output is the results grid",
  },
  {
    name: 'notebook-grid-text-right',
    why: "the grid's cells take the notebook page's right alignment (text sits right)",
    file: 'media/grid.css',
    find: '.grid td { text-align: left; ',
    replace: '.grid td { ',
    suite: 'viewsNotebook',
    fails: "a notebook's SQL output is the results grid",
  },
  {
    name: 'completion-absolute-path',
    why: "a table's completion names its file by the machine's absolute path",
    file: 'src/extension/sqlEditor.ts',
    find: 'item.detail = `table from ${safeLabel(shownFile(t.file), 120)}`;',
    replace: 'item.detail = `table from ${safeLabel(t.file, 120)}`;',
    suite: 'views.test',
    fails: 'a .sql editor: Run lenses per statement',
  },
  {
    name: 'export-findings-absolute-path',
    why: "Export Findings' message names the file by the machine's absolute path",
    file: 'src/extension/findingsCommands.ts',
    find: 'findings to ${shownFile(target.fsPath)}`));',
    replace: 'findings to ${target.fsPath}`));',
    suite: 'findings',
    fails: 'exports findings as SARIF',
  },
  {
    name: 'save-database-absolute-path',
    why: "Save Database As' message names the file by the machine's absolute path",
    file: 'src/extension/commands.ts',
    find: 'the catalog and the rejects to ${shownFile(uri.fsPath)}`));',
    replace: 'the catalog and the rejects to ${uri.fsPath}`));',
    suite: 'viewsGrid',
    fails: 'Export CSV and Save Database As propose a file',
  },
  {
    name: 'tooltip-key-grey',
    why: "a tooltip's keys in the description colour (4.40:1 on Light+'s hover background)",
    file: 'media/chart.css',
    find: '#vg-tooltip-element td.key { color: inherit; font-weight: 600;',
    replace: '#vg-tooltip-element td.key { color: var(--vscode-descriptionForeground);',
    suite: 'viewsTimeline',
    fails: "a bar's tooltip reads at 4.5:1",
  },
];

const SKIP = new Set(['node_modules', '.git', '.vscode-test', 'test-artifacts', 'dist', '.stryker-tmp', 'reports']);

function scratchCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'li-break-'));
  for (const e of fs.readdirSync(repo)) {
    if (SKIP.has(e)) continue;
    fs.cpSync(path.join(repo, e), path.join(dir, e), { recursive: true, dereference: false, verbatimSymlinks: true });
  }
  // the dependencies and code-server of the repository, shared
  const real = (p) => fs.realpathSync(path.join(repo, p));
  fs.symlinkSync(real('node_modules'), path.join(dir, 'node_modules'));
  if (fs.existsSync(path.join(repo, '.vscode-test'))) fs.symlinkSync(real('.vscode-test'), path.join(dir, '.vscode-test'));
  return dir;
}

function sh(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

if (!fs.existsSync(path.join(repo, 'out/test/integration/suite/index.js'))) {
  console.error('breaks: compile the tests first (npx tsc -p tsconfig.test.json)');
  process.exit(2);
}
const hasFlock = sh('sh', ['-c', 'command -v flock'], repo).status === 0;
const results = [];
for (const b of BREAKS.filter((x) => !only || only.includes(x.name))) {
  const started = Date.now();
  const dir = scratchCopy();
  let verdict;
  try {
    const file = path.join(dir, b.file);
    const text = fs.readFileSync(file, 'utf8');
    const n = text.split(b.find).length - 1;
    if (n !== 1) {
      verdict = { ok: false, why: `the break's text occurs ${n} times in ${b.file} (it must occur once): update breaks.mjs` };
    } else {
      fs.writeFileSync(file, text.replace(b.find, b.replace));
      const build = sh(process.execPath, ['scripts/build.mjs'], dir);
      if (build.status !== 0) {
        verdict = { ok: false, why: `the build failed:\n${build.out.slice(-2000)}` };
      } else {
        const runArgs = [path.join(dir, 'test/integration/run.mjs')];
        const run = hasFlock
          ? sh('flock', ['/tmp/li-integration.lock', process.execPath, ...runArgs], dir, { LI_IT_ONLY: b.suite })
          : sh(process.execPath, runArgs, dir, { LI_IT_ONLY: b.suite });
        const failed = run.out.split('\n').filter((l) => /^\s*✗ /.test(l));
        const last = run.out.trim().split('\n').filter((l) => /\d+ passed, \d+ failed/.test(l)).pop() ?? '(no summary)';
        if (run.status === 0) verdict = { ok: false, why: `the suite stayed green (${last})` };
        else if (!failed.some((l) => l.includes(b.fails))) verdict = { ok: false, why: `the suite failed, but not on "${b.fails}" (${last}):\n${failed.join('\n') || run.out.slice(-3000)}` };
        else verdict = { ok: true, why: `red (${last}): ${failed.find((l) => l.includes(b.fails)).trim().slice(0, 300)}` };
      }
    }
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`  kept ${dir}`);
  }
  results.push({ ...b, ...verdict });
  console.log(`${verdict.ok ? 'NOTICED' : 'MISSED '} ${b.name} (${b.why}; ${Math.round((Date.now() - started) / 1000)} s): ${verdict.why}`);
}
const missed = results.filter((r) => !r.ok);
console.log(`${results.length - missed.length} of ${results.length} breaks turned the integration suite red`);
process.exit(missed.length ? 1 : 0);
