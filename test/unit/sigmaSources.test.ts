/**
 * Sigma over indexed logs: a rule for each log source (syslog/auth, Apache,
 * Zeek, Windows events as pretty-printed JSON with Sysmon 1 and Security
 * 4688, AWS CloudTrail JSON), each positive and negative; the JSON documents
 * reader; correlation rules (event_count, value_count, temporal,
 * temporal_ordered); a rule failing at run time reported, the others run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sigmaAnalysis } from '../../src/engine/analyses/rules/sigmaAnalysis';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { parseSigmaText } from '../../src/engine/sigma/rule';
import { loadMappings, runRulesOnTable } from '../../src/engine/sigma/run';
import { indexed, one, tmpDir } from '../helpers';

function write(dir: string, name: string, text: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const rule = (title: string, logsource: string, detection: string, extra = '') =>
  `title: ${title}\nid: ${title.toLowerCase().replace(/\W+/g, '-')}\nauthor: Test Author\nreferences:\n  - https://example.org/${title.length}\nlevel: high\ntags:\n  - attack.t1110\nlogsource:\n${logsource}\ndetection:\n${detection}\n${extra}`;

async function sigmaOn(files: string[], rulesDir: string): Promise<AnalysisOutput[]> {
  const { engine, tables } = await indexed(files);
  const q = (sql: string, p: import('../../src/engine/store/database').SqlValue[] = []) => engine.query(sql, p);
  const outs = tables.map((t) => runAnalysis(sigmaAnalysis, t, q, { sigma: rulesDir }, tables));
  await engine.dispose();
  return outs;
}

const titles = (o: AnalysisOutput) => [...new Set(o.findings.map((f) => String(f.metrics.rule)))].sort();

describe('Sigma on indexed logs', () => {
  const dir = tmpDir();
  const rules = path.join(dir, 'rules');
  write(rules, 'linux/sshd.yml', rule('SSHD Failed Root', '  product: linux\n  service: sshd', "  keywords:\n    - 'Failed password for root'\n  condition: keywords"));
  write(rules, 'linux/never.yml', rule('Never In Syslog', '  product: linux', "  keywords:\n    - 'no such text anywhere'\n  condition: keywords"));
  write(rules, 'web/traversal.yml', rule('Web Traversal', '  category: webserver', "  sel:\n    cs-uri-query|contains: '../'\n    sc-status: 200\n  condition: sel"));
  write(rules, 'web/never.yml', rule('Web Never', '  category: webserver', "  sel:\n    cs-method: DELETE\n  condition: sel"));
  write(rules, 'zeek/dns.yml', rule('Zeek Suspicious TLD', '  product: zeek\n  service: dns', "  sel:\n    query|endswith: '.evil'\n  condition: sel"));
  write(rules, 'zeek/dns-never.yml', rule('Zeek Never', '  product: zeek\n  service: dns', "  sel:\n    query|endswith: '.nothing'\n  condition: sel"));
  write(rules, 'win/proc.yml', rule('Whoami Execution', '  product: windows\n  category: process_creation', "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel"));
  write(rules, 'win/parent.yml', rule('Cmd Parent', '  product: windows\n  category: process_creation', "  sel:\n    ParentImage|endswith: '\\cmd.exe'\n  condition: sel"));
  write(rules, 'win/logon.yml', rule('Failed Logon', '  product: windows\n  service: security', "  sel:\n    EventID: 4625\n  condition: sel"));
  write(rules, 'aws/trail.yml', rule('CloudTrail Stopped', '  product: aws\n  service: cloudtrail', "  sel:\n    eventSource: cloudtrail.amazonaws.com\n    eventName: [StopLogging, DeleteTrail]\n  condition: sel"));
  write(rules, 'bad.yml', 'title: [unclosed\n');

  const logs = path.join(dir, 'logs');
  const syslog = write(logs, 'auth.log', [
    'Dec 10 06:55:46 host sshd[24200]: Failed password for root from 203.0.113.9 port 50000 ssh2',
    'Dec 10 06:55:48 host sshd[24202]: Failed password for root from 203.0.113.9 port 50001 ssh2',
    'Dec 10 07:01:02 host sshd[24210]: Accepted password for alice from 198.51.100.4 port 40000 ssh2',
    'Dec 10 07:02:00 host CRON[2500]: Failed password for root in a cron message, not sshd',
  ].join('\n') + '\n');
  const access = write(logs, 'access.log', [
    '198.51.100.7 - - [10/Dec/2024:06:55:46 +0000] "GET /a/../../etc/passwd HTTP/1.1" 200 512 "-" "curl/8"',
    '198.51.100.8 - - [10/Dec/2024:06:55:47 +0000] "GET /a/../../etc/passwd HTTP/1.1" 404 0 "-" "curl/8"',
    '198.51.100.9 - - [10/Dec/2024:06:55:48 +0000] "GET /index.html HTTP/1.1" 200 100 "-" "Mozilla/5.0"',
  ].join('\n') + '\n');
  const zeek = write(logs, 'dns.log', [
    '#separator \\x09', '#fields\tts\tuid\tid.orig_h\tquery', '#types\ttime\tstring\taddr\tstring',
    '1733813746.0\tC1\t10.0.0.5\twww.example.org', '1733813747.0\tC2\t10.0.0.6\tc2.bad.evil',
  ].join('\n') + '\n');
  const ev = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);
  const windows = write(logs, 'windows.json', '[\n' + [
    ev({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws1', UtcTime: '2024-12-10 06:55:46.000', Image: 'C:\\Windows\\System32\\whoami.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', User: 'CORP\\alice' }),
    ev({ EventID: 4688, Channel: 'Security', Computer: 'ws2', UtcTime: '2024-12-10 06:56:00.000', NewProcessName: 'C:\\Windows\\System32\\whoami.exe', ParentProcessName: 'C:\\Windows\\explorer.exe', SubjectUserName: 'bob' }),
    ev({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws1', UtcTime: '2024-12-10 06:57:00.000', Image: 'C:\\Windows\\notepad.exe', ParentImage: 'C:\\Windows\\explorer.exe', User: 'CORP\\alice' }),
    ev({ EventID: 4625, Channel: 'Security', Computer: 'dc1', UtcTime: '2024-12-10 06:58:00.000', TargetUserName: 'admin', IpAddress: '203.0.113.9' }),
    ev({ EventID: 4688, Channel: 'System', Computer: 'ws3', UtcTime: '2024-12-10 06:59:00.000', NewProcessName: 'C:\\x\\whoami.exe' }),
  ].join(',\n') + '\n]\n');
  const trail = write(logs, 'cloudtrail.json', [
    ev({ eventVersion: '1.08', eventTime: '2024-12-10T06:55:46Z', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', awsRegion: 'eu-west-1', sourceIPAddress: '203.0.113.9', userIdentity: { type: 'IAMUser', userName: 'mallory' } }),
    ev({ eventVersion: '1.08', eventTime: '2024-12-10T06:56:46Z', eventSource: 'cloudtrail.amazonaws.com', eventName: 'LookupEvents', awsRegion: 'eu-west-1', sourceIPAddress: '198.51.100.4', userIdentity: { type: 'IAMUser', userName: 'alice' } }),
  ].join('\n') + '\n');

  let outs: AnalysisOutput[];
  before(async function () {
    this.timeout(60000);
    outs = await sigmaOn([syslog, access, zeek, windows, trail], rules);
  });
  const out = (table: string) => outs.find((o) => o.table === table)!;

  it('reads pretty-printed JSON documents (an array, and objects one after another) as rows with their first line', async () => {
    const { engine, tables } = await indexed([windows, trail]);
    assert.equal(tables[0].format, 'json');
    assert.equal(tables[0].rows, 5);
    assert.equal(tables[1].rows, 2);
    assert.equal(one(engine, 'SELECT _line FROM windows WHERE EventID = 4625'), 29);
    assert.equal(one(engine, "SELECT \"userIdentity.userName\" FROM cloudtrail WHERE eventName = 'StopLogging'"), 'mallory');
    await engine.dispose();
  });

  it('syslog: the sshd keyword rule matches the sshd lines only, grouped by source IP', () => {
    const o = out('auth');
    assert.deepEqual(titles(o), ['SSHD Failed Root']);
    assert.equal(o.findings.length, 1);
    const f = o.findings[0];
    assert.deepEqual(f.entity, { kind: 'ip', value: '203.0.113.9' });
    assert.equal(f.evidence.total, 2);
    assert.deepEqual(f.evidence.lines, [1, 2]);
    assert.equal(f.severity, 'high');
    assert.equal(f.metrics.author, 'Test Author');
    assert.equal(f.metrics.references, 'https://example.org/16');
    assert.equal(f.metrics.attack, 'T1110');
    assert.ok(f.reason.includes('rule by Test Author'));
  });

  it('web server: cs-uri-query and sc-status onto the Apache columns', () => {
    const o = out('access');
    assert.deepEqual(titles(o), ['Web Traversal']);
    assert.deepEqual(o.findings.map((f) => f.entity.value), ['198.51.100.7']);
  });

  it('Zeek: the dns service is the dns log', () => {
    const o = out('dns');
    assert.deepEqual(titles(o), ['Zeek Suspicious TLD']);
    assert.deepEqual(o.findings[0].evidence.lines, [5]);
  });

  it('Windows JSON: process_creation is Sysmon 1 or Security 4688 (Image ← NewProcessName), service security is the Security channel', () => {
    const o = out('windows');
    assert.deepEqual(titles(o), ['Cmd Parent', 'Failed Logon', 'Whoami Execution']);
    const who = o.findings.filter((f) => f.metrics.rule === 'Whoami Execution');
    assert.deepEqual(who.flatMap((f) => f.evidence.lines), [2, 11], 'the Sysmon 1 and the Security 4688 event, not the 4688 of another channel');
    assert.deepEqual(o.findings.filter((f) => f.metrics.rule === 'Cmd Parent').flatMap((f) => f.evidence.lines), [2]);
  });

  it('AWS CloudTrail JSON', () => {
    const o = out('cloudtrail');
    assert.deepEqual(titles(o), ['CloudTrail Stopped']);
    assert.equal(o.findings[0].evidence.total, 1);
  });

  it('a summary per table, and the unreadable rule file as a problem', () => {
    const t = out('auth').tables[0];
    assert.match(t.title, /Linux syslog \/ auth log: 2 of 10 rules apply; 1 matched, 1 ran without a match/);
    const probs = out('auth').tables.find((x) => x.title === 'Sigma problems')!;
    assert.ok(probs.rows.some((r) => String(r[1]).endsWith('bad.yml')));
  });

  it('a rule failing at run time is reported by name; the others still run', async () => {
    const { engine, tables } = await indexed([syslog]);
    const set = parseSigmaText(fs.readFileSync(path.join(rules, 'linux/sshd.yml'), 'utf8'), 'sshd.yml').rules.concat(parseSigmaText(fs.readFileSync(path.join(rules, 'linux/never.yml'), 'utf8'), 'never.yml').rules);
    const q = (sql: string, p?: import('../../src/engine/store/database').SqlValue[]) => {
      if (p?.some((v) => String(v).includes('Failed password'))) throw new Error('boom');
      return engine.query(sql, p);
    };
    const tr = runRulesOnTable(set, tables[0], q, loadMappings());
    assert.deepEqual(tr.runs.map((r) => [r.rule.title, r.status, r.message ?? null]), [['SSHD Failed Root', 'failed', 'boom'], ['Never In Syslog', 'no match', null]]);
    await engine.dispose();
  });
});

describe('Sigma correlation rules', () => {
  const dir = tmpDir();
  const logs = path.join(dir, 'auth.log');
  const lines: string[] = [];
  // 203.0.113.9 fails 6 times in 50 s for 4 users, then logs in; 198.51.100.4 fails twice an hour apart
  const users = ['root', 'admin', 'oracle', 'root', 'test', 'admin'];
  users.forEach((u, i) => lines.push(`Dec 10 06:5${5 + Math.floor((10 + i * 10) / 60)}:${String((10 + i * 10) % 60).padStart(2, '0')} host sshd[1${i}]: Failed password for ${u} from 203.0.113.9 port 5000${i} ssh2`));
  lines.push('Dec 10 06:56:30 host sshd[20]: Accepted password for admin from 203.0.113.9 port 50010 ssh2');
  lines.push('Dec 10 07:00:00 host sshd[30]: Failed password for bob from 198.51.100.4 port 40000 ssh2');
  lines.push('Dec 10 08:00:00 host sshd[31]: Failed password for bob from 198.51.100.4 port 40001 ssh2');
  lines.push('Dec 10 08:00:05 host sshd[32]: Accepted password for bob from 198.51.100.4 port 40002 ssh2');
  fs.writeFileSync(logs, lines.join('\n') + '\n');
  const base = `title: Failed SSH
name: ssh_failed
author: T
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password']
  condition: keywords
level: low
---
title: Accepted SSH
name: ssh_ok
author: T
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Accepted password']
  condition: keywords
level: low
`;
  const corr = (title: string, body: string) => `---\ntitle: ${title}\nauthor: T\nlevel: high\ncorrelation:\n${body}\n`;
  const file = path.join(dir, 'rules.yml');
  fs.writeFileSync(
    file,
    base +
      corr('Many Failures', '  type: event_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 1m\n  condition: {gte: 5}') +
      corr('Many Users', '  type: value_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 5m\n  condition: {field: user, gte: 4}') +
      corr('Fail And Succeed', '  type: temporal\n  rules: [ssh_failed, ssh_ok]\n  group-by: [src_ip]\n  timespan: 2m') +
      corr('Fail Then Succeed', '  type: temporal_ordered\n  rules: [ssh_failed, ssh_ok]\n  group-by: [src_ip]\n  timespan: 10m') +
      corr('Bad Condition', '  type: event_count\n  rules: [ssh_failed]\n  group-by: [src_ip]\n  timespan: 1m\n  condition: {about: 5}'),
  );

  it('event_count, value_count, temporal, temporal_ordered by group within the timespan', async () => {
    const [o] = await sigmaOn([logs], file);
    const byRule = (t: string) => o.findings.filter((f) => f.metrics.rule === t).map((f) => [f.entity.value, f.metrics.best]);
    assert.deepEqual(byRule('Many Failures'), [['203.0.113.9', 6]]);
    assert.deepEqual(byRule('Many Users'), [['203.0.113.9', 4]]);
    assert.deepEqual(byRule('Fail And Succeed').sort(), [['198.51.100.4', 2], ['203.0.113.9', 2]], 'both IPs fail and succeed within 2 minutes');
    assert.deepEqual(byRule('Fail Then Succeed').map((x) => x[0]).sort(), ['198.51.100.4', '203.0.113.9']);
    const f = o.findings.find((x) => x.metrics.rule === 'Many Failures')!;
    assert.equal(f.entity.kind, 'ip');
    assert.equal(f.severity, 'high');
    assert.equal(f.evidence.total, 6);
    const ct = o.tables.find((t) => t.title === 'Sigma correlation rules')!;
    assert.ok(ct.rows.some((r) => r[0] === 'Bad Condition' && /not a comparison/.test(String(r[3]))));
  });
});

describe('Sigma log sources: more categories and products, positive and negative', () => {
  const dir = tmpDir();
  const rules = path.join(dir, 'rules');
  write(rules, 'auth.yml', rule('Root Session', '  product: linux\n  service: auth', "  keywords:\n    - 'session opened for user root'\n  condition: keywords"));
  write(rules, 'sudo.yml', rule('Sudo Shell', '  product: linux\n  service: sudo', "  keywords:\n    - 'COMMAND=/bin/bash'\n  condition: keywords"));
  write(rules, 'net.yml', rule('Sysmon Net To C2', '  product: windows\n  category: network_connection', "  sel:\n    DestinationIp|cidr: '198.18.0.0/15'\n    Initiated: 'true'\n  condition: sel"));
  write(rules, 'reg.yml', rule('Run Key Set', '  product: windows\n  category: registry_set', "  sel:\n    TargetObject|contains: '\\CurrentVersion\\Run\\'\n  condition: sel"));
  write(rules, 'proc.yml', rule('Nested Whoami', '  product: windows\n  category: process_creation', "  sel:\n    Image|endswith: '\\whoami.exe'\n    CommandLine|contains: '/all'\n  condition: sel"));
  write(rules, 'gcp.yml', rule('GCP Firewall Change', '  product: gcp\n  service: gcp.audit', '  sel:\n    gcp.audit.method_name:\n      - v*.Compute.Firewalls.Delete\n      - v*.Compute.Firewalls.Patch\n  condition: sel'));
  write(rules, 'azure.yml', rule('Azure Gateway Change', '  product: azure\n  service: activitylogs', '  sel:\n    operationName:\n      - MICROSOFT.NETWORK/APPLICATIONGATEWAYS/WRITE\n      - MICROSOFT.NETWORK/APPLICATIONGATEWAYS/DELETE\n  condition: sel'));
  write(rules, 'proxy.yml', rule('Proxy WebShell', '  category: proxy', "  sel:\n    c-uri|contains: '/cmd.php'\n    cs-method: POST\n  condition: sel"));
  write(rules, 'fw.yml', rule('Firewall Port 4444', '  category: firewall', '  sel:\n    dst_port: 4444\n  condition: sel'));
  write(rules, 'ua.yml', rule('Web Scanner UA', '  category: webserver', "  sel:\n    c-useragent|contains: sqlmap\n  condition: sel"));

  const logs = path.join(dir, 'logs');
  const auth = write(logs, 'auth.log', [
    'Dec 10 06:00:01 host CRON[100]: pam_unix(cron:session): session opened for user root by (uid=0)',
    'Dec 10 06:00:02 host sudo[101]: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
    'Dec 10 06:00:03 host sshd[102]: pam_unix(sshd:session): session opened for user alice by (uid=0)',
    'Dec 10 06:00:04 host su[103]: pam_unix(su:session): session opened for user root by alice(uid=1000)',
    'Dec 10 06:00:05 host bash[104]: alice ran COMMAND=/bin/bash from a script',
  ].join('\n') + '\n');
  const ev = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);
  const sysmon = 'Microsoft-Windows-Sysmon/Operational';
  const nested = (id: number, data: Record<string, unknown>) => ev({ Event: { System: { EventID: id, Channel: sysmon, Computer: 'ws1', TimeCreated: { SystemTime: '2024-12-10T06:00:00.000Z' } }, EventData: data } });
  // one pretty-printed document per event (no array), EventData nested as exported
  const win = write(logs, 'sysmon.json', [
    nested(3, { Image: 'C:\\x\\beacon.exe', DestinationIp: '198.18.0.9', Initiated: 'true' }),
    nested(3, { Image: 'C:\\x\\browser.exe', DestinationIp: '203.0.113.50', Initiated: 'true' }),
    nested(1, { Image: 'C:\\x\\tool.exe', DestinationIp: '198.18.0.9', Initiated: 'true', CommandLine: 'tool' }),
    nested(13, { TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\evil', Details: 'C:\\x\\evil.exe' }),
    nested(12, { TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\evil', EventType: 'CreateKey' }),
    nested(1, { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all' }),
    nested(1, { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami' }),
  ].join('\n') + '\n');
  const gcp = write(logs, 'gcp-audit.json', [
    ev({ logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', timestamp: '2024-12-10T06:00:00Z', protoPayload: { methodName: 'v1.compute.firewalls.delete', serviceName: 'compute.googleapis.com' }, resource: { type: 'gce_firewall_rule' } }),
    ev({ logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', timestamp: '2024-12-10T06:01:00Z', protoPayload: { methodName: 'v1.compute.firewalls.list', serviceName: 'compute.googleapis.com' }, resource: { type: 'gce_firewall_rule' } }),
  ].join('\n') + '\n');
  const azure = write(logs, 'azure-activity.json', [
    ev({ time: '2024-12-10T06:00:00Z', resourceId: '/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/GW', operationName: 'MICROSOFT.NETWORK/APPLICATIONGATEWAYS/DELETE', category: 'Administrative' }),
    ev({ time: '2024-12-10T06:01:00Z', resourceId: '/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/GW', operationName: 'MICROSOFT.NETWORK/APPLICATIONGATEWAYS/READ', category: 'Administrative' }),
  ].join('\n') + '\n');
  const http = write(logs, 'http.log', [
    '#separator \\x09', '#fields\tts\tuid\tid.orig_h\tid.resp_h\tmethod\thost\turi\tstatus_code\tuser_agent', '#types\ttime\tstring\taddr\taddr\tstring\tstring\tstring\tcount\tstring',
    '1733810400.0\tC1\t10.0.0.5\t203.0.113.80\tPOST\tvictim.example\t/uploads/cmd.php?c=id\t200\tcurl/8',
    '1733810401.0\tC2\t10.0.0.6\t203.0.113.80\tGET\tvictim.example\t/uploads/cmd.php\t200\tcurl/8',
    '1733810402.0\tC3\t10.0.0.7\t203.0.113.80\tPOST\tvictim.example\t/login\t200\tMozilla/5.0',
  ].join('\n') + '\n');
  const conn = write(logs, 'conn.log', [
    JSON.stringify({ ts: 1733810400.0, uid: 'C1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '198.18.0.9', 'id.resp_p': 4444, proto: 'tcp' }),
    JSON.stringify({ ts: 1733810401.0, uid: 'C2', 'id.orig_h': '10.0.0.6', 'id.orig_p': 4444, 'id.resp_h': '203.0.113.80', 'id.resp_p': 443, proto: 'tcp' }),
  ].join('\n') + '\n');
  const access = write(logs, 'access.log', [
    '198.51.100.7 - - [10/Dec/2024:06:55:46 +0000] "GET /?id=1 HTTP/1.1" 200 512 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"',
    '198.51.100.8 - - [10/Dec/2024:06:55:47 +0000] "GET /sqlmap HTTP/1.1" 404 0 "-" "Mozilla/5.0"',
  ].join('\n') + '\n');

  let outs: AnalysisOutput[];
  before(async function () {
    this.timeout(60000);
    outs = await sigmaOn([auth, win, gcp, azure, http, conn, access], rules);
  });
  const out = (table: string) => outs.find((o) => o.table === table)!;
  const linesOf = (o: AnalysisOutput, title: string) => o.findings.filter((f) => f.metrics.rule === title).flatMap((f) => f.evidence.lines).sort((a, b) => a - b);

  it('indexes each file as the source the rules need (formats, and the Sigma source chosen)', () => {
    assert.deepEqual(outs.map((o) => [o.table, o.tables[0].title.split(':')[0]]), [
      ['auth', 'Sigma rules on this table — Linux syslog / auth log'],
      ['sysmon', 'Sigma rules on this table — Windows events (EVTX exported as JSON, EventData flattened)'],
      ['gcp_audit', 'Sigma rules on this table — Google Cloud audit log (JSON)'],
      ['azure_activity', 'Sigma rules on this table — Azure activity log (JSON)'],
      ['http', 'Sigma rules on this table — Zeek logs (TSV or JSON)'],
      ['conn', 'Sigma rules on this table — Zeek logs (TSV or JSON)'],
      ['access', 'Sigma rules on this table — Web server access log (Apache / Nginx)'],
    ]);
  });
  it('linux auth: the service takes every program (CRON, su), not a session for another user; sudo only the sudo lines', () => {
    assert.deepEqual(linesOf(out('auth'), 'Root Session'), [1, 4]);
    assert.deepEqual(linesOf(out('auth'), 'Sudo Shell'), [2], 'not the bash line with the same text');
  });
  it("Windows nested JSON: network_connection is Sysmon 3 (not a Sysmon 1 with the same fields; Initiated: 'true' against a column typed boolean), registry_set Sysmon 13 (not 12), process_creation with CommandLine", () => {
    const o = out('sysmon');
    assert.deepEqual(titles(o), ['Nested Whoami', 'Run Key Set', 'Sysmon Net To C2']);
    // the documents' first lines ({ at the start of a line)
    const firstLines = fs.readFileSync(win, 'utf8').split('\n').map((l, i) => (l === '{' ? i + 1 : 0)).filter(Boolean);
    assert.equal(firstLines.length, 7);
    assert.deepEqual(linesOf(o, 'Sysmon Net To C2'), [firstLines[0]]);
    assert.deepEqual(linesOf(o, 'Run Key Set'), [firstLines[3]]);
    assert.deepEqual(linesOf(o, 'Nested Whoami'), [firstLines[5]]);
  });
  it('GCP audit and Azure activity JSON: the change, not the read or list', () => {
    assert.deepEqual(titles(out('gcp_audit')), ['GCP Firewall Change']);
    assert.equal(out('gcp_audit').findings.reduce((n, f) => n + f.evidence.total, 0), 1);
    assert.deepEqual(linesOf(out('gcp_audit'), 'GCP Firewall Change'), [1]);
    assert.deepEqual(titles(out('azure_activity')), ['Azure Gateway Change']);
    assert.deepEqual(linesOf(out('azure_activity'), 'Azure Gateway Change'), [1]);
  });
  it('Zeek http.log serves category proxy (c-uri, cs-method); conn.log category firewall (dst_port, not the source port)', () => {
    assert.deepEqual(titles(out('http')), ['Proxy WebShell']);
    assert.deepEqual(linesOf(out('http'), 'Proxy WebShell'), [4]);
    assert.deepEqual(titles(out('conn')), ['Firewall Port 4444']);
    assert.deepEqual(linesOf(out('conn'), 'Firewall Port 4444'), [1]);
  });
  it('web server: c-useragent is the user agent (not the path)', () => {
    assert.deepEqual(titles(out('access')), ['Web Scanner UA']);
    assert.deepEqual(linesOf(out('access'), 'Web Scanner UA'), [1]);
  });
});

describe('Sigma level → severity', () => {
  it('informational, low, medium, high, critical give info, low, medium, high, critical', async () => {
    const dir = tmpDir();
    const levels = ['informational', 'low', 'medium', 'high', 'critical'];
    const file = write(dir, 'levels.yml', levels.map((l) => `title: Level ${l}\nlevel: ${l}\nlogsource: {product: linux}\ndetection:\n  keywords: ['Failed password']\n  condition: keywords\n`).join('---\n'));
    const log = write(dir, 'auth.log', 'Dec 10 06:55:46 host sshd[1]: Failed password for root from 203.0.113.9 port 5 ssh2\n');
    const [o] = await sigmaOn([log], file);
    assert.deepEqual(o.findings.map((f) => [f.metrics.rule, f.severity]).sort(), levels.map((l) => [`Level ${l}`, l === 'informational' ? 'info' : l]).sort());
  });
});
