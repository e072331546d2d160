import {
  HttpException,
  InternalServerErrorException,
  Logger,
  type ExecutionContext,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { ViberBot } from '../bot/viber-bot';
import { VIBER_RAW_BODY, type ViberWebhookRequest } from './raw-body';
import { computeViberSignature, VIBER_SIGNATURE_HEADER } from './viber-signature';
import { ViberSignatureGuard } from './viber-signature.guard';

const TOKEN = 'guard-test-token';

function fakeBot(closing = false): ViberBot {
  return {
    closing,
    options: { token: TOKEN, webhook: { maxBodyBytes: 100, bodyTimeoutMs: 1000 } },
    refusals: { refused: () => undefined },
    instrumentation: { callbackRefused: () => undefined },
  } as unknown as ViberBot;
}

interface Harness {
  guard: ViberSignatureGuard;
  headersSet: [unknown, string, string][];
  response: object;
  context: (request: ViberWebhookRequest) => ExecutionContext;
}

function harness(bot: ViberBot, withAdapter = true): Harness {
  const headersSet: Harness['headersSet'] = [];
  const response = { response: true };
  const adapterHost = {
    httpAdapter: withAdapter
      ? {
          setHeader: (res: unknown, name: string, value: string) => {
            headersSet.push([res, name, value]);
          },
        }
      : undefined,
  } as unknown as HttpAdapterHost;
  const context = (request: ViberWebhookRequest): ExecutionContext =>
    ({
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    }) as unknown as ExecutionContext;
  return { guard: new ViberSignatureGuard(bot, adapterHost), headersSet, response, context };
}

async function refusalOf(promise: Promise<boolean>): Promise<HttpException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpException);
  return error as HttpException;
}

describe('ViberSignatureGuard', () => {
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    logged.mockRestore();
  });

  it('lets a signed request through and leaves its raw body on the request', async () => {
    const { guard, context, headersSet } = harness(fakeBot());
    const body = Buffer.from('{"event":"webhook"}');
    const request: ViberWebhookRequest = {
      headers: { [VIBER_SIGNATURE_HEADER]: computeViberSignature(body, TOKEN) },
      rawBody: body,
    };
    await expect(guard.canActivate(context(request))).resolves.toBe(true);
    expect(request[VIBER_RAW_BODY]).toBe(body);
    expect(headersSet).toEqual([]);
  });

  it('throws the refusal as Nest would answer it, with Connection: close where the upload cannot be discarded (not a Node request)', async () => {
    const { guard, context, headersSet, response } = harness(fakeBot());
    const error = await refusalOf(guard.canActivate(context({ headers: {} })));
    expect(error.getStatus()).toBe(403);
    expect(error.getResponse()).toEqual({
      message: 'Missing Viber signature',
      error: 'Forbidden',
      statusCode: 403,
    });
    expect(headersSet).toEqual([[response, 'Connection', 'close']]);
  });

  it('keeps the connection for a refusal that does not ask to close it (503 while shutting down)', async () => {
    const { guard, context, headersSet } = harness(fakeBot(true));
    const error = await refusalOf(guard.canActivate(context({ headers: {} })));
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toEqual({
      message: 'The bot is shutting down',
      error: 'Service Unavailable',
      statusCode: 503,
    });
    expect(headersSet).toEqual([]);
  });

  it('refuses without an HTTP adapter (nothing to set the header on)', async () => {
    const { guard, context } = harness(fakeBot(), false);
    const error = await refusalOf(guard.canActivate(context({ headers: {} })));
    expect(error.getStatus()).toBe(403);
  });

  it('turns a missing raw body into a 500 naming the fix, logged once per guard', async () => {
    const { guard, context } = harness(fakeBot());
    const body = Buffer.from('{"event":"webhook"}');
    const parsed = (): ViberWebhookRequest => ({
      headers: {
        [VIBER_SIGNATURE_HEADER]: computeViberSignature(body, TOKEN),
        'content-length': String(body.length),
      },
      body: { event: 'webhook' },
    });
    for (let i = 0; i < 3; i++) {
      const error = await guard.canActivate(context(parsed())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServerErrorException);
      expect((error as Error).message).toContain('rawBody: true');
    }
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toContain('rawBody: true');
  });

  it('lets other errors through unchanged', async () => {
    const { guard, context } = harness(fakeBot());
    const failure = new Error('boom');
    const request = {
      get headers(): never {
        throw failure;
      },
    } as unknown as ViberWebhookRequest;
    await expect(guard.canActivate(context(request))).rejects.toBe(failure);
    expect(logged).not.toHaveBeenCalled();
  });
});
