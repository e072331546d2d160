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
/** Set on an Express router once the fast path serves ahead of it: the fast routes by path. */
const EXPRESS_FAST_ROUTES: unique symbol = Symbol('nestjs-viber:express-fast-routes');
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
interface ExpressRouter {
  stack?: ExpressLayer[];
  handle?: (req: IncomingMessage, res: ServerResponse, done: Next) => unknown;
  [EXPRESS_FAST_ROUTES]?: Map<string, ViberFastPathServer>;
}
interface ExpressApp {
  router?: ExpressRouter;
  _router?: ExpressRouter;
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
  const router = app.router ?? app._router;
  const stack = router?.stack;
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
    if (serve) serveAheadOfRouter(router!, path, serve);
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

/**
 * The fast path on Express: a `POST` whose path is exactly a webhook route is served before the
 * router runs (the route at the front of the stack would serve it first anyway: skipping the
 * router's matching and its per-request closures saves about a tenth of the request's CPU).
 * Express's own request setup (`app.handle`: prototypes, `X-Powered-By`) has run by then. Any
 * other spelling the router matches (a trailing slash, another letter case) still reaches the
 * route at the front of the stack, which serves it the same way.
 */
function serveAheadOfRouter(router: ExpressRouter, path: string, serve: ViberFastPathServer): void {
  let routes = router[EXPRESS_FAST_ROUTES];
  if (!routes) {
    const handle = router.handle;
    if (typeof handle !== 'function') return;
    const table = new Map<string, ViberFastPathServer>();
    routes = table;
    router[EXPRESS_FAST_ROUTES] = table;
    router.handle = function viberFastPath(this: unknown, req, res, done) {
      if (req.method === 'POST' && typeof req.url === 'string') {
        const query = req.url.indexOf('?');
        const fast = table.get(query < 0 ? req.url : req.url.slice(0, query));
        if (fast) {
          void fast(req as unknown as ViberWebhookRequest, res);
          return undefined;
        }
      }
      return handle.call(this, req, res, done);
    };
  }
  routes.set(path, serve);
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
