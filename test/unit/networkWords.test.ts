/**
 * Issue 15 item 7, "words that fit the log": a DNS session does not have
 * "files"; a rule fixed at a bound says so in its reason; a session whose
 * plain z is about −0.1 is not flagged however far above the median it lies.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { indexed, tmpDir } from '../helpers';

const ZEEK_HEAD = (pathName: string, fields: string[], types: string[]) => [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  `#path\t${pathName}`,
  `#fields\t${fields.join('\t')}`,
  `#types\t${types.join('\t')}`,
];

async function run(file: string, id: string, params: Record<string, string> = {}): Promise<AnalysisOutput> {
  const { engine, tables } = await indexed([file]);
  const out = runAnalysis(analysisById(id)!, tables[0], (sql, p = []) => engine.query(sql, p), params, tables);
  await engine.dispose();
  return out;
}

describe('words that fit the log (issue 15 item 7)', function () {
  this.timeout(60000);

  it('a DNS session asks for names: its measure is "distinct query values", never "files"', async () => {
    const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype_name', 'rcode_name'];
    const types = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'string', 'string'];
    const lines: string[] = [];
    let ts = 1709600000;
    // 400 ordinary lookups, one query per connection
    for (let i = 0; i < 400; i++) lines.push([ts += 7, `Cd${i}`, `10.1.0.${10 + (i % 20)}`, 40000 + i, '10.1.0.2', 53, 'udp', `host${i % 50}.example.com`, 'A', 'NOERROR'].join('\t'));
    // one TCP connection to the resolver carrying 300 different names
    for (let i = 0; i < 300; i++) lines.push([ts += 1, 'CtunnelTcp1', '10.1.0.66', 51515, '10.1.0.2', 53, 'tcp', `q${i}x.data.example.net`, 'TXT', 'NOERROR'].join('\t'));
    const f = path.join(tmpDir(), 'dns.log');
    fs.writeFileSync(f, [...ZEEK_HEAD('dns', fields, types), ...lines].join('\n') + '\n');
    const o = await run(f, 'sessions');
    const s = o.findings.find((x) => x.entity.value === 'CtunnelTcp1');
    assert.ok(s, `the 300-name session is flagged (${o.findings.map((x) => x.entity.value).join(', ')})`);
    assert.match(s.reason, /300 events, 300 distinct query values/);
    for (const x of o.findings) assert.doesNotMatch(x.reason, /\bfiles?\b/, x.reason);
  });

  it('a rule fixed at a bound says the bound in its reason (login-rules threshold, as given)', async () => {
    const lines = ['time,ip,user,success'];
    const at = (s: number) => new Date(Date.UTC(2024, 2, 4, 0) + s * 1000).toISOString();
    // ordinary users: a few logins an hour, a rare failure
    for (let h = 0; h < 48; h++) for (let u = 0; u < 10; u++) lines.push(`${at(h * 3600 + u * 60)},10.2.0.${u + 10},user${u},${(h + u) % 17 === 0 ? 'False' : 'True'}`);
    // one IP tries 12 usernames, 3 times each, in one hour
    for (let i = 0; i < 36; i++) lines.push(`${at(30 * 3600 + i * 20)},203.0.113.7,guess${i % 12},False`);
    const f = path.join(tmpDir(), 'logins.csv');
    fs.writeFileSync(f, lines.join('\n') + '\n');
    const o = await run(f, 'login-rules', { minUsernames: '11', minFailures: '30' });
    const x = o.findings.find((y) => y.entity.value === '203.0.113.7');
    assert.ok(x, 'the guessing IP is flagged');
    assert.match(x.reason, /threshold: ≥ 11 usernames and ≥ 30 failures in an hour/);
    assert.match(x.reason, /worst hour 2024-03-05 06:00: 12 distinct usernames, 36 failures of 36 attempts/);
    // the bound moves with the parameter, and the reason with it: at 13 usernames the fixed rule no longer flags it
    const o2 = await run(f, 'login-rules', { minUsernames: '13', minFailures: '30' });
    const x2 = o2.findings.find((y) => y.entity.value === '203.0.113.7');
    assert.ok(!x2 || !/threshold:/.test(x2.reason.split('); worst hour')[0]), x2?.reason);
  });

  it('a session far above the median but not above the mean (z = −0.1) is not flagged; one far above both is', async () => {
    const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state'];
    const types = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string'];
    const lines: string[] = [];
    let ts = 1709632800; // 2024-03-05 10:00 UTC, all in the morning
    const row = (uid: string, src: string, bytes: number) => [ts += 3, uid, src, 50000, '10.9.0.5', 443, 'tcp', 'ssl', 1.5, bytes, 0, 'SF'].join('\t');
    // a heavy-tailed log: 1,000 tiny sessions and 40 large transfers to the same server
    for (let i = 0; i < 1000; i++) lines.push(row(`Csmall${i}`, `10.9.1.${i % 200}`, 100));
    for (let i = 0; i < 40; i++) lines.push(row(`Cbulk${i}`, `10.9.2.${i}`, 4_000_000));
    // 30 KB: 300 times the median session, ~6 robust σ above it on a log scale, but below the mean (~154 KB): z ≈ −0.1
    lines.push(row('CmidSized1', '10.9.3.1', 30_000));
    const f = path.join(tmpDir(), 'conn.log');
    fs.writeFileSync(f, [...ZEEK_HEAD('conn', fields, types), ...lines].join('\n') + '\n');
    const o = await run(f, 'sessions');
    const table = o.tables[0];
    const rowOf = (uid: string) => table.rows.find((r) => r[table.columns.indexOf('session')] === uid)!;
    const mid = rowOf('CmidSized1');
    const robust = Number(mid[table.columns.indexOf('robust z bytes')]);
    const z = Number(mid[table.columns.indexOf('z bytes')]);
    assert.ok(robust >= 3, `robust z ${robust}: far above the median, over the flag's threshold`);
    assert.ok(z < 0 && z > -0.3, `plain z ${z}`);
    assert.ok(!o.findings.some((x) => x.entity.value === 'CmidSized1'), 'flagged although below the mean');
    // a session far above both is flagged, and its reason states the z it has
    for (let i = 0; i < 1; i++) lines.push(row('CexfilBig1', '10.9.3.2', 900_000_000));
    fs.writeFileSync(f, [...ZEEK_HEAD('conn', fields, types), ...lines].join('\n') + '\n');
    const o2 = await run(f, 'sessions');
    const big = o2.findings.find((x) => x.entity.value === 'CexfilBig1');
    assert.ok(big, 'the 900 MB session is flagged');
    assert.match(big.reason, /z = \d+\.\d/);
    assert.ok(o2.findings.every((x) => !/z = -/.test(x.reason)), o2.findings.map((x) => x.reason).join('\n'));
  });
});
