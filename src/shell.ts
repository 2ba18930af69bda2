import * as readline from 'node:readline';
import type { Engine } from './engine/engine';
import { errorMessage } from './engine/errors';
import { formatTable } from './engine/output';

const HELP = `Type SQL ending with ';' (it may span lines). Commands:
  .tables            indexed tables with format, rows and rejected rows
  .schema TABLE      columns of a table with type and role
  .rejects [TABLE]   lines that could not be read, with the reason
  .help  .quit
Every table has _line (the line in the source file) and, when the log has time, _time (UTC).`;

/** An interactive SQL prompt over the indexed files. */
export async function runShell(engine: Engine, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const say = (s: string) => out.write(s.endsWith('\n') ? s : s + '\n');
  const tables = () => {
    const rows = engine.tables().map((t) => [t.table, t.format, t.rows, t.rejected, t.file]);
    say(formatTable(['table', 'format', 'rows', 'rejected', 'file'], rows));
  };
  say(`Log Investigator shell. ${HELP}\n`);
  tables();
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'sql> ', terminal: process.stdin.isTTY });
  let buffer = '';
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (!buffer && trimmed.startsWith('.')) {
      const [cmd, arg] = trimmed.split(/\s+/, 2);
      try {
        if (cmd === '.quit' || cmd === '.exit') break;
        else if (cmd === '.help') say(HELP);
        else if (cmd === '.tables') tables();
        else if (cmd === '.schema') {
          const t = engine.tables().find((x) => x.table.toLowerCase() === (arg ?? '').toLowerCase());
          if (!t) say(`no table ${arg ?? ''}; see .tables`);
          else say(formatTable(['column', 'type', 'role'], t.columns.map((c) => [c.name, c.type, c.role])));
        } else if (cmd === '.rejects') {
          const r = engine.query(
            `SELECT table_name, line, reason, substr(raw, 1, 80) AS raw FROM rejects ${arg ? 'WHERE table_name = ?' : ''} ORDER BY table_name, line LIMIT 50`,
            arg ? [arg] : [],
          );
          say(formatTable(r.columns, r.rows));
        } else say(`unknown command ${cmd}; try .help`);
      } catch (e) {
        say(`error: ${errorMessage(e)}`);
      }
      rl.prompt();
      continue;
    }
    buffer += (buffer ? '\n' : '') + line;
    if (trimmed.endsWith(';')) {
      const sql = buffer;
      buffer = '';
      try {
        const r = engine.query(sql, [], { maxRows: 200 });
        say(formatTable(r.columns, r.rows) + (r.truncated ? '(first 200 rows shown)\n' : ''));
      } catch (e) {
        say(`error: ${errorMessage(e)}`);
      }
      rl.setPrompt('sql> ');
    } else if (buffer) rl.setPrompt('...> ');
    rl.prompt();
  }
  rl.close();
}
