import type { INestApplicationContext } from '@nestjs/common';
import { type ViberCallback } from 'nestjs-viber';
import { getViberBotToken, type ViberBot, type ViberWebhookAnswer } from 'nestjs-viber/internal';

/** Anything that can be dispatched: a callback object, its JSON text, or a signed callback from the factory. */
export type ViberHarnessInput = ViberCallback | string | { body: string };

/** The answer the webhook would have given. */
export interface ViberHarnessResult extends ViberWebhookAnswer {
  /** The welcome message of a `conversation_started` (the body of the answer), if any. */
  readonly welcome: ViberWebhookAnswer['body'];
}

/**
 * Dispatches callbacks through a bot's real router (guards, interceptors, pipes, filters,
 * dedupe, replies) without HTTP and without signatures: for unit tests of handlers.
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
 * await moduleRef.init();
 * const harness = ViberTestingHarness.create(moduleRef);
 * const { welcome } = await harness.dispatch(callbacks.conversationStarted(user));
 * ```
 * Replies go out through the bot's client: point its `apiUrl` at a {@link ViberEmulator} to see them.
 */
export class ViberTestingHarness {
  private constructor(private readonly bot: ViberBot) {}

  /** A harness for the bot named `botName` (default `'default'`) of an initialized app or module. */
  static create(app: INestApplicationContext, botName?: string): ViberTestingHarness {
    return new ViberTestingHarness(app.get<ViberBot>(getViberBotToken(botName), { strict: false }));
  }

  /** The bot's route table size: how many handlers were discovered. */
  get handlerCount(): number {
    return this.bot.routes.size;
  }

  /**
   * Parses and validates the callback exactly as the webhook does (64-bit tokens kept), then
   * runs its handlers. Rejects with `ViberCallbackParseError` for an invalid callback (the
   * webhook's 400). Resolves once the handlers ran, or at the bot's answer deadline.
   */
  async dispatch(input: ViberHarnessInput): Promise<ViberHarnessResult> {
    const text =
      typeof input === 'string'
        ? input
        : 'body' in input && typeof input.body === 'string'
          ? input.body
          : JSON.stringify(input);
    const answer = await this.bot.receive(Buffer.from(text, 'utf8'));
    return { ...answer, welcome: answer.body };
  }

  /** Waits until handlers still running in the background (past the deadline) finished. */
  async settle(timeoutMs = 10_000): Promise<void> {
    await this.bot.drain(timeoutMs);
  }
}
