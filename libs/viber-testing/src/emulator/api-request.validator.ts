import { ViberStatus, type ViberValidationIssue } from 'nestjs-viber';
import {
  ValidationContext,
  isRecord,
  listApiFeatures,
  validateOutgoingMessage,
  validateRequestSize,
  withoutNullFields,
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

/** The outcome of checking a message: why it is refused, if it is, and what is only odd. */
export interface MessageCheck {
  /** The refusal, `undefined` when the message is accepted. */
  refusal: ApiRefusal | undefined;
  /**
   * Documented rules that Viber's own examples break (`TextSize: "medium"`, …): accepted, and
   * reported as warnings.
   */
  warnings: ViberValidationIssue[];
}

/**
 * Checks the message part of a `send_message` / `broadcast_message` / `post` body (or a welcome
 * message) with the library's validator and maps the outcome to a status:
 * a required field that is absent → 4 `missingData`; else fields that need a higher API level
 * than the declared `min_api_version` → 14 `incompatibleWithVersion`; else any other broken rule
 * → 3 `badData`. A field sent as `null` counts as absent (docs/protocol/null-fields.md). The
 * three documented oddities of Viber's own examples are accepted, as warnings.
 *
 * @param senderRequired Whether `sender` (with its `name`) must be present.
 */
export function checkMessageBody(
  body: Record<string, unknown>,
  senderRequired: boolean,
): MessageCheck {
  const refused = (status: ViberStatus, detail: string): MessageCheck => ({
    refusal: refuse(status, detail),
    warnings: [],
  });
  if (senderRequired && (body.sender === undefined || body.sender === null)) {
    return refused(ViberStatus.missingData, 'sender is required');
  }
  const message = messageFields(body);
  const ctx = new ValidationContext();
  validateOutgoingMessage(ctx, message);
  const missing = ctx.issues.filter((issue) => isMissing(message, issue));
  if (missing.length > 0) return refused(ViberStatus.missingData, describe(missing));
  const needed = requiredApiLevel(message);
  const declaredValue = message.min_api_version;
  const declared =
    typeof declaredValue === 'number' && Number.isInteger(declaredValue) && declaredValue >= 1
      ? declaredValue
      : 1;
  if (needed.level > declared) {
    return refused(
      ViberStatus.incompatibleWithVersion,
      `${needed.feature} needs min_api_version ${needed.level} (declared ${declared})`,
    );
  }
  if (ctx.issues.length > 0) return refused(ViberStatus.badData, describe(ctx.issues));
  return { refusal: undefined, warnings: ctx.warnings };
}

/**
 * Checks a whole message request: its size (`text`, the exact body) against the 30 KB limit
 * (3 `badData`), then its message part with {@link checkMessageBody}.
 */
export function checkRequestMessage(
  body: Record<string, unknown>,
  text: string,
  senderRequired: boolean,
): MessageCheck {
  const ctx = new ValidationContext();
  validateRequestSize(ctx, text);
  if (ctx.issues.length > 0) {
    const detail = ctx.issues.map((issue) => issue.message).join('; ');
    return { refusal: refuse(ViberStatus.badData, detail), warnings: [] };
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

/**
 * The message as the user's device gets it: {@link messageFields} without the fields sent as
 * `null`, which Viber treats as absent (docs/protocol/null-fields.md).
 */
export function deliveredMessage(body: Record<string, unknown>): Record<string, unknown> {
  return withoutNullFields(messageFields(body)) as Record<string, unknown>;
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

/** The API level a message's fields need (docs/protocol/api-versions.md), and the feature. */
export interface RequiredApiLevel {
  /** The level. */
  level: number;
  /** The field that needs it, e.g. `keyboard.InputFieldState`. */
  feature: string;
}

/**
 * The highest API level the message's fields need, by the library's own table
 * (`listApiFeatures`, docs/protocol/api-versions.md): `payment` 10; keyboard
 * `CustomDefaultHeight` / `HeightScale`, button `InternalBrowser`, `share-phone` /
 * `location-picker` / `none` buttons 3; `ButtonsGroup*` on keyboards, `InputFieldState`,
 * `TextPaddings`, `<s>` / `<font size>` in button text 4; `FavoritesMetadata`, scale types,
 * `TextShouldFit`, `Map`, `Frame`, `MediaPlayer`, `send-to-bot` / `ActionReplyData` 6. Rich media
 * itself is not counted (Viber's own example sends it with `min_api_version: 1`). Fields sent as
 * `null` are absent.
 */
export function requiredApiLevel(message: Record<string, unknown>): RequiredApiLevel {
  let best: RequiredApiLevel = { level: 1, feature: 'message' };
  for (const { path, feature, level } of listApiFeatures(withoutNullFields(message))) {
    if (path === 'type' && feature === 'rich_media') continue;
    if (level > best.level) best = { level, feature };
  }
  return best;
}
