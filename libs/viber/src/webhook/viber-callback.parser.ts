import { validateSync, type ValidationError } from 'class-validator';
import { ViberCallbackParseError } from '../errors/viber-callback-parse.error';
import { parseJsonLossless } from '../json/lossless-json';
import type { ViberCallback, ViberEventName } from '../types/callback.types';
import {
  ViberClientStatusCallbackDto,
  ViberClientStatusDto,
  ViberConversationStartedCallbackDto,
  ViberMessageCallbackDto,
  ViberSubscribedCallbackDto,
  ViberUserIdCallbackDto,
  ViberWebhookCallbackDto,
} from './dto/viber-callback.dto';
import {
  ViberContactDto,
  ViberIncomingMessageDto,
  ViberLocationDto,
} from './dto/viber-incoming-message.dto';
import { ViberUserDto } from './dto/viber-user.dto';
import { isValidCallbackFast } from './viber-callback.fast-validator';

type DtoClass = new () => object;

/** The schema of each known event. */
const EVENT_SCHEMAS: ReadonlyMap<string, DtoClass> = new Map<ViberEventName, DtoClass>([
  ['webhook', ViberWebhookCallbackDto],
  ['subscribed', ViberSubscribedCallbackDto],
  ['unsubscribed', ViberUserIdCallbackDto],
  ['conversation_started', ViberConversationStartedCallbackDto],
  ['message', ViberMessageCallbackDto],
  ['delivered', ViberUserIdCallbackDto],
  ['seen', ViberUserIdCallbackDto],
  ['failed', ViberUserIdCallbackDto],
  ['client_status', ViberClientStatusCallbackDto],
]);

/** Nested objects of each schema. */
const NESTED: ReadonlyMap<DtoClass, Readonly<Record<string, DtoClass>>> = new Map<
  DtoClass,
  Record<string, DtoClass>
>([
  [ViberSubscribedCallbackDto, { user: ViberUserDto }],
  [ViberConversationStartedCallbackDto, { user: ViberUserDto }],
  [ViberMessageCallbackDto, { sender: ViberUserDto, message: ViberIncomingMessageDto }],
  [ViberIncomingMessageDto, { location: ViberLocationDto, contact: ViberContactDto }],
  [ViberClientStatusCallbackDto, { user: ViberUserDto, status: ViberClientStatusDto }],
]);

/** A parsed body: a validated callback, or an event this library does not know (answered 200). */
export type ParsedViberCallback =
  | { readonly known: true; readonly callback: ViberCallback }
  | { readonly known: false; readonly event: string; readonly body: Record<string, unknown> };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Gives a parsed object (and its known nested objects) the prototype of its schema. */
function hydrate(value: unknown, schema: DtoClass): void {
  if (!isPlainObject(value)) return;
  Object.setPrototypeOf(value, schema.prototype);
  const nested = NESTED.get(schema);
  if (!nested) return;
  for (const key of Object.keys(nested)) {
    if (Object.prototype.hasOwnProperty.call(value, key)) hydrate(value[key], nested[key]!);
  }
}

/**
 * The validator finds an object's schema through `value.constructor`: an own `constructor` key
 * (in the callback or one of its validated objects) would shadow it. Returns the path of one.
 */
function findOwnConstructorKey(
  value: Record<string, unknown>,
  schema: DtoClass,
  path = 'body',
): string | undefined {
  if (Object.prototype.hasOwnProperty.call(value, 'constructor')) return path;
  const nested = NESTED.get(schema);
  if (!nested) return undefined;
  for (const key of Object.keys(nested)) {
    const child = Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
    if (!isPlainObject(child)) continue;
    const found = findOwnConstructorKey(
      child,
      nested[key]!,
      path === 'body' ? key : `${path}.${key}`,
    );
    if (found) return found;
  }
  return undefined;
}

/** The first broken rule, with its path: `sender.id must be a string`. */
function firstProblem(errors: ValidationError[], parent = ''): string | undefined {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      const [message] = Object.values(error.constraints);
      if (message)
        return message.startsWith(error.property)
          ? `${parent ? `${parent}.` : ''}${message}`
          : `${path}: ${message}`;
    }
    const nested = firstProblem(error.children ?? [], path);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Parses and validates a callback body. 64-bit integers stay exact (`message_token` is a
 * string). Extra fields are kept. Throws {@link ViberCallbackParseError} for bodies that are not
 * JSON or not a valid callback.
 */
export function parseViberCallback(raw: Buffer): ParsedViberCallback {
  let value: unknown;
  try {
    value = parseJsonLossless(raw.toString('utf8'));
  } catch {
    throw new ViberCallbackParseError('Body is not JSON');
  }
  if (!isPlainObject(value)) throw new ViberCallbackParseError('Body is not a JSON object');
  const event = value.event;
  if (typeof event !== 'string' || event.length === 0) {
    throw new ViberCallbackParseError('Body is not a Viber callback: "event" is missing');
  }
  const schema = EVENT_SCHEMAS.get(event);
  if (!schema) {
    return { known: false, event, body: value };
  }
  const shadowed = findOwnConstructorKey(value, schema);
  if (shadowed !== undefined) {
    throw new ViberCallbackParseError(
      `Invalid ${event} callback: ${shadowed} must not have a "constructor" field`,
    );
  }
  hydrate(value, schema);
  // Valid callbacks (nearly all) pass the fast check; class-validator runs only to explain a
  // rejection, so every answer stays the same.
  if (isValidCallbackFast(event, value) === true) {
    return { known: true, callback: value as unknown as ViberCallback };
  }
  let errors: ValidationError[];
  try {
    errors = validateSync(value, { forbidUnknownValues: true, stopAtFirstError: true });
  } catch {
    // A hostile shape the validator cannot walk is an invalid callback, never a 500.
    throw new ViberCallbackParseError(`Invalid ${event} callback`);
  }
  if (errors.length > 0) {
    throw new ViberCallbackParseError(
      `Invalid ${event} callback: ${firstProblem(errors) ?? 'unknown problem'}`,
    );
  }
  return { known: true, callback: value as unknown as ViberCallback };
}
