import { randomBytes, randomInt } from 'node:crypto';

/** Smallest 19-digit integer: every token the emulator makes has exactly 19 digits. */
const MIN_TOKEN = 10n ** 18n;
/** Largest signed 64-bit integer. */
const MAX_TOKEN = 2n ** 63n - 1n;

/**
 * Serializes a value to JSON text in which every `bigint` is written as a raw JSON number with
 * exactly its digits (`{"message_token":5466394344559121456}`), the way Viber writes 64-bit ids.
 * A client that reads such text with `JSON.parse` rounds the number; a lossless parser keeps it.
 */
export function stringifyJson(value: unknown): string {
  const marker = `\u0000big:${randomBytes(6).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${marker}${item.toString()}` : item,
  );
  if (text === undefined) throw new TypeError('stringifyJson: the value has no JSON form');
  // JSON.stringify escapes the NUL of the marker as \u0000: match that escaped form.
  const escapedMarker = marker.replace('\u0000', '\\u0000');
  return text.split(`"${escapedMarker}`).reduce((out, part, index) => {
    if (index === 0) return part;
    const end = part.indexOf('"');
    return out + part.slice(0, end) + part.slice(end + 1);
  }, '');
}

/** A random 64-bit message token with 19 digits (always above 2^53), as a `bigint`. */
export function randomMessageToken(): bigint {
  const span = MAX_TOKEN - MIN_TOKEN;
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`);
  return MIN_TOKEN + (random % span);
}

/**
 * Makes unique, increasing 64-bit message tokens for one emulator: a random 19-digit start
 * (so that two emulators do not hand out the same tokens) plus a counter. Tokens are
 * `bigint`s, written as raw JSON numbers, and kept as exact decimal strings in the records.
 */
export class MessageTokenGenerator {
  private next: bigint;

  constructor() {
    // Start between 5.0e18 and 5.5e18, like real tokens (5466394344559121456), leaving room to count.
    this.next = 5_000_000_000_000_000_000n + BigInt(randomInt(0, 2 ** 47)) * 1000n;
  }

  /** The next token. */
  take(): bigint {
    const token = this.next;
    this.next += BigInt(randomInt(1, 64));
    return token;
  }
}

/** Converts a token given as a `bigint`, a decimal string or a safe integer to a `bigint`. */
export function toTokenBigInt(token: bigint | string | number): bigint {
  if (typeof token === 'bigint') return token;
  if (typeof token === 'number') {
    if (!Number.isSafeInteger(token)) {
      throw new TypeError(`message_token ${token} is not exact: pass it as a string or a bigint`);
    }
    return BigInt(token);
  }
  if (!/^-?\d+$/.test(token)) throw new TypeError(`message_token "${token}" is not an integer`);
  return BigInt(token);
}
