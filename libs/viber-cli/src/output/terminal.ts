import { styleText } from 'node:util';

/** The styles the command line uses. */
export type CliStyle = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** A stream the command line writes to (stdout or stderr). */
export interface CliStream {
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
}

/**
 * Whether to color text written to `stream`: only on a terminal, and never when `NO_COLOR` is
 * set (https://no-color.org) or `TERM=dumb`.
 */
export function colorEnabled(stream: CliStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Styles text for one stream: plain text when colors are off. */
export type Painter = (style: CliStyle | CliStyle[], text: string) => string;

/** A painter for `stream` (see {@link colorEnabled}). */
export function painterFor(stream: CliStream, env: NodeJS.ProcessEnv = process.env): Painter {
  if (!colorEnabled(stream, env)) return (_style, text) => text;
  // The decision is made here: Node must not check the stream again (it would check stdout).
  return (style, text) => styleText(style, text, { validateStream: false });
}
