/**
 * A table's timeline draws, and brushing it works: a drag across the chart lists the rows of the
 * time range dragged over, exactly those (the title names the range; SQL counts them).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { harness, api, table } from './helpers';
import { untilView as until, closeWebviews, expandGroupOf } from './viewHelpers';

describe('The timeline', function () {
  before(function () {
    if (!harness.available()) this.skip();
  });

  it("a drag across a table's timeline lists the rows of the range dragged over", async () => {
    const a = await api();
    const access = await table(a, 'access.log');
    await closeWebviews('Timeline');
    await vscode.commands.executeCommand('logInvestigator.showTimeline', access.table);
    const restore = await expandGroupOf('Timeline');
    try {
      const svg = await until({ titleContains: 'Timeline', selector: '.chart-view svg' }, (r) => r.count === 1 && r.boxes[0].width > 300 && r.svgMarks > 10, 'the timeline drawn');
      // from the middle of the chart to near its left edge (right to left, as a hand may drag): the first hour's events
      await harness.evalWebview({ titleContains: 'Timeline', selector: '.chart-view svg', action: 'drag', dx: -Math.round(svg.boxes[0].width / 2 - 8) });
      const tab = await new Promise<vscode.Tab>((resolve, reject) => {
        const deadline = Date.now() + 20000;
        const look = () => {
          const t = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((x) => x.label.startsWith(`${access.table} `) && x.label.includes(' – '));
          if (t) resolve(t);
          else if (Date.now() > deadline) reject(new Error(`no results of a brushed range: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((x) => x.label)).join(' | ')}`));
          else setTimeout(look, 200);
        };
        look();
      });
      const [from, to] = tab.label.slice(access.table.length + 1).split(' – ');
      assert.ok(from < to, `a range: ${from} – ${to}`);
      const n = Number((await a.service.query(`SELECT count(*) FROM "${access.table}" WHERE _time >= ? AND _time < ?`, [from, to])).rows[0][0]);
      const all = Number((await a.service.query(`SELECT count(*) FROM "${access.table}"`)).rows[0][0]);
      assert.ok(n > 0 && n < all, `${n} of the ${all} rows in the range`);
      await until({ titleContains: from, selector: 'span.info' }, (r) => (r.texts[0] ?? '').startsWith(`${n.toLocaleString()} row${n === 1 ? '' : 's'} `), `the ${n} rows of the range listed`);
    } finally {
      await restore();
    }
  });
});
