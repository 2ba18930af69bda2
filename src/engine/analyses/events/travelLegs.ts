/**
 * The legs of the impossible-travel analysis (travel.ts): each user's consecutive located events
 * (by time) that change place, and of them the ones faster than travel allows. Two forms with the
 * same legs: numbered tables in SQL (sql.js: temporary tables, each event joined to its
 * predecessor), and, for a store without them (ClickHouse 18.16: no window functions, no rowid
 * numbering), the located events in order from one query, paired here.
 */
import type { SqlValue } from '../../store/database';
import type { AnalysisContext } from '../../findings/model';
import type { GeoRecord } from '../../geo/geoDb';
import { EARTH_RADIUS_KM } from '../../geo/distance';

export interface Leg {
  user: string;
  fromTime: string;
  toTime: string;
  fromRow: number;
  toRow: number;
  from: GeoRecord;
  to: GeoRecord;
  km: number;
  /** Distance less both places' accuracy radii, the distance the speed is computed from. */
  effectiveKm: number;
  hours: number;
  kmh: number;
}

/** Timestamps have whole seconds at best: two events in the same second are a second apart. */
export const MIN_HOURS = 1 / 3600;

/** What the search needs: the columns (quoted), the located IPs' table, the places and the limits. */
export interface LegSearch {
  user: string;
  ip: string;
  /** The located IPs (geo/locate.ts), quoted, with its schema. */
  geo: string;
  locations: GeoRecord[];
  maxSpeed: number;
  minKm: number;
  useRadius: boolean;
  dist: (lat1: number, lon1: number, lat2: number, lon2: number) => number;
}

/** No leg longer than half the earth's circumference can be too fast: days beyond which a change of place is not checked. */
const maxDaysOf = (maxSpeed: number) => (Math.PI * EARTH_RADIUS_KM) / maxSpeed / 24;

/** The impossible legs, and how many changes of place were checked. */
export function findLegs(cx: AnalysisContext, s: LegSearch): { legs: Leg[]; changes: number } {
  return cx.windows === false ? legsInOrder(cx, s) : legsWithTables(cx, s);
}

/** Of the pairs of places (with the shortest time between them), the ones too far apart for that time: [from, to, effective km]. */
function fastPairs(s: LegSearch, pairs: [number, number, number][]): [number, number, number][] {
  const fast: [number, number, number][] = [];
  for (const [a, b, h] of pairs) {
    const A = s.locations[a];
    const B = s.locations[b];
    const km = s.dist(A.latitude!, A.longitude!, B.latitude!, B.longitude!);
    if (km < s.minKm) continue;
    const eff = s.useRadius ? Math.max(0, km - (A.radiusKm ?? 0) - (B.radiusKm ?? 0)) : km;
    if (eff / Math.max(h, MIN_HOURS) > s.maxSpeed) fast.push([a, b, eff]);
  }
  return fast;
}

function leg(s: LegSearch, u: SqlValue, pt: string, t: string, prid: number, rid: number, a: number, b: number, h: number, eff: number): Leg {
  const A = s.locations[a];
  const B = s.locations[b];
  return {
    user: String(u), fromTime: pt, toTime: t, fromRow: prid, toRow: rid, from: A, to: B,
    km: s.dist(A.latitude!, A.longitude!, B.latitude!, B.longitude!), effectiveKm: eff, hours: h, kmh: eff / Math.max(h, MIN_HOURS),
  };
}

/**
 * Whether the log's rows are in time order: every row has a time, rowids have
 * no gap, and no row is earlier than the one before it (a join on rowid + 1,
 * which stops at the first row out of order).
 */
function timeOrdered(cx: AnalysisContext): boolean {
  const [n, lo, hi, missing] = cx.query(`SELECT count(*), min(rowid), max(rowid), count(*) - count(_time) FROM ${cx.t}`).rows[0].map(Number);
  if (!(n > 0) || missing > 0 || hi - lo + 1 !== n) return false;
  return Number(cx.query(`SELECT EXISTS (SELECT 1 FROM ${cx.t} a JOIN ${cx.t} b ON b.rowid = a.rowid + 1 WHERE b._time < a._time)`).rows[0][0]) === 0;
}

/**
 * SQL numbers each user's located events in time order and pairs each with its predecessor,
 * keeping only the legs that change place within the longest time an impossible leg can take;
 * distances are then computed once per pair of places, and only the legs faster than the
 * threshold come back.
 */
function legsWithTables(cx: AnalysisContext, s: LegSearch): { legs: Leg[]; changes: number } {
  const { user, ip, geo, maxSpeed } = s;
  const maxDays = maxDaysOf(maxSpeed);
  const eventsT = 'temp.li_travel_events';
  const legsT = 'temp.li_travel_legs';
  const pairsT = 'temp.li_travel_pairs';
  const legs: Leg[] = [];
  let changes = 0;
  try {
    cx.query(`DROP TABLE IF EXISTS ${eventsT}; DROP TABLE IF EXISTS ${legsT}; DROP TABLE IF EXISTS ${pairsT}`);
    // Each user's located events in time order, numbered, so that an event's predecessor is seq - 1.
    // Cheaper in sql.js than LAG() (whose window machinery costs several µs a row). NOT INDEXED:
    // reading the log through its user index would fetch rows in random order, a page-cache miss each.
    // A log written in time order (the usual case) sorts on (user, rowid) and leaves the time out of
    // the sorted records, a quarter less work; the legs then read their two times by rowid.
    const ordered = timeOrdered(cx);
    cx.query(`CREATE TABLE ${eventsT} (seq INTEGER PRIMARY KEY, u, loc INTEGER, r INTEGER${ordered ? '' : ', t TEXT'})`);
    cx.query(
      `INSERT INTO ${eventsT} (u, loc, r${ordered ? '' : ', t'})
       SELECT l.${user}, g.loc, l.rowid${ordered ? '' : ', l._time'} FROM ${cx.t} AS l NOT INDEXED JOIN ${geo} g ON g.ip = l.${ip}
       WHERE g.loc IS NOT NULL AND l.${user} IS NOT NULL AND l._time IS NOT NULL
       ORDER BY l.${user}, ${ordered ? '' : 'l._time, '}l.rowid`,
    );
    // the legs that change place within the longest time an impossible leg can take
    const [ta, tb, via] = ordered ? ['la._time', 'lb._time', ` JOIN ${cx.t} la ON la.rowid = a.r JOIN ${cx.t} lb ON lb.rowid = b.r`] : ['a.t', 'b.t', ''];
    cx.query(
      `CREATE TABLE ${legsT} AS
       SELECT b.u AS u, ${ta} AS pt, ${tb} AS t, a.r AS prid, b.r AS rid, a.loc AS ploc, b.loc AS loc, (julianday(${tb}) - julianday(${ta})) * 24.0 AS h
       FROM ${eventsT} a JOIN ${eventsT} b ON b.seq = a.seq + 1${via}
       WHERE b.u = a.u AND b.loc <> a.loc AND julianday(${tb}) - julianday(${ta}) < ?`,
      [maxDays],
    );
    cx.query(`DROP TABLE ${eventsT}`);
    changes = Number(cx.query(`SELECT count(*) FROM ${legsT}`).rows[0][0]);
    const pairs = cx.query(`SELECT ploc, loc, min(h) FROM ${legsT} GROUP BY 1, 2`).rows as [number, number, number][];
    const fast = fastPairs(s, pairs);
    if (fast.length) {
      cx.query(`CREATE TABLE ${pairsT} (ploc INTEGER, loc INTEGER, km REAL, PRIMARY KEY (ploc, loc)) WITHOUT ROWID`);
      for (let i = 0; i < fast.length; i += 5000) {
        const part = fast.slice(i, i + 5000);
        cx.query(`INSERT INTO ${pairsT} VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`, part.flat());
      }
      const rows = cx.query(
        `SELECT l.u, l.pt, l.t, l.prid, l.rid, l.ploc, l.loc, l.h, p.km FROM ${legsT} l JOIN ${pairsT} p ON p.ploc = l.ploc AND p.loc = l.loc
         WHERE p.km > ? * max(l.h, ?)`,
        [maxSpeed, MIN_HOURS],
      ).rows as [SqlValue, string, string, number, number, number, number, number, number][];
      for (const [u, pt, t, prid, rid, a, b, h, eff] of rows) {
        legs.push(leg(s, u, pt, t, prid, rid, a, b, h, eff));
      }
    }
  } finally {
    cx.query(`DROP TABLE IF EXISTS ${eventsT}; DROP TABLE IF EXISTS ${legsT}; DROP TABLE IF EXISTS ${pairsT}`);
  }
  return { legs, changes };
}

/**
 * Without numbered tables: the located events of every user in time order (user, time, row) from
 * one query, each paired here with the one before it. The same legs, in the same order, with the
 * times apart from the same julianday values.
 */
function legsInOrder(cx: AnalysisContext, s: LegSearch): { legs: Leg[]; changes: number } {
  const { user, ip, geo } = s;
  const maxDays = maxDaysOf(s.maxSpeed);
  // sub-selects joined USING a key: ClickHouse 18.16 reads no qualified names of the left side in ON
  const rows = cx.query(
    `SELECT u, loc, t, r, julianday(t) FROM (SELECT ${user} AS u, ${ip} AS k, _time AS t, rowid AS r FROM ${cx.t} WHERE ${user} IS NOT NULL AND _time IS NOT NULL) AS l
     JOIN (SELECT ip AS k, loc FROM ${geo} WHERE loc IS NOT NULL) AS g USING (k) ORDER BY u, t, r`,
  ).rows;
  const changes: { u: SqlValue; pt: string; t: string; prid: number; rid: number; ploc: number; loc: number; h: number }[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [pu, ploc, pt, prid, pjd] = rows[i - 1];
    const [u, loc, t, rid, jd] = rows[i];
    if (u !== pu || loc === ploc || !(Number(jd) - Number(pjd) < maxDays)) continue;
    changes.push({ u, pt: String(pt), t: String(t), prid: Number(prid), rid: Number(rid), ploc: Number(ploc), loc: Number(loc), h: (Number(jd) - Number(pjd)) * 24.0 });
  }
  const shortest = new Map<string, [number, number, number]>();
  for (const c of changes) {
    const k = `${c.ploc},${c.loc}`;
    const p = shortest.get(k);
    if (!p || c.h < p[2]) shortest.set(k, [c.ploc, c.loc, c.h]);
  }
  const fast = new Map(fastPairs(s, [...shortest.values()]).map(([a, b, eff]) => [`${a},${b}`, eff]));
  const legs: Leg[] = [];
  for (const c of changes) {
    const eff = fast.get(`${c.ploc},${c.loc}`);
    if (eff !== undefined && eff > s.maxSpeed * Math.max(c.h, MIN_HOURS)) legs.push(leg(s, c.u, c.pt, c.t, c.prid, c.rid, c.ploc, c.loc, c.h, eff));
  }
  return { legs, changes: changes.length };
}
