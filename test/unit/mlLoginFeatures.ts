/**
 * The book's per-minute features for the login-attempt data (chapter 11),
 * built straight from the CSV files for the real-data checks of the models:
 * usernames with failures in each minute between the first and the last
 * failure of a period (empty minutes included), plus one-hot day of week
 * (Monday = 0) and hour, one column per value present (pandas get_dummies);
 * a minute is an attack minute when it lies in floor(start)..ceil(end) of a
 * labelled window.
 */
import * as fs from 'node:fs';

const MINUTE = 60_000;

/** Milliseconds since the epoch for 'YYYY-MM-DD HH:MM:SS[.ffffff]', read as UTC. */
function parseTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text);
  if (!m) throw new Error(`not a time: ${text}`);
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + frac;
}

export interface MinuteFeatures {
  /** Start of each minute, ms since the epoch. */
  minutes: number[];
  columns: string[];
  X: number[][];
  y: (0 | 1)[];
}

/** Features of the minutes whose failures fall in [from, to) (ISO dates). */
export function loginMinuteFeatures(logsCsv: string, hackersCsv: string, from: string, to: string): MinuteFeatures {
  const lo = parseTime(`${from} 00:00:00`);
  const hi = parseTime(`${to} 00:00:00`);
  const users = new Map<number, Set<string>>();
  const lines = fs.readFileSync(logsCsv, 'utf8').split(/\r?\n/);
  const header = lines[0].split(',');
  const iTime = header.indexOf('datetime');
  const iUser = header.indexOf('username');
  const iSuccess = header.indexOf('success');
  for (let l = 1; l < lines.length; l++) {
    if (!lines[l]) continue;
    const f = lines[l].split(',');
    if (f[iSuccess] !== 'False') continue;
    const t = parseTime(f[iTime]);
    if (t < lo || t >= hi) continue;
    const minute = Math.floor(t / MINUTE) * MINUTE;
    let s = users.get(minute);
    if (!s) users.set(minute, (s = new Set()));
    s.add(f[iUser]);
  }
  const keys = [...users.keys()];
  const firstMinute = Math.min(...keys);
  const lastMinute = Math.max(...keys);
  const minutes: number[] = [];
  for (let m = firstMinute; m <= lastMinute; m += MINUTE) minutes.push(m);
  const dow = (m: number): number => (new Date(m).getUTCDay() + 6) % 7;
  const hour = (m: number): number => new Date(m).getUTCHours();
  const days = [...new Set(minutes.map(dow))].sort((a, b) => a - b);
  const hours = [...new Set(minutes.map(hour))].sort((a, b) => a - b);
  const columns = ['usernames_with_failures', ...days.map((d) => `day_of_week_${d}`), ...hours.map((h) => `hour_${h}`)];
  const X = minutes.map((m) => [users.get(m)?.size ?? 0, ...days.map((d) => (dow(m) === d ? 1 : 0)), ...hours.map((h) => (hour(m) === h ? 1 : 0))]);

  const attack = new Set<number>();
  const hl = fs.readFileSync(hackersCsv, 'utf8').split(/\r?\n/);
  const hh = hl[0].split(',');
  const iStart = hh.indexOf('start');
  const iEnd = hh.indexOf('end');
  for (let l = 1; l < hl.length; l++) {
    if (!hl[l]) continue;
    const f = hl[l].split(',');
    const s = Math.floor(parseTime(f[iStart]) / MINUTE) * MINUTE;
    const e = Math.ceil(parseTime(f[iEnd]) / MINUTE) * MINUTE;
    for (let m = s; m <= e; m += MINUTE) attack.add(m);
  }
  return { minutes, columns, X, y: minutes.map((m) => (attack.has(m) ? 1 : 0)) };
}
