import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ViberBot } from '../bot/viber-bot';
import { ViberRawBodyUnavailableError } from '../errors/viber-raw-body-unavailable.error';
import { readRawBody, type ViberWebhookRequest } from './raw-body';
import {
  VIBER_SIGNATURE_HEADER,
  isViberSignatureFormat,
  verifyViberSignature,
} from './viber-signature';
import type { ViberRefusalKind } from './webhook-refusal.log';

/** Why a webhook request is not let through, and how to answer it. */
export interface ViberWebhookRefusal {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Short message of the answer (never the body, a signature or the token). */
  readonly message: string;
  /**
   * What becomes of the connection after the answer: `'keep'` it (the body was read);
   * `'discard'` the rest of the upload, and drop the connection only past the bounds (the body
   * was not read, or not to its end: see `discardRefusedUpload`); `'close'` it at once (a
   * stalled or broken upload, or a body the platform read whole).
   */
  readonly connection: ViberRefusalConnection;
  /** What the refusal log counts it as (none: not the caller's fault). */
  readonly kind?: ViberRefusalKind;
  /** A hint for the log line. */
  readonly detail?: string;
}

/** What becomes of a refused request's connection (see {@link ViberWebhookRefusal}). */
export type ViberRefusalConnection = 'keep' | 'discard' | 'close';

/** Either the exact raw bytes of a signed body, or a refusal. */
export type ViberWebhookAdmission =
  | { readonly raw: Buffer; readonly refusal?: undefined }
  | { readonly raw?: undefined; readonly refusal: ViberWebhookRefusal };

const refuse = (
  status: number,
  message: string,
  kind: ViberRefusalKind | undefined,
  connection: ViberRefusalConnection,
): ViberWebhookAdmission => ({ refusal: { status, message, kind, connection } });

/**
 * The checks every webhook request passes, in this order and without parsing anything: 503 while
 * shutting down; 413 for a declared length over the limit; 403 for a missing or malformed
 * signature (the body is not read); the body is read (413 past the limit, 408 when it stalls);
 * 403 for a wrong signature. Shared by the Nest guard and the platform fast path, so both refuse
 * the same inputs the same way. Refusals are logged (rate-limited) here.
 */
export async function admitWebhookRequest(
  bot: ViberBot,
  request: ViberWebhookRequest,
): Promise<ViberWebhookAdmission> {
  const admission = await check(bot, request);
  const refusal = admission.refusal;
  if (refusal?.kind !== undefined) {
    bot.refusals.refused(refusal.kind, refusal.status, refusal.detail);
  } else if (refusal !== undefined) {
    // Not logged (not the caller's fault) but counted: the only such refusal is the 503.
    bot.instrumentation.callbackRefused('shutting down');
  }
  return admission;
}

async function check(bot: ViberBot, request: ViberWebhookRequest): Promise<ViberWebhookAdmission> {
  if (bot.closing) {
    return refuse(HttpStatus.SERVICE_UNAVAILABLE, 'The bot is shutting down', undefined, 'keep');
  }
  const { maxBodyBytes: limit, bodyTimeoutMs } = bot.options.webhook;
  const tooLarge = `Body is larger than ${limit} bytes`;
  const lengthHeader = request.headers['content-length'];
  if (typeof lengthHeader === 'string' && Number(lengthHeader) > limit) {
    return refuse(HttpStatus.PAYLOAD_TOO_LARGE, tooLarge, 'body too large', 'discard');
  }
  const header = request.headers[VIBER_SIGNATURE_HEADER];
  const signature = header !== undefined ? header : request.query?.sig;
  if (!isViberSignatureFormat(signature)) {
    // Not Viber: its body is not worth parsing, nor its connection worth keeping.
    return signature === undefined
      ? refuse(HttpStatus.FORBIDDEN, 'Missing Viber signature', 'missing signature', 'discard')
      : refuse(HttpStatus.FORBIDDEN, 'Invalid Viber signature', 'malformed signature', 'discard');
  }
  let raw: Buffer;
  try {
    raw = await readRawBody(request, limit, bodyTimeoutMs);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: it is no HttpException, so it is rethrown below anyway (the check states the intent)
    if (error instanceof ViberRawBodyUnavailableError) throw error;
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const kind: ViberRefusalKind =
        status === HttpStatus.PAYLOAD_TOO_LARGE
          ? 'body too large'
          : status === HttpStatus.REQUEST_TIMEOUT
            ? 'body too slow'
            : 'incomplete body';
      // Past the limit the rest is still coming; a stalled or broken upload has nothing to wait for.
      return refuse(status, error.message, kind, kind === 'body too large' ? 'discard' : 'close');
    }
    throw error;
  }
  if (raw.length > limit) {
    // Nest's rawBody, read whole by the platform: nothing more is coming.
    return refuse(HttpStatus.PAYLOAD_TOO_LARGE, tooLarge, 'body too large', 'close');
  }
  if (!verifyViberSignature(raw, signature, bot.options.token)) {
    return {
      refusal: {
        status: HttpStatus.FORBIDDEN,
        message: 'Invalid Viber signature',
        kind: 'wrong signature',
        connection: 'keep',
        detail: 'is the token the one of the bot Viber calls?',
      },
    };
  }
  return { raw };
}

/** The JSON body of a refusal, as Nest writes an HttpException: `{ message, error, statusCode }`. */
export function refusalBody(refusal: ViberWebhookRefusal): {
  message: string;
  error: string;
  statusCode: number;
} {
  return {
    message: refusal.message,
    error: STATUS_CODES[refusal.status] ?? 'Error',
    statusCode: refusal.status,
  };
}
