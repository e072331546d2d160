import { computeViberSignature } from 'nestjs-viber';

/**
 * Signs a callback body the way Viber does (docs/protocol/signature.md): lowercase hex
 * HMAC-SHA256 of the exact body bytes, keyed by the bot's auth token. The library's own
 * `computeViberSignature`, under the name the test kit uses; check a signature with the
 * library's `verifyViberSignature`.
 *
 * @param body The exact JSON text (or bytes) that is sent.
 * @param token The bot's auth token.
 */
export function signViberBody(body: string | Buffer, token: string): string {
  return computeViberSignature(body, token);
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
