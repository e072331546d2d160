/**
 * The queued webhook's workers run the handlers through the same Nest pipeline as the inline
 * webhook (guards, pipes, interceptors, exception filters); a handler that keeps throwing is
 * retried with backoff, then kept in the failed set with the callback and the error;
 * `conversation_started` stays inline (its welcome message is in the HTTP answer). The queues are
 * reached from the app with @nestjs/bullmq (`BullModule.registerQueue` + `@InjectQueue`).
 */
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import {
  Catch,
  Injectable,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  OnConversationStarted,
  OnMessage,
  OnText,
  Text,
  ViberModule,
  getViberQueueNames,
  type ViberContext,
} from 'nestjs-viber';
import { tap, type Observable } from 'rxjs';
import { conversationStarted, nextToken, textMessage } from '../support/callbacks';
import { RecordingApiServer } from '../support/recording-api.server';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import {
  TEST_TOKEN,
  postSigned,
  startApp,
  waitFor,
  type RunningApp,
} from '../support/viber-test-app';

jest.setTimeout(60_000);

const PREFIX = '{pipeline}';
const NAMES = getViberQueueNames('default', 2);
const journal: string[] = [];
let flakyRuns = 0;

class UpperCasePipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return String(value).toUpperCase();
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.getArgByIndex<ViberContext>(0);
    journal.push(`guard:${context.getType()}:${ctx.text}`);
    return ctx.text !== 'enhanced deny';
  }
}

@Injectable()
class JournalInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    journal.push(`interceptor:before:${context.getType()}`);
    return next.handle().pipe(tap(() => journal.push('interceptor:after')));
  }
}

/** Handles the exception by answering the user (a filter that returns nothing lets Nest rethrow). */
@Catch()
class JournalFilter implements ExceptionFilter {
  catch(exception: Error, host: ArgumentsHost): string {
    journal.push(`filter:${host.getType()}:${exception.message}`);
    return 'Sorry, try again';
  }
}

@Injectable()
class Handlers {
  @OnConversationStarted()
  welcome(): string {
    return 'Welcome!';
  }

  @OnMessage({ type: 'text', text: /^enhanced/ })
  @UseGuards(DenyGuard)
  @UseInterceptors(JournalInterceptor)
  @UsePipes(UpperCasePipe)
  enhanced(@Text() text: string): void {
    journal.push(`handler:${text}`);
  }

  @OnText('boom')
  @UseFilters(JournalFilter)
  boom(): void {
    throw new Error('filtered boom');
  }

  @OnText('crash')
  crash(): void {
    journal.push('crash');
    throw new Error('unfiltered crash');
  }

  @OnText('flaky')
  flaky(): void {
    if (flakyRuns++ === 0) throw new Error('first run fails');
    journal.push('flaky:ok');
  }
}

/** What an app reaches with @nestjs/bullmq: the bot's webhook queues. */
@Injectable()
class Inspector {
  constructor(
    @InjectQueue(NAMES.webhook[0]!) readonly first: Queue,
    @InjectQueue(NAMES.webhook[1]!) readonly second: Queue,
  ) {}
}

describe('queued webhook: the Nest pipeline in the workers, retries, the failed set', () => {
  let redis: RedisTestServer;
  let api: RecordingApiServer;
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    api = await RecordingApiServer.start();
    const connection = { host: '127.0.0.1', port: redis.port };
    running = await startApp('fastify', {
      imports: [
        BullModule.forRoot({ connection, prefix: PREFIX }),
        BullModule.registerQueue(...NAMES.webhook.map((name) => ({ name }))),
        ViberModule.forRoot({
          token: TEST_TOKEN,
          apiUrl: api.url,
          sender: { name: 'Bot' },
          webhook: { mode: 'queue' },
          queue: { connection, prefix: PREFIX, webhook: { partitions: 2, backoffMs: 20 } },
        }),
      ],
      providers: [Handlers, DenyGuard, JournalInterceptor, Inspector],
    });
    url = `${running.url}/viber/webhook`;
  });

  afterAll(async () => {
    await running?.app.close();
    await api?.close();
    await redis?.stop();
  });

  it('conversation_started stays inline: the welcome message is in the answer', async () => {
    const answer = await postSigned(url, conversationStarted('u1'), TEST_TOKEN);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ type: 'text', text: 'Welcome!' });
  });

  it('guards, pipes, interceptors and filters run in the worker as they do inline', async () => {
    journal.length = 0;
    for (const text of ['enhanced deny', 'enhanced yes', 'boom']) {
      expect((await postSigned(url, textMessage('u2', text, nextToken()), TEST_TOKEN)).status).toBe(
        200,
      );
    }
    await waitFor(() => api.to('send_message').length > 0, 10_000);
    expect((api.to('send_message')[0]!.body as { text: string }).text).toBe('Sorry, try again');
    expect(journal).toEqual([
      'guard:viber:enhanced deny',
      'guard:viber:enhanced yes',
      'interceptor:before:viber',
      'handler:ENHANCED YES',
      'interceptor:after',
      'filter:viber:filtered boom',
    ]);
  });

  it('a handler that throws is retried with backoff; after its attempts the callback and the error are in the failed set', async () => {
    journal.length = 0;
    const crash = textMessage('u3', 'crash', nextToken());
    expect((await postSigned(url, crash, TEST_TOKEN)).status).toBe(200);
    expect(
      (await postSigned(url, textMessage('u3', 'flaky', nextToken()), TEST_TOKEN)).status,
    ).toBe(200);
    await waitFor(() => journal.includes('flaky:ok'), 10_000);
    // Same user: the flaky callback waited for the crashing one (in order), then ran twice.
    expect(journal).toEqual(['crash', 'crash', 'crash', 'flaky:ok']);

    const { first, second } = running.app.get(Inspector);
    const failed = [...(await first.getFailed()), ...(await second.getFailed())];
    expect(failed).toHaveLength(1);
    expect((failed[0]!.data as { raw: string }).raw).toBe(crash);
    expect(failed[0]!.failedReason).toContain('unfiltered crash');
    expect(failed[0]!.failedReason).toContain('3 time(s)');
    expect(await first.getGlobalConcurrency()).toBe(1);
  });
});
