/**
 * Callback bodies for the e2e tests, made by the test kit's own factory (`viberCallbacks`): the
 * exact JSON text Viber sends, with raw 64-bit tokens. Only hand-broken bodies (tokens no real
 * callback carries) are patched here, on top of the kit's output.
 */
import type { ViberIncomingMessage, ViberUser } from 'nestjs-viber';
import { viberCallbacks } from 'nestjs-viber/testing';
import { stringifyJson } from '../../libs/viber-testing/src/emulator/raw-json.util';
import { TEST_TOKEN } from './viber-test-app';

const factory = viberCallbacks(TEST_TOKEN, {
  chatHostname: null,
  nextToken: () => BigInt(nextToken()),
});

let sequence = 0n;

/** A fresh 19-digit token (above 2^53, so JSON.parse would round it). */
export function nextToken(): string {
  sequence += 1n;
  return (5_000_000_000_000_000_000n + sequence * 7919n).toString();
}

/** A user object. */
export function user(id: string, name = `User ${id}`): ViberUser {
  return {
    id,
    name,
    avatar: 'https://example.com/a.jpg',
    language: 'en',
    country: 'GB',
    api_version: 8,
  };
}

/** A text message from `userId`, with optional tracking data. */
export function textMessage(
  userId: string,
  text: string,
  token?: string,
  extra: { tracking_data?: string } = {},
): string {
  return factory.message(user(userId), text, {
    message_token: token,
    timestamp: 1700000000000,
    ...extra,
  }).body;
}

/** A message of any type from `userId`. */
export function message(userId: string, body: ViberIncomingMessage, token?: string): string {
  return factory.message(user(userId), body, { message_token: token, timestamp: 1700000000000 })
    .body;
}

/** `conversation_started` for `userId`. */
export function conversationStarted(userId: string, token?: string, subscribed = false): string {
  return factory.conversationStarted(user(userId), {
    message_token: token,
    subscribed,
    timestamp: 1700000000000,
  }).body;
}

/** An event that only carries `user_id` (unsubscribed, delivered, seen, failed). */
export function userIdEvent(
  event: 'unsubscribed' | 'delivered' | 'seen' | 'failed',
  userId: string,
  token: string = nextToken(),
): string {
  const overrides = { timestamp: 1700000000000 };
  switch (event) {
    case 'unsubscribed':
      return factory.unsubscribed(userId, { ...overrides, message_token: token }).body;
    case 'delivered':
      return factory.delivered(userId, token, overrides).body;
    case 'seen':
      return factory.seen(userId, token, overrides).body;
    case 'failed':
      return factory.failed(userId, token, 'validation failed', overrides).body;
  }
}

/** `subscribed` for `userId`. */
export function subscribed(userId: string, token?: string): string {
  return factory.subscribed(user(userId), { message_token: token, timestamp: 1700000000000 }).body;
}

/** The `webhook` check. */
export function webhookCheck(token?: string): string {
  return factory.webhook({ message_token: token, timestamp: 1700000000000 }).body;
}

/**
 * The JSON text of any callback (`fields` carry `event` and its own fields), serialized by the
 * test kit with a raw 64-bit token, at `timestamp`.
 */
export function callbackAt(timestamp: number, fields: Record<string, unknown>): string {
  return stringifyJson({ ...fields, timestamp, message_token: BigInt(nextToken()) });
}

/**
 * A body no real callback has: the kit's `message` with its token written as `rawToken`
 * (`'"0123"'`, `'18446744073709551616'`), for tests of what the webhook refuses.
 */
export function withRawToken(body: string, rawToken: string): string {
  return body.replace(/"message_token":\d+/, `"message_token":${rawToken}`);
}
