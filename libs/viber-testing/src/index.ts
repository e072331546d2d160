/**
 * `nestjs-viber/testing`: a local Viber REST Bot API emulator and helpers for jest tests —
 * simulated users whose actions post signed callbacks to the bot and resolve to its replies,
 * builders of signed callbacks for posting by hand (supertest), and a harness that runs
 * callbacks through a bot's handlers without HTTP. This file is the public API, name by name
 * (see `api/nestjs-viber-testing.api.md`).
 */

// The emulator
export { ViberEmulator } from './emulator/viber-emulator.server';
export type { ViberEmulatorEvents } from './emulator/viber-emulator.events';
export { ViberEmulatorError } from './emulator/viber-emulator.error';
export type {
  EmulatorAccount,
  EmulatorApiRequest,
  EmulatorBotMessage,
  EmulatorCallbackAttempt,
  EmulatorCallbackDelivery,
  EmulatorDeliveryState,
  EmulatorMessageSource,
  EmulatorOnlineStatus,
  EmulatorReceipt,
  EmulatorTranscriptEntry,
  EmulatorUserActivity,
  EmulatorWarning,
  EmulatorWebhook,
  EmulatorWebhookPreset,
  ReplyWaitOptions,
  SimulatedUserProfile,
  ViberEmulatorOptions,
} from './emulator/viber-emulator.types';
export {
  SimulatedUser,
  type OpenConversationOptions,
  type UserSendOptions,
} from './emulator/simulated-user.model';

// The chat page's JSON endpoints and events
export {
  CHAT_PAGE_API_PREFIX,
  type ChatPageConversation,
  type ChatPageEntry,
  type ChatPageEvents,
  type ChatPageInfo,
  type ChatPageKeyboard,
  type ChatPageMessageStatus,
  type ChatPageSendRequest,
  type ChatPageTapRequest,
  type ChatPageUser,
} from './emulator/chat-page/chat-page.types';

// Signed callbacks
export {
  ViberCallbackFactory,
  viberCallbacks,
  type CallbackOverrides,
  type ConversationStartedExtras,
  type MessageCallbackExtras,
  type SignedViberCallback,
  type ViberCallbackFactoryOptions,
} from './emulator/viber-callbacks.factory';

// Handlers without HTTP
export {
  ViberTestingHarness,
  type ViberHarnessInput,
  type ViberHarnessResult,
} from './harness/viber-testing.harness';
