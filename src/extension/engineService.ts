import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IndexOptions, TableInfo } from '../engine/build';
import type { QueryResult, SqlValue } from '../engine/database';
import { EngineClient, type AnalyzeContext } from '../engine/engineClient';
import type { AnalysisRun } from '../engine/engineProtocol';
import type { AnalysisOutput } from '../engine/findings';
import { CancelledError, errorMessage } from '../engine/errors';
import type { FormatId } from '../engine/formats';
import type { Role } from '../engine/roles';
import { safeText } from '../shared/safeText';
import { indexNotice } from '../shared/indexNotice';
import { lnavDirsForIndex } from './lnavFormats';

/** What the user told us about a file (format, column names); kept per workspace. */
export interface FileChoice {
  format?: FormatId;
  columns?: string[];
}

const CHOICES_KEY = 'logInvestigator.fileChoices';

/**
 * Owns the engine worker for the window: indexing with progress and cancel,
 * queries, the list of tables, and events when it changes. The worker starts
 * on first use (lazy activation keeps the WASM database off until needed).
 */
export class EngineService implements vscode.Disposable {
  private client?: EngineClient;
  private tablesCache: TableInfo[] = [];
  private readonly changed = new vscode.EventEmitter<TableInfo[]>();
  readonly onDidChangeTables = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  private engine(): EngineClient {
    if (!this.client) {
      this.client = new EngineClient(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'engineWorker.js').fsPath);
      this.log.info('engine worker started');
    }
    return this.client;
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

  private async refresh(): Promise<void> {
    this.tablesCache = await this.engine().tables();
    await vscode.commands.executeCommand('setContext', 'logInvestigator.hasTables', this.tablesCache.length > 0);
    this.changed.fire(this.tablesCache);
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
          for (const old of this.tableForFile(file)) await this.engine().remove(old.table);
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
    this.changed.dispose();
  }
}
