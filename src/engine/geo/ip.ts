/**
 * IP addresses as numbers, for range tables: IPv4 as a number (exact up to
 * 2^32), IPv6 as a BigInt. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
 * IPv4: logs write the same client both ways, and geo databases alias them.
 */

export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

/** An inclusive range of one family. */
export type IpRange = { v: 4; lo: number; hi: number } | { v: 6; lo: bigint; hi: bigint };

const MAPPED_PREFIX = 0xffffn << 32n;
const V6_MAX = (1n << 128n) - 1n;

/** a.b.c.d → 0..2^32-1, or -1 when it is not a dotted quad. */
export function parseIpv4(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** IPv6 text (with ::, an embedded IPv4 tail, a zone or brackets) → BigInt, or undefined. */
export function parseIpv6(text: string): bigint | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 < 0) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]) n = (n << 16n) | BigInt(g);
  return n;
}

/** Either family; IPv4-mapped IPv6 comes back as IPv4. Undefined for anything else. */
export function parseIp(text: string): ParsedIp | undefined {
  const s = text.trim();
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { v: 4, n: v4 };
  const v6 = parseIpv6(s);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: Number(v6 - MAPPED_PREFIX) };
  return { v: 6, n: v6 };
}

/**
 * A CIDR (`10.0.0.0/8`, `2001:db8::/32`), a single address, or a range
 * `lo-hi` → an inclusive range. Host bits set in a CIDR are ignored (the
 * network it names is meant). Undefined when the text is none of these.
 */
export function parseRange(text: string): IpRange | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const addr = s.slice(0, slash);
    let ip = parseIp(addr);
    const bitsText = s.slice(slash + 1);
    if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
    let bits = Number(bitsText);
    if (ip.v === 4 && addr.includes(':')) {
      // an IPv4-mapped prefix counts its bits in the IPv6 space; a shorter one is an IPv6 network
      if (bits >= 96) bits -= 96;
      else ip = { v: 6, n: parseIpv6(addr)! };
    }
    if (ip.v === 4) {
      if (bits < 0 || bits > 32) return undefined;
      const size = 2 ** (32 - bits);
      const lo = Math.floor(ip.n / size) * size;
      return { v: 4, lo, hi: lo + size - 1 };
    }
    if (bits > 128) return undefined;
    const host = (1n << BigInt(128 - bits)) - 1n;
    const lo = ip.n & (V6_MAX ^ host);
    return { v: 6, lo, hi: lo | host };
  }
  const dash = s.indexOf('-');
  if (dash > 0) {
    const a = parseIp(s.slice(0, dash));
    const b = parseIp(s.slice(dash + 1));
    if (!a || !b || a.v !== b.v) return undefined;
    return a.v === 4 ? { v: 4, lo: a.n, hi: b.n as number } : { v: 6, lo: a.n, hi: b.n as bigint };
  }
  const ip = parseIp(s);
  if (!ip) return undefined;
  return ip.v === 4 ? { v: 4, lo: ip.n, hi: ip.n } : { v: 6, lo: ip.n, hi: ip.n };
}

/** A decimal integer as an address: up to 2^32-1 IPv4, above that IPv6 (IPv4-mapped ones as IPv4). */
export function ipFromInteger(text: string): ParsedIp | undefined {
  const s = text.trim();
  if (!/^\d{1,39}$/.test(s)) return undefined;
  if (s.length <= 10) {
    const n = Number(s);
    if (n <= 0xffffffff) return { v: 4, n };
  }
  const n = BigInt(s);
  if (n > V6_MAX) return undefined;
  if (n >> 32n === 0xffffn) return { v: 4, n: Number(n - MAPPED_PREFIX) };
  return { v: 6, n };
}

export function formatIpv4(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** Full, uncompressed IPv6 text (the maxmind reader and tests accept it). */
export function formatIpv6(n: bigint): string {
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((n >> BigInt(16 * i)) & 0xffffn).toString(16));
  return g.join(':');
}

export function formatIp(ip: ParsedIp): string {
  return ip.v === 4 ? formatIpv4(ip.n) : formatIpv6(ip.n);
}

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved space: no geo database locates these. */
export function isPrivateOrReserved(ip: ParsedIp): boolean {
  if (ip.v === 4) {
    const a = Math.floor(ip.n / 16777216);
    const b = Math.floor(ip.n / 65536) % 256;
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    );
  }
  const top = Number(ip.n >> 112n);
  return ip.n <= 1n || (top & 0xfe00) === 0xfc00 || (top & 0xffc0) === 0xfe80 || (top & 0xff00) === 0xff00;
}
