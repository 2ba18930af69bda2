import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysisById } from '../../src/engine/analyses';
import { riskOfLogZ } from '../../src/engine/analyses/events/volumeOutliers';
import { runAnalysis } from '../../src/engine/findings/model';
import { agentContext, popularResource, serviceAccount, sharedEgress } from '../../src/engine/findings/triage/context';
import { buildSuspects } from '../../src/engine/findings/triage/suspects';
import { indexed, tmpDir } from '../helpers';
import type { SqlValue } from '../../src/engine/store/database';

describe('triage: benign context', () => {
  it('a shared egress: many users, many days, each at an ordinary rate; not one afternoon, not mostly failures', () => {
    const base = { users: 354, days: 531, events: 21627, userDays: 9000, typicalPerUserDay: 3.1 };
    assert.equal(sharedEgress(base)?.kind, 'shared-egress');
    assert.equal(sharedEgress(base)?.text, "shared egress (NAT): 354 users over 531 days, each at an ordinary rate (2.4 events per user and day; the log's typical user: 3.1)");
    assert.equal(sharedEgress({ ...base, days: 1 }), undefined, 'one day: an event, not an egress');
    assert.equal(sharedEgress({ ...base, users: 9 }), undefined);
    assert.equal(sharedEgress({ ...base, events: 9000 * 10 }), undefined, '10 events per user and day where 3.1 is typical');
    assert.equal(sharedEgress({ ...base, failShare: 0.6 }), undefined, 'mostly failures: trying accounts');
    assert.equal(sharedEgress({ ...base, failShare: 0.05 })?.kind, 'shared-egress');
  });

  it('crawlers, monitoring agents, service accounts, popular resources', () => {
    assert.equal(agentContext('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')?.kind, 'crawler');
    assert.equal(agentContext('Zabbix 6.0')?.kind, 'monitoring');
    assert.equal(agentContext('kube-probe/1.27')?.kind, 'monitoring');
    assert.equal(agentContext('ELB-HealthChecker/2.0', 0.8)?.text, 'a monitoring agent or health check (80 % of its events): ELB-HealthChecker/2.0');
    assert.equal(agentContext('Mozilla/5.0 (X11; Linux x86_64) Firefox/86.0'), undefined);
    assert.equal(agentContext(''), undefined);
    for (const u of ['svc-backup', 'svc_sql', 'backup', 'nagios', 'WS01$', 'jenkins', 'report.svc']) assert.equal(serviceAccount(u)?.kind, 'service-account', u);
    for (const u of ['alice', 'root', 'admin', '5001', 'servicedesk.anna']) assert.equal(serviceAccount(u), undefined, u);
    assert.equal(popularResource(400, 900)?.text, 'a popular resource: read by 400 of the 900 users (44 %)');
    assert.equal(popularResource(12, 40, 'clients (IPs)')?.kind, 'popular');
    assert.equal(popularResource(3, 900), undefined);
  });

  it('volume outliers: log scale, Laplace tail, context from the rows; ranking lowers a described entity', async () => {
    assert.equal(riskOfLogZ(4, 20), 43.2);
    assert.equal(riskOfLogZ(6, 2000), 33.6);
    assert.equal(riskOfLogZ(9, 20), 81.6);
    const rows = ['time,user,ip,page,user_agent'];
    const day = (d: number) => `2024-03-${String(1 + (d % 28)).padStart(2, '0')}`;
    // a campus address: 30 users over 28 days, a few pages a day each; a monitor; 60 ordinary home addresses
    for (let d = 0; d < 28; d++) for (let u = 0; u < 30; u++) for (let k = 0; k < 2; k++) rows.push(`${day(d)} 10:${String(u).padStart(2, '0')}:0${k},u${u},10.0.0.1,lesson/${(u + k) % 9},Mozilla/5.0 Firefox/120.0`);
    for (let d = 0; d < 28; d++) for (let k = 0; k < 24; k++) rows.push(`${day(d)} ${String(k).padStart(2, '0')}:00:00,svc-monitor,10.9.9.9,health,Zabbix 6.0`);
    for (let h = 0; h < 60; h++) for (let k = 0; k < 3 + (h % 4); k++) rows.push(`${day(h)} 12:0${k}:00,h${h},192.168.${h}.1,lesson/${k},Mozilla/5.0 Firefox/120.0`);
    const file = path.join(tmpDir(), 'ctx.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const { engine } = await indexed([file]);
    const t = engine.tables()[0];
    const q = (sql: string, p: SqlValue[] = []) => engine.query(sql, p);
    const ip = runAnalysis(analysisById('volume-outliers-ip')!, t, q, {}, engine.tables());
    assert.deepEqual(ip.findings.map((f) => [f.entity.value, f.context?.map((c) => c.kind)]), [['10.0.0.1', ['shared-egress']], ['10.9.9.9', ['monitoring']]]);
    const campus = ip.findings[0];
    assert.match(campus.reason, /^1,680 events from IP 10\.0\.0\.1, [\d.]+ robust σ above the median IP \(\d+ events\) on a log scale; busiest hour 2024-03-\d\d 10:00 with 60$/);
    assert.equal(campus.evidence.total, 60, 'the busiest hour, not its 1,680 rows');
    const user = runAnalysis(analysisById('volume-outliers-user')!, t, q, {}, engine.tables());
    assert.deepEqual(user.findings.map((f) => [f.entity.value, f.context?.map((c) => c.kind).sort()]), [['svc-monitor', ['monitoring', 'service-account']]]);
    const [s] = buildSuspects(ip.findings.slice(0, 1));
    assert.equal(s.lowered, true);
    assert.ok(s.risk < 50, String(s.risk));
    await engine.dispose();
  });
});
