/**
 * The `_template` column and the `<table>_templates` table, mined while a
 * file is indexed (ingest/build.ts calls this once per record, in the one pass).
 */
import type { CellValue, ImageWriter, SchemaEntry } from '../store/sqliteImage';
import { TableBuilder } from '../store/sqliteImage';
import { quoteIdent } from '../store/names';
import { TemplateMiner } from './drain';

export const TEMPLATE_COLUMN = '_template';

/** Names of a column holding a free-text message. */
const MESSAGE_NAME_RE = /^(message|msg|content|log_?message|event_?message|text|description|log|body)$/i;

export interface TemplatesInfo {
  /** The table of templates: id, template, count, first_line, last_line. */
  table: string;
  /** The column templates were mined from. */
  source: string;
  count: number;
  /** Lines whose message got no template (empty, or past the template limit). */
  untemplated: number;
}

/** Names a headerless delimited file gets (col1…colN). */
const UNNAMED_RE = /^col\d+$/;

/**
 * The position of the free-text message column among the planned columns, or -1.
 * A column named as a message; in a file without a header (every column colN, as
 * HealthApp's `time|component|pid|message` lines are read) its last column when it
 * is text and at least half of its sampled values hold a space (free text, not a field).
 */
export function messageColumn(plan: readonly { name: string; sourceName: string; type: string }[], sample: readonly { values: readonly unknown[] }[] = []): number {
  const i = plan.findIndex((p) => p.type === 'text' && (MESSAGE_NAME_RE.test(p.name) || MESSAGE_NAME_RE.test(p.sourceName)));
  if (i >= 0 || plan.length < 2 || !plan.every((p) => UNNAMED_RE.test(p.sourceName))) return i;
  const last = plan.length - 1;
  if (plan[last].type !== 'text') return -1;
  const values = sample.map((r) => r.values[last]).filter((v): v is string => typeof v === 'string' && v !== '');
  const spaced = values.filter((v) => /\s/.test(v.trim())).length;
  return values.length > 0 && spaced * 2 >= values.length ? last : -1;
}

export class TemplateColumn {
  private readonly miner = new TemplateMiner();
  private untemplated = 0;

  /** `position`: the message's index in the parsed record. */
  constructor(readonly position: number, readonly source: string) {}

  /** The template id of one record's message (null when it has none). */
  value(message: CellValue, line: number): number | null {
    if (typeof message !== 'string' || message === '') {
      this.untemplated++;
      return null;
    }
    const id = this.miner.add(message, line);
    if (id === null) this.untemplated++;
    return id;
  }

  /** Ids written earlier that now stand for another template (an attribute became a variable). */
  remap(): [number, number][] {
    return this.miner.remap();
  }

  /** Writes `<table>_templates` into the image and returns its schema entry. */
  write(img: ImageWriter, table: string): { schema: SchemaEntry; info: TemplatesInfo } {
    const name = `${table}_templates`;
    const tb = new TableBuilder(img);
    const templates = this.miner.templates();
    for (const t of templates) tb.addRow(t.id, [null, t.template, t.count, t.firstLine, t.lastLine]);
    const rootPage = tb.finish();
    const sql = `CREATE TABLE ${quoteIdent(name)} ("id" INTEGER PRIMARY KEY, "template" TEXT, "count" INTEGER, "first_line" INTEGER, "last_line" INTEGER)`;
    return {
      schema: { type: 'table', name, tblName: name, rootPage, sql },
      info: { table: name, source: this.source, count: templates.length, untemplated: this.untemplated },
    };
  }
}

/** Rewrites `_template` ids that merged into another template after they were written (an UPDATE per 500 ids). */
export function applyTemplateRemap(db: { run(sql: string, params?: number[]): unknown }, schema: string, table: string, remap: [number, number][]): void {
  const col = quoteIdent(TEMPLATE_COLUMN);
  for (let k = 0; k < remap.length; k += 500) {
    const part = remap.slice(k, k + 500);
    const params: number[] = [];
    for (const [from, to] of part) params.push(from, to);
    for (const [from] of part) params.push(from);
    db.run(
      `UPDATE ${quoteIdent(schema)}.${quoteIdent(table)} SET ${col} = CASE ${col} ${part.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE ${col} IN (${part.map(() => '?').join(', ')})`,
      params,
    );
  }
}
