import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, hasShared, indexed, rows, SHARED, tmpDir } from '../helpers';
import { lnavLevelOf, loadLnavFormats, pcreToJs } from '../../src/engine/ingest/lnav';

describe('lnav format files', () => {
  it('a log in an lnav format: one column per capture, the time, lnav levels, unmatched lines continue the record', async () => {
    const dirs = [fixture('lnav/formats')];
    const { engine, tables } = await indexed([fixture('lnav/app.glog')], { formatDirs: dirs, year: 2020 });
    const [t] = tables;
    assert.equal(t.format, 'lnav');
    assert.equal(t.formatName, 'glog_log');
    assert.deepEqual(t.columns.map((c) => c.name), ['_line', '_time', '_template', 'level', 'timestamp', 'thread', 'src_file', 'src_line', 'message', 'log_level']);
    assert.equal(t.columns.find((c) => c.name === 'thread')?.type, 'integer');
    assert.deepEqual(rows(engine, `SELECT _line, _time, level, log_level, src_file, src_line FROM ${t.table} ORDER BY _line`), [
      [1, '2020-03-08 23:47:32.089828', 'I', 'info', 'config.cc', 27],
      [2, '2020-03-08 23:47:32.090114', 'I', 'info', 'config.cc', 88],
      [3, '2020-03-08 23:48:01.512003', 'W', 'warning', 'pool.cc', 140],
      [4, '2020-03-08 23:48:05.000917', 'E', 'error', 'pool.cc', 171],
      [6, '2020-03-08 23:48:06.1', 'I', 'info', 'pool.cc', 90],
      [7, '2020-03-09 00:01:00.000001', 'F', 'fatal', 'main.cc', 12],
    ]);
    assert.equal(rows(engine, `SELECT message FROM ${t.table} WHERE _line = 4`)[0][0], 'Worker 3 failed: connection reset by peer\n    at pool.cc:171 (retry 1 of 3)');
    assert.equal(t.templates?.source, 'message');
    await engine.dispose();
  });

  it('bad files and definitions are diagnostics; PCRE-only syntax is translated or reported', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "x": ');
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({
      no_regex: { title: 'none' },
      bad_regex: { regex: { std: { pattern: '^(?<ts>\\d+' } } },
      extended: { regex: { std: { pattern: '(?x) a b' } } },
      json_one: { 'file-type': 'json', value: {} },
      fine: { regex: { std: { pattern: '^(?i)(?P<timestamp>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) (?<body>.*)\\Z' } }, level: { error: '(?i)err' } },
    }));
    const { formats, diagnostics } = loadLnavFormats([dir, path.join(dir, 'missing')]);
    assert.deepEqual(formats.map((f) => f.name), ['fine']);
    assert.equal(formats[0].regexes[0].re.flags, 'i');
    assert.ok(formats[0].regexes[0].re.test('2024-01-01 10:00:00 hello'));
    const msgs = diagnostics.map((d) => `${path.basename(d.file)} ${d.format ?? ''}: ${d.message}`);
    assert.equal(msgs.length, 5, msgs.join('\n'));
    assert.ok(msgs.some((m) => /^broken\.json : not valid JSON/.test(m)));
    assert.ok(msgs.some((m) => /no_regex: no "regex"/.test(m)));
    assert.ok(msgs.some((m) => /bad_regex: regex std: Invalid regular expression/.test(m)));
    assert.ok(msgs.some((m) => /extended: regex std: the x \(extended\) flag/.test(m)));
    assert.ok(msgs.some((m) => /json_one: a JSON-lines format/.test(m)));
    assert.deepEqual(pcreToJs('(?>a++)\\h(?P=x)'), { source: '(?:a+)[ \\t]\\k<x>', flags: '' });
  });

  (hasShared ? it : it.skip)("the CLI reads the workspace's .log-investigator/formats and the user's lnav folder (lnav's spdlog_log); a bad one is listed by `formats`", () => {
    const ws = tmpDir();
    const home = tmpDir();
    fs.mkdirSync(path.join(ws, '.log-investigator', 'formats'), { recursive: true });
    fs.copyFileSync(fixture('lnav/formats/glog_log.json'), path.join(ws, '.log-investigator', 'formats', 'glog_log.json'));
    fs.writeFileSync(path.join(ws, '.log-investigator', 'formats', 'broken.json'), '{ "x": ');
    const installed = path.join(home, '.config', 'lnav', 'formats', 'installed');
    fs.mkdirSync(installed, { recursive: true });
    fs.copyFileSync(path.join(SHARED, 'lnav-formats', 'spdlog_log.json'), path.join(installed, 'spdlog_log.json'));
    const spd = path.join(ws, 'envoy.log');
    fs.writeFileSync(spd, ['[2025-04-24 19:51:59.688][8][info][config] [source/server/configuration_impl.cc:168] loading tracing configuration', '[2025-04-24 19:52:00.001][8][error][upstream] [source/common/upstream/cluster_manager_impl.cc:90] cm init: all clusters initialized'].join('\n') + '\n');
    fs.copyFileSync(fixture('lnav/app.glog'), path.join(ws, 'app.glog'));
    const cli = path.resolve(__dirname, '..', '..', '..', 'bin', 'log-investigator.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, HOME: home } });
    const r = run('index', 'app.glog', 'envoy.log', '--year', '2020');
    assert.equal(r.status, 0, r.stderr);
    const [glog, envoy] = JSON.parse(r.stdout) as { format: string; formatName?: string; rows: number; columns: { name: string }[] }[];
    assert.deepEqual([glog.format, glog.formatName, envoy.format, envoy.formatName, envoy.rows], ['lnav', 'glog_log', 'lnav', 'spdlog_log', 2]);
    assert.ok(['thread_id', 'level', 'logger', 'src_file', 'src_line', 'message'].every((c) => envoy.columns.some((x) => x.name === c)), envoy.columns.map((c) => c.name).join(','));
    const q = run('query', 'envoy.log', '--json', '--sql', 'SELECT _time, level, log_level, logger, src_line FROM envoy ORDER BY _line');
    assert.equal(q.status, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout), [
      { _time: '2025-04-24 19:51:59.688', level: 'info', log_level: 'info', logger: 'config', src_line: 168 },
      { _time: '2025-04-24 19:52:00.001', level: 'error', log_level: 'error', logger: 'upstream', src_line: 90 },
    ]);
    const f = run('formats');
    assert.match(f.stdout, /^  glog_log\s/m);
    assert.match(f.stdout, /^  spdlog_log\s/m);
    assert.match(f.stdout, /^  ! broken\.json: not valid JSON/m);
  });

  // level words as lnav 0.11.1 read them with spdlog_log (no level patterns), checked with
  // lnav -n -c ';SELECT log_line, log_level FROM all_logs' on a line per word
  const LEVEL_WORDS: [string, string | null][] = [
    ['I', 'info'], ['W', 'warning'], ['D', 'debug'], ['F', 'fatal'], ['C', 'critical'], ['T', 'trace'], ['V', 'debug'], ['N', 'notice'], ['E', 'error'],
    ['INFO', 'info'], ['WARNING', 'warning'], ['WARN', 'warning'], ['ERR', 'error'], ['ERROR', 'error'], ['CRIT', null], ['CRITICAL', 'critical'],
    ['SEVERE', 'critical'], ['FATAL', 'fatal'], ['NOTICE', 'notice'], ['Information', 'info'], ['Verbose', null], ['stats', 'stats'], ['debug2', 'debug2'],
    ['debug5', 'debug5'], ['debug', 'debug'], ['emerg', null], ['alert', null], ['panic', null], ['X', null], ['info1', 'info'], ['errors', 'error'],
    ['Warning', 'warning'], ['iNfO', 'info'], ['trace1', 'trace'], ['D1', null], ['fine', null],
  ];

  it('stamps in several layouts (a timestamp-format list): each read by its own, the year-less ones from --year', async () => {
    const dir = tmpDir();
    const formats = path.join(dir, 'formats');
    fs.mkdirSync(formats);
    const def = { multi_log: { title: 'several stamps', regex: { std: { pattern: '^(?<pid>\\d+):(?<role>[A-Z]) (?<timestamp>\\d+ \\w{3}(?: \\d{4})? [\\d:.]+|\\d{10}) (?<body>.*)$' } }, 'timestamp-format': ['%s', '%d %b %Y %H:%M:%S.%L', '%d %b %H:%M:%S.%L'] } };
    fs.writeFileSync(path.join(formats, 'multi_log.json'), JSON.stringify(def));
    const file = path.join(dir, 'multi.log');
    fs.writeFileSync(file, ['1:M 29 Aug 2023 13:47:38.984 * monotonic clock', '1:M 1693317000 signal handler', '7:S 30 Aug 14:00:01.5 replica ready', '7:S 30 Aug 2023 14:00:02.001 * synced', '7:S 30 Aug 14:00:03.250 done'].join('\n') + '\n');
    const { engine, tables } = await indexed([file], { formatDirs: [formats], year: 2023 });
    try {
      assert.deepEqual([tables[0].format, tables[0].rows, tables[0].rejected], ['lnav', 5, 0]);
      assert.deepEqual(rows(engine, 'SELECT _line, _time FROM multi ORDER BY _line'), [
        [1, '2023-08-29 13:47:38.984'],
        [2, '2023-08-29 13:50:00'],
        [3, '2023-08-30 14:00:01.5'],
        [4, '2023-08-30 14:00:02.001'],
        [5, '2023-08-30 14:00:03.25'],
      ]);
    } finally {
      await engine.dispose();
    }
  });

  (hasShared ? it : it.skip)("lnav's redis_log samples (three stamp layouts in one file) all get their _time", async () => {
    const dir = tmpDir();
    const def = JSON.parse(fs.readFileSync(path.join(SHARED, 'lnav-formats', 'redis_log.json'), 'utf8')) as Record<string, { sample?: { line: string }[] }>;
    const lines = Object.values(def).flatMap((f) => (typeof f === 'object' && f.sample ? f.sample.map((x) => x.line) : []));
    const file = path.join(dir, 'redis.log');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { engine, tables } = await indexed([file], { formatDirs: [path.join(SHARED, 'lnav-formats')], year: 2023 });
    try {
      assert.equal(tables[0].formatName, 'redis_log');
      assert.equal(tables[0].rows, lines.length);
      assert.equal(rows(engine, 'SELECT count(*) FROM redis WHERE _time IS NULL')[0][0], 0);
    } finally {
      await engine.dispose();
    }
  });

  it("a format without level patterns: log_level from the level field's word, as lnav reads it", () => {
    assert.deepEqual(LEVEL_WORDS.map(([w]) => [w, lnavLevelOf(w)]), LEVEL_WORDS);
  });

  const lnav = spawnSync('sh', ['-c', 'command -v lnav'], { encoding: 'utf8' }).stdout.trim();
  (hasShared && lnav ? it : it.skip)('where lnav is installed: our _time and log_level equal lnav\'s log_time and log_level (spdlog_log from the user folder)', () => {
    const home = tmpDir();
    const installed = path.join(home, '.lnav', 'formats', 'installed');
    fs.mkdirSync(installed, { recursive: true });
    fs.copyFileSync(path.join(SHARED, 'lnav-formats', 'spdlog_log.json'), path.join(installed, 'spdlog_log.json'));
    const file = path.join(tmpDir(), 'levels.log');
    fs.writeFileSync(file, LEVEL_WORDS.map(([w], i) => `[2025-04-24 19:52:${String(i).padStart(2, '0')}.${String(i * 7).padStart(3, '0')}][8][${w}][upstream] [x.cc:9] line ${i}`).join('\n') + '\n');
    const r = spawnSync(lnav, ['-n', '-c', ';SELECT log_line, log_time, log_level FROM all_logs', file], { encoding: 'utf8', env: { ...process.env, HOME: home }, timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const theirs = r.stdout.trim().split('\n').slice(1).map((l) => {
      const [line, day, time, level] = l.trim().split(/\s+/);
      return [Number(line) + 1, `${day} ${time}`.replace(/\.?0+$/, ''), level === 'unknown' ? null : level];
    });
    assert.equal(theirs.length, LEVEL_WORDS.length, r.stdout);
    const cli = path.resolve(__dirname, '..', '..', '..', 'bin', 'log-investigator.js');
    const q = spawnSync(process.execPath, [cli, 'query', file, '--json', '--sql', 'SELECT _line, _time, log_level FROM levels ORDER BY _line'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
    assert.equal(q.status, 0, q.stderr);
    const ours = (JSON.parse(q.stdout) as { _line: number; _time: string; log_level: string | null }[]).map((x) => [x._line, x._time, x.log_level]);
    assert.deepEqual(ours, theirs);
  });

  (hasShared ? it : it.skip)("lnav's own 73 format files in ../shared/data: 59 regex formats load, their sample lines match", () => {
    const { formats, diagnostics } = loadLnavFormats([path.join(SHARED, 'lnav-formats')]);
    assert.equal(formats.length, 59);
    // the JSON-lines formats, and vdsm_log's v4.1 pattern (a backreference to a name inside a lookahead JavaScript refuses)
    assert.ok(diagnostics.every((d) => /JSON-lines/.test(d.message) || d.format === 'vdsm_log'), diagnostics.map((d) => d.message).join('\n'));
    let samples = 0;
    let matched = 0;
    for (const f of formats) {
      for (const s of f.samples) {
        samples++;
        if (f.regexes.some((r) => r.re.test(s.split('\n')[0]))) matched++;
      }
    }
    assert.equal(samples, 255);
    assert.ok(matched >= 254, `${matched} of ${samples}`);
  });
});
