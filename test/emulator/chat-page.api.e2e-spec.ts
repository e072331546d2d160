import * as http from 'node:http';
import { Script } from 'node:vm';
import type { ViberKeyboard } from 'nestjs-viber';
import {
  ViberEmulator,
  type ChatPageConversation,
  type ChatPageEntry,
  type ChatPageUser,
} from 'nestjs-viber/testing';
import { CHAT_PAGE_SAMPLES } from '../../libs/viber-testing/src/emulator/chat-page/chat-page.types';
import { renderChatPage } from '../../libs/viber-testing/src/emulator/chat-page/chat-page.html';
import { CHAT_PAGE_SCRIPT } from '../../libs/viber-testing/src/emulator/chat-page/chat-page.script';
import { TestWebhook, callApi, type RawAnswer } from '../support/test-webhook.helper';

const TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';
const SENDER = { name: 'Menu Bot' };

/** A keyboard with one button of each action type. */
const MENU: ViberKeyboard = {
  Type: 'keyboard',
  Buttons: [
    { ActionType: 'reply', ActionBody: 'pizza', Text: '<b>Pizza</b>', Columns: 3 },
    { ActionType: 'reply', ActionBody: 'quiet', Text: 'Quiet', Columns: 3, Silent: true },
    { ActionType: 'open-url', ActionBody: 'https://example.com/menu', Text: 'Site', Columns: 2 },
    { ActionType: 'share-phone', ActionBody: 'phone', Text: 'Phone', Columns: 2 },
    { ActionType: 'location-picker', ActionBody: 'where', Text: 'Where', Columns: 2 },
    { ActionType: 'none', ActionBody: 'nothing', Text: 'Nothing' },
  ],
};

interface StreamEvent {
  event: string;
  data: unknown;
}

/** A minimal Server-Sent Events client over node:http. */
class EventStreamClient {
  readonly events: StreamEvent[] = [];
  ended = false;
  private buffer = '';

  private constructor(private readonly request: http.ClientRequest) {}

  static open(url: string): Promise<EventStreamClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { agent: false }, (response) => {
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toContain('text/event-stream');
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => client.push(chunk));
        response.on('close', () => (client.ended = true));
        response.on('error', () => (client.ended = true));
        resolve(client);
      });
      const client = new EventStreamClient(request);
      request.on('error', reject);
    });
  }

  of(event: string): unknown[] {
    return this.events.filter((item) => item.event === event).map((item) => item.data);
  }

  entries(): ChatPageEntry[] {
    return this.of('entry') as ChatPageEntry[];
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}; got ${JSON.stringify(this.events)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.request.destroy();
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) });
    }
  }
}

function getText(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('Chat page endpoints', () => {
  let emulator: ViberEmulator;
  let webhook: TestWebhook | undefined;

  function page(path: string, body: object | string = {}, method = 'POST'): Promise<RawAnswer> {
    return callApi(`${emulator.origin}/_emulator`, path, body, null, method);
  }

  afterEach(async () => {
    await emulator?.close();
    await webhook?.close();
    webhook = undefined;
  });

  it('renders a self-contained page whose script parses, with a fresh CSP nonce', async () => {
    expect(() => new Script(CHAT_PAGE_SCRIPT)).not.toThrow();
    emulator = await ViberEmulator.start({ token: TOKEN });
    expect(emulator.chatUrl).toBe(`${emulator.origin}/`);
    const first = await getText(emulator.chatUrl);
    const second = await getText(`${emulator.origin}/chat`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(first.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(first.text).toContain(`<script nonce="${nonce}">`);
    expect(first.text).not.toMatch(/<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?\/\//);
    expect(second.text).not.toContain(nonce!);
    expect((await getText(emulator.chatUrl, 'HEAD')).text).toBe('');
    expect(() => renderChatPage('"><script>')).toThrow(TypeError);
    // Page requests are not API requests.
    expect(emulator.requests).toHaveLength(0);
    // The API keeps answering unknown paths with 404.
    expect((await getText(`${emulator.url}/chat`)).status).toBe(404);
  });

  it('manages users and reports refusals when no bot is connected', async () => {
    emulator = await ViberEmulator.start({ token: TOKEN, users: ['zoe'] });
    const info = await page('info', '', 'GET');
    expect(info.body).toEqual({
      botName: 'Emulator Bot',
      apiUrl: emulator.url,
      webhook: null,
      eventTypes: [],
    });
    const created = await page('users', { id: 'alice', name: 'Alice' });
    expect(created.httpStatus).toBe(201);
    expect(created.body).toEqual({
      id: 'alice',
      name: 'Alice',
      subscribed: false,
      apiVersion: 10,
      messageCount: 0,
    });
    expect((await page('users', { id: 'alice' })).httpStatus).toBe(200);
    const generated = await page('users', { name: 'Bob' });
    expect(generated.body.id).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const list = (await page('users', '', 'GET')).body as unknown as ChatPageUser[];
    expect(list.map((user) => user.name)).toEqual(['zoe', 'Alice', 'Bob']);

    const refused = await page('users/alice/send', { text: 'hi' });
    expect(refused.httpStatus).toBe(409);
    expect(refused.body).toEqual({
      ok: false,
      error: expect.stringContaining('no webhook is set') as unknown,
    });
    expect((await page('users/alice/open', {})).httpStatus).toBe(409);
    expect((await page('users/nobody/send', { text: 'hi' })).httpStatus).toBe(404);
    expect((await page('users/alice/send', { text: 'hi', url: 'x' })).httpStatus).toBe(400);
    expect((await page('users/alice/send', { location: { lat: 91, lon: 0 } })).httpStatus).toBe(
      400,
    );
    expect((await page('users/alice/send', { picture: 'javascript:alert(1)' })).httpStatus).toBe(
      400,
    );
    expect((await page('users/alice/send', '{nope')).httpStatus).toBe(400);
    expect((await page('users/alice/tap', { token: '1', from: 'keyboard' })).httpStatus).toBe(400);
    expect((await page('users/alice/dance', {})).httpStatus).toBe(404);
    expect((await page('users/alice/send', '', 'GET')).httpStatus).toBe(405);
    expect((await page('nothing', '', 'GET')).httpStatus).toBe(404);
    expect(emulator.requests).toHaveLength(0);
  });

  it('shows what the emulator flags: on the bot message, and as notes for other requests', async () => {
    webhook = await TestWebhook.start();
    emulator = await ViberEmulator.start({
      token: TOKEN,
      webhook: webhook.url,
      deliveryReceipts: false,
      users: [{ id: 'alice', subscribed: true }],
    });
    const stream = await EventStreamClient.open(`${emulator.origin}/_emulator/events`);
    await stream.until('info', () => stream.of('info').length === 1);

    const keyboard = {
      Type: 'keyboard',
      Buttons: [{ ActionBody: 'go', Text: 'Go', OpenUrlType: 'external' }],
    };
    const sent = await callApi(
      emulator.url,
      'send_message',
      { receiver: 'alice', sender: SENDER, type: 'text', text: 'Typo', keyboard },
      TOKEN,
    );
    expect(sent.body.status).toBe(0);
    const flagged =
      'keyboard.Buttons[0].OpenUrlType is not a field Viber knows: Viber ignores it (did you mean OpenURLType?)';
    await stream.until('the bot entry', () => stream.entries().some((e) => e.kind === 'bot'));
    expect(stream.entries()).toEqual([
      expect.objectContaining({ kind: 'bot', userId: 'alice', warnings: [flagged] }),
    ]);
    const conversation = (await page('users/alice/messages', '', 'GET'))
      .body as unknown as ChatPageConversation;
    expect(conversation.entries).toEqual([expect.objectContaining({ warnings: [flagged] })]);

    // A message without anything to flag has no `warnings` key.
    await callApi(
      emulator.url,
      'send_message',
      { receiver: 'alice', sender: SENDER, type: 'text', text: 'Fine' },
      TOKEN,
    );
    await stream.until('the second entry', () => stream.entries().length === 2);
    expect(stream.entries()[1]).not.toHaveProperty('warnings');

    // Other requests: a warning note; a refused message: the warning in the error note.
    await callApi(emulator.url, 'get_online', { ids: ['alice'], user_ids: ['x'] }, TOKEN);
    await callApi(
      emulator.url,
      'send_message',
      { reciever: 'alice', sender: SENDER, type: 'text', text: 'Lost' },
      TOKEN,
    );
    await stream.until('two notes', () => stream.entries().length === 4);
    expect(stream.entries().slice(2)).toEqual([
      expect.objectContaining({
        kind: 'note',
        level: 'warning',
        userId: null,
        text: "The bot's get_online: Warning: user_ids is not a field Viber knows: Viber ignores it",
      }),
      expect.objectContaining({
        kind: 'note',
        level: 'error',
        text:
          "The bot's send_message was refused: status 4 (missingData: receiver is required). " +
          'Warning: reciever is not a field Viber knows: Viber ignores it (did you mean receiver?)',
      }),
    ]);
    stream.close();
  });

  it('streams the conversation live and taps buttons as Viber does', async () => {
    webhook = await TestWebhook.start();
    emulator = await ViberEmulator.start({ token: TOKEN, retrySchedule: [] });
    const stream = await EventStreamClient.open(`${emulator.origin}/_emulator/events`);
    await stream.until('info', () => stream.of('info').length === 1);

    // set_webhook from the bot updates the page's info.
    const hook = webhook;
    expect((await callApi(emulator.url, 'set_webhook', { url: hook.url }, TOKEN)).body.status).toBe(
      0,
    );
    await stream.until('webhook info', () => stream.of('info').length === 2);
    expect(stream.of('info')[1]).toMatchObject({ webhook: hook.url });

    hook.handler = async (callback) => {
      const body = callback.body as {
        event: string;
        sender?: { id: string };
        message?: { text?: string };
      };
      if (body.event === 'conversation_started') {
        return {
          status: 200,
          body: JSON.stringify({ sender: SENDER, type: 'text', text: 'Welcome' }),
        };
      }
      if (body.event === 'message' && body.message?.text === 'menu') {
        await callApi(
          emulator.url,
          'send_message',
          {
            receiver: body.sender!.id,
            sender: SENDER,
            type: 'text',
            text: 'Pick',
            keyboard: MENU,
            min_api_version: 3, // share-phone, location-picker, none (docs/protocol/api-versions.md)
          },
          TOKEN,
        );
      }
      return { status: 200 };
    };

    const alice = await page('users', { id: 'alice', name: 'Alice' });
    expect(alice.httpStatus).toBe(201);
    expect((await page('users/alice/open', {})).body).toMatchObject({ ok: true });
    expect((await page('users/alice/send', { text: 'menu' })).body).toEqual({ ok: true });
    await stream.until('the reply and its receipts', () =>
      stream.of('receipt').some((receipt) => (receipt as { status: string }).status === 'seen'),
    );
    const kinds = stream
      .entries()
      .map((entry) => (entry.kind === 'note' ? `note:${entry.text.split(' ')[0]}` : entry.kind));
    expect(kinds).toEqual(['note:Conversation', 'bot', 'user', 'bot']);
    const reply = stream.entries()[3]!;
    expect(reply).toMatchObject({
      kind: 'bot',
      userId: 'alice',
      source: 'send_message',
      status: 'sent',
      message: { type: 'text', text: 'Pick', keyboard: MENU },
    });
    const token = reply.kind === 'bot' ? reply.token : '';
    expect(stream.of('user')).toContainEqual(
      expect.objectContaining({ id: 'alice', subscribed: true }),
    );

    const tap = (index: number): Promise<RawAnswer> =>
      page('users/alice/tap', { token, from: 'keyboard', index });
    hook.received.length = 0;
    expect((await tap(0)).body).toEqual({ ok: true, action: 'reply' });
    expect((await tap(1)).body).toEqual({ ok: true, action: 'reply' });
    expect((await tap(2)).body).toEqual({
      ok: true,
      action: 'open-url',
      url: 'https://example.com/menu',
    });
    expect((await tap(3)).body).toEqual({ ok: true, action: 'share-phone' });
    expect((await tap(4)).body).toEqual({ ok: true, action: 'location-picker' });
    expect((await tap(5)).body).toEqual({ ok: true, action: 'none' });
    expect((await tap(6)).httpStatus).toBe(404);
    const sent = hook.events('message').map((callback) => ({
      silent: callback.body.silent,
      message: callback.body.message as Record<string, unknown>,
    }));
    expect(sent).toEqual([
      { silent: false, message: { type: 'text', text: 'pizza' } },
      { silent: true, message: { type: 'text', text: 'quiet' } },
      { silent: false, message: { type: 'text', text: 'https://example.com/menu' } },
      {
        silent: false,
        message: {
          type: 'contact',
          contact: { name: 'Alice', phone_number: CHAT_PAGE_SAMPLES.phoneNumber },
        },
      },
      { silent: false, message: { type: 'location', location: CHAT_PAGE_SAMPLES.location } },
    ]);
    // Tapping by ActionBody works too, and other message kinds are sent as they are.
    expect((await page('users/alice/tap', { actionBody: 'pizza' })).body).toMatchObject({
      ok: true,
    });
    await page('users/alice/send', {
      picture: { media: 'https://example.com/a.jpg', text: 'look' },
    });
    await page('users/alice/send', { contact: { name: 'Bob', phone_number: '+15555555555' } });
    expect(
      hook
        .events('message')
        .slice(-2)
        .map((callback) => callback.body.message),
    ).toEqual([
      { type: 'picture', media: 'https://example.com/a.jpg', text: 'look' },
      { type: 'contact', contact: { name: 'Bob', phone_number: '+15555555555' } },
    ]);

    // The conversation endpoint has the whole transcript with statuses, silence and the keyboard.
    await emulator.settled();
    const conversation = (await page('users/alice/messages', '', 'GET'))
      .body as unknown as ChatPageConversation;
    expect(conversation.keyboard).toEqual({ token, keyboard: MENU });
    const entries = conversation.entries;
    expect(
      entries
        .filter((entry) => entry.kind === 'bot')
        .map((entry) => entry.kind === 'bot' && entry.status),
    ).toEqual([
      'sent', // the welcome message gets no receipts
      'seen',
    ]);
    expect(entries.filter((entry) => entry.kind === 'user' && entry.silent)).toHaveLength(1);

    // A refused send_message shows up as an error note in the user's conversation.
    await emulator.user('alice').unsubscribe();
    await callApi(
      emulator.url,
      'send_message',
      { receiver: 'alice', sender: SENDER, type: 'text', text: 'still there?' },
      TOKEN,
    );
    await stream.until('the refusal note', () =>
      stream.entries().some((entry) => entry.kind === 'note' && entry.level === 'error'),
    );
    expect(
      stream.entries().find((entry) => entry.kind === 'note' && entry.level === 'error'),
    ).toMatchObject({
      userId: 'alice',
      text: expect.stringContaining('status 6') as unknown,
    });

    // A webhook that fails is reported too.
    hook.handler = () => ({ status: 500 });
    const failed = await page('users/alice/send', { text: 'anyone?' });
    expect(failed.httpStatus).toBe(409);
    expect(failed.body.error).toContain('HTTP 500');
    await stream.until('the callback note', () =>
      stream.entries().some((entry) => entry.kind === 'note' && entry.text.includes('HTTP 500')),
    );

    // close() ends the event stream.
    expect(stream.ended).toBe(false);
    await emulator.close();
    await stream.until('the end of the stream', () => stream.ended);
    stream.close();
  });
});
