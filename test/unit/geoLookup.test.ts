/**
 * Geo lookup: address parsing, the range table, the CSV and .mmdb loaders
 * checked against the `maxmind` reader on MaxMind's two test databases
 * (copied into test/fixtures/geo with their licenses), distances against
 * known values, and the geo-ip analysis on a hand-made sign-in log.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Reader, type Response } from 'maxmind';
import { riskFromP } from '../../src/engine/findings/triage/risk';
import { geoIp } from '../../src/engine/analyses/events/geoIp';
import { LogInvestigatorError } from '../../src/engine/errors';
import { runAnalysis } from '../../src/engine/findings/model';
import { haversineKm, planeKm, distanceFn } from '../../src/engine/geo/distance';
import { loadGeoDb, type GeoDb, type GeoRecord } from '../../src/engine/geo/geoDb';
import { formatIp, ipFromInteger, isPrivateOrReserved, parseIp, parseRange, type IpRange, type ParsedIp } from '../../src/engine/geo/ip';
import { RangeTableBuilder } from '../../src/engine/geo/ranges';
import { renderSvg } from '../../src/engine/findings/report';
import { fixture, hasShared, indexed, SHARED, tmpDir } from '../helpers';
import { seededRng } from '../../src/engine/cluster/random';

const FLAT = fixture('GeoLite2-City-Test.flattened.csv');
const LITE = fixture('geo/GeoLite2-City-Test.mmdb');
const GEOIP2 = fixture('geo/GeoIP2-City-Test.mmdb');

const rng = seededRng;

function networks(): IpRange[] {
  return fs
    .readFileSync(FLAT, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => parseRange(l.split(',')[0])!);
}

/** First, last, middle, and the neighbours just outside each network; then random addresses, some inside. */
function probes(seed: number, random: number): ParsedIp[] {
  const out: ParsedIp[] = [];
  const nets = networks();
  for (const r of nets) {
    if (r.v === 4) for (const n of [r.lo, r.hi, Math.floor((r.lo + r.hi) / 2), r.lo - 1, r.hi + 1]) if (n >= 0 && n <= 0xffffffff) out.push({ v: 4, n });
    if (r.v === 6) for (const n of [r.lo, r.hi, (r.lo + r.hi) / 2n, r.lo - 1n, r.hi + 1n]) out.push({ v: 6, n });
  }
  const next = rng(seed);
  for (let i = 0; i < random; i++) {
    const r = nets[Math.floor(next() * nets.length)];
    if (i % 3 === 0) out.push({ v: 4, n: Math.floor(next() * 2 ** 32) });
    else if (i % 3 === 1) out.push({ v: 6, n: (0x2001n << 112n) | (BigInt(Math.floor(next() * 2 ** 16)) << 96n) | BigInt(Math.floor(next() * 2 ** 32)) });
    else if (r.v === 4) out.push({ v: 4, n: r.lo + Math.floor(next() * (r.hi - r.lo + 1)) });
    else out.push({ v: 6, n: r.lo + BigInt(Math.floor(next() * 2 ** 40)) });
  }
  return out;
}

const key = (r: GeoRecord | undefined) => (r ? JSON.stringify([r.countryCode, r.country, r.region, r.city, r.latitude, r.longitude, r.radiusKm]) : 'unlocated');

/** The MaxMind reader's answer, read field by field here (not through fromMaxMind). */
function readerKey(reader: Reader<Response>, ip: ParsedIp): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m = reader.get(formatIp(ip)) as any;
  if (!m) return 'unlocated';
  const c = m.country ?? m.registered_country;
  return JSON.stringify([c?.iso_code, c?.names?.en, m.subdivisions?.[0]?.names?.en, m.city?.names?.en, m.location?.latitude, m.location?.longitude, m.location?.accuracy_radius]);
}

function assertCode(fn: () => unknown, code: string, ...texts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LogInvestigatorError, `a LogInvestigatorError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const t of texts) assert.match(e.message, typeof t === 'string' ? new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : t);
    return true;
  });
}

describe('geo: addresses and ranges', () => {
  it('parses IPv4, IPv6 (compressed, embedded IPv4, zones, brackets) and IPv4-mapped IPv6 as IPv4', () => {
    assert.deepEqual(parseIp('81.2.69.142'), { v: 4, n: 81 * 2 ** 24 + 2 * 2 ** 16 + 69 * 256 + 142 });
    assert.deepEqual(parseIp('0.0.0.0'), { v: 4, n: 0 });
    assert.deepEqual(parseIp('255.255.255.255'), { v: 4, n: 2 ** 32 - 1 });
    assert.deepEqual(parseIp('::ffff:81.2.69.142'), parseIp('81.2.69.142'));
    assert.deepEqual(parseIp('::ffff:5102:458e'), parseIp('81.2.69.142'));
    assert.deepEqual(parseIp('2001:db8::1'), { v: 6, n: (0x20010db8n << 96n) | 1n });
    assert.deepEqual(parseIp('[2001:DB8::1]'), parseIp('2001:db8::1'));
    assert.deepEqual(parseIp('fe80::1%eth0'), { v: 6, n: (0xfe80n << 112n) | 1n });
    assert.deepEqual(parseIp('::'), { v: 6, n: 0n });
    assert.deepEqual(parseIp('2001:db8:0:0:0:0:0:1'), parseIp('2001:db8::1'));
    assert.deepEqual(parseIp('64:ff9b::192.0.2.33'), { v: 6, n: (0x64ff9bn << 96n) | 0xc0000221n });
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', 'gggg::1', 'example.com', '1.2.3.4/24', ':::']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
    assert.equal(formatIp(parseIp('2001:db8::1')!), '2001:db8:0:0:0:0:0:1');
    assert.equal(formatIp(parseIp('10.20.30.40')!), '10.20.30.40');
  });

  it('parses CIDRs (host bits ignored), lo-hi ranges, single addresses and integers', () => {
    assert.deepEqual(parseRange('10.0.0.0/8'), { v: 4, lo: 10 * 2 ** 24, hi: 11 * 2 ** 24 - 1 });
    assert.deepEqual(parseRange('10.1.2.3/8'), parseRange('10.0.0.0/8'));
    assert.deepEqual(parseRange('0.0.0.0/0'), { v: 4, lo: 0, hi: 2 ** 32 - 1 });
    assert.deepEqual(parseRange('1.2.3.4/32'), { v: 4, lo: parseIp('1.2.3.4')!.n, hi: parseIp('1.2.3.4')!.n });
    assert.deepEqual(parseRange('2001:db8::/32'), { v: 6, lo: 0x20010db8n << 96n, hi: (0x20010db9n << 96n) - 1n });
    assert.deepEqual(parseRange('::ffff:81.2.69.0/120'), parseRange('81.2.69.0/24'), 'an IPv4-mapped prefix counts IPv6 bits');
    assert.deepEqual(parseRange('198.51.100.7-198.51.100.9'), { v: 4, lo: parseIp('198.51.100.7')!.n, hi: parseIp('198.51.100.9')!.n });
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/x', '1.2.3.4-2001:db8::1', 'nothing']) assert.equal(parseRange(bad), undefined, bad);
    assert.deepEqual(ipFromInteger('1359103374'), parseIp('81.2.69.142'));
    assert.deepEqual(ipFromInteger('281470681743360'), { v: 4, n: 0 }, '::ffff:0.0.0.0 as an integer is IPv4');
    assert.deepEqual(ipFromInteger(String((0x20010db8n << 96n) | 1n)), parseIp('2001:db8::1'));
    assert.equal(ipFromInteger('-1'), undefined);
    assert.equal(ipFromInteger(String(1n << 128n)), undefined);
  });

  it('knows private and reserved space', () => {
    for (const ip of ['10.1.2.3', '192.168.0.1', '172.16.5.4', '172.31.255.255', '127.0.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.1', '0.1.2.3', '::1', 'fd00::1', 'fe80::1', 'ff02::1']) assert.ok(isPrivateOrReserved(parseIp(ip)!), ip);
    for (const ip of ['81.2.69.142', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2001:218::1']) assert.ok(!isPrivateOrReserved(parseIp(ip)!), ip);
  });

  it('answers overlapping ranges with the most specific one, at every edge', () => {
    const b = new RangeTableBuilder<string>();
    const add = (cidr: string, v: string) => b.add(parseRange(cidr)!, v);
    add('10.0.0.0/8', 'ten');
    add('10.1.0.0/16', 'ten-one');
    add('10.1.2.0/24', 'ten-one-two');
    add('10.1.2.128/25', 'upper');
    add('10.200.0.0/16', 'ten-200');
    add('2001:db8::/32', 'doc');
    add('2001:db8:1::/48', 'doc-1');
    b.add(parseRange('20.0.0.10-20.0.0.20')!, 'a');
    b.add(parseRange('20.0.0.15-20.0.0.30')!, 'b'); // overlaps a partly: the later start wins
    const t = b.build();
    const at = (ip: string) => t.find(parseIp(ip)!);
    assert.equal(at('9.255.255.255'), undefined);
    assert.equal(at('10.0.0.0'), 'ten');
    assert.equal(at('10.0.255.255'), 'ten');
    assert.equal(at('10.1.0.0'), 'ten-one');
    assert.equal(at('10.1.1.255'), 'ten-one');
    assert.equal(at('10.1.2.0'), 'ten-one-two');
    assert.equal(at('10.1.2.127'), 'ten-one-two');
    assert.equal(at('10.1.2.128'), 'upper');
    assert.equal(at('10.1.2.255'), 'upper');
    assert.equal(at('10.1.3.0'), 'ten-one');
    assert.equal(at('10.2.0.0'), 'ten');
    assert.equal(at('10.200.3.4'), 'ten-200');
    assert.equal(at('10.255.255.255'), 'ten');
    assert.equal(at('11.0.0.0'), undefined);
    assert.equal(at('20.0.0.14'), 'a');
    assert.equal(at('20.0.0.15'), 'b');
    assert.equal(at('20.0.0.30'), 'b');
    assert.equal(at('20.0.0.31'), undefined);
    assert.equal(at('2001:db8::5'), 'doc');
    assert.equal(at('2001:db8:1:ffff::1'), 'doc-1');
    assert.equal(at('2001:db8:2::'), 'doc');
    assert.equal(at('2001:db9::'), undefined);
    assert.equal(at('255.255.255.255'), undefined);
  });

  it('gives the same answers whatever order the ranges come in', () => {
    const next = rng(7);
    const ranges: [IpRange, number][] = [];
    for (let i = 0; i < 3000; i++) {
      const bits = 8 + Math.floor(next() * 25);
      const r = parseRange(`${formatIp({ v: 4, n: Math.floor(next() * 2 ** 32) })}/${bits}`)!;
      ranges.push([r, i]);
    }
    // reference: the narrowest covering range (ties: the one added last), by brute force
    const brute = (n: number) => {
      let best: [IpRange, number] | undefined;
      for (const x of ranges) {
        const r = x[0] as { lo: number; hi: number };
        if (r.lo <= n && n <= r.hi && (!best || r.hi - r.lo <= (best[0].hi as number) - (best[0].lo as number))) best = x;
      }
      return best?.[1];
    };
    const sorted = new RangeTableBuilder<number>();
    for (const [r, i] of [...ranges].sort((a, b) => (a[0].lo as number) - (b[0].lo as number) || (b[0].hi as number) - (a[0].hi as number) || a[1] - b[1])) sorted.add(r, i);
    const shuffled = new RangeTableBuilder<number>();
    for (const [r, i] of ranges) shuffled.add(r, i);
    const [s, u] = [sorted.build(), shuffled.build()];
    for (let k = 0; k < 3000; k++) {
      const [r] = ranges[Math.floor(next() * ranges.length)];
      const n = (r.lo as number) + Math.floor(next() * ((r.hi as number) - (r.lo as number) + 1));
      const want = brute(n);
      assert.equal(s.find({ v: 4, n }), want, `sorted input, ${formatIp({ v: 4, n })}`);
      assert.equal(u.find({ v: 4, n }), want, `shuffled input, ${formatIp({ v: 4, n })}`);
    }
  });
});

describe('geo: databases agree with the maxmind reader', () => {
  const lite = new Reader<Response>(fs.readFileSync(LITE));
  const geoip2 = new Reader<Response>(fs.readFileSync(GEOIP2));

  for (const [name, file, reader] of [['GeoLite2-City-Test', LITE, lite], ['GeoIP2-City-Test', GEOIP2, geoip2]] as const) {
    it(`the .mmdb loader answers as the reader does on ${name} (every network's edges and neighbours, a seeded sweep)`, () => {
      const db = loadGeoDb(file);
      assert.equal(db.kind, 'mmdb');
      let located = 0;
      const all = probes(1, 6000);
      for (const ip of all) {
        const want = readerKey(reader, ip);
        assert.equal(key(db.lookup(ip)), want, formatIp(ip));
        if (want !== 'unlocated') located++;
      }
      assert.ok(located > 1500 && located < all.length - 2000, `${located} of ${all.length} probes located: both kinds are tested`);
    });
  }

  it('the flattened CSV answers exactly as the GeoLite2 .mmdb for every network and a sweep of IPv4 and IPv6 addresses', () => {
    const csv = loadGeoDb(FLAT);
    const mmdb = loadGeoDb(LITE);
    assert.equal(csv.kind, 'csv');
    const all = probes(2, 20000);
    assert.ok(all.length > 21000);
    let inside = 0;
    for (const ip of all) {
      const want = readerKey(lite, ip);
      assert.equal(key(csv.lookup(ip)), want, `CSV vs reader at ${formatIp(ip)}`);
      assert.equal(key(csv.lookup(ip)), key(mmdb.lookup(ip)));
      if (want !== 'unlocated') inside++;
    }
    assert.ok(inside > 5000, `${inside} probes inside a network`);
    // the aliases MaxMind's IPv6 databases have for IPv4: IPv4-mapped, IPv4-compatible, 6to4
    for (const alias of ['::ffff:81.2.69.142', '::81.2.69.142', '2002:5102:458e::1']) {
      assert.equal(key(csv.lookup(parseIp(alias)!)), readerKey(lite, parseIp(alias)!), alias);
      assert.equal(csv.lookup(parseIp(alias)!)?.city, 'London', alias);
    }
  });

  it('reads CSVs of lo/hi integers, lo/hi addresses, single IPs, IP2Location without a header, gzip, semicolons and quotes', () => {
    const dir = tmpDir();
    const rows = fs.readFileSync(FLAT, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const num = (n: number | bigint) => n.toString();
    const ip = (r: IpRange, end: 'lo' | 'hi') => formatIp(r.v === 4 ? { v: 4, n: r[end] } : { v: 6, n: r[end] });
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const files: Record<string, string> = {
      'ints.csv': 'network_start_integer,network_last_integer,country_iso_code,country_name,subdivision_1_name,city_name,latitude,longitude,accuracy_radius\n' +
        rows.map((f) => { const r = parseRange(f[0])!; return [num(r.lo), num(r.hi), f[1], f[2], f[3], f[4], f[5], f[6], f[7]].join(','); }).join('\n'),
      'dotted.csv': 'start_ip;end_ip;country_code;country;region;city;lat;lng;radius\n' +
        rows.map((f) => { const r = parseRange(f[0])!; return [ip(r, 'lo'), ip(r, 'hi'), f[1], q(f[2]), f[3], q(f[4]), f[5], f[6], f[7]].join(';'); }).join('\n'),
      // IP2Location LITE DB5 order, no header, every field quoted
      'ip2location.csv': rows.map((f) => { const r = parseRange(f[0])!; return [num(r.lo), num(r.hi), f[1], f[2], f[3], f[4], f[5], f[6]].map(q).join(','); }).join('\r\n'),
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text + '\n');
    fs.writeFileSync(path.join(dir, 'ints.csv.gz'), zlib.gzipSync(files['ints.csv']));
    const ref = loadGeoDb(FLAT);
    const all = probes(3, 3000);
    const noRadius = (r: GeoRecord | undefined) => key(r && { ...r, radiusKm: undefined });
    for (const name of ['ints.csv', 'dotted.csv', 'ints.csv.gz', 'ip2location.csv']) {
      const db = loadGeoDb(path.join(dir, name));
      for (const p of all) {
        if (name === 'ip2location.csv') assert.equal(noRadius(db.lookup(p)), noRadius(ref.lookup(p)), `${name} at ${formatIp(p)}`);
        else assert.equal(key(db.lookup(p)), key(ref.lookup(p)), `${name} at ${formatIp(p)}`);
      }
    }
    // one address per row, without coordinates (the shape of the curriculum's ip_geographical_data.csv)
    fs.writeFileSync(path.join(dir, 'single.csv'), 'ip,city,country,region,bogon\n107.158.15.67,Round Rock,US,Texas,\n2001:db8::7,Somewhere,XX,,\n');
    const single = loadGeoDb(path.join(dir, 'single.csv'));
    assert.deepEqual(single.lookup(parseIp('107.158.15.67')!), { city: 'Round Rock', country: 'US', region: 'Texas' });
    assert.equal(single.lookup(parseIp('107.158.15.68')!), undefined);
    assert.equal(single.lookup(parseIp('2001:db8::7')!)?.city, 'Somewhere');
  });

  (hasShared ? it : it.skip)('loads the curriculum IP table from ../shared/data', () => {
    const file = path.join(SHARED, 'curriculum', 'ip_geographical_data.csv');
    const db = loadGeoDb(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    let checked = 0;
    for (const f of lines.slice(0, 500)) {
      const r = db.lookup(parseIp(f[0])!);
      assert.equal(r?.city ?? '', f[1], f[0]);
      checked++;
    }
    assert.equal(checked, 500);
  });
});

describe('geo: bad databases', () => {
  const write = (name: string, text: string | Buffer) => {
    const p = path.join(tmpDir(), name);
    fs.writeFileSync(p, text);
    return p;
  };
  it('gives clear errors naming the file and the line', () => {
    assertCode(() => loadGeoDb('/nonexistent/geo.csv'), 'NOT_FOUND', '/nonexistent/geo.csv');
    assertCode(() => loadGeoDb(tmpDir()), 'BAD_OPTION', 'folder');
    const empty = write('empty.csv', '');
    assertCode(() => loadGeoDb(empty), 'EMPTY', empty);
    const noIp = write('noip.csv', 'name,latitude,longitude\nx,1,2\n');
    assertCode(() => loadGeoDb(noIp), 'UNREADABLE', `${noIp}, line 1`, 'no address column', 'name, latitude, longitude');
    const noPlace = write('noplace.csv', 'network,asn\n1.0.0.0/24,13335\n');
    assertCode(() => loadGeoDb(noPlace), 'UNREADABLE', `${noPlace}, line 1`, 'no latitude/longitude, country or city');
    const badCidr = write('badcidr.csv', 'network,country,latitude,longitude\n1.0.0.0/24,AU,-33.5,151\n\n1.0.1.0/33,AU,-33.5,151\n');
    assertCode(() => loadGeoDb(badCidr), 'UNREADABLE', `${badCidr}, line 4`, '"1.0.1.0/33" is not a network');
    const badLat = write('badlat.csv', 'network,country,latitude,longitude\n1.0.0.0/24,AU,-93.5,151\n');
    assertCode(() => loadGeoDb(badLat), 'UNREADABLE', `${badLat}, line 2`, 'not a place');
    const backwards = write('backwards.csv', 'start_ip,end_ip,country\n1.0.0.9,1.0.0.1,AU\n');
    assertCode(() => loadGeoDb(backwards), 'UNREADABLE', `${backwards}, line 2`, 'starts after it ends');
    const mixed = write('mixed.csv', 'start_ip,end_ip,country\n1.0.0.1,2001:db8::1,AU\n');
    assertCode(() => loadGeoDb(mixed), 'UNREADABLE', `${mixed}, line 2`, 'mixes IPv4 and IPv6');
    const short = write('short.csv', 'network,country,city,latitude,longitude\n1.0.0.0/24,AU\n');
    assertCode(() => loadGeoDb(short), 'UNREADABLE', `${short}, line 2`, '2 fields where the header has 5');
    const quote = write('quote.csv', 'network,country\n1.0.0.0/24,"AU\n');
    assertCode(() => loadGeoDb(quote), 'UNREADABLE', `${quote}, line 2`, 'quote');
    const headerless = write('headerless.csv', '1.0.0.0/24,AU\n');
    assertCode(() => loadGeoDb(headerless), 'UNREADABLE', `${headerless}, line 1`, 'no header');
    const binary = write('binary.mmdb', Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 10, 0]));
    assertCode(() => loadGeoDb(binary), 'UNREADABLE', binary, 'neither a CSV file nor a MaxMind');
    // a real database with its search tree cut away: the metadata is found, the tree is not
    const bytes = fs.readFileSync(LITE);
    const cut = write('cut.mmdb', bytes.subarray(bytes.length - 2000));
    assertCode(() => loadGeoDb(cut).lookup(parseIp('81.2.69.142')!), 'UNREADABLE', cut);
    const gz = write('broken.csv.gz', zlib.gzipSync('network,country\n1.0.0.0/24,AU\n').subarray(0, 20));
    assertCode(() => loadGeoDb(gz), 'UNREADABLE', gz, 'gzip');
  });

  it('reloads a file that changed and keeps one that did not', () => {
    const p = path.join(tmpDir(), 'geo.csv');
    fs.writeFileSync(p, 'network,country\n1.0.0.0/24,AU\n');
    const a: GeoDb = loadGeoDb(p);
    assert.equal(loadGeoDb(p), a, 'cached');
    fs.writeFileSync(p, 'network,country\n1.0.0.0/24,NZ\n');
    fs.utimesSync(p, new Date(), new Date(Date.now() + 5000));
    assert.equal(loadGeoDb(p).lookup(parseIp('1.0.0.1')!)?.country, 'NZ');
  });
});

describe('geo: distances', () => {
  it('haversine and plane distances match known values', () => {
    // London (51.5074, -0.1278) to Paris (48.8566, 2.3522): 343.5 km on a 6,371 km sphere
    assert.ok(Math.abs(haversineKm(51.5074, -0.1278, 48.8566, 2.3522) - 343.56) < 0.05);
    assert.ok(Math.abs(planeKm(51.5074, -0.1278, 48.8566, 2.3522) - 343.6) < 0.1, 'short legs: the plane is as good');
    // Nashville (36.12, -86.67) to Los Angeles (33.94, -118.40): 2,886.4 km on a 6,371 km sphere (Rosetta Code's 2,887.26 uses 6,372.8)
    assert.ok(Math.abs(haversineKm(36.12, -86.67, 33.94, -118.4) - 2886.44) < 0.05);
    assert.ok(Math.abs((haversineKm(36.12, -86.67, 33.94, -118.4) * 6372.8) / 6371 - 2887.26) < 0.01);
    // a quarter of the equator, the poles, antipodes
    assert.ok(Math.abs(haversineKm(0, 0, 0, 90) - 10007.54) < 0.01);
    assert.ok(Math.abs(planeKm(0, 0, 0, 90) - 10007.54) < 0.01, 'along the equator the plane is exact');
    assert.ok(Math.abs(haversineKm(90, 0, -90, 0) - 20015.09) < 0.01);
    assert.ok(Math.abs(haversineKm(10, 20, -10, -160) - 20015.09) < 0.01);
    // one degree across the antimeridian, both ways round
    assert.ok(Math.abs(planeKm(0, 179.5, 0, -179.5) - 111.19) < 0.01);
    assert.ok(Math.abs(haversineKm(0, 179.5, 0, -179.5) - 111.19) < 0.01);
    // long legs far north: the plane overestimates (London–Tokyo: 9,560 vs 11,398 km)
    assert.ok(Math.abs(haversineKm(51.5142, -0.0931, 35.68536, 139.75309) - 9559.5) < 0.1);
    assert.ok(planeKm(51.5142, -0.0931, 35.68536, 139.75309) > 11000);
    assert.equal(distanceFn('plane'), planeKm);
    assertCode(() => distanceFn('manhattan'), 'BAD_OPTION', 'haversine or plane');
  });
});

describe('geo-ip analysis', () => {
  it('locates the IPs, writes a joinable table, counts events by country and unlocated IPs, and draws the map', async () => {
    const { engine, tables } = await indexed([fixture('geo/signins.csv')]);
    try {
      const out = runAnalysis(geoIp, tables[0], (s, p) => engine.query(s, p), { geo: LITE });
      const byCountry = out.tables.find((t) => t.title === 'Events by country')!;
      assert.deepEqual(
        byCountry.rows.map((r) => [r[0], r[1], r[2], r[3]]),
        [['United Kingdom', 'GB', 7, 7], ['Sweden', 'SE', 3, 3], ['United States', 'US', 3, 3], ['China', 'CN', 2, 2], ['Japan', 'JP', 1, 1]],
        'China and "People\'s Republic of China" are one country by its code',
      );
      const summary = out.tables.find((t) => t.title.startsWith('Located and unlocated'))!;
      assert.deepEqual(summary.rows, [
        ['located, with coordinates', 16, 16],
        ['located, country or city only', 0, 0],
        ['unlocated: private or reserved', 1, 1],
        ['unlocated: not in the geo database', 1, 1],
        ['unlocated: not an IP address', 0, 0],
      ]);
      assert.deepEqual(out.tables.find((t) => t.title.startsWith('Unlocated IPs'))!.rows.map((r) => r[0]).sort(), ['1.1.1.1', '10.1.2.3']);
      // the located IPs join the log in SQL
      const joined = engine.query(`SELECT g.city, count(*) FROM signins t JOIN signins_geo g ON g.ip = t.src_ip GROUP BY 1 ORDER BY 2 DESC, 1`).rows;
      assert.deepEqual(joined, [['London', 6], ['Linköping', 3], ['Milton', 3], [null, 2], ['Boxford', 1], ['Changchun', 1]]);
      assert.equal(engine.query(`SELECT country_code FROM signins_geo WHERE ip = '::ffff:81.2.69.142'`).rows[0][0], 'GB');
      assert.equal(out.findings.length, 0, 'too few events for any country to count as rare');
      // the map: the bundled world outline, then one circle per place
      const map = out.charts.find((c) => c.title === 'Where events come from')!.spec as { projection: { type: string }; layer: { mark: { type: string }; data: { values: unknown; format?: { type: string } } }[] };
      assert.equal(map.projection.type, 'equalEarth');
      assert.equal(map.layer[0].mark.type, 'geoshape');
      assert.equal(map.layer[0].data.format?.type, 'topojson');
      assert.equal((map.layer[0].data.values as { objects: { countries: { geometries: unknown[] } } }).objects.countries.geometries.length, 177);
      const points = map.layer[1].data.values as { place: string; events: number }[];
      assert.equal(points.length, 7);
      assert.deepEqual(points[0], { place: 'London, United Kingdom', country: 'United Kingdom', lat: 51.5142, lon: -0.0931, events: 6, ips: 6 });
      const svg = await renderSvg(map as unknown as Record<string, unknown>);
      assert.ok((svg.match(/<path/g) ?? []).length > 170, 'the countries are drawn');
      // re-running replaces the table
      runAnalysis(geoIp, tables[0], (s, p) => engine.query(s, p), { geo: FLAT });
      assert.equal(engine.query('SELECT count(*) FROM signins_geo').rows[0][0], 16);
    } finally {
      await engine.dispose();
    }
  });

  it('flags IPs from countries with a tiny share of the events', async () => {
    const { engine, tables } = await indexed([fixture('geo/signins.csv')]);
    try {
      const out = runAnalysis(geoIp, tables[0], (s, p) => engine.query(s, p), { geo: FLAT, minEvents: '10', rareShare: '0.1' });
      assert.deepEqual(out.findings.map((f) => f.entity.value).sort(), ['2001:218::5'], 'Japan: 1 of 16 events; China has 2 (12.5 %)');
      const f = out.findings[0];
      assert.equal(f.metrics.country, 'Japan');
      assert.deepEqual(f.evidence.lines, [9]);
      assert.match(f.reason, /Japan is 6\.3 % of the located events \(1 of 16, from 1 IP\)/);
      // risk: countries this rare (Japan alone) hold 1 of the 16 located events; among the located IPs
      assert.equal(f.metrics.rarerShare, 0.0625);
      assert.equal(f.risk, riskFromP(1 / 16, Number(f.metrics.tests)));
      assert.deepEqual([f.metrics.tests, f.risk, f.severity], [16, 25, 'low'], 'one event in sixteen, among sixteen IPs: expected once by chance');
    } finally {
      await engine.dispose();
    }
  });

  it('does not take the name of an indexed log for its table', async () => {
    const dir = tmpDir();
    fs.copyFileSync(fixture('geo/signins.csv'), path.join(dir, 'signins.csv'));
    fs.writeFileSync(path.join(dir, 'signins_geo.csv'), 'a,b\n1,2\n');
    const { engine, tables } = await indexed([path.join(dir, 'signins.csv'), path.join(dir, 'signins_geo.csv')]);
    try {
      const out = runAnalysis(geoIp, tables[0], (s, p) => engine.query(s, p), { geo: LITE });
      assert.match(out.tables[1].title, /"signins_geo_2"/);
      assert.deepEqual(engine.query('SELECT a, b FROM signins_geo').rows, [[1, 2]], 'the log is untouched');
      assert.equal(engine.query('SELECT count(*) FROM signins_geo_2').rows[0][0], 16);
    } finally {
      await engine.dispose();
    }
  });
});
