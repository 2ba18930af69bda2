/**
 * The Sigma rule reader (src/engine/sigma/yamlDocs.ts): js-yaml with key lines from its
 * listener, the `yaml` package only for files js-yaml rejects or that use anchors.
 */
import * as assert from 'node:assert/strict';
import { readYamlDocs } from '../../src/engine/sigma/yamlDocs';
import { parseSigmaText } from '../../src/engine/sigma/rule';
import { regexLiteral, regexNeed } from '../../src/engine/sigma/need';

const det = 'detection:\n  sel:\n    Image|endswith: x\n  condition: sel\n';

describe('Sigma YAML documents', () => {
  it('documents with their --- line, source range and detection key lines (comments, ..., CRLF)', () => {
    const text = '# lead\n\ntitle: A\n' + det + '# tail\n---\n# c\ntitle: B\n' + det + '...\n---\r\ntitle: C\r\ndetection: {s: {a: 1}, condition: s}\r\n';
    const docs = readYamlDocs(text);
    assert.deepEqual(docs.map((d) => d.line), [3, 9, 17]);
    assert.equal(text.slice(docs[0].start, docs[0].end), 'title: A\n' + det + '# tail\n');
    assert.equal(text.slice(docs[1].start, docs[1].end), '---\n# c\ntitle: B\n' + det + '...\n');
    assert.deepEqual([...docs[0].keyLines], [['sel', 5], ['sel.Image|endswith', 6], ['condition', 7]]);
    assert.deepEqual([...docs[1].keyLines], [['sel', 13], ['sel.Image|endswith', 14], ['condition', 15]]);
    assert.deepEqual([...docs[2].keyLines], [['s', 19], ['s.a', 19], ['condition', 19]]);
    assert.deepEqual(docs[2].value, { title: 'C', detection: { s: { a: 1 }, condition: 's' } });
  });
  it('keys in lists of maps, quoted and explicit keys; values with colons are no keys; deeper keys are not listed', () => {
    const text = 'title: A\ndetection:\n  sel:\n    - Image: x\n      "Cmd": "a: b"\n    - ? Other\n      : z\n  s2:\n    a: {b: c:d}\n  condition: sel\n';
    const [d] = readYamlDocs(text);
    assert.deepEqual([...d.keyLines], [['sel', 3], ['sel.Image', 4], ['sel.Cmd', 5], ['sel.Other', 6], ['s2', 8], ['s2.a', 9], ['condition', 10]]);
    assert.deepEqual((d.value as { detection: unknown }).detection, { sel: [{ Image: 'x', Cmd: 'a: b' }, { Other: 'z' }], s2: { a: { b: 'c:d' } }, condition: 'sel' });
  });
  it('duplicate keys: the last value, the first line; the core schema (a date stays text, 0x1F is 31)', () => {
    const [d] = readYamlDocs('title: A\ndate: 2021-01-01\ndetection:\n  sel:\n    a: 1\n    a: 2\n    n: 0x1F\n  sel:\n    b: 3\n  condition: sel\n');
    assert.deepEqual(d.value, { title: 'A', date: '2021-01-01', detection: { sel: { b: 3 }, condition: 'sel' } });
    assert.equal(d.keyLines.get('sel'), 4);
    assert.equal(d.keyLines.get('sel.a'), 5);
  });
  it('a document js-yaml rejects: that document is a problem on its line, the others are read', () => {
    const { rules, problems } = parseSigmaText('title: A\n' + det + '---\ntitle: [unclosed\n---\ntitle: C\n' + det, 'f.yml');
    assert.deepEqual(rules.map((r) => [r.title, r.line, r.keyLines.get('sel.Image|endswith')]), [['A', 1, 4], ['C', 8, 12]]);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /^YAML error/);
  });
  it('anchors and aliases are read (by the yaml package, which bounds aliases)', () => {
    const [d] = readYamlDocs('title: A\ndetection:\n  sel: &a\n    Image: x\n  s2: *a\n  condition: sel\n');
    assert.deepEqual((d.value as { detection: unknown }).detection, { sel: { Image: 'x' }, s2: { Image: 'x' }, condition: 'sel' });
    assert.equal(d.keyLines.get('s2'), 5);
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    assert.throws(() => readYamlDocs(bomb), /alias/i);
  });
});

describe('literals every match of a |re pattern contains (need.ts regexLiteral)', () => {
  const cases: [string, string | undefined][] = [
    ['\\\\certutil\\.exe', '\\certutil.exe'],
    ['(?:a|b)Mimikatz', 'mimikatz'],
    ['Invoke-(Expression|Command)', 'invoke-'],
    ['foo|barbaz', undefined],
    ['ab?cdef', 'cdef'],
    ['abcd*e', 'abc'],
    ['xyz+w', 'xy'],
    ['\\u0041\\cJ\\k<n>zz\\077q', 'zz'],
    ['ab{2}cdef', 'cdef'],
    ['^cmd\\.exe /c$', 'cmd.exe /c'],
    ['[|(]pipe\\|x', 'pipe|x'],
    ['[]]abc', ']abc'],
    ['a[^]]*zzz', 'zzz'],
    ['\\dtest\\w+ing', 'test'],
    ['\\x41bcd', 'bcd'],
    ['(a)\\1bcd', 'bcd'],
    ['(?=look)ahead', 'ahead'],
    ['(?<!not)here', 'here'],
    ['(ab|cd)+', undefined],
    ['12345', undefined],
    ['1e5|x', undefined],
    ['caf\u00e9ine', 'caf'],
    ['.*', undefined],
    ['ab(c', undefined],
    ['ab)c', undefined],
  ];
  for (const [re, want] of cases) {
    it(`/${re}/ → ${want === undefined ? 'none' : JSON.stringify(want)}`, () => {
      assert.equal(regexLiteral(re), want);
      if (want === undefined) return;
      // every string the pattern matches contains the literal (checked on a sample of matches)
      for (const s of ['', 'abcdef', 'Mimikatz', '\\certutil.exe', 'Invoke-Expression', 'cmd.exe /c', 'pipe|x', ']abc', 'azzz', '5testing', 'Abcd', 'aabcd', 'lookahead', 'here', 'caf\u00e9ine', 'abbcdef', 'acdef', 'abce', 'xyzzw'])
        for (const flags of ['', 'i', 'ims'])
          if (new RegExp(re, flags).test(s)) assert.ok(s.toLowerCase().includes(want), `${s} matches /${re}/${flags}`);
    });
  }
  it('a |re need is the regex and the literal', () => {
    assert.deepEqual(regexNeed('CommandLine', 'Invoke-(Expression|Command)', 'i'), [[{ expr: 'CommandLine', re: 'Invoke-(Expression|Command)', flags: 'i' }], [{ expr: 'CommandLine', lit: 'invoke-' }]]);
    assert.deepEqual(regexNeed('x', 'a|b', ''), [[{ expr: 'x', re: 'a|b', flags: '' }]]);
  });
});
