import * as assert from 'node:assert/strict';
import { indexNotice } from '../../src/shared/indexNotice';

describe('the notice after indexing', () => {
  it('says nothing for a file read completely without warnings', () => {
    assert.equal(indexNotice('log.csv', { rejected: 0, warnings: [], format: 'csv' }), undefined);
  });
  it('counts rejected lines and offers them, with the first warning', () => {
    const n = indexNotice('a.log', { rejected: 1234, warnings: ['a.log was read as Latin-1 (Windows-1252) text.'], format: 'syslog' });
    assert.deepEqual(n, {
      text: 'a.log: 1,234 line(s) could not be read as syslog and are in the rejects table. a.log was read as Latin-1 (Windows-1252) text.',
      actions: ['Show Rejected Lines', 'Change Format…'],
    });
  });
  it('a file with warnings only does not speak of 0 rejected lines nor offer an empty rejects table', () => {
    const n = indexNotice('ids.csv', { rejected: 0, warnings: ['column id: 3 values are not INTEGER and were kept as text.', 'second'], format: 'csv' });
    assert.ok(n);
    assert.equal(n.text, 'ids.csv: indexed as csv. column id: 3 values are not INTEGER and were kept as text. (1 more in the log)');
    assert.deepEqual(n.actions, ['Show Log', 'Change Format…']);
    assert.doesNotMatch(n.text, /\b0 line/);
  });
});
