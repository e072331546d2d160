import type { EventEmitter } from 'node:events';
import type { SimulatedUser } from '../simulated-user.model';
import type { ViberEmulatorEvents } from '../viber-emulator.events';
import type {
  EmulatorAccount,
  EmulatorWebhook,
  SimulatedUserProfile,
} from '../viber-emulator.types';

/**
 * What the chat page needs from its emulator (internal contract; `ViberEmulator` is one). The
 * page follows the emulator's events and reads and creates its users through this interface, so
 * the page does not import the emulator class (which serves the page).
 */
export interface ChatPageHost extends Pick<EventEmitter<ViberEmulatorEvents>, 'on' | 'off'> {
  /** Every simulated user. */
  readonly users: readonly SimulatedUser[];
  /** Whether a user with this id exists. */
  hasUser(id: string): boolean;
  /** The user with this id, created on first use. */
  user(idOrProfile: string | SimulatedUserProfile): SimulatedUser;
  /** The registered webhook, if any. */
  readonly webhook: EmulatorWebhook | undefined;
  /** The bot's account. */
  readonly account: Readonly<EmulatorAccount>;
  /** The API base URL the bot must use. */
  readonly url: string;
}
