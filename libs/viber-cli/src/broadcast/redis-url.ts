import type { ViberQueueConnectionOptions } from 'nestjs-viber';
import { usageError } from '../cli.errors';

/**
 * Reads `--redis <url>` into the queue's connection options: `redis://[user[:password]@]host[:port][/db]`
 * (`rediss://` turns TLS on). The password never appears in an error.
 */
export function parseRedisUrl(text: string): ViberQueueConnectionOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(
      '--redis takes a URL such as redis://127.0.0.1:6379 (or rediss://user:password@host:6380/2).',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw usageError(
      `--redis takes a redis:// or rediss:// URL (got ${url.protocol.replace(/:$/, '')}://…).`,
    );
  }
  if (url.hostname === '') throw usageError('--redis: the URL has no host.');
  const connection: ViberQueueConnectionOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
  };
  if (url.username !== '') connection.username = decodeURIComponent(url.username);
  if (url.password !== '') connection.password = decodeURIComponent(url.password);
  const path = url.pathname.replace(/^\/+/, '');
  if (path !== '') {
    if (!/^\d{1,2}$/.test(path)) {
      throw usageError(
        `--redis: the database after the host must be a number 0..99 (got "/${path}").`,
      );
    }
    connection.db = Number(path);
  }
  if (url.protocol === 'rediss:') connection.tls = {};
  return connection;
}
