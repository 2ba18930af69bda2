/**
 * Where the data lives, in VS Code (#17 item 5): the embedded sql.js database (default) or a
 * ClickHouse server or cluster. Settings say which (`logInvestigator.backend`,
 * `logInvestigator.clickhouse.url`, `.database`, `.cluster`, `.timeoutSeconds`); the user name and
 * password are kept in VS Code's SecretStorage per URL, never in a settings file. "Connect to
 * ClickHouse…" asks for the URL, database, user and password, checks them (each shard within 10 s)
 * and offers to create a database that is not there; "Disconnect" goes back to the embedded
 * database, whose tables stayed in memory. The engine runs the store in its worker thread, so an
 * unreachable server never blocks the extension host: a connection that does not come within the
 * timeout is given up and its worker ended.
 */
import * as vscode from 'vscode';
import { LogInvestigatorError, errorMessage } from '../engine/errors';
import { backendOptions } from '../engine/store/clickhouse/connect';
import { safeLabel, safeText } from '../shared/safeText';
import type { ConnectionInfo, EngineService } from './engineService';

/** What is kept in SecretStorage for one URL. */
interface Credentials {
  user: string;
  password: string;
}

const SECTION = 'logInvestigator';
const CONNECT_TIMEOUT_MS = 10_000;
const secretKey = (url: string) => `logInvestigator.clickhouse:${url.trim().toLowerCase()}`;

/** host:port/db of a connection, for the status bar (the names are checked, but still shown through safeText). */
export function shortWhere(c: ConnectionInfo): string {
  return safeLabel(`${c.url.replace(/^https?:\/\//, '')}/${c.database}`, 80);
}

export class ClickHouseConnection implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  /** While this class writes the settings, their change events are its own (half written: not a request). */
  private writing = false;
  private readonly connectingChanged = new vscode.EventEmitter<string | undefined>();
  /** Fires with the URL a connection is being made to, and undefined when that ends. */
  readonly onDidChangeConnecting = this.connectingChanged.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly service: EngineService,
  ) {
    this.subs.push(
      this.connectingChanged,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!this.writing && ['backend', 'clickhouse.url', 'clickhouse.database', 'clickhouse.cluster'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) void this.applySettings();
      }),
    );
  }

  /** The user and password stored for a URL (SecretStorage). */
  async credentials(url: string): Promise<Credentials | undefined> {
    const s = await this.context.secrets.get(secretKey(url));
    if (!s) return undefined;
    try {
      const c = JSON.parse(s) as Credentials;
      return { user: String(c.user ?? 'default'), password: String(c.password ?? '') };
    } catch {
      return undefined;
    }
  }

  /**
   * Follows the settings: connects when they say clickhouse (with the stored credentials), goes back to
   * embedded when they do not. A connection to what they name already is kept, unless `again`
   * (the settings this class writes after a connect or a disconnect come back here as a change).
   */
  async applySettings(again = false): Promise<void> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    if (cfg.get<string>('backend', 'embedded') !== 'clickhouse') {
      if (this.service.connection) await this.service.disconnect();
      return;
    }
    const url = cfg.get<string>('clickhouse.url', '').trim();
    if (!again && this.service.connection && this.names(this.service.connection, url, cfg.get<string>('clickhouse.database', 'default'))) return;
    if (!url) {
      void vscode.window.showWarningMessage('Log Investigator: logInvestigator.backend is clickhouse but logInvestigator.clickhouse.url is empty; the data stays in memory.', 'Connect to ClickHouse…').then((a) => a && vscode.commands.executeCommand('logInvestigator.connectClickHouse'));
      return;
    }
    const creds = (await this.credentials(url)) ?? { user: 'default', password: '' };
    try {
      await this.open(url, cfg.get<string>('clickhouse.database', 'default'), creds, false);
    } catch (e) {
      this.service.log.error(`ClickHouse: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(safeText(`Log Investigator: ${errorMessage(e)}. The data stays in memory.`), 'Connect to ClickHouse…').then((a) => a && vscode.commands.executeCommand('logInvestigator.connectClickHouse'));
    }
  }

  /**
   * Connects the engine to ClickHouse (replacing any earlier connection once the new one answers).
   * Throws with the reason: the URL, the server, the password or a missing database (NOT_FOUND).
   */
  async open(url: string, database: string, creds: Credentials, create: boolean): Promise<ConnectionInfo | undefined> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const options = backendOptions({ url, database, cluster: cfg.get<string>('clickhouse.cluster', '') || undefined }, { username: creds.user, password: creds.password });
    options.timeoutMs = Math.max(5, cfg.get<number>('clickhouse.timeoutSeconds', 300)) * 1000;
    this.connectingChanged.fire(options.url);
    try {
      return await this.service.connect(options, { create, connectTimeoutMs: CONNECT_TIMEOUT_MS, user: creds.user });
    } finally {
      this.connectingChanged.fire(undefined);
    }
  }

  /** Whether a connection is to the shards and database that the settings name. */
  private names(c: ConnectionInfo, url: string, database: string): boolean {
    try {
      const o = backendOptions({ url, database });
      return o.database === c.database && o.shards.join(',') === c.shards.join(',');
    } catch {
      return false;
    }
  }

  /** "Connect to ClickHouse…": asks, connects, then keeps the credentials in SecretStorage and the address in the settings. */
  async connectCommand(): Promise<ConnectionInfo | undefined> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const url = await vscode.window.showInputBox({
      title: 'Connect to ClickHouse (1/4): URL',
      prompt: 'ClickHouse’s HTTP interface; a cluster: every shard, in its order (http://h1:8123,h2:8123)',
      value: cfg.get<string>('clickhouse.url', '') || 'http://127.0.0.1:8123',
      ignoreFocusOut: true,
      validateInput: (v) => check(() => backendOptions({ url: v })),
    });
    if (url === undefined) return undefined;
    const database = await vscode.window.showInputBox({
      title: 'Connect to ClickHouse (2/4): database',
      value: cfg.get<string>('clickhouse.database', '') || 'default',
      ignoreFocusOut: true,
      validateInput: (v) => check(() => backendOptions({ url, database: v })),
    });
    if (database === undefined) return undefined;
    const stored = await this.credentials(url);
    const user = await vscode.window.showInputBox({ title: 'Connect to ClickHouse (3/4): user', value: stored?.user ?? 'default', ignoreFocusOut: true });
    if (user === undefined) return undefined;
    const password = await vscode.window.showInputBox({
      title: 'Connect to ClickHouse (4/4): password',
      prompt: 'Kept in VS Code’s secret storage, never in a settings file. Empty for none.',
      password: true,
      value: stored && stored.user === user ? stored.password : '',
      ignoreFocusOut: true,
    });
    if (password === undefined) return undefined;
    const creds = { user: user.trim() || 'default', password };
    let info: ConnectionInfo | undefined;
    try {
      info = await this.open(url, database, creds, false);
    } catch (e) {
      if (!(e instanceof LogInvestigatorError && e.code === 'NOT_FOUND')) throw e;
      const create = await vscode.window.showWarningMessage(safeText(errorMessage(e)), { modal: true, detail: 'Create it and connect? Files indexed while connected go into it.' }, 'Create Database');
      if (create !== 'Create Database') return undefined;
      info = await this.open(url, database, creds, true);
    }
    if (!info) return undefined;
    await this.context.secrets.store(secretKey(url), JSON.stringify(creds));
    await this.writeSettings({ backend: 'clickhouse', 'clickhouse.url': url.trim(), 'clickhouse.database': info.database });
    void vscode.window.showInformationMessage(safeText(`Log Investigator: connected to ${info.where}; ${this.service.tables.length} table${this.service.tables.length === 1 ? '' : 's'} there.`));
    return info;
  }

  /** "Disconnect": back to the embedded database; the settings say embedded again (the URL and the stored password stay for the next connect). */
  async disconnectCommand(): Promise<void> {
    const was = this.service.connection;
    await this.service.disconnect();
    await this.writeSettings({ backend: 'embedded' });
    if (was) void vscode.window.showInformationMessage(safeText(`Log Investigator: disconnected from ${was.where}; the data is in memory again.`));
  }

  /** The status bar's command: where the data lives, and the ways to change it. */
  async chooseCommand(): Promise<void> {
    const c = this.service.connection;
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [
      { label: '$(database) Embedded (in memory)', description: c ? '' : 'now', detail: 'sql.js in this window; Disconnect keeps its tables', run: () => c && this.disconnectCommand() },
      { label: '$(server) Connect to ClickHouse…', description: c ? `now: ${shortWhere(c)}` : '', detail: 'a server or a cluster of shards; the password goes to VS Code’s secret storage', run: () => vscode.commands.executeCommand('logInvestigator.connectClickHouse') },
      ...(c ? [{ label: '$(debug-disconnect) Disconnect from ClickHouse', description: shortWhere(c), run: () => vscode.commands.executeCommand('logInvestigator.disconnectClickHouse') }] : []),
      { label: '$(list-tree) Show the Tables', run: () => vscode.commands.executeCommand('logInvestigator.files.focus') },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: safeLabel(`Log Investigator: the data lives ${c ? `in ClickHouse, ${c.where}` : 'in memory'}`) });
    await pick?.run();
  }

  private async writeSettings(values: Record<string, string>): Promise<void> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    this.writing = true;
    try {
      for (const [k, v] of Object.entries(values)) if (cfg.get(k) !== v) await cfg.update(k, v, target);
    } finally {
      this.writing = false;
    }
    // written whole: a change event that comes after this finds the connection matching and keeps it
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

/** An input box's validation message from a check that throws, or undefined when it passes. */
function check(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return safeText(errorMessage(e));
  }
}
