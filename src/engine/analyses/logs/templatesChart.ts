/** A chart of message templates over time: the busiest templates' lines per bucket, stacked, the rest as "other". */
import { VL } from '../course/courseData';
import { bucketWindow, templateLabel, type TemplateSeries } from './templatesData';

/** Templates drawn by name; the others are summed as "other". */
const SHOWN = 8;
/** Points along the time axis at most: longer series are summed into wider buckets. */
const MAX_POINTS = 1500;

export function templatesChart(s: TemplateSeries, flagged: Set<number>): { title: string; spec: Record<string, unknown> } {
  const busiest = s.templates.filter((t) => s.counts.has(t.id)).sort((a, b) => Number(flagged.has(b.id)) - Number(flagged.has(a.id)) || b.count - a.count).slice(0, SHOWN);
  const step = Math.max(1, Math.ceil(s.buckets / MAX_POINTS));
  const points = Math.ceil(s.buckets / step);
  const values: { t: string; template: string; n: number }[] = [];
  const add = (label: string, series: (i: number) => number) => {
    for (let p = 0; p < points; p++) {
      let n = 0;
      for (let i = p * step; i < Math.min(s.buckets, (p + 1) * step); i++) n += series(i);
      values.push({ t: bucketWindow(s, p * step).start, template: label, n });
    }
  };
  const shown = new Set(busiest.map((t) => t.id));
  const label = (t: (typeof busiest)[number]) => `#${t.id}${flagged.has(t.id) ? ' (jump)' : ''} ${templateLabel(t.template).slice(0, 60)}`;
  for (const t of busiest) {
    const c = s.counts.get(t.id)!;
    add(label(t), (i) => c[i]);
  }
  const other = new Float64Array(s.buckets);
  for (const [id, c] of s.counts) if (!shown.has(id)) for (let i = 0; i < s.buckets; i++) other[i] += c[i];
  if (s.counts.size > shown.size) add('other templates', (i) => other[i]);
  const per = step === 1 ? s.size : `${step} ${s.size}s`;
  return {
    title: `Templates over time (lines per ${per}; the ${busiest.length} busiest or jumping, the rest as other)`,
    spec: {
      $schema: VL,
      data: { values },
      width: 640,
      height: 260,
      mark: { type: 'area', interpolate: 'step-after' },
      encoding: {
        x: { field: 't', type: 'temporal', title: null },
        y: { field: 'n', type: 'quantitative', stack: 'zero', title: `lines per ${per}` },
        color: { field: 'template', type: 'nominal', title: 'template', legend: { orient: 'bottom', columns: 1, labelLimit: 600 } },
        tooltip: [{ field: 't', type: 'temporal', timeUnit: s.size === 'minute' ? 'yearmonthdatehoursminutes' : 'yearmonthdatehours' }, { field: 'template' }, { field: 'n' }],
      },
    },
  };
}
