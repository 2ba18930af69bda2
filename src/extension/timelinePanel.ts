import * as vscode from 'vscode';
import type { TableInfo } from '../engine/build';
import { errorMessage } from '../engine/errors';
import { quoteIdent } from '../engine/names';
import type { WebviewToHost } from '../shared/protocol';
import { chooseBucket, timelineSpec } from '../shared/views';
import type { EngineService } from './engineService';
import { ResultsPanel } from './resultsPanel';
import { ProtocolPanel } from './webviewPanel';

/**
 * Events over time for a table, as a Vega-Lite chart; brushing a time range
 * shows that range's rows in the results table.
 */
export class TimelinePanel extends ProtocolPanel {
  private table?: TableInfo;

  static async show(context: vscode.ExtensionContext, service: EngineService, table: TableInfo): Promise<TimelinePanel> {
    const panel = new TimelinePanel(context, service);
    await panel.load(table);
    return panel;
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly service: EngineService,
  ) {
    super(context, 'logInvestigator.timeline', 'Timeline', 'timeline.js', 'graph');
  }

  private async load(table: TableInfo): Promise<void> {
    this.table = table;
    this.panel.title = `Timeline: ${table.table}`;
    try {
      const t = quoteIdent(table.table);
      const span = await this.service.query(`SELECT CAST(strftime('%s', min(_time)) AS INTEGER), CAST(strftime('%s', max(_time)) AS INTEGER) FROM ${t} WHERE _time IS NOT NULL`);
      const [lo, hi] = span.rows[0] as [number | null, number | null];
      if (lo === null || hi === null) throw new Error(`${table.table} has no time values to draw.`);
      const [secs, name] = chooseBucket(hi - lo);
      const r = await this.service.query(
        `SELECT (CAST(strftime('%s', _time) AS INTEGER) / ?) * ? AS b, count(*) FROM ${t} WHERE _time IS NOT NULL GROUP BY 1 ORDER BY 1`,
        [secs, secs],
      );
      const values = r.rows.map(([b, n]) => ({ t: new Date((b as number) * 1000).toISOString(), n: n as number }));
      await this.post({ type: 'timeline', title: `${table.table}: ${table.rows.toLocaleString()} events`, table: table.table, bucket: name, spec: timelineSpec(values, name) });
    } catch (e) {
      await this.post({ type: 'error', message: errorMessage(e) });
    }
  }

  protected async onMessage(m: WebviewToHost): Promise<void> {
    if (m.type === 'error') this.service.log.error(`timeline view: ${m.message}`);
    if (m.type !== 'brush' || !this.table || !m.from || !m.to) return;
    // the brushed range, as the normalized text of _time (UTC)
    const from = m.from.replace('T', ' ').replace(/Z$/, '');
    const to = m.to.replace('T', ' ').replace(/Z$/, '');
    await ResultsPanel.show(
      this.context,
      this.service,
      `${this.table.table} ${from} – ${to}`,
      `SELECT * FROM ${quoteIdent(this.table.table)} WHERE _time >= ? AND _time < ? ORDER BY _time`,
      [from, to],
    );
  }
}
