/**
 * The statements of a SQL document: split at semicolons that are outside strings, quoted names
 * and comments, each with its offsets in the text (for CodeLenses, Ctrl+Enter and diagnostics).
 */
export interface Statement {
  text: string;
  /** Offset of the statement's first non-blank character. */
  start: number;
  /** Offset just after its last character (before the semicolon). */
  end: number;
}

/**
 * When `sql[i]` opens a string ('…'), a quoted name ("…", `…`) or a bracketed name ([…]): the index
 * of the character that closes it (doubled quotes stay inside); else `i` itself.
 */
export function skipQuoted(sql: string, i: number): number {
  const c = sql[i];
  if (c !== "'" && c !== '"' && c !== '`' && c !== '[') return i;
  const close = c === '[' ? ']' : c;
  let j = i + 1;
  for (; j < sql.length; j++) {
    if (sql[j] !== close) continue;
    if (close !== ']' && sql[j + 1] === close) j++;
    else break;
  }
  return j;
}

export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  let from = 0;
  const push = (to: number) => {
    const raw = sql.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text && !isOnlyComments(text)) out.push({ text, start: from + lead, end: from + lead + text.length });
  };
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      i = skipQuoted(sql, i);
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? sql.length : e + 1;
    } else if (c === ';') {
      push(i);
      from = i + 1;
    }
  }
  push(sql.length);
  return out;
}

function isOnlyComments(text: string): boolean {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?(\*\/|$)/g, '').trim() === '';
}

/** The statement at an offset (the cursor): the one containing it, else the nearest before it. */
export function statementAt(statements: Statement[], offset: number): Statement | undefined {
  let best: Statement | undefined;
  for (const s of statements) {
    if (s.start <= offset) best = s;
    if (offset <= s.end) break;
  }
  return best ?? statements[0];
}
