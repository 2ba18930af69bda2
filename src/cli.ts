/**
 * log-investigator: the engine from a terminal.
 *   log-investigator index FILE… [--format F] [--columns a,b,c] [--out db.sqlite]
 *   log-investigator query FILE… --sql "…" [--json|--csv]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { IndexOptions, TableInfo } from './engine/ingest/build';
import type { QueryResult, SqlValue } from './engine/store/database';
import { Engine, type IndexContext, type IndexOutcome } from './engine/engine';
import { EngineClient } from './engine/engineClient';
import { LogInvestigatorError, errorMessage } from './engine/errors';
import { FORMATS, FORMAT_TITLES, type FormatId } from './engine/ingest/formats';
import { lnavFormatDirs, lnavFormatsIn } from './engine/ingest/lnav';
import { ROLES, type Role } from './engine/ingest/roles';
import { formatCsv, formatTable, jsonText } from './engine/output';
import { runShell } from './shell';
import { ANALYSES } from './engine/analyses';
import { runAnalyses, selectAnalyses, type Analysis, type AnalysisOutput, type AnalysisRun } from './engine/findings/model';
import { findingsCsv, toSarif } from './engine/findings/export';
import { writeFileAtomic } from './engine/atomicFile';
import { markdownReport } from './engine/findings/report';
import { findingsOf, triage } from './engine/findings/triage/triage';
import { triageJson, triageText } from './engine/findings/triage/print';
import { SEVERITIES, type Severity } from './engine/findings/model';
import { RISK_BANDS } from './engine/findings/triage/risk';
import { SqlJsStore, type LogStore } from './engine/store/store';
import { ClickHouseStore } from './engine/store/clickhouse/store';
import { backendOptions } from './engine/store/clickhouse/connect';
import type { ClickHouseOptions } from './engine/store/clickhouse/http';

const USAGE = `Usage:
  log-investigator index FILE... [options] [--out db.sqlite]
      Index files and print each table (format, rows, rejected rows, columns with type and role) as JSON.
  log-investigator query FILE... --sql "SELECT ..." [--json | --csv] [options]
      Index files, run SQL over them (one table per file, joinable) and print the result.
  log-investigator analyze FILE... --analysis ID|all [--param k=v] [--json] [--sarif F] [--csv F]
      Index files and run analyses on every table whose columns play the roles they need.
  log-investigator analyze --list
      Each analysis with its id, title and the roles it needs.
  log-investigator suspects FILE... [analyze's options] [--json] [--limit N] [--min-severity S]
      Run the analyses (default all) and print the ranked suspects as the Findings view shows them:
      incidents first, then IPs, users, cohorts, resources, time windows, sessions, rows; each with its
      risk (0-100), severity, analyses, reasons and evidence lines. --limit N: the first N of each group
      (default 10; 0 for all). --json includes the incidents and the analyses skipped, with why.
  log-investigator shell FILE... [options]
      Index files and open an interactive SQL prompt over them.
  log-investigator formats
      List the formats that can be read.

Options:
  --format F         Read every file as format F instead of detecting it (see 'formats').
  --columns a,b,c    Column names for files without a header (e.g. date,time,page,user_id,cohort_id,ip).
  --header / --no-header   Whether the first line of a delimited file is a header.
  --delimiter D      Field delimiter of a delimited file (',' ';' '|' or 'tab').
  --year YYYY        Year of time stamps that carry none (syslog's, Android's; default: from the file's date).
  --formats DIR      Also read lnav format files (*.json) from DIR (repeatable); .log-investigator/formats
                     and ~/.lnav/formats/installed are always read.
  --role role=column Give a column a role (${ROLES.join(', ')}); repeatable; 'role=' removes it.
  --table NAME       Table name (only with one file).
  --out FILE         (index) Also save the database, catalog and rejects included, as a SQLite file.
  --max-rows N       (query) Print at most N rows (default: all).
  --analysis IDS     (analyze) An analysis id, several separated by commas, or 'all' (default).
  --param k=v        (analyze) A parameter of the analysis; repeatable.
  --sarif FILE       (analyze) Also write the findings as SARIF 2.1.0 (log lines as locations).
  --csv FILE         (analyze) Also write the findings as CSV.
  --report FILE.md   (analyze) Also write a Markdown report, its charts as SVG in FILE-charts/.
  --limit N          (suspects) The first N suspects of each group (default 10; 0: all).
  --min-severity S   (suspects) Leave out findings below S (info, low, medium, high, critical; default low).
  --store ADDRESS    (index, query, analyze, suspects) Keep the tables in ClickHouse instead of in memory:
                     clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE[?cluster=NAME] (one host per shard;
                     scripts/clickhouse/cluster.sh store prints the local cluster's). Files given are indexed
                     there; without files, the database's tables are used as they are (indexed ones and
                     others, roles guessed; --role overrides). Password: LI_CLICKHOUSE_PASSWORD.
  --backend B        (index, query, analyze, suspects) embedded (default: in memory) or clickhouse, with:
  --url URL            ClickHouse's HTTP interface, http://HOST:PORT (one HOST:PORT per shard, comma-separated,
                       in the cluster's order: http://h1:8123,h2:8123); user and password from LI_CLICKHOUSE_USER
                       and LI_CLICKHOUSE_PASSWORD. The same store as --store.
  --database DB        The database (default: default). index creates it; query, analyze and suspects need it.
  --cluster NAME       The remote_servers cluster of several shards (default: li).
  --stats            Print timings and peak memory as one JSON line on stderr.
  --worker           Index in a worker thread.
  -h, --help         This help.   -v, --version   The version.
`;

class UsageError extends Error {}

function optionsFrom(values: Record<string, unknown>, files: string[]): IndexOptions {
  const o: IndexOptions = {};
  if (typeof values.format === 'string') {
    if (!(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`unknown format '${values.format}'; one of: ${FORMATS.join(', ')}`);
    o.format = values.format as FormatId;
  }
  if (typeof values.columns === 'string') o.columns = values.columns.split(',').map((s) => s.trim());
  if (values.header) o.header = true;
  if (values['no-header']) o.header = false;
  if (typeof values.delimiter === 'string') {
    const d = values.delimiter === 'tab' || values.delimiter === '\\t' ? '\t' : values.delimiter;
    if (d.length !== 1) throw new UsageError(`--delimiter takes one character or 'tab', not '${values.delimiter}'`);
    o.delimiter = d;
  }
  if (typeof values.year === 'string') {
    if (!/^\d{4}$/.test(values.year)) throw new UsageError(`--year takes a four-digit year, not '${values.year}'`);
    o.year = Number(values.year);
  }
  // lnav format files: --formats folders, then .log-investigator/formats here and lnav's own folder
  o.formatDirs = [...((values.formats as string[] | undefined) ?? []).map((d) => path.resolve(d)), ...lnavFormatDirs(process.cwd())];
  if (typeof values.table === 'string') {
    if (files.length !== 1) throw new UsageError('--table names one table: give exactly one file');
    o.table = values.table;
  }
  const roles = values.role as string[] | undefined;
  if (roles?.length) {
    o.roles = {};
    for (const r of roles) {
      const [role, col] = r.split('=', 2);
      if (!(ROLES as readonly string[]).includes(role) || col === undefined) throw new UsageError(`--role takes role=column with a role among ${ROLES.join(', ')}, not '${r}'`);
      o.roles[role as Role] = col || null;
    }
  }
  return o;
}

function describe(t: TableInfo) {
  return {
    file: t.file,
    table: t.table,
    format: t.format,
    ...(t.formatName ? { formatName: t.formatName } : {}),
    encoding: t.encoding,
    gzip: t.gzip,
    rows: t.rows,
    rejected: t.rejected,
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, role: c.role })),
    ...(t.timeSource ? { timeFrom: t.timeSource } : {}),
    ...(t.templates ? { templates: t.templates } : {}),
    ...(t.warnings.length ? { warnings: t.warnings } : {}),
  };
}

function reportFailures(outcomes: IndexOutcome[]): number {
  let failed = 0;
  for (const o of outcomes) {
    if (o.error) {
      failed++;
      process.stderr.write(`log-investigator: ${o.error.message}\n`);
    }
    for (const t of o.tables) for (const w of t.warnings) process.stderr.write(`log-investigator: warning: ${w}\n`);
  }
  return failed;
}

/** What the command line needs of an engine: in process, or in a worker thread (EngineClient, --worker). */
interface CliEngine {
  index(files: string[], options: IndexOptions, ctx: IndexContext): Promise<IndexOutcome[]>;
  query(sql: string, params: SqlValue[], opts: { maxRows?: number }): Promise<QueryResult> | QueryResult;
  exportDatabase(): Promise<Uint8Array> | Uint8Array;
  dispose(): Promise<void>;
}

function inProcess(e: Engine): CliEngine {
  return {
    index: (files, options, ctx) => e.index(files, options, ctx),
    query: (sql, params, opts) => e.query(sql, params, opts),
    exportDatabase: () => e.db.exportDatabase(),
    dispose: () => e.dispose(),
  };
}

/** --analysis and --param, shared by analyze and suspects. */
function analysisSelection(values: Record<string, unknown>): { chosen: Analysis[]; params: Record<string, string> } {
  let chosen: Analysis[];
  try {
    chosen = selectAnalyses(typeof values.analysis === 'string' ? values.analysis : 'all', ANALYSES);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see: log-investigator analyze --list`);
  }
  const params: Record<string, string> = {};
  for (const p of (values.param as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new UsageError(`--param takes name=value, not '${p}'`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return { chosen, params };
}

/** What analyze and suspects read: the tables and the querier of a store. */
type AnalysisSource = Pick<LogStore, 'tables' | 'querier'>;

/**
 * runAnalyses for the command line. One analysis on one table that fails throws (its message is the error);
 * with --json that failure becomes the run's one skipped entry, so that stdout is still one JSON document.
 */
function runForCli(chosen: Analysis[], engine: AnalysisSource, params: Record<string, string>, json: boolean): AnalysisRun {
  try {
    return runAnalyses(chosen, engine.tables(), engine.querier(), params);
  } catch (e) {
    if (!json || !(e instanceof LogInvestigatorError)) throw e;
    const tables = engine.tables();
    const what = `${chosen.map((a) => a.id).join(', ')}${tables.length === 1 ? ` on ${tables[0].table}` : ''}`;
    return { outputs: [], skipped: [`${what} failed: ${e.message}`], failed: 1 };
  }
}

/** The rules that failed on a table (the rules analysis lists them in its table 'Rule errors'), for stderr. */
function ruleErrors(outputs: AnalysisOutput[]): string[] {
  return outputs.flatMap((o) => (o.tables.find((t) => t.title === 'Rule errors')?.rows ?? []).map((r) => String(r[3])));
}

async function analyze(engine: AnalysisSource, values: Record<string, unknown>): Promise<number> {
  const id = typeof values.analysis === 'string' ? values.analysis : 'all';
  const { chosen, params } = analysisSelection(values);
  const { outputs, skipped, failed = 0, ...rest } = runForCli(chosen, engine, params, !!values.json);
  if (values.stats) for (const o of outputs) process.stderr.write(`analysis ${o.analysis} on ${o.table}: ${o.ms} ms, ${o.findings.length} findings\n`);
  for (const r of ruleErrors(outputs)) process.stderr.write(`log-investigator: ${r}\n`);
  // a single analysis that ran nowhere is an error, unless every table only had too little data for it
  const ranNowhere = chosen.length === 1 && outputs.length === 0 && skipped.length > (rest.tooLittle ?? 0);
  if (ranNowhere) {
    // the hint only where a role or a parameter is missing, not where the analysis failed
    const hint = skipped.some((s) => !/ failed: |: too little data: /.test(s)) ? ' Give a column a role with --role ROLE=COLUMN, a parameter with --param NAME=VALUE.' : '';
    process.stderr.write(`log-investigator: ${id} could not run: ${skipped.join('; ')}${/[.!?]$/.test(skipped.at(-1) ?? '') ? '' : '.'}${hint}\n`);
    // --json always prints JSON, the reasons included
    if (values.json) process.stdout.write(jsonText({ outputs, skipped }, 2) + '\n');
    return 1;
  }
  const cwd = process.cwd();
  if (typeof values.sarif === 'string') writeFileAtomic(values.sarif, jsonText(toSarif(outputs, { baseDir: cwd, version: VERSION }), 2) + '\n');
  if (typeof values.csv === 'string') writeFileAtomic(values.csv, findingsCsv(outputs));
  if (typeof values.report === 'string') {
    const chartsDir = values.report.replace(/\.md$/i, '') + '-charts';
    const md = await markdownReport(outputs, { title: 'Log Investigator report', chartsDir, chartsLink: path.basename(chartsDir) });
    writeFileAtomic(values.report, md);
  }
  if (values.json) {
    // one JSON object: the outputs, and every analysis–table pair skipped with its reason
    process.stdout.write(jsonText({ outputs, skipped }, 2) + '\n');
    for (const s of skipped.filter((x) => / failed: /.test(x))) process.stderr.write(`log-investigator: ${s}\n`);
    return failed ? 1 : 0;
  }
  for (const o of outputs) {
    process.stdout.write(`\n${o.title} — ${o.table} (${o.analysis}): ${o.findings.length} finding${o.findings.length === 1 ? '' : 's'}\n`);
    for (const f of o.findings.slice(0, 25)) {
      const lines = f.evidence.lines.slice(0, 5).join(', ');
      process.stdout.write(`  ${f.severity.padEnd(8)} ${f.score.toFixed(1).padStart(6)}  ${f.reason}${lines ? `  [lines ${lines}${f.evidence.total > 5 ? ', …' : ''}]` : ''}\n`);
    }
    if (o.findings.length > 25) process.stdout.write(`  … ${o.findings.length - 25} more (--json for all)\n`);
  }
  if (skipped.length && (chosen.length > 1 || outputs.length === 0)) writeSkipped(skipped, chosen.length > 1);
  return failed ? 1 : 0;
}

/**
 * The analysis–table pairs that did not run, on stderr. One analysis: each with why, on one line (as before).
 * Several (`all`): the failures and the "too little data" each on a line of its own, since they say something
 * about the log; the pairs skipped because a table lacks a role or parameter are only counted (with `all` they
 * are most of them: the web log has no outcome column, the login log no resource), and --json lists them.
 */
function writeSkipped(skipped: string[], several: boolean): void {
  if (!several) {
    process.stderr.write(`log-investigator: skipped: ${skipped.join('; ')}\n`);
    return;
  }
  const telling = skipped.filter((x) => / failed: |: too little data: /.test(x));
  for (const x of telling) process.stderr.write(`log-investigator: ${/ failed: /.test(x) ? '' : 'skipped: '}${x}\n`);
  const rest = skipped.length - telling.length;
  if (rest) process.stderr.write(`log-investigator: ${rest} analysis–table pair${rest === 1 ? '' : 's'} skipped because the table lacks a column role or parameter the analysis needs (--json lists each with why; --role ROLE=COLUMN gives a column a role)\n`);
}

/** --limit and --min-severity of `suspects`, checked before anything is indexed. */
function suspectOptions(values: Record<string, unknown>): { limit: number; minRisk: number } {
  const limit = values.limit === undefined ? 10 : Number(values.limit);
  if (!(Number.isInteger(limit) && limit >= 0)) throw new UsageError(`--limit takes a whole number (0 for all), not '${String(values.limit)}'`);
  const min = typeof values['min-severity'] === 'string' ? values['min-severity'] : 'low';
  if (!(SEVERITIES as readonly string[]).includes(min)) throw new UsageError(`--min-severity takes one of ${SEVERITIES.join(', ')}, not '${min}'`);
  return { limit, minRisk: min === 'info' ? 0 : RISK_BANDS[min as Exclude<Severity, 'info'>] };
}

/** `suspects`: the analyses' findings ranked as the Findings view ranks them (src/engine/triage), as text or JSON. */
async function suspects(engine: AnalysisSource, values: Record<string, unknown>): Promise<number> {
  const { limit, minRisk } = suspectOptions(values);
  const { chosen, params } = analysisSelection(values);
  const a0 = performance.now();
  const { outputs, skipped, failed = 0, ...rest } = runForCli(chosen, engine, params, !!values.json);
  const t0 = performance.now();
  const t = triage(findingsOf(outputs), { perGroup: limit || undefined, minRisk });
  const t1 = performance.now();
  if (values.stats) {
    for (const o of outputs) process.stderr.write(`analysis ${o.analysis} on ${o.table}: ${o.ms} ms, ${o.findings.length} findings\n`);
    process.stderr.write(`analyses ${Math.round(t0 - a0)} ms, triage ${Math.round(t1 - t0)} ms, ${t.suspects.length} suspects, ${t.incidents.length} incidents\n`);
  }
  if (values.json) {
    process.stdout.write(jsonText(triageJson(t, skipped, limit), 2) + '\n');
    for (const s of skipped.filter((x) => / failed: /.test(x))) process.stderr.write(`log-investigator: ${s}\n`);
  } else {
    process.stdout.write(triageText(t, limit));
    if (skipped.length) writeSkipped(skipped, chosen.length > 1);
  }
  return failed ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      columns: { type: 'string' },
      header: { type: 'boolean' },
      'no-header': { type: 'boolean' },
      delimiter: { type: 'string' },
      year: { type: 'string' },
      formats: { type: 'string', multiple: true },
      role: { type: 'string', multiple: true },
      table: { type: 'string' },
      out: { type: 'string' },
      sql: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      'max-rows': { type: 'string' },
      stats: { type: 'boolean' },
      analysis: { type: 'string' },
      param: { type: 'string', multiple: true },
      sarif: { type: 'string' },
      report: { type: 'string' },
      list: { type: 'boolean' },
      limit: { type: 'string' },
      'min-severity': { type: 'string' },
      worker: { type: 'boolean' },
      store: { type: 'string' },
      backend: { type: 'string' },
      url: { type: 'string' },
      database: { type: 'string' },
      cluster: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...files] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'formats') {
    for (const f of FORMATS) process.stdout.write(`${f.padEnd(14)}${FORMAT_TITLES[f]}\n`);
    const dirs = [...((values.formats as string[] | undefined) ?? []).map((d) => path.resolve(d)), ...lnavFormatDirs(process.cwd())];
    const { formats, diagnostics } = lnavFormatsIn(dirs);
    if (formats.length || diagnostics.length) process.stdout.write(`\nlnav formats (${dirs.join(', ')}):\n`);
    for (const f of formats) process.stdout.write(`  ${f.name.padEnd(22)}${f.title} (${path.basename(f.file)})\n`);
    for (const d of diagnostics) process.stdout.write(`  ! ${path.basename(d.file)}${d.format ? ` ${d.format}` : ''}: ${d.message}\n`);
    return 0;
  }
  if (command === 'analyze' && values.list) {
    for (const a of ANALYSES) process.stdout.write(`${a.id.padEnd(28)}${a.title}  (needs: ${a.needs.join(', ')})\n`);
    return 0;
  }
  if (command !== 'index' && command !== 'query' && command !== 'shell' && command !== 'analyze' && command !== 'suspects') throw new UsageError(`unknown command '${command}'`);
  const remote = backendChoice(values);
  // with ClickHouse, only index needs files: without them the database's own tables are used
  if (files.length === 0 && (!remote || command === 'index')) throw new UsageError(`${command}: give at least one file`);
  if (command === 'query' && !values.sql) throw new UsageError('query: give the SQL with --sql "SELECT ..."');
  if (values.json && values.csv && command !== 'analyze' && command !== 'suspects') throw new UsageError('choose one of --json and --csv');
  const options = optionsFrom(values, files);
  if (command === 'suspects') suspectOptions(values);
  const maxRows = values['max-rows'] === undefined ? undefined : Number(values['max-rows']);
  if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows >= 0)) throw new UsageError('--max-rows takes a whole number');
  if (remote) return onStore(command, files, values, remote, options, maxRows);

  const t0 = performance.now();
  // the shell queries synchronously, so it keeps the engine in process
  const local = values.worker && command !== 'shell' && command !== 'analyze' && command !== 'suspects' ? null : await Engine.create();
  const engine: CliEngine = local ? inProcess(local) : new EngineClient();
  try {
    const showProgress = process.stderr.isTTY && !values.json && !values.csv;
    const outcomes = await engine.index(files, options, {
      onProgress: showProgress
        ? (p) => process.stderr.write(`\rindexing ${p.file}: ${Math.round((100 * p.bytesRead) / Math.max(1, p.fileBytes))}% ${p.rows.toLocaleString('en-US')} rows  `)
        : undefined,
    });
    if (showProgress) process.stderr.write('\r\u001b[K');
    const failed = reportFailures(outcomes);
    const t1 = performance.now();
    let queryMs = 0;
    if (command === 'shell') {
      await runShell(local!);
    } else if (command === 'analyze') {
      const code = await analyze(new SqlJsStore(local!), values);
      if (code) return code;
    } else if (command === 'suspects') {
      const code = await suspects(new SqlJsStore(local!), values);
      if (code) return code;
    } else if (command === 'index') {
      process.stdout.write(JSON.stringify(outcomes.flatMap((o) => o.tables).map(describe), null, 2) + '\n');
      if (values.out) writeFileAtomic(values.out, await engine.exportDatabase());
    } else {
      if (failed === outcomes.length) return 1;
      const q0 = performance.now();
      const res = await engine.query(values.sql!, [], { maxRows });
      queryMs = performance.now() - q0;
      printResult(res, values, maxRows);
    }
    if (values.stats) {
      const rows = outcomes.reduce((n, o) => n + o.tables.reduce((m, t) => m + t.rows, 0), 0);
      const bytes = outcomes.reduce((n, o) => n + (o.tables[0]?.bytes ?? 0), 0);
      process.stderr.write(
        JSON.stringify({ indexMs: Math.round(t1 - t0), queryMs: Math.round(queryMs), rows, bytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n',
      );
    }
    return failed ? 1 : 0;
  } finally {
    await engine.dispose();
  }
}

/** A query's result on stdout as JSON, CSV or a text table; a note on stderr when rows were left out. */
function printResult(res: QueryResult, values: Record<string, unknown>, maxRows: number | undefined): void {
  if (values.json) {
    const objs = res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i] instanceof Uint8Array ? Buffer.from(r[i] as Uint8Array).toString('base64') : r[i]])));
    process.stdout.write(jsonText(objs, 2) + '\n');
  } else if (values.csv) process.stdout.write(formatCsv(res.columns, res.rows));
  else process.stdout.write(formatTable(res.columns, res.rows));
  if (res.truncated) process.stderr.write(`log-investigator: showing the first ${maxRows} rows; more exist.\n`);
}

/**
 * Where the tables live when not in memory: `--store ADDRESS`, or `--backend clickhouse --url URL [--database DB]
 * [--cluster NAME]` (the same store, the address in two parts); undefined for the embedded store.
 */
function backendChoice(values: Record<string, unknown>): string | ClickHouseOptions | undefined {
  const backend = typeof values.backend === 'string' ? values.backend : undefined;
  if (backend !== undefined && backend !== 'embedded' && backend !== 'clickhouse') throw new UsageError(`--backend takes embedded or clickhouse, not '${backend}'`);
  const parts = (['url', 'database', 'cluster'] as const).filter((k) => typeof values[k] === 'string');
  if (typeof values.store === 'string') {
    if (backend || parts.length) throw new UsageError(`give either --store ADDRESS or --backend clickhouse --url URL, not both (--store with ${[backend && '--backend', ...parts.map((p) => `--${p}`)].filter(Boolean).join(', ')})`);
    return values.store;
  }
  if (backend !== 'clickhouse') {
    if (parts.length) throw new UsageError(`${parts.map((p) => `--${p}`).join(', ')} ${parts.length === 1 ? 'goes' : 'go'} with --backend clickhouse`);
    return undefined;
  }
  if (typeof values.url !== 'string') throw new UsageError('--backend clickhouse needs --url http://HOST:PORT (ClickHouse\'s HTTP interface; scripts/clickhouse/cluster.sh start prints the local one)');
  return backendOptions(
    { url: values.url, database: values.database as string | undefined, cluster: values.cluster as string | undefined },
    { username: process.env.LI_CLICKHOUSE_USER, password: process.env.LI_CLICKHOUSE_PASSWORD },
  );
}

/** index, query, analyze and suspects with the tables in ClickHouse (--store, --backend clickhouse); the options are checked by main. */
async function onStore(command: string, files: string[], values: Record<string, unknown>, address: string | ClickHouseOptions, options: IndexOptions, maxRows: number | undefined): Promise<number> {
  if (command === 'shell' || values.out || values.worker) throw new UsageError('ClickHouse (--store, --backend clickhouse) goes with index, query, analyze and suspects (not shell, --out or --worker)');
  const t0 = performance.now();
  // only index makes the database: the others read one that is there, and say so when it is not
  const store = await ClickHouseStore.connect(address, { create: command === 'index' });
  try {
    const outcomes = files.length ? await store.index(files, options) : [];
    const failed = reportFailures(outcomes);
    // roles for tables already there: --role role=column on each table that has the column
    if (!files.length) for (const [role, col] of Object.entries(options.roles ?? {})) for (const t of store.tables()) if (col && t.columns.some((c) => c.name === col)) store.setRole(t.table, col, role as Role);
    const t1 = performance.now();
    let queryMs = 0;
    if (command === 'index') process.stdout.write(JSON.stringify(outcomes.flatMap((o) => o.tables).map(describe), null, 2) + '\n');
    else if (command === 'analyze' || command === 'suspects') {
      const code = command === 'analyze' ? await analyze(store, values) : await suspects(store, values);
      if (code) return code;
    } else {
      const q0 = performance.now();
      const res = store.query(String(values.sql), [], { maxRows });
      queryMs = performance.now() - q0;
      printResult(res, values, maxRows);
    }
    if (values.stats) {
      const rows = outcomes.reduce((n, o) => n + o.tables.reduce((m, t) => m + t.rows, 0), 0);
      process.stderr.write(JSON.stringify({ store: store.where, indexMs: Math.round(t1 - t0), queryMs: Math.round(queryMs), rows, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
    }
    return failed ? 1 : 0;
  } finally {
    await store.close();
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

// `log-investigator … | head` closes the pipe early: stop quietly, as other command-line tools do
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`log-investigator: ${errorMessage(e)}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`log-investigator: ${e instanceof LogInvestigatorError ? e.message : errorMessage(e)}\n`);
      process.exitCode = 1;
    }
  },
);
