import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header Viber signs callbacks with (lower-case, as Node presents request headers). */
export const VIBER_SIGNATURE_HEADER = 'x-viber-content-signature';

const SIGNATURE_FORMAT = /^[0-9a-f]{64}$/;

/** True when `signature` has the form Viber sends: 64 lowercase hex digits. */
export function isViberSignatureFormat(signature: unknown): signature is string {
  return typeof signature === 'string' && SIGNATURE_FORMAT.test(signature);
}

/** The signature Viber puts on a callback: lowercase hex HMAC-SHA256 of the body, keyed by the token. */
export function computeViberSignature(body: string | Buffer, token: string): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

/**
 * Checks a callback signature against the exact raw body bytes, in constant time. Only the
 * exact format Viber sends is accepted: 64 lowercase hex digits (no prefix, no upper case).
 */
export function verifyViberSignature(rawBody: Buffer, signature: unknown, token: string): boolean {
  if (!isViberSignatureFormat(signature)) return false;
  const expected = createHmac('sha256', token).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
