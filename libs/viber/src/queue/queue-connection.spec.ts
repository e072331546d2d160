import {
  QueueConnection,
  endRedisClient,
  isRedisClientInstance,
  ownedRedisClientsOf,
  reconnectDelay,
} from './queue-connection';

type Strategy = (attempt: number) => unknown;
const strategyOf = (connection: QueueConnection): Strategy =>
  (connection.options as { retryStrategy: Strategy }).retryStrategy;

/** A stand-in for an ioredis client: what endRedisClient touches, recorded. */
function fakeClient(status: string): {
  status: string;
  calls: string[];
  disconnect(): void;
  setStatus(status: string): void;
  flushQueue(error: Error): void;
} {
  const client = {
    status,
    calls: [] as string[],
    disconnect() {
      client.calls.push('disconnect');
    },
    setStatus(next: string) {
      client.calls.push(`status ${next}`);
      client.status = next;
    },
    flushQueue(error: Error) {
      client.calls.push(`flush ${error.message}`);
    },
  };
  return client;
}

describe('queue connection', () => {
  it("BullMQ's reconnect delay (e^n ms, at least 1 s), capped", () => {
    expect([1, 6, 7, 8, 9, 30].map((n) => reconnectDelay(n, 5000))).toEqual([
      1000, 1000, 1097, 2981, 5000, 5000,
    ]);
  });

  it('options: the configured ones with a retryStrategy that gives up once closed', () => {
    const connection = new QueueConnection({ host: '127.0.0.1', port: 6390 }, 5000);
    expect(connection.options).toMatchObject({ host: '127.0.0.1', port: 6390 });
    expect(strategyOf(connection)(9)).toBe(5000);
    expect(connection.closed).toBe(false);
    connection.close();
    expect(connection.closed).toBe(true);
    expect(strategyOf(connection)(1)).toBeNull();
  });

  it("keeps the app's own retryStrategy until closed", () => {
    const connection = new QueueConnection({ port: 6390, retryStrategy: () => 42 }, 5000);
    expect(strategyOf(connection)(3)).toBe(42);
    connection.close();
    expect(strategyOf(connection)(3)).toBeNull();
  });

  it("uses a client instance as is (it is the app's)", () => {
    const instance = { connect() {}, disconnect() {}, duplicate() {} };
    expect(isRedisClientInstance(instance)).toBe(true);
    expect(isRedisClientInstance({ host: 'h', port: 1 })).toBe(false);
    expect(new QueueConnection(instance, 5000).options).toBe(instance);
  });

  it('finds the clients BullMQ 6 (backend) and BullMQ 5 (object) opened, never a shared one', () => {
    const [a, b, c, d] = [
      fakeClient('ready'),
      fakeClient('ready'),
      fakeClient('ready'),
      fakeClient('ready'),
    ];
    const v6 = {
      getBackend: () => ({
        connection: { _client: a, extraOptions: { shared: false } },
        blockingConnection: { _client: b },
      }),
    };
    const v5 = {
      connection: { _client: c, extraOptions: { shared: true } },
      blockingConnection: { _client: d },
    };
    expect(ownedRedisClientsOf(v6)).toEqual([a, b]);
    expect(ownedRedisClientsOf(v5)).toEqual([d]);
    expect(ownedRedisClientsOf({})).toEqual([]);
  });

  it('ends a client between two reconnect attempts as ioredis gives one up', () => {
    const client = fakeClient('reconnecting');
    expect(endRedisClient(client)).toBe(true);
    expect(client.calls).toEqual(['disconnect', 'status end', 'flush Connection is closed.']);
  });

  it('a connected client is disconnected (its socket closing ends it); an ended one is left', () => {
    const ready = fakeClient('ready');
    expect(endRedisClient(ready)).toBe(true);
    expect(ready.calls).toEqual(['disconnect']);
    const ended = fakeClient('end');
    expect(endRedisClient(ended)).toBe(false);
    expect(ended.calls).toEqual([]);
  });
});
