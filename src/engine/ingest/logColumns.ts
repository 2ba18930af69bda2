/**
 * Names for the columns of a delimited log without a header (HealthApp's
 * `20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579`): when a
 * column holds a whole time stamp in (nearly) every record, the file is a log
 * and its columns are named as a learned header names its fields — `time`,
 * `level`, `pid` / `tid`, `host`, `component`, and the last column `message`
 * when it is free text. Columns that fit none keep `colN`.
 */
import { hostLike, kindOf } from './learnedFields';
import { stampAt } from './timestamps';

const MOST = 0.9;

const isStamp = (v: string): boolean => {
  const t = v.trim();
  return t !== '' && stampAt(t, 0)?.end === t.length;
};

/** Column names from the first records, or null when no column is a time stamp (then the file is no log and keeps colN). */
export function logColumnNames(records: readonly string[][]): string[] | null {
  const recs = records.filter((r) => r.length > 1);
  if (recs.length === 0) return null;
  const width = Math.max(...recs.map((r) => r.length));
  const column = (i: number) => recs.map((r) => r[i]).filter((v): v is string => v !== undefined && v.trim() !== '');
  const most = (values: string[], pred: (v: string) => boolean, share = MOST) => values.length > 0 && values.filter(pred).length >= values.length * share;
  const timeAt = [...Array(width).keys()].find((i) => most(column(i), isStamp));
  if (timeAt === undefined) return null;
  const names: string[] = [];
  const used = new Set<string>();
  const take = (name: string, i: number) => {
    const n = used.has(name) ? `col${i + 1}` : name;
    used.add(n);
    names.push(n);
  };
  let ints = 0;
  for (let i = 0; i < width; i++) {
    const vs = column(i);
    if (i === timeAt) take('time', i);
    else if (i === width - 1 && i > timeAt && most(vs, (v) => /\s/.test(v.trim()), 0.5)) take('message', i);
    else if (most(vs, (v) => kindOf(v.trim()) === 'level')) take('level', i);
    else if (most(vs, (v) => /^\d+$/.test(v.trim()))) take(['pid', 'tid'][ints++] ?? `col${i + 1}`, i);
    else if (most(vs, (v) => hostLike(v.trim()), 0.8)) take('host', i);
    else if (i > timeAt && most(vs, (v) => /^[A-Za-z_$][\w$.:-]*$/.test(v.trim()))) take('component', i);
    else take(`col${i + 1}`, i);
  }
  return names;
}
