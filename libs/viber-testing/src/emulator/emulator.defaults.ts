import { randomBytes } from 'node:crypto';
import { VIBER_WEBHOOK_EVENT_TYPES, type ViberWebhookEventType } from 'nestjs-viber';
import { DEFAULT_CHAT_HOSTNAME } from './viber-callbacks.factory';
import type {
  EmulatorAccount,
  ReplyWaitOptions,
  ViberEmulatorOptions,
} from './viber-emulator.types';

/**
 * What a simulated user's `share-phone` and `location-picker` buttons send unless its profile
 * says otherwise (a simulated device has no SIM and no GPS).
 */
export const SIMULATED_USER_SAMPLES = {
  /** The phone number a `share-phone` button shares (with the user's name). */
  phoneNumber: '+380501234567',
  /** The location a `location-picker` button sends (Kyiv). */
  location: { lat: 50.4501, lon: 30.5234 },
} as const;

/** The default delays between re-sends of a callback that was not answered 200, in ms. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [1000, 5000, 60_000];

/** Every optional event, the list `set_webhook` registers when `event_types` is omitted. */
export const ALL_WEBHOOK_EVENT_TYPES: readonly ViberWebhookEventType[] = VIBER_WEBHOOK_EVENT_TYPES;

/** Bodies above this many bytes are not even kept (they are refused with status 3 anyway). */
export const HARD_BODY_LIMIT = 1024 * 1024;

/** The options every part of the emulator reads, with their defaults applied. */
export type ResolvedEmulatorOptions = Required<
  Pick<
    ViberEmulatorOptions,
    | 'broadcastRateLimit'
    | 'host'
    | 'port'
    | 'basePath'
    | 'callbackTimeoutMs'
    | 'deliveryReceipts'
    | 'receiptDelayMs'
    | 'chatHostname'
    | 'requireHttps'
    | 'enforceRateLimits'
    | 'maxLogEntries'
  >
>;

/** Applies the defaults of {@link ViberEmulatorOptions} (see each option for its default). */
export function resolveEmulatorOptions(options: ViberEmulatorOptions): ResolvedEmulatorOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    basePath: normalizeBasePath(options.basePath ?? '/pa'),
    callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
    deliveryReceipts: options.deliveryReceipts ?? true,
    receiptDelayMs: options.receiptDelayMs ?? 0,
    chatHostname: options.chatHostname ?? DEFAULT_CHAT_HOSTNAME,
    requireHttps: options.requireHttps ?? false,
    enforceRateLimits: options.enforceRateLimits ?? false,
    broadcastRateLimit: resolveBroadcastRateLimit(options.broadcastRateLimit),
    maxLogEntries: options.maxLogEntries ?? 1000,
  };
}

/** Viber's documented broadcast limit: 500 `broadcast_message` requests per 10 s. */
export const DEFAULT_BROADCAST_RATE_LIMIT = { limit: 500, intervalMs: 10_000 } as const;

function resolveBroadcastRateLimit(
  limit: ViberEmulatorOptions['broadcastRateLimit'],
): { limit: number; intervalMs: number } | false {
  if (limit === false) return false;
  if (limit === undefined) return { ...DEFAULT_BROADCAST_RATE_LIMIT };
  if (!Number.isInteger(limit.limit) || limit.limit < 1 || !(limit.intervalMs > 0)) {
    throw new RangeError(
      'ViberEmulator: broadcastRateLimit needs a positive integer limit and a positive intervalMs',
    );
  }
  return { limit: limit.limit, intervalMs: limit.intervalMs };
}

/**
 * The reply helpers' defaults: 150 ms quiet period, 3 s for the whole wait (well under jest's own
 * 5 s, so the emulator's message shows), webhook must answer 200.
 */
export function resolveReplyDefaults(options: ViberEmulatorOptions): ReplyWaitOptions {
  return {
    quietMs: options.replies?.quietMs ?? 150,
    timeoutMs: options.replies?.timeoutMs ?? 3000,
    expectOk: options.replies?.expectOk ?? true,
    ...(options.replies?.count !== undefined ? { count: options.replies.count } : {}),
  };
}

/**
 * The bot's account: `Emulator Bot` with an id and an admin id made from `digits` (a fresh
 * message token), overridden by the `botName` and `account` options.
 */
export function resolveAccount(options: ViberEmulatorOptions, digits: string): EmulatorAccount {
  return {
    id: `pa:${digits}`,
    name: options.botName ?? 'Emulator Bot',
    uri: 'emulatorbot',
    icon: 'https://emulator.invalid/icon.jpg',
    background: 'https://emulator.invalid/background.jpg',
    category: 'Local',
    subcategory: 'Emulator',
    location: { lat: 0, lon: 0 },
    country: 'UA',
    adminId: `adm${digits.slice(-10)}==`,
    adminName: 'Emulator Admin',
    ...options.account,
  };
}

/** A random token in Viber's format: three 16-character alphanumeric groups joined by `-`. */
export function randomViberToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(48);
  const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${chars.slice(0, 16)}-${chars.slice(16, 32)}-${chars.slice(32, 48)}`;
}

function normalizeBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
