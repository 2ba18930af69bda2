/**
 * Extra checks on the real data in ../shared/data, when this machine has it:
 * published figures (see shared/data/README.md) and counts computed
 * independently with awk, grep and Python's csv module, kept here as numbers.
 * The fixtures tests cover the same code without this folder.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { hasShared, indexed, one, rows, SHARED } from '../helpers';

const data = (p: string) => path.join(SHARED, p);

(hasShared ? describe : describe.skip)('real data in ../shared/data', () => {
  it('login attempts 2018: the published figures', async () => {
    const { engine, tables } = await indexed([data('login-attempts/ch11/logs_2018.csv'), data('login-attempts/ch11/hackers_2018.csv')]);
    assert.equal(tables[0].rows, 38700);
    assert.equal(one(engine, 'SELECT count(DISTINCT source_ip) FROM logs_2018'), 4956);
    assert.equal(one(engine, 'SELECT count(DISTINCT username) FROM logs_2018'), 1797);
    assert.deepEqual(rows(engine, 'SELECT source_ip, count(*), sum(success) FROM logs_2018 GROUP BY 1 ORDER BY 2 DESC LIMIT 1'), [['168.123.156.81', 314, 277]]);
    assert.deepEqual(rows(engine, 'SELECT username, count(*) FROM logs_2018 GROUP BY 1 ORDER BY 2 DESC LIMIT 1'), [['wlopez', 387]]);
    assert.equal((one(engine, 'SELECT round(avg(success), 6) FROM logs_2018') as number).toFixed(6), '0.706253');
    assert.equal(one(engine, 'SELECT round(avg(n), 6) FROM (SELECT count(DISTINCT username) AS n FROM logs_2018 GROUP BY source_ip)'), 1.146287);
    assert.equal(one(engine, 'SELECT count(*) FROM hackers_2018'), 54);
    await engine.dispose();
  });

  it('login attempts, chapter 8: 12,836 rows, 327 IPs, 72 attackers, top IPs', async () => {
    const { engine } = await indexed([data('login-attempts/ch08/log.csv'), data('login-attempts/ch08/attacks.csv')]);
    assert.equal(one(engine, 'SELECT count(*) FROM log'), 12836);
    assert.equal(one(engine, 'SELECT count(DISTINCT source_ip) FROM log'), 327);
    assert.equal(one(engine, 'SELECT count(*) FROM attacks'), 72);
    assert.deepEqual(rows(engine, 'SELECT source_ip, count(*) FROM log GROUP BY 1 ORDER BY 2 DESC LIMIT 2'), [['85.1.221.89', 257], ['109.67.154.113', 255]]);
    await engine.dispose();
  });

  it('the SQLite file: logs (48,476) and attacks (72) as they are', async () => {
    const { engine } = await indexed([data('login-attempts/ch11/logs.db')]);
    assert.equal(one(engine, 'SELECT count(*) FROM logs'), 48476);
    assert.equal(one(engine, 'SELECT count(*) FROM attacks'), 72);
    await engine.dispose();
  });

  it('Apache access log: rows and top client IPs agree with awk', async () => {
    const { engine, tables } = await indexed([data('apache/apache_access_10k.log')]);
    assert.equal(tables[0].rows, 10000);
    assert.equal(tables[0].rejected, 0);
    assert.deepEqual(rows(engine, 'SELECT client_ip, count(*) FROM apache_access_10k GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3'), [
      ['66.249.73.135', 482], ['46.105.14.53', 364], ['130.237.218.86', 357],
    ]);
    assert.deepEqual(rows(engine, 'SELECT status, count(*) FROM apache_access_10k GROUP BY 1 ORDER BY 2 DESC LIMIT 3'), [[200, 9126], [304, 445], [404, 213]]);
    await engine.dispose();
  });

  it('Zeek dns: TSV and JSON give the same 53,615 rows', async () => {
    const { engine } = await indexed([data('zeek-wrccdc/zeek-default/dns.log.gz'), data('zeek-wrccdc/zeek-json/dns.json.gz')]);
    assert.equal(one(engine, 'SELECT count(*) FROM dns'), 53615);
    assert.equal(one(engine, 'SELECT count(*) FROM dns_2'), 53615);
    // record k is on line k + 8 of the TSV (after its # header lines) and on line k of the JSON
    assert.equal(one(engine, 'SELECT count(*) FROM dns a JOIN dns_2 b ON a._line = b._line + 8 WHERE a.uid = b.uid AND a._time = b._time AND a.trans_id = b.trans_id'), 53615);
    await engine.dispose();
  });

  it('OpenSSH syslog: 2,000 lines, 520 failed passwords (grep -c)', async () => {
    const { engine, tables } = await indexed([data('syslog-ssh/OpenSSH_2k.log')]);
    assert.equal(tables[0].rows, 2000);
    assert.equal(one(engine, "SELECT count(*) FROM openssh_2k WHERE event LIKE 'failed_password%'"), 520);
    await engine.dispose();
  });
});
