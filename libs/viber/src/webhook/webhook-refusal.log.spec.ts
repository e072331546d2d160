import { ViberRefusalLog } from './webhook-refusal.log';

describe('ViberRefusalLog', () => {
  const setup = (): { log: ViberRefusalLog; lines: string[]; clock: { now: number } } => {
    const lines: string[] = [];
    const clock = { now: 1_000_000 };
    const logger = {
      log: () => undefined,
      error: () => undefined,
      warn: (line: unknown) => lines.push(String(line)),
    };
    return { log: new ViberRefusalLog(logger, 60_000, () => clock.now), lines, clock };
  };

  it('logs the first refusal of a kind at once, then at most one line per interval with the count', () => {
    const { log, lines, clock } = setup();
    log.refused('missing signature', 403);
    for (let i = 0; i < 500; i++) log.refused('missing signature', 403);
    expect(lines).toEqual(['Webhook request refused with 403: missing signature']);
    clock.now += 59_999;
    log.refused('missing signature', 403);
    expect(lines).toHaveLength(1);
    clock.now += 1;
    log.refused('missing signature', 403);
    expect(lines).toEqual([
      'Webhook request refused with 403: missing signature',
      'Webhook request refused with 403: missing signature (and 501 more since the last report)',
    ]);
  });

  it('keeps one budget per kind, and adds the detail', () => {
    const { log, lines } = setup();
    log.refused('wrong signature', 403, 'is the token right?');
    log.refused('body too large', 413);
    log.refused('wrong signature', 403, 'is the token right?');
    expect(lines).toEqual([
      'Webhook request refused with 403: wrong signature (is the token right?)',
      'Webhook request refused with 413: body too large',
    ]);
  });
});
