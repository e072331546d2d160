import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ViberWebhookRequest } from './raw-body';
import type { ViberFastPathServer } from './webhook-fast-path';

/**
 * Keeps the HTTP platform's body parsers away from the webhook route, so that the signature is
 * checked on the raw bytes before anything parses them, and the bytes are read only once the
 * signature header looks right (see `ViberSignatureGuard`). Installed once the routes exist
 * (`onModuleInit`), for Express and Fastify; elsewhere the guard falls back to `req.rawBody`.
 *
 * - Express: a marker route at the front of the app's stack flags `POST <webhook path>`, and the
 *   body-parser middleware (`jsonParser`, `urlencodedParser`, `textParser`, `rawParser`, however
 *   they were added) skips flagged requests.
 * - Fastify: an `onRequest` hook gives flagged requests a private content type whose parser reads
 *   nothing (and puts the original content type back).
 */

/** Body-parser middleware names (Nest's own and `express.json()` & co. added by the app). */
const EXPRESS_BODY_PARSERS: ReadonlySet<string> = new Set([
  'jsonParser',
  'urlencodedParser',
  'textParser',
  'rawParser',
]);

/** The content type a Fastify webhook request carries while Fastify picks its parser. */
const FASTIFY_UNPARSED_TYPE = 'application/x-nestjs-viber-unparsed';

/** Set on a request whose body the platform left unread for the webhook. */
const UNPARSED: unique symbol = Symbol('nestjs-viber:unparsed');
/** Set on a wrapped Express body parser, so several bots wrap it once. */
const WRAPPED: unique symbol = Symbol('nestjs-viber:wrapped-parser');
/** Set on a Fastify instance once its hook and parser are in place: the set of webhook routes. */
const FASTIFY_ROUTES: unique symbol = Symbol('nestjs-viber:fastify-webhook-routes');

type Next = (error?: unknown, value?: unknown) => void;
type Handle = ((req: IncomingMessage, res: unknown, next: Next) => unknown) & {
  [WRAPPED]?: true;
};
interface ExpressLayer {
  handle?: Handle;
  route?: { path?: unknown; methods?: Record<string, boolean> };
}
interface ExpressApp {
  router?: { stack?: ExpressLayer[] };
  _router?: { stack?: ExpressLayer[] };
  post(path: string, handler: Handle): unknown;
}
interface FastifyRequestLike {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  raw: IncomingMessage & { [UNPARSED]?: string | null };
  routeOptions?: { url?: string };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
}
interface FastifyLike {
  hasRoute(options: { method: string; url: string }): boolean;
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(
    type: string,
    parser: (req: FastifyRequestLike, payload: unknown, done: Next) => void,
  ): void;
  addHook(
    name: 'onRequest',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): void;
  [FASTIFY_ROUTES]?: Map<string, ViberFastPathServer | undefined>;
}

/** The platform of a Nest HTTP adapter, as `getType()` names it, and its instance. */
export interface ViberHttpPlatform {
  /** `'express'`, `'fastify'`, or another adapter's name. */
  readonly type: string;
  /** The adapter's underlying app (`getInstance()`). */
  readonly instance: unknown;
}

/** Outcome of {@link installWebhookIntake}: the routes covered, or why none. */
export type ViberIntakeResult =
  | { readonly installed: true; readonly paths: readonly string[] }
  | { readonly installed: false; readonly reason: string };

function installExpress(
  app: ExpressApp,
  candidates: readonly string[],
  serve: ViberFastPathServer | undefined,
): ViberIntakeResult {
  const stack = (app.router ?? app._router)?.stack;
  if (!Array.isArray(stack)) return { installed: false, reason: 'no Express router stack' };
  const routes = candidates.filter((path) =>
    stack.some((layer) => layer.route?.path === path && layer.route.methods?.post === true),
  );
  if (routes.length === 0) return { installed: false, reason: 'webhook route not found' };
  for (const path of routes) {
    app.post(path, function viberWebhookIntake(req, res, next) {
      if (serve) {
        // The fast path: served here, ahead of the body parsers and Nest's route pipeline.
        void serve(req as unknown as ViberWebhookRequest, res as ServerResponse);
        return;
      }
      (req as IncomingMessage & { [UNPARSED]?: true })[UNPARSED] = true;
      next();
    });
    // The marker must run before any body parser: move it to the front.
    stack.unshift(stack.pop()!);
  }
  for (const layer of stack) {
    const original = layer.handle;
    if (!original || original[WRAPPED] || !EXPRESS_BODY_PARSERS.has(original.name)) continue;
    const wrapped: Handle = function (this: unknown, req, res, next) {
      if ((req as IncomingMessage & { [UNPARSED]?: true })[UNPARSED]) return next();
      return original.call(this, req, res, next);
    };
    // Nest finds its parsers by name (`isMiddlewareApplied`): keep it.
    Object.defineProperty(wrapped, 'name', { value: original.name });
    wrapped[WRAPPED] = true;
    layer.handle = wrapped;
  }
  return { installed: true, paths: routes };
}

function installFastify(
  fastify: FastifyLike,
  candidates: readonly string[],
  serve: ViberFastPathServer | undefined,
): ViberIntakeResult {
  const routes = candidates.filter((url) => fastify.hasRoute({ method: 'POST', url }));
  if (routes.length === 0) return { installed: false, reason: 'webhook route not found' };
  let covered = fastify[FASTIFY_ROUTES];
  if (!covered) {
    const routes = new Map<string, ViberFastPathServer | undefined>();
    covered = routes;
    fastify[FASTIFY_ROUTES] = routes;
    if (!fastify.hasContentTypeParser(FASTIFY_UNPARSED_TYPE)) {
      fastify.addContentTypeParser(FASTIFY_UNPARSED_TYPE, (req, _payload, done) => {
        const original = req.raw[UNPARSED];
        if (typeof original === 'string') req.headers['content-type'] = original;
        else delete req.headers['content-type'];
        done(null, undefined);
      });
    }
    fastify.addHook('onRequest', async (req, reply) => {
      const url = req.routeOptions?.url;
      if (req.method !== 'POST' || url === undefined || !routes.has(url)) return undefined;
      const serveRoute = routes.get(url);
      if (serveRoute) {
        // The fast path: served here, before Fastify parses anything and before Nest's pipeline.
        reply.hijack();
        await serveRoute({ headers: req.headers, query: req.query, raw: req.raw }, reply.raw);
        return reply;
      }
      const original = req.headers['content-type'];
      req.raw[UNPARSED] = typeof original === 'string' ? original : null;
      req.headers['content-type'] = FASTIFY_UNPARSED_TYPE;
      return undefined;
    });
  }
  for (const url of routes) covered.set(url, serve);
  return { installed: true, paths: routes };
}

/**
 * Keeps the platform's body parsers off `POST` requests to the given webhook routes (the
 * candidate paths that exist: with and without the global prefix), or, with `serve` (the
 * opt-in fast path), serves those requests right there. Safe to call once per bot.
 */
export function installWebhookIntake(
  platform: ViberHttpPlatform,
  candidates: readonly string[],
  serve?: ViberFastPathServer,
): ViberIntakeResult {
  if (!platform.instance) return { installed: false, reason: 'no HTTP server' };
  if (platform.type === 'express') {
    return installExpress(platform.instance as ExpressApp, candidates, serve);
  }
  if (platform.type === 'fastify') {
    return installFastify(platform.instance as FastifyLike, candidates, serve);
  }
  return { installed: false, reason: `unsupported platform "${platform.type}"` };
}

/**
 * The full route paths a controller path may have: with the global prefix (as Nest joins them)
 * and without it (a prefix that excludes the route).
 */
export function webhookRouteCandidates(path: string, globalPrefix: string): string[] {
  const prefix = globalPrefix.replace(/^\/+|\/+$/g, '');
  return prefix ? [`/${prefix}${path === '/' ? '' : path}`, path] : [path];
}
