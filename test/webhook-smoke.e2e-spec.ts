import { Injectable } from '@nestjs/common';
import { OnMessage, OnText, Ctx, ViberModule, type ViberContext } from 'nestjs-viber';
import { PLATFORMS, TEST_TOKEN, fixtureBody, postSigned, startApp, type RunningApp } from './support/viber-test-app';

@Injectable()
class Handlers {
  readonly seen: string[] = [];
  @OnMessage()
  any(@Ctx() ctx: ViberContext): void {
    this.seen.push(ctx.callback.message_token);
  }
  @OnText(/^price (\w+)$/)
  price(@Ctx() ctx: ViberContext): void {
    this.seen.push(`price:${ctx.match?.[1]}`);
  }
}

describe.each(PLATFORMS)('smoke on %s', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [ViberModule.forRoot({ token: TEST_TOKEN, apiUrl: 'http://127.0.0.1:9/pa' })],
      providers: [Handlers],
    });
  });
  afterAll(() => running.app.close());

  it('accepts a signed callback and routes it', async () => {
    const body = fixtureBody('observed/message_signed_raw_body.json');
    const res = await postSigned(`${running.url}/viber/webhook`, body, TEST_TOKEN);
    expect(res.status).toBe(200);
    expect(running.app.get(Handlers).seen).toEqual(['5167121934301882005']);
  });

  it('rejects a wrong signature', async () => {
    const body = fixtureBody('observed/message_signed_raw_body.json');
    const res = await postSigned(`${running.url}/viber/webhook`, body, 'other-token');
    expect(res.status).toBe(403);
  });
});
