import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { evaluateEntities } from '../../src/engine/findings/evaluate';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { escapeMarkdown, markdownReport, renderSvg } from '../../src/engine/findings/report';
import { indexed, tmpDir } from '../helpers';

const BAR = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  data: { values: [{ k: 'a', n: 3 }, { k: '<b>', n: 7 }] },
  mark: 'bar',
  encoding: { y: { field: 'k', type: 'nominal' }, x: { field: 'n', type: 'quantitative' } },
};

/** 20 ordinary IPs with 3–6 requests each, one with 200. */
function plantedLog(): string {
  const lines = ['time,client_ip,user,status,path'];
  for (let ip = 1; ip <= 20; ip++) for (let k = 0; k < 3 + (ip % 4); k++) lines.push(`2024-03-01 08:${String(ip).padStart(2, '0')}:0${k},10.0.0.${ip},u${ip},200,/p${k}`);
  for (let k = 0; k < 200; k++) lines.push(`2024-03-01 12:${String(k % 60).padStart(2, '0')}:00,10.9.9.9,crawler,200,/p${k % 7}`);
  const p = path.join(tmpDir(), 'planted.csv');
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

async function plantedOutput(): Promise<AnalysisOutput> {
  const { engine } = await indexed([plantedLog()]);
  const out = runAnalysis(analysisById('volume-outliers-ip')!, engine.tables()[0], (sql, p = []) => engine.query(sql, p));
  await engine.dispose();
  return out;
}

describe('investigation report', () => {
  it('renders a Vega-Lite bar chart to SVG in Node', async () => {
    const svg = await renderSvg(BAR);
    assert.ok(svg.startsWith('<svg'), svg.slice(0, 80));
    assert.match(svg, /class="mark-rect role-mark marks"/);
    assert.ok(svg.includes('&lt;b&gt;') && !svg.includes('<b>'), 'labels are escaped in the SVG');
    // a webview spec's 'container' width gets a fixed one
    assert.match(await renderSvg({ ...BAR, width: 'container' }), /^<svg[^>]* width="\d{3}"/);
  });

  it('renders offline: a spec that names a URL fails instead of fetching', async () => {
    await assert.rejects(renderSvg({ ...BAR, data: { url: 'https://example.invalid/data.json' } }), /offline/);
  });

  it('writes the charts as SVG files and links them from the Markdown', async () => {
    const out = await plantedOutput();
    assert.equal(out.findings[0].entity.value, '10.9.9.9');
    const dir = tmpDir();
    const chartsDir = path.join(dir, 'charts');
    const evaluation = evaluateEntities(out.findings, Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`).concat('10.9.9.9'), new Set(['10.9.9.9']));
    const md = await markdownReport([out], { title: 'Planted', chartsDir, chartsLink: 'charts', evaluation: [evaluation] });
    const svgs = fs.readdirSync(chartsDir).sort();
    assert.deepEqual(svgs, ['evaluation-volume-outliers-ip.svg', 'volume-outliers-ip-planted-1.svg']);
    for (const f of svgs) assert.ok(fs.readFileSync(path.join(chartsDir, f), 'utf8').startsWith('<svg'));
    assert.match(md, /^# Planted\n/);
    assert.ok(md.includes(`| ${escapeMarkdown(out.title)} (volume-outliers-ip) | planted | 1 | ${out.findings[0].severity} |`), 'summary row');
    assert.ok(md.includes(escapeMarkdown(out.findings[0].reason)), 'the finding’s reason');
    // evidence lines link to the log by a relative path and line; no absolute path of this machine
    const link = /\[planted\.csv:(\d+)\]\(([^)#]*planted\.csv)#L\1\)/g;
    const links = [...md.matchAll(link)];
    // the finding's representative rows (two: it is critical), then the count of all
    assert.equal(links.length, 2, md);
    const file = out.findings[0].evidence.file;
    assert.equal(path.resolve(dir, decodeURIComponent(links[0][2])), file, 'the link resolves to the log from the report folder');
    assert.match(md, /planted\.csv#L\d+\) \(200 rows\)/);
    assert.ok(!md.includes(path.dirname(file)), 'no absolute path');
    assert.match(md, /!\[Events per IP\]\(charts\/volume-outliers-ip-planted-1\.svg\)/);
    assert.match(md, /!\[Evaluation of volume-outliers-ip\]\(charts\/evaluation-volume-outliers-ip\.svg\)/);
    assert.match(md, /\| malicious \| 1 \| 1 \| 1 \| 1 \|/);
    // the result table is cut at 20 rows
    const tableRows = md.split('\n').filter((l) => /^\| 10\.0\.0\.\d+ \| \d+ \|/.test(l));
    assert.equal(tableRows.length, Math.min(20, out.tables[0].rows.length) - 1);
  });

  it('leaves out the sections of analyses that found and showed nothing', async () => {
    const out = await plantedOutput();
    const empty = { ...out, analysis: 'spikes', title: 'Spikes', findings: [], tables: [], charts: [] };
    const md = await markdownReport([out, empty], { chartsDir: path.join(tmpDir(), 'c') });
    assert.ok(md.includes('| Spikes \\(spikes\\) | planted | 0 | — |') || md.includes('| Spikes (spikes) | planted | 0 | — |'), 'listed in the summary');
    assert.ok(!md.includes('## Spikes'), 'no section of its own');
    assert.ok(!md.includes('No findings.'));
  });

  it('log-derived text cannot inject HTML or links', async () => {
    const out = await plantedOutput();
    const evil = 'x <script>alert(1)</script> [x](javascript:alert(1)) a|b\nline2';
    out.findings[0].reason = evil;
    out.findings[0].entity.value = '[y](javascript:alert(2))';
    out.tables[0].rows.unshift([evil, 1, 0]);
    out.charts = [];
    const md = await markdownReport([out], { chartsDir: path.join(tmpDir(), 'c') });
    assert.ok(!md.includes('<script>') && !md.includes('](javascript'), md);
    // in a table cell a line break becomes <br>, elsewhere a space
    assert.ok(md.includes('| x &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[x\\]\\(javascript:alert\\(1\\)\\) a\\|b<br>line2 |'), 'reason escaped');
    assert.equal(escapeMarkdown('a\r\nb\nc'), 'a b c');
    assert.ok(md.includes('\\[y\\]\\(javascript:alert\\(2\\)\\)'));
    // escaped pipes do not split cells: the findings row keeps 5 cells, the result row 3
    const cells = (l: string | undefined) => (l ?? '').split(/(?<!\\)\|/).length - 2;
    const lines = md.split('\n');
    assert.equal(cells(lines.find((l) => l.includes('\\[y\\]'))), 5);
    assert.equal(cells(lines.find((l) => l.startsWith('| x &lt;script'))), 3);
  });
});
