/**
 * Stateless rules written by the user in a rules file of the workspace
 * (`.log-investigator/rules.json`, JSON with comments): each rule is a name,
 * an SQL condition over one table's columns, a severity, an entity column,
 * optionally the tables it applies to (globs) and a description.
 *
 * A condition is spliced into SQL (`… WHERE (condition)`), so it is checked
 * to be one expression before it ever reaches the database: no `;`, no
 * comments, no parenthesis that closes the WHERE clause, no statement
 * keywords; then SQLite compiles it (EXPLAIN) against the table, which gives
 * SQLite's own message for unknown columns and syntax errors, and the
 * compiled program is refused if it would open anything for writing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TableInfo } from '../../ingest/build';
import { LogInvestigatorError } from '../../errors';
import type { Querier, Severity } from '../../findings/model';
import { SEVERITIES } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import type { Role } from '../../ingest/roles';
import { JsonSyntaxError, parseJsonTree, positionAt, type JsonNode } from './jsonTree';

/** Where the extension looks for the rules, relative to the workspace folder. */
export const RULES_FILE = '.log-investigator/rules.json';

export interface Rule {
  name: string;
  condition: string;
  severity: Severity;
  /** Column whose values the findings are about; by default the user column, else the IP column. */
  entity?: string;
  /** Globs over table names and file names; every table when absent. */
  tables?: string[];
  description?: string;
  /** 1-based position of the rule object in the file. */
  line: number;
  column: number;
  /** 1-based position of the condition's first character. */
  conditionLine: number;
  conditionColumn: number;
}

export interface RuleError {
  file: string;
  /** 1-based, as editors count. */
  line: number;
  column: number;
  message: string;
  rule?: string;
  table?: string;
}

export interface RuleSet {
  file: string;
  /** The rules that can run (those with errors in the file are left out). */
  rules: Rule[];
  errors: RuleError[];
}

const RULE_KEYS = ['name', 'condition', 'severity', 'entity', 'table', 'tables', 'description', 'enabled'];

/**
 * Reads a rules file's text: `{"rules": [ … ]}` or a bare array of rules.
 * Never throws: a syntax error gives one error at its position and no rules;
 * a bad rule gives an error at the offending value and is left out.
 */
export function parseRules(text: string, fileName: string): RuleSet {
  const set: RuleSet = { file: fileName, rules: [], errors: [] };
  const err = (offset: number, message: string, rule?: string) => set.errors.push({ file: fileName, ...positionAt(text, offset), message, ...(rule !== undefined ? { rule } : {}) });
  if (!text.trim()) return set; // an empty file is no rules, not an error: the user is about to write them
  let root: JsonNode;
  try {
    root = parseJsonTree(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    err(e.offset, `JSON syntax error: ${e.message}`);
    return set;
  }
  let list: JsonNode | undefined;
  if (root.type === 'array') list = root;
  else if (root.type === 'object') {
    for (const p of root.props) {
      if (p.key === 'rules') list = p.value;
      else if (p.key !== '$schema') err(p.keyOffset, `unknown key "${p.key}"; the file holds {"rules": [ … ]}`);
    }
    if (!list) return err(root.offset, 'no "rules" array in the file'), set;
  } else return err(root.offset, 'a rules file is {"rules": [ … ]} or an array of rules'), set;
  if (list.type !== 'array') return err(list.offset, '"rules" must be an array of rules'), set;

  const names = new Set<string>();
  for (const node of list.items) {
    if (node.type !== 'object') {
      err(node.offset, 'a rule is an object with a name, a condition and a severity');
      continue;
    }
    const get = (k: string) => node.props.find((p) => p.key === k)?.value;
    const nameNode = get('name');
    const label = nameNode?.type === 'string' ? nameNode.value : undefined;
    const before = set.errors.length;
    for (const p of node.props) if (!RULE_KEYS.includes(p.key)) err(p.keyOffset, `unknown key "${p.key}" in a rule; the keys are ${RULE_KEYS.join(', ')}`, label);
    if (!nameNode) err(node.offset, 'the rule has no "name"');
    else if (nameNode.type !== 'string' || !nameNode.value.trim()) err(nameNode.offset, '"name" must be a non-empty string');
    else if (names.has(nameNode.value)) err(nameNode.offset, `a second rule is named "${nameNode.value}"; names must be unique (findings are keyed by them)`, label);
    const cond = get('condition');
    if (!cond) err(node.offset, `rule "${label ?? '?'}" has no "condition"`, label);
    else if (cond.type !== 'string' || !cond.value.trim()) err(cond.offset, '"condition" must be a non-empty string of SQL, e.g. "recipients > 10"', label);
    else {
      const problem = conditionProblem(cond.value);
      if (problem) err(cond.raw[problem.index] ?? cond.offset, `rule "${label ?? '?'}": ${problem.message}`, label);
    }
    const sev = get('severity');
    if (sev && (sev.type !== 'string' || !(SEVERITIES as readonly string[]).includes(sev.value))) err(sev.offset, `"severity" must be one of ${SEVERITIES.join(', ')}`, label);
    const entity = get('entity');
    if (entity && (entity.type !== 'string' || !entity.value.trim())) err(entity.offset, '"entity" must be a column name', label);
    const tableNode = get('tables') ?? get('table');
    let tables: string[] | undefined;
    if (tableNode) {
      if (tableNode.type === 'string') tables = [tableNode.value];
      else if (tableNode.type === 'array' && tableNode.items.every((x) => x.type === 'string')) tables = tableNode.items.map((x) => (x as { value: string }).value);
      else err(tableNode.offset, '"table" must be a glob (e.g. "events*") or an array of globs', label);
    }
    const desc = get('description');
    if (desc && desc.type !== 'string') err(desc.offset, '"description" must be a string', label);
    const enabled = get('enabled');
    if (enabled && enabled.type !== 'boolean') err(enabled.offset, '"enabled" must be true or false', label);
    if (set.errors.length > before || !label || cond?.type !== 'string') continue;
    names.add(label);
    if (enabled?.type === 'boolean' && !enabled.value) continue;
    const at = positionAt(text, node.offset);
    const cat = positionAt(text, cond.raw[0] ?? cond.offset);
    set.rules.push({
      name: label,
      condition: cond.value.trim(),
      severity: sev?.type === 'string' ? (sev.value as Severity) : 'medium',
      ...(entity?.type === 'string' ? { entity: entity.value } : {}),
      ...(tables ? { tables } : {}),
      ...(desc?.type === 'string' ? { description: desc.value } : {}),
      line: at.line,
      column: at.column,
      conditionLine: cat.line,
      conditionColumn: cat.column,
    });
  }
  return set;
}

// Statement keywords cannot appear in an expression; refusing them by name gives a clearer message than SQLite's syntax error.
// RECURSIVE is refused because a recursive CTE in a subquery can run forever.
const FORBIDDEN = new Set(['ATTACH', 'DETACH', 'PRAGMA', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'VACUUM', 'REINDEX', 'ANALYZE', 'SAVEPOINT', 'RELEASE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'RECURSIVE', 'TRIGGER']);

/**
 * Why a condition is not one SQL expression, with the index of the offending
 * character; undefined when it is. String literals and quoted names are
 * skipped, so `name = 'a;b'` and `"drop"` are fine.
 */
export function conditionProblem(cond: string): { message: string; index: number } | undefined {
  let depth = 0;
  for (let i = 0; i < cond.length; ) {
    const c = cond[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        if (j >= cond.length) return { message: `unterminated ${c === "'" ? 'string' : 'quoted name'} starting here`, index: i };
        if (cond[j] === close) {
          if (close !== ']' && cond[j + 1] === close) j += 2; // doubled quote
          else break;
        } else j++;
      }
      i = j + 1;
      continue;
    }
    if (c === ';') return { message: "a condition is one expression: ';' is not allowed", index: i };
    if ((c === '-' && cond[i + 1] === '-') || (c === '/' && cond[i + 1] === '*')) return { message: 'comments are not allowed in a condition', index: i };
    if (c === '?' || ((c === ':' || c === '@' || c === '$') && /[A-Za-z_0-9]/.test(cond[i + 1] ?? ''))) return { message: `parameters (${c}…) are not allowed in a condition; write the value`, index: i };
    if (c === '(') depth++;
    if (c === ')' && --depth < 0) return { message: "unbalanced ')': a condition cannot close the WHERE clause around it", index: i };
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < cond.length && /[A-Za-z_0-9$]/.test(cond[j])) j++;
      const word = cond.slice(i, j).toUpperCase();
      if (FORBIDDEN.has(word)) return { message: `${word} is not allowed in a condition (a condition only reads; quote a column named so: "${cond.slice(i, j)}")`, index: i };
      i = j;
      continue;
    }
    i++;
  }
  if (depth > 0) return { message: "unbalanced '(': a ')' is missing", index: cond.length - 1 };
  return undefined;
}

function globRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

/** Whether a rule applies to a table: no globs, or one matching the table's name, its file's name or its file's path. */
export function ruleAppliesTo(rule: Rule, table: TableInfo): boolean {
  if (!rule.tables?.length) return true;
  const names = [table.table, path.basename(table.file), table.file.replace(/\\/g, '/')];
  return rule.tables.some((g) => {
    const re = globRegExp(g);
    return names.some((n) => re.test(n));
  });
}

/** The rule's entity column in a table: the one it names (any case), else the user column, else the IP column. */
export function ruleEntity(rule: Rule, table: TableInfo): { name: string; role: Role | null } | undefined {
  if (rule.entity) {
    const c = table.columns.find((x) => x.name === rule.entity) ?? table.columns.find((x) => x.name.toLowerCase() === rule.entity!.toLowerCase());
    return c && { name: c.name, role: c.role };
  }
  const c = table.columns.find((x) => x.role === 'user') ?? table.columns.find((x) => x.role === 'ip');
  return c && { name: c.name, role: c.role };
}

// Opcodes of a program that writes: a write transaction (Transaction with P2 ≠ 0) or a cursor opened for writing on a real table.
const WRITE_OPCODES = new Set(['OpenWrite', 'Destroy', 'Clear', 'CreateBtree', 'DropTable', 'DropIndex', 'DropTrigger', 'ParseSchema', 'VUpdate', 'Vacuum', 'SetCookie', 'JournalMode']);

/**
 * Compiles a rule against a table (EXPLAIN, nothing runs); the error message,
 * or undefined when the rule can run there.
 */
export function compileRule(rule: Rule, table: TableInfo, query: Querier): string | undefined {
  const problem = conditionProblem(rule.condition);
  if (problem) return problem.message;
  if (rule.entity && !ruleEntity(rule, table)) return `${table.table} has no column ${rule.entity} (the rule's entity); its columns are ${table.columns.map((c) => c.name).join(', ')}`;
  let program;
  try {
    program = query(`EXPLAIN SELECT 1 FROM ${quoteIdent(table.table)} WHERE (${rule.condition})`);
  } catch (e) {
    if (e instanceof LogInvestigatorError) return e.message.replace(/^SQL error: /, '');
    throw e;
  }
  const opcode = program.columns.indexOf('opcode');
  const p2 = program.columns.indexOf('p2');
  for (const r of program.rows) {
    const op = String(r[opcode]);
    if (WRITE_OPCODES.has(op) || (op === 'Transaction' && Number(r[p2]) !== 0)) return `the condition would write to the database (${op}); a condition only reads`;
  }
  return undefined;
}

/** Errors of the rules that apply to each table, positioned at the rule's condition: for the editor's diagnostics. */
export function checkRules(set: RuleSet, tables: TableInfo[], query: Querier): RuleError[] {
  const out: RuleError[] = [];
  for (const rule of set.rules) {
    for (const t of tables) {
      if (!ruleAppliesTo(rule, t)) continue;
      const msg = compileRule(rule, t, query);
      if (msg) out.push({ file: set.file, line: rule.conditionLine, column: rule.conditionColumn, rule: rule.name, table: t.table, message: `rule "${rule.name}" on table ${t.table}: ${msg}` });
    }
  }
  return out;
}

/** An error as editors and compilers print it: file:line:column: message. */
export function formatRuleError(e: RuleError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message}`;
}

/**
 * The rules a parameter names: JSON text when it starts with `{` or `[`,
 * otherwise a file path (relative to the working directory). A missing file
 * is a NOT_FOUND error; the file is read each time, so an edited file gives
 * the new rules on the next run.
 */
export function readRules(param: string): RuleSet {
  const s = param.trim();
  if (s.startsWith('{') || s.startsWith('[')) return parseRules(param, '<rules>');
  const file = path.resolve(s);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LogInvestigatorError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `rules file ${file}: ${code === 'ENOENT' ? 'not found' : (e as Error).message}; write the rules there (${RULES_FILE}) or give them as JSON text`);
  }
  return parseRules(text, file);
}
