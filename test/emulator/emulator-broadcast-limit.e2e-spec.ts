/**
 * The emulator polices Viber's broadcast limit: once a bot sends more than 500
 * `broadcast_message` requests within any sliding 10 s (configurable), it answers status 12, so
 * an app tested against it learns what Viber would do.
 */
import { ViberStatus } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { TestWebhook, callApi } from '../support/test-webhook.helper';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const broadcast = { sender: { name: 'Bot' }, type: 'text', text: 'news', broadcast_list: ['ann'] };

describe('emulator: the broadcast rate limit', () => {
  let webhook: TestWebhook;
  beforeAll(async () => {
    webhook = await TestWebhook.start();
  });
  afterAll(() => webhook.close());

  async function start(options: Partial<Parameters<typeof ViberEmulator.start>[0]> = {}) {
    return ViberEmulator.start({
      token: TOKEN,
      webhook: webhook.url,
      deliveryReceipts: false,
      users: [{ id: 'ann', subscribed: true }],
      ...options,
    });
  }

  async function statuses(emulator: ViberEmulator, count: number): Promise<number[]> {
    const answers = [];
    // In parallel batches: the window is about arrivals, not answers.
    for (let sent = 0; sent < count; sent += 50) {
      const batch = Array.from({ length: Math.min(50, count - sent) }, () =>
        callApi(emulator.url, 'broadcast_message', broadcast, TOKEN),
      );
      answers.push(...(await Promise.all(batch)));
    }
    return answers.map((answer) => answer.body.status as number);
  }

  it('by default the 501st broadcast_message within 10 s is answered status 12', async () => {
    const emulator = await start();
    try {
      const answers = await statuses(emulator, 510);
      expect(answers.filter((status) => status === ViberStatus.ok)).toHaveLength(500);
      expect(answers.slice(500)).toEqual(new Array(10).fill(ViberStatus.tooManyRequests));
      const refused = await callApi(emulator.url, 'broadcast_message', broadcast, TOKEN);
      expect(refused.body).toMatchObject({
        status: 12,
        status_message: expect.stringMatching(/Rate control/),
      });
      // send_message is not counted.
      const sent = await callApi(
        emulator.url,
        'send_message',
        { ...broadcast, broadcast_list: undefined, receiver: 'ann' },
        TOKEN,
      );
      expect(sent.body.status).toBe(0);
    } finally {
      await emulator.close();
    }
  });

  it('a configured limit; the window slides: once it has room the requests go through again', async () => {
    const emulator = await start({ broadcastRateLimit: { limit: 20, intervalMs: 1000 } });
    try {
      const first = await statuses(emulator, 25);
      expect(first.filter((status) => status === 0)).toHaveLength(20);
      expect(first.filter((status) => status === 12)).toHaveLength(5);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await statuses(emulator, 1)).toEqual([0]);
    } finally {
      await emulator.close();
    }
  });

  it('false turns it off', async () => {
    const emulator = await start({ broadcastRateLimit: false });
    try {
      expect(new Set(await statuses(emulator, 520))).toEqual(new Set([0]));
    } finally {
      await emulator.close();
    }
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(start({ broadcastRateLimit: { limit: 0, intervalMs: 10 } })).rejects.toThrow(
      /broadcastRateLimit/,
    );
  });
});
