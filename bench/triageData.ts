/**
 * Data sets of the triage bench (bench/triage.mjs), from the seeded
 * generators in test/generators, with the entities each planted case must
 * bring up. Bundled by esbuild and run by the bench:
 *   node -e "…require('triageData.cjs').writeAll(DIR)…"  (through -e, so that the generators'
 *   own command lines, which run when their module is the main one, stay quiet)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COHORTS_CSV, generateCourseLog, plantedCases as coursePlanted } from '../test/generators/courseLog';
import { eventStreamLines, plantedCases as eventPlanted, THREAT_IPS } from '../test/generators/eventStream';
import { loginAttempts } from '../test/generators/loginAttempts';
import { generateSmbFiles } from '../test/generators/smbFiles';
import { generateZeek, writeZeek } from '../test/generators/zeek';

export interface Target {
  case: string;
  kind: string;
  /** Any of these values counts (a case with several entities: its best rank). */
  values: string[];
  /** When given, the suspect (or incident) must hold a finding of this analysis. */
  analysis?: string;
}

export interface DataSet {
  name: string;
  files: string[];
  args: string[];
  targets: Target[];
  /** Most high/critical suspects allowed (issue #11), when there is a target. */
  loudTarget?: number;
  /**
   * The planted entities as "kind:value": a loud suspect or incident naming none of them (a session
   * whose reason names none of the planted hosts) is a false positive, listed by the bench.
   */
  planted?: string[];
  /** Most loud false positives allowed (as measured; test/unit/networkTriage.test.ts pins the same). */
  falsePositiveTarget?: number;
}

function writeLines(file: string, lines: Iterable<string>): void {
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  for (const l of lines) {
    buf.push(l);
    if (buf.length >= 10000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}

function course(dir: string, lines: number, label: string): DataSet {
  const p = coursePlanted(42);
  const file = path.join(dir, `course-${label}.txt`);
  if (!fs.existsSync(file)) writeLines(file, generateCourseLog({ lines, seed: 42, plants: p.lines }));
  const cohorts = path.join(dir, 'cohorts.csv');
  fs.writeFileSync(cohorts, COHORTS_CSV.trim() + '\n');
  return {
    name: `course site ${label}`,
    files: [file, cohorts],
    args: ['--columns', 'date,time,page,user_id,cohort_id,ip'],
    loudTarget: label === '1M' ? 25 : undefined,
    targets: [
      { case: 'scraper (user)', kind: 'user', values: [String(p.scraper.user)] },
      { case: 'scraper (IP)', kind: 'ip', values: [p.scraper.ip] },
      { case: 'cross-program readers', kind: 'user', values: p.cross.users.map(String) },
      { case: 'barely active while enrolled', kind: 'user', values: [String(p.barelyActive.few)] },
      { case: 'active only after the end date', kind: 'user', values: [String(p.barelyActive.onlyAfter)] },
      { case: 'cohort over-using a lesson', kind: 'group', values: [String(p.overuse.cohort)] },
      { case: 'user in two cohorts', kind: 'user', values: [String(p.twoCohorts)] },
      { case: 'alumnus reading one topic', kind: 'user', values: [String(p.alumnus.user)] },
      { case: 'spike day', kind: 'window', values: [p.spikeDay] },
      { case: 'IP shared off campus', kind: 'ip', values: [p.sharedIp] },
      { case: 'user from 100 IPs', kind: 'user', values: [String(p.manyIps)] },
    ],
  };
}

function events(dir: string): DataSet {
  // 240 users × 56 days ≈ 200,000 events
  const opts = { users: 240 };
  const p = eventPlanted(opts);
  const file = path.join(dir, 'events-200k.jsonl');
  if (!fs.existsSync(file)) writeLines(file, eventStreamLines(opts));
  const rules = path.join(dir, 'rules.json');
  fs.writeFileSync(rules, JSON.stringify({ rules: [p.ruleHit.rule] }));
  const threats = path.join(dir, 'threats.txt');
  fs.writeFileSync(threats, THREAT_IPS.join('\n') + '\n');
  return {
    name: 'e-mail/sign-in stream 200k',
    files: [file],
    args: ['--param', `rules=${rules}`, '--param', `threats=${threats}`, '--param', `geo=${path.resolve('test/fixtures/geo/GeoLite2-City-Test.mmdb')}`],
    loudTarget: 15,
    targets: [
      { case: 'rule hit (exe to many)', kind: 'user', values: [p.ruleHit.user] },
      { case: 'threat-list sign-in', kind: 'ip', values: [p.threatIp.ip] },
      { case: 'volume spike day', kind: 'user', values: [p.volumeSpike.user] },
      { case: 'population outlier', kind: 'user', values: [p.populationOutlier.user] },
      { case: 'impossible trip', kind: 'user', values: [p.impossibleTrip.user] },
      { case: 'working hours shift', kind: 'user', values: [p.workingHoursShift.user] },
    ],
  };
}

function logins(dir: string): DataSet {
  const attacks = ['2018-01-04 02:00:10', '2018-01-17 13:30:00', '2018-01-28 20:10:00', '2018-02-08 06:40:00', '2018-02-21 18:00:00', '2018-03-09 11:11:11', '2018-03-25 23:20:00'];
  const g = loginAttempts({ seed: 5, start: '2018-01-01', days: 90, users: 12, attemptsPerAttack: 90, attacks });
  const file = path.join(dir, 'logins.csv');
  fs.writeFileSync(file, g.csv);
  return { name: 'login attempts (generated)', files: [file], args: [], targets: g.windows.map((w, k) => ({ case: `attack ${k + 1} ${w.start.slice(0, 16)}`, kind: 'ip', values: [w.ip] })) };
}

function smb(dir: string): DataSet {
  const log = generateSmbFiles({ seed: 7 });
  const file = path.join(dir, 'smb_files.log');
  fs.writeFileSync(file, log.text);
  const ex = log.exfil!;
  return { name: 'smb_files (generated)', files: [file], args: [], targets: [{ case: 'late-night exfiltration (client)', kind: 'ip', values: [ex.origHost] }, { case: 'late-night exfiltration (session)', kind: 'session', values: [ex.uid] }] };
}

function zeek(dir: string): DataSet {
  // the capture of test/unit/networkTriage.test.ts
  const cap = generateZeek({ seed: 5, hosts: 30, perHour: 8 });
  const p = cap.planted!;
  const files = writeZeek(path.join(dir, 'zeek'), cap);
  const ips = [p.beacon.src, p.longConnection.src, p.dnsTunnel.src, p.dga.src, p.disguisedExe.src, p.disguisedImage.src, p.guessedPassword.src, p.selfSigned.src, p.ipLookup.src, p.exfil.src, p.rareDestination.src];
  return {
    name: 'Zeek capture (generated)',
    files,
    args: [],
    planted: [...ips.map((v) => `ip:${v}`), `user:${p.guessedPassword.user}`, 'resource:invoice_0412.pdf', 'resource:header.jpg'],
    falsePositiveTarget: 2,
    targets: [
      { case: 'jittered beacon', kind: 'ip', values: [p.beacon.src], analysis: 'beacons' },
      { case: 'long connection', kind: 'ip', values: [p.longConnection.src], analysis: 'long-connections' },
      { case: 'DNS tunnel', kind: 'ip', values: [p.dnsTunnel.src], analysis: 'dns-tunnel' },
      { case: 'DGA burst', kind: 'ip', values: [p.dga.src], analysis: 'dns-nxdomain' },
      { case: 'disguised executable (.pdf)', kind: 'resource', values: ['invoice_0412.pdf'], analysis: 'disguised-executables' },
      { case: 'executable as an image (.jpg)', kind: 'resource', values: ['header.jpg'], analysis: 'disguised-executables' },
      { case: 'guessed password (account)', kind: 'user', values: [p.guessedPassword.user], analysis: 'login-accounts' },
      { case: 'guessed password (source)', kind: 'ip', values: [p.guessedPassword.src], analysis: 'failure-bursts' },
      { case: 'IP lookup', kind: 'ip', values: [p.ipLookup.src], analysis: 'dns-services' },
      { case: 'exfiltration upload at night', kind: 'ip', values: [p.exfil.src], analysis: 'large-outbound' },
      { case: 'self-signed certificate', kind: 'ip', values: [p.selfSigned.src], analysis: 'invalid-certificates' },
      { case: 'rare destination on an odd port', kind: 'ip', values: [p.rareDestination.src], analysis: 'rare-destinations' },
    ],
  };
}

/** Writes every data set into dir (the course logs only when absent) and returns the manifest. */
export function writeAll(dir: string): DataSet[] {
  fs.mkdirSync(dir, { recursive: true });
  return [course(dir, 200_000, '200k'), course(dir, 1_000_000, '1M'), events(dir), logins(dir), smb(dir), zeek(dir)];
}
