/** The webview panels' side of the protocol (the notebook renderer has no `acquireVsCodeApi`: its grid answers itself). */
import type { HostToWebview, WebviewToHost } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

/** Listens to the host, reports errors back, then says `ready`. */
export function start(onMessage: (m: HostToWebview) => void | Promise<void>): void {
  window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
    Promise.resolve()
      .then(() => onMessage(event.data))
      .catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
  });
  window.addEventListener('error', (e) => post({ type: 'error', message: e.message }));
  post({ type: 'ready' });
}

export { el } from './dom';
