import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  OnConversationStarted,
  OnText,
  Sender,
  ViberModule,
  type ViberContext,
  type ViberUser,
} from 'nestjs-viber';
import { ViberCallbackParseError } from 'nestjs-viber/internal';
import { ViberEmulator, ViberTestingHarness } from 'nestjs-viber/testing';

@Injectable()
class OnlyAlice implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.getArgByIndex<ViberContext>(0).userId === 'alice';
  }
}

@Injectable()
class Handlers {
  readonly seen: string[] = [];

  @OnConversationStarted()
  welcome(@Sender() user: ViberUser) {
    return { type: 'text' as const, text: `Welcome ${user.name}` };
  }

  @OnText('ping')
  @UseGuards(OnlyAlice)
  ping(@Sender('id') id: string): string {
    this.seen.push(id);
    return 'pong';
  }
}

describe('ViberTestingHarness: the real router, without HTTP', () => {
  let emulator: ViberEmulator;
  let moduleRef: TestingModule;
  let harness: ViberTestingHarness;

  beforeAll(async () => {
    // No webhook is listening: the emulator still needs one set to accept sends (status 10 otherwise).
    emulator = await ViberEmulator.start({
      retrySchedule: [],
      deliveryReceipts: false,
      webhook: 'http://127.0.0.1:9/unused',
    });
    moduleRef = await Test.createTestingModule({
      imports: [ViberModule.forRoot({ ...emulator.clientOptions, sender: { name: 'Bot' } })],
      providers: [Handlers],
    }).compile();
    await moduleRef.init();
    harness = ViberTestingHarness.create(moduleRef);
  });
  afterAll(async () => {
    await moduleRef.close();
    await emulator.close();
  });

  it('finds the handlers', () => {
    expect(harness.handlerCount).toBe(2);
  });

  it('returns the welcome message of a conversation_started', async () => {
    const { status, welcome } = await harness.dispatch(
      emulator.callbacks.conversationStarted({ id: 'zoe', name: 'Zoe' }),
    );
    expect(status).toBe(200);
    expect(welcome).toEqual({ type: 'text', text: 'Welcome Zoe', sender: { name: 'Bot' } });
  });

  it('runs guards, and replies go to the API (the emulator here)', async () => {
    emulator.user({ id: 'alice', name: 'Alice', subscribed: true });
    emulator.user({ id: 'bob', name: 'Bob', subscribed: true });
    await harness.dispatch(emulator.callbacks.message({ id: 'alice', name: 'Alice' }, 'ping'));
    await harness.dispatch(emulator.callbacks.message({ id: 'bob', name: 'Bob' }, 'ping'));
    expect(moduleRef.get(Handlers).seen).toEqual(['alice']);
    expect(emulator.botMessages.map((m) => [m.receiver, m.message])).toEqual([
      ['alice', { type: 'text', text: 'pong', sender: { name: 'Bot' } }],
    ]);
  });

  it('rejects an invalid callback like the webhook does (400)', async () => {
    await expect(harness.dispatch('{"event":"message"}')).rejects.toBeInstanceOf(
      ViberCallbackParseError,
    );
  });
});
