/**
 * What a newcomer meets with the app's own global guard (JWT-style `APP_GUARD` with a `@Public()`
 * marker) and a misplaced webhook URL: the one documented step that makes the webhook answer and
 * the handlers run, and the messages that name the fix.
 */
import {
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
  type LoggerService,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { OnText, ViberModule, type ViberModuleOptions } from 'nestjs-viber';
import { ViberEmulator } from 'nestjs-viber/testing';
import { textMessage } from '../support/callbacks';
import {
  PLATFORMS,
  TEST_TOKEN,
  freePort,
  postSigned,
  startApp,
  waitFor,
  type RunningApp,
} from '../support/viber-test-app';

/** The app's convention: `@Public()` routes skip authentication. */
const IS_PUBLIC_KEY = 'isPublic';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** A JWT-style global guard: public routes pass; everything else needs `Authorization: Bearer`. */
@Injectable()
class JwtAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<{ headers?: Record<string, string> }>();
    if (request.headers?.authorization === 'Bearer valid-jwt') return true;
    throw new UnauthorizedException();
  }
}

const handled: string[] = [];
/** A fresh handler class per app: metadata put on a method stays on it. */
function handlersClass(): new () => unknown {
  @Injectable()
  class Handlers {
    @OnText('hi')
    hi(): void {
      handled.push('hi');
    }
  }
  return Handlers;
}

/** Captures warnings and errors. */
class Lines implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  error(message: unknown): void {
    this.lines.push(`ERROR ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`WARN ${String(message)}`);
  }
}

async function appWith(
  platform: (typeof PLATFORMS)[number],
  webhook: ViberModuleOptions['webhook'],
): Promise<{ running: RunningApp; logs: Lines }> {
  const running = await startApp(platform, {
    imports: [ViberModule.forRoot({ token: TEST_TOKEN, apiUrl: 'http://127.0.0.1:9/pa', webhook })],
    providers: [handlersClass(), { provide: APP_GUARD, useClass: JwtAuthGuard }],
  });
  const logs = new Lines();
  running.app.useLogger(logs);
  return { running, logs };
}

describe.each(PLATFORMS)('a global JWT-style guard on %s', (platform) => {
  beforeEach(() => {
    handled.length = 0;
  });

  it('without the step: the webhook is refused (401) and nothing runs', async () => {
    const { running } = await appWith(platform, {});
    try {
      const res = await postSigned(
        `${running.url}/viber/webhook`,
        textMessage('a', 'hi'),
        TEST_TOKEN,
      );
      expect(res.status).toBe(401);
      expect(handled).toEqual([]);
    } finally {
      await running.app.close();
    }
  });

  it('with webhook.routeMetadata (the app’s public marker): the webhook answers 200 and the handler runs', async () => {
    const { running, logs } = await appWith(platform, { routeMetadata: { [IS_PUBLIC_KEY]: true } });
    try {
      const res = await postSigned(
        `${running.url}/viber/webhook`,
        textMessage('a', 'hi'),
        TEST_TOKEN,
      );
      expect(res.status).toBe(200);
      expect(handled).toEqual(['hi']);
      // The signature check still applies behind the public marker.
      const forged = await postSigned(`${running.url}/viber/webhook`, textMessage('a', 'hi'), 'x');
      expect(forged.status).toBe(403);
      expect(logs.lines.filter((l) => l.startsWith('ERROR'))).toEqual([]);
    } finally {
      await running.app.close();
    }
  });

  it('with the metadata on the webhook only: the guard stops every handler, and each stop is logged with the handler name', async () => {
    const { running, logs } = await appWith(platform, {
      routeMetadata: { [IS_PUBLIC_KEY]: true },
      routeMetadataOnHandlers: false,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await postSigned(
          `${running.url}/viber/webhook`,
          textMessage('a', 'hi'),
          TEST_TOKEN,
        );
        expect(res.status).toBe(200);
      }
      expect(handled).toEqual([]);
      // The JWT guard threw (no HTTP request behind a Viber handler): logged as the handler's failure.
      expect(logs.lines.filter((l) => l.includes('Handlers.hi'))).toHaveLength(3);
    } finally {
      await running.app.close();
    }
  });

  it('with fastPath: the guard does not see the webhook request (200), the handlers still meet it', async () => {
    const bare = await appWith(platform, { fastPath: true });
    try {
      const res = await postSigned(
        `${bare.running.url}/viber/webhook`,
        textMessage('a', 'hi'),
        TEST_TOKEN,
      );
      expect(res.status).toBe(200);
      expect(handled).toEqual([]);
      const forged = await postSigned(
        `${bare.running.url}/viber/webhook`,
        textMessage('a', 'hi'),
        'x',
      );
      expect(forged.status).toBe(403);
    } finally {
      await bare.running.app.close();
    }
    const marked = await appWith(platform, {
      fastPath: true,
      routeMetadata: { [IS_PUBLIC_KEY]: true },
    });
    try {
      const res = await postSigned(
        `${marked.running.url}/viber/webhook`,
        textMessage('a', 'hi'),
        TEST_TOKEN,
      );
      expect(res.status).toBe(200);
      expect(handled).toEqual(['hi']);
    } finally {
      await marked.running.app.close();
    }
  });
});

describe('set_webhook whose URL does not point at the webhook route', () => {
  it('logs both paths and what to fix', async () => {
    const emulator = await ViberEmulator.start();
    const port = await freePort();
    const running = await startApp(
      'express',
      {
        imports: [
          ViberModule.forRoot({
            token: emulator.token,
            apiUrl: emulator.url,
            webhook: { path: '/viber/webhook', url: `http://127.0.0.1:${port}/bot/hook` },
          }),
        ],
      },
      { port },
    );
    const logs = new Lines();
    running.app.useLogger(logs);
    try {
      await waitFor(() => logs.lines.some((l) => l.includes('set_webhook failed')), 5000);
      const line = logs.lines.find((l) => l.includes('set_webhook failed'))!;
      expect(line).toMatch(/^ERROR set_webhook failed: Viber status 1 \(invalidUrl\)/);
      expect(line).toContain(
        '. The path of webhook.url ("/bot/hook") is not the route this bot serves ("/viber/webhook": webhook.path "/viber/webhook"), so Viber\'s check reached no webhook (404). Make them the same, or let your proxy map one onto the other.',
      );
    } finally {
      await running.app.close();
      await emulator.close();
    }
  });
});
