import {
  VIBER_LIMITS,
  ViberStatus,
  type ViberOutgoingMessage,
  type ViberValidationIssue,
} from 'nestjs-viber';
import {
  ValidationContext,
  isRecord,
  parseJsonLossless,
  validateRequestSize,
  viberStatusName,
} from 'nestjs-viber/internal';
import {
  apiVersionRefusal,
  checkMessageBody,
  deliveredMessage,
  refuse,
} from '../api-request.validator';
import type { EmulatorLogs } from '../logs/emulator.logs';
import type { MessageTokenGenerator } from '../raw-json.util';
import type { ReceiptScheduler } from '../receipts/receipt.scheduler';
import type { SimulatedUser } from '../simulated-user.model';
import { unknownFieldWarnings } from '../unknown-fields.validator';
import { ViberEmulatorError } from '../viber-emulator.error';
import type { EmulatorEventSink } from '../viber-emulator.events';
import type { EmulatorBotMessage, EmulatorMessageSource } from '../viber-emulator.types';

/**
 * Where every message the bot sends to a user ends up once the emulator accepted it
 * (`send_message`, each `broadcast_message` receiver, the welcome message): the user's
 * conversation, the `botMessages` log, the `botMessage` event, and the receipts that follow.
 */
export class BotMessageRecorder {
  constructor(
    private readonly logs: EmulatorLogs,
    private readonly receipts: ReceiptScheduler,
    private readonly tokens: MessageTokenGenerator,
    private readonly emit: EmulatorEventSink,
    private readonly warn: WarningSink,
  ) {}

  /**
   * Records an accepted bot message (`fields`: as the device gets it, see `deliveredMessage`),
   * emits it, and schedules its receipts.
   */
  record(
    user: SimulatedUser,
    fields: Record<string, unknown>,
    source: EmulatorMessageSource,
    token: bigint,
    receipts: boolean,
    warnings: readonly ViberValidationIssue[] = [],
  ): EmulatorBotMessage {
    const message = fields as unknown as ViberOutgoingMessage;
    const record: EmulatorBotMessage = {
      token: token.toString(),
      receiver: user.id,
      source,
      message,
      type: message.type,
      text: 'text' in message && typeof message.text === 'string' ? message.text : undefined,
      keyboard: message.keyboard,
      trackingData: message.tracking_data,
      warnings: [...warnings],
      timestamp: Date.now(),
    };
    user.receive(record);
    this.logs.push(this.logs.botMessages, record);
    this.emit('botMessage', record);
    if (receipts) this.receipts.schedule(user, record);
    return record;
  }

  /**
   * Validates and records the welcome message of a `conversation_started` answer: `null` when
   * the answer is no message (empty, not JSON, no `type`/`keyboard`/`text`); throws a
   * {@link ViberEmulatorError} with the status Viber would refuse it with. Fields Viber does not
   * know and documented-example oddities are reported as warnings (source `welcome`).
   */
  acceptWelcome(user: SimulatedUser, answer: string): EmulatorBotMessage | null {
    const text = answer.trim();
    if (text.length === 0) return null;
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(text);
    } catch {
      return null;
    }
    if (!isRecord(parsed)) return null;
    const present = (key: string): boolean => parsed[key] !== undefined && parsed[key] !== null;
    if (!present('type') && !present('keyboard') && !present('text')) return null;
    const unknown = unknownFieldWarnings('welcome', parsed);
    if (unknown.length > 0) this.warn('welcome', unknown, user.id);
    const ctx = new ValidationContext();
    validateRequestSize(ctx, text);
    const check =
      ctx.issues.length > 0
        ? {
            refusal: refuse(
              ViberStatus.badData,
              `welcome message over ${VIBER_LIMITS.requestBytes} bytes`,
            ),
            warnings: [],
          }
        : checkMessageBody(parsed, false);
    const refusal = check.refusal ?? apiVersionRefusal(user, parsed);
    if (refusal !== undefined) {
      throw new ViberEmulatorError(
        `The welcome message was refused with status ${refusal.status} (${viberStatusName(refusal.status)}): ${refusal.detail}`,
        { status: refusal.status },
      );
    }
    if (check.warnings.length > 0) this.warn('welcome', check.warnings, user.id);
    return this.record(user, deliveredMessage(parsed), 'welcome', this.tokens.take(), false, [
      ...unknown,
      ...check.warnings,
    ]);
  }
}

/** Reports warnings about a request or a welcome message (the emulator's `warnings` log). */
export type WarningSink = (
  source: string,
  warnings: readonly ViberValidationIssue[],
  userId: string | undefined,
) => void;
