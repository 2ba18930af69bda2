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
      const close = c === '[' ? ']' : c;
      for (i++; i < sql.length; i++) {
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) i++;
          else break;
        }
      }
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
