/**
 * Seeded generator of one Zeek capture: conn, dns, http, files, ssl and
 * notice logs in Zeek's TSV format (#separator … #fields, #types, #close),
 * the logs joined as Zeek joins them (a connection's `uid` in dns/http/ssl,
 * a file's `fuid` in http's resp_fuids and files.log, files' conn_uids).
 *
 * Ordinary traffic: `hosts` workstations (10.3.0.10 …) browse during office
 * hours (fewer connections at night) to a Zipf-weighted pool of external
 * servers (443 mostly, some 80), each connection after a DNS lookup at the
 * local resolver 10.3.0.2; an intranet server 10.3.1.5:80 where each
 * workstation's user signs in with HTTP basic auth (username column); every
 * workstation asks the NTP server 10.3.0.3:123 every 1,024 s (a perfectly
 * regular, benign beacon that every host shares); a few ordinary notices.
 *
 * Planted (each can be turned off with `planted: false`):
 * - beacon: 10.3.0.23 → 185.225.19.40:449 every 200 s, each gap jittered by
 *   up to ±20 % and 10 % of beats missing, all day, ~300 bytes out;
 * - long connection: 10.3.0.31 → 203.0.113.77:8443, one connection of 6 h
 *   with 900 MB out;
 * - DNS tunnel: 10.3.0.17 asks 1,500 TXT queries for 50-character base32
 *   labels under t.cdn-sync.net in two hours;
 * - DGA burst: 10.3.0.42 asks 150 random .com/.net/.info names in 5 minutes,
 *   all NXDOMAIN;
 * - disguised executable: 10.3.0.12 downloads /invoice_0412.pdf from
 *   dl.quick-docs.info, which files.log says is application/x-dosexec;
 * - guessed password: 198.51.100.66 fails basic auth on the intranet as
 *   `admin` 60 times in 3 minutes (401), then succeeds (200);
 * - self-signed certificate: 10.3.0.27 → 45.77.3.9:443 (a server no other
 *   host contacts), validation_status "self signed certificate";
 * - IP lookup: 10.3.0.35 asks api.ipify.org (what is my public address) and
 *   fetches it over TLS, once, at 13:20;
 * - exfiltration upload: 10.3.0.38 sends 1.6 GB in four 8-minute TLS
 *   connections to 198.51.100.200 at 02:00–03:00 (no long connection);
 * - executable as an image: 10.3.0.14 GETs /static/img/header.jpg from
 *   img.cdn-fastpics.net, whose bytes are application/x-dosexec; files.log
 *   has no filename for it (as Zeek writes files without Content-Disposition);
 * - rare destination: 10.3.0.29, which otherwise only browses, alone reaches
 *   194.87.71.13:8081 (no DNS lookup before) 8 times at irregular moments
 *   from 19:10 to 22:40, a few kB each way (first seen late, not a rhythm).
 *
 * Benign traffic that looks like the planted cases (the false positives a
 * detector must not raise): the NTP rhythm above; an update check of every
 * host to 104.16.20.35:443 every hour ±10 %; a monitoring agent on every
 * host reporting to 10.3.1.8:8089 every 300 s; a nightly 2 GB backup of
 * 10.3.0.10 to the NAS 10.3.1.20; 10.3.0.19 syncing 40–80 MB to a cloud
 * drive (162.125.19.131) at random times of every office hour; 10.3.0.16
 * streaming video (large downloads, ~7 h in all) from a CDN others use too;
 * 10.3.0.21 crawling 80 small web sites on 443 that no other host visits
 * (one to three connections each, all day: many one-off destinations are
 * that host's habit, not news).
 *
 * Deterministic: the same options give the same bytes (own PRNG).
 *
 * CLI: node out/test/generators/zeek.js [--seed 5] [--hosts 40] [--hours 24] [--out DIR]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from './courseLog';

export interface ZeekOptions {
  seed?: number;
  /** Workstations, default 40. */
  hosts?: number;
  /** Hours of capture from `start`, default 24. */
  hours?: number;
  /** Epoch seconds of the capture's start, default 2024-03-05 00:00 UTC. */
  start?: number;
  /** Plant the cases, default true. */
  planted?: boolean;
  /** Browsing connections per workstation and office hour, default 12. */
  perHour?: number;
  /**
   * Also weird.log and kerberos.log (default false: the six logs above only), from a PRNG of their
   * own so that the other logs are the same bytes either way. weird: capture artefacts from several
   * hosts and one protocol violation (unknown_HTTP_method from 10.3.0.44); kerberos: every host's
   * routine pre-authentication step, user enumeration from 10.3.0.45 (12 unknown principals) and
   * wrong passwords from 10.3.0.46.
   */
  weirdAndKerberos?: boolean;
}

export interface ZeekPlanted {
  beacon: { src: string; dst: string; port: number; interval: number; beats: number };
  longConnection: { src: string; dst: string; port: number; duration: number; uid: string };
  dnsTunnel: { src: string; domain: string; queries: number };
  dga: { src: string; queries: number };
  disguisedExe: { src: string; host: string; uri: string; fuid: string; uid: string };
  guessedPassword: { src: string; user: string; failures: number };
  selfSigned: { src: string; dst: string; server: string };
  ipLookup: { src: string; name: string };
  exfil: { src: string; dst: string; bytes: number };
  disguisedImage: { src: string; host: string; uri: string; fuid: string };
  rareDestination: { src: string; dst: string; port: number; connections: number };
}

export interface ZeekCapture {
  /** Log name (conn, dns, http, files, ssl, notice; weird and kerberos with weirdAndKerberos) → the file's text. */
  logs: Record<string, string>;
  /** Data rows per log. */
  rows: Record<string, number>;
  planted?: ZeekPlanted;
}

const FIELDS: Record<string, [string, string][]> = {
  conn: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['proto', 'enum'], ['service', 'string'], ['duration', 'interval'], ['orig_bytes', 'count'], ['resp_bytes', 'count'], ['conn_state', 'string'], ['local_orig', 'bool'], ['local_resp', 'bool'], ['missed_bytes', 'count'], ['history', 'string'], ['orig_pkts', 'count'], ['orig_ip_bytes', 'count'], ['resp_pkts', 'count'], ['resp_ip_bytes', 'count'], ['tunnel_parents', 'set[string]']],
  dns: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['proto', 'enum'], ['trans_id', 'count'], ['rtt', 'interval'], ['query', 'string'], ['qclass', 'count'], ['qclass_name', 'string'], ['qtype', 'count'], ['qtype_name', 'string'], ['rcode', 'count'], ['rcode_name', 'string'], ['AA', 'bool'], ['TC', 'bool'], ['RD', 'bool'], ['RA', 'bool'], ['Z', 'count'], ['answers', 'vector[string]'], ['TTLs', 'vector[interval]'], ['rejected', 'bool']],
  http: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['trans_depth', 'count'], ['method', 'string'], ['host', 'string'], ['uri', 'string'], ['referrer', 'string'], ['version', 'string'], ['user_agent', 'string'], ['request_body_len', 'count'], ['response_body_len', 'count'], ['status_code', 'count'], ['status_msg', 'string'], ['username', 'string'], ['password', 'string'], ['resp_fuids', 'vector[string]'], ['resp_filenames', 'vector[string]'], ['resp_mime_types', 'vector[string]']],
  files: [['ts', 'time'], ['fuid', 'string'], ['tx_hosts', 'set[addr]'], ['rx_hosts', 'set[addr]'], ['conn_uids', 'set[string]'], ['source', 'string'], ['depth', 'count'], ['analyzers', 'set[string]'], ['mime_type', 'string'], ['filename', 'string'], ['duration', 'interval'], ['is_orig', 'bool'], ['seen_bytes', 'count'], ['total_bytes', 'count'], ['md5', 'string'], ['sha1', 'string']],
  ssl: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['version', 'string'], ['cipher', 'string'], ['server_name', 'string'], ['established', 'bool'], ['subject', 'string'], ['issuer', 'string'], ['validation_status', 'string']],
  weird: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['name', 'string'], ['addl', 'string'], ['notice', 'bool'], ['peer', 'string'], ['source', 'string']],
  kerberos: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['request_type', 'string'], ['client', 'string'], ['service', 'string'], ['success', 'bool'], ['error_msg', 'string'], ['cipher', 'string'], ['forwardable', 'bool'], ['renewable', 'bool']],
  notice: [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port'], ['fuid', 'string'], ['proto', 'enum'], ['note', 'enum'], ['msg', 'string'], ['sub', 'string'], ['src', 'addr'], ['dst', 'addr'], ['p', 'port'], ['actions', 'set[enum]']],
};

type Row = { ts: number; v: (string | number | null)[] };

const RESOLVER = '10.3.0.2';
const NTP = '10.3.0.3';
const INTRANET = '10.3.1.5';
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0'];
const WORDS = ['news', 'mail', 'cdn', 'static', 'api', 'shop', 'docs', 'video', 'maps', 'search', 'cloud', 'img', 'login', 'update', 'portal'];
const TLDS = ['com', 'net', 'org', 'io'];

export function generateZeek(opts: ZeekOptions = {}): ZeekCapture {
  const rnd = mulberry32(opts.seed ?? 5);
  const hosts = opts.hosts ?? 40;
  const hours = opts.hours ?? 24;
  const start = opts.start ?? Date.UTC(2024, 2, 5) / 1000;
  const end = start + hours * 3600;
  const perHour = opts.perHour ?? 12;
  const rows: Record<string, Row[]> = { conn: [], dns: [], http: [], files: [], ssl: [], notice: [] };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const id = (prefix: string) => prefix + Array.from({ length: 17 }, () => ALNUM[Math.floor(rnd() * ALNUM.length)]).join('');
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  const ws = Array.from({ length: hosts }, (_, i) => `10.3.0.${10 + i}`);
  // external servers, Zipf-weighted: a few are very popular
  const servers = Array.from({ length: 300 }, (_, i) => ({ ip: `${93 + (i % 90)}.${(i * 37) % 250}.${(i * 11) % 250}.${10 + (i % 200)}`, name: `${pick(WORDS)}.${pick(WORDS)}${i}.${pick(TLDS)}` }));
  const zipf = servers.map((_, i) => 1 / (i + 1));
  const zsum = zipf.reduce((a, b) => a + b, 0);
  const server = () => {
    let r = rnd() * zsum;
    for (let i = 0; i < servers.length; i++) if ((r -= zipf[i]) <= 0) return servers[i];
    return servers[servers.length - 1];
  };
  const conn = (ts: number, uid: string, src: string, dst: string, port: number, proto: string, service: string, duration: number, ob: number, rb: number, state = 'SF') =>
    rows.conn.push({ ts, v: [ts, uid, src, int(49152, 65000), dst, port, proto, service || null, duration, ob, rb, state, 'T', dst.startsWith('10.') ? 'T' : 'F', 0, state === 'SF' ? 'ShADadFf' : 'S', Math.ceil(ob / 500) + 3, ob + 40 * (Math.ceil(ob / 500) + 3), Math.ceil(rb / 1400) + 2, rb + 40 * (Math.ceil(rb / 1400) + 2), null] });
  const dns = (ts: number, src: string, query: string, qtype: string, rcode: string, answers: string | null, resolver = RESOLVER) => {
    const uid = id('C');
    rows.dns.push({ ts, v: [ts, uid, src, int(49152, 65000), resolver, 53, 'udp', int(1, 65535), 0.002 + rnd() * 0.02, query, 1, 'C_INTERNET', qtype === 'TXT' ? 16 : 1, qtype, rcode === 'NOERROR' ? 0 : 3, rcode, 'F', 'F', 'T', 'T', 0, answers, answers ? '300.000000' : null, 'F'] });
    conn(ts, uid, src, resolver, 53, 'udp', 'dns', 0.01, 40 + query.length, answers ? 80 + query.length : 40 + query.length);
  };
  const http = (ts: number, uid: string, src: string, dst: string, host: string, uri: string, method: string, status: number, body: number, user: string | null, ua: string, fuid: string | null, fname: string | null, mime: string | null, port = 80) => {
    rows.http.push({ ts, v: [ts, uid, src, int(49152, 65000), dst, port, 1, method, host, uri, null, '1.1', ua, method === 'POST' ? 64 : 0, body, status, status === 200 ? 'OK' : status === 401 ? 'Unauthorized' : 'Not Found', user, null, fuid, fname, mime] });
  };
  const file = (ts: number, fuid: string, tx: string, rx: string, uid: string, mime: string, fname: string | null, size: number) =>
    rows.files.push({ ts, v: [ts, fuid, tx, rx, uid, 'HTTP', 0, mime === 'application/x-dosexec' ? 'PE,MD5,SHA1' : 'MD5,SHA1', mime, fname, 0.2, 'F', size, size, hex(32), hex(40)] });

  // ordinary browsing
  for (let h = 0; h < hours; h++) {
    const hourOfDay = (Math.floor((start + h * 3600) / 3600) % 24 + 24) % 24;
    const office = hourOfDay >= 8 && hourOfDay < 18;
    for (let w = 0; w < ws.length; w++) {
      const src = ws[w];
      const n = office ? int(Math.floor(perHour / 2), Math.floor(perHour * 1.5)) : rnd() < 0.3 ? int(0, 2) : 0;
      for (let k = 0; k < n; k++) {
        const ts = start + h * 3600 + rnd() * 3600;
        const s = server();
        dns(ts, src, s.name, 'A', 'NOERROR', s.ip);
        const uid = id('C');
        const secure = rnd() < 0.8;
        const ob = int(300, 2500);
        const rb = Math.floor(Math.exp(8 + rnd() * 4));
        conn(ts + 0.02, uid, src, s.ip, secure ? 443 : 80, 'tcp', secure ? 'ssl' : 'http', 0.1 + rnd() * 20, ob, rb);
        if (secure) rows.ssl.push({ ts: ts + 0.03, v: [ts + 0.03, uid, src, int(49152, 65000), s.ip, 443, 'TLSv13', 'TLS_AES_128_GCM_SHA256', s.name, 'T', `CN=${s.name}`, "CN=R3,O=Let's Encrypt,C=US", 'ok'] });
        else {
          const img = rnd() < 0.4;
          const fuid = id('F');
          const mime = img ? 'image/png' : 'text/html';
          http(ts + 0.03, uid, src, s.ip, s.name, img ? `/img/${int(1, 500)}.png` : `/${pick(WORDS)}/${int(1, 99)}`, 'GET', 200, rb, null, UAS[w % 2], fuid, null, mime);
          file(ts + 0.04, fuid, s.ip, src, uid, mime, null, rb);
        }
      }
      // the intranet, as the workstation's user
      const m = office ? int(1, 4) : 0;
      for (let k = 0; k < m; k++) {
        const ts = start + h * 3600 + rnd() * 3600;
        const uid = id('C');
        conn(ts, uid, src, INTRANET, 80, 'tcp', 'http', 0.3, 400, 6000);
        http(ts + 0.01, uid, src, INTRANET, 'intranet.corp', `/${pick(['wiki', 'hr', 'tickets'])}/${int(1, 40)}`, 'GET', rnd() < 0.03 ? 404 : 200, 6000, `user${String(w).padStart(2, '0')}`, UAS[w % 2], null, null, null);
      }
    }
  }
  // NTP: every workstation, every 1,024 s, from a random phase
  for (const src of ws) {
    for (let ts = start + rnd() * 1024; ts < end; ts += 1024) conn(ts, id('C'), src, NTP, 123, 'udp', 'ntp', 0.001, 48, 48);
  }
  // ordinary notices: an internal scanner and an expired internal certificate
  for (let i = 0; i < 3; i++) {
    const ts = start + 3600 * (9 + i * 3);
    rows.notice.push({ ts, v: [ts, null, null, null, null, null, null, null, 'Scan::Port_Scan', '10.3.0.5 scanned at least 15 unique ports of host 10.3.1.9 in 0m2s', 'local', '10.3.0.5', '10.3.1.9', null, 'Notice::ACTION_LOG'] });
  }

  let plantedBefore: Omit<ZeekPlanted, 'rareDestination'> | undefined;
  if (opts.planted !== false) {
    // beacon
    const bsrc = '10.3.0.23';
    const bdst = '185.225.19.40';
    let beats = 0;
    for (let ts = start + 37; ts < end; ts += 200 * (0.8 + 0.4 * rnd())) {
      if (rnd() < 0.1) continue;
      conn(ts, id('C'), bsrc, bdst, 449, 'tcp', '', 0.3 + rnd() * 0.2, int(280, 320), int(900, 1300));
      beats++;
    }
    // long connection
    const luid = id('C');
    const lts = start + 3600 * 10.5;
    conn(lts, luid, '10.3.0.31', '203.0.113.77', 8443, 'tcp', '', 6 * 3600, 900_000_000, 2_000_000);
    // DNS tunnel
    const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
    const tq = 1500;
    for (let i = 0; i < tq; i++) {
      const ts = start + 3600 * 14 + (i / tq) * 7200 + rnd();
      const label = Array.from({ length: 50 }, () => B32[Math.floor(rnd() * 32)]).join('');
      dns(ts, '10.3.0.17', `${label}.t.cdn-sync.net`, 'TXT', 'NOERROR', 'TXT 32 ' + hex(32));
    }
    // DGA burst
    const LET = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 150; i++) {
      const ts = start + 3600 * 16 + (i / 150) * 300;
      const name = Array.from({ length: int(12, 16) }, () => LET[Math.floor(rnd() * 26)]).join('');
      dns(ts, '10.3.0.42', `${name}.${pick(['com', 'net', 'info'])}`, 'A', 'NXDOMAIN', null);
    }
    // disguised executable
    const euid = id('C');
    const efuid = id('F');
    const ets = start + 3600 * 11.2;
    dns(ets - 0.05, '10.3.0.12', 'dl.quick-docs.info', 'A', 'NOERROR', '91.215.85.17');
    conn(ets, euid, '10.3.0.12', '91.215.85.17', 80, 'tcp', 'http', 1.8, 420, 734_208);
    http(ets + 0.01, euid, '10.3.0.12', '91.215.85.17', 'dl.quick-docs.info', '/invoice_0412.pdf', 'GET', 200, 734_208, null, UAS[0], efuid, 'invoice_0412.pdf', 'application/x-dosexec');
    file(ets + 0.02, efuid, '91.215.85.17', '10.3.0.12', euid, 'application/x-dosexec', 'invoice_0412.pdf', 734_208);
    // guessed password on the intranet
    const gts = start + 3600 * 3.1;
    for (let i = 0; i <= 60; i++) {
      const ts = gts + i * 3;
      const uid = id('C');
      const ok = i === 60;
      conn(ts, uid, '198.51.100.66', INTRANET, 80, 'tcp', 'http', 0.05, 380, ok ? 6000 : 420);
      http(ts + 0.01, uid, '198.51.100.66', INTRANET, 'intranet.corp', '/login', 'POST', ok ? 200 : 401, ok ? 6000 : 180, 'admin', 'python-requests/2.31.0', null, null, null);
    }
    // self-signed certificate to a rare server
    for (let i = 0; i < 4; i++) {
      const ts = start + 3600 * 13 + i * 610;
      const uid = id('C');
      conn(ts, uid, '10.3.0.27', '45.77.3.9', 443, 'tcp', 'ssl', 12, 5200, 90_000);
      rows.ssl.push({ ts, v: [ts + 0.01, uid, '10.3.0.27', int(49152, 65000), '45.77.3.9', 443, 'TLSv12', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'secure-mail-login.top', 'T', 'CN=secure-mail-login.top', 'CN=secure-mail-login.top', 'self signed certificate'] });
    }
    // IP lookup: what is my public address
    const its = start + 3600 * 13 + 1200;
    dns(its, '10.3.0.35', 'api.ipify.org', 'A', 'NOERROR', '104.26.12.205');
    const iuid = id('C');
    conn(its + 0.05, iuid, '10.3.0.35', '104.26.12.205', 443, 'tcp', 'ssl', 0.4, 517, 3900);
    rows.ssl.push({ ts: its + 0.06, v: [its + 0.06, iuid, '10.3.0.35', int(49152, 65000), '104.26.12.205', 443, 'TLSv13', 'TLS_AES_128_GCM_SHA256', 'api.ipify.org', 'T', 'CN=api.ipify.org', "CN=R3,O=Let's Encrypt,C=US", 'ok'] });
    // exfiltration: 1.6 GB at night in four short TLS connections
    const xdst = '198.51.100.200';
    for (let i = 0; i < 4; i++) {
      const ts = start + 3600 * 2 + i * 840 + rnd() * 30;
      const uid = id('C');
      conn(ts, uid, '10.3.0.38', xdst, 443, 'tcp', 'ssl', 480 + rnd() * 20, 400_000_000, 1_200_000);
      rows.ssl.push({ ts, v: [ts + 0.01, uid, '10.3.0.38', int(49152, 65000), xdst, 443, 'TLSv12', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'storage-eu.filedrop.cc', 'T', 'CN=storage-eu.filedrop.cc', "CN=R3,O=Let's Encrypt,C=US", 'ok'] });
    }
    // an executable served as an image; files.log names no file
    const juid = id('C');
    const jfuid = id('F');
    const jts = start + 3600 * 15.4;
    dns(jts - 0.05, '10.3.0.14', 'img.cdn-fastpics.net', 'A', 'NOERROR', '95.179.130.8');
    conn(jts, juid, '10.3.0.14', '95.179.130.8', 80, 'tcp', 'http', 0.9, 380, 412_672);
    http(jts + 0.01, juid, '10.3.0.14', '95.179.130.8', 'img.cdn-fastpics.net', '/static/img/header.jpg', 'GET', 200, 412_672, null, UAS[0], jfuid, null, 'application/x-dosexec');
    file(jts + 0.02, jfuid, '95.179.130.8', '10.3.0.14', juid, 'application/x-dosexec', null, 412_672);
    plantedBefore = {
      ipLookup: { src: '10.3.0.35', name: 'api.ipify.org' },
      exfil: { src: '10.3.0.38', dst: xdst, bytes: 1_600_000_000 },
      disguisedImage: { src: '10.3.0.14', host: 'img.cdn-fastpics.net', uri: '/static/img/header.jpg', fuid: jfuid },
      beacon: { src: bsrc, dst: bdst, port: 449, interval: 200, beats },
      longConnection: { src: '10.3.0.31', dst: '203.0.113.77', port: 8443, duration: 6 * 3600, uid: luid },
      dnsTunnel: { src: '10.3.0.17', domain: 'cdn-sync.net', queries: tq },
      dga: { src: '10.3.0.42', queries: 150 },
      disguisedExe: { src: '10.3.0.12', host: 'dl.quick-docs.info', uri: '/invoice_0412.pdf', fuid: efuid, uid: euid },
      guessedPassword: { src: '198.51.100.66', user: 'admin', failures: 60 },
      selfSigned: { src: '10.3.0.27', dst: '45.77.3.9', server: 'secure-mail-login.top' },
    };
  }
  benign(rows, { ws, start, end, rnd, id, conn, http, file, int });
  // written last, so that the rows before them (and what other tests measure on them) do not move
  oneOffSites(rows, { ws, start, end, rnd, id, conn, http, file, int });
  const planted: ZeekPlanted | undefined = plantedBefore ? { ...plantedBefore, rareDestination: rareDestination({ ws, start, end, rnd, id, conn, http, file, int }) } : undefined;
  if (opts.weirdAndKerberos) weirdAndKerberos(rows, ws, start, end, mulberry32((opts.seed ?? 5) + 1000));
  const logs: Record<string, string> = {};
  const counts: Record<string, number> = {};
  for (const [name, rs] of Object.entries(rows)) {
    rs.sort((a, b) => a.ts - b.ts);
    logs[name] = zeekText(name, FIELDS[name], rs, start);
    counts[name] = rs.length;
  }
  return { logs, rows: counts, planted };
}

/** weird.log and kerberos.log rows (ZeekOptions.weirdAndKerberos), from their own PRNG. */
function weirdAndKerberos(rows: Record<string, Row[]>, ws: string[], start: number, end: number, rnd: () => number): void {
  const at = () => start + rnd() * (end - start);
  const port = () => 49152 + Math.floor(rnd() * 15000);
  const uid = () => 'C' + Array.from({ length: 17 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rnd() * 36)]).join('');
  rows.weird = [];
  rows.kerberos = [];
  const weird = (src: string, dst: string, name: string, addl: string | null) => {
    const ts = at();
    rows.weird.push({ ts, v: [ts, uid(), src, port(), dst, 443, name, addl, 'F', 'zeek', null] });
  };
  for (const src of ws.slice(0, 8)) for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) weird(src, `93.${Math.floor(rnd() * 250)}.1.${10 + Math.floor(rnd() * 200)}`, rnd() < 0.5 ? 'truncated_tcp_payload' : 'TCP_ack_underflow_or_misorder', null);
  for (let k = 0; k < 5; k++) weird('10.3.0.44', '10.3.1.5', 'unknown_HTTP_method', 'PROPFIND');
  const DC = '10.3.1.2';
  const krb = (src: string, client: string, success: boolean, error: string | null) => {
    const ts = at();
    rows.kerberos.push({ ts, v: [ts, uid(), src, port(), DC, 88, 'AS', client, 'krbtgt/CORP.LOCAL', success ? 'T' : 'F', error, success ? 'aes256-cts-hmac-sha1-96' : null, 'T', 'T'] });
  };
  ws.forEach((src, i) => {
    const user = `user${String(i).padStart(2, '0')}/CORP.LOCAL`;
    for (let k = 0; k < 2 + Math.floor(rnd() * 3); k++) {
      krb(src, user, false, 'KDC_ERR_PREAUTH_REQUIRED');
      krb(src, user, true, null);
    }
  });
  for (let k = 0; k < 12; k++) krb('10.3.0.45', `${['admin', 'backup', 'svc', 'test', 'oracle', 'sql'][k % 6]}${k}/CORP.LOCAL`, false, 'KDC_ERR_C_PRINCIPAL_UNKNOWN');
  for (let k = 0; k < 6; k++) krb('10.3.0.46', 'user07/CORP.LOCAL', false, 'KDC_ERR_PREAUTH_FAILED');
}

interface Writers {
  ws: string[];
  start: number;
  end: number;
  rnd: () => number;
  id: (prefix: string) => string;
  int: (a: number, b: number) => number;
  conn: (ts: number, uid: string, src: string, dst: string, port: number, proto: string, service: string, duration: number, ob: number, rb: number, state?: string) => void;
  http: (ts: number, uid: string, src: string, dst: string, host: string, uri: string, method: string, status: number, body: number, user: string | null, ua: string, fuid: string | null, fname: string | null, mime: string | null, port?: number) => void;
  file: (ts: number, fuid: string, tx: string, rx: string, uid: string, mime: string, fname: string | null, size: number) => void;
}

/** Benign traffic that resembles the planted cases: periodic checks every host makes, heavy but habitual transfers. */
function benign(rows: Record<string, Row[]>, w: Writers): void {
  const { ws, start, end, rnd, id, conn, int } = w;
  const ssl = (ts: number, uid: string, src: string, dst: string, name: string) =>
    rows.ssl.push({ ts, v: [ts + 0.01, uid, src, int(49152, 65000), dst, 443, 'TLSv13', 'TLS_AES_128_GCM_SHA256', name, 'T', `CN=${name}`, 'CN=DigiCert TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US', 'ok'] });
  for (const src of ws) {
    // update check every hour ±10 %
    for (let ts = start + rnd() * 3600; ts < end; ts += 3600 * (0.9 + 0.2 * rnd())) {
      const uid = id('C');
      conn(ts, uid, src, '104.16.20.35', 443, 'tcp', 'ssl', 0.6, int(600, 700), int(2000, 2600));
      ssl(ts, uid, src, '104.16.20.35', 'update.vendor-soft.com');
    }
    // monitoring agent, every 300 s to the site's collector
    for (let ts = start + rnd() * 300; ts < end; ts += 300) conn(ts, id('C'), src, '10.3.1.8', 8089, 'tcp', '', 0.05, int(900, 1100), 120);
  }
  const day = (h: number) => Math.floor((start + h * 3600) / 86400) * 86400;
  for (let h = 0; h * 3600 < end - start; h++) {
    const t = start + h * 3600;
    const hourOfDay = Math.floor(t / 3600) % 24;
    // nightly backup to the NAS (inside)
    if (hourOfDay === 1) conn(day(h) + 3600 + 120, id('C'), ws[0], '10.3.1.20', 445, 'tcp', 'smb', 1500, 2_000_000_000, 4_000_000);
    if (hourOfDay >= 8 && hourOfDay < 18) {
      // cloud drive sync: uploads in every office hour (when files change, not on a clock), a habit
      for (let k = 0; k < 4; k++) {
        const ts = t + rnd() * 3600;
        const uid = id('C');
        conn(ts, uid, ws[9 % ws.length], '162.125.19.131', 443, 'tcp', 'ssl', 40 + rnd() * 60, int(10_000_000, 20_000_000), int(20_000, 60_000));
        ssl(ts, uid, ws[9 % ws.length], '162.125.19.131', 'content.dropboxapi.com');
      }
      // video streaming: large downloads from a CDN several hosts use, one of them all day
      for (let k = 0; k < 10; k++) {
        const src = k < 6 ? ws[6 % ws.length] : ws[(k * 7) % ws.length];
        const ts = t + rnd() * 3600;
        const uid = id('C');
        conn(ts, uid, src, '151.101.1.140', 443, 'tcp', 'ssl', 300 + rnd() * 300, int(20_000, 60_000), int(150_000_000, 300_000_000));
        ssl(ts, uid, src, '151.101.1.140', 'video.fastly-cdn.net');
      }
    }
  }
}

/** The planted rare destination: one workstation alone, an odd port, first seen in the evening, at irregular moments. */
function rareDestination(w: Writers): ZeekPlanted['rareDestination'] {
  const src = w.ws[19 % w.ws.length];
  const dst = '194.87.71.13';
  const at = [19.17, 19.6, 20.05, 20.9, 21.3, 21.75, 22.2, 22.67];
  for (const h of at) w.conn(w.start + h * 3600 + w.rnd() * 60, w.id('C'), src, dst, 8081, 'tcp', 'http', 2 + w.rnd() * 20, w.int(1500, 6000), w.int(2000, 9000));
  return { src, dst, port: 8081, connections: at.length };
}

/** A crawler-like host: 80 small sites on 443 that no other host visits, one to three connections each, over the day. */
function oneOffSites(rows: Record<string, Row[]>, w: Writers): void {
  const src = w.ws[11 % w.ws.length];
  for (let i = 0; i < 80; i++) {
    const dst = `${23 + (i % 60)}.${101 + i}.${(i * 53) % 250}.${20 + (i % 180)}`;
    const n = w.int(1, 3);
    for (let k = 0; k < n; k++) {
      const ts = w.start + w.rnd() * (w.end - w.start);
      const uid = w.id('C');
      w.conn(ts, uid, src, dst, 443, 'tcp', 'ssl', 0.3 + w.rnd() * 3, w.int(400, 1500), w.int(5000, 90000));
      rows.ssl.push({ ts, v: [ts + 0.01, uid, src, w.int(49152, 65000), dst, 443, 'TLSv13', 'TLS_AES_128_GCM_SHA256', `site${i}.example-shop.net`, 'T', `CN=site${i}.example-shop.net`, "CN=R3,O=Let's Encrypt,C=US", 'ok'] });
    }
  }
}

function zeekText(name: string, fields: [string, string][], rows: Row[], start: number): string {
  const stamp = (s: number) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');
  const cell = (v: string | number | null, type: string) => {
    if (v === null) return '-';
    if (type === 'time' || type === 'interval') return Number(v).toFixed(6);
    if (typeof v === 'number' && (type === 'count' || type === 'port')) return String(Math.round(v));
    return String(v);
  };
  const out = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${name}`, `#open\t${stamp(start)}`, `#fields\t${fields.map((f) => f[0]).join('\t')}`, `#types\t${fields.map((f) => f[1]).join('\t')}`];
  for (const r of rows) out.push(r.v.map((v, i) => cell(v, fields[i][1])).join('\t'));
  out.push(`#close\t${stamp(start + 86400)}`);
  return out.join('\n') + '\n';
}

/** Writes the capture's logs as DIR/<name>.log. */
export function writeZeek(dir: string, cap: ZeekCapture): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(cap.logs).map(([name, text]) => {
    const p = path.join(dir, `${name}.log`);
    fs.writeFileSync(p, text);
    return p;
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const cap = generateZeek({ seed: Number(arg('--seed') ?? 5), hosts: Number(arg('--hosts') ?? 40), hours: Number(arg('--hours') ?? 24) });
  const files = writeZeek(arg('--out') ?? 'zeek-capture', cap);
  process.stdout.write(`${files.join('\n')}\n${JSON.stringify(cap.planted, null, 2)}\n`);
}
