import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, hasShared, indexed, one, rows, SHARED, tmpDir } from '../helpers';
import { groupingAccuracy, parseStructuredCsv } from '../../src/engine/templates/accuracy';
import type { Engine } from '../../src/engine/engine';

/** Grouping accuracy of the indexed table's `_template` against a loghub structured CSV, line by line. */
function accuracyOf(engine: Engine, table: string, structured: string): number {
  const truth = parseStructuredCsv(fs.readFileSync(structured, 'utf8'));
  const byLine = new Map(rows(engine, `SELECT _line, _template FROM ${table}`).map((r) => [Number(r[0]), r[1] as number | null]));
  return groupingAccuracy(truth.map((t) => t.eventId), truth.map((t) => byLine.get(t.lineId) ?? null)).accuracy;
}

describe('message templates while indexing', () => {
  it('syslog: _template on every row, <table>_templates with id, template, count, first and last line', async () => {
    const { engine, tables } = await indexed([fixture('OpenSSH_2k.log')]);
    const [t] = tables;
    assert.deepEqual(t.columns.slice(0, 3).map((c) => c.name), ['_line', '_time', '_template']);
    assert.equal(t.columns[2].type, 'integer');
    assert.equal(t.columns[2].role, null);
    assert.equal(t.templates?.table, 'openssh_2k_templates');
    assert.equal(t.templates?.source, 'message');
    assert.equal(one(engine, 'SELECT count(*) FROM openssh_2k WHERE _template IS NULL'), 0);
    assert.equal(one(engine, 'SELECT sum(count) FROM openssh_2k_templates'), 300);
    assert.equal(one(engine, 'SELECT count(*) FROM openssh_2k_templates'), t.templates?.count);
    // every template's count, first and last line agree with the rows that carry its id
    assert.deepEqual(
      rows(engine, 'SELECT id, count, first_line, last_line FROM openssh_2k_templates ORDER BY id'),
      rows(engine, 'SELECT _template, count(*), min(_line), max(_line) FROM openssh_2k GROUP BY _template ORDER BY _template'),
    );
    assert.equal(one(engine, "SELECT template FROM openssh_2k_templates t JOIN openssh_2k o ON o._template = t.id WHERE o._line = 2"), 'Invalid user <*> from <*>');
    assert.equal(accuracyOf(engine, 'openssh_2k', fixture('loghub/OpenSSH_300.log_structured.csv')).toFixed(4), '0.8667');
    await engine.dispose();
  });

  it('ids merged after they were written are rewritten in the table (an attribute with five values)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'auth.log');
    const users = ['root', 'guest', 'test', 'ftp', 'mysql', 'root'];
    fs.writeFileSync(file, users.map((u, i) => `Jun 14 15:16:0${i} combo sshd[1${i}]: authentication failure; uid=0 rhost=10.0.0.${i} user=${u}`).join('\n') + '\n');
    const { engine } = await indexed([file]);
    assert.deepEqual(rows(engine, 'SELECT DISTINCT _template FROM auth'), [[1]]);
    assert.deepEqual(rows(engine, 'SELECT id, template, count FROM auth_templates'), [[1, 'authentication failure; uid=<*> rhost=<*> user=<*>', 6]]);
    await engine.dispose();
  });

  it('Apache error log and plain lines get templates; a table without a message column does not', async () => {
    const { engine, tables } = await indexed([fixture('loghub/Apache_300.log'), fixture('log.csv')]);
    const [apache, csv] = tables;
    assert.equal(apache.format, 'apache-error');
    assert.equal(accuracyOf(engine, 'apache_300', fixture('loghub/Apache_300.log_structured.csv')), 1);
    assert.equal(csv.templates, undefined);
    assert.ok(!csv.columns.some((c) => c.name === '_template'));
    await engine.dispose();
  });

  (hasShared ? it : it.skip)('loghub 2k samples indexed from ../shared/data: _template grouping accuracy OpenSSH 0.9945, Linux 0.999, Apache 1', async () => {
    const dir = path.join(SHARED, 'syslog-ssh');
    const names = ['OpenSSH', 'Linux', 'Apache'];
    const { engine } = await indexed(names.map((n) => path.join(dir, `${n}_2k.log`)));
    const got = names.map((n) => accuracyOf(engine, `${n.toLowerCase()}_2k`, path.join(dir, `${n}_2k.log_structured.csv`)));
    assert.deepEqual(got, [0.9945, 0.999, 1]);
    await engine.dispose();
  });
});
