/**
 * The Redis connections of a bot's queues, and how they end at shutdown whatever Redis does.
 *
 * BullMQ's own `close()` can wait forever while Redis is unreachable: a worker disconnects its
 * blocking connection and waits for its `end` event, which an ioredis client that is between two
 * reconnect attempts never emits (the disconnect only clears its retry timer); a queue sends
 * `QUIT`, which waits in the offline queue for a connection that may never come back; and a
 * worker's `close(true)` after `close()` returns the same pending promise. Meanwhile the worker's
 * lock and stalled-job timers keep the process alive. So the runtime (1) stops reconnecting once
 * it closes (a connection lost from then on ends, failing its pending commands, instead of
 * retrying), (2) caps BullMQ's reconnect delay (e^n ms up to 20 s) so a Redis that is back is
 * seen soon, and (3) after the shutdown timeout ends the clients still open, as ioredis ends one
 * whose reconnecting it gave up: status `end`, pending commands failed, which lets BullMQ's close
 * finish and clear its timers.
 * @internal
 */

/** The parts of an ioredis client (or BullMQ 6's proxy of one) used to end it. */
interface RawRedisClient {
  status?: string;
  disconnect(): void;
  setStatus?(status: string): void;
  flushQueue?(error: Error): void;
}

/** A BullMQ RedisConnection, as far as it is read here (BullMQ 5 and 6). */
interface BullRedisConnection {
  _client?: unknown;
  extraOptions?: { shared?: boolean };
}

/** The error pending commands fail with when a client is ended (ioredis' own message). */
const CONNECTION_CLOSED = 'Connection is closed.';

/** Whether `connection` is a Redis client instance (ioredis `Redis` or `Cluster`), as BullMQ tells. */
export function isRedisClientInstance(connection: object): boolean {
  const record = connection as Record<string, unknown>;
  return ['connect', 'disconnect', 'duplicate'].every((name) => typeof record[name] === 'function');
}

/** BullMQ's default reconnect delay (e^attempt ms, at least 1 s), at most `maxDelayMs`. */
export function reconnectDelay(attempt: number, maxDelayMs: number): number {
  return Math.round(Math.min(Math.max(Math.exp(attempt), 1000), maxDelayMs));
}

/**
 * The connection the bot's BullMQ parts are made with: the configured options with a
 * `retryStrategy` that gives up once {@link QueueConnection.close} was called (the configured
 * one, or BullMQ's capped at `maxDelayMs`, before). A client instance passed in is the app's: it
 * is used as is (BullMQ duplicates it for blocking reads; those copies are ended at shutdown).
 */
export class QueueConnection {
  /** What BullMQ's `connection` option gets. */
  readonly options: object;
  private closing = false;

  constructor(connection: object, maxDelayMs: number) {
    if (isRedisClientInstance(connection)) {
      this.options = connection;
      return;
    }
    const configured = (connection as { retryStrategy?: unknown }).retryStrategy;
    this.options = {
      ...connection,
      retryStrategy: (attempt: number): unknown => {
        if (this.closing) return null;
        return typeof configured === 'function'
          ? (configured as (attempt: number) => unknown)(attempt)
          : reconnectDelay(attempt, maxDelayMs);
      },
    };
  }

  /** True once closing began. */
  get closed(): boolean {
    return this.closing;
  }

  /** From now on a client that loses its connection ends instead of reconnecting. */
  close(): void {
    this.closing = true;
  }
}

/**
 * The Redis clients a BullMQ Queue, Worker, QueueEvents or QueueEventsProducer opened itself
 * (BullMQ 6 keeps them in its backend, BullMQ 5 on the object): never a client the app passed in.
 */
export function ownedRedisClientsOf(part: object): RawRedisClient[] {
  const withBackend = part as { getBackend?: () => unknown };
  const holder = (
    typeof withBackend.getBackend === 'function' ? withBackend.getBackend() : part
  ) as { connection?: BullRedisConnection; blockingConnection?: BullRedisConnection } | undefined;
  if (!holder) return [];
  const clients: RawRedisClient[] = [];
  for (const connection of [holder.connection, holder.blockingConnection]) {
    if (!connection || connection.extraOptions?.shared) continue;
    const client = connection._client as Partial<RawRedisClient> | undefined;
    if (client && typeof client.disconnect === 'function') clients.push(client as RawRedisClient);
  }
  return clients;
}

/**
 * Ends a client now, whatever its state: closes its socket and clears its retry timer, and when
 * no socket is left whose closing would end it (it was between two reconnect attempts), ends it
 * as ioredis does when it gives up reconnecting: status `end` (its `end` event) and every pending
 * command failed. Returns whether it was still open.
 */
export function endRedisClient(client: RawRedisClient): boolean {
  if (client.status === 'end') return false;
  try {
    client.disconnect();
  } catch {
    // Already gone.
  }
  if (client.status === 'reconnecting' || client.status === 'wait') {
    client.setStatus?.('end');
    client.flushQueue?.(new Error(CONNECTION_CLOSED));
  }
  return true;
}
