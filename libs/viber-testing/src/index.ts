/**
 * `nestjs-viber/testing`: a local Viber REST Bot API emulator and helpers for jest tests —
 * simulated users whose actions post signed callbacks to the bot and resolve to its replies, and
 * builders of signed callbacks for posting by hand (supertest).
 */
export * from './emulator/viber-emulator.server';
export * from './emulator/viber-emulator.types';
export * from './emulator/viber-emulator.error';
export * from './emulator/simulated-user.model';
export * from './emulator/viber-callbacks.factory';
export * from './emulator/viber-signature.util';
export * from './emulator/chat-page/chat-page.types';
export { renderChatPage } from './emulator/chat-page/chat-page.html';
export { stringifyJson, randomMessageToken } from './emulator/raw-json.util';
export { requiredApiLevel, type RequiredApiLevel } from './emulator/api-request.validator';
export * from './harness';
