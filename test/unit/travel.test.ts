/**
 * Impossible travel on the hand-made sign-in log (test/fixtures/geo/signins.csv,
 * places from MaxMind's GeoLite2 test database):
 *   alice  London 09:00 → Milton (WA) 09:30: 7,732 km in 30 min            impossible
 *   carol  Changchun → Tokyo (1,530 km in 2 h, fine) → Milton in 2 h      impossible (7,714 km)
 *   heidi  London and China in the same second (IPv4-mapped and IPv6)     impossible, the fastest
 *   frank  Linköping → London, 1,258 km in 70 min: 1,078 km/h between the
 *          coordinates, 927 km/h once both accuracy radii (76 + 100 km) are allowed for
 *   grace  Linköping → Milton in 8.5 h: 900 km/h by haversine (7,650 km),
 *          1,100 km/h on the plane (9,348 km): only the plane method flags it
 *   eve    London → Boxford, 84 km in 10 min: under minKm
 *   bob    Linköping → London in 4 h: 308 km/h
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { impossibleTravel, travelRisk } from '../../src/engine/analyses/events/travel';
import { riskFromP } from '../../src/engine/findings/triage/risk';
import type { Engine } from '../../src/engine/engine';
import type { TableInfo } from '../../src/engine/ingest/build';
import type { SqlValue } from '../../src/engine/store/database';
import { LogInvestigatorError } from '../../src/engine/errors';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { renderSvg } from '../../src/engine/findings/report';
import { PLANTED, THREAT_IPS, writeEventStream } from '../generators/eventStream';
import { geoIp } from '../../src/engine/analyses/events/geoIp';
import { threatListMatches } from '../../src/engine/analyses/events/threatList';
import { fixture, indexed, tmpDir } from '../helpers';

const LITE = fixture('geo/GeoLite2-City-Test.mmdb');
const FLAT = fixture('GeoLite2-City-Test.flattened.csv');

describe('impossible-travel analysis', () => {
  let engine: Engine;
  let table: TableInfo;
  before(async () => {
    const r = await indexed([fixture('geo/signins.csv')]);
    engine = r.engine;
    table = r.tables[0];
  });
  after(async () => engine.dispose());
  const run = (params: Record<string, string>): AnalysisOutput => runAnalysis(impossibleTravel, table, (s, p) => engine.query(s, p), { geo: LITE, ...params });
  const users = (o: AnalysisOutput) => o.findings.map((f) => f.entity.value);

  it('flags the planted trips by haversine, the fastest traveller first, with the legs as evidence', () => {
    const out = run({});
    assert.deepEqual(users(out), ['heidi', 'alice', 'carol']);
    const [heidi, alice, carol] = out.findings;
    // a stated severity: high (80) for legs of 500 km or more beyond the accuracy radii at twice the limit or within one second
    assert.deepEqual(out.findings.map((f) => [f.risk, f.severity]), [[80, 'high'], [80, 'high'], [80, 'high']]);
    assert.deepEqual(heidi.window, { start: '2024-03-01T18:00:00Z', end: '2024-03-01T18:00:00Z' });
    assert.deepEqual(heidi.related, [{ kind: 'ip', value: '::ffff:81.2.69.142' }, { kind: 'ip', value: '2001:250::7' }]);
    assert.equal(heidi.explain?.counterfactual, 'Two places in the same second: no speed would explain it.');
    assert.equal(alice.explain?.counterfactual, 'It would not be flagged if the leg had taken 7.6 h or more.');
    assert.deepEqual(alice.window, { start: '2024-03-01T09:00:00Z', end: '2024-03-01T09:30:00Z' });
    assert.equal(heidi.context, undefined);
    assert.match(heidi.reason, /^heidi went from London, United Kingdom \(2024-03-01 18:00:00\) to People's Republic of China \(2024-03-01 18:00:00\): 7,958 km .* within the same second; 1 impossible leg; the fastest traveller of all$/);
    assert.equal(heidi.metrics.fastestKmh, null, 'no speed within one second');
    assert.deepEqual(heidi.evidence.lines, [16, 17]);

    assert.equal(alice.metrics.from, 'London, United Kingdom');
    assert.equal(alice.metrics.to, 'Milton, United States');
    assert.equal(alice.metrics.km, 7732);
    assert.equal(alice.metrics.hours, 0.5);
    // 7,732 km less London's (100 km for 81.2.69.160/27) and Milton's (22 km) accuracy radii, in half an hour
    assert.equal(alice.metrics.effectiveKm, 7610);
    assert.equal(alice.metrics.fastestKmh, 15221);
    assert.deepEqual(alice.evidence.lines, [6, 7], 'the London event before the trip, not the earlier one');
    assert.equal(alice.severity, 'high');
    assert.equal(alice.id, 'impossible-travel:signins:user:alice');

    assert.equal(carol.metrics.from, 'Japan');
    assert.deepEqual(carol.evidence.lines, [9, 11]);
    assert.equal(carol.severity, 'high');
    assert.equal(carol.metrics.legs, 1, 'Changchun → Tokyo at 765 km/h is possible');

    const fastest = out.tables[0];
    assert.match(fastest.title, /^Fastest traveller overall \(haversine distance/);
    assert.deepEqual(fastest.rows.map((r) => r[0]), ['heidi']);
    assert.equal(out.tables[1].rows.length, 3);
    assert.match(out.tables[1].title, /\(9 changes of place checked\)/);
    assert.equal(out.tables[2].rows.length, 3);
  });

  it('a leg barely over the limit is medium (60); four legs back and forth between two places carry context (a VPN more likely)', async () => {
    // carol: 7,592 km in 2 h is 3,796 km/h: twice 1,000 km/h, not twice 3,000
    const carol = run({ maxSpeed: '3000' }).findings.find((f) => f.entity.value === 'carol')!;
    assert.deepEqual([carol.risk, carol.severity], [60, 'medium']);
    assert.equal(travelRisk({ effectiveKm: 400, kmh: 5000, hours: 0.08 }, 1000), 60, 'under HIGH_KM');
    assert.equal(travelRisk({ effectiveKm: 600, kmh: 2000, hours: 0.3 }, 1000), 80);
    const dir = tmpDir();
    const log = path.join(dir, 'vpn.csv');
    const rows = ['time,user,ip'];
    for (let k = 0; k < 5; k++) rows.push(`2024-01-01T1${k}:00:00Z,zoe,${k % 2 ? '216.160.83.58' : '81.2.69.160'}`);
    fs.writeFileSync(log, rows.join('\n') + '\n');
    const r = await indexed([log]);
    try {
      const [zoe] = runAnalysis(impossibleTravel, r.tables[0], (s, p) => r.engine.query(s, p), { geo: LITE }).findings;
      assert.equal(zoe.metrics.legs, 4);
      assert.deepEqual(zoe.context, [{ kind: 'other', text: '4 impossible legs, all between London, United Kingdom and Milton, United States: a VPN, a mobile network\'s exit or a geo-IP error is more likely than travel' }]);
      assert.equal(zoe.risk, 80, 'the context is for triage to weigh; the leg keeps its own risk');
    } finally {
      await r.engine.dispose();
    }
  });

  it('follows the distance method, the accuracy radii, maxSpeed and minKm', () => {
    assert.deepEqual(users(run({ distance: 'plane' })), ['heidi', 'alice', 'carol', 'grace'], 'grace only on the plane');
    const grace = run({ distance: 'plane' }).findings.find((f) => f.entity.value === 'grace')!;
    assert.equal(grace.metrics.km, 9348);
    assert.equal(grace.metrics.distance, 'plane');
    assert.deepEqual(users(run({ accuracy: '0' })), ['heidi', 'alice', 'carol', 'frank'], 'frank only without the radii');
    assert.deepEqual(users(run({ maxSpeed: '5000' })), ['heidi', 'alice']);
    assert.deepEqual(users(run({ maxSpeed: '300', accuracy: '0' })), ['heidi', 'alice', 'carol', 'frank', 'grace', 'bob'], 'by the fastest leg; eve is under minKm = 100');
    const slow = users(run({ maxSpeed: '300', accuracy: '0', minKm: '50' }));
    assert.ok(slow.includes('eve') && slow.includes('bob'), `eve (84 km in 10 min) and bob (1,258 km in 4 h) at 300 km/h: ${slow.join(', ')}`);
    assert.throws(() => run({ distance: 'manhattan' }), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION' && /haversine or plane/.test(e.message));
    assert.throws(() => run({ maxSpeed: '0' }), (e: unknown) => e instanceof LogInvestigatorError && e.code === 'BAD_OPTION');
  });

  it('gives the same trips with the CSV of ranges as with the .mmdb', () => {
    const a = run({});
    const b = runAnalysis(impossibleTravel, table, (s, p) => engine.query(s, p), { geo: FLAT });
    assert.deepEqual(b.findings.map((f) => [f.entity.value, f.metrics.km, f.metrics.effectiveKm, f.metrics.fastestKmh]), a.findings.map((f) => [f.entity.value, f.metrics.km, f.metrics.effectiveKm, f.metrics.fastestKmh]));
  });

  it('draws the legs on the world map as great-circle lines', async () => {
    const spec = run({}).charts[0].spec as { layer: { mark: { type: string }; data: { values: { geometry?: { type: string; coordinates: number[][] } }[] } }[] };
    assert.equal(spec.layer[0].mark.type, 'geoshape');
    const legs = spec.layer[1].data.values;
    assert.equal(legs.length, 3);
    assert.equal(legs[0].geometry?.type, 'LineString');
    assert.deepEqual(legs[0].geometry?.coordinates, [[-0.0931, 51.5142], [105, 35]]);
    const svg = await renderSvg(spec as unknown as Record<string, unknown>);
    assert.ok((svg.match(/<path/g) ?? []).length > 180, 'countries and legs are drawn');
  });

  it('needs a user, an ip and a time, and ignores events it cannot place', async () => {
    const dir = tmpDir();
    const log = path.join(dir, 'vpn.csv');
    // private and unknown addresses between two far places do not hide the trip
    fs.writeFileSync(log, 'time,user,ip\n2024-01-01T10:00:00Z,zoe,81.2.69.142\n2024-01-01T10:05:00Z,zoe,10.0.0.1\n2024-01-01T10:10:00Z,zoe,1.1.1.1\n2024-01-01T10:20:00Z,zoe,175.16.199.1\n2024-01-01T10:20:00Z,,216.160.83.56\n');
    const r = await indexed([log]);
    try {
      const out = runAnalysis(impossibleTravel, r.tables[0], (s, p) => r.engine.query(s, p), { geo: LITE });
      assert.deepEqual(out.findings.map((f) => [f.entity.value, f.evidence.lines]), [['zoe', [2, 5]]]);
    } finally {
      await r.engine.dispose();
    }
  });

  it("finds the generated e-mail stream's planted trip and threat-list sign-in, and nothing else", async () => {
    const file = path.join(tmpDir(), 'events.jsonl.gz');
    await writeEventStream(file);
    const r = await indexed([file]);
    try {
      const t = r.tables[0];
      const q = (s: string, p?: SqlValue[]) => r.engine.query(s, p);
      const trip = runAnalysis(impossibleTravel, t, q, { geo: LITE });
      const planted = PLANTED.impossibleTrip;
      assert.deepEqual(trip.findings.map((f) => f.entity.value), [planted.user], 'normal users never leave their home network: no false positive');
      const f = trip.findings[0];
      assert.equal(f.metrics.from, 'London, United Kingdom');
      assert.equal(f.metrics.to, 'Changchun, China');
      assert.ok(Math.abs(Number(f.metrics.km) - planted.km) < 5, `${f.metrics.km} km`);
      assert.equal(f.metrics.hours, 1);
      assert.equal(f.metrics.fromTime, planted.from.time.replace('T', ' ').replace('Z', ''));
      assert.equal(f.evidence.lines.length, 2);
      assert.deepEqual([f.risk, f.severity], [80, 'high']);
      assert.deepEqual(f.related, [{ kind: 'ip', value: planted.from.ip }, { kind: 'ip', value: planted.to.ip }]);
      assert.deepEqual(q(f.evidence.sql, f.evidence.params).rows.map((row) => row[t.columns.findIndex((c) => c.role === 'ip')]), [planted.from.ip, planted.to.ip]);

      const threats = runAnalysis(threatListMatches, t, q, { threats: THREAT_IPS.join(',') });
      assert.deepEqual(threats.findings.map((x) => [x.entity.value, x.metrics.events, x.metrics.first]), [[PLANTED.threatIp.ip, 1, PLANTED.threatIp.time.replace('T', ' ').replace('Z', '')]]);
      // a stated severity (high, 80) with the sign-in's moment and its user
      assert.deepEqual([threats.findings[0].risk, threats.findings[0].severity, threats.findings[0].window, threats.findings[0].related], [80, 'high', { start: PLANTED.threatIp.time, end: PLANTED.threatIp.time }, [{ kind: 'user', value: PLANTED.threatIp.user }]]);

      const geo = runAnalysis(geoIp, t, q, { geo: FLAT });
      const summary = geo.tables[1].rows;
      assert.equal(summary[0][0], 'located, with coordinates');
      assert.equal(summary.slice(2).reduce((n, row) => n + Number(row[1]), 0), 0, 'every address of the stream is located');
      // the only sign-ins from countries that make up less than 0.1 % of the events are the planted ones
      assert.deepEqual(geo.findings.map((x) => [x.entity.value, x.metrics.country]).sort(), [[planted.to.ip, 'China'], [PLANTED.threatIp.ip, 'Bhutan']].sort());
      // risk: the two countries of one event each hold 2 of the located events; among the located IPs
      const located = Number(summary[0][1]) + Number(summary[1][1]);
      const events = Number(summary[0][2]) + Number(summary[1][2]);
      for (const x of geo.findings) assert.equal(x.risk, riskFromP(2 / events, located));
      assert.deepEqual(geo.findings.map((x) => [x.risk, x.severity]), [[57.4, 'medium'], [57.4, 'medium']]);
    } finally {
      await r.engine.dispose();
    }
  });
});
