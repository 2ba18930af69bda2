/**
 * Time stamps in the layouts logs write them, found at the start of a token
 * and turned into the engine's normalized time ('YYYY-MM-DD HH:MM:SS[.fff]',
 * UTC where the stamp has a zone, as written where it has none).
 *
 * A layout without a year (syslog's `Jun 14 15:16:01`, Android's
 * `03-17 16:13:38.811`, Proxifier's `[10.30 16:49:06]`) takes the year it is
 * given and moves to the next one when the month goes back (Dec → Jan).
 */

export interface StampLayout {
  /** Short name, kept in a column's time format as `layout:<id>`. */
  id: string;
  /** An example, for messages and docs. */
  example: string;
  /** 0: date, time and year; 1: epoch seconds or milliseconds; 2: no year. Lower is preferred. */
  rank: 0 | 1 | 2;
  /** Matches at the start of the text (sticky); group names below. */
  re: RegExp;
  /** Year of two digits (yy) when the layout writes it so. */
  shortYear?: boolean;
  /** Starts with a letter (a month or day name), not a digit. */
  letter: boolean;
}

const MON = '(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const FRAC = '(?:[.,:](?<f>\\d{1,9}))?';
const ZONE = '(?<z>Z|[+-]\\d{2}:?\\d{2}|\\s?UTC|\\s?GMT)?';
// a zone abbreviation other than UTC/GMT (PDT, CET) is matched and left out: the time is kept as written
const ZONE_NAME = '(?: (?:PST|PDT|MST|MDT|CST|CDT|EST|EDT|AKST|AKDT|HST|WET|WEST|BST|CET|CEST|EET|EEST|MSK|IST|SGT|HKT|JST|KST|AEST|AEDT|NZST|NZDT))?';
const HMS = '(?<h>[01]\\d|2[0-3]):(?<mi>[0-5]\\d):(?<s>[0-5]\\d|60)';
const Y4 = '(?<y>(?:19|20)\\d{2})';
const MM = '(?<mo>0[1-9]|1[0-2])';
const DD = '(?<d>0[1-9]|[12]\\d|3[01])';
const END = '(?![\\d:])';

const L = (id: string, example: string, rank: 0 | 1 | 2, src: string, shortYear = false): StampLayout => ({
  id,
  example,
  rank,
  re: new RegExp(src + END, 'y'),
  shortYear,
  letter: src.startsWith('(?<mon>') || src.startsWith('(?:Mon'),
});

/** Every layout, most specific first (the first that matches at a place wins). */
export const LAYOUTS: StampLayout[] = [
  L('iso', '2015-10-18 18:01:47,978', 0, `${Y4}-${MM}-${DD}[T ]${HMS}${FRAC}${ZONE}${ZONE_NAME}`),
  L('iso-dashed', '2005-06-03-15.42.50.675872', 0, `${Y4}-${MM}-${DD}-(?<h>[01]\\d|2[0-3])\\.(?<mi>[0-5]\\d)\\.(?<s>[0-5]\\d)(?:\\.(?<f>\\d{1,9}))?`),
  L('iso-underscore', '2017-05-16_13:53:08', 0, `${Y4}-${MM}-${DD}_${HMS}${FRAC}`),
  L('compact-dash', '20171223-22:15:29:606', 0, `${Y4}${MM}${DD}-${HMS}${FRAC}`),
  L('compact-t', '20171223T221529', 0, `${Y4}${MM}${DD}T(?<h>[01]\\d|2[0-3])(?<mi>[0-5]\\d)(?<s>[0-5]\\d)${FRAC}${ZONE}`),
  L('slash-ymd', '2015/10/18 18:01:47', 0, `${Y4}/${MM}/${DD}[ T-]${HMS}${FRAC}(?: ?(?<z>[+-]\\d{2}:?\\d{2}))?`),
  L('dot-ymd', '2005.11.09 12:01:01', 0, `${Y4}\\.${MM}\\.${DD}[ T-]${HMS}${FRAC}`),
  L('slash-mdy', '10/18/2015 18:01:47', 0, `${MM}/${DD}/${Y4}[ :]${HMS}${FRAC}`),
  L('slash-dmy', '18/10/2015 18:01:47', 0, `${DD}/${MM}/${Y4}[ :]${HMS}${FRAC}`),
  L('apache', '18/Oct/2015:18:01:47 +0200', 0, `${DD}/${MON}/${Y4}:${HMS}${FRAC}(?: (?<z>[+-]\\d{4}))?`),
  L('dmy-mon', '18-Oct-2015 18:01:47.978', 0, `(?<d>[0-3]?\\d)-${MON}-${Y4}[ :]${HMS}${FRAC}`),
  L('ctime', 'Sun Dec 04 04:47:44 2005', 0, `(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MON} {1,2}(?<d>[0-3]?\\d) ${HMS}${FRAC}(?: (?<z>UTC|GMT)|${ZONE_NAME})? ${Y4}`),
  L('d-mon-y', '29 Aug 2023 13:47:38.984', 0, `(?<d>[0-3]?\\d) ${MON} ${Y4} ${HMS}${FRAC}`),
  L('ymd-time', '20200308 23:47:32.089828', 0, `${Y4}${MM}${DD} ${HMS}${FRAC}`),
  L('yymmdd-time', '170213 16:00:33', 0, `(?<y>\\d{2})${MM}${DD} {1,2}${HMS}${FRAC}`, true),
  L('mon-d-y', 'Oct 18, 2015 6:01:47 PM', 0, `${MON} (?<d>[0-3]?\\d),? ${Y4},? (?<h>[01]?\\d|2[0-3]):(?<mi>[0-5]\\d):(?<s>[0-5]\\d)${FRAC}(?: (?<ampm>AM|PM|am|pm))?`),
  L('yymmdd-hhmmss', '081109 203615', 0, `(?<y>\\d{2})${MM}${DD} (?<h>[01]\\d|2[0-3])(?<mi>[0-5]\\d)(?<s>[0-5]\\d)`, true),
  L('slash-yymmdd', '17/06/09 20:10:40', 0, `(?<y>\\d{2})/${MM}/${DD} ${HMS}${FRAC}`, true),
  L('epoch-ms', '1445144423722', 1, `(?<e>1[0-9]{12})(?:\\.\\d+)?`),
  L('epoch-s', '1117838570', 1, `(?<e>1[0-9]{9})(?:\\.(?<ef>\\d{1,9}))?`),
  L('syslog', 'Jun 14 15:16:01', 2, `${MON} {1,2}(?<d>[0-3]?\\d) ${HMS}${FRAC}`),
  L('md-dash', '03-17 16:13:38.811', 2, `${MM}-${DD} ${HMS}${FRAC}`),
  L('md-dot', '10.30 16:49:06', 2, `${MM}\\.${DD} ${HMS}${FRAC}`),
  L('md-slash', '10/30 16:49:06', 2, `${MM}/${DD} ${HMS}${FRAC}`),
  L('mmdd-time', '0517 15:04:22.619632', 2, `${MM}${DD} ${HMS}${FRAC}`),
  L('mon-d-time', 'Mar-18 21:41:15.684', 2, `${MON}-(?<d>[0-3]?\\d) ${HMS}${FRAC}`),
  L('d-mon-time', '13 Apr 12:52:30.731', 2, `(?<d>[0-3]?\\d) ${MON} ${HMS}${FRAC}`),
];

const BY_ID = new Map(LAYOUTS.map((l) => [l.id, l]));
const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

export const layoutById = (id: string): StampLayout | undefined => BY_ID.get(id);

export interface StampMatch {
  layout: StampLayout;
  start: number;
  end: number;
}

/** The layout matching at `at` in text, with where it ends (the first of LAYOUTS that does). */
export function stampAt(text: string, at: number, layouts: readonly StampLayout[] = LAYOUTS): StampMatch | null {
  const c = text.charCodeAt(at);
  const digit = c >= 48 && c <= 57;
  if (!digit && !(c >= 65 && c <= 90)) return null;
  for (const l of layouts) {
    if (l.letter === digit) continue;
    l.re.lastIndex = at;
    const m = l.re.exec(text);
    if (m) return { layout: l, start: at, end: at + m[0].length };
  }
  return null;
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));

function normalize(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined, zone: string | undefined): string | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  let t = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(t).getUTCDate() !== d) return null; // 31 April
  const z = zone?.trim();
  if (z && z !== 'Z' && z !== 'UTC' && z !== 'GMT') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60000;
  }
  const u = new Date(t);
  let out = `${u.getUTCFullYear()}-${pad2(u.getUTCMonth() + 1)}-${pad2(u.getUTCDate())} ${pad2(u.getUTCHours())}:${pad2(u.getUTCMinutes())}:${pad2(u.getUTCSeconds())}`;
  const f = frac?.replace(/0+$/, '');
  if (f) out += '.' + f;
  return out;
}

function fromEpoch(sec: number, fracDigits?: string): string | null {
  if (!Number.isFinite(sec)) return null;
  const u = new Date(Math.floor(sec) * 1000);
  if (Number.isNaN(u.getTime())) return null;
  let out = `${u.getUTCFullYear()}-${pad2(u.getUTCMonth() + 1)}-${pad2(u.getUTCDate())} ${pad2(u.getUTCHours())}:${pad2(u.getUTCMinutes())}:${pad2(u.getUTCSeconds())}`;
  const f = fracDigits?.replace(/0+$/, '');
  if (f) out += '.' + f;
  return out;
}

/**
 * A parser for one layout: text (the stamp alone, or starting with it) to
 * normalized time, or null. Layouts without a year start at `year` and move
 * on a year when the month goes back by more than six.
 */
export function layoutParser(id: string, year: number): (text: string) => string | null {
  // several layouts (`syslog+epoch-s`, an lnav format's timestamp-format list): the first that reads the text
  if (id.includes('+')) {
    const parsers = id.split('+').map((one) => layoutParser(one, year));
    return (text) => {
      for (const p of parsers) {
        const t = p(text);
        if (t !== null) return t;
      }
      return null;
    };
  }
  const l = BY_ID.get(id);
  if (!l) return () => null;
  let y = year;
  let lastMonth = 0;
  return (text) => {
    l.re.lastIndex = 0;
    const m = l.re.exec(text.trimStart());
    if (!m?.groups) return null;
    const g = m.groups;
    if (g.e !== undefined) {
      if (l.id === 'epoch-ms') {
        const ms = Number(g.e);
        return fromEpoch(Math.floor(ms / 1000), String(ms % 1000).padStart(3, '0'));
      }
      return fromEpoch(Number(g.e), g.ef);
    }
    const mo = g.mon ? MONTHS[g.mon] : Number(g.mo);
    let yy: number;
    if (g.y === undefined) {
      if (lastMonth && mo < lastMonth && lastMonth - mo > 6) y++;
      lastMonth = mo;
      yy = y;
    } else yy = l.shortYear ? 2000 + Number(g.y) - (Number(g.y) >= 70 ? 100 : 0) : Number(g.y);
    let h = Number(g.h);
    if (g.ampm) {
      const pm = g.ampm.toLowerCase() === 'pm';
      if (h === 12) h = pm ? 12 : 0;
      else if (pm) h += 12;
    }
    let frac = g.f;
    // `:606` after seconds is milliseconds; a fraction of one or two digits written with ':' likewise
    if (frac && text[m.index + m[0].length - frac.length - 1] === ':') frac = frac.padStart(3, '0');
    return normalize(yy, mo, Number(g.d), h, Number(g.mi), Number(g.s), frac, g.z);
  };
}

/** The year to start a layout without one at: the file's modification year, or the one before when the stamp would be in the future. */
export function startYear(id: string, firstStamp: string | undefined, mtime: Date): number {
  const y = mtime.getUTCFullYear();
  const l = BY_ID.get(id);
  if (!l || l.rank !== 2 || !firstStamp) return y;
  const t = layoutParser(id, y)(firstStamp);
  if (!t) return y;
  return Date.parse(t.replace(' ', 'T') + 'Z') > mtime.getTime() + 86400000 ? y - 1 : y;
}

/** The layout most values (`share`) are written in, whole, or null: for captures of lnav patterns. */
export function mostValuesLayout(values: readonly string[], share = 0.8): StampLayout | null {
  if (values.length === 0) return null;
  let best: StampLayout | null = null;
  let bestN = 0;
  for (const l of LAYOUTS) {
    let n = 0;
    for (const v of values) {
      l.re.lastIndex = 0;
      const m = l.re.exec(v);
      if (m !== null && m[0].length === v.length) n++;
    }
    if (n > bestN) [best, bestN] = [l, n];
  }
  return bestN >= values.length * share ? best : null;
}

/**
 * The layouts the values are written in (whole), most used first, at most four, when together they read `share` of them; or none:
 * for an lnav format whose stamps come in several layouts (its timestamp-format list; redis writes three).
 */
export function valuesLayouts(values: readonly string[], share = 0.8): StampLayout[] {
  const counts = new Map<StampLayout, number>();
  for (const v of values) {
    const l = LAYOUTS.find((x) => {
      x.re.lastIndex = 0;
      const m = x.re.exec(v);
      return m !== null && m[0].length === v.length;
    });
    if (l) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const used = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
  const covered = used.reduce((a, [, n]) => a + n, 0);
  return covered >= values.length * share ? used.map(([l]) => l) : [];
}

/** The layout every value of a column is written in (the whole value), or null. */
export function columnLayout(values: readonly string[]): StampLayout | null {
  if (values.length === 0) return null;
  for (const l of LAYOUTS) {
    if (l.rank === 1) continue; // bare numbers are epoch only by name (ingest/values.ts decides)
    const ok = values.every((v) => {
      l.re.lastIndex = 0;
      const m = l.re.exec(v);
      return m !== null && m[0].length === v.length;
    });
    if (ok) return l;
  }
  return null;
}
