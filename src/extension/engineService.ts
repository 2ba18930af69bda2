import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IndexOptions, TableInfo } from '../engine/ingest/build';
import type { QueryResult, SqlValue } from '../engine/store/database';
import { EngineClient, type AnalyzeContext } from '../engine/engineClient';
import type { AnalysisRun } from '../engine/engineProtocol';
import type { AnalysisOutput } from '../engine/findings/model';
import { CancelledError, LogInvestigatorError, errorMessage } from '../engine/errors';
import type { ClickHouseOptions } from '../engine/store/clickhouse/http';
import type { FormatId } from '../engine/ingest/formats';
import type { Role } from '../engine/ingest/roles';
import { safeText } from '../shared/safeText';
import { indexNotice } from '../shared/indexNotice';
import { lnavDirsForIndex } from './lnavFormats';

/** What the user told us about a file (format, column names); kept per workspace. */
export interface FileChoice {
  format?: FormatId;
  columns?: string[];
}

const CHOICES_KEY = 'logInvestigator.fileChoices';

/** A ClickHouse connection the engine uses now. */
export interface ConnectionInfo {
  /** The first shard's HTTP URL (queries go there). */
  url: string;
  shards: string[];
  database: string;
  cluster?: string;
  user: string;
  /** In words, from the store: "ClickHouse http://…, database logs (2 shards, cluster li)". */
  where: string;
}

/**
 * Owns the engine worker for the window: indexing with progress and cancel,
 * queries, the list of tables, and events when it changes. The worker starts
 * on first use (lazy activation keeps the WASM database off until needed).
 */
export class EngineService implements vscode.Disposable {
  private client?: EngineClient;
  /** While connected to ClickHouse: its worker, which holds the store; the embedded worker keeps its tables meanwhile. */
  private remote?: { client: EngineClient; info: ConnectionInfo };
  private tablesCache: TableInfo[] = [];
  private readonly changed = new vscode.EventEmitter<TableInfo[]>();
  readonly onDidChangeTables = this.changed.event;
  private readonly backendChanged = new vscode.EventEmitter<ConnectionInfo | undefined>();
  /** The engine moved to ClickHouse (the connection) or back to the embedded database (undefined). */
  readonly onDidChangeBackend = this.backendChanged.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  private engine(): EngineClient {
    if (this.remote) return this.remote.client;
    if (!this.client) {
      this.client = new EngineClient(this.workerScript());
      this.log.info('engine worker started');
    }
    return this.client;
  }

  /** The ClickHouse connection in use, or undefined for the embedded database. */
  get connection(): ConnectionInfo | undefined {
    return this.remote?.info;
  }

  /**
   * Moves the engine to ClickHouse: a worker of its own connects (every shard must answer within
   * connectTimeoutMs) and holds the store; when it answers, it replaces the earlier connection and
   * the tables are those of the database. If it fails or does not answer in time, its worker is
   * ended and the error thrown; the engine stays where it was.
   */
  async connect(options: ClickHouseOptions & { database: string; shards: string[] }, how: { create: boolean; connectTimeoutMs: number; user: string }): Promise<ConnectionInfo> {
    const client = new EngineClient(this.workerScript(), { clickhouse: { options, create: how.create, connectTimeoutMs: how.connectTimeoutMs } });
    // every shard may take the connect timeout twice (ping, version), and the catalog a few queries more
    const limitMs = how.connectTimeoutMs * (2 * options.shards.length + 1) + 10_000;
    let timer: NodeJS.Timeout | undefined;
    let where: string;
    let tables: TableInfo[];
    try {
      const answer = await Promise.race([
        client.where(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new LogInvestigatorError('UNREADABLE', `ClickHouse at ${options.url} did not answer within ${Math.round(limitMs / 1000)} s`)), limitMs);
        }),
      ]);
      where = answer.where;
      tables = await client.tables();
    } catch (e) {
      await client.dispose();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const old = this.remote;
    const info: ConnectionInfo = { url: options.url, shards: options.shards, database: options.database, cluster: options.cluster, user: how.user, where };
    this.remote = { client, info };
    this.tablesCache = tables;
    this.log.info(`connected to ${where} as ${how.user}`);
    this.backendChanged.fire(info);
    await this.refresh(tables);
    await old?.client.dispose();
    return info;
  }

  /** Back to the embedded database (its tables are as they were before connecting). */
  async disconnect(): Promise<void> {
    const old = this.remote;
    if (!old) return;
    // the embedded tables, read first (an embedded worker not started yet has none)
    const tables = this.client ? await this.client.tables().catch((): TableInfo[] => []) : [];
    if (this.remote !== old) return;
    this.remote = undefined;
    this.tablesCache = tables;
    this.log.info(`disconnected from ${old.info.where}`);
    this.backendChanged.fire(undefined);
    await this.refresh(tables);
    await old.client.dispose();
  }

  private workerScript(): string {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'engineWorker.js').fsPath;
  }

  get tables(): TableInfo[] {
    return this.tablesCache;
  }

  tableForFile(file: string): TableInfo[] {
    return this.tablesCache.filter((t) => path.resolve(t.file) === path.resolve(file));
  }

  choiceFor(file: string): FileChoice | undefined {
    return this.context.workspaceState.get<Record<string, FileChoice>>(CHOICES_KEY, {})[path.resolve(file)];
  }

  async rememberChoice(file: string, choice: FileChoice): Promise<void> {
    const all = { ...this.context.workspaceState.get<Record<string, FileChoice>>(CHOICES_KEY, {}) };
    all[path.resolve(file)] = choice;
    await this.context.workspaceState.update(CHOICES_KEY, all);
  }

  /** Reads the tables again (or takes those given: read before the engine was switched, so that the connection and the tables change together). */
  private async refresh(tables?: TableInfo[]): Promise<void> {
    this.tablesCache = tables ?? (await this.engine().tables());
    this.changed.fire(this.tablesCache);
    await vscode.commands.executeCommand('setContext', 'logInvestigator.hasTables', this.tablesCache.length > 0);
    await vscode.commands.executeCommand('setContext', 'logInvestigator.connected', !!this.remote);
  }

  /**
   * Indexes files with a cancellable progress notification (rows, MB, %).
   * Files already indexed are replaced. Returns the new tables; failures are
   * reported to the user and logged, and do not stop the other files.
   */
  async index(files: string[], extra: IndexOptions = {}): Promise<TableInfo[]> {
    const settings = vscode.workspace.getConfiguration('logInvestigator');
    const out: TableInfo[] = [];
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Log Investigator', cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        for (const [k, file] of files.entries()) {
          if (ac.signal.aborted) break;
          // the embedded database replaces a file's tables; ClickHouse keeps them, and says so when the name is taken
          if (!this.remote) for (const old of this.tableForFile(file)) await this.engine().remove(old.table);
          const choice = this.choiceFor(file);
          const columns = choice?.columns ?? (settings.get<string[]>('columns') ?? []);
          const options: IndexOptions = {
            ...(choice?.format ? { format: choice.format } : {}),
            ...(columns.length ? { columns } : {}),
            indexes: settings.get<boolean>('createIndexes', true),
            formatDirs: lnavDirsForIndex(),
            ...extra,
          };
          const name = path.basename(file);
          let lastPct = 0;
          progress.report({ message: safeText(`${name} (${k + 1}/${files.length})`) });
          const started = Date.now();
          try {
            const [outcome] = await this.engine().index([file], options, {
              signal: ac.signal,
              onProgress: (p) => {
                const pct = Math.floor((100 * p.bytesRead) / Math.max(1, p.fileBytes));
                progress.report({
                  increment: (pct - lastPct) / files.length,
                  message: safeText(`${name}: ${p.rows.toLocaleString()} rows, ${(p.bytesRead / 1e6).toFixed(1)} of ${(p.fileBytes / 1e6).toFixed(1)} MB`),
                });
                lastPct = pct;
              },
            });
            if (outcome.error) {
              this.log.error(`${file}: ${outcome.error.message}`);
              void vscode.window.showErrorMessage(safeText(`Log Investigator could not index ${name}: ${outcome.error.message}`), 'Show Log').then((a) => a && this.log.show());
              continue;
            }
            for (const t of outcome.tables) {
              out.push(t);
              this.log.info(`${file}: ${t.format} → table ${t.table}, ${t.rows} rows, ${t.rejected} rejected, ${Date.now() - started} ms`);
              for (const w of t.warnings) this.log.warn(`${file}: ${w}`);
              const notice = indexNotice(name, t);
              if (notice) {
                void vscode.window.showWarningMessage(safeText(notice.text), ...notice.actions).then((a) => {
                  if (a === 'Show Rejected Lines') void vscode.commands.executeCommand('logInvestigator.showRejects', t.table);
                  if (a === 'Change Format…') void vscode.commands.executeCommand('logInvestigator.changeFormat', t.table);
                  if (a === 'Show Log') this.log.show();
                });
              }
            }
          } catch (e) {
            if (e instanceof CancelledError) {
              this.log.info(`indexing cancelled at ${file}`);
              break;
            }
            this.log.error(`${file}: ${errorMessage(e)}`);
            void vscode.window.showErrorMessage(safeText(`Log Investigator: ${errorMessage(e)}`));
          }
        }
      },
    );
    await this.refresh();
    return out;
  }

  async query(sql: string, params: SqlValue[] = [], maxRows?: number): Promise<QueryResult> {
    return this.engine().query(sql, params, { maxRows });
  }

  async remove(table: string): Promise<void> {
    await this.engine().remove(table);
    this.log.info(`removed table ${table}`);
    await this.refresh();
  }

  async setRole(table: string, column: string, role: Role | null): Promise<void> {
    await this.engine().setRole(table, column, role);
    this.log.info(`${table}.${column}: role ${role ?? 'none'}`);
    await this.refresh();
  }

  async analyze(analysis: string, params: Record<string, string> = {}, ctx: AnalyzeContext = {}): Promise<AnalysisRun> {
    return this.engine().analyze(analysis, params, undefined, ctx);
  }

  /** A Markdown report, rendered in the engine worker (Vega draws the charts there). */
  async report(outputs: AnalysisOutput[], title: string, chartsDir: string, chartsLink: string): Promise<string> {
    return this.engine().report(outputs, title, chartsDir, chartsLink);
  }

  async exportDatabase(): Promise<Uint8Array> {
    return this.engine().exportDatabase();
  }

  dispose(): void {
    void this.client?.dispose();
    void this.remote?.client.dispose();
    this.changed.dispose();
    this.backendChanged.dispose();
  }
}
