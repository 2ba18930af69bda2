/**
 * What the network analyses share: a table's columns by their Zeek (or
 * common) names, the event time in epoch seconds, and plain-words figures.
 */
import type { TableInfo } from '../../ingest/build';
import { quoteIdent } from '../../store/names';

export const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The first column of `names` the table has (case-insensitive), unquoted. */
export function columnNamed(t: TableInfo, ...names: string[]): string | undefined {
  for (const n of names) {
    const c = t.columns.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (c) return c.name;
  }
  return undefined;
}

/** The same, quoted for SQL. */
export function qcol(t: TableInfo, ...names: string[]): string | undefined {
  const c = columnNamed(t, ...names);
  return c === undefined ? undefined : quoteIdent(c);
}

/**
 * Epoch seconds of an event as SQL: Zeek's numeric `ts` when the table has
 * one (exact to the microsecond and cheap: a Zeek TSV's `time` column is
 * stored as REAL epoch seconds, `epoch-s`), else from `_time` (parsing its
 * text costs about a microsecond a row: 1.5 s of CPU over 1M connections).
 */
export function epochSql(t: TableInfo): string {
  const ts = t.columns.find((c) => c.name === 'ts');
  if (ts && (ts.type === 'real' || ts.type === 'integer' || (ts.type === 'timestamp' && ts.mismatches === 0 && ts.timeFormat === 'epoch-s'))) return '"ts"';
  if (ts && ts.type === 'timestamp' && ts.mismatches === 0 && ts.timeFormat === 'epoch-ms') return '("ts" / 1000.0)';
  return `((julianday("_time") - 2440587.5) * 86400.0)`;
}

/** "1.2 MB", "734 kB", "420 B". */
export function bytesText(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : Number(v.toPrecision(3))} ${units[i]}`;
}

/** "45 s", "3.3 min", "6 h", "2.1 days". */
export function durationText(s: number): string {
  if (s < 90) return `${Number(s.toPrecision(3))} s`;
  if (s < 5400) return `${Number((s / 60).toPrecision(3))} min`;
  if (s < 172800) return `${Number((s / 3600).toPrecision(3))} h`;
  return `${Number((s / 86400).toPrecision(3))} days`;
}

export const sig = (x: number, p = 3): number => Number(x.toPrecision(p));

/** ISO 8601 UTC of epoch seconds. */
export const isoOf = (s: number): string => new Date(s * 1000).toISOString();

/** Whether an address is private, loopback or link-local (RFC 1918, 4193, …): one of ours. */
export function isLocalAddress(ip: string): boolean {
  if (/^10\.|^192\.168\.|^127\.|^169\.254\./.test(ip)) return true;
  const m = /^172\.(\d+)\./.exec(ip);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  return /^(fc|fd|fe80|::1$)/i.test(ip);
}

/**
 * isLocalAddress as SQL over a text column (LIKE only, which both stores read): RFC 1918, loopback,
 * link-local, unique-local IPv6. Meant for grouped rows (a few LIKEs each), not for every connection.
 */
export function localAddressSql(c: string): string {
  const v4 = ['10.%', '192.168.%', '127.%', '169.254.%', ...Array.from({ length: 16 }, (_, i) => `172.${16 + i}.%`)];
  const v6 = ['fc%', 'fd%', 'fe80%'];
  return `(${[...v4.map((p) => `${c} LIKE '${p}'`), ...v6.map((p) => `${c} LIKE '${p}'`), `${c} = '::1'`].join(' OR ')})`;
}
