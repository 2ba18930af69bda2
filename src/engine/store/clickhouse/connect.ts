/**
 * Choosing ClickHouse as the backend: the address a person gives (`--backend clickhouse --url URL
 * [--database DB]` on the command line, `logInvestigator.clickhouse.url` in VS Code) checked and
 * turned into the store's options, and the checks before the store is used, each failing with a
 * message that says what is wrong: a URL that is not one, a server that does not answer (refused,
 * unknown host, no answer in time, not speaking HTTP), a user or password it refuses, a database
 * that is not there (only `index` creates one).
 */
import { LogInvestigatorError, errorMessage } from '../../errors';
import type { ClickHouseHttp, ClickHouseOptions } from './http';

/** What a backend choice names: the server(s), the database, the cluster of several shards. */
export interface BackendAddress {
  /** http(s)://HOST[:PORT][,HOST[:PORT]…], the first taking queries; one per shard. */
  url: string;
  database?: string;
  cluster?: string;
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;
const DATABASE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_SHAPE = 'http://HOST:PORT (ClickHouse’s HTTP interface, 8123 by default; several shards: http://HOST:PORT,HOST:PORT)';

/** The store options of a backend choice; throws BAD_OPTION with the reason when the URL or the names are not usable. */
export function backendOptions(a: BackendAddress, credentials: { username?: string; password?: string } = {}): ClickHouseOptions & { database: string; shards: string[] } {
  const text = a.url.trim();
  const m = /^(https?|clickhouse):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(text);
  if (!m) throw new LogInvestigatorError('BAD_OPTION', `not a ClickHouse URL: '${text}'; give ${URL_SHAPE}`);
  if (m[2].includes('@')) throw new LogInvestigatorError('BAD_OPTION', 'the ClickHouse URL takes no user or password (they come from LI_CLICKHOUSE_USER and LI_CLICKHOUSE_PASSWORD, or VS Code’s secret storage)');
  const scheme = m[1].toLowerCase() === 'https' ? 'https' : 'http';
  const hosts = m[2].split(',').map((h) => h.trim());
  const shards = hosts.map((h) => {
    const hm = HOST.exec(h);
    if (!hm) throw new LogInvestigatorError('BAD_OPTION', `not a host:port in the ClickHouse URL: '${h}'; give ${URL_SHAPE}`);
    const port = hm[3] === undefined ? (scheme === 'https' ? 8443 : 8123) : Number(hm[3]);
    if (port < 1 || port > 65535) throw new LogInvestigatorError('BAD_OPTION', `port ${hm[3]} in the ClickHouse URL is not a TCP port (1-65535)`);
    return `${scheme}://${hm[1]}:${port}`;
  });
  const inPath = decodeURIComponent((m[3] ?? '').replace(/^\/+|\/+$/g, ''));
  if (inPath && a.database && inPath !== a.database) throw new LogInvestigatorError('BAD_OPTION', `the URL names database ${inPath} and --database names ${a.database}: give one`);
  const database = a.database || inPath || 'default';
  if (!DATABASE.test(database)) throw new LogInvestigatorError('BAD_OPTION', `ClickHouse database names here are letters, digits and _ (not starting with a digit), not '${database}'`);
  const q = new URLSearchParams(m[4] ?? '');
  const cluster = a.cluster || q.get('cluster') || (shards.length > 1 ? 'li' : undefined);
  if (cluster !== undefined && !DATABASE.test(cluster)) throw new LogInvestigatorError('BAD_OPTION', `cluster names here are letters, digits and _, not '${cluster}'`);
  return { url: shards[0], shards, database, cluster, username: credentials.username || 'default', password: credentials.password ?? '' };
}

/** Why a server did not answer, in words, from the client's error. */
function unreachable(url: string, e: unknown, timeoutMs: number): string {
  const err = e as { code?: string; name?: string; cause?: { code?: string } } | undefined;
  const code = err?.code ?? err?.cause?.code ?? '';
  const port = /:(\d+)$/.exec(url)?.[1];
  if (code === 'ECONNREFUSED') return `cannot reach ClickHouse at ${url}: connection refused (no server listens there; scripts/clickhouse/cluster.sh start starts a local cluster)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach ClickHouse at ${url}: the host name is not known`;
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || /abort|timeout/i.test(errorMessage(e)))
    return `ClickHouse at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s (a firewall, or a server that is down)`;
  if (/^HPE_|ECONNRESET|EPROTO/.test(code) || port === '9000')
    return `the server at ${url} does not answer as ClickHouse’s HTTP interface${port === '9000' ? ' (9000 is ClickHouse’s native port; HTTP is 8123 by default)' : ''}: ${errorMessage(e)}`;
  const msg = serverMessage(e);
  // no network error: something answered /ping over HTTP with an error status (and perhaps a body), so not ClickHouse's HTTP interface
  if (!code) return `the server at ${url} answers HTTP but not as ClickHouse’s HTTP interface${msg ? ` (its /ping: ${msg.length > 200 ? msg.slice(0, 199) + '…' : msg})` : ''}`;
  return `cannot reach ClickHouse at ${url}: ${msg || code}`;
}

/** The server's message without its stack (18.16 appends ", e.what() = DB::Exception" and a stack trace). */
export function serverMessage(e: unknown): string {
  return errorMessage(e).replace(/,? e\.what\(\) = DB::Exception[\s\S]*$/, '').replace(/\s*Stack trace:[\s\S]*$/, '').replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Every shard answers within `timeoutMs`, as ClickHouse, to this user; then the database is there
 * (or is created when `create`). Throws UNREADABLE (server), BAD_OPTION (user, password) or
 * NOT_FOUND (database) with the reason.
 */
export async function checkServers(nodes: ClickHouseHttp[], database: string, opts: { create: boolean; timeoutMs: number }): Promise<void> {
  for (const n of nodes) {
    const ping = await n.client.ping({ select: false, abort_signal: AbortSignal.timeout(opts.timeoutMs) }).catch((e: unknown) => ({ success: false as const, error: e }));
    if (!ping.success) throw new LogInvestigatorError('UNREADABLE', unreachable(n.url, ping.error, opts.timeoutMs));
    try {
      await n.query('SELECT version()', {}, opts.timeoutMs);
    } catch (e) {
      const msg = serverMessage(e);
      if (/password|Unknown user|Authentication failed|code: 516|code: 192|code: 193/i.test(msg)) throw new LogInvestigatorError('BAD_OPTION', `ClickHouse at ${n.url} refused the user or password: ${msg}`);
      throw new LogInvestigatorError('UNREADABLE', `the server at ${n.url} does not answer as ClickHouse: ${msg}`);
    }
  }
  const lit = `'${database.replace(/[^A-Za-z0-9_]/g, '')}'`;
  for (const n of nodes) {
    const have = Number((await n.query(`SELECT count() FROM system.databases WHERE name = ${lit}`, {}, opts.timeoutMs)).rows[0]?.[0] ?? 0) > 0;
    if (have) continue;
    if (opts.create) {
      await n.command(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
      continue;
    }
    const names = (await n.query(`SELECT name FROM system.databases WHERE name != 'system' ORDER BY name LIMIT 20`, {}, opts.timeoutMs)).rows.map((r) => String(r[0]));
    throw new LogInvestigatorError(
      'NOT_FOUND',
      `database ${database} does not exist on ClickHouse at ${n.url}${names.length ? ` (there: ${names.join(', ')})` : ''}; indexing a file into it creates it`,
    );
  }
}
