/**
 * lnav's log format definitions (https://docs.lnav.org/en/latest/formats.html):
 * JSON files whose formats have `regex` patterns with named captures, a
 * `timestamp-field` (default `timestamp`), a `level-field` with `level`
 * patterns, a `body-field` (default `body`) and `value` kinds. Files come
 * from the workspace (`.log-investigator/formats/*.json`) and the user's lnav
 * folder; a definition that cannot be used is a diagnostic, never a crash.
 * JSON-lines formats (`"file-type": "json"`) are left to the JSON Lines reader.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FixedColumn, LineParser, RawRecord, RecordSink } from './formats';
import type { ColumnType } from './values';
import { PendingRecord } from './multiline';
import { mostValuesLayout, valuesLayouts } from './timestamps';

export interface LnavDiagnostic {
  file: string;
  format?: string;
  message: string;
}

export interface LnavFormat {
  name: string;
  title: string;
  file: string;
  regexes: { name: string; re: RegExp; groups: string[] }[];
  timestampField: string;
  levelField: string | null;
  bodyField: string;
  /** lnav level name → pattern (error, warning, info, …). */
  levels: [string, RegExp][];
  kinds: Map<string, string>;
  samples: string[];
}


/** Folders searched for lnav format files: the workspace's, then lnav's own. */
export function lnavFormatDirs(workspace?: string): string[] {
  const home = os.homedir();
  return [
    ...(workspace ? [path.join(workspace, '.log-investigator', 'formats')] : []),
    path.join(home, '.lnav', 'formats', 'installed'),
    path.join(home, '.config', 'lnav', 'formats', 'installed'),
  ];
}

/** Translates the PCRE of lnav's patterns into a JavaScript RegExp source, or throws with why. */
export function pcreToJs(pattern: string): { source: string; flags: string } {
  let src = pattern;
  const flags = new Set<string>();
  // inline flags: JavaScript has no (?i) inside a pattern, so they apply to the whole of it
  src = src.replace(/\(\?([imsx]+)\)/g, (_, f: string) => {
    if (f.includes('x')) throw new Error('the x (extended) flag is not supported');
    for (const c of f) flags.add(c);
    return '';
  });
  src = src
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?>/g, '(?:')
    .replace(/\\A/g, '^')
    .replace(/\\[Zz]/g, '$')
    .replace(/\\h/g, '[ \\t]')
    .replace(/([*+?}])\+/g, '$1');
  return { source: src, flags: [...flags].join('') };
}

function compile(file: string, name: string, def: Record<string, unknown>, diags: LnavDiagnostic[]): LnavFormat | null {
  const regex = def.regex as Record<string, { pattern?: unknown }> | undefined;
  if (def['file-type'] === 'json' || def.json === true) {
    diags.push({ file, format: name, message: 'a JSON-lines format: such files are read as JSON Lines already' });
    return null;
  }
  if (!regex || typeof regex !== 'object') {
    diags.push({ file, format: name, message: 'no "regex" patterns' });
    return null;
  }
  const regexes: LnavFormat['regexes'] = [];
  for (const [rname, r] of Object.entries(regex)) {
    if (!r || typeof r.pattern !== 'string') {
      diags.push({ file, format: name, message: `regex ${rname}: no "pattern" string` });
      continue;
    }
    try {
      const { source, flags } = pcreToJs(r.pattern);
      const re = new RegExp(source, flags);
      const groups = [...source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]);
      regexes.push({ name: rname, re, groups });
    } catch (e) {
      diags.push({ file, format: name, message: `regex ${rname}: ${(e as Error).message}` });
    }
  }
  if (regexes.length === 0) return null;
  const levels: [string, RegExp][] = [];
  const lv = def.level as Record<string, unknown> | undefined;
  if (lv && typeof lv === 'object') {
    for (const [lname, p] of Object.entries(lv)) {
      if (typeof p !== 'string') continue;
      try {
        const { source, flags } = pcreToJs(p);
        levels.push([lname, new RegExp(source, flags)]);
      } catch (e) {
        diags.push({ file, format: name, message: `level ${lname}: ${(e as Error).message}` });
      }
    }
  }
  const kinds = new Map<string, string>();
  const values = def.value as Record<string, { kind?: unknown }> | undefined;
  if (values && typeof values === 'object') for (const [v, spec] of Object.entries(values)) if (typeof spec?.kind === 'string') kinds.set(v, spec.kind);
  const samples = Array.isArray(def.sample) ? (def.sample as { line?: unknown }[]).map((s) => s?.line).filter((l): l is string => typeof l === 'string') : [];
  return {
    name,
    title: typeof def.title === 'string' ? def.title : name,
    file,
    regexes,
    timestampField: typeof def['timestamp-field'] === 'string' ? (def['timestamp-field'] as string) : 'timestamp',
    levelField: typeof def['level-field'] === 'string' ? (def['level-field'] as string) : 'level',
    bodyField: typeof def['body-field'] === 'string' ? (def['body-field'] as string) : 'body',
    levels,
    kinds,
    samples,
  };
}

/** Reads every `*.json` of the folders that exist; bad files and definitions become diagnostics. */
export function loadLnavFormats(dirs: readonly string[]): { formats: LnavFormat[]; diagnostics: LnavDiagnostic[] } {
  const formats: LnavFormat[] = [];
  const diagnostics: LnavDiagnostic[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
    } catch {
      continue; // no such folder
    }
    for (const n of names) {
      const file = path.join(dir, n);
      let doc: unknown;
      try {
        doc = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        diagnostics.push({ file, message: `not valid JSON: ${(e as Error).message}` });
        continue;
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
        diagnostics.push({ file, message: 'not a JSON object of formats' });
        continue;
      }
      for (const [name, def] of Object.entries(doc as Record<string, unknown>)) {
        if (name.startsWith('$')) continue;
        if (!def || typeof def !== 'object') {
          diagnostics.push({ file, format: name, message: 'the definition is not an object' });
          continue;
        }
        const f = compile(file, name, def as Record<string, unknown>, diagnostics);
        if (f) formats.push(f);
      }
    }
  }
  return { formats, diagnostics };
}

/** The format whose patterns match most of the lines (at least 80%), or null. */
export function detectLnav(formats: readonly LnavFormat[], lines: readonly string[]): LnavFormat | null {
  const probe = lines.filter((l) => l.trim() !== '').slice(0, 100);
  if (probe.length === 0) return null;
  let best: LnavFormat | null = null;
  let bestN = 0;
  for (const f of formats) {
    let n = 0;
    for (const l of probe) if (f.regexes.some((r) => r.re.test(l))) n++;
    if (n > bestN) [best, bestN] = [f, n];
  }
  return best && bestN >= probe.length * 0.8 ? best : null;
}

const KIND_TYPE: Record<string, ColumnType> = { integer: 'integer', float: 'real', boolean: 'boolean', json: 'json' };

const LEVEL_LETTER: Record<string, string> = { T: 'trace', D: 'debug', V: 'debug', I: 'info', S: 'stats', N: 'notice', W: 'warning', E: 'error', C: 'critical', F: 'fatal' };
const LEVEL_PREFIX: [string, string][] = [['trace', 'trace'], ['info', 'info'], ['stats', 'stats'], ['notice', 'notice'], ['warn', 'warning'], ['err', 'error'], ['critical', 'critical'], ['severe', 'critical'], ['fatal', 'fatal']];

/**
 * The level lnav gives a level field's text when the format has no level patterns (as lnav 0.11
 * does: one letter T D V I S N W E C F, or a word starting with trace, debug (debug2 … debug5),
 * info, stats, notice, warn, err, critical, severe, fatal; any case), or null.
 */
export function lnavLevelOf(text: string): string | null {
  const t = text.trim();
  if (t.length === 1) return LEVEL_LETTER[t.toUpperCase()] ?? null;
  const low = t.toLowerCase();
  if (low.startsWith('debug')) return /^[2-5]$/.test(low[5] ?? '') ? `debug${low[5]}` : 'debug';
  for (const [p, level] of LEVEL_PREFIX) if (low.startsWith(p)) return level;
  return null;
}

/** Reads lines with an lnav format: one column per named capture; unmatched lines continue the record above. */
export class LnavParser implements LineParser {
  readonly format = 'lnav' as const;
  private readonly names: string[];
  private readonly fixedCols = new Map<string, FixedColumn>();
  private readonly index = new Map<string, number>();
  private readonly levelAt: number;
  private readonly bodyAt: number;
  private readonly pending: PendingRecord;

  constructor(readonly def: LnavFormat, sample: readonly string[]) {
    const names: string[] = [];
    for (const r of def.regexes) for (const g of r.groups) if (!names.includes(g)) names.push(g);
    if (!names.includes(def.bodyField)) names.push(def.bodyField);
    // lnav's log_level: from the format's level patterns, or else from the level field's own word
    const leveled = def.levels.length > 0 || (def.levelField !== null && names.includes(def.levelField));
    if (leveled) names.push('log_level');
    this.names = names.map((n) => (n === def.bodyField ? 'message' : n));
    names.forEach((n, i) => this.index.set(n, i));
    this.levelAt = leveled ? names.length - 1 : -1;
    this.bodyAt = this.index.get(def.bodyField)!;
    this.pending = new PendingRecord(this.bodyAt);
    for (const [v, kind] of def.kinds) {
      const t = KIND_TYPE[kind];
      const i = this.index.get(v);
      if (t && i !== undefined && v !== def.timestampField) this.fixedCols.set(this.names[i], { name: this.names[i], type: t });
    }
    // the time stamp's layout from the sample's values (lnav's own list of layouts is not ours)
    const ti = this.index.get(def.timestampField);
    if (ti !== undefined) {
      const stamps: string[] = [];
      for (const l of sample.slice(0, 200)) {
        const m = this.match(l);
        const v = m?.[def.timestampField];
        if (v) stamps.push(v);
      }
      // one layout for most stamps, or the few that together read them (lnav's timestamp-format may list several)
      const one = mostValuesLayout(stamps);
      const ids = (one ? [one] : valuesLayouts(stamps)).map((l) => l.id).join('+');
      if (ids) this.fixedCols.set(this.names[ti], { name: this.names[ti], type: 'timestamp', timeFormat: `layout:${ids}` });
    }
    if (this.levelAt >= 0) this.fixedCols.set('log_level', { name: 'log_level', type: 'text' });
  }

  private match(line: string): Record<string, string | undefined> | null {
    for (const r of this.def.regexes) {
      const m = r.re.exec(line);
      if (m) return m.groups ?? {};
    }
    return null;
  }

  columns(): string[] {
    return this.names;
  }

  fixed(): Map<string, FixedColumn> {
    return this.fixedCols;
  }

  line(text: string, lineNo: number, sink: RecordSink): void {
    if (text.trim() === '') return;
    const g = this.match(text);
    if (!g) {
      if (this.pending.append(text)) return;
      sink.reject(lineNo, `matches none of the patterns of lnav format ${this.def.name}`, text);
      return;
    }
    const rec: RawRecord = new Array(this.names.length).fill(null);
    for (const [k, v] of Object.entries(g)) {
      const i = this.index.get(k);
      if (i !== undefined && v !== undefined && v !== '') rec[i] = v;
    }
    if (this.levelAt >= 0) {
      const lv = this.def.levelField ? g[this.def.levelField] : undefined;
      rec[this.levelAt] = lv === undefined ? null : this.def.levels.length ? this.def.levels.find(([, re]) => re.test(lv))?.[0] ?? null : lnavLevelOf(lv);
    }
    this.pending.start(rec, lineNo, sink);
  }

  end(sink: RecordSink): void {
    this.pending.flush(sink);
  }
}

const cache = new Map<string, { stamp: string; loaded: ReturnType<typeof loadLnavFormats> }>();

/** loadLnavFormats, read again only when a file in the folders changed (name, size or time). */
export function lnavFormatsIn(dirs: readonly string[]): ReturnType<typeof loadLnavFormats> {
  const key = dirs.join('\u0000');
  const parts: string[] = [];
  for (const d of dirs) {
    try {
      for (const n of fs.readdirSync(d).sort()) {
        if (!n.endsWith('.json')) continue;
        const st = fs.statSync(path.join(d, n));
        parts.push(`${d}/${n}:${st.size}:${st.mtimeMs}`);
      }
    } catch {
      // no such folder
    }
  }
  const stamp = parts.join('|');
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.loaded;
  const loaded = loadLnavFormats(dirs);
  cache.set(key, { stamp, loaded });
  return loaded;
}
