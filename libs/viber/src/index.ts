/**
 * `nestjs-viber`: the NestJS integration for the Viber REST Bot API. This file is the public
 * API, name by name: what the README documents. The API report (`api/nestjs-viber.api.md`) lists
 * it, and a test fails when this list changes without the report.
 */

// The module and its options
export { ViberModule } from './viber.module';
export type { ViberForRootAsyncOptions, ViberForRootOptions } from './viber.module-definition';
export type {
  ViberHandlingOptions,
  ViberModuleExtras,
  ViberModuleOptions,
  ViberConversationsOptions,
  ViberOptionsFactory,
  ViberQueueBroadcastOptions,
  ViberQueueConnectionOptions,
  ViberQueueOptions,
  ViberQueueWebhookOptions,
  ViberSubscribersOptions,
  ViberWebhookOptions,
} from './viber-module.options';
export { InjectViber } from './inject-viber.decorator';
export {
  VIBER_CONTEXT_TYPE,
  getViberBroadcastsToken,
  getViberClientToken,
  getViberSubscribersToken,
  getViberWebhookServiceToken,
  type ViberContextType,
} from './viber.constants';

// Handlers: routing decorators and parameters
export { OnAction } from './routing/decorators/on-action.decorator';
export {
  OnClientStatus,
  OnConversationStarted,
  OnDelivered,
  OnFailed,
  OnSeen,
  OnSubscribed,
  OnUnhandled,
  OnUnsubscribed,
  OnWebhook,
} from './routing/decorators/on-event.decorator';
export { OnMessage, type ViberMessageFilter } from './routing/decorators/on-message.decorator';
export { OnText } from './routing/decorators/on-text.decorator';
export {
  ActionParam,
  Ctx,
  Event,
  Message,
  Sender,
  Text,
  TrackingData,
  type ViberPipeArg,
} from './routing/decorators/params.decorator';
export type { ViberBotScope, ViberMessageTypeFilter } from './routing/viber-listener.metadata';

// Conversations: sessions, scenes and wizards, per-user ordering
export { Session } from './conversations/decorators/session.decorator';
export {
  InEveryScene,
  Scene,
  SceneEnter,
  SceneLeave,
  Wizard,
  WizardStep,
} from './conversations/decorators/scene.decorators';
export type {
  ViberSceneContext,
  ViberWizardContext,
} from './conversations/viber-conversation.types';
export type {
  ViberSceneRecord,
  ViberSceneState,
  ViberSessionData,
  ViberSessionRecord,
} from './conversations/viber-session.types';
export type {
  ViberSessionLease,
  ViberSessionLocking,
  ViberSessionStore,
  ViberSessionTicket,
  ViberSessionWriteOptions,
} from './conversations/stores/viber-session.store';
export { InMemorySessionStore } from './conversations/stores/in-memory-session.store';
export {
  RedisSessionStore,
  type RedisSessionStoreOptions,
  type ViberRedisSessionClient,
} from './conversations/stores/redis-session.store';
export { ViberSessionStoreError } from './errors/viber-session-store.error';

// The handler's context
export { ViberContext, type ViberContextOf } from './context/viber-context';
export { ViberExecutionContext } from './context/viber-execution-context';
export { isViberContext } from './context/is-viber-context';

// The webhook
export { ViberWebhookService } from './webhook/viber-webhook.service';
export {
  VIBER_SIGNATURE_HEADER,
  computeViberSignature,
  verifyViberSignature,
} from './webhook/viber-signature';

// The client
export {
  ViberClient,
  VIBER_NOT_SENT_STATUS,
  VIBER_TRANSPORT_FAILURE_STATUS,
} from './client/viber-client';
export type {
  ViberBroadcastOptions,
  ViberBroadcastProgress,
  ViberClientOptions,
  ViberRequestOptions,
} from './client/viber-client.options';
export type { ViberRateLimit, ViberRateLimits } from './client/viber-rate-limiter';
export type { ViberRetryOptions } from './client/viber-retry.policy';

// Scaling out: queued broadcasts and sends (BullMQ)
export { ViberBroadcasts } from './queue/viber-broadcasts.service';
export { getViberQueueNames } from './queue/queue-keys';
export type {
  ViberBroadcastAudience,
  ViberBroadcastEvent,
  ViberBroadcastFailure,
  ViberBroadcastHandle,
  ViberBroadcastPage,
  ViberBroadcastStartOptions,
  ViberBroadcastState,
  ViberBroadcastStatus,
} from './types/broadcast.types';

// Errors
export { ViberError } from './errors/viber.error';
export { ViberApiError, type ViberApiErrorDetails } from './errors/viber-api.error';
export {
  ViberAbortedError,
  ViberHttpError,
  ViberNetworkError,
  ViberResponseParseError,
  ViberTimeoutError,
  ViberTransportError,
} from './errors/viber-transport.error';
export { ViberValidationError, type ViberValidationIssue } from './errors/viber-validation.error';
export { ViberOptionsError } from './errors/viber-options.error';
export { ViberUsageError } from './errors/viber-usage.error';
export { ViberHandlerError, ViberQueueUnavailableError } from './errors/viber-queue.error';
export { ViberBroadcastSourceError } from './errors/viber-broadcast-source.error';
export { ViberStatus, type ViberStatusName } from './types/viber-status.enum';

// Messages: builders and limits
export { ViberButtonBuilder, type ViberButtonInput } from './messages/button.builder';
export { ViberKeyboardBuilder } from './messages/keyboard.builder';
export { ViberRichMediaBuilder } from './messages/rich-media.builder';
export {
  contactMessage,
  fileMessage,
  keyboardMessage,
  locationMessage,
  pictureMessage,
  richMediaMessage,
  stickerMessage,
  textMessage,
  urlMessage,
  videoMessage,
  type ViberKeyboardInput,
  type ViberMessageExtras,
  type ViberPictureMessageOptions,
  type ViberRichMediaInput,
  type ViberRichMediaMessageOptions,
  type ViberVideoMessageOptions,
} from './messages/message.builders';
export { VIBER_LIMITS } from './validation/viber-limits';

// Stores: dedupe and subscribers
export type { ViberDedupeStore } from './dedupe/viber-dedupe.store';
export { InMemoryDedupeStore } from './dedupe/in-memory-dedupe.store';
export {
  RedisDedupeStore,
  RedisDedupeStoreError,
  type RedisDedupeStoreOptions,
  type ViberRedisClient,
} from './dedupe/redis-dedupe.store';
export type { ViberSubscriberStore } from './subscribers/viber-subscriber.store';
export {
  InMemorySubscriberStore,
  type InMemorySubscriberStoreOptions,
} from './subscribers/in-memory-subscriber.store';
export {
  RedisSubscriberStore,
  type RedisSubscriberStoreOptions,
  type ViberRedisSubscriberClient,
} from './subscribers/redis-subscriber.store';
export {
  matchesSubscriberFilter,
  mergeSubscriber,
  subscriberOsFamily,
} from './subscribers/subscriber-merge';
export {
  ViberSubscribers,
  type ViberSkippedSubscriber,
  type ViberSubscriberBroadcastOptions,
  type ViberSubscriberBroadcastProgress,
  type ViberSubscriberBroadcastResult,
} from './subscribers/viber-subscribers.service';
export type {
  ViberSubscriber,
  ViberSubscriberFilter,
  ViberSubscriberObservation,
  ViberSubscriberPage,
  ViberSubscriberProfile,
} from './subscribers/viber-subscriber.types';

// Protocol types: callbacks, messages, keyboards, API requests and answers
export {
  type ViberCallback,
  type ViberCallbackBase,
  type ViberCallbackOf,
  type ViberClientStatusCallback,
  type ViberConversationStartedCallback,
  type ViberDeliveredCallback,
  type ViberDeliveryCallback,
  type ViberEventName,
  type ViberFailedCallback,
  type ViberIncomingContactMessage,
  type ViberIncomingFileMessage,
  type ViberIncomingLocationMessage,
  type ViberIncomingMessage,
  type ViberIncomingMessageBase,
  type ViberIncomingMessageType,
  type ViberIncomingPictureMessage,
  type ViberIncomingRichMediaMessage,
  type ViberIncomingStickerMessage,
  type ViberIncomingTextMessage,
  type ViberIncomingUrlMessage,
  type ViberIncomingVideoMessage,
  type ViberMessageCallback,
  type ViberSeenCallback,
  type ViberSubscribedCallback,
  type ViberUnsubscribedCallback,
  type ViberUser,
  type ViberWebhookCallback,
} from './types/callback.types';
export {
  type ViberContactMessage,
  type ViberFileMessage,
  type ViberKeyboardOnlyMessage,
  type ViberLocationMessage,
  type ViberMessageCommon,
  type ViberOutgoingMessage,
  type ViberOutgoingMessageType,
  type ViberPaymentMessage,
  type ViberPaymentParameter,
  type ViberPictureMessage,
  type ViberReply,
  type ViberRichMediaMessage,
  type ViberSender,
  type ViberStickerMessage,
  type ViberTextMessage,
  type ViberUrlMessage,
  type ViberVideoMessage,
} from './types/message.types';
export {
  ViberActionTypes,
  ViberBgMediaTypes,
  ViberFavoritesMetadataTypes,
  ViberInputFieldStates,
  ViberInternalBrowserActionButtons,
  ViberInternalBrowserFooterTypes,
  ViberInternalBrowserModes,
  ViberInternalBrowserTitleTypes,
  ViberOpenURLMediaTypes,
  ViberOpenURLTypes,
  ViberScaleTypes,
  ViberTextHAligns,
  ViberTextSizes,
  ViberTextVAligns,
  type ViberActionType,
  type ViberBgMediaType,
  type ViberButton,
  type ViberButtonFrame,
  type ViberButtonMap,
  type ViberColor,
  type ViberFavoritesMetadata,
  type ViberFavoritesMetadataType,
  type ViberInputFieldState,
  type ViberInternalBrowser,
  type ViberInternalBrowserActionButton,
  type ViberInternalBrowserFooterType,
  type ViberInternalBrowserMode,
  type ViberInternalBrowserTitleType,
  type ViberKeyboard,
  type ViberMediaPlayer,
  type ViberOpenURLMediaType,
  type ViberOpenURLType,
  type ViberRichMedia,
  type ViberScaleType,
  type ViberTextHAlign,
  type ViberTextSize,
  type ViberTextVAlign,
} from './types/keyboard.types';
export {
  VIBER_WEBHOOK_EVENT_TYPES,
  type ViberAccountInfo,
  type ViberAccountMember,
  type ViberBroadcastRequest,
  type ViberBroadcastResponse,
  type ViberBroadcastResult,
  type ViberEndpoint,
  type ViberFailedReceiver,
  type ViberGetOnlineResponse,
  type ViberOnlineStatus,
  type ViberPostRequest,
  type ViberPostResponse,
  type ViberResponseEnvelope,
  type ViberSendMessageRequest,
  type ViberSendMessageResponse,
  type ViberSetWebhookOptions,
  type ViberSetWebhookRequest,
  type ViberSetWebhookResponse,
  type ViberUserDetails,
  type ViberUserDetailsResponse,
  type ViberWebhookEventType,
} from './types/api.types';
