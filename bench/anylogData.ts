// In-process measures for bench/anylog.mjs (bundled with esbuild there): template mining and
// header inference speed, grouping accuracy on loghub's samples, and the share of lines whose time
// is read right on the system-log samples in test/fixtures/systems.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TemplateMiner } from '../src/engine/templates/drain';
import { groupingAccuracy, parseStructuredCsv } from '../src/engine/templates/accuracy';
import { learnHeader, LearnedParser } from '../src/engine/ingest/learned';
import type { RecordSink } from '../src/engine/ingest/formats';

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

function timed<T>(f: () => T): { value: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = f();
  return { value, wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: cpuMs(process.cpuUsage(c0)) };
}

export function mining(sharedData: string, lines: number) {
  const out: Record<string, unknown>[] = [];
  const dir = path.join(sharedData, 'syslog-ssh');
  const samples = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('_structured.csv')).sort() : [];
  for (const f of samples) {
    const name = f.replace(/_2k\.log_structured\.csv$|\.log_structured\.csv$/, '');
    const file = path.join(dir, f);
    const rows = parseStructuredCsv(fs.readFileSync(file, 'utf8'));
    const acc = (() => {
      const m = new TemplateMiner();
      const ids = rows.map((r) => m.add(r.content, r.lineId));
      return groupingAccuracy(rows.map((r) => r.eventId), ids.map((id) => (id === null ? null : m.resolve(id))));
    })();
    // speed: the 2,000 messages again and again, with their numbers changed so each pass is new text;
    // the messages are made before the clock starts, so only mining is timed
    const msgs = rows.map((r) => r.content);
    const input: string[] = [];
    for (let k = 0; input.length < lines; k++) for (const s of msgs) if (input.length < lines) input.push(k === 0 ? s : s.replace(/\d+/g, (d) => String(Number(d) + k)));
    const m = new TemplateMiner();
    const t = timed(() => {
      let line = 0;
      for (const s of input) m.add(s, ++line);
      return line;
    });
    out.push({ sample: name, accuracy: acc.accuracy, f1: acc.f1, templates: acc.predictedGroups, events: acc.trueGroups, lines: t.value, wallMs: t.wallMs, cpuMs: t.cpuMs });
  }
  return out;
}

export function inference(systemsDir: string, lines: number) {
  const out: Record<string, unknown>[] = [];
  for (const f of fs.readdirSync(systemsDir).filter((x) => x.endsWith('.log')).sort()) {
    const text = fs.readFileSync(path.join(systemsDir, f), 'utf8').split('\n');
    if (text[text.length - 1] === '') text.pop();
    const h = learnHeader(text);
    if (!h) {
      out.push({ system: f.replace('.log', ''), header: null });
      continue;
    }
    let records = 0;
    const sink: RecordSink = { record: () => void records++, reject: () => undefined };
    const t = timed(() => {
      const p = new LearnedParser(h);
      let n = 0;
      while (n < lines) for (const l of text) p.line(l, ++n, sink);
      p.end(sink);
      return n;
    });
    out.push({ system: f.replace('.log', ''), layout: h.layout.id, columns: new LearnedParser(h).columns().join(','), lines: t.value, records, wallMs: t.wallMs, cpuMs: t.cpuMs });
  }
  return out;
}
