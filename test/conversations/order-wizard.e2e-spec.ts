/**
 * The demo's order wizard, driven by emulator users over real HTTP, on Express and Fastify: a
 * wrong phone number re-asked, a run cancelled halfway, two users interleaved (also at the same
 * moment) without their state mixing, and the same wizard through the chat page's endpoints.
 */
import type { INestApplication } from '@nestjs/common';
import { ViberWebhookService } from 'nestjs-viber';
import { ViberEmulator, type EmulatorBotMessage, type SimulatedUser } from 'nestjs-viber/testing';
import { AppModule } from '../../src/app.module';
import { OrdersService } from '../../src/shop/orders.service';
import { PLATFORMS, startApp } from '../support/viber-test-app';

const texts = (replies: EmulatorBotMessage[]): Array<string | undefined> =>
  replies.map((reply) => reply.text);

const PRODUCT_QUESTION = 'Which product would you like to order?';
const PHONE_QUESTION = 'Your phone number? Share it with the button, or type it.';
const LOCATION_QUESTION = 'Where should we deliver? Send your location.';

describe.each(PLATFORMS)('the order wizard on %s', (platform) => {
  let emulator: ViberEmulator;
  let app: INestApplication;
  let orders: OrdersService;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const running = await startApp(platform, {
      imports: [AppModule.register({ token: emulator.token, apiUrl: emulator.url })],
    });
    app = running.app;
    await app.get(ViberWebhookService).register(`${running.url}/viber/webhook`);
    orders = app.get(OrdersService);
  });

  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  it('completes an order, re-asking a wrong phone number', async () => {
    const alice = emulator.user({ id: `alice-${platform}`, name: 'Alice' });
    await alice.openConversation();
    expect(texts(await alice.tap('order'))).toEqual([PRODUCT_QUESTION]);
    expect(alice.keyboard?.Buttons.map((b) => b.ActionBody)).toEqual([
      'product/apple',
      'product/pear',
      'product/kiwi',
      'cancel',
    ]);
    expect(texts(await alice.tap('product/kiwi'))).toEqual([
      'How many Kiwi? Tap or type a number.',
    ]);
    const [phoneQuestion] = await alice.send('3');
    expect(phoneQuestion?.text).toBe(PHONE_QUESTION);
    expect(phoneQuestion?.keyboard?.Buttons[0]).toMatchObject({
      ActionType: 'share-phone',
      Text: 'Share my phone number',
    });
    // The ValidationPipe rejects it; the wizard's exception filter asks again, same step.
    expect(texts(await alice.send('call me maybe'))).toEqual([
      'That does not look like a phone number.',
      PHONE_QUESTION,
    ]);
    expect(texts(await alice.send('+380 67 111-22-33'))).toEqual([LOCATION_QUESTION]);
    expect(texts(await alice.tap('Send my location'))).toEqual([
      'Please confirm: 3 × Kiwi (1.20 EUR), phone +380671112233, delivery to 50.4501, 30.5234.',
    ]);
    const [done] = await alice.tap('confirm');
    expect(done?.text).toMatch(
      /^Thank you! Order #\d+ is placed: 3 × Kiwi \(1\.20 EUR\), phone \+380671112233, delivery to 50\.4501, 30\.5234\.$/,
    );
    expect(orders.all().filter((o) => o.userId === alice.id)).toEqual([
      expect.objectContaining({
        sku: 'kiwi',
        quantity: 3,
        phone: '+380671112233',
        location: { lat: 50.4501, lon: 30.5234 },
      }),
    ]);
    // The wizard is over: the shop's own handlers answer again.
    expect(texts(await alice.send('hello'))).toEqual(['You said: hello']);
  });

  it('cancels a run halfway; "back" goes one step back', async () => {
    const ann = emulator.user({ id: `ann-${platform}`, name: 'Ann' });
    await ann.tap('catalog');
    // A product's Order button enters the wizard at the quantity (selectStep in @SceneEnter).
    expect(texts(await ann.tap('order/apple'))).toEqual(['How many Apple? Tap or type a number.']);
    expect(texts(await ann.send('200'))).toEqual([
      'From 1 to 99, please.',
      'How many Apple? Tap or type a number.',
    ]);
    expect(texts(await ann.tap('2'))).toEqual([PHONE_QUESTION]);
    expect(texts(await ann.tap('back'))).toEqual(['How many Apple? Tap or type a number.']);
    expect(texts(await ann.tap('5'))).toEqual([PHONE_QUESTION]);
    expect(texts(await ann.send('price kiwi'))).toEqual([
      'That does not look like a phone number.',
      PHONE_QUESTION,
    ]);
    expect(texts(await ann.tap('cancel'))).toEqual(['Order cancelled.']);
    // Outside the wizard: a number is just text again, and nothing was ordered.
    expect(texts(await ann.send('5'))).toEqual(['You said: 5']);
    expect(texts(await ann.send('cancel'))).toEqual(['Nothing to cancel.']);
    expect(orders.all().filter((o) => o.userId === ann.id)).toEqual([]);
  });

  it('two users interleaved, also at the same moment, keep their own orders', async () => {
    const bob = emulator.user({ id: `bob-${platform}`, name: 'Bob', phoneNumber: '+380500000001' });
    const eve = emulator.user({
      id: `eve-${platform}`,
      name: 'Eve',
      phoneNumber: '+380500000002',
      location: { lat: 49.8397, lon: 24.0297 },
    });
    const both = (a: () => Promise<EmulatorBotMessage[]>, b: () => Promise<EmulatorBotMessage[]>) =>
      Promise.all([a(), b()]).then(([x, y]) => [texts(x), texts(y)]);
    const step = (user: SimulatedUser, action: string): Promise<EmulatorBotMessage[]> =>
      user.tap(action);

    expect(texts(await step(bob, 'order'))).toEqual([PRODUCT_QUESTION]);
    expect(texts(await step(eve, 'order'))).toEqual([PRODUCT_QUESTION]);
    expect(texts(await step(bob, 'product/apple'))).toEqual([
      'How many Apple? Tap or type a number.',
    ]);
    expect(texts(await step(eve, 'product/pear'))).toEqual([
      'How many Pear? Tap or type a number.',
    ]);
    expect(
      await both(
        () => step(bob, '1'),
        () => step(eve, '4'),
      ),
    ).toEqual([[PHONE_QUESTION], [PHONE_QUESTION]]);
    expect(
      await both(
        () => step(eve, 'Share my phone number'),
        () => step(bob, 'Share my phone number'),
      ),
    ).toEqual([[LOCATION_QUESTION], [LOCATION_QUESTION]]);
    expect(
      await both(
        () => step(bob, 'Send my location'),
        () => step(eve, 'Send my location'),
      ),
    ).toEqual([
      ['Please confirm: 1 × Apple (0.50 EUR), phone +380500000001, delivery to 50.4501, 30.5234.'],
      ['Please confirm: 4 × Pear (2.80 EUR), phone +380500000002, delivery to 49.8397, 24.0297.'],
    ]);
    await both(
      () => step(eve, 'confirm'),
      () => step(bob, 'confirm'),
    );
    const placed = orders.all().filter((o) => o.userId === bob.id || o.userId === eve.id);
    expect(
      placed
        .map(({ userId, sku, quantity, phone }) => ({ userId, sku, quantity, phone }))
        .sort((a, b) => a.userId.localeCompare(b.userId)),
    ).toEqual([
      { userId: bob.id, sku: 'apple', quantity: 1, phone: '+380500000001' },
      { userId: eve.id, sku: 'pear', quantity: 4, phone: '+380500000002' },
    ]);
  });
});

describe('the order wizard through the chat page', () => {
  let emulator: ViberEmulator;
  let app: INestApplication;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({ retrySchedule: [], deliveryReceipts: false });
    const running = await startApp('express', {
      imports: [AppModule.register({ token: emulator.token, apiUrl: emulator.url })],
    });
    app = running.app;
    await app.get(ViberWebhookService).register(`${running.url}/viber/webhook`);
  });

  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  /** What the page does when a person taps the button labelled `label` under the input. */
  async function tapOnPage(userId: string, label: string): Promise<void> {
    const conversation = (await (
      await fetch(`${emulator.chatUrl}_emulator/users/${userId}/messages`)
    ).json()) as { keyboard: { token: string; keyboard: { Buttons: Array<{ Text?: string }> } } };
    const index = conversation.keyboard.keyboard.Buttons.findIndex(
      (button) => button.Text?.replace(/<[^>]*>/g, '') === label,
    );
    expect(index).toBeGreaterThanOrEqual(0);
    const answer = await fetch(`${emulator.chatUrl}_emulator/users/${userId}/tap`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: conversation.keyboard.token, from: 'keyboard', index }),
    });
    expect(answer.status).toBe(200);
  }

  it('a person taps through it: share-phone and location-picker send the samples', async () => {
    const created = await fetch(`${emulator.chatUrl}_emulator/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'page-user', name: 'Page' }),
    });
    expect(created.status).toBe(201);
    await fetch(`${emulator.chatUrl}_emulator/users/page-user/open`, { method: 'POST' });
    for (const label of [
      'Order',
      'Pear (0.70 EUR)',
      '2',
      'Share my phone number',
      'Send my location',
      'Confirm',
    ]) {
      await tapOnPage('page-user', label);
    }
    const conversation = (await (
      await fetch(`${emulator.chatUrl}_emulator/users/page-user/messages`)
    ).json()) as { entries: Array<{ kind: string; message?: { text?: string; type?: string } }> };
    const bot = conversation.entries.filter((e) => e.kind === 'bot').map((e) => e.message?.text);
    expect(bot.slice(-6)).toEqual([
      PRODUCT_QUESTION,
      'How many Pear? Tap or type a number.',
      PHONE_QUESTION,
      LOCATION_QUESTION,
      'Please confirm: 2 × Pear (1.40 EUR), phone +380501234567, delivery to 50.4501, 30.5234.',
      expect.stringMatching(/^Thank you! Order #1 is placed: 2 × Pear/),
    ]);
    const user = conversation.entries.filter((e) => e.kind === 'user').map((e) => e.message?.type);
    expect(user).toEqual(['text', 'text', 'text', 'contact', 'location', 'text']);
  });
});
