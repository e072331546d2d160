import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signs a callback body the way Viber does (SPEC §4): lowercase hex HMAC-SHA256 of the exact body
 * bytes, keyed by the bot's auth token. Send it as the `X-Viber-Content-Signature` header and as
 * the `sig` query parameter.
 *
 * @param body The exact JSON text (or bytes) that is sent.
 * @param token The bot's auth token.
 */
export function signViberBody(body: string | Buffer, token: string): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

/**
 * Checks a Viber signature against a body with a constant-time comparison.
 *
 * @returns `true` when `signature` is the lowercase hex HMAC-SHA256 of `body` keyed by `token`.
 */
export function verifyViberSignature(
  body: string | Buffer,
  signature: string,
  token: string,
): boolean {
  const expected = Buffer.from(signViberBody(body, token), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Appends `sig=<signature>` to a URL, keeping any query it already has. */
export function withSignatureQuery(url: string, signature: string): string {
  const hashIndex = url.indexOf('#');
  const base = hashIndex === -1 ? url : url.slice(0, hashIndex);
  const separator = base.includes('?')
    ? base.endsWith('?') || base.endsWith('&')
      ? ''
      : '&'
    : '?';
  return `${base}${separator}sig=${signature}`;
}
