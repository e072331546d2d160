import { copyFileSync, mkdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ViberButton, ViberKeyboard, ViberOutgoingMessage } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { resolveChromium } from '../support/chromium';
import { TestWebhook, callApi } from '../support/test-webhook.helper';

/**
 * The chat page in a real browser driven by `playwright-core`: the system's Chromium when installed
 * (Debian's `chromium`, as `.ci/run` installs it; or `CHROMIUM_PATH`), otherwise the one the
 * devDependency `@sparticuz/chromium` ships inside its npm package (test/support/chromium.ts).
 * Saves `test-artifacts/chat-page.png`; with `UPDATE_SCREENSHOTS=1` also refreshes the README's
 * `docs/images/chat-page.png`.
 */
const ROOT = join(__dirname, '..', '..');
const ARTIFACT = join(ROOT, 'test-artifacts', 'chat-page.png');
const README_IMAGE = join(ROOT, 'docs', 'images', 'chat-page.png');
const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const SENDER = { name: 'Pizza Bot' };

jest.setTimeout(30_000);

/** A small RGB PNG drawn pixel by pixel (no image library needed). */
function png(width: number, height: number, paint: (x: number, y: number) => number[]): Buffer {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(paint(x, y), y * stride + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A pizza seen from above, in the given topping colour. */
function pizza(topping: number[], background: number[]): Buffer {
  const [width, height] = [240, 110];
  return png(width, height, (x, y) => {
    const [dx, dy] = [x - width / 2, y - height / 2];
    const distance = Math.hypot(dx, dy);
    if (distance > 50) return background;
    if (distance > 43) return [214, 150, 72]; // crust
    const slice = Math.abs(Math.atan2(dy, dx) % (Math.PI / 3)) < 0.03;
    if (slice) return [235, 190, 110];
    const spot = Math.hypot((x % 22) - 11, (y % 22) - 11) < 5 && (x + y) % 44 < 22;
    return spot ? topping : [246, 205, 98]; // cheese
  });
}

const PIZZAS = [
  {
    id: 'margherita',
    name: 'Margherita',
    about: 'Tomato, mozzarella, basil',
    price: '$9.90',
    topping: [86, 160, 70],
    bg: [255, 236, 214],
  },
  {
    id: 'pepperoni',
    name: 'Pepperoni',
    about: 'Spicy salami, mozzarella',
    price: '$11.50',
    topping: [190, 45, 40],
    bg: [255, 224, 224],
  },
  {
    id: 'funghi',
    name: 'Funghi',
    about: 'Mushrooms, garlic, thyme',
    price: '$10.70',
    topping: [120, 90, 70],
    bg: [232, 240, 255],
  },
];

const MENU: ViberKeyboard = {
  Type: 'keyboard',
  Buttons: [
    {
      ActionType: 'reply',
      ActionBody: 'pizza',
      Text: '<b>Pizza</b> menu',
      Columns: 3,
      BgColor: '#f6d365',
    },
    {
      ActionType: 'reply',
      ActionBody: 'drinks',
      Text: '<b>Drinks</b>',
      Columns: 3,
      BgColor: '#b8e8d2',
    },
  ],
};

describe('Chat page in Chromium', () => {
  let media: http.Server;
  let mediaUrl: string;
  let webhook: TestWebhook;
  let emulator: ViberEmulator;
  let browser: Browser;
  let page: Page;

  function carousel(): ViberOutgoingMessage {
    const buttons: ViberButton[] = PIZZAS.flatMap((item) => [
      {
        Columns: 6,
        Rows: 3,
        ActionType: 'none',
        ActionBody: item.id,
        Image: `${mediaUrl}/${item.id}.png`,
      },
      {
        Columns: 6,
        Rows: 2,
        ActionType: 'none',
        ActionBody: item.id,
        TextHAlign: 'left',
        Text: `<b>${item.name}</b><br><font color="#7b7891">${item.about}</font><br><font color="#59489e"><b>${item.price}</b></font>`,
      },
      {
        Columns: 6,
        Rows: 1,
        ActionType: 'reply',
        ActionBody: `order:${item.id}`,
        BgColor: '#7360f2',
        Text: '<font color="#ffffff"><b>Order</b></font>',
      },
    ]);
    return {
      type: 'rich_media',
      min_api_version: 3, // rich media needs 2, `none` buttons 3 (docs/protocol/api-versions.md)
      alt_text: 'Our pizzas',
      rich_media: {
        Type: 'rich_media',
        ButtonsGroupColumns: 6,
        ButtonsGroupRows: 6,
        BgColor: '#ffffff',
        Buttons: buttons,
      },
    };
  }

  async function reply(receiver: string, message: ViberOutgoingMessage): Promise<void> {
    const answer = await callApi(
      emulator.url,
      'send_message',
      { receiver, sender: SENDER, ...message },
      TOKEN,
    );
    if (answer.body.status !== 0) throw new Error(`send_message refused: ${answer.text}`);
  }

  beforeAll(async () => {
    // Fails (never skips) with what to install when there is no Chromium at all.
    const chromiumToUse = await resolveChromium();
    const images = new Map(PIZZAS.map((item) => [`/${item.id}.png`, pizza(item.topping, item.bg)]));
    media = http.createServer((request, response) => {
      const image = images.get(request.url ?? '');
      response.writeHead(image ? 200 : 404, { 'content-type': 'image/png' });
      response.end(image);
    });
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
    mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;

    // The bot: a welcome message, a menu keyboard for any text, a carousel for a menu tap.
    webhook = await TestWebhook.start(async (callback) => {
      const body = callback.body as {
        event: string;
        sender?: { id: string; name: string };
        message?: { type: string; text?: string };
      };
      if (body.event === 'conversation_started') {
        const welcome = {
          sender: SENDER,
          type: 'text',
          text: 'Welcome to Pizza Bot! Say hi to see the menu.',
        };
        return { status: 200, body: JSON.stringify(welcome) };
      }
      if (body.event !== 'message' || body.sender === undefined) return { status: 200 };
      const text = body.message?.text ?? '';
      if (text === 'break') return { status: 500 };
      if (text === 'pizza') {
        await reply(body.sender.id, carousel());
      } else if (text.startsWith('order:')) {
        const item = PIZZAS.find((candidate) => `order:${candidate.id}` === text);
        await reply(body.sender.id, {
          type: 'text',
          text: `${item?.name ?? 'It'} is in the oven. Thank you!`,
        });
      } else {
        await reply(body.sender.id, {
          type: 'text',
          text: `Hi ${body.sender.name}! What would you like today?`,
          keyboard: MENU,
        });
      }
      return { status: 200 };
    });
    emulator = await ViberEmulator.start({
      token: TOKEN,
      botName: 'Pizza Bot',
      webhook: webhook.url,
      retrySchedule: [],
    });
    browser = await chromium.launch({
      executablePath: chromiumToUse.executablePath,
      env: chromiumToUse.env,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    console.info(`chat-page browser test: Chromium ${browser.version()}, ${chromiumToUse.origin}`);
    const context = await browser.newContext({
      viewport: { width: 1180, height: 820 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
    await webhook?.close();
    if (media) await new Promise<void>((resolve) => media.close(() => resolve()));
  });

  it('sends a message, sees the reply, taps a keyboard button, sees the carousel', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await page.goto(emulator.chatUrl);
    await page.locator('#live', { hasText: 'live' }).waitFor();
    await expectText('#webhook', `Webhook: ${webhook.url}`);

    // Create a user and open the conversation: the welcome message arrives.
    await page.fill('#new-user-name', 'Alice');
    await page.fill('#new-user-id', 'alice');
    await page.click('#new-user-add');
    await page.locator('.user-item.active', { hasText: 'Alice' }).waitFor();
    await page.click('#open-chat');
    await page.locator('.msg.bot', { hasText: 'Welcome to Pizza Bot!' }).waitFor();

    // Send a text: the reply and its keyboard are drawn.
    await page.fill('#text', 'hi');
    await page.press('#text', 'Enter');
    await page.locator('.msg.user', { hasText: 'hi' }).waitFor();
    await page.locator('.msg.bot', { hasText: 'Hi Alice! What would you like today?' }).waitFor();
    const keys = page.locator('#keyboard .vb-button');
    await keys.nth(1).waitFor();
    expect(await keys.allTextContents()).toEqual(['Pizza menu', 'Drinks']);
    expect(await keys.first().locator('b').textContent()).toBe('Pizza');
    // Columns: 3 + 3 on the 6-column grid: two halves of one row.
    const [left, right] = [await keys.nth(0).boundingBox(), await keys.nth(1).boundingBox()];
    expect(right!.y).toBe(left!.y);
    expect(Math.abs(right!.width - left!.width)).toBeLessThan(2);
    expect(right!.x).toBeGreaterThanOrEqual(left!.x + left!.width);
    expect(emulator.user('alice').subscribed).toBe(true);

    // Tap a keyboard button: its ActionBody is sent and the carousel comes back.
    await keys.first().click();
    await page.locator('.msg.user', { hasText: 'pizza' }).waitFor();
    const cards = page.locator('.msg.bot.rich .card');
    await cards.nth(2).waitFor();
    expect(await cards.count()).toBe(3);
    expect(await cards.first().locator('.vb-button').count()).toBe(3);
    expect(await cards.first().locator('img.vb-image').getAttribute('src')).toBe(
      `${mediaUrl}/margherita.png`,
    );
    expect(await cards.nth(1).locator('b').first().textContent()).toBe('Pepperoni');
    expect(
      webhook.events('message').map((callback) => (callback.body.message as { text: string }).text),
    ).toEqual(['hi', 'pizza']);
    await page.locator('.msg.bot.rich .status.seen').waitFor();
    const [first, third] = [await cards.nth(0).boundingBox(), await cards.nth(2).boundingBox()];
    expect(third!.y).toBe(first!.y); // a horizontal carousel
    await page.waitForFunction(
      'Array.from(document.images).every((image) => image.complete && image.naturalWidth > 0)',
    );

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: ARTIFACT });
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
      copyFileSync(ARTIFACT, README_IMAGE);
    }

    // Rich-media buttons are tappable too.
    await cards.nth(1).locator('.vb-button', { hasText: 'Order' }).click();
    await page.locator('.msg.bot', { hasText: 'Pepperoni is in the oven. Thank you!' }).waitFor();

    // Bot text is shown as text; only the documented subset of button markup becomes elements.
    const attack = '<img src=x onerror="document.body.dataset.xss=1"> & <b>not bold</b>';
    await reply('alice', {
      type: 'text',
      text: attack,
      min_api_version: 4, // <s> and <font size> need API 4
      keyboard: {
        Type: 'keyboard',
        Buttons: [
          {
            ActionBody: 'x',
            Text: '<script>document.body.dataset.xss=2</script><u>under</u> <s>gone</s> <font color="#ff0000" size="20" onclick="x()">red</font> <i onmouseover="x()">it</i>',
          },
        ],
      },
    });
    await page.locator('.msg.bot .text', { hasText: 'not bold' }).waitFor();
    expect(await page.locator('.msg.bot .text').last().textContent()).toBe(attack);
    expect(await page.locator('#messages img:not(.vb-image)').count()).toBe(0);
    const key = page.locator('#keyboard .vb-button');
    await key.locator('u').waitFor();
    expect(await key.locator('.vb-text').evaluate((node) => node.innerHTML)).toBe(
      '&lt;script&gt;document.body.dataset.xss=2&lt;/script&gt;<u>under</u> <s>gone</s> <span style="color: rgb(255, 0, 0); font-size: 20px;">red</span> <i>it</i>',
    );
    expect(await page.evaluate('document.body.dataset.xss')).toBeUndefined();

    // A field Viber does not know is accepted, and flagged under the message.
    await reply('alice', {
      type: 'text',
      text: 'Typo inside',
      keyboard: {
        Type: 'keyboard',
        Buttons: [{ ActionBody: 'y', Text: 'Yes', Colums: 3 } as ViberButton],
      },
    });
    const flagged = page.locator('.msg.bot', { hasText: 'Typo inside' });
    await flagged.locator('.warnings').waitFor();
    expect(await flagged.locator('.warnings li').allTextContents()).toEqual([
      '⚠ keyboard.Buttons[0].Colums is not a field Viber knows: Viber ignores it (did you mean Columns?)',
    ]);

    // The composer sends pictures, locations and contacts too.
    await page.selectOption('#kind', 'picture');
    await page.fill('#picture-url', `${mediaUrl}/funghi.png`);
    await page.fill('#picture-caption', 'This one?');
    await page.click('#send');
    await page.locator('.msg.user .picture img').waitFor();
    await page.selectOption('#kind', 'location');
    await page.click('#send');
    await page.locator('.msg.user', { hasText: 'Location 50.4501, 30.5234' }).waitFor();
    await page.selectOption('#kind', 'contact');
    await page.click('#send');
    await page.locator('.msg.user', { hasText: '+380501234567' }).waitFor();
    await page.selectOption('#kind', 'text');
    expect(
      webhook
        .events('message')
        .slice(-3)
        .map((callback) => callback.body.message),
    ).toEqual([
      { type: 'picture', media: `${mediaUrl}/funghi.png`, text: 'This one?' },
      { type: 'location', location: { lat: 50.4501, lon: 30.5234 } },
      { type: 'contact', contact: { name: 'Taras Shevchenko', phone_number: '+380501234567' } },
    ]);
    expect(errors).toEqual([]);

    // A webhook failure is shown, not swallowed (the browser logs the 409 answer).
    await page.fill('#text', 'break');
    await page.press('#text', 'Enter');
    await page.locator('#toast', { hasText: 'HTTP 500' }).waitFor();
    await page.locator('.note.error', { hasText: 'HTTP 500' }).waitFor();
  });

  async function expectText(selector: string, text: string): Promise<void> {
    await page.locator(selector, { hasText: text }).waitFor();
  }
});
