import { readFile } from 'node:fs/promises';
import type { ViberClient, ViberOutgoingMessage, ViberSender } from 'nestjs-viber';
import { usageError } from '../cli.errors';

/** Fields a message file must not carry: the command line sets them. */
const ENVELOPE_FIELDS = ['receiver', 'broadcast_list', 'auth_token', 'from'] as const;

/** How a command got its message: `--text`, a positional text, or `--message file.json`. */
export interface MessageSource {
  text?: string;
  /** Path of a JSON file with one message (`-` for standard input). */
  messageFile?: string;
}

/** Reads the message a command sends; a usage error when there is none, or two. */
export async function readMessage(
  source: MessageSource,
  readStdin: () => Promise<string>,
): Promise<ViberOutgoingMessage> {
  if (source.text !== undefined && source.messageFile !== undefined) {
    throw usageError('Give the text or --message <file.json>, not both.');
  }
  if (source.text !== undefined) {
    if (source.text.length === 0) throw usageError('The text is empty.');
    return { type: 'text', text: source.text };
  }
  if (source.messageFile === undefined) {
    throw usageError(
      'No message: give a text (--text "…") or a message file (--message message.json).',
    );
  }
  let text: string;
  try {
    text =
      source.messageFile === '-' ? await readStdin() : await readFile(source.messageFile, 'utf8');
  } catch (error) {
    throw usageError(
      `Cannot read the message file ${source.messageFile}: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `The message file ${source.messageFile} is not JSON: ${(error as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw usageError(
      `The message file ${source.messageFile} must hold one JSON object: a Viber message such as {"type":"text","text":"Hello"}.`,
    );
  }
  const present = ENVELOPE_FIELDS.filter((field) => field in parsed);
  if (present.length > 0) {
    throw usageError(
      `The message file has ${present.join(', ')}: leave the receivers out of it, the command line sets them.`,
    );
  }
  return parsed as ViberOutgoingMessage;
}

/** `--sender` and `--sender-avatar`. */
export interface SenderOptions {
  sender?: string;
  senderAvatar?: string;
}

/**
 * Fills in the message's sender: `--sender` (and `--sender-avatar`) win, then the message's own
 * `sender`, then the account's name read with `get_account_info` (when `client` is given).
 * Returns the message and where its sender came from.
 */
export async function withSender(
  message: ViberOutgoingMessage,
  options: SenderOptions,
  client: ViberClient | undefined,
): Promise<{ message: ViberOutgoingMessage; senderFrom: 'option' | 'message' | 'account' }> {
  if (options.sender !== undefined) {
    const sender: ViberSender = { name: options.sender };
    if (options.senderAvatar !== undefined) sender.avatar = options.senderAvatar;
    return { message: { ...message, sender }, senderFrom: 'option' };
  }
  if (message.sender !== undefined) return { message, senderFrom: 'message' };
  if (client === undefined) {
    throw usageError(
      'The message needs a sender: give --sender "<name>" (or a token, to use the account\'s name).',
    );
  }
  const account = await client.getAccountInfo();
  const sender: ViberSender = { name: account.name };
  if (options.senderAvatar !== undefined) sender.avatar = options.senderAvatar;
  return { message: { ...message, sender }, senderFrom: 'account' };
}
