import { ViberStatus, type ViberValidationIssue } from 'nestjs-viber';
import {
  ValidationContext,
  isRecord,
  validateOutgoingMessage,
  validateRequestSize,
} from 'nestjs-viber/internal';

/** A refused request: the Viber status to answer and why. */
export interface ApiRefusal {
  /** Viber status code (≠ 0). */
  status: number;
  /** What is wrong (becomes part of `status_message`). */
  detail: string;
}

/** Builds an {@link ApiRefusal}. */
export function refuse(status: ViberStatus, detail: string): ApiRefusal {
  return { status, detail };
}

/** Keys of a request body that are not part of the message itself. */
const NON_MESSAGE_KEYS = new Set(['receiver', 'broadcast_list', 'auth_token', 'from', 'chat_id']);

/**
 * Checks the message part of a `send_message` / `broadcast_message` / `post` body (or a welcome
 * message) with the library's validator and maps the outcome to a status:
 * a required field that is absent → 4 `missingData`; else fields that need a higher API level
 * than the declared `min_api_version` → 14 `incompatibleWithVersion`; else any other broken rule
 * → 3 `badData`. The three documented oddities of Viber's own examples (warnings) are accepted.
 *
 * @param senderRequired Whether `sender` (with its `name`) must be present.
 */
export function checkMessageBody(
  body: Record<string, unknown>,
  senderRequired: boolean,
): ApiRefusal | undefined {
  if (senderRequired && (body.sender === undefined || body.sender === null)) {
    return refuse(ViberStatus.missingData, 'sender is required');
  }
  const message = messageFields(body);
  const ctx = new ValidationContext();
  validateOutgoingMessage(ctx, message);
  const missing = ctx.issues.filter((issue) => isMissing(message, issue));
  if (missing.length > 0) return refuse(ViberStatus.missingData, describe(missing));
  const needed = requiredApiLevel(message);
  const declaredValue = message.min_api_version;
  const declared =
    typeof declaredValue === 'number' && Number.isInteger(declaredValue) && declaredValue >= 1
      ? declaredValue
      : 1;
  if (needed.level > declared) {
    return refuse(
      ViberStatus.incompatibleWithVersion,
      `${needed.feature} needs min_api_version ${needed.level} (declared ${declared})`,
    );
  }
  if (ctx.issues.length > 0) return refuse(ViberStatus.badData, describe(ctx.issues));
  return undefined;
}

/**
 * Checks a whole message request: its size (`text`, the exact body) against the 30 KB limit
 * (3 `badData`), then its message part with {@link checkMessageBody}.
 */
export function checkRequestMessage(
  body: Record<string, unknown>,
  text: string,
  senderRequired: boolean,
): ApiRefusal | undefined {
  const ctx = new ValidationContext();
  validateRequestSize(ctx, text);
  if (ctx.issues.length > 0) {
    return refuse(ViberStatus.badData, ctx.issues.map((issue) => issue.message).join('; '));
  }
  return checkMessageBody(body, senderRequired);
}

/**
 * Refuses (13 `apiVersionNotSupported`) a message whose `min_api_version` is above the API level
 * of the receiving user's devices.
 */
export function apiVersionRefusal(
  user: { readonly id: string; readonly apiVersion: number },
  body: Record<string, unknown>,
): ApiRefusal | undefined {
  const needed = typeof body.min_api_version === 'number' ? body.min_api_version : 1;
  if (user.apiVersion >= needed) return undefined;
  return refuse(
    ViberStatus.apiVersionNotSupported,
    `${user.id} supports API ${user.apiVersion}, the message needs ${needed}`,
  );
}

/** The body without the request-only keys (`receiver`, `broadcast_list`, `auth_token`, …). */
export function messageFields(body: Record<string, unknown>): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!NON_MESSAGE_KEYS.has(key)) message[key] = value;
  }
  return message;
}

function describe(issues: readonly ViberValidationIssue[]): string {
  return issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
}

/** An issue is "missing data" when its field is absent from the body. */
function isMissing(body: Record<string, unknown>, issue: ViberValidationIssue): boolean {
  if (issue.path === 'request' || issue.path === '') return false;
  const value = resolvePath(body, issue.path);
  return value === undefined || value === null;
}

/** Reads `a.b[2].c` from a parsed body; `undefined` when any step is absent. */
export function resolvePath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) {
      if (!Array.isArray(current)) return undefined;
      current = current[Number(match[2])];
    } else {
      if (!isRecord(current)) return undefined;
      current = current[match[1]!];
    }
  }
  return current;
}

/** The API level a message's fields need (SPEC §8), and the feature that needs it. */
export interface RequiredApiLevel {
  /** The level. */
  level: number;
  /** The field that needs it, e.g. `keyboard.InputFieldState`. */
  feature: string;
}

const KEYBOARD_LEVELS: ReadonlyArray<[string, number]> = [
  ['CustomDefaultHeight', 3],
  ['HeightScale', 3],
  ['ButtonsGroupColumns', 4],
  ['ButtonsGroupRows', 4],
  ['InputFieldState', 4],
  ['FavoritesMetadata', 6],
];

const BUTTON_LEVELS: ReadonlyArray<[string, number]> = [
  ['InternalBrowser', 3],
  ['TextPaddings', 4],
  ['BgMediaScaleType', 6],
  ['ImageScaleType', 6],
  ['TextShouldFit', 6],
  ['Map', 6],
  ['Frame', 6],
  ['MediaPlayer', 6],
];

/**
 * The highest API level the message's fields need: `payment` 10; keyboard `CustomDefaultHeight`
 * / `HeightScale` 3, `ButtonsGroupColumns` / `ButtonsGroupRows` / `InputFieldState` 4,
 * `FavoritesMetadata` 6; button `InternalBrowser` 3 (6 with `send-to-bot` / `ActionReplyData`),
 * `TextPaddings` and `<s>` / `<font size>` in `Text` 4, `BgMediaScaleType`, `ImageScaleType`,
 * `TextShouldFit`, `Map`, `Frame`, `MediaPlayer` 6. Rich media itself is not counted (Viber's own
 * example sends it with `min_api_version: 1`).
 */
export function requiredApiLevel(message: Record<string, unknown>): RequiredApiLevel {
  let best: RequiredApiLevel = { level: 1, feature: 'message' };
  const need = (level: number, feature: string): void => {
    if (level > best.level) best = { level, feature };
  };
  if (message.type === 'payment') need(10, 'type payment');
  const keyboard = message.keyboard;
  if (isRecord(keyboard)) {
    for (const [key, level] of KEYBOARD_LEVELS) {
      if (keyboard[key] !== undefined) need(level, `keyboard.${key}`);
    }
    checkButtons(keyboard.Buttons, 'keyboard.Buttons', need);
  }
  const richMedia = message.rich_media;
  if (isRecord(richMedia)) checkButtons(richMedia.Buttons, 'rich_media.Buttons', need);
  return best;
}

function checkButtons(
  buttons: unknown,
  path: string,
  need: (level: number, feature: string) => void,
): void {
  if (!Array.isArray(buttons)) return;
  buttons.forEach((button: unknown, index) => {
    if (!isRecord(button)) return;
    const at = `${path}[${index}]`;
    for (const [key, level] of BUTTON_LEVELS) {
      if (button[key] !== undefined) need(level, `${at}.${key}`);
    }
    const browser = button.InternalBrowser;
    if (
      isRecord(browser) &&
      (browser.ActionButton === 'send-to-bot' || browser.ActionReplyData !== undefined)
    ) {
      need(6, `${at}.InternalBrowser.ActionReplyData`);
    }
    if (typeof button.Text === 'string' && /<s>|<font[^>]*\bsize\s*=/i.test(button.Text)) {
      need(4, `${at}.Text`);
    }
  });
}
