/**
 * What was carried: executables under a misleading name (Zeek files.log or
 * http.log, whose MIME types Zeek sniffs from the bytes), user agents one
 * host alone sends, and invalid or self-signed certificates of servers few
 * hosts use (ssl.log). Risks: docs/risk/network.md.
 */
import type { TableInfo } from '../../ingest/build';
import type { SqlValue } from '../../store/database';
import type { Analysis, AnalysisContext, BenignContext, Finding } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { bytesText, columnNamed } from './common';
import { linkedRows, linkedText, zeekKind } from './zeekLinks';

const EXEC_MIME = ['application/x-dosexec', 'application/x-executable', 'application/x-msdownload', 'application/x-mach-o-executable', 'application/x-elf', 'application/x-sharedlib', 'application/vnd.microsoft.portable-executable', 'application/x-msdos-program', 'application/x-pie-executable'];
const EXEC_EXT = new Set(['exe', 'dll', 'sys', 'scr', 'msi', 'com', 'bin', 'elf', 'so', 'drv', 'ocx', 'cpl', 'efi', 'msu', 'msp', 'mui', 'ax', 'node', 'dylib', 'run', 'out', 'apk']);
/** Extensions of documents, images and archives: an executable under one of them is disguised. */
const DOC_EXT = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'txt', 'csv', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'ico', 'svg', 'webp', 'mp3', 'mp4', 'avi', 'zip', 'rar', '7z', 'gz', 'tar', 'html', 'htm', 'css', 'js', 'json', 'xml', 'php', 'asp', 'aspx', 'jsp', 'dat', 'tmp', 'log', 'cab']);

/**
 * The URI an HTTP log of the capture fetched a file by (its fuid in resp_fuids): Zeek's files.log names
 * a file only when the server sent Content-Disposition, so most downloads have no filename there.
 */
function uriOfFile(cx: AnalysisContext, fuid: string): string | undefined {
  for (const t of cx.tables()) {
    if (t.table === cx.table.table || zeekKind(t) !== 'http' || !columnNamed(t, 'resp_fuids')) continue;
    const r = cx.query(`SELECT ${quoteIdent('uri')} FROM ${quoteIdent(t.table)} WHERE instr(${quoteIdent('resp_fuids')}, ?) > 0 AND ${quoteIdent('uri')} IS NOT NULL LIMIT 1`, [fuid]).rows;
    if (r.length) return String(r[0][0]);
  }
  return undefined;
}

const extOf = (name: string) => {
  const base = name.split(/[?#]/)[0].split('/').pop() ?? '';
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(base);
  return { base, ext: m ? m[1].toLowerCase() : '' };
};

function filesShape(t: TableInfo): string | undefined {
  if (columnNamed(t, 'mime_type') && columnNamed(t, 'filename', 'fuid')) return undefined;
  if (columnNamed(t, 'resp_mime_types') && columnNamed(t, 'uri')) return undefined;
  return 'no sniffed MIME type with a file name or URI (Zeek files.log or http.log)';
}

export const disguisedExecutables: Analysis = {
  id: 'disguised-executables',
  title: 'Executables under a misleading name',
  description: "Files whose bytes are a program (the MIME type Zeek sniffs: application/x-dosexec, x-executable…) named as a document, image or archive (invoice.pdf), or with no extension; the download's connection and HTTP request are joined by uid/fuid.",
  needs: ['time'],
  shape: filesShape,
  params: [],
  run(cx) {
    const t = cx.table;
    const files = !!columnNamed(t, 'mime_type');
    const mime = quoteIdent(columnNamed(t, 'mime_type', 'resp_mime_types')!);
    const name = quoteIdent(columnNamed(t, ...(files ? ['filename'] : []), 'uri') ?? 'fuid');
    const host = columnNamed(t, 'host');
    const rx = columnNamed(t, 'rx_hosts', 'id.orig_h');
    const tx = columnNamed(t, 'tx_hosts', 'id.resp_h');
    const fuidCol = columnNamed(t, files ? 'fuid' : 'resp_fuids');
    const size = columnNamed(t, 'seen_bytes', 'total_bytes', 'response_body_len');
    const cond = `(${EXEC_MIME.map(() => `instr(lower(${mime}), ?) > 0`).join(' OR ')})`;
    const r = cx.query(`SELECT _line, ${mime}, ${name}, ${[host, rx, tx, fuidCol, size, 'uid', 'conn_uids'].map((c) => (c && t.columns.some((x) => x.name === c) ? quoteIdent(c) : 'NULL')).join(', ')}, _time FROM ${cx.t} WHERE ${cond} LIMIT 2000`, EXEC_MIME);
    const findings: Finding[] = [];
    for (const [line, m, named, h, rcv, snd, fu, sz, uid, cuids, time] of r.rows) {
      const n = named ?? (files && fu ? uriOfFile(cx, String(fu).split(',')[0]) : undefined) ?? null;
      const { base, ext } = extOf(String(n ?? ''));
      if (EXEC_EXT.has(ext)) continue;
      const disguised = DOC_EXT.has(ext);
      const value = base || String(fu ?? line);
      const links = linkedRows(cx, { uids: [uid, ...String(cuids ?? '').split(',')].filter((x): x is string => typeof x === 'string' && x !== '' && x !== 'null'), fuids: String(fu ?? '').split(',').filter(Boolean) });
      findings.push({
        id: `disguised-executables:${t.table}:resource:${value}:${line}`,
        analysis: 'disguised-executables',
        entity: { kind: 'resource', value },
        score: disguised ? 2 : 1,
        risk: disguised ? 85 : 60,
        severity: 'info',
        reason: `${rcv ?? 'a host'} received ${h ? `${h}` : ''}${n ?? value}${sz !== null && sz !== undefined ? ` (${bytesText(Number(sz))})` : ''} whose bytes are a program (${m})${disguised ? `, named as a .${ext} file` : ext ? `, named .${ext}` : ', with no extension'}${snd ? `, from ${snd}` : ''}, at ${time}${links.length ? `; ${linkedText(links, 3)}` : ''}`,
        metrics: { mime: String(m), name: String(n ?? ''), extension: ext || null, from: snd === null ? null : String(snd), to: rcv === null ? null : String(rcv), bytes: sz === null ? null : Number(sz), linked: links.length ? linkedText(links) : null },
        evidence: cx.evidence('_line = ?', [line]),
        related: [rcv, snd].filter((x): x is string => typeof x === 'string' && /^[\d.:a-f]+$/i.test(x)).map((v) => ({ kind: 'ip' as const, value: v })),
        explain: { counterfactual: disguised ? `named .exe (or another program's extension) it would not be a finding` : undefined },
      });
    }
    return { findings, tables: [], charts: [] };
  },
};

const TOOL_UA = /curl|wget|python|go-http|powershell|java\/|libwww|okhttp|nmap|sqlmap|nikto|masscan|zgrab|httpclient|winhttp|bitsadmin|certutil|^$/i;

export const rareUserAgents: Analysis = {
  id: 'rare-user-agents',
  title: 'User agents one host alone sends',
  description: 'HTTP user agents seen from one host only and in few requests; a tool or an implant announces itself (python-requests, curl, PowerShell) or makes up a browser.',
  needs: ['ip', 'time'],
  shape: (t) => (columnNamed(t, 'user_agent', 'useragent', 'http_user_agent') ? undefined : 'no user agent column'),
  params: [{ name: 'maxShare', description: 'largest share of requests a rare user agent may have', default: 0.01 }],
  run(cx) {
    const src = cx.col('ip');
    const ua = quoteIdent(columnNamed(cx.table, 'user_agent', 'useragent', 'http_user_agent')!);
    const total = Number(cx.query(`SELECT count(*) FROM ${cx.t}`).rows[0][0]);
    const hosts = Number(cx.query(`SELECT count(DISTINCT ${src}) FROM ${cx.t}`).rows[0][0]);
    const rows = cx.query(`SELECT ${ua}, count(DISTINCT ${src}), count(*), min(${src}) FROM ${cx.t} WHERE ${ua} IS NOT NULL GROUP BY 1 HAVING count(DISTINCT ${src}) = 1`).rows;
    const findings: Finding[] = [];
    if (hosts < 5) return { findings, tables: [], charts: [] };
    for (const [u, , n, s] of rows) {
      if (Number(n) > cx.num('maxShare') * total && Number(n) > 100) continue;
      const tool = TOOL_UA.test(String(u));
      findings.push({
        id: `rare-user-agents:${cx.table.table}:ip:${s}:${u}`,
        analysis: 'rare-user-agents',
        entity: { kind: 'ip', value: String(s) },
        score: Number(n),
        risk: tool ? 55 : 30,
        severity: 'info',
        reason: `${s} alone of ${hosts} hosts sends the user agent "${u}" (${n} requests)${tool ? ', a tool or script rather than a browser' : ''}`,
        metrics: { userAgent: String(u), requests: Number(n), hosts },
        evidence: cx.evidence(`${ua} = ? AND ${src} = ?`, [u, s]),
      });
    }
    return { findings, tables: [], charts: [] };
  },
};

export const invalidCertificates: Analysis = {
  id: 'invalid-certificates',
  title: 'Self-signed or invalid certificates of servers few hosts use',
  description: "TLS servers whose certificate did not validate (Zeek ssl.log's validation_status: self signed, unknown issuer, expired), by how many hosts use them: a rare server with a self-signed certificate is a classic C2 endpoint; a lab appliance everyone reaches is routine.",
  needs: ['ip', 'destination', 'time'],
  shape: (t) => (columnNamed(t, 'validation_status') ? undefined : 'no validation_status column (Zeek ssl.log)'),
  params: [{ name: 'maxHosts', description: 'most hosts using a server for it to be rare', default: 2 }],
  run(cx) {
    const src = cx.col('ip');
    const dst = cx.col('destination');
    const vs = quoteIdent(columnNamed(cx.table, 'validation_status')!);
    const sni = columnNamed(cx.table, 'server_name');
    const rows = cx.query(
      `SELECT ${dst}, ${vs}, count(DISTINCT ${src}), count(*), min(${src}), ${sni ? `max(${quoteIdent(sni)})` : 'NULL'} FROM ${cx.t} WHERE ${dst} IS NOT NULL AND ${vs} IS NOT NULL AND lower(${vs}) <> 'ok' GROUP BY 1, 2`,
    ).rows;
    const usersOf = new Map(cx.query(`SELECT ${dst}, count(DISTINCT ${src}) FROM ${cx.t} WHERE ${dst} IS NOT NULL GROUP BY 1`).rows.map((r) => [String(r[0]), Number(r[1])]));
    const maxHosts = cx.num('maxHosts');
    // a status most servers get says more about the sensor (no CA bundle: "unable to get local issuer certificate") than about a server
    const servers = usersOf.size;
    const serversWith = new Map<string, number>();
    for (const r of rows) serversWith.set(String(r[1]), (serversWith.get(String(r[1])) ?? 0) + 1);
    const findings: Finding[] = [];
    for (const [d, status, , n, firstSrc, name] of rows) {
      const users = usersOf.get(String(d)) ?? 0;
      const sensor = servers >= 10 && (serversWith.get(String(status)) ?? 0) / servers >= 0.2;
      const rare = users <= maxHosts && !sensor;
      const selfSigned = /self.signed/i.test(String(status));
      const context: BenignContext[] = sensor
        ? [{ kind: 'routine', text: `${serversWith.get(String(status))} of ${servers} servers get "${status}": the sensor cannot validate, the server is not singled out` }]
        : rare
          ? []
          : [{ kind: 'popular', text: `${users} hosts reach ${d}: an appliance or service of the site with its own certificate` }];
      const srcs: SqlValue[] = rare ? cx.query(`SELECT DISTINCT ${src} FROM ${cx.t} WHERE ${dst} = ? LIMIT 3`, [d]).rows.map((r) => r[0]) : [firstSrc];
      for (const s of srcs) {
        findings.push({
          id: `invalid-certificates:${cx.table.table}:ip:${s}->${d}:${status}`,
          analysis: 'invalid-certificates',
          entity: { kind: 'ip', value: String(s) },
          score: Number(n),
          risk: rare ? (selfSigned ? 60 : 50) : 20,
          severity: 'info',
          reason: `${s} → ${d}${name ? ` (${name})` : ''}: certificate ${status} on ${n} connection(s); ${users} host(s) in all use this server${rare ? ', a rare one' : ''}`,
          metrics: { server: String(d), serverName: name === null ? null : String(name), status: String(status), connections: Number(n), hostsUsingServer: users },
          evidence: cx.evidence(`${dst} = ? AND ${vs} = ? AND ${src} = ?`, [d, status, s]),
          related: [{ kind: 'ip', value: String(d) }],
          ...(context.length ? { context } : {}),
        });
      }
    }
    return { findings, tables: [], charts: [] };
  },
};
