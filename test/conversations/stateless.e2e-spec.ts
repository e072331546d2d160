/**
 * Stateless conversations: the demo's order wizard with `conversations: { stateless: true }`, the
 * scene, step and state riding in the signed `tracking_data` the emulator's users echo back. A
 * tampered, foreign or unsigned value never enters a step: the message is handled outside scenes.
 */
import type { INestApplication } from '@nestjs/common';
import { ViberWebhookService } from 'nestjs-viber';
import { ViberEmulator, type EmulatorBotMessage } from 'nestjs-viber/testing';
import { AppModule } from '../../src/app.module';
import { OrdersService } from '../../src/shop/orders.service';
import { PLATFORMS, startApp } from '../support/viber-test-app';

const texts = (replies: EmulatorBotMessage[]): Array<string | undefined> =>
  replies.map((reply) => reply.text);

/** The payload of the library's tracking data (`nvc1.<payload>.<signature>`), decoded. */
function payloadOf(trackingData: string): Record<string, unknown> {
  const [, payload] = trackingData.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe.each(PLATFORMS)('stateless conversations on %s', (platform) => {
  let emulator: ViberEmulator;
  let app: INestApplication;
  let orders: OrdersService;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const running = await startApp(platform, {
      imports: [
        AppModule.register({
          token: emulator.token,
          apiUrl: emulator.url,
          conversations: { stateless: true },
        }),
      ],
    });
    app = running.app;
    await app.get(ViberWebhookService).register(`${running.url}/viber/webhook`);
    orders = app.get(OrdersService);
  });

  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  it('walks the wizard with the conversation in the tracking data of the replies', async () => {
    const alice = emulator.user({ id: `alice-${platform}`, name: 'Alice' });
    const [question] = await alice.tap('order');
    expect(question?.trackingData).toMatch(/^nvc1\.[\w-]+\.[\w-]{22}$/);
    expect(payloadOf(question!.trackingData!)).toMatchObject({ c: 'order', p: 1 });
    await alice.tap('product/apple');
    await alice.send('2');
    await alice.tap('Share my phone number');
    const [confirm] = await alice.tap('Send my location');
    expect(payloadOf(confirm!.trackingData!)).toMatchObject({
      c: 'order',
      p: 5,
      st: {
        sku: 'apple',
        quantity: 2,
        phone: '+380501234567',
        location: { lat: 50.4501, lon: 30.5234 },
      },
    });
    const [done] = await alice.tap('confirm');
    expect(done?.text).toMatch(/^Thank you! Order #\d+ is placed: 2 × Apple/);
    // Left the wizard: the session (orders counted) still rides along, no scene any more.
    expect(payloadOf(done!.trackingData!)).toEqual({
      t: expect.any(Number),
      s: { ordersPlaced: 1 },
    });
    expect(orders.all().filter((o) => o.userId === alice.id)).toHaveLength(1);
  });

  it('a tampered tracking_data never enters a step', async () => {
    const mallet = emulator.user({ id: `mallet-${platform}`, name: 'Mallet' });
    const alice = emulator.user(`alice-${platform}`);
    await mallet.tap('order');
    const [quantityQuestion] = await mallet.tap('product/kiwi');
    const genuine = quantityQuestion!.trackingData!;
    const [, payload, signature] = genuine.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...payloadOf(genuine),
        p: 5,
        st: { sku: 'kiwi', quantity: 99, phone: '+1000000', location: { lat: 0, lon: 0 } },
      }),
    ).toString('base64url');
    const attempts = [
      `nvc1.${forgedPayload}.${signature}`, // a forged step with the genuine signature
      `nvc1.${forgedPayload}.${'A'.repeat(22)}`, // a forged step with a guessed signature
      `nvc1.${payload}.${signature!.slice(0, -1)}${signature!.endsWith('A') ? 'B' : 'A'}`, // one character off
      alice.pendingTrackingData ?? '', // another user's genuine value
      `nvc1.${forgedPayload}`, // no signature
      'order:5', // not ours at all
    ];
    for (const trackingData of attempts) {
      const replies = await mallet.send({
        type: 'text',
        text: 'confirm',
        tracking_data: trackingData,
      });
      // Outside any scene: the shop's echo answers, the wizard's confirm step never ran.
      expect(texts(replies)).toEqual(['You said: confirm']);
    }
    expect(orders.all().filter((o) => o.userId === mallet.id)).toEqual([]);
    // The genuine value still works: the user is at the quantity step.
    const replies = await mallet.send({ type: 'text', text: '3', tracking_data: genuine });
    expect(texts(replies)).toEqual(['Your phone number? Share it with the button, or type it.']);
  });
});
