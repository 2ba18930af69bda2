import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, hasShared, indexed, rows, SHARED, tmpDir } from '../helpers';
import { loadLnavFormats, pcreToJs } from '../../src/engine/ingest/lnav';

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
