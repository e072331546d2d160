import type { ViberOutgoingMessage } from 'nestjs-viber';
import type {
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackDelivery,
  EmulatorWarning,
} from '../viber-emulator.types';

/**
 * The emulator's logs, most recent last, each cut to the newest `maxEntries` entries. The arrays
 * are the very ones `ViberEmulator` exposes (`requests`, `deliveries`, `botMessages`, `posts`,
 * `warnings`): they are trimmed in place, never replaced.
 */
export class EmulatorLogs {
  /** Every API request answered. */
  readonly requests: EmulatorApiRequest[] = [];
  /** Every callback posted, with its attempts. */
  readonly deliveries: EmulatorCallbackDelivery[] = [];
  /** Every bot message accepted, to any user. */
  readonly botMessages: EmulatorBotMessage[] = [];
  /** Messages accepted by the `post` endpoint. */
  readonly posts: Array<{ token: string; from: string; message: ViberOutgoingMessage }> = [];
  /** Every warning: unknown fields and documented-example oddities. */
  readonly warnings: EmulatorWarning[] = [];

  constructor(private readonly maxEntries: number) {}

  /** Appends `entry` to `log` and drops the oldest entries beyond the limit. */
  push<T>(log: T[], entry: T): void {
    log.push(entry);
    if (log.length > this.maxEntries) log.splice(0, log.length - this.maxEntries);
  }
}
