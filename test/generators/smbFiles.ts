/**
 * Seeded generator of a Zeek `smb_files` log in Zeek's TSV format, with the
 * header lines of the real log (test/fixtures/smb_files.log.gz: #separator,
 * #set_separator, #empty_field, #unset_field, #path, #open, #fields, #types;
 * #close at the end) and its 16 columns.
 *
 * Shape:
 * - `clients` workstations (10.1.0.x) talk to two file servers (10.1.1.5,
 *   10.1.1.6, port 445) on weekdays, sessions beginning in office hours
 *   (08:00–17:00 UTC); each session opens a few files on one share
 *   (`\\fs1\finance`, `\\fs1\hr`, …; backslashes escaped `\\` as Zeek writes
 *   them) and reads or writes each (FILE_OPEN then FILE_READ or FILE_WRITE,
 *   sometimes FILE_CLOSE); files per session 1 + Poisson(5), file sizes
 *   log-normal around 150 KB.
 * - like the real log, some sessions only open a named pipe (`\svcctl`,
 *   `\browser`, …) with size 0 and no share path.
 * - planted (unless `exfil: false`): one large late-night exfiltration
 *   session, 02:00–03:00 UTC on the third day, from a workstation to the
 *   finance share: `exfilFiles` files (default 400) opened and read, sizes
 *   log-normal around 4 MB (several GB in all).
 *
 * Deterministic: the same options give the same bytes (own PRNG).
 *
 * CLI: node out/test/generators/smbFiles.js [--seed 7] [--days 5] [--sessions 60] [--no-exfil] [--out FILE]
 */
import * as fs from 'node:fs';
import { mulberry32 } from './courseLog';

export interface SmbFilesOptions {
  /** PRNG seed, default 7. */
  seed?: number;
  /** Weekdays of traffic from `start`, default 5. */
  days?: number;
  /** First day, a Monday 'YYYY-MM-DD', default '2024-03-04'. */
  start?: string;
  /** Normal sessions per day, default 60. */
  sessionsPerDay?: number;
  /** Workstations, default 40. */
  clients?: number;
  /** Plant the late-night exfiltration session, default true. */
  exfil?: boolean;
  /** Files the exfiltration session reads, default 400. */
  exfilFiles?: number;
}

export interface PlantedExfil {
  uid: string;
  origHost: string;
  respHost: string;
  /** Epoch seconds of its first and last event. */
  first: number;
  last: number;
  files: number;
  /** Sum of `size` over its events (each file has an open and a read). */
  bytes: number;
}

export interface SmbFilesLog {
  text: string;
  /** Data lines (without the header and #close). */
  rows: number;
  sessions: number;
  exfil?: PlantedExfil;
}

export const SMB_FILES_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tsmb_files',
];
export const SMB_FILES_FIELDS = '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfuid\taction\tpath\tname\tsize\tprev_name\ttimes.modified\ttimes.accessed\ttimes.created\ttimes.changed';
export const SMB_FILES_TYPES = '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tenum\tstring\tstring\tcount\tstring\ttime\ttime\ttime\ttime';

const SHARES = [
  { server: '10.1.1.5', host: 'fs1', share: 'finance', dirs: ['Reports', 'Budget', 'Invoices\\2024'] },
  { server: '10.1.1.5', host: 'fs1', share: 'hr', dirs: ['Staff', 'Payroll'] },
  { server: '10.1.1.6', host: 'fs2', share: 'projects', dirs: ['Apollo', 'Borealis', 'Cygnus\\drafts'] },
  { server: '10.1.1.6', host: 'fs2', share: 'public', dirs: ['Templates', 'Forms'] },
];
const PIPES = ['\\\\svcctl', '\\\\browser', '\\\\srvsvc', '\\\\lsarpc'];
const EXTS = ['docx', 'xlsx', 'pdf', 'pptx', 'csv', 'txt'];
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateSmbFiles(opts: SmbFilesOptions = {}): SmbFilesLog {
  const rnd = mulberry32(opts.seed ?? 7);
  const days = opts.days ?? 5;
  const perDay = opts.sessionsPerDay ?? 60;
  const clients = opts.clients ?? 40;
  const start = Date.parse((opts.start ?? '2024-03-04') + 'T00:00:00Z') / 1000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const id = (prefix: string) => prefix + Array.from({ length: 17 }, () => B62[Math.floor(rnd() * 62)]).join('');
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const poisson = (mean: number) => {
    let k = 0;
    for (let p = Math.exp(-mean), s = rnd(); s > p; s *= rnd()) k++;
    return k;
  };
  const port = () => 49152 + Math.floor(rnd() * 16384);
  const client = (i: number) => `10.1.0.${10 + i}`;
  // Zeek writes times with 6 decimals and escapes a backslash as \\ in TSV
  const ts = (t: number) => t.toFixed(6);
  const esc = (s: string) => s.replace(/\\/g, '\\\\');
  const rows: { t: number; line: string }[] = [];
  const fileRow = (t: number, uid: string, oh: string, op: number, rh: string, fuid: string, action: string, path: string, name: string, size: number, mtime: number) =>
    rows.push({ t, line: [ts(t), uid, oh, op, rh, 445, fuid, action, path, name, size, '-', ts(mtime), ts(mtime + 3600), ts(mtime - 86400 * 30), ts(mtime)].join('\t') });
  let sessions = 0;

  for (let d = 0; d < days; d++) {
    const day = start + d * 86400;
    for (let s = 0; s < perDay; s++) {
      sessions++;
      const uid = id('C');
      const oh = client(Math.floor(rnd() * clients));
      const op = port();
      let t = day + 8 * 3600 + rnd() * 9 * 3600;
      if (rnd() < 0.2) {
        // a named pipe, as in the real log: no share, no size
        const rh = pick(SHARES).server;
        rows.push({ t, line: [ts(t), uid, oh, op, rh, 445, '-', 'SMB::FILE_OPEN', '-', pick(PIPES), 0, '-', '-', '-', '-', '-'].join('\t') });
        continue;
      }
      const sh = pick(SHARES);
      const path = esc(`\\\\${sh.host}\\${sh.share}`);
      const files = 1 + poisson(5);
      for (let f = 0; f < files; f++) {
        const name = esc(`${pick(sh.dirs)}\\${id('doc').slice(3, 11)}.${pick(EXTS)}`);
        const size = Math.round(150_000 * Math.exp(1.0 * gauss()));
        const mtime = t - 86400 * (1 + rnd() * 200);
        const fuid = id('F');
        fileRow(t, uid, oh, op, sh.server, '-', 'SMB::FILE_OPEN', path, name, size, mtime);
        t += 0.05 + rnd() * 2;
        fileRow(t, uid, oh, op, sh.server, fuid, rnd() < 0.75 ? 'SMB::FILE_READ' : 'SMB::FILE_WRITE', path, name, size, mtime);
        if (rnd() < 0.3) {
          t += 0.01 + rnd() * 0.5;
          fileRow(t, uid, oh, op, sh.server, '-', 'SMB::FILE_CLOSE', path, name, size, mtime);
        }
        t += 5 + rnd() * 120;
      }
    }
  }

  let exfil: PlantedExfil | undefined;
  if (opts.exfil ?? true) {
    sessions++;
    const uid = id('C');
    const oh = client(Math.floor(rnd() * clients));
    const op = port();
    const sh = SHARES[0];
    const path = esc(`\\\\${sh.host}\\${sh.share}`);
    const n = opts.exfilFiles ?? 400;
    const first = start + 2 * 86400 + 2 * 3600 + 600 + rnd() * 60;
    let t = first;
    let bytes = 0;
    for (let f = 0; f < n; f++) {
      const name = esc(`${pick(sh.dirs)}\\${id('x').slice(1, 9)}.${pick(EXTS)}`);
      const size = Math.round(4_000_000 * Math.exp(0.8 * gauss()));
      const mtime = t - 86400 * (1 + rnd() * 400);
      fileRow(t, uid, oh, op, sh.server, '-', 'SMB::FILE_OPEN', path, name, size, mtime);
      t += 0.01 + rnd() * 0.2;
      fileRow(t, uid, oh, op, sh.server, id('F'), 'SMB::FILE_READ', path, name, size, mtime);
      bytes += 2 * size;
      if (f < n - 1) t += (2700 - 0.2 * n) / n + rnd() * 0.2; // about 45 minutes in all
    }
    exfil = { uid, origHost: oh, respHost: sh.server, first, last: t, files: n, bytes };
  }

  rows.sort((a, b) => a.t - b.t);
  const iso = (t: number) => new Date(t * 1000).toISOString().replace(/T/, '-').replace(/:/g, '-').slice(0, 19);
  const lastT = rows.length ? rows[rows.length - 1].t : start;
  const text = [...SMB_FILES_HEADER, `#open\t${iso(start)}`, SMB_FILES_FIELDS, SMB_FILES_TYPES, ...rows.map((r) => r.line), `#close\t${iso(lastT + 60)}`].join('\n') + '\n';
  return { text, rows: rows.length, sessions, exfil };
}

function main(argv: string[]): void {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    if (a === '--no-exfil') args.exfil = 'no';
    else if (a === '--help') args.help = '';
    else args[a.slice(2)] = argv[++i] ?? '';
  }
  if ('help' in args) {
    process.stdout.write('usage: smbFiles.js [--seed 7] [--days 5] [--sessions 60] [--clients 40] [--exfil-files 400] [--no-exfil] [--out FILE]\n');
    return;
  }
  const num = (k: string, dflt: number) => {
    const v = Number(args[k] ?? dflt);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a non-negative integer, got ${args[k]}`);
    return v;
  };
  const log = generateSmbFiles({ seed: num('seed', 7), days: num('days', 5), sessionsPerDay: num('sessions', 60), clients: Math.max(1, num('clients', 40)), exfil: args.exfil !== 'no', exfilFiles: num('exfil-files', 400) });
  if (args.out) fs.writeFileSync(args.out, log.text);
  else process.stdout.write(log.text);
  if (log.exfil) process.stderr.write(`planted exfiltration session ${log.exfil.uid} from ${log.exfil.origHost}: ${log.exfil.files} files, ${log.exfil.bytes} bytes\n`);
}

if (require.main === module) main(process.argv.slice(2));
