/**
 * `nestjs-viber/internal`: what the test kit (`nestjs-viber/testing`) and this repository's own
 * tests and benchmarks need from the library beyond its public API. Not documented, not part of
 * the public API, and free to change in any release: applications must not import it.
 * @internal
 * @packageDocumentation
 */
export { ViberBot, type ViberWebhookAnswer } from './bot/viber-bot';
export { getViberBotToken, getViberOptionsToken, getViberQueueToken } from './viber.constants';
export type { ResolvedViberQueueOptions } from './viber-options.resolver';
export type { ViberQueueRuntime } from './queue/viber-queue.runtime';
export {
  deriveQueueLimiter,
  worstCaseArrivals,
  type QueueLimiterSetting,
} from './queue/queue-rate-limit';
export type { ResolvedViberOptions } from './viber-options.resolver';
export { ViberCallbackParseError } from './errors/viber-callback-parse.error';
export { viberStatusName } from './errors/viber-status';
export { parseJsonLossless } from './json/lossless-json';
export { ValidationContext, isRecord, withoutNullFields } from './validation/validation-context';
export { validateOutgoingMessage, validateRequestSize } from './validation/message.validator';
export { deriveMinApiVersion, listApiFeatures } from './validation/min-api-version';
export { VIBER_DEFAULT_DEDUPE_CAPACITY } from './dedupe/in-memory-dedupe.store';
export { parseViberCallback } from './webhook/viber-callback.parser';
export {
  ViberClientStatusCallbackDto,
  ViberConversationStartedCallbackDto,
  ViberMessageCallbackDto,
  ViberSubscribedCallbackDto,
  ViberUserIdCallbackDto,
  ViberWebhookCallbackDto,
} from './webhook/dto/viber-callback.dto';
export { ViberIncomingMessageDto } from './webhook/dto/viber-incoming-message.dto';
export { ViberUserDto } from './webhook/dto/viber-user.dto';
export { VIBER_DEFAULT_API_URL } from './viber.defaults';
export { ViberConversations } from './conversations/viber-conversations';
export { TrackingDataCodec } from './conversations/stateless/tracking-data.codec';
export { isSessionLocking } from './conversations/stores/viber-session.store';
