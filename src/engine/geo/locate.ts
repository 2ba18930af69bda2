/**
 * Locating a table's IPs: each distinct value of the ip column once (a GROUP
 * BY that the indexer's index on the column answers), looked up in the geo
 * database, and written to a table `<table>_geo` so that SQL can join events
 * to places: `SELECT g.country, count(*) FROM t JOIN t_geo g ON g.ip = t.ip`.
 */
import type { SqlValue } from '../store/database';
import type { AnalysisContext } from '../findings/model';
import { quoteIdent } from '../store/names';
import type { GeoDb, GeoRecord } from './geoDb';
import { ipFromInteger, isPrivateOrReserved, parseIp, type ParsedIp } from './ip';

export type Unlocated = 'private or reserved' | 'not in the geo database' | 'not an IP address';

export interface IpPlace {
  /** The value as the log has it (joins compare it exactly). */
  value: SqlValue;
  events: number;
  ip?: ParsedIp;
  place?: GeoRecord;
  /** Location id (one per distinct latitude, longitude and accuracy radius), when the place has coordinates. */
  loc?: number;
  why?: Unlocated;
}

export interface Located {
  ips: IpPlace[];
  /** Location id → place. */
  locations: GeoRecord[];
  /** The table of located IPs (unquoted, in the main schema). */
  geoTable: string;
  events: number;
}

/** Where the located IPs of a table go: `<table>_geo`, unless a log of that name is indexed. */
function geoTableName(cx: AnalysisContext): string {
  const base = `${cx.table.table}_geo`;
  for (let k = 1; ; k++) {
    const name = k === 1 ? base : `${base}_${k}`;
    const taken = cx.query('SELECT 1 FROM catalog_files WHERE lower(table_name) = lower(?)', [name]).rows.length > 0;
    if (!taken) return name;
  }
}

export function parseValue(v: SqlValue): ParsedIp | undefined {
  if (typeof v === 'string') return parseIp(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return ipFromInteger(String(v));
  return undefined;
}

/** Locates every distinct IP of the table's ip column; writes `<table>_geo` unless `write` is false. */
export function locateIps(cx: AnalysisContext, db: GeoDb, write = true): Located {
  const ipCol = cx.col('ip');
  const rows = cx.query(`SELECT ${ipCol}, count(*) FROM ${cx.t} WHERE ${ipCol} IS NOT NULL AND ${ipCol} <> '' GROUP BY 1`).rows;
  const locId = new Map<string, number>();
  const locations: GeoRecord[] = [];
  const ips: IpPlace[] = [];
  let events = 0;
  for (const [value, n] of rows) {
    const count = Number(n);
    events += count;
    const ip = parseValue(value);
    if (!ip) {
      ips.push({ value, events: count, why: 'not an IP address' });
      continue;
    }
    const place = db.lookup(ip);
    if (!place) {
      ips.push({ value, events: count, ip, why: isPrivateOrReserved(ip) ? 'private or reserved' : 'not in the geo database' });
      continue;
    }
    let loc: number | undefined;
    if (place.latitude !== undefined && place.longitude !== undefined) {
      // places with the same coordinates (and precision) share an id: distances are per pair of ids
      const key = `${place.latitude},${place.longitude},${place.radiusKm}`;
      loc = locId.get(key);
      if (loc === undefined) {
        loc = locations.length;
        locations.push(place);
        locId.set(key, loc);
      }
    }
    ips.push({ value, events: count, ip, place, loc });
  }
  const geoTable = geoTableName(cx);
  if (write) writeGeoTable(cx, geoTable, ips);
  return { ips, locations, geoTable, events };
}

function writeGeoTable(cx: AnalysisContext, name: string, ips: IpPlace[]): void {
  const q = `main.${quoteIdent(name)}`;
  cx.query(`DROP TABLE IF EXISTS ${q}`);
  // ip without a type: values keep the log's type, so the join compares them as the log does
  cx.query(`CREATE TABLE ${q} (ip PRIMARY KEY, country TEXT, country_code TEXT, region TEXT, city TEXT, latitude REAL, longitude REAL, loc INTEGER) WITHOUT ROWID`);
  const located = ips.filter((p) => p.place);
  const BATCH = 2000;
  for (let i = 0; i < located.length; i += BATCH) {
    const part = located.slice(i, i + BATCH);
    const params: SqlValue[] = [];
    for (const p of part) {
      const r = p.place!;
      params.push(p.value, r.country ?? null, r.countryCode ?? null, r.region ?? null, r.city ?? null, r.latitude ?? null, r.longitude ?? null, p.loc ?? null);
    }
    cx.query(`INSERT INTO ${q} VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, params);
  }
}
