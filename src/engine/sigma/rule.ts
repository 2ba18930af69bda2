/**
 * Sigma rules read from YAML (yamlDocs.ts: js-yaml, with line positions): a
 * detection rule or a correlation rule (Sigma v2), with the fields the
 * Detection Rule License asks to keep (author, references) beside the title.
 * A file may hold several documents; one that is no rule is reported, the
 * others are read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogInvestigatorError } from '../errors';
import { readYamlDocs, type YamlDoc } from './yamlDocs';

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SIGMA_LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

export interface LogSource {
  product?: string;
  category?: string;
  service?: string;
}

export interface Correlation {
  type: string;
  rules: string[];
  groupBy: string[];
  /** seconds */
  timespan?: number;
  timespanText?: string;
  condition?: Record<string, unknown>;
  aliases?: Record<string, Record<string, string>>;
}

export interface SigmaRule {
  file: string;
  /** 1-based line of the document's first line. */
  line: number;
  id?: string;
  name?: string;
  title: string;
  status?: string;
  description?: string;
  author?: string;
  references: string[];
  tags: string[];
  level: SigmaLevel;
  logsource: LogSource;
  /** The detection section as YAML gave it (maps, lists, scalars). */
  detection?: Record<string, unknown>;
  correlation?: Correlation;
  falsepositives: string[];
  /** The rule's YAML text as written (for showing it beside the SQL). */
  source: string;
  /** Lines (1-based) of the detection's keys, for diagnostics: `selection.Image|endswith` → line. */
  keyLines: Map<string, number>;
}

export interface SigmaProblem {
  file: string;
  line: number;
  rule?: string;
  message: string;
}

export interface RuleSet {
  rules: SigmaRule[];
  problems: SigmaProblem[];
  files: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => str(x)).filter((x): x is string => x !== undefined) : typeof v === 'string' ? [v] : []);

/** `1h`, `30m`, `15s`, `2d`, `1w` (and `1M`, `1y`) → seconds. */
export function parseTimespan(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhdwMy])\s*$/.exec(text);
  if (!m) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 };
  return Number(m[1]) * unit[m[2]];
}

/** The rules of one YAML text (a file may hold several documents). */
export function parseSigmaText(text: string, file: string): { rules: SigmaRule[]; problems: SigmaProblem[] } {
  const rules: SigmaRule[] = [];
  const problems: SigmaProblem[] = [];
  let docs: YamlDoc[];
  try {
    docs = readYamlDocs(text);
  } catch (e) {
    return { rules, problems: [{ file, line: 1, message: `not readable YAML: ${(e as Error).message}` }] };
  }
  for (const doc of docs) {
    const { start, end, line } = doc;
    if (doc.error) {
      problems.push({ file, line: doc.error.line, message: `YAML error: ${doc.error.message}` });
      continue;
    }
    const js = doc.value;
    if (js === null || js === undefined) continue;
    if (typeof js !== 'object' || Array.isArray(js)) {
      problems.push({ file, line, message: 'a YAML document that is not a Sigma rule (a map with title and detection)' });
      continue;
    }
    const r = js as Record<string, unknown>;
    const title = str(r.title) ?? str(r.name);
    if (r.action !== undefined) {
      problems.push({ file, line, rule: title, message: `rule collections (action: ${String(r.action)}) are not supported; write each rule as its own document` });
      continue;
    }
    const corr = r.correlation as Record<string, unknown> | undefined;
    if (!title || (!r.detection && !corr)) {
      problems.push({ file, line, rule: title, message: title ? 'no detection section' : 'no title' });
      continue;
    }
    const levelText = (str(r.level) ?? 'medium').toLowerCase();
    const level = (SIGMA_LEVELS as readonly string[]).includes(levelText) ? (levelText as SigmaLevel) : 'medium';
    const ls = (r.logsource ?? {}) as Record<string, unknown>;
    const rule: SigmaRule = {
      file,
      line,
      id: str(r.id),
      name: str(r.name),
      title,
      status: str(r.status),
      description: str(r.description),
      author: str(r.author),
      references: strs(r.references),
      tags: strs(r.tags),
      level,
      logsource: { product: str(ls.product)?.toLowerCase(), category: str(ls.category)?.toLowerCase(), service: str(ls.service)?.toLowerCase() },
      detection: r.detection && typeof r.detection === 'object' && !Array.isArray(r.detection) ? (r.detection as Record<string, unknown>) : undefined,
      falsepositives: strs(r.falsepositives),
      source: text.slice(start, end),
      keyLines: doc.keyLines,
    };
    if (corr) {
      const ts = str(corr.timespan) ?? str(corr.timeframe);
      rule.correlation = {
        type: String(corr.type ?? ''),
        rules: strs(corr.rules),
        groupBy: strs(corr['group-by']),
        timespanText: ts,
        timespan: ts ? parseTimespan(ts) : undefined,
        condition: corr.condition && typeof corr.condition === 'object' ? (corr.condition as Record<string, unknown>) : undefined,
        aliases: corr.aliases && typeof corr.aliases === 'object' ? (corr.aliases as Record<string, Record<string, string>>) : undefined,
      };
    }
    rules.push(rule);
  }
  return { rules, problems };
}

/**
 * The line a problem of the rule is on: the first detection key naming one
 * of `fields` (`sel.Image|endswith` names Image), or the first with the
 * modifier a message quotes (`|foo`), or the condition's line for a
 * condition problem; else the rule's first line.
 */
export function problemLine(rule: SigmaRule, p: { fields?: string[]; feature?: string; message?: string }): number {
  const keys = [...rule.keyLines.entries()].sort((a, b) => a[1] - b[1]);
  const leaf = (k: string) => k.slice(k.indexOf('.') + 1);
  if (p.fields?.length) {
    const want = new Set(p.fields.map((f) => f.toLowerCase()));
    const hit = keys.find(([k]) => k.includes('.') && want.has(leaf(k).split('|')[0].toLowerCase()));
    if (hit) return hit[1];
  }
  const mod = /\|([A-Za-z0-9_]+)/.exec(p.message ?? '')?.[1]?.toLowerCase() ?? (p.feature === 'regex' ? 're' : undefined);
  if (mod) {
    const hit = keys.find(([k]) => k.includes('.') && leaf(k).toLowerCase().split('|').slice(1).includes(mod));
    if (hit) return hit[1];
  }
  if (p.feature === 'condition' || p.feature === 'aggregation') return rule.keyLines.get('condition') ?? rule.line;
  return rule.line;
}

/** Every .yml/.yaml file under the given files and folders (searched recursively), sorted. */
export function sigmaFiles(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (!e.startsWith('.')) visit(path.join(p, e));
    } else if (/\.ya?ml$/i.test(p)) out.push(p);
  };
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new LogInvestigatorError('BAD_OPTION', `no such Sigma rule file or folder: ${p}`);
    visit(p);
  }
  return out;
}

/** Reads every rule under the given files and folders; unreadable files become problems. */
export function loadSigmaRules(paths: string[]): RuleSet {
  const files = sigmaFiles(paths);
  const set: RuleSet = { rules: [], problems: [], files: files.length };
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      set.problems.push({ file: f, line: 1, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const r = parseSigmaText(text, f);
    set.rules.push(...r.rules);
    set.problems.push(...r.problems);
  }
  return set;
}
