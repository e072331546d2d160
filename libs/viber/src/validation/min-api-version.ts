import type { ViberOutgoingMessage } from '../types/message.types';
import { ValidationContext, isRecord, joinPath } from './validation-context';

/**
 * One feature of a message that needs a client API level above 1
 * (docs/protocol/api-versions.md).
 */
export interface ViberApiFeature {
  /** Where the feature is used, relative to the message, e.g. `keyboard.InputFieldState`. */
  path: string;
  /** Human-readable name: the path, plus the value or tag when that is what is gated. */
  feature: string;
  /** The minimum `min_api_version` the feature needs. */
  level: number;
}

/** API levels of the gated message types (docs/protocol/api-versions.md). */
const MESSAGE_TYPE_LEVELS: Readonly<Record<string, number>> = { rich_media: 2, payment: 10 };

/** API levels of keyboard / rich-media container fields (docs/protocol/api-versions.md). */
const KEYBOARD_FIELD_LEVELS: Readonly<Record<string, number>> = {
  CustomDefaultHeight: 3,
  HeightScale: 3,
  ButtonsGroupColumns: 4,
  ButtonsGroupRows: 4,
  InputFieldState: 4,
  FavoritesMetadata: 6,
};

/**
 * Rich media's `ButtonsGroupColumns/Rows` are part of the rich-media payload itself
 * (docs/protocol/keyboards.md, "Rich media"; the official example sends them with API 1), so
 * only the other container fields are gated.
 */
const RICH_MEDIA_FIELD_LEVELS: Readonly<Record<string, number>> = { HeightScale: 3 };

/** API levels of button fields (docs/protocol/api-versions.md). */
const BUTTON_FIELD_LEVELS: Readonly<Record<string, number>> = {
  InternalBrowser: 3,
  TextPaddings: 4,
  BgMediaScaleType: 6,
  ImageScaleType: 6,
  TextShouldFit: 6,
  Map: 6,
  Frame: 6,
  MediaPlayer: 6,
};

/**
 * Button `ActionType` values that need API 3: below it Viber's keyboard schema only knows
 * `reply` and `open-url` (docs/protocol/api-versions.md).
 */
const ACTION_TYPE_LEVELS: ReadonlyMap<unknown, number> = new Map([
  ['share-phone', 3],
  ['location-picker', 3],
  ['none', 3],
]);

/** HTML tags of button text that need API 4 (docs/protocol/keyboards.md, "Button object"). */
const TEXT_TAG_LEVELS: ReadonlyArray<{ tag: string; pattern: RegExp; level: number }> = [
  { tag: '<s>', pattern: /<s(?:\s[^>]*)?>/i, level: 4 },
  { tag: '<font size>', pattern: /<font\b[^>]*?\bsize\s*=/i, level: 4 },
];

/**
 * Lists every feature of `message` that needs an API level above 1, in payload order: the
 * message type (`rich_media` → 2, `payment` → 10), keyboard and rich-media fields, button
 * fields and `ActionType` values (`share-phone`, `location-picker`, `none` → 3), API-4 tags in
 * button text, and the API-6 parts of `InternalBrowser`. Tolerates malformed input (non-objects
 * are skipped).
 */
export function listApiFeatures(message: unknown): ViberApiFeature[] {
  const features: ViberApiFeature[] = [];
  if (!isRecord(message)) return features;
  const add = (path: string, level: number, feature = path): void => {
    features.push({ path, feature, level });
  };

  const typeLevel =
    typeof message.type === 'string' ? MESSAGE_TYPE_LEVELS[message.type] : undefined;
  if (typeLevel !== undefined) add('type', typeLevel, String(message.type));

  const collectContainer = (
    path: string,
    container: unknown,
    levels: Readonly<Record<string, number>>,
  ): void => {
    if (!isRecord(container)) return;
    for (const [key, level] of Object.entries(levels)) {
      if (container[key] !== undefined) add(joinPath(path, key), level);
    }
    if (!Array.isArray(container.Buttons)) return;
    container.Buttons.forEach((button: unknown, index) =>
      collectButton(joinPath(joinPath(path, 'Buttons'), index), button, add),
    );
  };
  if (message.type === 'rich_media') {
    collectContainer('rich_media', message.rich_media, RICH_MEDIA_FIELD_LEVELS);
  }
  collectContainer('keyboard', message.keyboard, KEYBOARD_FIELD_LEVELS);
  return features;
}

function collectButton(
  path: string,
  button: unknown,
  add: (path: string, level: number, feature?: string) => void,
): void {
  if (!isRecord(button)) return;
  for (const [key, level] of Object.entries(BUTTON_FIELD_LEVELS)) {
    if (button[key] !== undefined) add(joinPath(path, key), level);
  }
  const actionLevel = ACTION_TYPE_LEVELS.get(button.ActionType);
  if (actionLevel !== undefined) {
    const actionPath = joinPath(path, 'ActionType');
    add(actionPath, actionLevel, `${actionPath} "${String(button.ActionType)}"`);
  }
  if (typeof button.Text === 'string') {
    for (const { tag, pattern, level } of TEXT_TAG_LEVELS) {
      if (pattern.test(button.Text))
        add(joinPath(path, 'Text'), level, `${joinPath(path, 'Text')} ${tag}`);
    }
  }
  const browser = button.InternalBrowser;
  if (isRecord(browser)) {
    const browserPath = joinPath(path, 'InternalBrowser');
    if (browser.ActionButton === 'send-to-bot') {
      const actionPath = joinPath(browserPath, 'ActionButton');
      add(actionPath, 6, `${actionPath} "send-to-bot"`);
    }
    if (browser.ActionReplyData !== undefined) add(joinPath(browserPath, 'ActionReplyData'), 6);
  }
}

/**
 * The lowest `min_api_version` that renders every feature `message` uses
 * (docs/protocol/api-versions.md): 1 when nothing is gated, 2 for rich media, 3 for
 * `InternalBrowser` / `CustomDefaultHeight` / `HeightScale` / `share-phone`, `location-picker`
 * and `none` buttons, 4 for `InputFieldState` / `ButtonsGroup*` on keyboards / `TextPaddings` /
 * `<s>` and `<font size>` in button text, 6 for `Map` / `Frame` / `MediaPlayer` /
 * `FavoritesMetadata` / `TextShouldFit` / scale types / `send-to-bot`, 10 for payments.
 * The message's own `min_api_version` is ignored.
 */
export function deriveMinApiVersion(message: ViberOutgoingMessage): number {
  return listApiFeatures(message).reduce((level, feature) => Math.max(level, feature.level), 1);
}

/**
 * Checks an explicit `min_api_version` against the features the message uses: lower than a
 * feature needs is an error naming the field and the feature, e.g.
 * `min_api_version must be at least 4 (keyboard.InputFieldState needs API 4)`. The one
 * exception (docs/protocol/uncertain.md, "Documented rules Viber's own examples break"):
 * `rich_media` with `min_api_version: 1`, as in Viber's own example, is only a warning. An
 * absent or malformed value is not checked here.
 */
export function validateMinApiVersion(ctx: ValidationContext, message: unknown, path = ''): void {
  if (!isRecord(message)) return;
  const declared = message.min_api_version;
  if (typeof declared !== 'number' || !Number.isInteger(declared)) return;
  const fieldPath = joinPath(path, 'min_api_version');

  let highest: ViberApiFeature | undefined;
  let richMedia: ViberApiFeature | undefined;
  for (const feature of listApiFeatures(message)) {
    // Stryker disable next-line ConditionalExpression: equivalent `true &&`: only the message-type feature is named exactly "rich_media" (container features read "rich_media.…")
    if (feature.path === 'type' && feature.feature === 'rich_media') {
      richMedia = feature;
      continue;
    }
    if (highest === undefined || feature.level > highest.level) highest = feature;
  }
  if (highest !== undefined && declared < highest.level) {
    ctx.fail(fieldPath, requirement(highest));
  } else if (richMedia !== undefined && declared < richMedia.level) {
    ctx.warn(
      fieldPath,
      `should be at least ${richMedia.level} (rich_media needs API ${richMedia.level}; ` +
        `sent as is because Viber's own rich-media example uses ${declared})`,
    );
  }
}

function requirement(feature: ViberApiFeature): string {
  return `must be at least ${feature.level} (${feature.feature} needs API ${feature.level})`;
}
