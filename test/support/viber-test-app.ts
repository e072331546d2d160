import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { computeViberSignature } from 'nestjs-viber';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** HTTP platforms every webhook test runs on. */
export const PLATFORMS = ['express', 'fastify'] as const;
/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];

/**
 * Each platform with the webhook served by its Nest controller (the default) and by the opt-in
 * fast path (`webhook.fastPath`): the same inputs must get the same answers.
 */
export const WEBHOOK_MODES = PLATFORMS.flatMap((platform) =>
  (['controller', 'fast path'] as const).map((mode) => [platform, mode] as const),
);

/** A bot token in Viber's format, for tests. */
export const TEST_TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

/** A running Nest app on 127.0.0.1 and its base URL. */
export interface RunningApp {
  app: INestApplication;
  url: string;
}

/** Starts a real Nest app (Express or Fastify) with rawBody on an ephemeral port. */
export async function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  options: { rawBody?: boolean; bodyParser?: boolean; port?: number } = {},
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const appOptions = {
    rawBody: options.rawBody ?? true,
    bodyParser: options.bodyParser ?? true,
    logger: false as const,
  };
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), appOptions)
      : moduleRef.createNestApplication(appOptions);
  await app.listen(options.port ?? 0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url };
}

/** Reads a fixture's exact bytes. */
export function fixtureBytes(relative: string): Buffer {
  return readFileSync(join(__dirname, '..', 'fixtures', relative));
}

/** A fixture without its final newline (the bytes Viber would send). */
export function fixtureBody(relative: string): string {
  return fixtureBytes(relative).toString('utf8').replace(/\n$/, '');
}

/** Answer of a test request. */
export interface TestResponse {
  status: number;
  text: string;
  headers: Headers;
}

/** POSTs a body signed with `token` (header by default, or `?sig=`). */
export async function postSigned(
  url: string,
  body: string | Buffer,
  token: string,
  options: { via?: 'header' | 'query' | 'none'; signature?: string; contentType?: string } = {},
): Promise<TestResponse> {
  const signature = options.signature ?? computeViberSignature(body, token);
  const via = options.via ?? 'header';
  const headers: Record<string, string> = {
    'Content-Type': options.contentType ?? 'application/json',
  };
  if (via === 'header') headers['X-Viber-Content-Signature'] = signature;
  const target = via === 'query' ? `${url}${url.includes('?') ? '&' : '?'}sig=${signature}` : url;
  const response = await fetch(target, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** A TCP port that was free a moment ago (for apps whose URL must be known before they listen). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once `condition()` holds; rejects after `timeoutMs` (a behaviour check, not a timing one). */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
