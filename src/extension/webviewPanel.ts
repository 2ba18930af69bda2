import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../shared/protocol';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { safeLabel } from '../shared/safeText';

/**
 * A webview panel speaking the shared protocol: messages to the webview wait
 * until it says `ready`; messages from it are typed and also published as an
 * event (integration tests listen to it).
 */
export abstract class ProtocolPanel implements vscode.Disposable {
  protected readonly panel: vscode.WebviewPanel;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly received = new vscode.EventEmitter<WebviewToHost>();
  readonly onDidReceiveMessage = this.received.event;
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  protected constructor(
    protected readonly context: vscode.ExtensionContext,
    viewType: string,
    title: string,
    script: string,
    icon: string,
  ) {
    this.panel = vscode.window.createWebviewPanel(viewType, safeLabel(title, 120), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(context.extensionUri));
    this.panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', `${icon}.svg`);
    this.ready = new Promise((r) => (this.markReady = r));
    this.panel.webview.html = webviewHtml(this.panel.webview, context.extensionUri, { script, title });
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: WebviewToHost) => {
        if (m.type === 'ready') this.markReady();
        this.received.fire(m);
        void this.onMessage(m);
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  protected abstract onMessage(m: WebviewToHost): Promise<void>;

  /** Posts once the webview is ready. */
  protected async post(m: HostToWebview): Promise<void> {
    await this.ready;
    await this.panel.webview.postMessage(m);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  get visible(): boolean {
    return !this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.received.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
