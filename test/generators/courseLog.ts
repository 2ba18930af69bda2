/**
 * Seeded generator of course-site access logs in the real curriculum log format.
 *
 * Format (space separated, no header, one request per line):
 *   `date time page user_id cohort_id ip`, e.g. `2018-01-26 09:55:03 / 1 8.0 97.105.19.61`
 * `cohort_id` is written like `8.0` and is empty (two consecutive spaces) for staff and guests.
 *
 * Shape (see /work/shared/data/README.md, "The curriculum access log format"):
 * - the real cohort table (test/fixtures/cohorts.csv) and programs 1 PHP, 2 Java, 3 data science,
 *   4 front end, each with its own lesson pages (`javascript-i/functions`, `6-regression/1-overview`, ...);
 * - students are active between their cohort's start and end dates and follow the curriculum in order,
 *   then trail off as alumni; weekday-heavy, office hours, sessions of several pages;
 * - staff (mostly without cohort; a few in the `Staff` cohort 28) browse every program; guests have no cohort;
 * - campus IPs are shared by many students until the campus closes (2020-03-16), home IPs otherwise.
 *
 * Deterministic: the same options always give the same lines (own PRNG, no dependencies).
 *
 * Planted cases (plantedCases): a scraper, cross-program reading that pauses and then stops, barely active
 * students, a cohort over-using a lesson, a user in two cohorts, an alumnus reading one topic, a spike day,
 * an off-campus IP shared by many students, a user from many IPs.
 *
 * CLI: node out/test/generators/courseLog.js --lines 900000 --seed 42 --out FILE
 *      [--start 2018-01-26] [--end 2021-04-21] [--planted]   (no --out: write to stdout)
 */
import { seededRng } from '../../src/engine/cluster/random';
import * as fs from 'node:fs';

/** A line to insert verbatim into the log at its time (hook for planted anomaly cases). */
export interface PlantedLine {
  /** 'YYYY-MM-DD' */
  date: string;
  /** 'HH:MM:SS' */
  time: string;
  page: string;
  userId: number;
  /** null or undefined: empty cohort field */
  cohortId?: number | null;
  ip: string;
}

export interface CourseLogOptions {
  /** number of generated lines (planted lines come on top of these) */
  lines: number;
  /** PRNG seed, default 42 */
  seed?: number;
  /** first day, 'YYYY-MM-DD', default '2018-01-26' (first day of the real log) */
  start?: string;
  /** last day, 'YYYY-MM-DD', default '2021-04-21' (last day of the real log's later version) */
  end?: string;
  /**
   * Lines planted into the generated stream, merged in chronological order (ties: planted line first).
   * Planted lines outside [start, end] are emitted before / after the generated lines.
   */
  plants?: PlantedLine[];
}

/** The real cohort table: same content as test/fixtures/cohorts.csv. */
export const COHORTS_CSV = `cohort_id,name,start_date,end_date,program_id
1,Arches,2014-02-04,2014-04-22,1
2,Badlands,2014-06-04,2014-08-22,1
3,Carlsbad,2014-09-04,2014-11-05,1
4,Denali,2014-10-20,2015-01-18,1
5,Everglades,2014-11-18,2015-02-24,1
6,Franklin,2015-02-03,2015-05-26,1
7,Glacier,2015-06-05,2015-10-06,1
8,Hampton,2015-09-22,2016-02-06,1
9,Apollo,2015-03-30,2015-07-29,4
10,Balboa,2015-11-03,2016-03-11,4
11,Ike,2016-01-20,2016-05-12,1
12,Joshua,2016-03-08,2016-06-30,1
13,Kings,2016-05-23,2016-09-15,1
14,Lassen,2016-07-18,2016-11-10,1
15,Mammoth,2016-09-26,2017-02-02,2
16,Niagara,2016-10-26,2017-03-09,2
17,Olympic,2017-02-06,2017-05-25,1
18,Pinnacles,2017-03-27,2017-07-20,2
19,Quincy,2017-06-05,2017-09-22,1
20,Redwood,2017-07-31,2017-12-06,2
21,Sequoia,2017-09-27,2018-02-15,2
22,Teddy,2018-01-08,2018-05-17,2
23,Ulysses,2018-03-05,2018-07-19,2
24,Voyageurs,2018-05-29,2018-10-11,2
25,Wrangell,2018-07-23,2018-11-29,2
26,Xanadu,2018-09-17,2019-02-08,2
27,Yosemite,2018-11-05,2019-04-03,2
28,Staff,2014-02-04,2014-02-04,2
29,Zion,2019-01-22,2019-06-04,2
30,Ada,2019-02-04,2019-06-16,3
31,Andromeda,2019-03-18,2019-07-30,2
32,Betelgeuse,2019-05-28,2019-10-08,2
33,Ceres,2019-07-15,2019-12-11,2
34,Bayes,2019-08-19,2020-01-30,3
51,Deimos,2019-09-16,2020-02-27,2
52,Europa,2019-11-04,2020-04-17,2
53,Fortuna,2020-01-13,2020-06-23,2
55,Curie,2020-02-03,2020-07-07,3
56,Apex,2020-02-24,2020-07-29,2
57,Ganymede,2020-03-23,2020-08-20,2
58,Hyperion,2020-05-26,2020-11-10,2
59,Darden,2020-07-13,2021-01-12,3
60,Io,2020-07-20,2021-01-21,2
61,Bash,2020-07-20,2021-01-21,2
62,Jupiter,2020-09-21,2021-03-30,2
132,Kalypso,2020-11-02,2021-05-04,2
`;

export interface Cohort {
  id: number;
  name: string;
  start: string;
  end: string;
  program: number;
}

export function parseCohorts(csv: string = COHORTS_CSV): Cohort[] {
  return csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [id, name, start, end, program] = line.split(',');
      return { id: Number(id), name, start, end, program: Number(program) };
    });
}

/**
 * Program id -> curriculum: modules in teaching order (each takes the same share of the cohort's
 * duration; a module listed twice takes twice as long); a module's first page is its index page
 * (picked 40% of the time). A page listed twice in a module is simply picked more often.
 */
export const CURRICULA: Record<number, string[][]> = {
  // 1: PHP web development (old site layout: index.html and content/...)
  1: [
    ['index.html', 'index.html', 'content/introduction.html', 'content/git/intro-via-cli.html'],
    ['content/html-css', 'content/html-css/introduction.html', 'content/html-css/forms.html', 'content/html-css/css-i.html'],
    ['content/javascript', 'content/javascript/introduction.html', 'content/javascript/functions.html', 'content/javascript/loops.html', 'content/javascript/arrays.html'],
    ['content/jquery', 'content/jquery/essential-methods.html', 'content/jquery/events.html', 'content/jquery/ajax.html'],
    ['content/php_i', 'content/php_i/intro-via-interactive-shell.html', 'content/php_i/arrays.html', 'content/php_i/functions.html'],
    ['content/php_ii', 'content/php_ii/command-line.html', 'content/php_ii/arrays-strings.html', 'content/php_ii/file-io.html'],
    ['content/mysql', 'content/mysql/intro-to-mysql.html', 'content/mysql/basic-statements.html', 'content/mysql/joins.html'],
    ['content/laravel', 'content/laravel/intro.html', 'content/laravel/routing.html', 'content/laravel/eloquent.html', 'content/laravel/blade.html'],
  ],
  // 2: Java web development
  2: [
    ['html-css', 'toc', 'appendix/git/cli', 'appendix/code-standards', 'html-css/introduction', 'html-css/elements', 'html-css/forms', 'html-css/css-i', 'html-css/css-i/selectors-and-properties', 'html-css/css-ii/bootstrap-introduction', 'html-css/css-ii/media-queries'],
    ['javascript-i', 'javascript-i', 'javascript-i/introduction/working-with-data-types-operators-and-variables', 'javascript-i/functions', 'javascript-i/conditionals', 'javascript-i/loops', 'javascript-i/arrays', 'javascript-i/objects', 'javascript-i/javascript-with-html', 'javascript-i/bom-and-dom/dom', 'javascript-i/bom-and-dom/bom'],
    ['javascript-ii', 'javascript-ii/es6', 'javascript-ii/promises', 'javascript-ii/map-filter-reduce'],
    ['jquery', 'jquery/essential-methods', 'jquery/events', 'jquery/selectors', 'jquery/ajax/requests-and-responses'],
    ['java-i', 'java-i/introduction-to-java', 'java-i/syntax-types-and-variables', 'java-i/control-statements-and-loops', 'java-i/methods', 'java-i/console-io', 'java-i/strings', 'java-i/arrays'],
    ['java-ii', 'java-ii/object-oriented-programming', 'java-ii/inheritance-and-polymorphism', 'java-ii/collections', 'java-ii/exceptions-and-error-handling', 'java-ii/arrays-and-collections'],
    ['java-iii', 'java-iii/servlets', 'java-iii/jsp-and-jstl', 'java-iii/mvc', 'java-iii/user-input', 'java-iii/sessions-and-cookies', 'java-iii/deployment-and-dependencies'],
    ['mysql', 'mysql/introduction', 'mysql/tables', 'mysql/basic-statements', 'mysql/clauses', 'mysql/functions', 'mysql/relationships/joins', 'mysql/indexes', 'mysql/subqueries', 'mysql/users'],
    ['spring', 'spring/setup', 'spring/fundamentals/controllers', 'spring/fundamentals/views', 'spring/fundamentals/repositories', 'spring/fundamentals/relationships', 'spring/fundamentals/security/authentication', 'spring/extra-features/form-validation'],
    ['appendix', 'appendix/capstone-workbook', 'search/search_index.json', 'appendix/interview-questions'],
  ],
  // 3: data science
  3: [
    ['1-fundamentals/1.1-intro-to-data-science', '1-fundamentals/modern-data-scientist.jpg', '1-fundamentals/AI-ML-DL-timeline.jpg', '1-fundamentals/1.2-data-science-pipeline', 'fundamentals/environment-setup'],
    ['2-storytelling/1-overview', '2-storytelling/2-visualization-with-excel', '2-storytelling/bad-charts', '2-storytelling/chart-types', 'storytelling/tableau'],
    ['3-sql/1-mysql-overview', '3-sql/2-mysql-introduction', '3-sql/3-databases', '3-sql/5-basic-statements', '3-sql/6-where', '3-sql/9-functions', '3-sql/11-join', '3-sql/12-subqueries'],
    ['4-python/1-overview', '4-python/2-introduction-to-python', '4-python/3-data-types-and-variables', '4-python/4-control-structures', '4-python/5-functions', '4-python/6-imports', '4-python/7.1-intro-to-numpy', '4-python/7.2-intro-to-matplotlib', '4-python/7.3-intro-to-pandas', '4-python/8.4-more-pandas'],
    ['5-stats/1-overview', '5-stats/2-simulation', '5-stats/3-probability-distributions', '5-stats/4.2-compare-means', '5-stats/4.4-correlation'],
    ['6-regression/1-overview', '6-regression/2-regression-excel', '6-regression/3-acquire-and-prep', '6-regression/4-scaling', '6-regression/5-feature-engineering', '6-regression/5.1-model-evaluation', '6-regression/6-modeling'],
    ['classification/overview', 'classification/overview', 'classification/acquire', 'classification/prep', 'classification/explore', 'classification/scale_features_or_not.svg', 'classification/logistic-regression', 'classification/decision-trees', 'classification/random-forests', 'classification/knn', 'classification/model-evaluation'],
    ['classification/overview', 'classification/overview', 'classification/acquire', 'classification/prep', 'classification/explore', 'classification/scale_features_or_not.svg', 'classification/logistic-regression', 'classification/decision-trees', 'classification/random-forests', 'classification/knn', 'classification/model-evaluation'],
    ['clustering/overview', 'clustering/acquire', 'clustering/prep', 'clustering/explore', 'clustering/kmeans'],
    ['timeseries/overview', 'timeseries/acquire', 'timeseries/prep', 'timeseries/explore', 'timeseries/modeling-lesson1'],
    ['anomaly-detection/overview', 'anomaly-detection/AnomalyDetectionCartoon.jpeg', 'anomaly-detection/continuous-probabilistic-methods', 'anomaly-detection/discrete-probabilistic-methods'],
    ['nlp/overview', 'nlp/acquire', 'nlp/prepare', 'nlp/explore', 'nlp/modeling'],
    ['distributed-ml/overview', 'distributed-ml/spark-api', 'appendix/cli-git-overview'],
  ],
  // 4: front end
  4: [
    ['index.html', 'index.html', 'content/introduction.html'],
    ['content/html-css', 'content/html-css/introduction.html', 'content/html-css/elements.html', 'content/html-css/css-ii/flexbox.html'],
    ['content/javascript', 'content/javascript/introduction.html', 'content/javascript/functions.html', 'content/javascript/objects.html'],
    ['content/jquery', 'content/jquery/essential-methods.html', 'content/jquery/ajax.html'],
    ['content/angular', 'content/angular/intro.html', 'content/angular/directives.html'],
  ],
};

/** Campus public IPs (shared by many students while the campus is open). */
const CAMPUS_IPS = [['97.105.19.58', '97.105.19.61'], ['192.171.117.210']];
const CAMPUS_CLOSED = '2020-03-16';
const HOME_FIRST_OCTETS = [24, 47, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 96, 97, 98, 99, 104, 107, 108, 136, 166, 173, 174, 184];

/** The engine's seeded PRNG (mulberry32): the same seed gives the same log everywhere. */
export const mulberry32 = seededRng;

const DAY_MS = 86_400_000;
const dayNumber = (iso: string): number => Math.floor(Date.parse(iso + 'T00:00:00Z') / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

interface User {
  id: number;
  kind: 'student' | 'staff' | 'guest';
  cohortField: string; // '' or '8.0'
  program: number; // 0 for staff / guests
  start: number; // day numbers
  end: number;
  intensity: number;
  campus: string[] | null;
  ips: string[];
}

let timeStrings: string[] | undefined;
function timeOfDay(sec: number): string {
  if (!timeStrings) {
    timeStrings = new Array(86400);
    const p = (n: number) => (n < 10 ? '0' + n : String(n));
    for (let s = 0; s < 86400; s++) timeStrings[s] = `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
  }
  return timeStrings[sec];
}

function plantedToLine(p: PlantedLine): string {
  const cohort = p.cohortId == null ? '' : Number(p.cohortId).toFixed(1);
  return `${p.date} ${p.time} ${p.page} ${p.userId} ${cohort} ${p.ip}`;
}

/** Random helpers over one PRNG stream (the order of calls is part of the output). */
function randomTools(rnd: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const expo = (mean: number) => -Math.log(1 - rnd()) * mean;
  const randomIp = (): string => {
    const a = pick(HOME_FIRST_OCTETS);
    return `${a}.${1 + Math.floor(rnd() * 254)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
  };
  const homeIps = (): string[] => {
    const ips = [randomIp()];
    while (rnd() < 0.55 && ips.length < 12) ips.push(randomIp());
    return ips;
  };
  return { pick, expo, randomIp, homeIps };
}

/**
 * The accounts, in order of creation (cohort start date, staff sprinkled in); the first calls on the
 * PRNG stream. Student ids and cohorts do not depend on the dates of the log (only staff start dates do).
 */
function makeUsers(rnd: () => number, firstDay: number): User[] {
  const { expo, homeIps } = randomTools(rnd);
  const campusClosed = dayNumber(CAMPUS_CLOSED);
  const cohorts = parseCohorts()
    .filter((c) => c.name !== 'Staff')
    .sort((a, b) => a.start.localeCompare(b.start) || a.id - b.id);
  const users: User[] = [];
  let nextId = 1;
  const addStaff = (start: number) => {
    const staffCohort = rnd() < 0.3;
    users.push({
      id: nextId++,
      kind: 'staff',
      cohortField: staffCohort ? '28.0' : '',
      program: 0,
      start,
      end: rnd() < 0.6 ? Infinity : start + 200 + Math.floor(rnd() * 700),
      intensity: 0.2 + expo(0.5),
      campus: CAMPUS_IPS[rnd() < 0.75 ? 0 : 1],
      ips: homeIps(),
    });
  };
  const logStart = dayNumber('2018-01-26');
  for (let i = 0; i < 12; i++) addStaff(firstDay - Math.floor(rnd() * 400));
  for (const c of cohorts) {
    const start = dayNumber(c.start);
    const end = dayNumber(c.end);
    const size = c.program === 3 ? 18 + Math.floor(rnd() * 10) : end < logStart ? 8 + Math.floor(rnd() * 8) : 20 + Math.floor(rnd() * 14);
    const campus = c.program !== 3 && start > dayNumber('2018-06-01') && rnd() < 0.3 ? CAMPUS_IPS[1] : CAMPUS_IPS[0];
    for (let i = 0; i < size; i++) {
      users.push({
        id: nextId++,
        kind: 'student',
        cohortField: c.id.toFixed(1),
        program: c.program,
        start,
        end,
        intensity: 0.25 + expo(0.75),
        campus: start >= campusClosed ? null : campus,
        ips: homeIps(),
      });
    }
    if (rnd() < 0.7) addStaff(start - 5);
    if (rnd() < 0.6) {
      // a guest account (prospective student, partner...) without cohort, active a few weeks
      const gStart = start - 30 + Math.floor(rnd() * 60);
      users.push({ id: nextId++, kind: 'guest', cohortField: '', program: 0, start: gStart, end: gStart + 7 + Math.floor(rnd() * 40), intensity: 0.1 + expo(0.3), campus: null, ips: homeIps() });
    }
  }
  return users;
}

export function* generateCourseLog(opts: CourseLogOptions): Generator<string, void, undefined> {
  const total = Math.max(0, Math.floor(opts.lines));
  const rnd = mulberry32(opts.seed ?? 42);
  const firstDay = dayNumber(opts.start ?? '2018-01-26');
  const lastDay = dayNumber(opts.end ?? '2021-04-21');
  if (!(lastDay >= firstDay)) throw new Error(`courseLog: end ${opts.end} is before start ${opts.start}`);
  const campusClosed = dayNumber(CAMPUS_CLOSED);

  const { pick, expo, randomIp } = randomTools(rnd);
  const users = makeUsers(rnd, firstDay);

  const weekdayFactor = [0.3, 1, 1, 1, 1, 0.9, 0.22]; // Sun..Sat (1970-01-01, day 0, was a Thursday)
  const dow = (day: number) => (day + 4) % 7;
  const userWeight = (u: User, day: number): number => {
    const wd = weekdayFactor[dow(day)];
    if (u.kind === 'staff') return day >= u.start && day <= u.end ? 0.7 * u.intensity * (wd < 0.5 ? 0.15 : 1) : 0;
    if (u.kind === 'guest') return day >= u.start && day <= u.end ? 0.3 * u.intensity * wd : 0;
    if (day < u.start) return 0;
    if (day <= u.end) return u.intensity * wd;
    const after = day - u.end;
    if (after <= 60) return 0.2 * u.intensity * wd; // job search: revisiting lessons
    return (0.03 * u.intensity * wd) / (1 + (after - 60) / 365); // alumni trickle
  };

  // ---- line budget per day (largest-remainder via cumulative rounding: sums exactly to `total`) ----
  const nDays = lastDay - firstDay + 1;
  const dayWeight = new Float64Array(nDays);
  let weightSum = 0;
  for (let d = 0; d < nDays; d++) {
    let w = 0;
    for (const u of users) w += userWeight(u, firstDay + d);
    dayWeight[d] = w;
    weightSum += w;
  }
  if (weightSum === 0) {
    dayWeight.fill(1);
    weightSum = nDays;
  }

  const plants = (opts.plants ?? [])
    .map((p, i) => ({ key: `${p.date} ${p.time}`, i, line: plantedToLine(p) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  let plantIdx = 0;

  // pre-built page pickers
  const allPages: string[] = [];
  for (const prog of Object.values(CURRICULA)) for (const m of prog) allPages.push(...m);

  const pickLesson = (module: string[]): string => {
    // index page heavy, then a Zipf-ish fall-off over the lessons
    if (rnd() < 0.4) return module[0];
    const r = rnd();
    return module[Math.min(module.length - 1, 1 + Math.floor(r * r * (module.length - 1)))];
  };
  const pickPage = (u: User, day: number): string => {
    if (u.kind === 'guest') return rnd() < 0.5 ? '/' : pick(rnd() < 0.5 ? CURRICULA[2][0] : allPages);
    if (u.kind === 'staff') return rnd() < 0.15 ? '/' : pick(allPages);
    const modules = CURRICULA[u.program];
    const span = Math.max(1, u.end - u.start);
    let m: number;
    if (day > u.end) m = Math.floor(rnd() * modules.length);
    else {
      const progress = Math.min(0.999, (day - u.start) / span);
      const cur = Math.floor(progress * modules.length);
      const r = rnd();
      m = r < 0.68 ? cur : r < 0.85 ? Math.max(0, cur - 1) : Math.floor(rnd() * (cur + 1));
    }
    return pickLesson(modules[m]);
  };
  const startSecond = (weekend: boolean): number => {
    // local time, office hours heavy on weekdays
    const r = rnd();
    if (weekend) return Math.floor((9 + rnd() * 14) * 3600);
    if (r < 0.74) return Math.floor((8 + ((rnd() + rnd()) / 2) * 9.5) * 3600); // 08:00-17:30, peak around 12:45
    if (r < 0.94) return Math.floor((17.5 + rnd() * 5) * 3600); // evening
    if (r < 0.97) return Math.floor((6 + rnd() * 2) * 3600); // early morning
    return Math.floor((22.5 + rnd() * 7.5) * 3600) % 86400; // night
  };

  // ---- emit day by day ----
  const cumul = new Float64Array(users.length);
  let emitted = 0;
  let acc = 0;
  for (let d = 0; d < nDays; d++) {
    const day = firstDay + d;
    acc += dayWeight[d];
    const target = Math.round((acc / weightSum) * total);
    const budget = target - emitted;
    emitted = target;
    const date = isoDay(day);
    if (budget <= 0) continue;

    let cw = 0;
    for (let i = 0; i < users.length; i++) {
      cw += userWeight(users[i], day);
      cumul[i] = cw;
    }
    const pickUser = (): User => {
      if (cw === 0) return users[Math.floor(rnd() * users.length)];
      const x = rnd() * cw;
      let lo = 0;
      let hi = users.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumul[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return users[lo];
    };

    const weekend = dow(day) === 0 || dow(day) === 6;
    const secs = new Float64Array(budget);
    const lines: string[] = new Array(budget);
    let n = 0;
    while (n < budget) {
      const u = pickUser();
      const onCampus = u.campus !== null && day < campusClosed && day <= u.end && !weekend;
      let sec = startSecond(weekend);
      const atCampus = onCampus && sec >= 8 * 3600 && sec <= 18 * 3600 && rnd() < 0.8;
      const ip = atCampus ? pick(u.campus!) : rnd() < 0.03 ? randomIp() : rnd() < 0.8 ? u.ips[0] : pick(u.ips);
      const len = 1 + Math.floor(expo(6));
      let page = rnd() < 0.35 ? '/' : pickPage(u, day);
      const prefix = ` ${u.id} ${u.cohortField} ${ip}`;
      for (let k = 0; k < len && n < budget; k++) {
        secs[n] = sec;
        lines[n] = page + prefix;
        n++;
        sec += 1 + Math.floor(expo(k === 0 ? 20 : 120));
        if (sec > 86399) break; // the session ends at midnight (no pile-up at 23:59:59)
        page = pickPage(u, day);
      }
    }
    // sort by second (stable by generation order)
    const order = new Float64Array(budget);
    for (let i = 0; i < budget; i++) order[i] = secs[i] * budget + i;
    order.sort();
    for (let i = 0; i < budget; i++) {
      const idx = order[i] % budget;
      const line = `${date} ${timeOfDay(secs[idx])} ${lines[idx]}`;
      while (plantIdx < plants.length && plants[plantIdx].key <= line.slice(0, 19)) yield plants[plantIdx++].line;
      yield line;
    }
  }
  while (plantIdx < plants.length) yield plants[plantIdx++].line;
}

/** What plantedCases() put into the log: the entity each analysis must find. All dates are in 2020. */
export interface PlantedCases {
  lines: PlantedLine[];
  /** suspicious-access (scraping: per minute, alphabetical order, round the clock) and spikes (its day) */
  scraper: { user: number; ip: string; day: string };
  /** cross-program: students of program 2 (cohort 53 Fortuna) reading data-science lessons; a pause, then it stops */
  cross: { users: number[]; from: number; to: number; lastDay: string; pause: [string, string] };
  /** barely-active: few accesses while enrolled (cohort 57); one only after the end date */
  barelyActive: { few: number; onlyAfter: number };
  /** cohort-overuse: every student of cohort 58 (Hyperion) reads one lesson 40 extra times */
  overuse: { cohort: number; resource: string; students: number[] };
  /** suspicious-access: one user in cohorts 56 and 57 */
  twoCohorts: number;
  /** alumni-reading: a graduate of cohort 34 (Bayes) reading one topic for months */
  alumnus: { user: number; topic: string };
  /** spikes: every student of the cohorts in session that day reads 20 extra pages */
  spikeDay: string;
  /** suspicious-access: an IP (not a campus one) shared by 15 students in one day */
  sharedIp: string;
  /** suspicious-access: a user from 100 different IPs */
  manyIps: number;
}

/**
 * The planted cases, seeded: the generated students they use come from the same seed (same ids and
 * cohorts as in generateCourseLog with that seed), the planted accounts have ids from 5001 on.
 * Pass `lines` as `plants` to generateCourseLog with the same seed.
 */
export function plantedCases(seed = 42): PlantedCases {
  const users = makeUsers(mulberry32(seed), dayNumber('2018-01-26'));
  const rnd = mulberry32((seed ^ 0x5eed) >>> 0);
  const { pick, randomIp } = randomTools(rnd);
  const lines: PlantedLine[] = [];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const at = (sec: number) => `${p2(Math.floor(sec / 3600))}:${p2(Math.floor(sec / 60) % 60)}:${p2(sec % 60)}`;
  const officeTime = () => at(9 * 3600 + Math.floor(rnd() * 8 * 3600));
  const weekdays = (from: string, to: string): string[] => {
    const out: string[] = [];
    for (let d = dayNumber(from); d <= dayNumber(to); d++) if ((d + 4) % 7 !== 0 && (d + 4) % 7 !== 6) out.push(isoDay(d));
    return out;
  };
  const cohort = (id: number) => parseCohorts().find((c) => c.id === id)!;
  const pages = (program: number) => CURRICULA[program].flat();
  /** ordinary studying: perDay lessons of the program on each weekday */
  const study = (userId: number, cohortId: number, from: string, to: string, perDay: number, ip: string) => {
    const c = cohort(cohortId);
    for (const date of weekdays(from, to)) for (let k = 0; k < perDay; k++) lines.push({ date, time: officeTime(), page: pick(pages(c.program)), userId, cohortId, ip });
  };

  // a scraper: a data-science student who, on one day, requests every page in alphabetical order at one a second, every hour
  const scraper = { user: 5001, ip: '45.83.220.17', day: '2020-12-01' };
  study(scraper.user, 59, '2020-07-13', '2020-12-18', 4, '72.181.99.14');
  const everyPage = [...new Set(['/', ...Object.values(CURRICULA).flatMap((m) => m.flat())])].sort();
  for (let h = 0; h < 24; h++) everyPage.forEach((page, i) => lines.push({ date: scraper.day, time: at(h * 3600 + 300 + i), page, userId: scraper.user, cohortId: 59, ip: scraper.ip }));

  // cross-program: six Java students (program 2) read data-science lessons, pause, then stop for good after 2020-05-29
  const cross = { users: [5101, 5102, 5103, 5104, 5105, 5106], from: 2, to: 3, lastDay: '2020-05-29', pause: ['2020-03-07', '2020-04-12'] as [string, string] };
  for (const u of cross.users) {
    const ip = randomIp();
    study(u, 53, '2020-01-13', '2020-06-23', 5, ip);
    for (const date of [...weekdays('2020-01-20', '2020-03-06'), ...weekdays('2020-04-13', cross.lastDay)]) for (let k = 0; k < 3; k++) lines.push({ date, time: officeTime(), page: pick(pages(3)), userId: u, cohortId: 53, ip });
  }

  // barely active while enrolled in Ganymede (2020-03-23 – 2020-08-20): 3 accesses; and one only after the end
  const barelyActive = { few: 5201, onlyAfter: 5202 };
  for (const date of ['2020-04-01', '2020-04-02', '2020-06-10']) lines.push({ date, time: officeTime(), page: pick(pages(2)), userId: barelyActive.few, cohortId: 57, ip: '99.43.17.201' });
  for (const date of weekdays('2020-09-01', '2020-09-21')) lines.push({ date, time: officeTime(), page: pick(pages(2)), userId: barelyActive.onlyAfter, cohortId: 57, ip: '99.43.17.202' });

  // a cohort over-using a lesson: each Hyperion student reads mysql/indexes 40 extra times in July and August
  const hyperion = users.filter((u) => u.cohortField === '58.0');
  const overuse = { cohort: 58, resource: 'mysql/indexes', students: hyperion.map((u) => u.id) };
  const summer = weekdays('2020-07-01', '2020-08-31');
  for (const u of hyperion) for (let k = 0; k < 40; k++) lines.push({ date: pick(summer), time: officeTime(), page: overuse.resource, userId: u.id, cohortId: 58, ip: u.ips[0] });

  // one user in two cohorts: moved from Apex (56) to Ganymede (57)
  const twoCohorts = 5301;
  study(twoCohorts, 56, '2020-02-24', '2020-03-20', 4, '68.201.4.77');
  study(twoCohorts, 57, '2020-03-23', '2020-08-20', 4, '68.201.4.77');

  // an alumnus of Bayes (ended 2020-01-30) who keeps reading time-series lessons until the end of October
  const alumnus = { user: 5401, topic: 'timeseries' };
  study(alumnus.user, 34, '2020-01-02', '2020-01-30', 5, '70.120.8.3'); // inside 2020, so that a 2020-only log starts on its first day
  const ts = CURRICULA[3].flat().filter((pg) => pg.startsWith('timeseries/'));
  for (const date of weekdays('2020-03-02', '2020-10-30')) for (let k = 0; k < 2; k++) lines.push({ date, time: officeTime(), page: pick(ts), userId: alumnus.user, cohortId: 34, ip: '70.120.8.3' });

  // a spike day: every student of the cohorts in session reads 20 extra pages (weeks away from the scraper's day, whose outlier widens the bands for a month)
  const spikeDay = '2020-10-14';
  const sd = dayNumber(spikeDay);
  for (const u of users) {
    if (u.kind !== 'student' || sd < u.start || sd > u.end) continue;
    for (let k = 0; k < 20; k++) lines.push({ date: spikeDay, time: officeTime(), page: pick(pages(u.program)), userId: u.id, cohortId: Number(u.cohortField), ip: u.ips[0] });
  }

  // an IP shared by 15 students of Io (60) in one day, off campus
  const sharedIp = '203.0.113.50';
  for (const u of users.filter((x) => x.cohortField === '60.0').slice(0, 15)) for (let k = 0; k < 3; k++) lines.push({ date: '2020-11-05', time: officeTime(), page: pick(pages(2)), userId: u.id, cohortId: 60, ip: sharedIp });

  // a user from 100 different IPs (an account shared around); the generated students' most is about 35
  const manyIps = 5501;
  study(manyIps, 60, '2020-07-20', '2020-12-18', 4, '24.160.3.9');
  const autumn = weekdays('2020-08-03', '2020-11-27');
  for (let k = 0; k < 100; k++) lines.push({ date: pick(autumn), time: officeTime(), page: pick(pages(2)), userId: manyIps, cohortId: 60, ip: randomIp() });

  return { lines, scraper, cross, barelyActive, overuse, twoCohorts, alumnus, spikeDay, sharedIp, manyIps };
}

function main(argv: string[]): void {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
    else if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) args[a.slice(2)] = ''; // a flag
    else args[a.slice(2)] = argv[++i];
  }
  if ('help' in args) {
    process.stdout.write('usage: courseLog.js --lines N [--seed S] [--out FILE] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--planted]\n');
    return;
  }
  const lines = Number(args.lines ?? '1000');
  const seed = Number(args.seed ?? '42');
  if (!Number.isInteger(lines) || lines < 0) throw new Error(`--lines must be a non-negative integer, got ${args.lines}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${args.seed}`);
  const fd = args.out ? fs.openSync(args.out, 'w') : 1;
  const write = (text: string) => {
    const data = Buffer.from(text);
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(fd, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // non-blocking stdout pipe: retry
        if (code === 'EPIPE') process.exit(0); // reader went away (e.g. | head)
        throw e;
      }
    }
  };
  let buf: string[] = [];
  const plants = 'planted' in args ? plantedCases(seed).lines : undefined;
  for (const line of generateCourseLog({ lines, seed, start: args.start, end: args.end, plants })) {
    buf.push(line);
    if (buf.length === 20000) {
      write(buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) write(buf.join('\n') + '\n');
  if (args.out) fs.closeSync(fd);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`courseLog: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
