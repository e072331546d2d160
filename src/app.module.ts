import { Module, type DynamicModule } from '@nestjs/common';
import { ViberModule, type ViberConversationsOptions } from 'nestjs-viber';
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

/** The demo bot app. */
@Module({})
export class AppModule {
  /** Builds the app for a token, an API URL and the webhook URL to register. */
  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
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
          conversations: options.conversations ?? {},
        }),
        ShopModule.register(options.blockedUsers ?? []),
      ],
    };
  }
}
