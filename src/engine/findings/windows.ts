/**
 * The periods findings are about (Finding.window), as ISO 8601 UTC: the
 * incidents join findings whose periods overlap and share entities.
 */

/** A `_time` value ("2024-04-03 10:00:00", "2024-04-03T10:00:00.5Z") as ISO UTC to the second: "2024-04-03T10:00:00Z". */
export function isoUtc(t: string): string {
  return `${t.replace(' ', 'T').replace(/Z$/, '').slice(0, 19)}Z`;
}

/** The UTC day YYYY-MM-DD as a period: its midnight to the next. */
export function dayWindow(day: string): { start: string; end: string } {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { start: `${day}T00:00:00Z`, end: `${next}T00:00:00Z` };
}
