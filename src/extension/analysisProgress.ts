import * as vscode from 'vscode';
import type { AnalysisRun } from '../engine/engineProtocol';
import type { FindingsService } from './findingsService';

/**
 * Runs an analysis (or all) under a progress notification that names the analysis and table
 * running and has a Cancel button. A cancelled run keeps what finished (`cancelledNote` says how much).
 */
export async function runWithProgress(findings: FindingsService, id: string, params: Record<string, string>): Promise<AnalysisRun> {
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Log Investigator: running ${id}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let last = 0;
      return findings
        .run(id, params, {
          signal: abort.signal,
          onStep: (s) => {
            // increments add up to the share done; the message names what runs now
            const share = (s.done / Math.max(1, s.total)) * 100;
            progress.report({ message: `${s.analysis} on ${s.table} (${s.done + 1} of ${s.total})`, increment: share - last });
            last = share;
          },
        })
        .finally(() => sub.dispose());
    },
  );
  if (run.cancelled && run.outputs.length === 0) void vscode.window.showInformationMessage(`${id} was cancelled before any analysis finished.`);
  return run;
}

/** " — cancelled: 3 of 20 analyses ran" for a cancelled run, else "". */
export function cancelledNote(run: AnalysisRun): string {
  return run.cancelled ? ` — cancelled: ${run.cancelled.done} of ${run.cancelled.total} analyses ran` : '';
}
