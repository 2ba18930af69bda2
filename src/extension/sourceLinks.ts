import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { safeText } from '../shared/safeText';

/**
 * Opens a log at a 1-based line with that line selected and revealed.
 * Uses `vscode.open`, which works for files too large to be synchronized to
 * extensions (over 50 MB). A gzip file is shown through a decompressed copy
 * kept in the extension's storage, so its line numbers still apply.
 */
export async function openSourceLine(context: vscode.ExtensionContext, file: string, line: number): Promise<void> {
  if (!fs.existsSync(file)) {
    // a table in ClickHouse made there (clickhouse:db.table), or indexed from a file on another machine
    const why = /^clickhouse:/.test(file) ? 'the table was made in ClickHouse, not indexed from a file' : 'it was indexed elsewhere, or moved';
    void vscode.window.showWarningMessage(safeText(`Log Investigator: the source of these rows, ${file}, is not on this machine (${why}).`));
    return;
  }
  let target = vscode.Uri.file(file);
  if (/\.gz$/i.test(file)) target = await decompressedCopy(context, file);
  if (!(await withinLargeFileLimit(target.fsPath))) return;
  const l = Math.max(0, line - 1);
  // VS Code clamps the end to the line's length: the whole line is selected and the cursor stays on it
  const selection = new vscode.Range(l, 0, l, 1_000_000);
  await vscode.commands.executeCommand('vscode.open', target, { selection, preview: false } satisfies vscode.TextDocumentShowOptions);
}

/**
 * VS Code asks before it shows a file larger than workbench.editorLargeFileConfirmation
 * (50 MB in the browser), and would open a blank editor instead of the line. Offer to
 * raise the limit for this workspace first; false when the user declines.
 */
async function withinLargeFileLimit(file: string): Promise<boolean> {
  const setting = vscode.workspace.getConfiguration('workbench');
  const limitMb = setting.get<number>('editorLargeFileConfirmation');
  const sizeMb = fs.statSync(file).size / (1024 * 1024);
  if (!limitMb || sizeMb <= limitMb) return true;
  const raise = `Raise the limit to ${Math.ceil(sizeMb)} MB here`;
  const answer = await vscode.window.showWarningMessage(
    safeText(`${file.replace(/^.*[\\/]/, '')} is ${sizeMb.toFixed(0)} MB. VS Code shows files over ${limitMb} MB only after asking, and would not reveal the line.`),
    { modal: true, detail: 'The setting is workbench.editorLargeFileConfirmation; raising it here changes this workspace only.' },
    raise,
  );
  if (answer !== raise) return false;
  await setting.update('editorLargeFileConfirmation', Math.ceil(sizeMb) + 1, vscode.ConfigurationTarget.Workspace);
  return true;
}

async function decompressedCopy(context: vscode.ExtensionContext, file: string): Promise<vscode.Uri> {
  const st = fs.statSync(file);
  const key = crypto.createHash('sha1').update(`${file}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = vscode.Uri.joinPath(context.globalStorageUri, 'decompressed');
  await vscode.workspace.fs.createDirectory(dir);
  const base = file.replace(/^.*[\\/]/, '').replace(/\.gz$/i, '');
  const out = vscode.Uri.joinPath(dir, `${key}-${base}`);
  if (!fs.existsSync(out.fsPath)) {
    const tmp = out.fsPath + '.part';
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), fs.createWriteStream(tmp)).catch(() => undefined);
    fs.renameSync(tmp, out.fsPath);
  }
  return out;
}
