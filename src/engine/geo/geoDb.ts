/**
 * Geo databases, fully offline: a CSV of IP ranges (a CIDR column, lo/hi
 * columns as integers or addresses, or one address per row) with country,
 * region, city, latitude and longitude; or a MaxMind `.mmdb` file read with
 * the `maxmind` package. Loaded once per file version and kept.
 */
import * as fs from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { LogInvestigatorError } from '../errors';
import { formatIp, ipFromInteger, parseIp, parseRange, type IpRange, type ParsedIp } from './ip';
import { RangeTableBuilder, type RangeTable } from './ranges';
import { guessDelimiter, normName, readFileBytes, splitCsvLine, textLines } from './textFile';

/** Where an address is. Any part may be unknown; a record without coordinates still has a country. */
export interface GeoRecord {
  country?: string;
  countryCode?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  /** How far the true place may be from the coordinates (MaxMind's accuracy radius), km. */
  radiusKm?: number;
}

export interface GeoDb {
  file: string;
  kind: 'csv' | 'mmdb';
  /** Ranges (CSV, after resolving overlaps) or the database's node count (mmdb). */
  size: number;
  lookup(ip: ParsedIp): GeoRecord | undefined;
}

/** The place's name for people: city, region, country (those known). */
export function placeName(r: GeoRecord): string {
  const parts = [r.city, r.city ? undefined : r.region, r.country ?? r.countryCode].filter((x): x is string => !!x);
  return parts.length ? parts.join(', ') : r.latitude !== undefined ? `${r.latitude}, ${r.longitude}` : 'unknown place';
}

const MMDB_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);

const cache = new Map<string, { stamp: string; db: GeoDb }>();

/** Loads a geo database (CSV, CSV.gz or .mmdb); the same unchanged file is loaded once. */
export function loadGeoDb(file: string): GeoDb {
  let stamp: string;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new LogInvestigatorError('BAD_OPTION', `The geo database ${file} is a folder; give a .csv or .mmdb file.`);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch (e) {
    if (e instanceof LogInvestigatorError) throw e;
    throw new LogInvestigatorError('NOT_FOUND', `The geo database ${file} does not exist (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.db;
  const bytes = readFileBytes(file, 'The geo database');
  const db = isMmdb(bytes) ? mmdbGeo(file, bytes) : csvGeo(file, bytes);
  // a few databases at most: the settings name one
  if (cache.size >= 4) cache.delete(cache.keys().next().value!);
  cache.set(file, { stamp, db });
  return db;
}

function isMmdb(bytes: Buffer): boolean {
  // the metadata marker sits in the last 128 KiB
  return bytes.lastIndexOf(MMDB_MARKER, bytes.length) >= Math.max(0, bytes.length - 128 * 1024);
}

interface MaxMindName {
  names?: Record<string, string>;
  iso_code?: string;
}
interface MaxMindCity {
  city?: MaxMindName;
  country?: MaxMindName;
  registered_country?: MaxMindName;
  represented_country?: MaxMindName;
  subdivisions?: MaxMindName[];
  location?: { latitude?: number; longitude?: number; accuracy_radius?: number };
}

/** A MaxMind record (City, Country, or a database with only some of the fields) as a GeoRecord. */
export function fromMaxMind(m: MaxMindCity): GeoRecord | undefined {
  const country = m.country ?? m.registered_country ?? m.represented_country;
  const r: GeoRecord = {};
  if (country?.names?.en) r.country = country.names.en;
  if (country?.iso_code) r.countryCode = country.iso_code;
  if (m.subdivisions?.[0]?.names?.en) r.region = m.subdivisions[0].names.en;
  if (m.city?.names?.en) r.city = m.city.names.en;
  const loc = m.location;
  if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number') {
    r.latitude = loc.latitude;
    r.longitude = loc.longitude;
    if (typeof loc.accuracy_radius === 'number') r.radiusKm = loc.accuracy_radius;
  }
  return Object.keys(r).length ? r : undefined;
}

function mmdbGeo(file: string, bytes: Buffer): GeoDb {
  let reader: Reader<Response>;
  // decoded records by their offset in the file: addresses of one network share a record, decoded
  // once (decoding a City record, names in eight languages, costs far more than finding it)
  const decoded = new Map<string | number, unknown>();
  const cache = {
    get: (k: string | number) => decoded.get(k),
    set: (k: string | number, v: unknown) => {
      if (decoded.size >= 100_000) decoded.clear();
      decoded.set(k, v);
    },
  };
  try {
    reader = new Reader(bytes, { cache });
  } catch (e) {
    throw new LogInvestigatorError('UNREADABLE', `The geo database ${file} is not a readable MaxMind database (${(e as Error).message}).`);
  }
  // one decoded GeoRecord per database record: the reader hands out the same record for every address of a network
  const seen = new WeakMap<object, GeoRecord | null>();
  const v6 = reader.metadata.ipVersion === 6;
  return {
    file,
    kind: 'mmdb',
    size: reader.metadata.nodeCount,
    lookup(ip) {
      if (ip.v === 6 && !v6) return undefined;
      let m: MaxMindCity | null;
      try {
        // every MaxMind response shape is a subset of the City fields read here
        m = reader.get(formatIp(ip)) as MaxMindCity | null;
      } catch (e) {
        throw new LogInvestigatorError('UNREADABLE', `The geo database ${file} is damaged: looking up ${formatIp(ip)} failed (${(e as Error).message}).`);
      }
      if (!m) return undefined;
      let r = seen.get(m);
      if (r === undefined) {
        r = fromMaxMind(m) ?? null;
        seen.set(m, r);
      }
      return r ?? undefined;
    },
  };
}

// header names, reduced by normName(), for each field of a geo CSV
const NAMES = {
  network: ['network', 'cidr', 'prefix', 'subnet', 'netblock', 'iprange', 'ipnetwork', 'networkcidr', 'block'],
  lo: ['ipfrom', 'startip', 'ipstart', 'rangestart', 'networkstartip', 'networkstartinteger', 'networkstart', 'startipnum', 'beginip', 'ipbegin', 'first', 'firstip', 'lo', 'low', 'from', 'start', 'begin', 'startinteger'],
  hi: ['ipto', 'endip', 'ipend', 'rangeend', 'networklastip', 'networklastinteger', 'networkendip', 'networkendinteger', 'networkend', 'endipnum', 'lastip', 'last', 'hi', 'high', 'to', 'end', 'endinteger'],
  ip: ['ip', 'ipaddress', 'address', 'addr', 'ipaddr', 'host'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng', 'long'],
  country: ['countryname', 'country', 'countryen'],
  countryCode: ['countrycode', 'countryiso', 'countryisocode', 'isocode', 'iso', 'cc', 'country2'],
  region: ['region', 'regionname', 'subdivision', 'subdivision1name', 'subdivisionname', 'state', 'province', 'statename'],
  city: ['city', 'cityname'],
  radiusKm: ['accuracyradius', 'accuracyradiuskm', 'radius', 'radiuskm'],
} as const;
type Field = keyof typeof NAMES;

/** IP2Location's header-less layout (DB1…DB11): from, to, code, country, region, city, latitude, longitude, … */
const IP2LOCATION: Partial<Record<Field, number>> = { lo: 0, hi: 1, countryCode: 2, country: 3, region: 4, city: 5, latitude: 6, longitude: 7 };

function fieldPositions(header: string[]): Partial<Record<Field, number>> {
  const names = header.map(normName);
  const pos: Partial<Record<Field, number>> = {};
  const used = new Set<number>();
  for (const f of Object.keys(NAMES) as Field[]) {
    // earlier synonyms are stronger: `country_name` beats `country` for the name when both exist
    for (const n of NAMES[f]) {
      const i = names.findIndex((x, k) => x === n && !used.has(k));
      if (i >= 0) {
        pos[f] = i;
        used.add(i);
        break;
      }
    }
  }
  return pos;
}

function csvGeo(file: string, bytes: Buffer): GeoDb {
  const where = (line: number) => `${file}, line ${line}`;
  const builder = new RangeTableBuilder<GeoRecord>();
  const interned = new Map<string, GeoRecord>();
  let pos: Partial<Record<Field, number>> | undefined;
  let delim = ',';
  let width = 0;
  for (const [lineNo, line] of textLines(bytes)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!pos) {
      if (line.includes('\u0000')) throw new LogInvestigatorError('UNREADABLE', `The geo database ${file} is neither a CSV file nor a MaxMind .mmdb database (binary data on line ${lineNo}).`);
      delim = guessDelimiter(line);
      const header = splitCsvLine(line, delim);
      if (!header) throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: a quote is not closed in the header.`);
      const first = header[0].trim();
      if (ipFromInteger(first) || parseRange(first)) {
        // no header: IP2Location's column order
        if (header.length < 4 || !(ipFromInteger(header[1].trim()) || parseIp(header[1].trim()))) {
          throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: the geo CSV has no header line; give one naming the columns (network or start/end or ip; latitude, longitude, country, city).`);
        }
        pos = IP2LOCATION;
      } else {
        pos = fieldPositions(header);
        if (pos.network === undefined && (pos.lo === undefined || pos.hi === undefined) && pos.ip === undefined) {
          throw new LogInvestigatorError(
            'UNREADABLE',
            `${where(lineNo)}: the geo CSV names no address column; expected a network (CIDR) column, start and end columns, or an ip column. Its columns are: ${header.join(', ')}.`,
          );
        }
        if (pos.latitude === undefined && pos.country === undefined && pos.countryCode === undefined && pos.city === undefined) {
          throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: the geo CSV has no latitude/longitude, country or city column. Its columns are: ${header.join(', ')}.`);
        }
        width = header.length;
        continue;
      }
    }
    const f = splitCsvLine(line, delim);
    if (!f) throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: a quote is not closed.`);
    if (width && f.length < width) throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: ${f.length} fields where the header has ${width}.`);
    const get = (k: Field) => {
      const i = pos![k];
      return i === undefined ? '' : (f[i] ?? '').trim();
    };
    const range = rowRange(pos, get);
    if (typeof range === 'string') throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: ${range}`);
    const lat = get('latitude');
    const lon = get('longitude');
    const r: GeoRecord = {};
    if (lat !== '' || lon !== '') {
      const la = Number(lat);
      const lo = Number(lon);
      if (lat === '' || lon === '' || !Number.isFinite(la) || !Number.isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) {
        throw new LogInvestigatorError('UNREADABLE', `${where(lineNo)}: latitude ${JSON.stringify(lat)} and longitude ${JSON.stringify(lon)} are not a place (−90…90, −180…180).`);
      }
      // IP2Location writes 0,0 for "unknown"
      if (!(pos === IP2LOCATION && la === 0 && lo === 0)) {
        r.latitude = la;
        r.longitude = lo;
      }
    }
    for (const k of ['country', 'countryCode', 'region', 'city'] as const) {
      const v = get(k);
      if (v !== '' && v !== '-') r[k] = v;
    }
    const radius = Number(get('radiusKm'));
    if (get('radiusKm') !== '' && Number.isFinite(radius)) r.radiusKm = radius;
    if (Object.keys(r).length === 0) continue; // a range known to be nowhere
    const key = `${r.country}\u0001${r.countryCode}\u0001${r.region}\u0001${r.city}\u0001${r.latitude}\u0001${r.longitude}\u0001${r.radiusKm}`;
    let rec = interned.get(key);
    if (!rec) {
      rec = r;
      interned.set(key, rec);
    }
    builder.add(range, rec);
  }
  if (!pos) throw new LogInvestigatorError('EMPTY', `The geo database ${file} is empty.`);
  const table: RangeTable<GeoRecord> = builder.build();
  return { file, kind: 'csv', size: table.ranges, lookup: (ip) => lookupWithAliases(table, ip) };
}

function rowRange(pos: Partial<Record<Field, number>>, get: (k: Field) => string): IpRange | string {
  if (pos.network !== undefined && get('network') !== '') {
    const r = parseRange(get('network'));
    return r ?? `${JSON.stringify(get('network'))} is not a network (CIDR such as 10.0.0.0/8 or 2001:db8::/32).`;
  }
  if (pos.lo !== undefined && pos.hi !== undefined) {
    const a = ipFromInteger(get('lo')) ?? parseIp(get('lo'));
    const b = ipFromInteger(get('hi')) ?? parseIp(get('hi'));
    if (!a || !b) return `${JSON.stringify(!a ? get('lo') : get('hi'))} is not an address (a.b.c.d, IPv6, or an integer).`;
    if (a.v !== b.v) return `the range ${get('lo')} … ${get('hi')} mixes IPv4 and IPv6.`;
    if (a.n > b.n) return `the range starts after it ends (${get('lo')} > ${get('hi')}).`;
    return a.v === 4 ? { v: 4, lo: a.n, hi: b.n as number } : { v: 6, lo: a.n, hi: b.n as bigint };
  }
  const ip = parseIp(get('ip'));
  if (!ip) return `${JSON.stringify(get('ip'))} is not an IP address.`;
  return ip.v === 4 ? { v: 4, lo: ip.n, hi: ip.n } : { v: 6, lo: ip.n, hi: ip.n };
}

/**
 * MaxMind's databases alias IPv4 inside IPv6: ::a.b.c.d (IPv4-compatible)
 * and 6to4 (2002:AABB:CCDD::/48 holds a.b.c.d). A CSV of IPv4 ranges answers
 * those addresses the same way.
 */
function lookupWithAliases(t: RangeTable<GeoRecord>, ip: ParsedIp): GeoRecord | undefined {
  const r = t.find(ip);
  if (r || ip.v === 4) return r;
  if (ip.n > 1n && ip.n < 1n << 32n) return t.find({ v: 4, n: Number(ip.n) });
  if (ip.n >> 112n === 0x2002n) return t.find({ v: 4, n: Number((ip.n >> 80n) & 0xffffffffn) });
  return undefined;
}
