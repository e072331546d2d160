import type { LoggerService } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { ViberBot } from '../bot/viber-bot';
import { ViberCallbackParseError } from '../errors/viber-callback-parse.error';
import type { ViberWebhookRequest } from './raw-body';
import { settleRefusedConnection } from './refused-upload';
import { admitWebhookRequest, refusalBody } from './webhook-admission';

/** Serves one webhook request straight from the platform's router. */
export type ViberFastPathServer = (
  request: ViberWebhookRequest,
  response: ServerResponse,
) => Promise<void>;

function writeJson(response: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  };
  if (close) headers.Connection = 'close';
  response.writeHead(status, headers);
  response.end(text);
}

const EMPTY_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 };

/**
 * The opt-in fast path (`webhook.fastPath: true`): the webhook's `POST` is served from the
 * platform's own router (ahead of Express's router, with a route at the front of its stack for
 * the other spellings of the path; an `onRequest` hook on
 * Fastify), ahead of Nest's route pipeline, with exactly the same handling: the same admission
 * checks on the same raw bytes (so the same inputs are refused with the same statuses and
 * bodies), the same parse, dedupe and dispatch through the handlers (which keep their Nest
 * guards, pipes, interceptors and filters). What it skips is what Nest does around the webhook
 * route itself: app middleware, global guards and interceptors on the webhook request.
 */
export function createFastPathServer(bot: ViberBot, logger: LoggerService): ViberFastPathServer {
  return async (request, response) => {
    try {
      const admission = await admitWebhookRequest(bot, request);
      if (admission.refusal) {
        const { refusal } = admission;
        const { webhook } = bot.options;
        const close = settleRefusedConnection(refusal.connection, request, response, webhook);
        writeJson(response, refusal.status, refusalBody(refusal), close);
        return;
      }
      let answer;
      try {
        answer = await bot.receive(admission.raw);
      } catch (error) {
        if (!(error instanceof ViberCallbackParseError)) throw error;
        bot.refusals.refused('invalid callback', 400, error.reason);
        writeJson(response, 400, { message: error.reason, error: 'Bad Request', statusCode: 400 });
        return;
      }
      if (answer.body !== undefined) writeJson(response, answer.status, answer.body);
      else response.writeHead(answer.status, EMPTY_HEADERS).end();
    } catch (error) {
      logger.error(
        `Webhook request failed: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
      if (!response.headersSent) {
        writeJson(response, 500, {
          message: 'Internal server error',
          statusCode: 500,
        });
      } else response.end();
    }
  };
}
