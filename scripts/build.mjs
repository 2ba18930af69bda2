// Bundles each target with esbuild and puts sql.js's WASM beside the bundles.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');
// start from an empty dist/: files of renamed or removed entries must not reach the .vsix
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  external: ['sql.js/dist/sql-wasm.wasm'],
  // jsonc-parser's main build is UMD with requires esbuild cannot follow; its ES module build bundles
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};
const targets = [
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['src/engine/engineWorker.ts'], outfile: 'dist/engineWorker.js' },
  // the ClickHouse store's HTTP thread (src/engine/store/clickhouse/syncBridge.ts looks for it beside the bundle)
  { entryPoints: ['src/engine/store/clickhouse/worker.ts'], outfile: 'dist/clickhouseWorker.js' },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'sql.js/dist/sql-wasm.wasm'] },
  // Vega for headless SVG (reports): an ES module, since Vega awaits at top level
  { entryPoints: ['scripts/vega-entry.mjs'], outfile: 'dist/vega.mjs', format: 'esm', external: ['canvas'], minify: true, sourcemap: false },
  // webviews: browser bundles, no Node, no eval (vega's interpreter is bundled in)
  ...['results', 'chart'].map((name) => ({
    entryPoints: [`webview/${name}.ts`],
    outfile: `dist/webview/${name}.js`,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
    define: {},
    minify: true,
  })),
  // the notebook renderer: VS Code loads renderers as ES modules
  {
    entryPoints: ['webview/notebookRenderer.ts'],
    outfile: 'dist/webview/notebookRenderer.js',
    platform: 'browser',
    format: 'esm',
    // the grid's and the charts' stylesheets, as text the renderer puts in a <style> of its output
    loader: { '.css': 'text' },
    target: 'es2022',
    external: [],
    define: {},
    minify: true,
  },
];
for (const t of targets) {
  const opts = { ...common, ...t };
  if (watch) await (await esbuild.context(opts)).watch();
  else await esbuild.build(opts);
}
