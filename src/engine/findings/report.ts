/**
 * An investigation report in Markdown, with the analyses' charts rendered to
 * SVG files beside it: Vega-Lite → Vega → SVG in Node, headless (no browser,
 * no canvas, no network).
 *
 * Everything that comes from a log (entities, reasons, table cells, file
 * names) is escaped, so a log line cannot inject links, images or HTML into a
 * report that someone later opens in a Markdown viewer.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SqlValue } from '../store/database';
import { evaluationSpec, type Evaluation } from './evaluate';
import { SEVERITIES, type AnalysisOutput, type Finding, type Severity } from './model';
import { prepareSpec } from '../../shared/chartSpec';

// ---- loading Vega -------------------------------------------------------

/** The little of vega-util's logger that vega-lite's compile() wants. */
interface VegaLogger {
  level(): number;
}
/** The little of Vega this module uses (its types cannot be resolved under moduleResolution "node"). */
export interface VegaModule {
  parse(spec: object): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none'; loader?: object; logger?: VegaLogger }) => { toSVG(): Promise<string>; finalize(): void };
  logger(level: number, method?: string, handler?: (method: string, level: string, input: unknown[]) => void): VegaLogger;
  Error: number;
}
export interface VegaLiteModule {
  compile(spec: object, opts?: { logger?: VegaLogger }): { spec: object };
}

/**
 * A real dynamic import(). Written as a Function so that neither tsc (module
 * "commonjs" turns import() into require()) nor esbuild rewrites it:
 * require() cannot load vega on Node 20, because vega-canvas awaits at its top
 * level (ERR_REQUIRE_ASYNC_MODULE), and esbuild cannot bundle top-level await
 * into CommonJS either. So Vega stays a runtime dependency.
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * A package resolved from this module's own location (which also honours
 * NODE_PATH), then imported by file URL: a bare import() inside a Function
 * would resolve from the same place but not honour NODE_PATH. The working
 * folder is deliberately not searched, so that a folder of untrusted logs
 * cannot supply its own node_modules/vega.
 */
async function importPackage<T>(name: string): Promise<T> {
  let file: string;
  try {
    file = createRequire(__filename).resolve(name);
  } catch {
    throw new Error(`Rendering charts needs the package ${name}, which cannot be found from ${path.dirname(__filename)} (install it there, or point NODE_PATH at a node_modules folder that has it).`);
  }
  return (await importEsm(pathToFileURL(file).href)) as T;
}

let loaded: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

/** Vega and Vega-Lite, imported once. */
export function loadVega(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  if (!loaded) {
    // the bundles (CLI, extension) carry dist/vega.mjs beside them; compiled tests use the packages
    const bundled = path.join(__dirname, 'vega.mjs');
    loaded = fs.existsSync(bundled)
      ? (importEsm(pathToFileURL(bundled).href) as Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }>)
      : Promise.all([importPackage<VegaModule>('vega'), importPackage<VegaLiteModule>('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
    // a failed load is not kept, so installing the package fixes it without a restart
    loaded.catch(() => (loaded = undefined));
  }
  return loaded;
}

/**
 * A Vega loader that loads nothing: data must be inline, so a spec naming a URL
 * or a file neither fetches nor reads it. Vega only warns about a failed load
 * and draws on without the data, so the refusals are kept for renderSvg to report.
 */
function offlineLoader(refused: string[]): object {
  const refuse = async (uri: unknown): Promise<never> => {
    refused.push(String(uri));
    throw new Error(`not loading ${String(uri)}`);
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Vega-Lite → SVG text, headless. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  // 'container' widths (the webviews' specs) have no container here
  const prepared = prepareSpec(spec);
  const fixed = prepared.width === 'container' ? { ...prepared, width: 600 } : prepared;
  // Vega logs failures (a data URL it may not load, a bad expression) and renders on without
  // them; collecting errors makes a broken chart an error, not a silently empty picture.
  // Warnings (e.g. "Dropping fit-y") are not the reader's business.
  const errors: string[] = [];
  const refused: string[] = [];
  const logger = vega.logger(vega.Error, undefined, (_method, _level, input) => errors.push(input.map((x) => (x instanceof Error ? x.message : String(x))).join(' ')));
  const view = new vega.View(vega.parse(vegaLite.compile(fixed, { logger }).spec), { renderer: 'none', loader: offlineLoader(refused), logger });
  try {
    const svg = await view.toSVG();
    if (refused.length) errors.push(`charts are rendered offline from inline data; not loading ${refused.join(', ')}`);
    if (errors.length) throw new Error(`cannot render the chart: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

// ---- Markdown -------------------------------------------------------------

/**
 * Log-derived text as inert inline Markdown: HTML special characters become
 * entities and inline Markdown punctuation is backslash-escaped, so `<script>`
 * and `[x](javascript:…)` show as text. Line breaks become `newline` (a space,
 * or `<br>` in a table cell), which also rules out block syntax (headings,
 * lists, quotes) since the text never starts a line.
 */
export function escapeMarkdown(text: string, newline = ' '): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]()|~$!]/g, '\\$&')
    .replace(/\r\n|\r|\n/g, newline);
}

/** A table cell: a value to escape, or Markdown this module composed from escaped parts. */
type Cell = SqlValue | undefined | { md: string };

const cell = (v: Cell): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return `(${v.length} bytes)`;
  if (typeof v === 'object') return v.md;
  return escapeMarkdown(String(v), '<br>');
};

function table(columns: string[], rows: Cell[][], align: ('l' | 'r')[] = []): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns.map((c) => cell(c))), line(columns.map((_, i) => (align[i] === 'r' ? '---:' : '---'))), ...rows.map((r) => line(columns.map((_, i) => cell(r[i]))))];
}

const MAX_TABLE_ROWS = 20;
const EVIDENCE_LINES = 5;

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const highest = (found: Finding[]): Severity | undefined => found.reduce<Severity | undefined>((m, f) => (m === undefined || rank(f.severity) > rank(m) ? f.severity : m), undefined);
const num = (x: number) => (Number.isFinite(x) ? String(Number(x.toFixed(3))) : String(x));

/** A link to a source file from the report's folder: a relative path, never the machine's absolute one. */
function fileLink(file: string, baseDir: string, line?: number): { text: string; href: string } {
  const rel = path.relative(baseDir, file).split(path.sep).join('/');
  return { text: path.basename(file), href: `${linkPrefix(rel)}${line !== undefined ? `#L${line}` : ''}` };
}

function evidenceText(f: Finding, baseDir: string): { md: string } {
  const shown = f.evidence.lines.slice(0, EVIDENCE_LINES).map((l) => {
    const link = fileLink(f.evidence.file, baseDir, l);
    return `[${escapeMarkdown(link.text)}:${l}](${link.href})`;
  });
  const more = f.evidence.total > shown.length ? ` (${f.evidence.total} rows)` : '';
  return { md: (shown.length ? shown.join(', ') : escapeMarkdown(path.basename(f.evidence.file))) + more };
}

/** A file name made of [a-z0-9-] only, so it needs no escaping in a link and cannot leave chartsDir. */
function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'chart'
  );
}

/** The link prefix as a URL path: segments percent-encoded, parentheses too (they end a Markdown link). */
function linkPrefix(prefix: string): string {
  return prefix
    .split(/[\\/]/)
    .map((seg) => (seg === '.' || seg === '..' ? seg : encodeURIComponent(seg).replace(/\(/g, '%28').replace(/\)/g, '%29')))
    .join('/')
    .replace(/\/+$/, '');
}

export async function markdownReport(
  outputs: AnalysisOutput[],
  opts: { title?: string; chartsDir: string; chartsLink?: string; evaluation?: Evaluation[]; baseDir?: string },
): Promise<string> {
  // links to the logs are relative to the report, which sits beside its charts folder
  const baseDir = opts.baseDir ?? path.dirname(path.resolve(opts.chartsDir));
  fs.mkdirSync(opts.chartsDir, { recursive: true });
  const prefix = linkPrefix(opts.chartsLink ?? opts.chartsDir);
  const used = new Set<string>();
  /** Renders a chart into chartsDir and returns its Markdown image. */
  const chart = async (title: string, stem: string, spec: Record<string, unknown>): Promise<string> => {
    let name = `${stem}.svg`;
    for (let k = 2; used.has(name); k++) name = `${stem}-${k}.svg`;
    used.add(name);
    fs.writeFileSync(path.join(opts.chartsDir, name), await renderSvg(spec));
    const href = prefix ? `${prefix}/${name}` : name;
    return `![${escapeMarkdown(title)}](${href})`;
  };

  const md: string[] = [`# ${escapeMarkdown(opts.title ?? 'Investigation report')}`, ''];
  md.push(
    ...table(
      ['Analysis', 'Table', 'Findings', 'Highest severity'],
      outputs.map((o) => [{ md: `${escapeMarkdown(o.title)} (${escapeMarkdown(o.analysis)})` }, o.table, o.findings.length, highest(o.findings) ?? '—']),
      ['l', 'l', 'r', 'l'],
    ),
    '',
  );

  for (const o of outputs) {
    // an analysis with nothing to show keeps its line in the summary and no empty section
    if (o.findings.length === 0 && o.tables.length === 0 && o.charts.length === 0) continue;
    md.push(`## ${escapeMarkdown(`${o.title} — ${o.table}`)}`, '');
    const files = [...new Set(o.findings.map((f) => f.evidence.file))];
    const sources = files.map((f) => {
      const link = fileLink(f, baseDir);
      return `[${escapeMarkdown(link.text)}](${link.href})`;
    });
    md.push(`Analysis ${escapeMarkdown(o.analysis)} on table ${escapeMarkdown(o.table)}${sources.length ? `, source ${sources.join(', ')}` : ''}.`, '');
    if (o.findings.length) {
      md.push(`### Findings (${o.findings.length})`, '');
      md.push(
        ...table(
          ['Severity', 'Score', 'Entity', 'Reason', 'Evidence'],
          o.findings.map((f) => [f.severity, num(f.score), `${f.entity.kind} ${f.entity.value}`, f.reason, evidenceText(f, baseDir)]),
          ['l', 'r', 'l', 'l', 'l'],
        ),
        '',
      );
    }
    for (const t of o.tables) {
      if (t.rows.length === 0) continue;
      md.push(`### ${escapeMarkdown(t.title)}`, '', ...table(t.columns, t.rows.slice(0, MAX_TABLE_ROWS)), '');
      if (t.rows.length > MAX_TABLE_ROWS) md.push(`… ${t.rows.length - MAX_TABLE_ROWS} more rows.`, '');
    }
    for (const [i, c] of o.charts.entries()) md.push(`### ${escapeMarkdown(c.title)}`, '', await chart(c.title, `${slug(o.analysis)}-${slug(o.table)}-${i + 1}`, c.spec), '');
  }

  for (const e of opts.evaluation ?? []) {
    md.push(`## ${escapeMarkdown(`Evaluation — ${e.analysis || 'findings'}`)}`, '');
    md.push(`At score ≥ ${num(e.threshold)}: ${e.tp} true positives, ${e.fp} false positives, ${e.fn} false negatives, ${e.tn} true negatives.`, '');
    md.push(...table(['Class', 'Precision', 'Recall', 'F1', 'Support'], e.reportRows.map(([k, p, r, f, s]) => [k, num(p), num(r), num(f), s]), ['l', 'r', 'r', 'r', 'r']), '');
    md.push(await chart(`Evaluation of ${e.analysis || 'findings'}`, `evaluation-${slug(e.analysis)}`, evaluationSpec(e)), '');
  }
  return md.join('\n');
}
