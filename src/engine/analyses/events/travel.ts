import type { SqlValue } from '../../store/database';
import { LogInvestigatorError } from '../../errors';
import type { Analysis, AnalysisContext, Evidence, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { riskOfSeverity, severityOfRisk } from '../../findings/triage/risk';
import { distanceFn } from '../../geo/distance';
import { loadGeoDb, placeName, type GeoRecord } from '../../geo/geoDb';
import { locateIps } from '../../geo/locate';
import { worldMap } from '../../geo/worldMap';
import { quoteIdent } from '../../store/names';
import { isoUtc } from '../../findings/windows';
import { findLegs, MIN_HOURS, type Leg } from './travelLegs';

/** Legs over twice the speed limit across at least this many km are high; other impossible legs medium. */
export const HIGH_KM = 500;
/** Users with this many impossible legs, all between the same two places, get context: a VPN or a mobile network more likely than travel. */
export const ALTERNATING_LEGS = 4;

/**
 * Risk of a user's fastest impossible leg, a stated severity (no test of a
 * null: geo-IP places are approximate and speeds have no distribution to
 * speak of): high (80) when it covers at least HIGH_KM beyond the places'
 * accuracy and needed over twice the speed limit (or happened within the same
 * second), medium (60) when it is barely too fast or short.
 */
export function travelRisk(l: Pick<Leg, 'effectiveKm' | 'kmh' | 'hours'>, maxSpeed: number): number {
  const clear = l.effectiveKm >= HIGH_KM && (l.hours < MIN_HOURS || l.kmh >= 2 * maxSpeed);
  return riskOfSeverity(clear ? 'high' : 'medium');
}


// one formatter per precision: toLocaleString() builds a new one on every call, which thousands of findings feel
const FORMATS = [0, 1, 2].map((d) => new Intl.NumberFormat('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const fmt = (n: number, digits = 0) => FORMATS[digits].format(n);

/** Events in the same second have no meaningful speed: shown as none (null), ranked as the fastest. */
const simultaneous = (l: Leg) => l.hours < MIN_HOURS;
const speed = (l: Leg): number | null => (simultaneous(l) ? null : Math.round(l.kmh));

function duration(hours: number): string {
  if (hours < MIN_HOURS) return 'within the same second';
  if (hours < 1 / 60) return `in ${Math.round(hours * 3600)} s`;
  if (hours < 2) return `in ${fmt(hours * 60)} min`;
  return `in ${fmt(hours, 1)} h`;
}

/**
 * Impossible travel: for each user, consecutive located events (by time)
 * whose implied speed exceeds what travel allows. SQL numbers each user's
 * located events in time order and pairs each with its predecessor, keeping
 * only the legs that change place within the longest time an impossible leg
 * can take; distances are then computed once per pair of places, and only
 * the legs faster than the threshold come back.
 */
export const impossibleTravel: Analysis = {
  id: 'impossible-travel',
  title: 'Impossible travel',
  description:
    'Per user, consecutive located events (geo database: --param geo=FILE) whose implied speed exceeds maxSpeed km/h over at least minKm; distance by haversine (great circle) or plane (the sphere projected to a plane). Shows the fastest leg per user, the fastest traveller and a map of the legs.',
  needs: ['user', 'ip', 'time'],
  requiredParams: ['geo'],
  params: [
    { name: 'geo', description: 'geo database: a CSV of IP ranges with latitude and longitude, or a MaxMind .mmdb file', default: '' },
    { name: 'maxSpeed', description: 'fastest plausible travel, km/h', default: 1000 },
    { name: 'minKm', description: 'shortest leg that counts (closer places are one place, given geo-IP precision)', default: 100 },
    { name: 'distance', description: 'haversine (great circle) or plane (spherical earth projected to a plane, equirectangular)', default: 'haversine' },
    { name: 'accuracy', description: "1: subtract both places' accuracy radii (when the database gives them) from a leg before computing its speed; 0: use the distance between the coordinates", default: 1 },
    { name: 'top', description: 'legs listed and drawn on the map (the fastest)', default: 200 },
  ],
  run(cx) {
    const maxSpeed = cx.num('maxSpeed');
    const minKm = cx.num('minKm');
    if (!(maxSpeed > 0)) throw new LogInvestigatorError('BAD_OPTION', `impossible-travel: maxSpeed must be above 0, not ${maxSpeed}`);
    const method = String(cx.param('distance'));
    const dist = distanceFn(method);
    const useRadius = cx.num('accuracy') !== 0;
    const db = loadGeoDb(String(cx.param('geo')));
    const { locations, geoTable } = locateIps(cx, db);
    const user = cx.col('user');
    const ip = cx.col('ip');
    const geo = `main.${quoteIdent(geoTable)}`;
    const { legs, changes } = findLegs(cx, { user, ip, geo, locations, maxSpeed, minKm, useRadius, dist });

    const byUser = new Map<string, Leg[]>();
    for (const l of legs) {
      const ls = byUser.get(l.user);
      if (ls) ls.push(l);
      else byUser.set(l.user, [l]);
    }
    // The rows are known by rowid, which is the source line in an indexed log: evidence without a
    // query per finding (a run can flag thousands of users).
    const hasLines = cx.table.columns.some((c) => c.name === '_line');
    const legEvidence = (rowids: number[]): Evidence => {
      const sorted = [...rowids].sort((a, b) => a - b);
      return {
        table: cx.table.table,
        file: cx.table.file,
        lines: hasLines ? sorted.slice(0, 50) : [],
        total: sorted.length,
        sql: `SELECT * FROM ${cx.t} WHERE rowid IN (${sorted.map(() => '?').join(', ')}) ORDER BY rowid`,
        params: sorted,
      };
    };
    const findings: Finding[] = [];
    const userRows: SqlValue[][] = [];
    const fastestOf = (ls: Leg[]) => ls.reduce((a, b) => (b.kmh > a.kmh ? b : a));
    const users = [...byUser.entries()].map(([u, ls]) => ({ u, ls, f: fastestOf(ls) })).sort((a, b) => b.f.kmh - a.f.kmh || a.u.localeCompare(b.u));
    const radiusNote = (f: Leg) => (useRadius && f.effectiveKm < f.km - 0.5 ? ` (${fmt(f.effectiveKm)} km beyond the places' accuracy radii)` : '');
    // the addresses of each user's fastest leg (its related entities), fetched by rowid in a few queries
    const ipByRow = new Map<number, SqlValue>();
    const wanted = users.flatMap(({ f }) => [f.fromRow, f.toRow]);
    for (let i = 0; i < wanted.length; i += 5000) {
      const part = wanted.slice(i, i + 5000);
      for (const [r, v] of cx.query(`SELECT rowid, ${ip} FROM ${cx.t} WHERE rowid IN (${part.map(() => '?').join(', ')})`, part).rows) ipByRow.set(Number(r), v);
    }
    const ipOf = (rowid: number) => ipByRow.get(rowid);
    users.forEach(({ u, ls, f }, rank) => {
      const ratio = f.kmh / maxSpeed;
      const score = Math.min(10, 4 + 2 * Math.log2(ratio));
      const risk = travelRisk(f, maxSpeed);
      const places = new Set(ls.flatMap((l) => [placeName(l.from), placeName(l.to)]));
      // back and forth between the same two places, again and again: more likely a VPN or mobile network's exit than travel
      const alternating = ls.length >= ALTERNATING_LEGS && places.size === 2;
      const related = [...new Set([ipOf(f.fromRow), ipOf(f.toRow)].filter((v) => v !== undefined && v !== null).map(String))].map((value) => ({ kind: 'ip' as const, value }));
      // the two events of each impossible leg, the fastest legs first
      const rowids = [...new Set([...ls].sort((a, b) => b.kmh - a.kmh).flatMap((l) => [l.fromRow, l.toRow]))].slice(0, 200);
      const evidence = legEvidence(rowids);
      findings.push({
        id: findingId('impossible-travel', cx.table.table, 'user', u),
        analysis: 'impossible-travel',
        entity: { kind: 'user', value: u },
        score,
        severity: severityOfRisk(risk),
        risk,
        reason: `${u} went from ${placeName(f.from)} (${f.fromTime}) to ${placeName(f.to)} (${f.toTime}): ${fmt(f.km)} km${radiusNote(f)} ${duration(f.hours)}${simultaneous(f) ? '' : `, ${fmt(f.kmh)} km/h, ${ratio >= 10 ? fmt(ratio) : ratio.toFixed(1)}× the ${fmt(maxSpeed)} km/h limit`}; ${ls.length} impossible leg${ls.length === 1 ? '' : 's'}${rank === 0 ? '; the fastest traveller of all' : ''}`,
        metrics: {
          legs: ls.length,
          fastestKmh: speed(f),
          km: Math.round(f.km),
          effectiveKm: Math.round(f.effectiveKm),
          hours: Number(f.hours.toFixed(4)),
          from: placeName(f.from),
          to: placeName(f.to),
          fromTime: f.fromTime,
          toTime: f.toTime,
          rank: rank + 1,
          distance: method,
        },
        evidence,
        window: { start: isoUtc(f.fromTime), end: isoUtc(f.toTime) },
        related,
        ...(alternating ? { context: [{ kind: 'other' as const, text: `${ls.length} impossible legs, all between ${[...places].join(' and ')}: a VPN, a mobile network's exit or a geo-IP error is more likely than travel` }] } : {}),
        explain: {
          counterfactual: simultaneous(f) ? 'Two places in the same second: no speed would explain it.' : `It would not be flagged if the leg had taken ${duration(f.effectiveKm / maxSpeed).replace(/^in /, '')} or more.`,
        },
      });
      userRows.push([u, ls.length, speed(f), placeName(f.from), placeName(f.to), Math.round(f.km), Number(f.hours.toFixed(3)), f.fromTime, f.toTime]);
    });

    const top = Math.max(1, Math.floor(cx.num('top')));
    const fastest = [...legs].sort((a, b) => b.kmh - a.kmh).slice(0, top);
    const legData = fastest.map((l) => ({
      user: l.user,
      from: placeName(l.from),
      to: placeName(l.to),
      fromLat: l.from.latitude!,
      fromLon: l.from.longitude!,
      toLat: l.to.latitude!,
      toLon: l.to.longitude!,
      km: Math.round(l.km),
      hours: Number(l.hours.toFixed(3)),
      kmh: speed(l),
      when: l.toTime,
    }));
    const tooltip: { field: string; title?: string; format?: string }[] = [
      { field: 'user' }, { field: 'from' }, { field: 'to' }, { field: 'km', format: ',' }, { field: 'hours' }, { field: 'kmh', title: 'km/h', format: ',' }, { field: 'when' },
    ];
    const colorByUser = new Set(legData.map((l) => l.user)).size <= 20;
    const color = colorByUser ? { field: 'user', type: 'nominal' } : { value: '#d62728' };
    const columnsUser = ['user', 'impossible legs', 'fastest km/h', 'from', 'to', 'km', 'hours', 'left at', 'arrived at'];
    return {
      findings,
      tables: [
        {
          title: `Fastest traveller overall (${method} distance, over ${fmt(maxSpeed)} km/h and ${fmt(minKm)} km)`,
          columns: columnsUser,
          rows: userRows.slice(0, 1),
        },
        { title: `Users with impossible travel (${fmt(changes)} changes of place checked)`, columns: columnsUser, rows: userRows },
        {
          title: `Fastest legs (top ${top})`,
          columns: ['user', 'from', 'to', 'km', 'hours', 'km/h', 'left at', 'arrived at'],
          rows: fastest.map((l) => [l.user, placeName(l.from), placeName(l.to), Math.round(l.km), Number(l.hours.toFixed(3)), speed(l), l.fromTime, l.toTime]),
        },
      ],
      charts: [
        {
          title: 'Impossible legs',
          spec: worldMap([
            {
              // each leg a GeoJSON line: the projection draws it as the great-circle arc it stands for
              data: {
                values: legData.map((l) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[l.fromLon, l.fromLat], [l.toLon, l.toLat]] }, properties: l })),
              },
              mark: { type: 'geoshape', filled: false, strokeWidth: 1.5, opacity: 0.8 },
              encoding: {
                color: colorByUser ? { field: 'properties.user', type: 'nominal', title: 'user' } : { value: '#d62728' },
                tooltip: tooltip.map((t) => ({ ...t, field: `properties.${t.field}`, title: t.title ?? t.field })),
              },
            },
            {
              data: { values: legData },
              mark: { type: 'circle', size: 30, opacity: 0.9, color: '#555555' },
              encoding: { longitude: { field: 'fromLon', type: 'quantitative' }, latitude: { field: 'fromLat', type: 'quantitative' }, tooltip },
            },
            {
              data: { values: legData },
              mark: { type: 'point', shape: 'triangle-up', size: 60, filled: true },
              encoding: { longitude: { field: 'toLon', type: 'quantitative' }, latitude: { field: 'toLat', type: 'quantitative' }, color, tooltip },
            },
          ]),
        },
      ],
    };
  },
};
