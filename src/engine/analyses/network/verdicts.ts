/**
 * Zeek's own verdicts and Kerberos' error codes: notice.log and weird.log
 * rows become findings as they are (type, message, source, destination),
 * weighed by what the notice type means; Kerberos errors read for what they
 * say (pre-authentication required is how every Windows logon begins; many
 * unknown principals from one host is user enumeration). Risks:
 * docs/risk/network.md.
 */
import type { SqlValue } from '../../store/database';
import type { Analysis, BenignContext, Finding } from '../../findings/model';
import { quoteIdent } from '../../store/names';
import { columnNamed } from './common';
import { linkedRows, linkedText } from './zeekLinks';

/** Risk of a notice type, from what Zeek's scripts mean by it (the middle of a band, as for a rule's stated severity). */
export function noticeRisk(note: string): number {
  const n = note.toLowerCase();
  if (/malwarehash|malware|teamcymru|intel::notice|c2|backdoor/.test(n)) return 95;
  if (/sql_injection_attacker|password_guessing|bruteforc|exploit|shellshock|heartbleed|ssl_heartbeat_attack/.test(n)) return 85;
  if (/sql_injection_victim|scan::|address_scan|port_scan|sensitive|dns_tunnel|exfil|suspicious/.test(n)) return 60;
  if (/invalid_server_cert|certificate_expired|certificate_not_valid|weak_key|old_version|weak_cipher|self_signed/.test(n)) return 30;
  if (/software::|known_|conn::retransmission|capture_loss|packetfilter|weird::/.test(n)) return 15;
  return 50;
}

export const zeekNotices: Analysis = {
  id: 'zeek-notices',
  title: "Zeek's notices",
  description: "Each notice type from a source to a destination in Zeek's notice.log, as Zeek raised it (note, msg, src, dst), weighed by what the type means: a malware hash match or an SQL injection attacker is loud, an invalid certificate on a lab appliance is not.",
  needs: ['time'],
  shape: (t) => (columnNamed(t, 'note') && columnNamed(t, 'msg') ? undefined : 'not a Zeek notice log (no note and msg columns)'),
  params: [],
  run(cx) {
    const t = cx.table;
    const c = (n: string) => (columnNamed(t, n) ? quoteIdent(columnNamed(t, n)!) : 'NULL');
    const src = `coalesce(${c('src')}, ${c('id.orig_h')})`;
    const dst = `coalesce(${c('dst')}, ${c('id.resp_h')})`;
    const rows = cx.query(`SELECT ${c('note')}, ${src} AS s, ${dst} AS d, count(*), min(_time), max(_time), min(${c('msg')}), min(${c('uid')}), min(${c('fuid')}) FROM ${cx.t} WHERE ${c('note')} IS NOT NULL GROUP BY 1, 2, 3`).rows;
    const perNote = new Map<string, Set<string>>();
    for (const r of rows) perNote.set(String(r[0]), (perNote.get(String(r[0])) ?? new Set()).add(String(r[1])));
    const findings: Finding[] = [];
    for (const [note, s, d, n, first, last, msg, uid, fuid] of rows) {
      const entity = s !== null ? { kind: 'ip' as const, value: String(s) } : d !== null ? { kind: 'ip' as const, value: String(d) } : { kind: 'row' as const, value: String(note) };
      const links = linkedRows(cx, { uids: uid ? [String(uid)] : [], fuids: fuid ? [String(fuid)] : [] });
      const risk = noticeRisk(String(note));
      const where = `${c('note')} = ? AND ${src} IS ? AND ${dst} IS ?`;
      findings.push({
        id: `zeek-notices:${t.table}:${entity.kind}:${entity.value}:${note}:${d}`,
        analysis: 'zeek-notices',
        entity,
        score: Number(n),
        risk,
        severity: 'info',
        reason: `Zeek raised ${note}${Number(n) > 1 ? ` ${n}×` : ''} for ${s ?? '?'}${d !== null ? ` → ${d}` : ''}: ${msg}${first === last ? ` (at ${first})` : ` (${first} – ${last})`}${links.length ? `; ${linkedText(links, 2)}` : ''}`,
        metrics: { note: String(note), message: String(msg ?? ''), source: s === null ? null : String(s), destination: d === null ? null : String(d), count: Number(n), sourcesWithThisNote: perNote.get(String(note))!.size, linked: links.length ? linkedText(links) : null },
        evidence: cx.evidence(where, [note, s, d]),
        ...(d !== null && s !== null ? { related: [{ kind: 'ip' as const, value: String(d) }] } : {}),
        explain: { baseline: `Zeek's own verdict; the type ${note} weighs ${risk} on the risk scale (docs/risk/network.md)` },
      });
    }
    return { findings, tables: [{ title: 'Notices by type', columns: ['note', 'sources'], rows: [...perNote].map(([k, v]) => [k, v.size]) }], charts: [] };
  },
};

/** weird.log names that are protocol violations worth a look rather than capture noise. */
const LOUD_WEIRD = /dns_unmatched|DNS_truncated_len_lt_hdr_len|bad_HTTP_request_with_version|unknown_HTTP_method|SYN_with_data|data_before_established|Possible_split_routing|bad_TCP_checksum|excessively_large_fragment|fragment_overlap|illegal_encoding|base64_illegal_encoding|inappropriate_FIN/i;

export const zeekWeird: Analysis = {
  id: 'zeek-weird',
  title: "Zeek's weird.log: protocol oddities",
  description: "Each weird name per source in Zeek's weird.log (name, addl, source, destination). Most are capture artefacts (routine, info); protocol violations such as an unknown HTTP method are low.",
  needs: ['time'],
  shape: (t) => (columnNamed(t, 'name') && columnNamed(t, 'addl') ? undefined : 'not a Zeek weird log (no name and addl columns)'),
  params: [{ name: 'max', description: 'most findings (busiest name–source pairs first)', default: 300 }],
  run(cx) {
    const t = cx.table;
    const c = (n: string) => (columnNamed(t, n) ? quoteIdent(columnNamed(t, n)!) : 'NULL');
    const rows = cx.query(`SELECT ${c('name')}, ${c('id.orig_h')}, count(*), count(DISTINCT ${c('id.resp_h')}), min(_time), max(_time), min(${c('addl')}) FROM ${cx.t} WHERE ${c('name')} IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?`, [Math.max(1, cx.num('max'))]).rows;
    const findings: Finding[] = rows.map(([name, s, n, dsts, first, last, addl]) => {
      const loud = LOUD_WEIRD.test(String(name));
      const entity = s !== null ? { kind: 'ip' as const, value: String(s) } : { kind: 'row' as const, value: String(name) };
      const context: BenignContext[] = loud ? [] : [{ kind: 'routine', text: `${name} is a capture or stack artefact Zeek notes for completeness` }];
      return {
        id: `zeek-weird:${t.table}:${entity.kind}:${entity.value}:${name}`,
        analysis: 'zeek-weird',
        entity,
        score: Number(n),
        risk: loud ? 30 : 10,
        severity: 'info',
        reason: `Zeek found ${name} ${n}× from ${s ?? '?'} towards ${dsts} destination(s)${addl ? ` (${addl})` : ''}, ${first === last ? `at ${first}` : `${first} – ${last}`}`,
        metrics: { name: String(name), count: Number(n), destinations: Number(dsts) },
        evidence: cx.evidence(`${c('name')} = ? AND ${c('id.orig_h')} IS ?`, [name, s]),
        ...(context.length ? { context } : {}),
      };
    });
    return { findings, tables: [], charts: [] };
  },
};

/** Kerberos errors that are part of an ordinary exchange, not a failed logon. */
export const ROUTINE_KERBEROS = ['KDC_ERR_PREAUTH_REQUIRED', 'KDC_ERR_BADOPTION', 'KRB_ERR_RESPONSE_TOO_BIG', 'KDC_ERR_S_PRINCIPAL_UNKNOWN'];

export const kerberosErrors: Analysis = {
  id: 'kerberos-errors',
  title: 'Kerberos errors read for what they mean',
  description:
    'Kerberos error codes per source: pre-authentication required (and BADOPTION, RESPONSE_TOO_BIG) are routine steps of a logon, not failures; many unknown client principals (KDC_ERR_C_PRINCIPAL_UNKNOWN) from one host is user enumeration; wrong passwords (KDC_ERR_PREAUTH_FAILED) are failed logons.',
  needs: ['ip', 'time'],
  shape: (t) => (columnNamed(t, 'error_msg', 'error_code') && columnNamed(t, 'client') && columnNamed(t, 'request_type', 'service') ? undefined : 'not a Kerberos log (no client, request_type and error_msg columns)'),
  params: [{ name: 'minPrincipals', description: 'fewest unknown principals from one host for enumeration', default: 5 }],
  run(cx) {
    const src = cx.col('ip');
    const err = quoteIdent(columnNamed(cx.table, 'error_msg', 'error_code')!);
    const client = quoteIdent(columnNamed(cx.table, 'client')!);
    const rows = cx.query(`SELECT ${src}, ${err}, count(*), count(DISTINCT ${client}), min(_time), max(_time) FROM ${cx.t} WHERE ${err} IS NOT NULL AND ${src} IS NOT NULL GROUP BY 1, 2`).rows;
    const findings: Finding[] = [];
    for (const [s, e, n, principals, first, last] of rows) {
      const code = String(e).toUpperCase();
      const routine = ROUTINE_KERBEROS.includes(code);
      const unknown = code === 'KDC_ERR_C_PRINCIPAL_UNKNOWN';
      const enumeration = unknown && Number(principals) >= cx.num('minPrincipals');
      const wrongPassword = code === 'KDC_ERR_PREAUTH_FAILED';
      const risk = routine ? 5 : enumeration ? Math.min(95, 60 + 5 * Math.log2(Number(principals))) : wrongPassword ? Math.min(80, 30 + 5 * Number(n)) : 25;
      // the first names in line order, so that every store gives the same
      const firstNames = cx.table.columns.some((c) => c.name === '_line') ? `SELECT ${client} FROM ${cx.t} WHERE ${src} = ? AND ${err} = ? GROUP BY 1 ORDER BY min(_line) LIMIT 3` : `SELECT DISTINCT ${client} FROM ${cx.t} WHERE ${src} = ? AND ${err} = ? LIMIT 3`;
      const examples: SqlValue[] = enumeration ? cx.query(firstNames, [s, e]).rows.map((r) => r[0]) : [];
      const meaning = routine
        ? 'a routine step of a Kerberos logon (the client is told to pre-authenticate, or to retry), not a failure'
        : enumeration
          ? `user enumeration: ${principals} names the domain does not know (e.g. ${examples.join(', ')})`
          : wrongPassword
            ? 'wrong passwords'
            : 'a Kerberos error';
      findings.push({
        id: `kerberos-errors:${cx.table.table}:ip:${s}:${code}`,
        analysis: 'kerberos-errors',
        entity: { kind: 'ip', value: String(s) },
        score: Number(n),
        risk,
        severity: 'info',
        reason: `${s}: ${code} ${n}× for ${principals} principal(s), ${first === last ? `at ${first}` : `${first} – ${last}`}: ${meaning}`,
        metrics: { code, count: Number(n), principals: Number(principals) },
        evidence: cx.evidence(`${src} = ? AND ${err} = ?`, [s, e]),
        ...(routine ? { context: [{ kind: 'routine' as const, text: `${code} is part of every ordinary Kerberos exchange` }] } : {}),
      });
    }
    return { findings, tables: [], charts: [] };
  },
};
