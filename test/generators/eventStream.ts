/**
 * Seeded generator of an e-mail / sign-in event stream (JSON Lines), with
 * planted cases for the event-stream investigations (issue #7).
 *
 * One JSON object per line, ordered by time:
 *   {"time":"2024-03-04T08:51:10Z","user":"alice@example.com","event":"signin","src_ip":"81.2.69.171"}
 *   {"time":"2024-03-04T09:02:44Z","user":"alice@example.com","event":"send","src_ip":"81.2.69.171",
 *    "recipients":2,"attachments":1,"attachment_names":["budget.xlsx"]}
 * Every event carries the client's `src_ip` (mail is submitted from the same
 * machine one signs in from); sign-ins have no recipients or attachments.
 *
 * Shape:
 * - each user has a home network among the IPv4 networks of MaxMind's test
 *   database that have a location (NETWORKS; rows of
 *   test/fixtures/GeoLite2-City-Test.flattened.csv) and one or two addresses
 *   in it; normal users never leave it, so the only impossible trip is the
 *   planted one;
 * - sends per day are Poisson with a per-user mean of 10–25 on weekdays and a
 *   tenth of that at weekends; recipients per send are 1 + Poisson (per-user
 *   mean 0.5–2.5), at most 10 for normal sends; 30 % of sends carry 1 + Poisson(0.3)
 *   attachments (.pdf, .docx, .xlsx, …; 0.3 % of names are .exe or .js);
 * - 1 + Poisson(0.4) sign-ins on each day with sends;
 * - users work office hours in their time zone (a fixed standard offset per
 *   network, no daylight saving): 85 % of events 08:00–18:00 local, 12 % in
 *   the evening, 3 % at night.
 *
 * Planted (exported as PLANTED / plantedCases(), THREAT_IPS): a rule hit (25
 * recipients and an .exe), a sign-in from a threat-list IP, a per-user volume
 * spike, a population outlier, an impossible trip (London, then Changchun one
 * hour later), a working-hours shift (daytime to night in the last 14 days).
 * Planted users are otherwise normal; their generated events near the
 * trip and the threat sign-in are left out so that no second, unplanted
 * impossible leg appears.
 *
 * CLI: node out/test/generators/eventStream.js [--seed 7] [--users 40] [--days 56] [--start 2024-03-04] [--out FILE.jsonl[.gz]]
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { mulberry32 } from './courseLog';

export interface EmailEvent {
  time: string;
  user: string;
  event: 'send' | 'signin';
  src_ip: string;
  recipients?: number;
  attachments?: number;
  attachment_names?: string[];
}

export interface EventStreamOptions {
  /** PRNG seed, default 7 */
  seed?: number;
  /** number of users, at least 10 (default 40) */
  users?: number;
  /** number of days, at least 42 (default 56) */
  days?: number;
  /** first day, YYYY-MM-DD (default 2024-03-04, a Monday) */
  start?: string;
}

export const EVENT_STREAM_DEFAULTS: Required<EventStreamOptions> = { seed: 7, users: 40, days: 56, start: '2024-03-04' };

export interface Network {
  cidr: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  /** standard UTC offset in hours of the network's time zone */
  utcOffset: number;
}

/** IPv4 networks of MaxMind's GeoLite2-City test database that have a location (same figures as the flattened CSV). */
export const NETWORKS = {
  london: { cidr: '81.2.69.160/27', country: 'GB', city: 'London', latitude: 51.5142, longitude: -0.0931, utcOffset: 0 },
  boxford: { cidr: '2.125.160.216/29', country: 'GB', city: 'Boxford', latitude: 51.75, longitude: -1.25, utcOffset: 0 },
  linkoping: { cidr: '89.160.20.128/25', country: 'SE', city: 'Linköping', latitude: 58.4167, longitude: 15.6167, utcOffset: 1 },
  milton: { cidr: '216.160.83.56/29', country: 'US', city: 'Milton', latitude: 47.2513, longitude: -122.3149, utcOffset: -8 },
  sanDiego: { cidr: '214.78.0.0/19', country: 'US', city: 'San Diego', latitude: 32.6783, longitude: -117.1291, utcOffset: -8 },
  philippines: { cidr: '202.196.224.0/20', country: 'PH', city: '', latitude: 13, longitude: 122, utcOffset: 8 },
  changchun: { cidr: '175.16.199.0/24', country: 'CN', city: 'Changchun', latitude: 43.88, longitude: 125.3228, utcOffset: 8 },
  bhutan: { cidr: '67.43.156.0/24', country: 'BT', city: '', latitude: 27.5, longitude: 90.5, utcOffset: 6 },
} as const satisfies Record<string, Network>;

/** Networks users live in; Changchun and Bhutan are only used by the planted cases. */
const HOME_NETWORKS: Network[] = [NETWORKS.london, NETWORKS.boxford, NETWORKS.linkoping, NETWORKS.milton, NETWORKS.sanDiego, NETWORKS.philippines];

/** The threat list: one sign-in comes from its first address (Bhutan test network). */
export const THREAT_IPS: readonly string[] = ['67.43.156.13', '203.0.113.66'];

const FIRST_NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'nina', 'oscar', 'peggy', 'quentin', 'rupert',
  'sybil', 'trent', 'ursula', 'victor', 'walter', 'xena', 'yusuf', 'zoe', 'amir', 'bianca', 'chen', 'dmitri', 'elena', 'farid', 'greta', 'hiro',
  'ingrid', 'jamal', 'kofi', 'lena', 'marta', 'nils', 'olga', 'pablo',
];
const DOMAIN = '@example.com';

/** User names of a stream: the first names above, then user041@example.com and so on. */
export function userNames(users = EVENT_STREAM_DEFAULTS.users): string[] {
  return Array.from({ length: users }, (_, i) => (i < FIRST_NAMES.length ? FIRST_NAMES[i] : `user${String(i + 1).padStart(3, '0')}`) + DOMAIN);
}

export interface PlantedCases {
  /** one send with 25 recipients and an .exe attachment; `rule` finds it and nothing else */
  ruleHit: { user: string; time: string; recipients: number; attachmentNames: string[]; rule: { name: string; condition: string; severity: 'high'; entity: string } };
  /** a sign-in from THREAT_IPS[0] on a Saturday night, 12 h away from the user's other events */
  threatIp: { user: string; time: string; ip: string };
  /** extra sends on one weekday: that day is about 6× the user's mean, far above 3× the expanding mean */
  volumeSpike: { user: string; day: string; extraSends: number; extraAttachments: number };
  /** a user who sends about 120 mails a weekday where the others send 10–25 */
  populationOutlier: { user: string; dailyRate: number };
  /** sign-in in London then in Changchun an hour later (about 8,180 km by haversine) */
  impossibleTrip: { user: string; from: { ip: string; time: string; city: string }; to: { ip: string; time: string; city: string }; km: number };
  /** a London user who works 08–18 UTC until `since`, then 22–06 UTC for the last 14 days */
  workingHoursShift: { user: string; since: string; baselineHours: [number, number]; recentHours: [number, number] };
}

const DAY_MS = 86_400_000;
const dayNumber = (iso: string): number => Math.floor(Date.parse(iso + 'T00:00:00Z') / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isoTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
const dow = (day: number) => (day + 4) % 7; // day 0 = 1970-01-01, a Thursday; 0 = Sunday
const isWeekend = (day: number) => dow(day) === 0 || dow(day) === 6;

function checked(opts: EventStreamOptions): Required<EventStreamOptions> {
  const o = { ...EVENT_STREAM_DEFAULTS, ...opts };
  if (!Number.isInteger(o.users) || o.users < 10) throw new Error(`users must be an integer ≥ 10, got ${o.users}`);
  if (!Number.isInteger(o.days) || o.days < 42) throw new Error(`days must be an integer ≥ 42, got ${o.days}`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${o.seed}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.start) || Number.isNaN(dayNumber(o.start))) throw new Error(`start must be YYYY-MM-DD, got ${o.start}`);
  return o;
}

/** The planted cases of a stream with these options (times depend on the start day and length). */
export function plantedCases(opts: EventStreamOptions = {}): PlantedCases {
  const o = checked(opts);
  const first = dayNumber(o.start);
  const weekdayFrom = (k: number) => {
    let d = first + k;
    while (isWeekend(d)) d++;
    return d;
  };
  const saturdayFrom = (k: number) => {
    let d = first + k;
    while (dow(d) !== 6) d++;
    return d;
  };
  const at = (day: number, h: number, m = 0, s = 0) => isoTime(day * DAY_MS + ((h * 60 + m) * 60 + s) * 1000);
  const u = (name: string) => name + DOMAIN;
  const trip = weekdayFrom(30);
  return {
    ruleHit: {
      user: u('mallory'),
      time: at(weekdayFrom(25), 14, 23, 5),
      recipients: 25,
      attachmentNames: ['invoice.exe'],
      rule: { name: 'exe to many', condition: "recipients > 10 AND attachment_names LIKE '%.exe%'", severity: 'high', entity: 'user' },
    },
    threatIp: { user: u('trent'), time: at(saturdayFrom(17), 3, 12, 40), ip: THREAT_IPS[0] },
    volumeSpike: { user: u('sybil'), day: isoDay(weekdayFrom(38)), extraSends: 100, extraAttachments: 200 },
    populationOutlier: { user: u('oscar'), dailyRate: 120 },
    impossibleTrip: {
      user: u('victor'),
      from: { ip: '81.2.69.170', time: at(trip, 10, 0, 0), city: 'London' },
      to: { ip: '175.16.199.37', time: at(trip, 11, 0, 0), city: 'Changchun' },
      km: 8180,
    },
    workingHoursShift: { user: u('nina'), since: isoDay(first + o.days - 14), baselineHours: [8, 18], recentHours: [22, 6] },
  };
}

export const PLANTED: PlantedCases = plantedCases();

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}
function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
/** A host address inside a CIDR (not the network's first or last address when it has more than two). */
export function addressIn(cidr: string, rnd: () => number): string {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const lo = size > 2 ? 1 : 0;
  const hi = size > 2 ? size - 2 : size - 1;
  return intToIpv4(ipv4ToInt(base) + lo + Math.floor(rnd() * (hi - lo + 1)));
}

interface User {
  name: string;
  net: Network;
  ips: string[];
  rate: number;
  recipientsMean: number;
}

const ATTACHMENT_NAMES = ['report.pdf', 'invoice.pdf', 'statement.pdf', 'minutes.docx', 'proposal.docx', 'contract.docx', 'budget.xlsx', 'forecast.xlsx', 'headcount.xlsx', 'photo.jpg', 'notes.txt', 'slides.pptx'];
const RARE_NAMES = ['setup.exe', 'update.exe', 'macro.js', 'viewer.js'];

/** The stream's events in time order. */
export function* generateEventStream(opts: EventStreamOptions = {}): Generator<EmailEvent> {
  const o = checked(opts);
  const rnd = mulberry32(o.seed);
  const planted = plantedCases(o);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = rnd();
    while (p > l) {
      k++;
      p *= rnd();
    }
    return k;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const names = userNames(o.users);
  const users: User[] = names.map((name) => {
    let net = pick(HOME_NETWORKS);
    if (name === planted.impossibleTrip.user || name === planted.workingHoursShift.user) net = NETWORKS.london;
    if (name === planted.threatIp.user) net = NETWORKS.linkoping;
    const ips = [addressIn(net.cidr, rnd)];
    if (rnd() < 0.5) ips.push(addressIn(net.cidr, rnd));
    if (name === planted.impossibleTrip.user) ips[0] = planted.impossibleTrip.from.ip;
    const rate = name === planted.populationOutlier.user ? planted.populationOutlier.dailyRate : 10 + 15 * rnd();
    return { name, net, ips, rate, recipientsMean: 0.5 + 2 * rnd() };
  });

  // generated events of planted users are left out near their planted events, so that each plant stays the only one of its kind
  const quiet = new Map<string, [number, number][]>();
  const addQuiet = (user: string, from: string, to: string) => quiet.set(user, [...(quiet.get(user) ?? []), [Date.parse(from) - 12 * 3600_000, Date.parse(to) + 12 * 3600_000]]);
  addQuiet(planted.threatIp.user, planted.threatIp.time, planted.threatIp.time);
  addQuiet(planted.impossibleTrip.user, planted.impossibleTrip.from.time, planted.impossibleTrip.to.time);
  const isQuiet = (user: string, ms: number) => (quiet.get(user) ?? []).some(([a, b]) => ms >= a && ms <= b);

  const first = dayNumber(o.start);
  const shiftDay = dayNumber(planted.workingHoursShift.since);
  const spikeDay = dayNumber(planted.volumeSpike.day);

  /** Seconds after local midnight: office hours mostly. */
  const localSecond = (night: boolean): number => {
    if (night) return Math.floor((22 + rnd() * 8) * 3600) % 86400;
    const r = rnd();
    if (r < 0.85) return Math.floor((8 + ((rnd() + rnd()) / 2) * 10) * 3600);
    if (r < 0.97) return Math.floor((18 + rnd() * 4) * 3600);
    return Math.floor((22 + rnd() * 8) * 3600) % 86400;
  };
  const attachmentsOf = (): string[] => {
    if (rnd() >= 0.3) return [];
    const n = Math.min(5, 1 + poisson(0.3));
    return Array.from({ length: n }, () => (rnd() < 0.003 ? pick(RARE_NAMES) : pick(ATTACHMENT_NAMES)));
  };

  let pending: { ms: number; e: EmailEvent }[] = [];
  const push = (ms: number, e: EmailEvent) => pending.push({ ms, e });
  const plants: { ms: number; e: EmailEvent }[] = [
    {
      ms: Date.parse(planted.ruleHit.time),
      e: {
        time: planted.ruleHit.time,
        user: planted.ruleHit.user,
        event: 'send',
        src_ip: users.find((u) => u.name === planted.ruleHit.user)!.ips[0],
        recipients: planted.ruleHit.recipients,
        attachments: planted.ruleHit.attachmentNames.length,
        attachment_names: planted.ruleHit.attachmentNames,
      },
    },
    { ms: Date.parse(planted.threatIp.time), e: { time: planted.threatIp.time, user: planted.threatIp.user, event: 'signin', src_ip: planted.threatIp.ip } },
    { ms: Date.parse(planted.impossibleTrip.from.time), e: { time: planted.impossibleTrip.from.time, user: planted.impossibleTrip.user, event: 'signin', src_ip: planted.impossibleTrip.from.ip } },
    { ms: Date.parse(planted.impossibleTrip.to.time), e: { time: planted.impossibleTrip.to.time, user: planted.impossibleTrip.user, event: 'signin', src_ip: planted.impossibleTrip.to.ip } },
  ];

  for (let d = 0; d < o.days; d++) {
    const day = first + d;
    const weekend = isWeekend(day);
    for (const u of users) {
      const night = u.name === planted.workingHoursShift.user && day >= shiftDay;
      const spike = u.name === planted.volumeSpike.user && day === spikeDay;
      const sends = poisson(weekend ? u.rate / 10 : u.rate);
      const extra = spike ? planted.volumeSpike.extraSends : 0;
      if (sends + extra === 0) continue;
      const midnight = day * DAY_MS - u.net.utcOffset * 3600_000;
      const at = () => midnight + localSecond(night) * 1000 + Math.floor(rnd() * 1000);
      const ip = () => (u.ips.length > 1 && rnd() < 0.3 ? u.ips[1] : u.ips[0]);
      const signins = 1 + poisson(0.4);
      for (let k = 0; k < signins; k++) {
        const ms = at();
        if (!isQuiet(u.name, ms)) push(ms, { time: isoTime(ms), user: u.name, event: 'signin', src_ip: ip() });
      }
      for (let k = 0; k < sends + extra; k++) {
        const ms = at();
        const recipients = Math.min(10, 1 + poisson(u.recipientsMean));
        // the spike's extra mails each carry two spreadsheets: an export, in the story
        const names = k >= sends ? [`export-${k - sends + 1}.xlsx`, `export-${k - sends + 1}b.xlsx`] : attachmentsOf();
        if (isQuiet(u.name, ms)) continue;
        push(ms, { time: isoTime(ms), user: u.name, event: 'send', src_ip: ip(), recipients, attachments: names.length, attachment_names: names });
      }
    }
    for (const p of plants) if (p.ms >= day * DAY_MS && p.ms < (day + 1) * DAY_MS) push(p.ms, p.e);
    // events of later local days start at least 14 h before their UTC midnight; everything earlier is final
    const cutoff = d === o.days - 1 ? Infinity : (day + 1) * DAY_MS - 14 * 3600_000;
    pending.sort((a, b) => a.ms - b.ms);
    let n = 0;
    while (n < pending.length && pending[n].ms < cutoff) yield pending[n++].e;
    pending = pending.slice(n);
  }
}

/** The stream as JSON Lines (without line ends). */
export function* eventStreamLines(opts: EventStreamOptions = {}): Generator<string> {
  for (const e of generateEventStream(opts)) yield JSON.stringify(e);
}

/** Writes the stream to FILE (.jsonl, or gzip when it ends in .gz); returns the number of events. */
export async function writeEventStream(file: string, opts: EventStreamOptions = {}): Promise<number> {
  const out = fs.createWriteStream(file);
  const gz = /\.gz$/i.test(file) ? zlib.createGzip() : undefined;
  if (gz) gz.pipe(out);
  const sink = gz ?? out;
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    gz?.on('error', reject);
  });
  let n = 0;
  let buf: string[] = [];
  const flush = async () => {
    if (!sink.write(buf.join('\n') + '\n')) await new Promise<void>((r) => sink.once('drain', () => r()));
    buf = [];
  };
  for (const line of eventStreamLines(opts)) {
    buf.push(line);
    n++;
    if (buf.length === 10000) await flush();
  }
  if (buf.length) await flush();
  sink.end();
  await done;
  return n;
}

function main(argv: string[]): Promise<void> | void {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
    else args[a.slice(2)] = argv[++i] ?? '';
  }
  if ('help' in args) {
    process.stdout.write('usage: eventStream.js [--seed 7] [--users 40] [--days 56] [--start 2024-03-04] [--out FILE.jsonl[.gz]] [--planted]\n');
    return;
  }
  const opts: EventStreamOptions = {};
  if (args.seed !== undefined) opts.seed = Number(args.seed);
  if (args.users !== undefined) opts.users = Number(args.users);
  if (args.days !== undefined) opts.days = Number(args.days);
  if (args.start !== undefined) opts.start = args.start;
  if ('planted' in args) {
    process.stdout.write(JSON.stringify({ planted: plantedCases(opts), threatIps: THREAT_IPS }, null, 2) + '\n');
    return;
  }
  if (args.out) return writeEventStream(args.out, opts).then((n) => void process.stderr.write(`${n} events written to ${args.out}\n`));
  let buf: string[] = [];
  const write = () => {
    const data = Buffer.from(buf.join('\n') + '\n');
    buf = [];
    for (let off = 0; off < data.length; ) {
      try {
        off += fs.writeSync(1, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // non-blocking stdout pipe: retry
        if (code === 'EPIPE') process.exit(0); // reader went away (e.g. | head)
        throw e;
      }
    }
  };
  for (const line of eventStreamLines(opts)) {
    buf.push(line);
    if (buf.length === 10000) write();
  }
  if (buf.length) write();
}

if (require.main === module) {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((e) => {
      process.stderr.write(`eventStream: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
