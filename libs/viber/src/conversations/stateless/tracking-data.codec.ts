import { createHmac, timingSafeEqual } from 'node:crypto';
import { VIBER_LIMITS } from '../../validation/viber-limits';
import type { ViberSessionRecord } from '../viber-session.types';

/** What marks the library's own tracking data: `nvc1.<payload>.<signature>`. */
const PREFIX = 'nvc1.';
/** Bytes of the HMAC-SHA256 kept (128 bits, 22 base64url characters). */
const SIGNATURE_BYTES = 16;

/** The payload: short keys, since it rides in every message (≤ 4000 characters in all). */
interface Envelope {
  /** Issued at, epoch seconds. */
  t: number;
  /** Session (omitted when empty). */
  s?: Record<string, unknown>;
  /** Scene id. */
  c?: string;
  /** Wizard step. */
  p?: number;
  /** Scene state (omitted when empty). */
  st?: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The derived HMAC key of a bot whose `stateless` option is `true`: from its token. */
export function deriveTrackingDataKey(token: string): Buffer {
  return createHmac('sha256', token).update('nestjs-viber:conversations:tracking-data').digest();
}

/**
 * Encodes a user's conversation into `tracking_data` and back, signed with HMAC-SHA256 over the
 * bot, the user and the payload: a user's client cannot forge a scene or a step, nor reuse another
 * user's data. What fails the check (tampered, another user's, another bot's or key's, older than
 * `ttlMs`, not ours at all) decodes to `undefined`: outside any scene. It does not stop a user from
 * sending back an older value of their own (see the README on when to use a store instead).
 * @internal
 */
export class TrackingDataCodec {
  constructor(
    private readonly key: Buffer,
    private readonly botName: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a value looks like the library's tracking data (signed or not). */
  static isOurs(value: string | undefined): boolean {
    return value?.startsWith(PREFIX) ?? false;
  }

  /**
   * The tracking data of a user's record. Throws a `RangeError` naming the limit when it is over
   * the 4000 characters Viber allows.
   */
  encode(userId: string, record: ViberSessionRecord): string {
    const envelope: Envelope = { t: Math.floor(this.now() / 1000) };
    if (Object.keys(record.session).length > 0) envelope.s = record.session;
    if (record.scene) {
      envelope.c = record.scene.id;
      if (record.scene.step !== undefined) envelope.p = record.scene.step;
      if (Object.keys(record.scene.state).length > 0) envelope.st = record.scene.state;
    }
    const payload = Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
    const value = `${PREFIX}${payload}.${this.sign(userId, payload)}`;
    if (value.length > VIBER_LIMITS.trackingData) {
      throw new RangeError(
        `the conversation state is ${value.length} characters as tracking_data, over the ${VIBER_LIMITS.trackingData} Viber allows: keep ctx.session and ctx.scene.state small in stateless mode, or use a store`,
      );
    }
    return value;
  }

  /** The record carried by `value` for this user, or undefined when it fails any check. */
  decode(userId: string, value: string | undefined): ViberSessionRecord | undefined {
    if (value === undefined || !value.startsWith(PREFIX)) return undefined;
    const dot = value.indexOf('.', PREFIX.length);
    if (dot < 0) return undefined;
    const payload = value.slice(PREFIX.length, dot);
    // Compared as text: base64url decoding would ignore stray characters.
    const signature = Buffer.from(value.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.sign(userId, payload), 'utf8');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      return undefined;
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isPlainObject(envelope) || typeof envelope.t !== 'number') return undefined;
    if (envelope.t * 1000 + this.ttlMs < this.now()) return undefined;
    const record: ViberSessionRecord = { session: isPlainObject(envelope.s) ? envelope.s : {} };
    if (typeof envelope.c === 'string') {
      record.scene = {
        id: envelope.c,
        state: isPlainObject(envelope.st) ? envelope.st : {},
      };
      if (typeof envelope.p === 'number') record.scene.step = envelope.p;
    }
    return record;
  }

  private sign(userId: string, payload: string): string {
    return createHmac('sha256', this.key)
      .update(`${this.botName}\n${userId}\n${payload}`)
      .digest()
      .subarray(0, SIGNATURE_BYTES)
      .toString('base64url');
  }
}
