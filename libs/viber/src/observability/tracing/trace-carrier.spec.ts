import { fromTraceCarrier, toTraceCarrier } from './trace-carrier';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace carrier', () => {
  it('writes traceparent (and tracestate when there is one)', () => {
    expect(toTraceCarrier({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
    expect(
      toTraceCarrier({
        traceId: TRACE,
        spanId: SPAN,
        traceFlags: 0,
        traceState: { serialize: () => 'vendor=x' },
      }),
    ).toEqual({ traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'vendor=x' });
  });

  it('writes nothing for the invalid (all-zero) context of a non-recording span', () => {
    expect(
      toTraceCarrier({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }),
    ).toBeUndefined();
  });

  it('reads a traceparent back as a remote context, and refuses anything malformed', () => {
    expect(fromTraceCarrier({ traceparent: `00-${TRACE}-${SPAN}-01` })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    const parse = jest.fn((raw: string) => ({ serialize: () => raw }));
    expect(
      fromTraceCarrier(
        { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=b' },
        parse,
      )?.traceState?.serialize(),
    ).toBe('a=b');
    const broken: Array<Record<string, string> | undefined> = [
      undefined,
      {},
      { traceparent: 'garbage' },
      { traceparent: `01-${TRACE}-${SPAN}-01` },
      { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` },
      { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` },
      { traceparent: `00-${TRACE}-${SPAN}` },
    ];
    for (const bad of broken) {
      expect(fromTraceCarrier(bad)).toBeUndefined();
    }
  });
});
