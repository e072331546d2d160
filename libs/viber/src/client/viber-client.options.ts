import type { LoggerService } from '@nestjs/common';
import type { ViberSender } from '../types/message.types';

/** The default Viber API base URL. */
export const VIBER_DEFAULT_API_URL = 'https://chatapi.viber.com/pa';
/** The default timeout of one API request, in milliseconds. */
export const VIBER_DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of one {@link ViberClient}. */
export interface ViberClientOptions {
  /** The bot's auth token. Sent only in the `X-Viber-Auth-Token` header; never logged. */
  token: string;
  /** API base URL; point it at the local emulator in development. Default {@link VIBER_DEFAULT_API_URL}. */
  apiUrl?: string;
  /** Default sender of outgoing messages; a message's own `sender` overrides it. */
  sender?: ViberSender;
  /** Timeout of one request (connect to last byte), in milliseconds. Default 10 000. */
  timeout?: number;
  /** Check messages against the documented limits before sending. Default true. */
  validate?: boolean;
  /** Where debug lines and validation warnings go. Default: a Nest `Logger('ViberClient')`. */
  logger?: LoggerService;
}

/** Per-call options of the client's methods. */
export interface ViberRequestOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
}
