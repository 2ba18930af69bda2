import * as assert from 'node:assert/strict';
import { proposedFileName } from '../../src/shared/fileNames';

describe('proposed file names', () => {
  it('keeps a table name as it is', () => {
    assert.equal(proposedFileName('access', 'csv'), 'access.csv');
    assert.equal(proposedFileName('smb_files-planted', 'csv'), 'smb_files-planted.csv');
  });
  it('turns spaces, slashes and other signs into single dashes, without leading dots or dashes', () => {
    assert.equal(proposedFileName('Rows behind client_ip = 10.0.0.1', 'csv'), 'Rows-behind-client_ip-10.0.0.1.csv');
    assert.equal(proposedFileName('../../etc/passwd', 'csv'), 'etc-passwd.csv');
    assert.equal(proposedFileName('.hidden', 'csv'), 'hidden.csv');
    assert.equal(proposedFileName('Café  ü', 'csv'), 'Cafe-u.csv');
  });
  it('falls back when nothing is left, and stays short', () => {
    assert.equal(proposedFileName('///', 'sqlite', 'logs'), 'logs.sqlite');
    assert.equal(proposedFileName('', 'csv'), 'results.csv');
    const long = proposedFileName('x'.repeat(200), 'csv');
    assert.equal(long, `${'x'.repeat(60)}.csv`);
  });
});
