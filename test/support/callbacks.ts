/** Builders of callback bodies for tests: exact JSON text with raw 64-bit tokens, as Viber sends. */

let sequence = 0n;

/** A fresh 19-digit token (above 2^53, so JSON.parse would round it). */
export function nextToken(): string {
  sequence += 1n;
  return (5_000_000_000_000_000_000n + sequence * 7919n).toString();
}

/** A user object. */
export function user(id: string, name = `User ${id}`): Record<string, unknown> {
  return {
    id,
    name,
    avatar: 'https://example.com/a.jpg',
    language: 'en',
    country: 'GB',
    api_version: 8,
  };
}

/** JSON text of a callback whose `message_token` is written as a raw integer. */
export function callbackJson(fields: Record<string, unknown>, token: string = nextToken()): string {
  const json = JSON.stringify({ ...fields, timestamp: 1700000000000, message_token: '__TOKEN__' });
  return json.replace('"__TOKEN__"', token);
}

/** A text message from `userId`. */
export function textMessage(
  userId: string,
  text: string,
  token?: string,
  extra: Record<string, unknown> = {},
): string {
  return callbackJson(
    {
      event: 'message',
      sender: user(userId),
      message: { type: 'text', text, ...extra },
      silent: false,
    },
    token,
  );
}

/** A message of any type from `userId`. */
export function message(userId: string, body: Record<string, unknown>, token?: string): string {
  return callbackJson({ event: 'message', sender: user(userId), message: body }, token);
}

/** `conversation_started` for `userId`. */
export function conversationStarted(userId: string, token?: string, subscribed = false): string {
  return callbackJson(
    { event: 'conversation_started', type: 'open', user: user(userId), subscribed },
    token,
  );
}

/** An event that only carries `user_id` (unsubscribed, delivered, seen, failed). */
export function userIdEvent(
  event: 'unsubscribed' | 'delivered' | 'seen' | 'failed',
  userId: string,
  token?: string,
): string {
  return callbackJson(
    { event, user_id: userId, ...(event === 'failed' ? { desc: 'validation failed' } : {}) },
    token,
  );
}

/** `subscribed` for `userId`. */
export function subscribed(userId: string, token?: string): string {
  return callbackJson({ event: 'subscribed', user: user(userId) }, token);
}

/** The `webhook` check. */
export function webhookCheck(token?: string): string {
  return callbackJson({ event: 'webhook' }, token);
}
