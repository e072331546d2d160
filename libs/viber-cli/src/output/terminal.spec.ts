import { colorEnabled, painterFor } from './terminal';

describe('colors (only on a terminal, never with NO_COLOR)', () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true };

  it('colors a terminal', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(painterFor(tty, {})('green', 'ok')).toBe('\u001b[32mok\u001b[39m');
  });

  it('never colors a pipe or a file', () => {
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(painterFor(pipe, {})(['bold', 'red'], 'FAIL')).toBe('FAIL');
  });

  it('respects NO_COLOR (any non-empty value) and TERM=dumb', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });
});
