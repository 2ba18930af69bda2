/**
 * DNS investigations on a DNS log (Zeek dns.log or any table with a query
 * and an rcode or qtype column): tunnelling, NXDOMAIN bursts (DGA), lookups
 * of IP-lookup and dynamic-DNS services, and resolvers other than the
 * local ones. Risks: docs/risk/network.md.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { Analysis, BenignContext, Finding } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { logScale, logZ, riskFromPoisson, riskFromZ } from '../../findings/triage/risk';
import { columnNamed, epochSql, isLocalAddress, isoOf, sig } from './common';
import { DYNAMIC_DNS, entropy, IP_LOOKUP, listedUnder, registeredDomain, subdomainOf } from './dnsNames';

/** Not a DNS log unless it has a query and an rcode or qtype column. */
export function dnsShape(t: TableInfo): string | undefined {
  return columnNamed(t, 'query') && columnNamed(t, 'rcode_name', 'rcode', 'qtype_name', 'qtype') ? undefined : 'not a DNS log (no query with an rcode or qtype column)';
}

const q = (t: TableInfo, ...names: string[]) => {
  const c = columnNamed(t, ...names);
  return c === undefined ? undefined : quoteIdent(c);
};

/** Subdomains under one domain from one host for it to be looked at as a tunnel. */
const TUNNEL_SHAPE = { length: 20, entropy: 3.3 };
/** The risk a domain with many short or tidy names (a CDN, a tracker) is held to: low. */
const NOT_TUNNEL_RISK = 30;

export const dnsTunnel: Analysis = {
  id: 'dns-tunnel',
  title: 'DNS tunnelling: many long, random names under one domain',
  description:
    'Per host and registered domain: the unique names asked (robust z on a log scale among all host–domain pairs), their length and randomness (Shannon entropy), and the share of TXT queries. Data smuggled in DNS makes many long random labels under one domain.',
  needs: ['ip', 'time'],
  shape: dnsShape,
  params: [{ name: 'minUnique', description: 'fewest unique names under one domain from one host', default: 50 }],
  run(cx) {
    const src = cx.col('ip');
    const query = q(cx.table, 'query')!;
    const qtype = q(cx.table, 'qtype_name');
    const rows = cx.query(`SELECT ${src}, ${query}, count(*), ${qtype ? `sum(${qtype} = 'TXT')` : '0'} FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${query} IS NOT NULL GROUP BY 1, 2`).rows;
    const pairs = new Map<string, { src: string; domain: string; unique: number; queries: number; txt: number; lengths: number[]; entropy: number }>();
    for (const [s, name, n, txt] of rows) {
      const domain = registeredDomain(String(name));
      const sub = subdomainOf(String(name), domain);
      const k = `${s}\u0000${domain}`;
      let p = pairs.get(k);
      if (!p) pairs.set(k, (p = { src: String(s), domain, unique: 0, queries: 0, txt: 0, lengths: [], entropy: 0 }));
      p.queries += Number(n);
      p.txt += Number(txt ?? 0);
      if (sub) {
        p.unique++;
        const longest = sub.split('.').reduce((a, b) => (b.length > a.length ? b : a), '');
        p.lengths.push(longest.length);
        p.entropy += entropy(longest);
      }
    }
    const all = [...pairs.values()];
    const scale = logScale(all.map((p) => p.unique));
    const minUnique = cx.num('minUnique');
    const findings: Finding[] = [];
    for (const p of all) {
      if (p.unique < minUnique) continue;
      const lens = [...p.lengths].sort((a, b) => a - b);
      const medLen = lens[lens.length >> 1];
      const h = p.entropy / p.unique;
      const z = logZ(p.unique, scale);
      const shaped = medLen >= TUNNEL_SHAPE.length && h >= TUNNEL_SHAPE.entropy;
      const risk = shaped ? riskFromZ(z, all.length) : Math.min(NOT_TUNNEL_RISK, riskFromZ(z, all.length));
      const txtShare = p.txt / Math.max(1, p.queries);
      findings.push({
        id: `dns-tunnel:${cx.table.table}:ip:${p.src}->${p.domain}`,
        analysis: 'dns-tunnel',
        entity: { kind: 'ip', value: p.src },
        score: sig(z),
        risk,
        severity: 'info',
        reason: `${p.src} asked ${p.unique.toLocaleString('en-US')} unique names under ${p.domain} (${p.queries.toLocaleString('en-US')} queries, ${Math.round(txtShare * 100)} % TXT): labels of median length ${medLen} and ${sig(h, 2)} bits of entropy per character${shaped ? ', the shape of data carried in names' : ', too short or tidy for data carried in names'}; ${sig(z, 3)} robust σ above the median host–domain pair (${sig(Math.expm1(scale.median), 2)} names) on a log scale`,
        metrics: { domain: p.domain, uniqueNames: p.unique, queries: p.queries, txtShare: sig(txtShare), medianLabelLength: medLen, entropyBitsPerChar: sig(h), z: sig(z) },
        evidence: cx.evidence(`${src} = ? AND (${query} = ? OR ${query} LIKE ? ESCAPE '\\')`, [p.src, p.domain, `%.${p.domain.replace(/[\\%_]/g, (m) => `\\${m}`)}`]),
        related: [{ kind: 'resource', value: p.domain }],
        explain: { peers: `${all.length} host–domain pairs; the median asks ${sig(Math.expm1(scale.median), 2)} unique names`, counterfactual: `labels shorter than ${TUNNEL_SHAPE.length} characters or below ${TUNNEL_SHAPE.entropy} bits a character would keep it low` },
      });
    }
    return {
      findings,
      tables: [{ title: 'Host–domain pairs with the most unique names', columns: ['host', 'domain', 'unique names', 'queries', 'TXT'], rows: all.sort((a, b) => b.unique - a.unique).slice(0, 30).map((p) => [p.src, p.domain, p.unique, p.queries, p.txt]) }],
      charts: [],
    };
  },
};

const BUCKET = 600;

export const dnsNxdomain: Analysis = {
  id: 'dns-nxdomain',
  title: 'NXDOMAIN bursts: a host asking for names that do not exist (DGA)',
  description:
    "Per host and 10 minutes: names that do not exist (NXDOMAIN) against the host's own rate outside those minutes, weighted with everyone's (Poisson tail among the host-windows). Malware with a domain-generation algorithm tries many names until one answers.",
  needs: ['ip', 'time'],
  shape: (t) => dnsShape(t) ?? (columnNamed(t, 'rcode_name', 'rcode') ? undefined : 'no rcode column'),
  params: [
    { name: 'minRisk', description: 'risk (0–100) from which a burst is a finding', default: 50 },
    { name: 'minNames', description: 'fewest distinct names that do not exist in the burst', default: 10 },
  ],
  run(cx) {
    const src = cx.col('ip');
    const query = q(cx.table, 'query')!;
    const rc = columnNamed(cx.table, 'rcode_name') ? `${q(cx.table, 'rcode_name')} = 'NXDOMAIN'` : `${q(cx.table, 'rcode')} = 3`;
    const ts = epochSql(cx.table);
    // reverse lookups (in-addr.arpa, ip6.arpa) of addresses without a name fail routinely: no DGA asks them
    const nx = `${rc} AND lower(${query}) NOT LIKE '%.arpa'`;
    const cells = cx.query(`SELECT ${src}, CAST(${ts} / ${BUCKET} AS INTEGER) AS b, count(*), coalesce(sum(${nx}), 0), count(DISTINCT CASE WHEN ${nx} THEN ${query} END) FROM ${cx.t} WHERE ${src} IS NOT NULL AND _time IS NOT NULL GROUP BY 1, 2`).rows as [SqlValue, number, number, number, number][];
    const host = new Map<string, { n: number; nx: number }>();
    let N = 0;
    let NX = 0;
    for (const [s, , n, nx] of cells) {
      const h = host.get(String(s)) ?? { n: 0, nx: 0 };
      h.n += n;
      h.nx += nx;
      host.set(String(s), h);
      N += n;
      NX += nx;
    }
    const pop = NX / Math.max(1, N);
    const minRisk = cx.num('minRisk');
    const minNames = cx.num('minNames');
    const best = new Map<string, { b: number; n: number; nx: number; names: number; risk: number; expected: number }>();
    for (const [s, b, n, nx, names] of cells) {
      if (names < minNames) continue;
      const h = host.get(String(s))!;
      // the host's own rate outside the window, weighted with everyone's as 20 queries' worth
      const rate = (h.nx - nx + 20 * pop) / (h.n - n + 20);
      const expected = Math.max(1e-6, n * rate);
      const risk = riskFromPoisson(nx, expected, cells.length);
      const cur = best.get(String(s));
      if (risk >= minRisk && (!cur || risk > cur.risk)) best.set(String(s), { b, n, nx, names, risk, expected });
    }
    const findings: Finding[] = [];
    for (const [s, x] of best) {
      const start = x.b * BUCKET;
      const where = `${src} = ? AND ${nx} AND ${ts} >= ? AND ${ts} < ?`;
      const params: SqlValue[] = [s, start, start + BUCKET];
      // the first names in line order, so that every store gives the same
      const examples = cx.query(cx.table.columns.some((c) => c.name === '_line') ? `SELECT ${query} FROM ${cx.t} WHERE ${where} GROUP BY 1 ORDER BY min(_line) LIMIT 3` : `SELECT DISTINCT ${query} FROM ${cx.t} WHERE ${where} LIMIT 3`, params).rows.map((r) => String(r[0]));
      findings.push({
        id: `dns-nxdomain:${cx.table.table}:ip:${s}`,
        analysis: 'dns-nxdomain',
        entity: { kind: 'ip', value: s },
        score: x.nx,
        risk: x.risk,
        severity: 'info',
        reason: `${s}: ${x.nx} answers NXDOMAIN (${x.names} distinct names, e.g. ${examples.join(', ')}) of ${x.n} queries in the 10 minutes from ${isoOf(start).slice(0, 16).replace('T', ' ')}, where its own rate and everyone's give ${sig(x.expected)}`,
        metrics: { nxdomain: x.nx, queries: x.n, distinctNames: x.names, expected: sig(x.expected), populationRate: sig(pop) },
        evidence: cx.evidence(where, params),
        window: { start: isoOf(start), end: isoOf(start + BUCKET) },
        explain: { baseline: `outside the burst the host's names do not exist ${sig(((host.get(s)!.nx - x.nx) / Math.max(1, host.get(s)!.n - x.n)) * 100)} % of the time; everyone's: ${sig(pop * 100)} %` },
      });
    }
    return { findings, tables: [], charts: [] };
  },
};

export const dnsServices: Analysis = {
  id: 'dns-services',
  title: 'IP-lookup and dynamic-DNS services asked',
  description: 'Hosts that ask for an IP-lookup service (what is my public address: a classic first step of malware) or a dynamic-DNS name (a favourite of command-and-control servers).',
  needs: ['ip', 'time'],
  shape: dnsShape,
  params: [],
  run(cx) {
    const src = cx.col('ip');
    const query = q(cx.table, 'query')!;
    const rows = cx.query(`SELECT ${src}, ${query}, count(*), min(_time), max(_time) FROM ${cx.t} WHERE ${src} IS NOT NULL AND ${query} IS NOT NULL GROUP BY 1, 2`).rows;
    const hosts = new Set(rows.map((r) => String(r[0]))).size;
    const hits: { src: string; name: string; entry: string; kind: 'ip-lookup' | 'dynamic-dns'; n: number; first: string; last: string }[] = [];
    for (const [s, name, n, first, last] of rows) {
      const ipl = listedUnder(String(name), IP_LOOKUP);
      const dyn = ipl ? undefined : listedUnder(String(name), DYNAMIC_DNS);
      if (ipl || dyn) hits.push({ src: String(s), name: String(name), entry: (ipl ?? dyn)!, kind: ipl ? 'ip-lookup' : 'dynamic-dns', n: Number(n), first: String(first), last: String(last) });
    }
    const askers = new Map<string, Set<string>>();
    for (const h of hits) askers.set(h.entry, (askers.get(h.entry) ?? new Set()).add(h.src));
    const findings: Finding[] = hits.map((h) => {
      const shared = askers.get(h.entry)!.size;
      const common = hosts >= 8 && shared / hosts >= 0.25;
      const context: BenignContext[] = common ? [{ kind: 'popular', text: `${shared} of ${hosts} hosts ask for ${h.entry}: software the site runs` }] : [];
      return {
        id: `dns-services:${cx.table.table}:ip:${h.src}->${h.name}`,
        analysis: 'dns-services',
        entity: { kind: 'ip', value: h.src },
        score: h.n,
        risk: common ? 30 : h.kind === 'ip-lookup' ? 65 : 55,
        severity: 'info',
        reason: `${h.src} asked for ${h.name} ${h.n}× (${h.kind === 'ip-lookup' ? 'an IP-lookup service: malware asks it for the public address before it calls home' : 'a dynamic-DNS name: cheap, anonymous and a favourite of command-and-control servers'}), ${h.first === h.last ? `at ${h.first}` : `from ${h.first} to ${h.last}`}; ${shared} of ${hosts} hosts asked for ${h.entry}`,
        metrics: { name: h.name, service: h.entry, kind: h.kind, queries: h.n, hostsAsking: shared },
        evidence: cx.evidence(`${src} = ? AND ${query} = ?`, [h.src, h.name]),
        related: [{ kind: 'resource', value: h.name }],
        ...(context.length ? { context } : {}),
      };
    });
    return { findings, tables: [{ title: 'IP-lookup and dynamic-DNS names asked', columns: ['host', 'name', 'kind', 'queries', 'first', 'last'], rows: hits.map((h) => [h.src, h.name, h.kind, h.n, h.first, h.last]) }], charts: [] };
  },
};

export const dnsResolvers: Analysis = {
  id: 'dns-resolvers',
  title: 'Queries to resolvers other than the local ones',
  description:
    "Hosts asking DNS servers that the network does not use (the local resolvers take 5 % or more of the queries, or serve 3 or more hosts): a hard-coded resolver, DNS over a tunnel's own server, or a misconfiguration. A host that answers other hosts' queries is itself a resolver: its queries to root and outside servers are recursion, routine.",
  needs: ['ip', 'destination', 'time'],
  shape: dnsShape,
  params: [],
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const rows = cx.query(`SELECT ${dst}, count(*), count(DISTINCT ${src}) FROM ${cx.t} WHERE ${dst} IS NOT NULL GROUP BY 1`).rows;
    const total = rows.reduce((a, r) => a + Number(r[1]), 0);
    const local = new Set(rows.filter((r) => Number(r[1]) >= 0.05 * total || Number(r[2]) >= 3).map((r) => String(r[0])));
    const servers = new Set(rows.map((r) => String(r[0])));
    const per = new Map<string, { resolvers: [string, number][]; queries: number }>();
    for (const [s, d, n] of cx.query(`SELECT ${src}, ${dst}, count(*) FROM ${cx.t} WHERE ${dst} IS NOT NULL AND ${src} IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC`).rows) {
      if (local.has(String(d))) continue;
      const p = per.get(String(s)) ?? { resolvers: [], queries: 0 };
      p.resolvers.push([String(d), Number(n)]);
      p.queries += Number(n);
      per.set(String(s), p);
    }
    const findings: Finding[] = [];
    for (const [s, p] of per) {
      const outside = p.resolvers.filter(([d]) => !isLocalAddress(d));
      const recursive = servers.has(s);
      const context: BenignContext[] = recursive ? [{ kind: 'routine', text: `${s} answers other hosts' DNS queries itself: its queries to other servers are recursion` }] : [];
      const list = p.resolvers.slice(0, 4).map(([d, n]) => `${d} ×${n}`).join(', ');
      findings.push({
        id: `dns-resolvers:${cx.table.table}:ip:${s}`,
        analysis: 'dns-resolvers',
        entity: { kind: 'ip', value: s },
        score: p.queries,
        risk: recursive ? 20 : outside.length ? 50 : 30,
        severity: 'info',
        reason: `${s} sent ${p.queries} DNS queries to ${p.resolvers.length} server(s) that are not the local resolvers (${[...local].slice(0, 4).join(', ')}): ${list}${p.resolvers.length > 4 ? ', …' : ''}${outside.length ? `; ${outside.length} outside the network` : ''}${recursive ? `; ${s} is itself a resolver (recursion)` : ''}`,
        metrics: { queries: p.queries, resolvers: p.resolvers.map(([d]) => d).join(', '), outside: outside.length, localResolvers: [...local].join(', '), resolverItself: recursive ? 'yes' : 'no' },
        evidence: cx.evidence(`${src} = ? AND ${dst} IN (${p.resolvers.slice(0, 200).map(() => '?').join(', ')})`, [s, ...p.resolvers.slice(0, 200).map(([d]) => d)]),
        related: p.resolvers.slice(0, 5).map(([d]) => ({ kind: 'ip' as const, value: d })),
        ...(context.length ? { context } : {}),
      });
    }
    return { findings, tables: [{ title: 'Resolvers', columns: ['resolver', 'queries', 'hosts', 'local'], rows: rows.map((r) => [r[0], r[1], r[2], local.has(String(r[0])) ? 'yes' : 'no']) }], charts: [] };
  },
};
