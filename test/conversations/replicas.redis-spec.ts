/**
 * Replicas on one redis-server, each its own process (`test/support/conversation-replica-app.ts`):
 * one user's callbacks spread over two replicas run one at a time in the order of the user's
 * Redis line; a replica SIGKILLed while holding a user's lease holds that user up only until the
 * lease expires; and a wizard continues at the same step after the app is killed and started again.
 */
import Redis from 'ioredis';
import { ViberEmulator, type EmulatorBotMessage } from 'nestjs-viber/testing';
import { textMessage } from '../support/callbacks';
import { startChildApp, type ChildApp } from '../support/child-app';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { TEST_TOKEN, freePort, postSigned } from '../support/viber-test-app';

const LEASE_MS = 1500;

async function startReplica(
  server: RedisTestServer,
  env: Record<string, string> = {},
): Promise<{ child: ChildApp; url: string }> {
  const child = startChildApp('conversation-replica-app.ts', [], {
    REDIS_URL: server.url,
    VIBER_TOKEN: TEST_TOKEN,
    LEASE_MS: String(LEASE_MS),
    ...env,
  });
  const line = await child.waitForLine((l) => l.startsWith('listening '));
  return { child, url: `http://127.0.0.1:${line.split(' ')[1]}/viber/webhook` };
}

/** The session of a user of the default bot, as the replicas saved it. */
async function sessionOf(redis: Redis, user: string): Promise<Record<string, unknown> | undefined> {
  const json = await redis.get(`nestjs-viber:conversations:{default:${user}}:s`);
  return json ? (JSON.parse(json) as { session: Record<string, unknown> }).session : undefined;
}

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('conversations across replicas (real redis-server, two processes)', () => {
  let server: RedisTestServer;
  let redis: Redis;
  const children: ChildApp[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await child.exited;
    }
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('200 concurrent callbacks of one user over two replicas: count 200, in the order of the user line', async () => {
    const a = await startReplica(server);
    const b = await startReplica(server);
    children.push(a.child, b.child);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postSigned((i % 2 ? b : a).url, textMessage('spread', `n${i}`), TEST_TOKEN),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
    const session = await eventually(
      () => sessionOf(redis, 'spread'),
      (s) => s?.count === 200,
    );
    expect(session?.count).toBe(200);
    // Arrival: the place each callback took in the user's Redis line, as the replicas saw it.
    const arrivals = new Map<string, number>();
    for (const line of [...a.child.lines, ...b.child.lines]) {
      const [word, text, n] = line.split(' ');
      if (word === 'arrival') arrivals.set(text!, Number(n));
    }
    expect(arrivals.size).toBe(200);
    const inLineOrder = [...arrivals.entries()].sort((x, y) => x[1] - y[1]).map(([text]) => text);
    expect(session?.seen).toEqual(inLineOrder);
    // Both replicas took part.
    expect(a.child.lines.some((l) => l.startsWith('arrival'))).toBe(true);
    expect(b.child.lines.some((l) => l.startsWith('arrival'))).toBe(true);
  }, 60_000);

  it('a replica killed while holding a user lease holds that user up only until the lease expires', async () => {
    const a = await startReplica(server);
    const b = await startReplica(server);
    children.push(a.child, b.child);
    const holding = postSigned(a.url, textMessage('stuck', 'hold'), TEST_TOKEN).catch(
      () => undefined,
    );
    await a.child.waitForLine((l) => l === 'holding');
    const leaseKey = 'nestjs-viber:conversations:{default:stuck}:l';
    const holder = await redis.get(leaseKey);
    expect(holder).not.toBeNull();
    a.child.child.kill('SIGKILL');
    await a.child.exited;
    // Whatever A renewed last, its lease ends within LEASE_MS of its death.
    const left = await redis.pttl(leaseKey);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(LEASE_MS);
    const answer = await postSigned(b.url, textMessage('stuck', 'after'), TEST_TOKEN);
    expect(answer.status).toBe(200);
    await b.child.waitForLine((l) => l === 'after', { timeoutMs: 10_000 });
    expect(await sessionOf(redis, 'stuck')).toEqual({ after: true });
    expect(await redis.get(leaseKey)).not.toBe(holder);
    await holding;
  }, 60_000);

  it('a wizard continues at the same step after the app is killed and started again', async () => {
    const emulator = await ViberEmulator.start({
      token: TEST_TOKEN,
      retrySchedule: [],
      deliveryReceipts: false,
    });
    const texts = (replies: EmulatorBotMessage[]): Array<string | undefined> =>
      replies.map((r) => r.text);
    try {
      const start = async (): Promise<ChildApp> => {
        const port = await freePort();
        const { child } = await startReplica(server, {
          APP: 'demo',
          PORT: String(port),
          VIBER_API_URL: emulator.url,
        });
        children.push(child);
        const webhook = `http://127.0.0.1:${port}/viber/webhook`;
        await eventually(
          async () => emulator.webhook?.url,
          (url) => url === webhook,
        );
        expect(emulator.webhook?.url).toBe(webhook);
        return child;
      };
      const first = await start();
      const olga = emulator.user({ id: 'olga', name: 'Olga', phoneNumber: '+380441234567' });
      expect(texts(await olga.tap('order'))).toEqual(['Which product would you like to order?']);
      expect(texts(await olga.tap('product/pear'))).toEqual([
        'How many Pear? Tap or type a number.',
      ]);
      expect(texts(await olga.send('2'))).toEqual([
        'Your phone number? Share it with the button, or type it.',
      ]);
      first.kill();
      await first.exited;
      await start();
      // The new process knows nothing in memory: the step comes from Redis.
      expect(texts(await olga.tap('Share my phone number'))).toEqual([
        'Where should we deliver? Send your location.',
      ]);
      expect(texts(await olga.tap('Send my location'))).toEqual([
        'Please confirm: 2 × Pear (1.40 EUR), phone +380441234567, delivery to 50.4501, 30.5234.',
      ]);
      const [done] = await olga.tap('confirm');
      expect(done?.text).toMatch(/^Thank you! Order #1 is placed: 2 × Pear/);
    } finally {
      await emulator.close();
    }
  }, 90_000);
});
