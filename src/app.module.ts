import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ViberModule, type ViberConversationsOptions } from 'nestjs-viber';
import { HealthController } from './health/health.controller';
import { ShopModule } from './shop/shop.module';

/** What the app needs to reach Viber (or the emulator). */
export interface AppOptions {
  token: string;
  apiUrl?: string;
  webhookUrl?: string;
  blockedUsers?: readonly string[];
  /** Sessions and the order wizard: default in memory; a `RedisSessionStore` survives restarts. */
  conversations?: ViberConversationsOptions;
}

/**
 * `PrometheusModule.register()` registers prom-client's default metrics in the default registry
 * each time it is called, and a second registration throws: the module is made once per process
 * (tests build several apps in one).
 */
let prometheus: DynamicModule | undefined;

/**
 * The demo bot app: the shop bot, `GET /health` and `/health/live` (Terminus), and `GET /metrics`
 * (Prometheus, through @willsoto/nestjs-prometheus: the `viber_*` metrics and the process ones).
 */
@Module({})
export class AppModule {
  /** Builds the app for a token, an API URL and the webhook URL to register. */
  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'pretty' }),
        (prometheus ??= PrometheusModule.register()),
        ViberModule.forRoot({
          token: options.token,
          apiUrl: options.apiUrl,
          sender: { name: 'Demo Shop' },
          webhook: {
            path: '/viber/webhook',
            url: options.webhookUrl,
            eventTypes: [
              'delivered',
              'seen',
              'failed',
              'subscribed',
              'unsubscribed',
              'conversation_started',
            ],
            sendName: true,
            sendPhoto: true,
          },
          include: [ShopModule],
          // viber_* metrics in prom-client's default registry, which PrometheusModule serves.
          metrics: true,
          // Spans for the app's OpenTelemetry SDK, when it registers one (without, nothing).
          tracing: true,
          conversations: options.conversations ?? {},
        }),
        ShopModule.register(options.blockedUsers ?? []),
      ],
    };
  }
}
