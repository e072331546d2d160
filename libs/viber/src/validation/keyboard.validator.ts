import {
  ViberActionTypes,
  ViberBgMediaTypes,
  ViberFavoritesMetadataTypes,
  ViberInputFieldStates,
  ViberInternalBrowserActionButtons,
  ViberInternalBrowserFooterTypes,
  ViberInternalBrowserModes,
  ViberInternalBrowserTitleTypes,
  ViberOpenURLMediaTypes,
  ViberOpenURLTypes,
  ViberScaleTypes,
  ViberTextHAligns,
  ViberTextSizes,
  ViberTextVAligns,
  type ViberActionType,
  type ViberBgMediaType,
  type ViberFavoritesMetadataType,
  type ViberInputFieldState,
  type ViberInternalBrowserActionButton,
  type ViberInternalBrowserFooterType,
  type ViberInternalBrowserMode,
  type ViberInternalBrowserTitleType,
  type ViberOpenURLMediaType,
  type ViberOpenURLType,
  type ViberScaleType,
  type ViberTextHAlign,
  type ViberTextSize,
  type ViberTextVAlign,
} from '../types/keyboard.types';
import {
  ValidationContext,
  checkNumber,
  checkString,
  isRecord,
  joinPath,
} from './validation-context';

/** Documented ranges of keyboards, buttons and rich media (docs/protocol/keyboards.md). */
export const VIBER_KEYBOARD_LIMITS = {
  /** Width of the keyboard grid and the widest button, in columns. */
  gridColumns: 6,
  /** Tallest keyboard button, in rows. */
  keyboardButtonRows: 2,
  /** Tallest rich-media button (and card), in rows. */
  richMediaButtonRows: 7,
  /** `ButtonsGroupColumns` range upper bound (and default). */
  buttonsGroupColumns: 6,
  /** `ButtonsGroupRows` range upper bound (and rich-media default). */
  buttonsGroupRows: 7,
  /** Cards per rich-media message. */
  richMediaCards: 6,
  /** Button `Text`, characters. */
  buttonText: 250,
  /** `<font size>` inside button text. */
  fontSizeMin: 12,
  /** `<font size>` inside button text. */
  fontSizeMax: 32,
  /** Each `TextPaddings` entry. */
  textPadding: 12,
  /** `TextOpacity`. */
  textOpacity: 100,
  /** `CustomDefaultHeight` range. */
  customDefaultHeightMin: 40,
  /** `CustomDefaultHeight` range. */
  customDefaultHeightMax: 70,
  /** `HeightScale` range. */
  heightScaleMin: 20,
  /** `HeightScale` range. */
  heightScaleMax: 100,
  /** `InternalBrowser.CustomTitle`, characters. */
  customTitle: 15,
  /** `Frame.BorderWidth` and `Frame.CornerRadius`. */
  frameMax: 10,
} as const;

/** Whether a button sits on a keyboard or on a rich-media card (their `Rows` ranges differ). */
export type ViberButtonContainer = 'keyboard' | 'rich_media';

/** One button placed on a rich-media card: its index in `Buttons` and its cell on the card grid. */
export interface ViberCardPlacement {
  /** Index of the button in `Buttons`. */
  index: number;
  /** Leftmost column, 0-based. */
  column: number;
  /** Top row, 0-based. */
  row: number;
  /** Width in columns. */
  columns: number;
  /** Height in rows. */
  rows: number;
}

/**
 * Builds a set of the values of an enum-like const object, refusing at compile time an object
 * that misses one member of the union `T`.
 */
function enumValues<T extends string>() {
  return <V extends Record<string, T>>(
    values: V & Record<Exclude<T, V[keyof V]>, never>,
  ): readonly string[] => Object.values(values);
}

const ACTION_TYPES = enumValues<ViberActionType>()(ViberActionTypes);
const OPEN_URL_TYPES = enumValues<ViberOpenURLType>()(ViberOpenURLTypes);
const OPEN_URL_MEDIA_TYPES = enumValues<ViberOpenURLMediaType>()(ViberOpenURLMediaTypes);
const BG_MEDIA_TYPES = enumValues<ViberBgMediaType>()(ViberBgMediaTypes);
const SCALE_TYPES = enumValues<ViberScaleType>()(ViberScaleTypes);
const TEXT_V_ALIGNS = enumValues<ViberTextVAlign>()(ViberTextVAligns);
const TEXT_H_ALIGNS = enumValues<ViberTextHAlign>()(ViberTextHAligns);
const TEXT_SIZES = enumValues<ViberTextSize>()(ViberTextSizes);
const INPUT_FIELD_STATES = enumValues<ViberInputFieldState>()(ViberInputFieldStates);
const BROWSER_ACTION_BUTTONS = enumValues<ViberInternalBrowserActionButton>()(
  ViberInternalBrowserActionButtons,
);
const BROWSER_TITLE_TYPES = enumValues<ViberInternalBrowserTitleType>()(
  ViberInternalBrowserTitleTypes,
);
const BROWSER_MODES = enumValues<ViberInternalBrowserMode>()(ViberInternalBrowserModes);
const BROWSER_FOOTER_TYPES = enumValues<ViberInternalBrowserFooterType>()(
  ViberInternalBrowserFooterTypes,
);
const FAVORITES_TYPES = enumValues<ViberFavoritesMetadataType>()(ViberFavoritesMetadataTypes);

const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const COLOR_6 = /^#[0-9a-f]{6}$/i;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const FONT_SIZE = /<font\b[^>]*?\bsize\s*=\s*["']?([^"'\s>]*)/gi;

/**
 * Values outside the documented tables that Viber's own rich-media example uses
 * (docs/protocol/uncertain.md, "Documented rules Viber's own examples break"). Exactly these are
 * sent with a warning instead of being refused, so that Viber's own example goes out unchanged
 * (README, "Keyboards and rich media").
 */
const DOCUMENTED_EXAMPLE_EXCEPTIONS: Readonly<Record<string, string>> = {
  TextSize: 'medium',
  TextHAlign: 'middle',
};

/** `true` for a colour Viber accepts: `#RRGGBB` or `#RGB`. */
export function isViberColor(value: unknown): value is string {
  return typeof value === 'string' && COLOR.test(value);
}

/**
 * Checks a keyboard object (docs/protocol/keyboards.md, "Keyboard object" and "Button object"):
 * `Type: "keyboard"` is required (same note). Paths are reported from `path`, e.g.
 * `keyboard.Buttons[3].Columns`.
 */
export function validateKeyboard(ctx: ValidationContext, path: string, keyboard: unknown): void {
  if (!isRecord(keyboard)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const at = (key: string): string => joinPath(path, key);
  // Viber refuses a keyboard without Type (docs/protocol/keyboards.md).
  if (keyboard.Type === undefined) ctx.fail(at('Type'), 'is required (must be "keyboard")');
  else if (keyboard.Type !== 'keyboard') ctx.fail(at('Type'), 'must be "keyboard"');
  checkColor(ctx, at('BgColor'), keyboard.BgColor);
  checkBoolean(ctx, at('DefaultHeight'), keyboard.DefaultHeight);
  checkNumber(ctx, at('CustomDefaultHeight'), keyboard.CustomDefaultHeight, {
    min: VIBER_KEYBOARD_LIMITS.customDefaultHeightMin,
    max: VIBER_KEYBOARD_LIMITS.customDefaultHeightMax,
    integer: true,
  });
  checkHeightScale(ctx, at('HeightScale'), keyboard.HeightScale);
  checkGroupSize(ctx, path, keyboard);
  checkEnum(ctx, at('InputFieldState'), keyboard.InputFieldState, INPUT_FIELD_STATES);
  if (keyboard.FavoritesMetadata !== undefined) {
    validateFavoritesMetadata(ctx, at('FavoritesMetadata'), keyboard.FavoritesMetadata);
  }
  forEachButton(ctx, at('Buttons'), keyboard.Buttons, (buttonPath, button) =>
    validateButton(ctx, buttonPath, button, 'keyboard'),
  );
}

/**
 * Checks a rich-media object (docs/protocol/keyboards.md, "Rich media"): the card size, every
 * button (each must fit on a card), and the number of cards the buttons lay out into (1–6).
 */
export function validateRichMedia(ctx: ValidationContext, path: string, richMedia: unknown): void {
  if (!isRecord(richMedia)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const at = (key: string): string => joinPath(path, key);
  if (richMedia.Type !== undefined && richMedia.Type !== 'rich_media') {
    ctx.fail(at('Type'), 'must be "rich_media"');
  }
  checkColor(ctx, at('BgColor'), richMedia.BgColor);
  checkHeightScale(ctx, at('HeightScale'), richMedia.HeightScale);
  const group = checkGroupSize(ctx, path, richMedia);

  let placeable = group !== undefined;
  const buttons = forEachButton(ctx, at('Buttons'), richMedia.Buttons, (buttonPath, button) => {
    validateButton(ctx, buttonPath, button, 'rich_media');
    if (!checkFitsOnCard(ctx, buttonPath, button, group)) placeable = false;
  });
  // Count the cards only when every button has a valid size that fits on a card.
  if (buttons === undefined || group === undefined || !placeable) return;
  const cards = layoutRichMediaCards(
    buttons as Record<string, unknown>[],
    group.columns,
    group.rows,
  );
  if (cards.length > VIBER_KEYBOARD_LIMITS.richMediaCards) {
    const first = cards[VIBER_KEYBOARD_LIMITS.richMediaCards]![0]!.index;
    ctx.fail(
      at('Buttons'),
      `must lay out into 1..${VIBER_KEYBOARD_LIMITS.richMediaCards} cards of ` +
        `${group.columns}x${group.rows} (ButtonsGroupColumns x ButtonsGroupRows) ` +
        `(got ${cards.length}; Buttons[${first}] starts card ${VIBER_KEYBOARD_LIMITS.richMediaCards + 1})`,
    );
  }
}

/**
 * Lays rich-media buttons out into cards of `groupColumns` × `groupRows` cells, in order:
 * each button takes the first free cell at or after the previous button (left to right, then
 * top to bottom) where it fits; when none is left, a new card starts. Missing `Columns`/`Rows`
 * take their defaults (6 and 1). Sizes that are not integers within the card are clamped to it
 * (validate first to refuse them instead).
 */
export function layoutRichMediaCards(
  buttons: ReadonlyArray<{ Columns?: unknown; Rows?: unknown }>,
  groupColumns: number = VIBER_KEYBOARD_LIMITS.buttonsGroupColumns,
  groupRows: number = VIBER_KEYBOARD_LIMITS.buttonsGroupRows,
): ViberCardPlacement[][] {
  const cards: ViberCardPlacement[][] = [];
  let occupied: boolean[][] = [];
  let cursor = { row: 0, column: 0 };
  const fits = (row: number, column: number, columns: number, rows: number): boolean => {
    for (let r = row; r < row + rows; r++) {
      for (let c = column; c < column + columns; c++) if (occupied[r]![c]) return false;
    }
    return true;
  };
  const findSlot = (columns: number, rows: number): { row: number; column: number } | undefined => {
    for (let row = cursor.row; row + rows <= groupRows; row++) {
      const start = row === cursor.row ? cursor.column : 0;
      for (let column = start; column + columns <= groupColumns; column++) {
        if (fits(row, column, columns, rows)) return { row, column };
      }
    }
    return undefined;
  };

  buttons.forEach((button, index) => {
    const columns = cellCount(button.Columns, VIBER_KEYBOARD_LIMITS.gridColumns, groupColumns);
    const rows = cellCount(button.Rows, 1, groupRows);
    let slot = cards.length === 0 ? undefined : findSlot(columns, rows);
    if (slot === undefined) {
      cards.push([]);
      occupied = Array.from({ length: groupRows }, () =>
        new Array<boolean>(groupColumns).fill(false),
      );
      cursor = { row: 0, column: 0 };
      slot = { row: 0, column: 0 };
    }
    for (let r = slot.row; r < slot.row + rows; r++) {
      for (let c = slot.column; c < slot.column + columns; c++) occupied[r]![c] = true;
    }
    cards[cards.length - 1]!.push({ index, row: slot.row, column: slot.column, columns, rows });
    cursor = { row: slot.row, column: slot.column + columns };
  });
  return cards;
}

/** A button's width or height in cells: `fallback` when absent, clamped to 1..`max`. */
function cellCount(value: unknown, fallback: number, max: number): number {
  const count = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
  return Math.min(Math.max(count, 1), max);
}

/**
 * Checks one button (docs/protocol/keyboards.md, "Button object"). `container` selects the
 * `Rows` range: 1–2 on a keyboard, 1–7 in rich media.
 */
export function validateButton(
  ctx: ValidationContext,
  path: string,
  button: unknown,
  container: ViberButtonContainer,
): void {
  if (!isRecord(button)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const at = (key: string): string => joinPath(path, key);
  const maxRows =
    container === 'keyboard'
      ? VIBER_KEYBOARD_LIMITS.keyboardButtonRows
      : VIBER_KEYBOARD_LIMITS.richMediaButtonRows;

  checkNumber(ctx, at('Columns'), button.Columns, {
    min: 1,
    max: VIBER_KEYBOARD_LIMITS.gridColumns,
    integer: true,
  });
  checkNumber(ctx, at('Rows'), button.Rows, { min: 1, max: maxRows, integer: true });
  checkColor(ctx, at('BgColor'), button.BgColor);
  checkBoolean(ctx, at('Silent'), button.Silent);
  checkEnum(ctx, at('BgMediaType'), button.BgMediaType, BG_MEDIA_TYPES);
  checkString(ctx, at('BgMedia'), button.BgMedia, { min: 1 });
  checkEnum(ctx, at('BgMediaScaleType'), button.BgMediaScaleType, SCALE_TYPES);
  checkEnum(ctx, at('ImageScaleType'), button.ImageScaleType, SCALE_TYPES);
  checkBoolean(ctx, at('BgLoop'), button.BgLoop);
  checkEnum(ctx, at('ActionType'), button.ActionType, ACTION_TYPES);
  checkString(ctx, at('ActionBody'), button.ActionBody, { required: true, min: 1 });
  checkString(ctx, at('Image'), button.Image, { min: 1 });
  const text = checkString(ctx, at('Text'), button.Text, {
    max: VIBER_KEYBOARD_LIMITS.buttonText,
  });
  if (text !== undefined) checkFontSizes(ctx, at('Text'), text);
  checkEnum(ctx, at('TextVAlign'), button.TextVAlign, TEXT_V_ALIGNS);
  checkEnum(ctx, at('TextHAlign'), button.TextHAlign, TEXT_H_ALIGNS);
  checkTextPaddings(ctx, at('TextPaddings'), button.TextPaddings);
  checkNumber(ctx, at('TextOpacity'), button.TextOpacity, {
    min: 0,
    max: VIBER_KEYBOARD_LIMITS.textOpacity,
    integer: true,
  });
  checkEnum(ctx, at('TextSize'), button.TextSize, TEXT_SIZES);
  checkEnum(ctx, at('OpenURLType'), button.OpenURLType, OPEN_URL_TYPES);
  checkEnum(ctx, at('OpenURLMediaType'), button.OpenURLMediaType, OPEN_URL_MEDIA_TYPES);
  if (button.TextBgGradientColor !== undefined && !isSixDigitColor(button.TextBgGradientColor)) {
    ctx.fail(at('TextBgGradientColor'), 'must be a colour #RRGGBB');
  }
  checkBoolean(ctx, at('TextShouldFit'), button.TextShouldFit);
  if (button.InternalBrowser !== undefined) {
    validateInternalBrowser(ctx, at('InternalBrowser'), button.InternalBrowser);
  }
  if (button.Map !== undefined) validateMap(ctx, at('Map'), button.Map);
  if (button.Frame !== undefined) validateFrame(ctx, at('Frame'), button.Frame);
  if (button.MediaPlayer !== undefined) {
    validateMediaPlayer(ctx, at('MediaPlayer'), button.MediaPlayer);
  }

  const hasContent = ['Text', 'BgMedia', 'Image', 'BgColor'].some(
    (key) => button[key] !== undefined && button[key] !== null && button[key] !== '',
  );
  if (!hasContent) ctx.fail(path, 'must have at least one of Text, BgMedia, Image, BgColor');
}

/** Checks `InternalBrowser` (API 3; docs/protocol/keyboards.md, "InternalBrowser"). */
function validateInternalBrowser(ctx: ValidationContext, path: string, browser: unknown): void {
  if (!isRecord(browser)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const at = (key: string): string => joinPath(path, key);
  checkEnum(ctx, at('ActionButton'), browser.ActionButton, BROWSER_ACTION_BUTTONS);
  checkString(ctx, at('ActionPredefinedURL'), browser.ActionPredefinedURL, { min: 1 });
  checkEnum(ctx, at('TitleType'), browser.TitleType, BROWSER_TITLE_TYPES);
  checkString(ctx, at('CustomTitle'), browser.CustomTitle, {
    max: VIBER_KEYBOARD_LIMITS.customTitle,
  });
  checkEnum(ctx, at('Mode'), browser.Mode, BROWSER_MODES);
  checkEnum(ctx, at('FooterType'), browser.FooterType, BROWSER_FOOTER_TYPES);
  checkString(ctx, at('ActionReplyData'), browser.ActionReplyData, {});
}

/** Checks `Map` (API 6): `Latitude` −90..90 and `Longitude` −180..180, numbers or decimal strings. */
function validateMap(ctx: ValidationContext, path: string, map: unknown): void {
  if (!isRecord(map)) {
    ctx.fail(path, 'must be an object with Latitude and Longitude');
    return;
  }
  checkCoordinate(ctx, joinPath(path, 'Latitude'), map.Latitude, 90);
  checkCoordinate(ctx, joinPath(path, 'Longitude'), map.Longitude, 180);
}

/** Checks `Frame` (API 6). */
function validateFrame(ctx: ValidationContext, path: string, frame: unknown): void {
  if (!isRecord(frame)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const range = { min: 0, max: VIBER_KEYBOARD_LIMITS.frameMax, integer: true };
  checkNumber(ctx, joinPath(path, 'BorderWidth'), frame.BorderWidth, range);
  checkColor(ctx, joinPath(path, 'BorderColor'), frame.BorderColor);
  checkNumber(ctx, joinPath(path, 'CornerRadius'), frame.CornerRadius, range);
}

/** Checks `MediaPlayer` (API 6). */
function validateMediaPlayer(ctx: ValidationContext, path: string, player: unknown): void {
  if (!isRecord(player)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  checkString(ctx, joinPath(path, 'Title'), player.Title, {});
  checkString(ctx, joinPath(path, 'Subtitle'), player.Subtitle, {});
  checkString(ctx, joinPath(path, 'ThumbnailURL'), player.ThumbnailURL, { min: 1 });
  checkBoolean(ctx, joinPath(path, 'Loop'), player.Loop);
}

/** Checks keyboard `FavoritesMetadata` (API 6; field constraints beyond types are undocumented). */
function validateFavoritesMetadata(ctx: ValidationContext, path: string, meta: unknown): void {
  if (!isRecord(meta)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  const at = (key: string): string => joinPath(path, key);
  if (meta.type === undefined) ctx.fail(at('type'), 'is required');
  else checkEnum(ctx, at('type'), meta.type, FAVORITES_TYPES);
  checkString(ctx, at('url'), meta.url, { required: true, min: 1 });
  for (const key of ['title', 'thumbnail', 'domain', 'alternativeUrl', 'alternativeText']) {
    checkString(ctx, at(key), meta[key], {});
  }
  checkNumber(ctx, at('width'), meta.width, { min: 0, integer: true });
  checkNumber(ctx, at('height'), meta.height, { min: 0, integer: true });
}

/** Calls `check` for every button; returns the buttons when `Buttons` is a non-empty array. */
function forEachButton(
  ctx: ValidationContext,
  path: string,
  buttons: unknown,
  check: (path: string, button: unknown) => void,
): unknown[] | undefined {
  if (!Array.isArray(buttons) || buttons.length === 0) {
    ctx.fail(path, buttons === undefined ? 'is required' : 'must be a non-empty array');
    return undefined;
  }
  buttons.forEach((button: unknown, index) => check(joinPath(path, index), button));
  return buttons;
}

/** Checks `ButtonsGroupColumns` 1..6 and `ButtonsGroupRows` 1..7; returns the card size when valid. */
function checkGroupSize(
  ctx: ValidationContext,
  path: string,
  container: Record<string, unknown>,
): { columns: number; rows: number } | undefined {
  const before = ctx.issues.length;
  const columns = checkNumber(
    ctx,
    joinPath(path, 'ButtonsGroupColumns'),
    container.ButtonsGroupColumns,
    {
      min: 1,
      max: VIBER_KEYBOARD_LIMITS.buttonsGroupColumns,
      integer: true,
    },
  );
  const rows = checkNumber(ctx, joinPath(path, 'ButtonsGroupRows'), container.ButtonsGroupRows, {
    min: 1,
    max: VIBER_KEYBOARD_LIMITS.buttonsGroupRows,
    integer: true,
  });
  if (ctx.issues.length !== before) return undefined;
  return {
    columns: columns ?? VIBER_KEYBOARD_LIMITS.buttonsGroupColumns,
    rows: rows ?? VIBER_KEYBOARD_LIMITS.buttonsGroupRows,
  };
}

/**
 * A rich-media button must fit on one card: Columns ≤ ButtonsGroupColumns, Rows ≤
 * ButtonsGroupRows. Returns whether the button has a size the card layout can use.
 */
function checkFitsOnCard(
  ctx: ValidationContext,
  path: string,
  button: unknown,
  group: { columns: number; rows: number } | undefined,
): boolean {
  if (!isRecord(button) || group === undefined) return false;
  const columns = button.Columns ?? VIBER_KEYBOARD_LIMITS.gridColumns;
  const rows = button.Rows ?? 1;
  if (!isSize(columns, VIBER_KEYBOARD_LIMITS.gridColumns)) return false;
  if (!isSize(rows, VIBER_KEYBOARD_LIMITS.richMediaButtonRows)) return false;
  let fits = true;
  if (columns > group.columns) {
    fits = false;
    ctx.fail(
      joinPath(path, 'Columns'),
      button.Columns === undefined
        ? `is required when ButtonsGroupColumns is ${group.columns} (the default 6 does not fit on a card)`
        : `must be 1..${group.columns} (ButtonsGroupColumns) (got ${columns})`,
    );
  }
  if (rows > group.rows) {
    fits = false;
    ctx.fail(joinPath(path, 'Rows'), `must be 1..${group.rows} (ButtonsGroupRows) (got ${rows})`);
  }
  return fits;
}

/** An integer 1..`max`. */
function isSize(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}

/** Checks `HeightScale` 20..100. */
function checkHeightScale(ctx: ValidationContext, path: string, value: unknown): void {
  checkNumber(ctx, path, value, {
    min: VIBER_KEYBOARD_LIMITS.heightScaleMin,
    max: VIBER_KEYBOARD_LIMITS.heightScaleMax,
    integer: true,
  });
}

/** Checks `TextPaddings`: four integers 0..12. */
function checkTextPaddings(ctx: ValidationContext, path: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length !== 4) {
    ctx.fail(path, 'must be an array of 4 numbers [top, left, bottom, right]');
    return;
  }
  value.forEach((padding: unknown, index) =>
    checkNumber(ctx, joinPath(path, index), padding, {
      required: true,
      min: 0,
      max: VIBER_KEYBOARD_LIMITS.textPadding,
      integer: true,
    }),
  );
}

/** Checks every `<font size=…>` in button text: 12..32. */
function checkFontSizes(ctx: ValidationContext, path: string, text: string): void {
  for (const match of text.matchAll(FONT_SIZE)) {
    const raw = match[1] ?? '';
    const size = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(size >= VIBER_KEYBOARD_LIMITS.fontSizeMin && size <= VIBER_KEYBOARD_LIMITS.fontSizeMax)) {
      ctx.fail(
        path,
        `<font size> must be ${VIBER_KEYBOARD_LIMITS.fontSizeMin}..${VIBER_KEYBOARD_LIMITS.fontSizeMax} (got ${raw || 'nothing'})`,
      );
    }
  }
}

/** Checks a map coordinate: a number or decimal string within ±`limit`. */
function checkCoordinate(
  ctx: ValidationContext,
  path: string,
  value: unknown,
  limit: number,
): void {
  if (value === undefined || value === null) {
    ctx.fail(path, 'is required');
    return;
  }
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && DECIMAL.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(number)) {
    ctx.fail(path, 'must be a number or a decimal string such as "12.12345"');
  } else if (number < -limit || number > limit) {
    ctx.fail(path, `must be -${limit}..${limit} (got ${String(value)})`);
  }
}

/** Checks an optional colour (`#RRGGBB` or `#RGB`). */
function checkColor(ctx: ValidationContext, path: string, value: unknown): void {
  if (value === undefined) return;
  if (!isViberColor(value)) {
    ctx.fail(path, `must be a colour #RRGGBB or #RGB (got ${describe(value)})`);
  }
}

function isSixDigitColor(value: unknown): boolean {
  return typeof value === 'string' && COLOR_6.test(value);
}

/** Checks an optional boolean. */
function checkBoolean(ctx: ValidationContext, path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') ctx.fail(path, 'must be a boolean');
}

/**
 * Checks an optional enum value. The two values Viber's own example uses outside the tables
 * (`TextSize: "medium"`, `TextHAlign: "middle"`) are warnings, not errors.
 */
function checkEnum(
  ctx: ValidationContext,
  path: string,
  value: unknown,
  allowed: readonly string[],
): void {
  if (value === undefined) return;
  if (typeof value === 'string' && allowed.includes(value)) return;
  const list = allowed.join(', ');
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (DOCUMENTED_EXAMPLE_EXCEPTIONS[key] === value) {
    ctx.warn(
      path,
      `should be one of ${list} (got "${String(value)}", sent as is because Viber's own rich-media example uses it)`,
    );
    return;
  }
  ctx.fail(path, `must be one of ${list} (got ${describe(value)})`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}
