import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ViberEmulator } from 'nestjs-viber/testing';
import { AppModule } from '../../src/app.module';
import { DeliveryReceiptsService } from '../../src/shop/delivery-receipts.service';
import { freePort, waitFor } from '../support/viber-test-app';

/** The demo bot and the emulator as real servers on 127.0.0.1: a scripted user chats. */
describe('demo bot with the emulator', () => {
  let emulator: ViberEmulator;
  let app: INestApplication;

  beforeAll(async () => {
    emulator = await ViberEmulator.start({ retrySchedule: [] });
    const port = await freePort();
    app = await NestFactory.create(
      AppModule.register({
        token: emulator.token,
        apiUrl: emulator.url,
        webhookUrl: `http://127.0.0.1:${port}/viber/webhook`,
        blockedUsers: ['mallory'],
      }),
      { rawBody: true, logger: false },
    );
    await app.listen(port, '127.0.0.1');
    // set_webhook goes out once the server listens; the emulator checks the webhook during it.
    await emulator
      .waitFor('request', (request) => request.endpoint === 'set_webhook', 5000)
      .catch(() => undefined);
    await waitFor(() => emulator.webhook !== undefined);
  });

  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  it('registered its webhook with the events it wants', () => {
    expect(emulator.webhook).toMatchObject({
      url: expect.stringMatching(/\/viber\/webhook$/),
      sendName: true,
      sendPhoto: true,
    });
  });

  it('welcomes, echoes, answers a keyboard tap, and receives delivered/seen', async () => {
    const alice = emulator.user({ id: 'alice-id', name: 'Alice' });

    const welcome = await alice.openConversation();
    expect(welcome?.message).toMatchObject({
      type: 'text',
      text: 'Hi Alice! Welcome to the demo shop. Send any text and I will echo it.',
      sender: { name: 'Demo Shop' },
      keyboard: { Type: 'keyboard' },
    });

    const echo = await alice.send('hello bot');
    expect(echo.map((m) => m.message)).toEqual([
      expect.objectContaining({
        type: 'text',
        text: 'You said: hello bot',
        keyboard: expect.objectContaining({ Type: 'keyboard' }),
      }),
    ]);

    const price = await alice.send('price kiwi');
    expect(price.map((m) => m.message)).toEqual([
      expect.objectContaining({ text: 'Kiwi costs 0.40 EUR.' }),
    ]);

    const bought = await alice.tap('buy/apple');
    expect(bought.map((m) => m.message)).toEqual([
      expect.objectContaining({ text: 'Added Apple (0.50 EUR) to your cart: 1 item(s).' }),
    ]);

    const catalog = await alice.tap('catalog');
    expect(catalog.map((m) => m.message.type)).toEqual(['rich_media', 'text']);
    // Derived from the features used: rich media needs 2, `<font size>` in a button needs 4.
    expect(catalog[0]!.message).toMatchObject({
      min_api_version: 4,
      rich_media: { Type: 'rich_media', ButtonsGroupRows: 6 },
    });

    // The emulator sends delivered then seen for each bot message; they reach the bot's handler.
    const receipts = app.get(DeliveryReceiptsService);
    const lastToken = catalog[1]!.token;
    await waitFor(() => receipts.of(lastToken).size === 2);
    expect([...receipts.of(lastToken)].sort()).toEqual(['delivered', 'seen']);
  });

  it('ignores a blocked user through its guard', async () => {
    const mallory = emulator.user({ id: 'mallory', name: 'Mallory' });
    const replies = await mallory.send('hello?');
    expect(replies).toEqual([]);
  });
});
