import { validateSync, type ValidationError } from 'class-validator';
import { ViberCallbackParseError } from '../errors/viber-callback-parse.error';
import { parseJsonLossless } from '../json/lossless-json';
import type { ViberCallback, ViberEventName } from '../types/callback.types';
import {
  ViberClientStatusCallbackDto,
  ViberConversationStartedCallbackDto,
  ViberMessageCallbackDto,
  ViberSubscribedCallbackDto,
  ViberUserIdCallbackDto,
  ViberWebhookCallbackDto,
} from './dto/viber-callback.dto';
import type { DtoClass } from './dto/validate-nested-dto.decorator';
import { DTO_VALIDATOR_OPTIONS, compileDtoValidator, hydrateDto } from './dto-validator.compiler';

/**
 * The schema of each known event. Everything else about a callback's shape (fields, rules,
 * nested objects) is declared on these DTOs.
 */
export const EVENT_SCHEMAS: ReadonlyMap<string, DtoClass> = new Map<ViberEventName, DtoClass>([
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

/** A parsed body: a validated callback, or an event this library does not know (answered 200). */
export type ParsedViberCallback =
  | { readonly known: true; readonly callback: ViberCallback }
  | { readonly known: false; readonly event: string; readonly body: Record<string, unknown> };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    // Stryker disable next-line ConditionalExpression: without the typeof, a primitive still fails (its prototype is its wrapper's, never Object.prototype)
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The first broken rule, with its path: `sender.id must be a string`. */
function firstProblem(errors: ValidationError[], parent = ''): string | undefined {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      const [message] = Object.values(error.constraints);
      // Stryker disable next-line ConditionalExpression: class-validator's messages are never empty
      if (message)
        return message.startsWith(error.property)
          ? `${parent ? `${parent}.` : ''}${message}`
          : `${path}: ${message}`;
    }
    const nested = firstProblem(error.children ?? [], path);
    // Stryker disable next-line ConditionalExpression: with stopAtFirstError, an error without constraints always has a nested one that explains it
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
  // class-validator finds an object's rules through `value.constructor`: the parsed objects
  // get their DTO's prototype, and an own `constructor` key (which would hide it) is refused.
  const shadowed = hydrateDto(value, schema);
  if (shadowed !== undefined) {
    throw new ViberCallbackParseError(
      `Invalid ${event} callback: ${shadowed || 'body'} must not have a "constructor" field`,
    );
  }
  // Valid callbacks (nearly all) pass the check compiled from the DTOs; class-validator runs
  // only to explain a rejection, so every answer stays the same.
  const validator = compileDtoValidator(schema);
  // The compiled check only saves time: validateSync below gives the same answer (the agreement
  // spec, viber-callback.validation.spec.ts, pins that, and that no event DTO falls back). So
  // mutants that skip it, or skip the shortcut it allows, change speed, not answers.
  // Stryker disable next-line BooleanLiteral: no event DTO falls back, so `valid` is always assigned by the check
  let valid = false;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: skipping the compiled check leaves the answer to validateSync, which agrees
  if (validator.fallback === undefined) {
    // Stryker disable next-line BlockStatement: as above, validateSync decides alone
    try {
      valid = validator.check(value);
    } catch {
      // validateSync below meets the same shape and decides.
    }
  }
  // Stryker disable next-line ConditionalExpression: a valid body passes validateSync too (the agreement spec)
  if (valid) return { known: true, callback: value as unknown as ViberCallback };
  let errors: ValidationError[];
  try {
    errors = validateSync(value, DTO_VALIDATOR_OPTIONS);
  } catch {
    // A hostile shape the validator cannot walk is an invalid callback, never a 500.
    // Stryker disable next-line StringLiteral: defensive; no JSON body makes validateSync throw once hydrateDto accepted it
    throw new ViberCallbackParseError(`Invalid ${event} callback`);
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: only a body the compiled check refused gets here, and validateSync agrees it has errors
  if (errors.length > 0) {
    throw new ViberCallbackParseError(
      // Stryker disable next-line StringLiteral: firstProblem finds a message in every error list validateSync returns
      `Invalid ${event} callback: ${firstProblem(errors) ?? 'unknown problem'}`,
    );
  }
  return { known: true, callback: value as unknown as ViberCallback };
}
