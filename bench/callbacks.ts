import { createHmac } from 'node:crypto';

/** The bot token every benchmark target is configured with (Viber's token format). */
export const BENCH_TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

/** The route every webhook target serves. */
export const WEBHOOK_PATH = '/viber/webhook';

/** A 19-digit `message_token` above 2^53 (`JSON.parse` would round it). */
export const FIXED_MESSAGE_TOKEN = '5491057495223473139';

/** The lowercase hex HMAC-SHA256 of the body keyed by the token, as Viber signs callbacks. */
export function sign(body: string): string {
  return createHmac('sha256', BENCH_TOKEN).update(body).digest('hex');
}

/**
 * A text-message callback as Viber sends it: compact JSON, `message_token` a raw 19-digit
 * integer (not a string).
 */
export function textMessageCallback(messageToken: string, userIndex = 0): string {
  const user = `01234567890A${String(userIndex % 1_000_000).padStart(10, '0')}=`;
  return (
    `{"event":"message","timestamp":1700000000000,"chat_hostname":"SN-CHAT-05_",` +
    `"message_token":${messageToken},"sender":{"id":"${user}","name":"Bench User",` +
    `"avatar":"https://example.com/avatar.jpg","language":"en","country":"GB","api_version":10},` +
    `"message":{"type":"text","text":"Hello, bot! What is the price of item 42?",` +
    `"tracking_data":"state:menu"},"silent":false}`
  );
}

/**
 * A `delivered` receipt as Viber sends it after a message reached one of the user's devices:
 * compact JSON, `message_token` a raw 19-digit integer. After a broadcast these arrive by the
 * million (one per device, then `seen`).
 */
export function deliveredCallback(messageToken: string, userIndex = 0): string {
  const user = `01234567890A${String(userIndex % 1_000_000).padStart(10, '0')}=`;
  return (
    `{"event":"delivered","timestamp":1700000000000,"chat_hostname":"SN-CHAT-05_",` +
    `"message_token":${messageToken},"user_id":"${user}"}`
  );
}

/** A signed request: body, signature and the path Viber posts to (signature also in `?sig=`). */
export interface SignedCallback {
  body: string;
  signature: string;
  path: string;
}

/**
 * Signs a body. Viber sends the signature both in the `X-Viber-Content-Signature` header and,
 * on the URL, as `?sig=`; every target gets both (viber-bot reads only the query parameter).
 */
export function signedCallback(body: string): SignedCallback {
  const signature = sign(body);
  return { body, signature, path: `${WEBHOOK_PATH}?sig=${signature}` };
}

/** Distinct 19-digit tokens, one per call, never repeated within a process. */
export function createTokenSequence(seed: bigint): () => string {
  let next = 5_000_000_000_000_000_000n + seed * 1_000_000_000n;
  return () => {
    next += 1n;
    return next.toString();
  };
}
