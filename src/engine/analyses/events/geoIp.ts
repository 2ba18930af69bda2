import type { SqlValue } from '../../store/database';
import type { Analysis, Finding } from '../../findings/model';
import { findingId } from '../../findings/model';
import { riskFromP, severityOfRisk } from '../../findings/triage/risk';
import { quoteIdent } from '../../store/names';
import { loadGeoDb, placeName, type GeoRecord } from '../../geo/geoDb';
import { locateIps, type IpPlace, type Unlocated } from '../../geo/locate';
import { worldMap } from '../../geo/worldMap';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Geo-IP join: every distinct IP of the log located in a geo database (CSV
 * of ranges or MaxMind .mmdb), the located IPs written to `<table>_geo` for
 * SQL joins, events by country, a world map of where events come from, and
 * the IPs that could not be located. Findings: IPs in countries that make up
 * a tiny share of the events (only once there are enough events for shares
 * to mean something).
 *
 * Risk (docs/risk/events.md): p is the share of the located events that come
 * from countries at most as common as the IP's (the chance that an event
 * lands in so rare a country), among the located IPs.
 */
export const geoIp: Analysis = {
  id: 'geo-ip',
  title: 'Where events come from (geo-IP)',
  description:
    'Locates each distinct IP in a geo database (--param geo=FILE: a CSV of CIDR or start/end ranges with latitude, longitude, country, city, or a MaxMind .mmdb), writes the located IPs to the table <table>_geo for joins, and shows events by country and on a world map; flags IPs from countries that make up a tiny share of the events.',
  needs: ['ip'],
  requiredParams: ['geo'],
  params: [
    { name: 'geo', description: 'geo database: a CSV of IP ranges (CIDR or start/end) with latitude, longitude, country, city; or a MaxMind .mmdb file', default: '' },
    { name: 'rareShare', description: 'IPs from a country with less than this share of the events are flagged', default: 0.001 },
    { name: 'minEvents', description: 'fewest located events before any country counts as rare', default: 1000 },
    { name: 'top', description: 'rows in the tables and bars in the chart', default: 20 },
    { name: 'mapPoints', description: 'most places drawn on the map (the busiest)', default: 2000 },
  ],
  run(cx) {
    const db = loadGeoDb(String(cx.param('geo')));
    const { ips, locations, geoTable } = locateIps(cx, db);
    const top = Math.max(1, Math.floor(cx.num('top')));
    const located = ips.filter((p) => p.place);
    const locatedEvents = located.reduce((s, p) => s + p.events, 0);

    // by ISO code when there is one: databases name a country more than one way ("China", "People's Republic of China")
    interface Country {
      names: Map<string, number>;
      code: string | null;
      events: number;
      ips: IpPlace[];
    }
    const byKey = new Map<string, Country>();
    for (const p of located) {
      const r = p.place!;
      const key = r.countryCode ?? r.country ?? 'unknown country';
      const c: Country = byKey.get(key) ?? { names: new Map(), code: r.countryCode ?? null, events: 0, ips: [] };
      const name = r.country ?? r.countryCode ?? 'unknown country';
      c.names.set(name, (c.names.get(name) ?? 0) + p.events);
      c.events += p.events;
      c.ips.push(p);
      byKey.set(key, c);
    }
    const countries = [...byKey.values()]
      .map((c) => [[...c.names.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0], c] as const)
      .sort((a, b) => b[1].events - a[1].events || a[0].localeCompare(b[0]));
    const countryRows: SqlValue[][] = countries.map(([name, c]) => [name, c.code, c.events, c.ips.length, Number((c.events / Math.max(1, locatedEvents)).toFixed(4))]);

    // findings: IPs from countries with a tiny share, once shares mean something
    const findings: Finding[] = [];
    const rareShare = cx.num('rareShare');
    const ipCol = cx.col('ip');
    if (locatedEvents >= cx.num('minEvents')) {
      // the chance that an event comes from a country at most this common: the shares of every country with as few events
      const rarer = (events: number) => countries.reduce((s, [, x]) => s + (x.events <= events ? x.events : 0), 0) / locatedEvents;
      for (const [name, c] of countries) {
        const share = c.events / locatedEvents;
        if (share >= rareShare) continue;
        const score = Math.min(10, -Math.log10(share));
        const pRare = rarer(c.events);
        const risk = riskFromP(pRare, located.length);
        for (const p of c.ips) {
          const value = String(p.value);
          findings.push({
            id: findingId('geo-ip', cx.table.table, 'ip', value),
            analysis: 'geo-ip',
            entity: { kind: 'ip', value },
            score,
            severity: severityOfRisk(risk),
            risk,
            reason: `${value} is in ${placeName(p.place!)}; ${name} is ${(100 * share).toPrecision(2)} % of the located events (${c.events.toLocaleString('en-US')} of ${locatedEvents.toLocaleString('en-US')}, from ${c.ips.length} IP${c.ips.length === 1 ? '' : 's'}); this IP has ${p.events.toLocaleString('en-US')} event${p.events === 1 ? '' : 's'}; countries this rare hold ${(100 * pRare).toPrecision(2)} % of the events, among ${located.length.toLocaleString('en-US')} located IPs`,
            metrics: {
              country: name,
              countryCode: c.code,
              city: p.place!.city ?? null,
              latitude: p.place!.latitude ?? null,
              longitude: p.place!.longitude ?? null,
              events: p.events,
              countryEvents: c.events,
              countryShare: Number(share.toPrecision(3)),
              rarerShare: Number(pRare.toPrecision(3)),
              tests: located.length,
            },
            evidence: cx.evidence(`${ipCol} = ?`, [p.value]),
          });
        }
      }
    }

    // where events come from, one point per pair of coordinates
    const perPoint = new Map<string, { r: GeoRecord; events: number; ips: number }>();
    for (const p of located) {
      if (p.loc === undefined) continue;
      const r = locations[p.loc];
      const k = `${r.latitude},${r.longitude}`;
      const a = perPoint.get(k) ?? { r, events: 0, ips: 0 };
      a.events += p.events;
      a.ips++;
      perPoint.set(k, a);
    }
    const places = [...perPoint.values()].sort((a, b) => b.events - a.events);
    const points = places.slice(0, Math.max(1, Math.floor(cx.num('mapPoints')))).map(({ r, events, ips }) => {
      return { place: placeName(r), country: r.country ?? r.countryCode ?? '', lat: r.latitude!, lon: r.longitude!, events, ips };
    });

    const why = new Map<Unlocated, { ips: number; events: number }>();
    for (const p of ips) {
      if (!p.why) continue;
      const w = why.get(p.why) ?? { ips: 0, events: 0 };
      w.ips++;
      w.events += p.events;
      why.set(p.why, w);
    }
    const withCoords = located.filter((p) => p.loc !== undefined);
    const summary: SqlValue[][] = [
      ['located, with coordinates', withCoords.length, withCoords.reduce((s, p) => s + p.events, 0)],
      ['located, country or city only', located.length - withCoords.length, locatedEvents - withCoords.reduce((s, p) => s + p.events, 0)],
      ...(['private or reserved', 'not in the geo database', 'not an IP address'] as Unlocated[]).map((k) => [`unlocated: ${k}`, why.get(k)?.ips ?? 0, why.get(k)?.events ?? 0]),
    ];
    const unlocated = ips
      .filter((p) => p.why)
      .sort((a, b) => b.events - a.events)
      .slice(0, top)
      .map((p) => [p.value, p.events, p.why!]);
    const join = `SELECT g.country, g.city, t.* FROM ${cx.t} t JOIN ${quoteIdent(geoTable)} g ON g.ip = t.${ipCol}`;

    return {
      findings,
      tables: [
        { title: 'Events by country', columns: ['country', 'code', 'events', 'IPs', 'share'], rows: countryRows },
        { title: `Located and unlocated IPs (${db.kind === 'mmdb' ? 'MaxMind database' : 'CSV'} ${db.file}; join the places with: ${join})`, columns: ['IPs', 'distinct IPs', 'events'], rows: summary },
        { title: `Unlocated IPs (top ${top})`, columns: ['ip', 'events', 'why'], rows: unlocated },
        { title: `Places (top ${top})`, columns: ['place', 'country', 'latitude', 'longitude', 'events', 'IPs'], rows: points.slice(0, top).map((p) => [p.place, p.country, p.lat, p.lon, p.events, p.ips]) },
      ],
      charts: [
        {
          title: 'Events by country',
          spec: {
            $schema: VL,
            data: { values: countryRows.slice(0, top).map(([country, , events]) => ({ country, events })) },
            mark: 'bar',
            encoding: {
              y: { field: 'country', type: 'nominal', sort: '-x', title: 'country' },
              x: { field: 'events', type: 'quantitative', title: 'events' },
              tooltip: [{ field: 'country' }, { field: 'events', format: ',' }],
            },
          },
        },
        {
          title: 'Where events come from',
          spec: worldMap([
            {
              data: { values: points },
              mark: { type: 'circle', opacity: 0.7, color: '#d62728', stroke: '#7f0000', strokeWidth: 0.5 },
              encoding: {
                longitude: { field: 'lon', type: 'quantitative' },
                latitude: { field: 'lat', type: 'quantitative' },
                size: { field: 'events', type: 'quantitative', title: 'events', scale: { range: [20, 1200] } },
                tooltip: [{ field: 'place' }, { field: 'events', format: ',' }, { field: 'ips', title: 'IPs' }],
              },
            },
          ]),
        },
      ],
    };
  },
};
