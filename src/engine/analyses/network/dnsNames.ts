/**
 * Names in DNS queries: the registered domain under which a name sits, the
 * part left of it, how random a label looks, and the services whose mere
 * use says something (IP-lookup, dynamic DNS).
 */

/** Second-level labels under a country code that registrars sell under (example.co.uk, example.com.au). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'mil', 'nic']);

/** The registered domain of a name: `a.b.example.co.uk` → `example.co.uk`, `x.cdn-sync.net` → `cdn-sync.net`; the name itself for an address or a one-label name. */
export function registeredDomain(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(n) || n.includes(':') || n.endsWith('.arpa')) return n.endsWith('.arpa') ? n.split('.').slice(-2).join('.') : n;
  const labels = n.split('.');
  if (labels.length <= 2) return n;
  const tld = labels[labels.length - 1];
  const sld = labels[labels.length - 2];
  const k = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-k).join('.');
}

/** The labels left of the registered domain, joined ('' when none). */
export function subdomainOf(name: string, domain = registeredDomain(name)): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n.length > domain.length ? n.slice(0, n.length - domain.length - 1) : '';
}

/** Shannon entropy of a string in bits per character. */
export function entropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Services that tell a host its public address: malware asks them before it calls home. */
export const IP_LOOKUP = ['ipify.org', 'icanhazip.com', 'ifconfig.me', 'ifconfig.co', 'ipinfo.io', 'ip-api.com', 'myexternalip.com', 'wtfismyip.com', 'ipecho.net', 'ident.me', 'whatismyipaddress.com', 'myip.com', 'ipify.com', 'ip.me', 'checkip.amazonaws.com', 'checkip.dyndns.org', 'checkip.dyndns.com', 'ipapi.co', 'geoiptool.com', 'iplocation.net', 'showmyip.com', 'whatismyip.akamai.com', 'myip.opendns.com', 'api.myip.com', 'ip-score.com', 'freegeoip.app', 'ipwho.is', 'trackip.net'];

/** Dynamic-DNS providers: a name that follows a changing address, cheap and anonymous, a favourite of C2. */
export const DYNAMIC_DNS = ['duckdns.org', 'no-ip.com', 'no-ip.org', 'no-ip.biz', 'noip.com', 'ddns.net', 'dyndns.org', 'dyndns.com', 'hopto.org', 'zapto.org', 'sytes.net', 'serveftp.com', 'servebeer.com', 'myftp.biz', 'myftp.org', 'dynu.com', 'dynu.net', 'afraid.org', 'changeip.com', '3utilities.com', 'ddnsking.com', 'gotdns.ch', 'bounceme.net', 'servehttp.com', 'mooo.com', 'redirectme.net', 'dynv6.net', 'freeddns.org', 'kozow.com', 'linkpc.net', 'publicvm.com', 'dyn.com', 'dnsdynamic.org', 'ddns.me'];

/** The list entry a name falls under (the name itself or a parent), if any. */
export function listedUnder(name: string, list: readonly string[]): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  return list.find((d) => n === d || n.endsWith(`.${d}`));
}
