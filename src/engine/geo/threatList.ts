/**
 * Threat lists: IPs, CIDRs and lo-hi ranges, from a file (one per line with
 * `#` or `;` comments and an optional note after the address, e.g. Spamhaus
 * DROP's `1.2.3.0/24 ; SBL123`; or a CSV with an ip/cidr column) or written inline
 * as a comma-separated list (a VS Code setting). Matching is a range lookup,
 * so a /8 costs as little as a single address.
 */
import * as fs from 'node:fs';
import { LogInvestigatorError } from '../errors';
import { parseRange, type ParsedIp } from './ip';
import { RangeTableBuilder, type RangeTable } from './ranges';
import { guessDelimiter, normName, readFileBytes, splitCsvLine, textLines } from './textFile';

export interface ThreatEntry {
  /** The entry as written: `203.0.113.7`, `198.51.100.0/24`. */
  text: string;
  /** Where it was written: `FILE:LINE`, or `list` for an inline list. */
  where: string;
  /** A comment or description beside it, if any. */
  note?: string;
}

export interface ThreatList {
  source: string;
  entries: number;
  find(ip: ParsedIp): ThreatEntry | undefined;
}

const IP_COLUMNS = ['ip', 'ipaddress', 'cidr', 'network', 'indicator', 'ioc', 'address', 'addr', 'value', 'range', 'srcip', 'sourceip', 'dstip', 'host', 'observable', 'iprange', 'subnet', 'prefix'];
const NOTE_COLUMNS = ['description', 'comment', 'note', 'notes', 'reason', 'threat', 'threattype', 'category', 'tag', 'tags', 'source', 'name', 'type', 'malware', 'label'];

const cache = new Map<string, { stamp: string; list: ThreatList }>();

/**
 * The threat list a parameter names: a file, or IPs/CIDRs separated by
 * commas (or spaces). A value that is neither gives NOT_FOUND.
 */
export function loadThreatList(param: string): ThreatList {
  const value = param.trim();
  if (value === '') throw new LogInvestigatorError('BAD_OPTION', 'The threat list is empty: give a file or IPs/CIDRs separated by commas.');
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(value);
  } catch {
    stat = undefined;
  }
  if (!stat) {
    const items = value.split(/[,\s]+/).filter(Boolean);
    if (items.every((x) => parseRange(x))) return inlineList(items);
    const bad = items.find((x) => !parseRange(x))!;
    throw new LogInvestigatorError(
      'NOT_FOUND',
      items.length === 1
        ? `The threat list ${value} is neither a file that exists nor an IP address or CIDR.`
        : `The threat list is not a list of IPs/CIDRs: ${JSON.stringify(bad)} is neither (and ${value} is not a file).`,
    );
  }
  if (stat.isDirectory()) throw new LogInvestigatorError('BAD_OPTION', `The threat list ${value} is a folder; give a file.`);
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const hit = cache.get(value);
  if (hit && hit.stamp === stamp) return hit.list;
  const list = fileList(value, readFileBytes(value, 'The threat list'));
  if (cache.size >= 4) cache.delete(cache.keys().next().value!);
  cache.set(value, { stamp, list });
  return list;
}

function inlineList(items: string[]): ThreatList {
  const b = new RangeTableBuilder<ThreatEntry>();
  for (const text of items) b.add(parseRange(text)!, { text, where: 'list' });
  return finish('the list given', b);
}

function finish(source: string, b: RangeTableBuilder<ThreatEntry>): ThreatList {
  const entries = b.size;
  const table: RangeTable<ThreatEntry> = b.build();
  return { source, entries, find: (ip) => table.find(ip) };
}

function fileList(file: string, bytes: Buffer): ThreatList {
  const b = new RangeTableBuilder<ThreatEntry>();
  let csv: { delim: string; ip: number; note?: number; width: number } | undefined;
  let first = true;
  for (const [lineNo, raw] of textLines(bytes)) {
    if (raw.includes('\u0000')) throw new LogInvestigatorError('UNREADABLE', `The threat list ${file} is not a text file (binary data on line ${lineNo}).`);
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    const comment = hash >= 0 ? raw.slice(hash + 1).trim() : '';
    // Spamhaus' lists comment with ';'
    if (line === '' || line.startsWith(';') || line.startsWith('//')) continue;
    const where = `${file}:${lineNo}`;
    if (csv) {
      const f = splitCsvLine(line, csv.delim);
      if (!f) throw new LogInvestigatorError('UNREADABLE', `${where}: a quote is not closed.`);
      const text = (f[csv.ip] ?? '').trim();
      if (text === '') continue;
      const range = parseRange(text);
      if (!range) throw new LogInvestigatorError('UNREADABLE', `${where}: ${JSON.stringify(text)} is not an IP address, CIDR or range.`);
      const note = csv.note !== undefined ? (f[csv.note] ?? '').trim() : comment;
      b.add(range, { text, where, ...(note ? { note } : {}) });
      continue;
    }
    // one entry per line: the address, then maybe a note after a separator
    const m = /^([^\s,;|]*)\s*[,;|]?\s*(.*)$/.exec(line)!;
    const range = parseRange(m[1]);
    if (range) {
      const note = [m[2].trim(), comment].filter(Boolean).join(' ');
      b.add(range, { text: m[1], where, ...(note ? { note } : {}) });
      first = false;
      continue;
    }
    if (first) {
      // a header: a CSV whose columns name the address
      const delim = guessDelimiter(line);
      const header = splitCsvLine(line, delim)?.map(normName) ?? [];
      const ip = IP_COLUMNS.map((n) => header.indexOf(n)).find((i) => i >= 0);
      if (ip === undefined) {
        throw new LogInvestigatorError(
          'UNREADABLE',
          `${where}: ${JSON.stringify(m[1])} is not an IP address, CIDR or range, and the line is no CSV header with an ip or cidr column.`,
        );
      }
      const note = NOTE_COLUMNS.map((n) => header.indexOf(n)).find((i) => i >= 0 && i !== ip);
      csv = { delim, ip, note, width: header.length };
      first = false;
      continue;
    }
    throw new LogInvestigatorError('UNREADABLE', `${where}: ${JSON.stringify(m[1])} is not an IP address, CIDR or range.`);
  }
  if (b.size === 0) throw new LogInvestigatorError('EMPTY', `The threat list ${file} has no addresses.`);
  return finish(file, b);
}
