import * as assert from 'node:assert/strict';
import { safeLabel, safeText } from '../../src/shared/safeText';

describe('text from files shown in VS Code', () => {
  it('breaks command links and icon syntax, and keeps the text readable', () => {
    const header = '[Show rejected lines](command:workbench.action.terminal.new)';
    const s = safeText(header);
    assert.doesNotMatch(s, /\]\(command:/);
    assert.equal(s.replace(/\u2060/g, ''), header, 'only invisible joiners are added');
    assert.equal(safeText('$(alert) x'), '$\u2060(alert) x');
    assert.equal(safeText('a] (b'), 'a] \u2060(b');
  });
  it('shows bidi overrides and control characters as code points', () => {
    assert.equal(safeText('evil\u202Etxt.exe'), 'evil<U+202E>txt.exe');
    assert.equal(safeText('a\u0007b\tc\nd'), 'a<U+0007>b\tc<U+000A>d');
  });
  it('cuts long labels with an ellipsis', () => {
    assert.equal(safeLabel('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
    assert.equal(safeLabel('short'), 'short');
  });
});
