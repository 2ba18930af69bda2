/**
 * A seeded web server access log (Apache combined format) shaped like the
 * public apache_access_10k sample: its requests come in one minute an hour
 * (that sample's stamps all fall on minute :05), 4xx responses are ordinary
 * (a missing favicon, a mistyped link), and a few clients fail in bunches for
 * ordinary reasons. Planted, each in its own hour:
 *   - fonts: a browser whose page misses six font files (40 requests succeed);
 *   - crawler: MJ12bot following broken links (11 succeed, 14 are 404);
 *   - monitor: one request an hour that always fails (a stale health check);
 *   - scanner: eight probes for an FCKeditor upload page, all 404, nothing else.
 * Only the scanner is a departure from the log's own rates.
 */
import { seededRng } from '../../src/engine/cluster/random';

export const WEB_PLANTED = {
  fonts: '75.97.9.59',
  crawler: '144.76.95.39',
  monitor: '208.91.156.11',
  scanner: '91.236.75.25',
} as const;

const BROWSER = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.107 Safari/537.36';
const CRAWLER = 'Mozilla/5.0 (compatible; MJ12bot/v1.4.4; http://www.majestic12.co.uk/bot.php?+)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const line = (ip: string, ms: number, path: string, status: number, agent: string) => `${ip} - - [${stamp(ms)}] "GET ${path} HTTP/1.1" ${status} ${status === 200 ? 5120 : 320} "-" "${agent}"`;

/** The log's lines, in time order: `hours` hours from 2015-05-17 10:05 UTC, `perHour` ordinary requests at minute :05 of each. */
export function generateWebLog(opts: { seed?: number; hours?: number; perHour?: number } = {}): string[] {
  const next = seededRng(opts.seed ?? 5);
  const hours = opts.hours ?? 48;
  const perHour = opts.perHour ?? 110;
  const start = Date.UTC(2015, 4, 17, 10, 5, 0);
  const out: { ms: number; text: string }[] = [];
  const ipOf = () => `${50 + Math.floor(next() * 150)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`;
  for (let h = 0; h < hours; h++) {
    const t0 = start + h * 3_600_000;
    // ordinary clients: a page and a few assets each, 2.5 % of requests 404
    let left = perHour;
    while (left > 0) {
      const ip = ipOf();
      const n = Math.min(left, 1 + Math.floor(next() * 5));
      for (let i = 0; i < n; i++) {
        const status = next() < 0.025 ? 404 : 200;
        const ms = t0 + Math.floor(next() * 60) * 1000;
        out.push({ ms, text: line(ip, ms, status === 404 ? `/missing/${i}.png` : `/blog/${Math.floor(next() * 300)}.html`, status, BROWSER) });
      }
      left -= n;
    }
    out.push({ ms: t0 + 30_000, text: line(WEB_PLANTED.monitor, t0 + 30_000, '/status', 404, 'check_link/1.0') });
    const bunch = (ip: string, ok: number, bad: number, agent: string, badPath: (i: number) => string) => {
      for (let i = 0; i < ok + bad; i++) {
        const ms = t0 + 1000 + i * 1000;
        out.push({ ms, text: line(ip, ms, i < ok ? `/presentations/${i}.html` : badPath(i), i < ok ? 200 : 404, agent) });
      }
    };
    if (h === 10) bunch(WEB_PLANTED.fonts, 40, 6, BROWSER, (i) => `/css/font/fontawesome-webfont.${i}`);
    if (h === 20) bunch(WEB_PLANTED.crawler, 11, 14, CRAWLER, (i) => `/scripts//%22file://$file/%22?${i}`);
    if (h === 30) bunch(WEB_PLANTED.scanner, 0, 8, BROWSER, (i) => `/blog/index.html/fckeditor/editor/filemanager/upload/${i}`);
  }
  return out.sort((a, b) => a.ms - b.ms).map((x) => x.text);
}
