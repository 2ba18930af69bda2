/**
 * The fields of a learned header (learned.ts): how a line is cut into fields
 * (whitespace-separated, `[…]` one field), what kind of value a field holds,
 * and which kinds (nearly) every line has after its time stamp.
 */
import { LAYOUTS, type StampLayout } from './timestamps';

/**
 * What a header field holds: `tag` is a syslog program tag (`crond(pam_unix)[2915]:`, component and pid),
 * `host` a host name or address (`dn228`, `R02-M1-N0-C:J12-U11`), `date` a date alone (`2005.11.09`),
 * `stamp` a second time stamp (Thunderbird's local `Nov 9 12:01:01`).
 */
export type Kind = 'dash' | 'level' | 'int' | 'bracket' | 'component' | 'tag' | 'dotted' | 'host' | 'date' | 'stamp' | 'word' | 'field';

export interface Field {
  start: number;
  end: number;
}

const LEVEL_RE = /^[[<(]?(TRACE|DEBUG|FINE|FINER|FINEST|CONFIG|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT|ALERT|EMERG|EMERGENCY|VERBOSE|PANIC)[\]>)]?:?$/i;
const ANDROID_LEVEL_RE = /^[VDIWEFA]$/;
const DOTTED_RE = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)+$/;
/** `program[pid]:` (the program may hold `(…)`: `sshd(pam_unix)[19939]:`). */
export const TAG_RE = /^([^\s[\]]+)\[(\d+)\]:$/;
const DATE_RE = /^(?:19|20)\d{2}([-./])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
/** A host name, an IPv4 address, or a node name with `:` between its parts (BGL's `R02-M1-N0-C:J12-U11`). */
const HOST_PART_RE = new RegExp(`^${LABEL}(?:[.:]${LABEL})*$`);
const IPV4_RE = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const FILE_RE = /\.(?:exe|dll|sys|so|jar|class|py|js|java|c|cpp|h|log|txt|sh|xml|json)$/i;
const HEX_ID_RE = /^[0-9a-fA-F-]{8,}$/;
/** A host name masked as loghub's samples mask them (`#8#`). */
const MASKED_RE = /^#\d+#$/;
/** Share of the lines whose field at a place must be host-like for the place to be a host (some lines name none: `NULL`). */
const HOST_SHARE = 0.8;

/** The whitespace-separated fields at the start of a line; `[…]` is one field, brackets nested. */
export function fields(line: string, max: number): Field[] {
  const out: Field[] = [];
  let i = 0;
  while (out.length < max) {
    const f = fieldAt(line, i);
    if (!f) break;
    out.push(f);
    i = f.end;
  }
  return out;
}

/** The field starting at or after `from` (spaces skipped), or null at the end of the line. */
export function fieldAt(line: string, from: number): Field | null {
  const n = line.length;
  let i = from;
  while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  if (i >= n) return null;
  const start = i;
  if (line[i] === '[') {
    let depth = 0;
    for (; i < n; i++) {
      if (line[i] === '[') depth++;
      else if (line[i] === ']' && --depth === 0) {
        i++;
        break;
      }
    }
    // `[x]:` or `[x],` stay with the bracket
    while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
  } else while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
  return { start, end: i };
}

/** True when text follows `at` on the line (a header field must leave a message after it). */
export function textAfter(line: string, at: number): boolean {
  for (let i = at; i < line.length; i++) if (line[i] !== ' ' && line[i] !== '\t') return true;
  return false;
}

/** A host name or address, or where a host wrote from (`dn228/dn228`, `src@eadmin1`): letters and digits, no ids or file names. */
export function hostLike(text: string): boolean {
  if (text.length < 3 || text.length > 255) return false;
  if (IPV4_RE.test(text)) return true;
  const parts = text.split(/[@/]/);
  if (parts.length > 3) return false;
  if (parts.every((p) => MASKED_RE.test(p))) return true;
  if (FILE_RE.test(text) || HEX_ID_RE.test(text) || !/[A-Za-z]/.test(text) || !/\d/.test(text)) return false;
  return parts.every((p) => HOST_PART_RE.test(p) || MASKED_RE.test(p));
}

export function kindOf(text: string): Kind {
  if (text === '-') return 'dash';
  if (LEVEL_RE.test(text) || ANDROID_LEVEL_RE.test(text)) return 'level';
  if (/^\d+$/.test(text)) return 'int';
  if (text[0] === '[' && text.endsWith(']')) return 'bracket';
  if (TAG_RE.test(text)) return 'tag';
  if (text.length > 1 && text.endsWith(':') && !text.includes('://')) return 'component';
  if (DOTTED_RE.test(text)) return 'dotted';
  return 'word';
}

/** The kind of a field at the start of a header, where a date or a host may stand before the level and the program. */
export function earlyKindOf(text: string): Kind {
  const k = kindOf(text);
  if (k !== 'word' && k !== 'dotted') return k;
  if (DATE_RE.test(text)) return 'date';
  return hostLike(text) ? 'host' : k;
}

/** Kinds that may come before a host, a date or a second stamp. */
const EARLY = new Set<Kind>(['dash', 'date', 'host', 'stamp', 'field']);

/** Where a stamp of this layout ends when it starts at `at`, or -1. */
export function stampEnd(line: string, at: number, l: StampLayout): number {
  l.re.lastIndex = at;
  const m = l.re.exec(line);
  return m ? at + m[0].length : -1;
}

/** A second stamp written in words and digits (not epoch digits alone, which are an integer field). */
const LATER_STAMPS = LAYOUTS.filter((l) => l.rank !== 1);

function laterStampAt(line: string, at: number): { layout: StampLayout; end: number } | null {
  const c = line.charCodeAt(at);
  if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return null;
  for (const l of LATER_STAMPS) {
    const end = stampEnd(line, at, l);
    if (end > 0 && (end === line.length || line[end] === ' ' || line[end] === '\t') && textAfter(line, end)) return { layout: l, end };
  }
  return null;
}

export interface After {
  kinds: Kind[];
  /** The layout of the `stamp` kind, when there is one. */
  stamp?: StampLayout;
}

/** Kinds of the fields after the stamp that (nearly) every header line has, in order; `rests` start after the stamp. */
export function learnAfter(rests: string[]): After {
  const out: After = { kinds: [] };
  const after = out.kinds;
  const pos = rests.map(() => 0);
  // a level a few fields on (BGL: node RAS KERNEL INFO …): the fields before it are header fields whatever they hold
  const split = rests.map((r) => fields(r, 6).map((f) => r.slice(f.start, f.end)));
  const levelAt = [0, 1, 2, 3, 4].find((p) => {
    const have = split.filter((fs) => fs.length > p + 1);
    return have.length >= split.length * 0.9 && have.filter((fs) => kindOf(fs[p]) === 'level').length >= have.length * 0.9;
  });
  for (let p = 0; p < (levelAt ?? 0); p++) {
    const col = split.map((fs) => fs[p]);
    const kind: Kind = col.every((v) => v === '-') ? 'dash' : col.every((v) => /^\d+$/.test(v)) ? 'int' : col.filter(hostLike).length >= col.length * HOST_SHARE ? 'host' : 'field';
    after.push(kind);
    rests.forEach((r, i) => (pos[i] = fieldAt(r, pos[i])?.end ?? r.length));
  }
  while (after.length < 6) {
    const early = after.every((k) => EARLY.has(k));
    if (early && laterStamp(rests, pos, out)) continue;
    const kinds = new Map<Kind, number>();
    const values = new Set<string>();
    const found: (Field | null)[] = [];
    let n = 0;
    rests.forEach((r, i) => {
      const f = fieldAt(r, pos[i]);
      found.push(f);
      if (!f || !textAfter(r, f.end)) return; // a message must follow
      n++;
      const v = r.slice(f.start, f.end);
      const k = early ? earlyKindOf(v) : kindOf(v);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      values.add(v);
    });
    if (n < rests.length * 0.9 || n === 0) break;
    let [kind, c] = [...kinds.entries()].sort((a, b) => b[1] - a[1])[0];
    // a program tag with or without its pid (`crond[2916]:`, `kernel:`) is one kind
    if (kind === 'tag' || kind === 'component') {
      const both = (kinds.get('tag') ?? 0) + (kinds.get('component') ?? 0);
      if (both >= n * 0.9) [kind, c] = [(kinds.get('tag') ?? 0) * 2 >= both ? 'tag' : 'component', both];
    }
    const host = kinds.get('host') ?? 0;
    if (early && host >= n * HOST_SHARE) [kind, c] = ['host', n];
    if (c < n * 0.9) break;
    // a word is a field only right after the level and with few values (Windows CBS: Info CBS …)
    if (kind === 'word' && !(after[after.length - 1] === 'level' && values.size <= Math.max(3, n * 0.05) && !after.includes('component'))) break;
    if (kind === 'level' && after.includes('level')) break;
    after.push(kind);
    rests.forEach((r, i) => (pos[i] = found[i]?.end ?? r.length));
    const next = kind === 'dotted' ? rests.map((r, i) => fieldAt(r, pos[i])).every((f, i) => f && rests[i].slice(f.start, f.end) === '-') : false;
    if (kind === 'component' || kind === 'tag' || kind === 'word' || (kind === 'dotted' && after.length < 6 && !next)) break;
  }
  return out;
}

/** A second stamp of one layout at the cursors in (nearly) every line: taken as the kind `stamp`, the cursors moved past it. */
function laterStamp(rests: string[], pos: number[], out: After): boolean {
  if (out.stamp) return false;
  const ends = rests.map((r, i) => {
    const f = fieldAt(r, pos[i]);
    return f ? laterStampAt(r, f.start) : null;
  });
  const byLayout = new Map<StampLayout, number>();
  for (const e of ends) if (e) byLayout.set(e.layout, (byLayout.get(e.layout) ?? 0) + 1);
  const best = [...byLayout.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!best || best[1] < rests.length * 0.9) return false;
  out.stamp = best[0];
  out.kinds.push('stamp');
  ends.forEach((e, i) => (pos[i] = e && e.layout === best[0] ? e.end : pos[i]));
  return true;
}

/** Kinds of the fields before the stamp: a host or a date where (nearly) every line has one, otherwise a field. */
export function learnBefore(lines: string[], before: number): Kind[] {
  const split = lines.map((l) => fields(l, before).map((f) => l.slice(f.start, f.end)));
  const out: Kind[] = [];
  for (let p = 0; p < before; p++) {
    const col = split.map((fs) => fs[p]).filter((v) => v !== undefined);
    const share = (k: Kind) => col.filter((v) => earlyKindOf(v) === k).length >= col.length * (k === 'host' ? HOST_SHARE : 0.9);
    out.push(col.length === 0 ? 'field' : share('host') ? 'host' : share('date') ? 'date' : 'field');
  }
  return out;
}
