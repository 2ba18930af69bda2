import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ColumnInfo, TableInfo } from '../engine/ingest/build';
import type { EngineService } from './engineService';
import { safeLabel, safeText } from '../shared/safeText';

/** contextValue of tree items, used by `when` clauses in package.json. */
export const CONTEXT = { file: 'li.file', table: 'li.table', column: 'li.column' } as const;

export type FilesNode =
  | { kind: 'file'; file: string; tables: TableInfo[] }
  | { kind: 'table'; table: TableInfo }
  | { kind: 'column'; table: TableInfo; column: ColumnInfo };

/** Indexed Files: file → table → columns with type and role. */
/** One icon per column type, the same in every table: numbers, time, addresses, JSON, text. */
const TYPE_ICON: Record<string, string> = {
  integer: 'symbol-number',
  real: 'symbol-number',
  boolean: 'symbol-boolean',
  timestamp: 'calendar',
  date: 'calendar',
  time: 'watch',
  ip: 'globe',
  json: 'json',
  text: 'symbol-string',
};

export class FilesView implements vscode.TreeDataProvider<FilesNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FilesNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly service: EngineService) {
    this.sub = service.onDidChangeTables(() => this.emitter.fire(undefined));
  }

  getChildren(node?: FilesNode): FilesNode[] {
    if (!node) {
      // tables made from a file, under it; tables that were in a ClickHouse database already (clickhouse:db.table) on their own
      const byFile = new Map<string, TableInfo[]>();
      const own: FilesNode[] = [];
      for (const t of this.service.tables) {
        if (path.isAbsolute(t.file)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);
        else own.push({ kind: 'table', table: t });
      }
      return [...[...byFile.entries()].map(([file, tables]): FilesNode => ({ kind: 'file', file, tables })), ...own];
    }
    if (node.kind === 'file') return node.tables.map((table) => ({ kind: 'table', table }));
    if (node.kind === 'table') return node.table.columns.map((column) => ({ kind: 'column', table: node.table, column }));
    return [];
  }

  getTreeItem(node: FilesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'file': {
        const item = new vscode.TreeItem(safeLabel(path.basename(node.file)), vscode.TreeItemCollapsibleState.Expanded);
        item.resourceUri = vscode.Uri.file(node.file);
        const dir = path.dirname(vscode.workspace.asRelativePath(node.file));
        item.description = dir === '.' ? undefined : safeLabel(dir);
        item.contextValue = CONTEXT.file;
        // a ClickHouse table indexed on another machine names a file that is not here
        if (fs.existsSync(node.file)) {
          item.tooltip = safeText(node.file);
          item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.file)] };
        } else item.tooltip = safeText(`${node.file} (not on this machine)`);
        return item;
      }
      case 'table': {
        const t = node.table;
        const item = new vscode.TreeItem(safeLabel(t.table), vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('table');
        const tpl = t.templates ? ` · ${t.templates.count.toLocaleString()} templates` : '';
        item.description = `${t.format} · ${t.rows.toLocaleString()} rows${t.rejected ? ` · ${t.rejected.toLocaleString()} rejected` : ''}${tpl}`;
        const md = new vscode.MarkdownString();
        md.appendText(safeText(`${t.table} — ${t.rows.toLocaleString()} rows from ${t.file}`) + `\nformat ${t.format}, ${t.encoding}${t.gzip ? ', gzip' : ''}`);
        if (t.indexed.length) md.appendText('\n' + safeText(`indexed: ${t.indexed.join(', ')}`));
        if (t.templates) md.appendText(`\n${t.templates.count.toLocaleString()} message templates of ${t.templates.source} in table ${t.templates.table} (column _template)`);
        for (const w of t.warnings) md.appendText(`\n⚠ ${safeText(w)}`);
        item.tooltip = md;
        item.contextValue = CONTEXT.table;
        return item;
      }
      case 'column': {
        const c = node.column;
        const item = new vscode.TreeItem(safeLabel(c.name), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(TYPE_ICON[c.type] ?? 'symbol-field');
        item.description = c.role ? `${c.type} · ${c.role}` : c.type;
        item.tooltip = safeText(`${c.name}: ${c.type}${c.role ? `, role ${c.role}` : ''}${c.sourceName !== c.name ? ` (source name “${c.sourceName}”)` : ''}${c.mismatches ? `, ${c.mismatches} values kept as text` : ''}`);
        item.contextValue = CONTEXT.column;
        return item;
      }
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
