import type { SimulatedUser } from './simulated-user.model';
import type {
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorReceipt,
  EmulatorUserActivity,
  EmulatorWarning,
} from './viber-emulator.types';

/** Events of a {@link ViberEmulator} (`emulator.on('botMessage', …)`). */
export interface ViberEmulatorEvents {
  /** Every API request, after it was answered. */
  request: [request: EmulatorApiRequest];
  /** Every message accepted for a user (send_message, each broadcast receiver, welcome message). */
  botMessage: [message: EmulatorBotMessage];
  /** Every callback attempt, after it ended. */
  callback: [delivery: EmulatorCallbackDelivery, attempt: EmulatorCallbackAttempt];
  /** A simulated user was created. */
  userAdded: [user: SimulatedUser];
  /** A simulated user acted (message, tap, conversation opened, (un)subscribed), before its callback is posted. */
  userActivity: [activity: EmulatorUserActivity];
  /**
   * A bot message reached the user's device (`delivered`), was read (`seen`) or refused
   * (`failed`); emitted when the receipts are due, whether or not the webhook asked for them.
   */
  receipt: [receipt: EmulatorReceipt];
  /**
   * The emulator flags something it accepted: a field Viber does not know (Viber ignores it
   * silently) or a documented rule that Viber's own examples break.
   */
  warning: [warning: EmulatorWarning];
}

/**
 * Emits one {@link ViberEmulatorEvents} event (internal): how the emulator's parts report what
 * happened without holding the emulator itself. A listener that throws does not reach the caller.
 */
export type EmulatorEventSink = <K extends keyof ViberEmulatorEvents>(
  event: K,
  ...args: ViberEmulatorEvents[K]
) => void;
