import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { EVENT_STREAM_DEFAULTS, NETWORKS, PLANTED, THREAT_IPS, eventStreamLines, generateEventStream, plantedCases, userNames, writeEventStream } from '../generators/eventStream';
import type { EmailEvent } from '../generators/eventStream';
import { fixture, indexed, tmpDir } from '../helpers';
import { ANALYSES } from '../../src/engine/analyses';
import { runAnalyses } from '../../src/engine/findings/model';
import { ruleRisk } from '../../src/engine/analyses/rules/rulesAnalysis';
import { findingsOf, rankOf, triage } from '../../src/engine/findings/triage/triage';

const ipInt = (ip: string) => ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
const inCidr = (ip: string, cidr: string) => {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipInt(ip) / size) === Math.floor(ipInt(base) / size);
};

describe('event-stream generator', () => {
  const events: EmailEvent[] = [...generateEventStream()];

  it('is seeded: the same options give the same lines, another seed other lines', () => {
    const a = [...eventStreamLines()];
    assert.deepEqual(a, events.map((e) => JSON.stringify(e)));
    const b = [...eventStreamLines({ seed: 8 })];
    assert.notDeepEqual(a.slice(0, 50), b.slice(0, 50));
  });

  it('is ordered by time and has the documented shape', () => {
    for (let i = 1; i < events.length; i++) assert.ok(events[i - 1].time <= events[i].time, `line ${i + 1} out of order`);
    const users = new Set(events.map((e) => e.user));
    assert.equal(users.size, EVENT_STREAM_DEFAULTS.users);
    assert.deepEqual([...users].sort(), userNames().sort());
    for (const e of events) {
      assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      if (e.event === 'send') {
        assert.equal(e.attachments, e.attachment_names!.length);
        assert.ok(e.recipients! >= 1);
      } else assert.equal(e.recipients, undefined);
    }
    const sends = events.filter((e) => e.event === 'send');
    const exe = sends.filter((e) => e.attachment_names!.some((n) => /\.(exe|js)$/.test(n)));
    assert.ok(exe.length > 5, `rare .exe/.js attachments occur (${exe.length})`);
    // only the planted send has more than 10 recipients
    assert.deepEqual(
      sends.filter((e) => e.recipients! > 10).map((e) => [e.user, e.time]),
      [[PLANTED.ruleHit.user, PLANTED.ruleHit.time]],
    );
  });

  it('places every address on a located network of the MaxMind test database (the CSV fixture)', () => {
    const csv = fs.readFileSync(fixture('GeoLite2-City-Test.flattened.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const n of Object.values(NETWORKS)) {
      const row = csv.find((r) => r[0] === n.cidr);
      assert.ok(row, `${n.cidr} is in the CSV`);
      assert.equal(Number(row[5]), n.latitude);
      assert.equal(Number(row[6]), n.longitude);
    }
    const threat = new Set(THREAT_IPS);
    for (const e of events) {
      if (threat.has(e.src_ip)) continue;
      assert.ok(Object.values(NETWORKS).some((n) => inCidr(e.src_ip, n.cidr)), `${e.src_ip} is on a test network`);
    }
  });

  it('contains each planted case', () => {
    const at = (user: string, time: string) => events.filter((e) => e.user === user && e.time === time);
    assert.equal(at(PLANTED.ruleHit.user, PLANTED.ruleHit.time)[0].attachment_names![0], 'invoice.exe');
    assert.deepEqual(events.filter((e) => THREAT_IPS.includes(e.src_ip)).map((e) => [e.user, e.time, e.src_ip]), [[PLANTED.threatIp.user, PLANTED.threatIp.time, PLANTED.threatIp.ip]]);
    const trip = PLANTED.impossibleTrip;
    assert.equal(at(trip.user, trip.from.time)[0].src_ip, trip.from.ip);
    assert.equal(at(trip.user, trip.to.time)[0].src_ip, trip.to.ip);
    // the traveller's other events are all at home (London) and 12 h or more away from the trip
    const tripMs = [Date.parse(trip.from.time), Date.parse(trip.to.time)];
    for (const e of events.filter((x) => x.user === trip.user && x.time !== trip.from.time && x.time !== trip.to.time)) {
      assert.ok(inCidr(e.src_ip, NETWORKS.london.cidr));
      const ms = Date.parse(e.time);
      assert.ok(ms < tripMs[0] - 12 * 3600_000 || ms > tripMs[1] + 12 * 3600_000, `${e.time} is away from the trip`);
    }
    // the spike day is several times the user's usual day
    const perDay = (user: string) => {
      const m = new Map<string, number>();
      for (const e of events) if (e.user === user) m.set(e.time.slice(0, 10), (m.get(e.time.slice(0, 10)) ?? 0) + 1);
      return m;
    };
    const spike = perDay(PLANTED.volumeSpike.user);
    const others = [...spike.entries()].filter(([d]) => d !== PLANTED.volumeSpike.day).map(([, n]) => n);
    assert.ok(spike.get(PLANTED.volumeSpike.day)! > 4 * Math.max(...others) / 2, 'spike day stands out');
    // the population outlier sends several times more than anyone else
    const totals = new Map<string, number>();
    for (const e of events) totals.set(e.user, (totals.get(e.user) ?? 0) + 1);
    const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1]);
    assert.equal(sorted[0][0], PLANTED.populationOutlier.user);
    assert.ok(sorted[0][1] > 3 * sorted[1][1]);
    // the shifted user works at night in the last 14 days only
    const shift = events.filter((e) => e.user === PLANTED.workingHoursShift.user);
    const nightShare = (xs: EmailEvent[]) => xs.filter((e) => { const h = Number(e.time.slice(11, 13)); return h >= 22 || h < 6; }).length / xs.length;
    assert.ok(nightShare(shift.filter((e) => e.time >= PLANTED.workingHoursShift.since)) > 0.95);
    assert.ok(nightShare(shift.filter((e) => e.time < PLANTED.workingHoursShift.since)) < 0.1);
  });

  it('plants relative to the options', () => {
    const p = plantedCases({ start: '2023-01-02', days: 60 });
    assert.equal(p.workingHoursShift.since, '2023-02-17');
    assert.ok(p.impossibleTrip.from.time.startsWith('2023-02'));
    assert.throws(() => plantedCases({ days: 10 }), /days/);
    assert.throws(() => [...generateEventStream({ users: 3 })], /users/);
  });

  it('writes .jsonl.gz that indexes with the user, ip and time roles', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'events.jsonl.gz');
    const n = await writeEventStream(file, { users: 12, days: 42 });
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    assert.equal(text.trimEnd().split('\n').length, n);
    assert.equal(text, [...eventStreamLines({ users: 12, days: 42 })].join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    const t = tables[0];
    assert.equal(t.rows, n);
    const role = (r: string) => t.columns.find((c) => c.role === r)?.name;
    assert.equal(role('user'), 'user');
    assert.equal(role('ip'), 'src_ip');
    assert.equal(role('time'), '_time');
    assert.equal(t.columns.find((c) => c.name === 'recipients')?.type, 'integer');
    assert.equal(engine.query(`SELECT count(*) FROM "${t.table}" WHERE _time IS NULL`).rows[0][0], 0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('suspects on the seeded e-mail/sign-in stream (issue #11: one scale, a short list)', () => {
  it('ranks every planted case first in its group, with nine loud suspects and incidents: the six cases and three incidents standing for three of them', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, [...eventStreamLines()].join('\n') + '\n');
    const { engine, tables } = await indexed([file]);
    try {
      const params = { rules: JSON.stringify({ rules: [PLANTED.ruleHit.rule] }), threats: THREAT_IPS.join(','), geo: fixture('geo/GeoLite2-City-Test.mmdb') };
      const run = runAnalyses([...ANALYSES], tables, (s, p) => engine.query(s, p), params);
      const t = triage(findingsOf(run.outputs));
      const rank = (kind: 'ip' | 'user', value: string) => {
        const r = rankOf(t, kind, value);
        return r && [r.group, r.rank, t.groups.find((g) => g.title === r.group)?.suspects[r.rank - 1]?.risk];
      };
      // the users, by risk, then surprise (docs/risk/scale.md), then name: three critical (risk 100), two high (80: a rule's and a leg's stated severity)
      assert.deepEqual(t.groups.find((g) => g.kind === 'user')!.suspects.map((s) => [s.value, s.risk]), [
        [PLANTED.populationOutlier.user, 100],
        [PLANTED.workingHoursShift.user, 100],
        [PLANTED.volumeSpike.user, 100],
        [PLANTED.ruleHit.user, 80],
        [PLANTED.impossibleTrip.user, 80],
      ]);
      assert.deepEqual(rank('ip', PLANTED.threatIp.ip), ['IPs', 1, 84.6]);
      // the trip's far end is a country seen once: medium, not loud
      assert.deepEqual(rank('ip', PLANTED.impossibleTrip.to.ip), ['IPs', 2, 57.4]);
      // the incidents: the spike day with its user, the threat sign-in with its user, the trip with its two addresses
      assert.deepEqual(t.incidents.map((i) => [i.risk, i.entities.map((e) => `${e.kind}:${e.value}`)]), [
        [100, [`window:${PLANTED.volumeSpike.day}`, `user:${PLANTED.volumeSpike.user}`]],
        [80, [`ip:${PLANTED.threatIp.ip}`, `user:${PLANTED.threatIp.user}`]],
        [80, [`ip:${PLANTED.impossibleTrip.from.ip}`, `ip:${PLANTED.impossibleTrip.to.ip}`, `user:${PLANTED.impossibleTrip.user}`]],
      ]);
      assert.equal(t.loud, 9);
      assert.equal(t.atLeastMedium, 10);
      // evidence is the anomaly (item 6): the flagged day, the busiest day, the recent night hours, the matching send,
      // the listed sign-in, the two legs, the two rare-country sign-ins; not every row of the entity
      const mine = ['entity-baseline', 'population-outliers', 'working-hours', 'rules', 'threat-list', 'impossible-travel', 'geo-ip'];
      const shown = run.outputs.filter((o) => mine.includes(o.analysis)).flatMap((o) => o.findings.filter((f) => (f.risk ?? 0) >= 25));
      assert.deepEqual(shown.map((f) => [f.analysis, f.evidence.total]).sort(), [
        ['entity-baseline', 116],
        ['geo-ip', 1],
        ['geo-ip', 1],
        ['impossible-travel', 2],
        ['population-outliers', 150],
        ['rules', 1],
        ['threat-list', 1],
        ['working-hours', 242],
      ]);
      assert.ok(shown.reduce((n, f) => n + f.evidence.total, 0) < 0.02 * tables[0].rows, 'under 2 % of the log');
    } finally {
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stated severities of the event-stream analyses', () => {
  it("a rule's risk is its author's severity, the middle of the band, plus a little for more matches, never out of the band", () => {
    assert.deepEqual([ruleRisk('high', 1), ruleRisk('high', 10), ruleRisk('high', 100), ruleRisk('high', 1e6)], [80, 82, 84, 84]);
    assert.deepEqual([ruleRisk('low', 1), ruleRisk('medium', 1), ruleRisk('critical', 1), ruleRisk('critical', 1000)], [35, 60, 95, 99]);
  });
});
