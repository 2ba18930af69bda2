/**
 * File names proposed in save dialogs: from a table's or query's name, reduced to letters, digits,
 * dots, dashes and underscores (no path separators, no leading dot), at most 60 characters.
 */

/** `name` as a file name with extension `ext`, or `fallback.ext` when nothing of it is left. */
export function proposedFileName(name: string, ext: string, fallback = 'results'): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '');
  return `${base || fallback}.${ext}`;
}
