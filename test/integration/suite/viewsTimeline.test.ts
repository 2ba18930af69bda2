/**
 * A table's timeline draws, and brushing it works: a drag across the chart lists the rows of the
 * time range dragged over, exactly those (the title names the range; SQL counts them). A bar's
 * tooltip reads at 4.5:1 or better in Light+, Dark+ and High Contrast (the mouse on the bar, the
 * tooltip element's computed colours).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { harness, api, table } from './helpers';
import { untilView as until, closeWebviews, expandGroupOf, contrast } from './viewHelpers';

const THEMES: [string, string][] = [['Default Light+', 'light'], ['Default Dark+', 'dark'], ['Default High Contrast', 'high-contrast']];

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

  it("a bar's tooltip reads at 4.5:1 or better in Light+, Dark+ and High Contrast, its keys and its values", async function () {
    this.timeout(180000);
    const a = await api();
    const access = await table(a, 'access.log');
    try {
      for (const [theme, name] of THEMES) {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await closeWebviews('Timeline');
        await vscode.commands.executeCommand('logInvestigator.showTimeline', access.table);
        const restore = await expandGroupOf('Timeline');
        try {
          const q = (selector: string) => ({ titleContains: 'Timeline', selector });
          const bars = await until(q('.chart-view svg .mark-rect path'), (r) => r.boxes.some((b) => b.width > 0 && b.height > 0), 'the bars drawn'); // (the brush's path is empty)
          // the tallest bar: the mouse lands on it, not beside it
          const tallest = bars.boxes.reduce((k, b, i) => (b.height > bars.boxes[k].height ? i : k), 0);
          await harness.evalWebview({ ...q('.chart-view svg .mark-rect path'), action: 'hover', index: tallest });
          const props = ['color', 'background-color', 'visibility'];
          const tip = await until({ ...q('#vg-tooltip-element.visible'), styles: props }, (r) => r.count === 1 && (r.texts[0] ?? '').trim() !== '' && r.styles[0].visibility === 'visible', `${theme}: the tooltip shows`, 10000);
          const bg = tip.styles[0]['background-color'];
          const cells = await harness.evalWebview({ ...q('#vg-tooltip-element.visible td'), styles: ['color'] });
          assert.ok(cells.count >= 2, `${theme}: a key and a value (${cells.texts.join(' | ')})`);
          for (const [k, c] of cells.styles.entries()) {
            const ratio = contrast(c.color, bg);
            assert.ok(ratio >= 4.5, `${theme}: "${cells.texts[k]}" in ${c.color} on ${bg} reads at ${ratio.toFixed(2)}:1`);
          }
          await harness.screenshot(`view-tooltip-${name}`);
        } finally {
          await restore();
        }
      }
    } finally {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
      await closeWebviews('Timeline');
    }
  });
});
