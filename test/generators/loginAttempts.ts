/**
 * Seeded generator of web-application login attempts in the format of the
 * book's simulator (`datetime,source_ip,username,success,failure_reason`,
 * `success` as True/False) and its labelled attack windows
 * (`start,end,source_ip`).
 *
 * Shape: a fixed set of users, each logging in from a home IP a few times a
 * day at any hour (the service is used around the world); one in ten attempts fails with a wrong password and is
 * retried a second later. Attacks are planted at given times: one IP tries
 * many usernames (real ones, and made-up ones that fail as wrong usernames)
 * a second or two apart for a few minutes; the window runs from its first to
 * its last attempt. Everything follows from the seed: tests recompute their
 * expectations from the returned rows.
 */
import { seededRng } from '../../src/engine/cluster/random';
export interface LoginRow {
  /** 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) */
  time: string;
  ip: string;
  user: string;
  success: boolean;
  reason: string;
}

export interface AttackWindow {
  start: string;
  end: string;
  ip: string;
}

export interface LoginAttemptOptions {
  seed?: number;
  /** First day, 'YYYY-MM-DD'. */
  start: string;
  days: number;
  users?: number;
  /** Attack start times ('YYYY-MM-DD HH:MM:SS'). */
  attacks: string[];
  /** Attempts per attack. */
  attemptsPerAttack?: number;
}

export interface GeneratedLogins {
  rows: LoginRow[];
  windows: AttackWindow[];
  csv: string;
  windowsCsv: string;
}

const mulberry32 = seededRng;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Milliseconds since the epoch → the simulator's text, with microseconds. */
export function timeText(ms: number, micros = 0): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds() * 1000 + micros, 6)}`;
}

export function loginAttempts(opts: LoginAttemptOptions): GeneratedLogins {
  const rnd = mulberry32(opts.seed ?? 7);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const nUsers = opts.users ?? 40;
  const users = Array.from({ length: nUsers }, (_, i) => ({ name: `user${pad(i, 3)}`, ip: `10.${1 + (i >> 6)}.${i & 63}.${int(2, 250)}` }));
  const rows: LoginRow[] = [];
  const day0 = Date.parse(`${opts.start}T00:00:00Z`);
  for (let d = 0; d < opts.days; d++) {
    for (const u of users) {
      const logins = int(1, 4);
      for (let k = 0; k < logins; k++) {
        let t = day0 + d * 86400000 + int(0, 86399) * 1000 + int(0, 999);
        if (rnd() < 0.1) {
          rows.push({ time: timeText(t, 123), ip: u.ip, user: u.name, success: false, reason: 'error_wrong_password' });
          t += 1000;
        }
        rows.push({ time: timeText(t, 123), ip: u.ip, user: u.name, success: true, reason: '' });
      }
    }
  }
  const windows: AttackWindow[] = [];
  for (const [a, at] of opts.attacks.entries()) {
    const ip = `203.0.${113 + a}.${int(2, 250)}`;
    let t = Date.parse(`${at.replace(' ', 'T')}Z`) + int(0, 999);
    const first = t;
    let last = t;
    const n = opts.attemptsPerAttack ?? 120;
    for (let k = 0; k < n; k++) {
      const real = rnd() < 0.5;
      const user = real ? users[int(0, nUsers - 1)].name : `guess${int(0, 999)}`;
      const success = real && rnd() < 0.05;
      rows.push({ time: timeText(t, 456), ip, user, success, reason: success ? '' : real ? 'error_wrong_password' : 'error_wrong_username' });
      last = t;
      t += int(1, 3) * 1000;
    }
    windows.push({ start: timeText(first, 456), end: timeText(last, 456), ip });
  }
  rows.sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
  const csv = 'datetime,source_ip,username,success,failure_reason\n' + rows.map((r) => `${r.time},${r.ip},${r.user},${r.success ? 'True' : 'False'},${r.reason}`).join('\n') + '\n';
  const windowsCsv = 'start,end,source_ip\n' + windows.map((w) => `${w.start},${w.end},${w.ip}`).join('\n') + '\n';
  return { rows, windows, csv, windowsCsv };
}
