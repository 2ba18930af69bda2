/**
 * The login-attempt analyses on small files that always exist: a seeded log
 * with planted attacks (test/generators/loginAttempts.ts; every expected
 * number is recomputed here from the generated rows), the first 500 rows of
 * the book's chapter-8 log with its attack list, and a real sshd log read
 * through the same roles.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import type { Engine } from '../../src/engine/engine';
import { runAnalysis, type AnalysisOutput, type ResultTable } from '../../src/engine/findings/model';
import { catalogTables } from '../../src/engine/store/catalog';
import { findLabelWindows, siblingTables } from '../../src/engine/analyses/login/source';
import { parsePeriod, monthsBetween } from '../../src/engine/analyses/login/minutes';
import { renderSvg } from '../../src/engine/findings/report';
import { loginAttempts, type GeneratedLogins, type LoginRow } from '../generators/loginAttempts';
import { fixture, indexed, tmpDir } from '../helpers';

const minuteOf = (t: string) => Math.floor(Date.parse(`${t.slice(0, 10)}T${t.slice(11)}Z`) / 60000);
const ceilMinute = (t: string) => Math.ceil(Date.parse(`${t.slice(0, 10)}T${t.slice(11)}Z`) / 60000);

function table(out: AnalysisOutput, prefix: string): ResultTable {
  const t = out.tables.find((x) => x.title.startsWith(prefix));
  assert.ok(t, `no table '${prefix}' in ${out.tables.map((x) => x.title).join(' | ')}`);
  return t;
}

function cell(t: ResultTable, row: number, column: string): unknown {
  const j = t.columns.indexOf(column);
  assert.ok(j >= 0, `no column ${column} in ${t.columns.join(', ')}`);
  return t.rows[row][j];
}

function rowWhere(t: ResultTable, column: string, value: unknown): unknown[] {
  const j = t.columns.indexOf(column);
  const r = t.rows.find((x) => x[j] === value);
  assert.ok(r, `no row with ${column} = ${String(value)}`);
  return r;
}

async function setup(files: string[], logTable: string) {
  const { engine } = await indexed(files);
  const log = engine.tables().find((t) => t.table === logTable);
  assert.ok(log, `no table ${logTable}`);
  const run = (id: string, params: Record<string, string> = {}) => runAnalysis(analysisById(id)!, log, (sql, p = []) => engine.query(sql, p), params, engine.tables());
  return { engine, log, run };
}

function write(dir: string, name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** Attack minutes of the windows inside [lo, hi] (epoch minutes), floor(start) … ceil(end). */
function attackMinutes(g: GeneratedLogins, lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (const w of g.windows) for (let m = minuteOf(w.start); m <= ceilMinute(w.end); m++) if (m >= lo && m <= hi) out.add(m);
  return out;
}

function failureSpan(rows: LoginRow[]): [number, number] {
  const f = rows.filter((r) => !r.success).map((r) => minuteOf(r.time));
  return [Math.min(...f), Math.max(...f)];
}

async function renders(out: AnalysisOutput): Promise<void> {
  for (const c of out.charts) {
    const svg = await renderSvg(JSON.parse(JSON.stringify(c.spec)));
    assert.ok(svg.startsWith('<svg'), c.title);
  }
}

describe('login analyses', () => {
  // five days, three planted attacks of 120 attempts each
  const g = loginAttempts({ seed: 11, start: '2018-03-05', days: 5, users: 30, attacks: ['2018-03-05 03:10:00', '2018-03-06 14:20:30', '2018-03-08 22:05:00'] });
  const dir = tmpDir();
  const logFile = write(dir, 'logins.csv', g.csv);
  const windowsFile = write(dir, 'attacks_planted.csv', g.windowsCsv);
  const attackers = new Set(g.windows.map((w) => w.ip));

  it('finds label tables by their start and end roles, and the other files of the same log', async () => {
    const other = write(tmpDir(), 'logins_later.csv', loginAttempts({ seed: 12, start: '2018-04-01', days: 1, attacks: [] }).csv);
    const { engine, log } = await setup([logFile, windowsFile, other, fixture('cohorts.csv')], 'logins');
    const all = catalogTables((sql, p = []) => engine.query(sql, p));
    assert.deepEqual(all.map((t) => t.table), ['logins', 'attacks_planted', 'logins_later', 'cohorts']);
    // the catalog describes the tables as the engine does
    assert.deepEqual(all.map((t) => [t.table, t.rows, t.columns.map((c) => [c.name, c.type, c.role])]), engine.tables().map((t) => [t.table, t.rows, t.columns.map((c) => [c.name, c.type, c.role])]));
    // cohorts.csv has start and end dates too, but a group column: it describes cohorts, not attacks
    assert.deepEqual(findLabelWindows(log, all).map((l) => [l.table, l.entityRole]), [['attacks_planted', 'ip']]);
    assert.deepEqual(siblingTables(log, all).map((t) => t.table), ['logins_later']);
    await engine.dispose();
  });

  it('periods: years, months, days and ranges; bad text is a clear error', () => {
    assert.deepEqual(parsePeriod('2018-01'), { from: '2018-01-01 00:00:00', to: '2018-02-01 00:00:00', label: '2018-01' });
    assert.deepEqual(parsePeriod('2018-12'), { from: '2018-12-01 00:00:00', to: '2019-01-01 00:00:00', label: '2018-12' });
    assert.deepEqual(parsePeriod('2018'), { from: '2018-01-01 00:00:00', to: '2019-01-01 00:00:00', label: '2018' });
    assert.deepEqual(parsePeriod('2018-03-05..2018-03-07'), { from: '2018-03-05 00:00:00', to: '2018-03-08 00:00:00', label: '2018-03-05..2018-03-07' });
    assert.throws(() => parsePeriod('January'), /not a period/);
    assert.throws(() => parsePeriod('2018-03..2018-01'), /not a period/);
    assert.deepEqual(monthsBetween('2018-11-03 10:00:00', '2019-02-01 00:00:00'), ['2018-11', '2018-12', '2019-01', '2019-02']);
  });

  it('login-per-ip: counts, failure reasons found in the data, rates and distinct usernames per IP', async () => {
    const { engine, run } = await setup([logFile, windowsFile], 'logins');
    const out = run('login-per-ip');
    const per = table(out, 'Attempts per IP');
    assert.deepEqual(per.columns, ['ip', 'attempts', 'successes', 'failures', 'failures: error_wrong_password', 'failures: error_wrong_username', 'success rate', 'error rate', 'distinct usernames', 'risk', 'labelled attacker']);
    const ips = new Set(g.rows.map((r) => r.ip));
    assert.equal(per.rows.length, ips.size);
    for (const ip of [...attackers, g.rows[0].ip]) {
      const mine = g.rows.filter((r) => r.ip === ip);
      const fails = mine.filter((r) => !r.success);
      const row = rowWhere(per, 'ip', ip);
      assert.deepEqual(row.slice(1, 6), [mine.length, mine.length - fails.length, fails.length, fails.filter((r) => r.reason === 'error_wrong_password').length, fails.filter((r) => r.reason === 'error_wrong_username').length]);
      assert.equal(row[7], Number((fails.length / mine.length).toFixed(4)));
      assert.equal(row[8], new Set(mine.map((r) => r.user)).size);
      assert.equal(row[10], attackers.has(ip) ? 1 : 0);
      // the risk column is the finding's risk; an attacker's 120 guesses are far beyond chance, a user's failures are not
      assert.equal(row[9], out.findings.find((f) => f.entity.value === ip)?.risk ?? row[9]);
      assert.ok(attackers.has(ip) ? Number(row[9]) >= 90 : Number(row[9]) < 25, `${ip}: risk ${row[9]}`);
    }
    // the attackers try dozens of usernames and fail most of the time; users log in as themselves
    assert.deepEqual(new Set(out.findings.map((f) => f.entity.value)), attackers);
    for (const f of out.findings) {
      assert.equal(f.entity.kind, 'ip');
      assert.equal(f.evidence.total, g.rows.filter((r) => r.ip === f.entity.value && !r.success).length);
    }
    const overview = table(out, 'Overview');
    assert.equal(rowWhere(overview, 'measure', 'attempts')[1], g.rows.length);
    assert.equal(rowWhere(overview, 'measure', 'distinct usernames')[1], new Set(g.rows.map((r) => r.user)).size);
    const dist = table(out, 'Distinct usernames per IP');
    assert.equal(dist.rows.reduce((s, r) => s + Number(r[1]), 0), ips.size);
    assert.deepEqual(out.charts.map((c) => c.title.split(' (')[0]), ['Successes against attempts per IP', 'Per-IP measures', 'Distinct usernames per IP', 'Usernames with failures per minute']);
    assert.equal(run('login-per-ip', { logScale: 'yes' }).charts[0].title, 'Successes against attempts per IP (log axes)');
    await renders(out);
    await engine.dispose();
  });

  it('login-per-ip on the book sample: per-IP figures equal plain SQL over the raw columns', async () => {
    const { engine, run } = await setup([fixture('log.csv'), fixture('attacks.csv')], 'log');
    const out = run('login-per-ip');
    const per = table(out, 'Attempts per IP');
    const sql = engine.query(
      `SELECT source_ip, count(*), sum(success), sum(success = 0), count(DISTINCT username), sum(CASE WHEN failure_reason = 'error_wrong_password' THEN 1 ELSE 0 END) FROM log GROUP BY 1 ORDER BY 2 DESC, 1`,
    ).rows;
    assert.equal(per.rows.length, sql.length);
    for (const [i, r] of sql.entries()) {
      assert.deepEqual([per.rows[i][0], per.rows[i][1], per.rows[i][2], per.rows[i][3], cell(per, i, 'distinct usernames'), cell(per, i, 'failures: error_wrong_password')], r);
    }
    await engine.dispose();
  });

  it('login-rules: each rule flags the attackers; its error rates follow from its counts', async () => {
    const { engine, run } = await setup([logFile, windowsFile], 'logins');
    const out = run('login-rules');
    const rules = table(out, 'Rules compared');
    const ips = new Set(g.rows.map((r) => r.ip)).size;
    assert.deepEqual(rules.rows.map((r) => r[0]), ['threshold', 'mean', 'median', 'tukey', 'zscore']);
    for (const [i] of rules.rows.entries()) {
      const [tp, fp, fn, tn] = ['TP', 'FP', 'FN', 'TN'].map((c) => Number(cell(rules, i, c)));
      assert.equal(tp + fp + fn + tn, ips);
      assert.equal(tp + fn, attackers.size);
      assert.equal(cell(rules, i, 'false-positive rate'), Number((fp / (fp + tn)).toFixed(4)));
      assert.equal(cell(rules, i, 'false-negative rate'), Number((fn / (fn + tp)).toFixed(4)));
    }
    // a user fails at most once an hour, on one username: no rule may confuse one with 120 guesses
    const threshold = rowWhere(rules, 'rule', 'threshold');
    assert.deepEqual(threshold.slice(2, 7), [3, 3, 0, 0, ips - 3]);
    assert.deepEqual(new Set(out.findings.filter((f) => Number(f.metrics.rulesFlagging) >= 3).map((f) => f.entity.value)), attackers);
    const top = out.findings.find((f) => attackers.has(f.entity.value))!;
    assert.ok(top.evidence.total > 0 && top.evidence.lines.length > 0);
    await renders(out);
    // without a label table the rules still flag, with no error rates
    const { engine: e2, run: run2 } = await setup([logFile], 'logins');
    const bare = run2('login-rules');
    assert.deepEqual(table(bare, 'Rules').columns, ['rule', 'flags an IP when one of its hours has', 'IPs flagged']);
    await renders(bare);
    await e2.dispose();
    await engine.dispose();
  });

  it('login-detectors: every minute from the first to the last failure, labelled minutes from floor(start) to ceil(end)', async () => {
    const { engine, run } = await setup([logFile, windowsFile], 'logins');
    const out = run('login-detectors', { contamination: '0.01' });
    const d = table(out, 'Detectors');
    const [lo, hi] = failureSpan(g.rows);
    assert.equal(rowWhere(d, 'measure', 'minutes')[1], hi - lo + 1);
    const attacks = attackMinutes(g, lo, hi);
    assert.equal(rowWhere(d, 'measure', 'labelled attack minutes')[1], attacks.size);
    const e = table(out, 'Evaluation against labelled minutes');
    const forest = rowWhere(e, 'detector', 'isolation forest');
    const [tp, fn] = [forest[e.columns.indexOf('TP')], forest[e.columns.indexOf('FN')]].map(Number);
    assert.equal(tp + fn, attacks.size);
    assert.equal(forest[e.columns.indexOf('recall')], Number((tp / (tp + fn)).toFixed(4)));
    // a minute of 20-odd guesses stands out from users failing once; an attack's partial edge minutes may be missed
    const busy = [...attacks].filter((m) => g.rows.filter((r) => !r.success && attackers.has(r.ip) && minuteOf(r.time) === m).length >= 20);
    assert.ok(busy.length >= 8, `${busy.length} busy attack minutes`);
    assert.ok(tp >= busy.length, `${tp} attack minutes found, ${busy.length} busy ones`);
    const found = new Set(out.findings.map((f) => minuteOf(`${f.entity.value}:00`)));
    for (const m of busy) assert.ok(found.has(m), `busy attack minute ${new Date(m * 60000).toISOString()} is no finding`);
    assert.ok(out.findings.length > 0);
    for (const f of out.findings) {
      assert.equal(f.entity.kind, 'window');
      const m = minuteOf(`${f.entity.value}:00`);
      assert.ok(attacks.has(m), `${f.entity.value} is no attack minute`);
      const ips = String(f.metrics.ips).split(' ');
      assert.ok(ips.some((ip) => attackers.has(ip)), `${f.metrics.ips}`);
      const rowsThen = g.rows.filter((r) => !r.success && minuteOf(r.time) === m);
      assert.equal(f.evidence.total, rowsThen.length);
    }
    const kappa = Number(rowWhere(d, 'measure', "Cohen's kappa")[1]);
    assert.ok(kappa >= -1 && kappa <= 1);
    assert.ok(out.charts.some((c) => c.title.startsWith('Evaluation')));
    await renders(out);
    await engine.dispose();
  });

  it('login-detectors without labels, on one day, with the counts as features', async () => {
    const { engine, run } = await setup([logFile], 'logins');
    const out = run('login-detectors', { period: '2018-03-06', features: 'usernames_with_failures,attempts,failures,ips,previous' });
    const day = g.rows.filter((r) => r.time.startsWith('2018-03-06'));
    const [lo, hi] = failureSpan(day);
    assert.equal(rowWhere(table(out, 'Detectors'), 'measure', 'minutes')[1], hi - lo + 1);
    assert.equal(rowWhere(table(out, 'Detectors'), 'measure', 'features')[1], 6);
    assert.ok(!out.tables.some((t) => t.title.startsWith('Evaluation')));
    assert.throws(() => run('login-detectors', { features: 'usernames,colour' }), /unknown feature/);
    assert.throws(() => run('login-detectors', { period: 'March' }), /not a period/);
    await renders(out);
    await engine.dispose();
  });

  it('login-supervised: trained on the first days, tested on the last; the threshold never sees the test labels', async () => {
    const { engine, run } = await setup([logFile, windowsFile], 'logins');
    const params = { train: '2018-03-05..2018-03-07', test: '2018-03-08..2018-03-09', Cs: '0.1,1,10', folds: '3' };
    const out = run('login-supervised', params);
    const setupRows = table(out, 'Set-up');
    const test = g.rows.filter((r) => r.time >= '2018-03-08');
    const [lo, hi] = failureSpan(test);
    assert.equal(rowWhere(setupRows, 'what', 'test minutes')[1], hi - lo + 1);
    assert.equal(rowWhere(setupRows, 'what', 'test attack minutes')[1], attackMinutes(g, lo, hi).size);
    const e = table(out, 'Evaluation against labelled minutes');
    assert.deepEqual(e.rows.map((r) => r[0]), ['logistic regression', 'logistic regression, found threshold', 'naive Bayes', 'dummy (stratified)']);
    const lr = rowWhere(e, 'detector', 'logistic regression');
    assert.equal(lr[e.columns.indexOf('precision')], 1, 'no user minute looks like 30 guesses');
    assert.ok(out.findings.length > 0 && out.findings.every((f) => f.entity.kind === 'window' && f.metrics.labelledAttack === 1));
    assert.ok(table(out, 'Classification reports').rows.some((r) => r[1] === 'macro avg'));
    await renders(out);
    // the test period's labels are read after predicting: dropping them changes no prediction and no threshold
    const partial = write(tmpDir(), 'attacks_train_only.csv', 'start,end,source_ip\n' + g.windows.filter((w) => w.start < '2018-03-08').map((w) => `${w.start},${w.end},${w.ip}`).join('\n') + '\n');
    const { engine: e2, run: run2 } = await setup([logFile, partial], 'logins');
    const blind = run2('login-supervised', params);
    assert.deepEqual(rowWhere(table(blind, 'Set-up'), 'what', 'C chosen by cross-validation'), rowWhere(setupRows, 'what', 'C chosen by cross-validation'));
    assert.deepEqual(
      blind.findings.map((f) => [f.entity.value, f.metrics.probability, f.metrics.threshold]),
      out.findings.map((f) => [f.entity.value, f.metrics.probability, f.metrics.threshold]),
    );
    assert.throws(() => run('login-supervised', { train: '2018-03-08', test: '2018-03-05' }), /must come after/);
    await e2.dispose();
    await engine.dispose();
  });

  it('login-supervised and login-online explain instead of failing when there are no labels', async () => {
    const { engine, run } = await setup([logFile], 'logins');
    assert.match(String(run('login-supervised').tables[0].rows[0][1]), /no table of labelled windows/);
    assert.match(String(run('login-online').tables[0].rows[0][1]), /no table of labelled windows/);
    await engine.dispose();
  });

  describe('login-online', () => {
    // three months; the March attacks are kept out of the label table and given in a labels file instead
    const m = loginAttempts({ seed: 5, start: '2018-01-01', days: 90, users: 12, attemptsPerAttack: 90, attacks: ['2018-01-04 02:00:10', '2018-01-17 13:30:00', '2018-01-28 20:10:00', '2018-02-08 06:40:00', '2018-02-21 18:00:00', '2018-03-09 11:11:11', '2018-03-25 23:20:00'] });
    const mdir = tmpDir();
    const log = write(mdir, 'q1.csv', m.csv);
    const all = write(mdir, 'q1_attacks.csv', m.windowsCsv);
    const early = write(tmpDir(), 'q1_attacks.csv', 'start,end,source_ip\n' + m.windows.filter((w) => w.start < '2018-03').map((w) => `${w.start},${w.end},${w.ip}`).join('\n') + '\n');
    const labelsFile = write(mdir, 'labels.json', JSON.stringify({ version: 1, labels: {}, windows: m.windows.filter((w) => w.start >= '2018-03').map((w) => ({ start: w.start, end: w.end, entity: w.ip })) }));

    it('trains on January, predicts each later month before learning it, with labels from a table and from the labels file', async () => {
      const { engine, run } = await setup([log, all], 'q1');
      const out = run('login-online', { testMonths: '2' });
      const months = table(out, 'Per month');
      assert.ok(months.title.includes('2018-01..2018-01'), months.title);
      assert.deepEqual(months.rows.map((r) => r[0]), ['2018-02', '2018-03']);
      for (const [i, ym] of ['2018-02', '2018-03'].entries()) {
        const [lo, hi] = failureSpan(m.rows.filter((r) => r.time.startsWith(ym)));
        assert.equal(cell(months, i, 'minutes'), hi - lo + 1);
        assert.equal(cell(months, i, 'attack minutes'), attackMinutes(m, lo, hi).size);
        assert.equal(cell(months, i, 'precision'), 1, `${ym}: users failing once are never attacks`);
        assert.ok(Number(cell(months, i, 'recall')) >= 0.7, `${ym} recall ${cell(months, i, 'recall')}`);
      }
      assert.ok(out.findings.length > 0 && out.findings.every((f) => f.metrics.labelledAttack === 1));
      const saved = JSON.parse(String(table(out, 'Saved model').rows[0][0]));
      assert.equal(saved.kind, 'sgd-logistic');
      await renders(out);

      // the same March labels from the labels file give the same months
      const { engine: e2, run: run2 } = await setup([log, early], 'q1');
      const viaFile = run2('login-online', { testMonths: '2', labels: labelsFile });
      assert.deepEqual(table(viaFile, 'Per month').rows, months.rows);
      // without them, March has no attack minutes, and February (predicted before March was seen) is unchanged
      const without = table(run2('login-online', { testMonths: '2' }), 'Per month');
      assert.deepEqual(without.rows[0], months.rows[0]);
      assert.equal(without.rows[1][2], 0);
      assert.throws(() => run2('login-online', { labels: path.join(mdir, 'missing.json') }), /cannot read the labels file/);
      await e2.dispose();
      await engine.dispose();
    });
  });

  it('sshd logs go through the same analyses by their roles (user, src_ip, outcome, time)', async () => {
    const { engine, run } = await setup([fixture('OpenSSH_2k.log')], 'openssh_2k');
    const out = run('login-per-ip');
    const per = table(out, 'Attempts per IP');
    // the reason of a failed sshd attempt is its event; one attempt is its Failed/Accepted line (PAM's line and 'Invalid user' are parts of it)
    const attempt = `(event LIKE 'failed\\_%' ESCAPE '\\' OR event LIKE 'accepted\\_%' ESCAPE '\\')`;
    const events = engine.query(`SELECT event, count(*) FROM openssh_2k WHERE outcome = 'failure' AND ${attempt} GROUP BY 1 ORDER BY 2 DESC, 1`).rows.map((r) => `failures: ${r[0]}`);
    assert.deepEqual(per.columns.filter((c) => c.startsWith('failures: ')), events);
    const sql = engine.query(`SELECT src_ip, count(outcome), sum(outcome = 'failure'), count(DISTINCT user) FROM openssh_2k WHERE src_ip IS NOT NULL AND ${attempt} GROUP BY 1 HAVING count(outcome) > 0 ORDER BY 2 DESC, 1`).rows;
    assert.deepEqual(per.rows.map((r) => [r[0], r[1], r[3], cell(per, per.rows.indexOf(r), 'distinct usernames')]), sql);
    await renders(out);
    const rules = run('login-rules');
    assert.ok(table(rules, 'Rules').rows.length === 5);
    const det = run('login-detectors', { contamination: '0.05' });
    const [first, last] = engine.query(`SELECT min(_time), max(_time) FROM openssh_2k WHERE outcome = 'failure' AND ${attempt}`).rows[0] as string[];
    assert.equal(rowWhere(table(det, 'Detectors'), 'measure', 'minutes')[1], minuteOf(last) - minuteOf(first) + 1);
    await renders(det);
    await engine.dispose();
  });

  it('a SQLite file of login attempts (no _line, no _time) goes through login-per-ip; its rows are numbered by rowid', async () => {
    const { engine, run } = await setup([fixture('logins.sqlite')], 'logs');
    const out = run('login-per-ip');
    const per = table(out, 'Attempts per IP');
    assert.equal(per.rows.reduce((s, r) => s + Number(r[1]), 0), 300);
    const reasons = engine.query(`SELECT failure_reason, count(*) FROM logs WHERE success = 0 AND failure_reason <> '' GROUP BY 1 ORDER BY 2 DESC, 1`).rows.map((r) => `failures: ${r[0]}`);
    assert.deepEqual(per.columns.filter((c) => c.startsWith('failures: ')), reasons);
    for (const f of out.findings) assert.ok(f.evidence.total > 0 && f.evidence.lines.length === 0);
    await renders(out);
    await engine.dispose();
  });
});
