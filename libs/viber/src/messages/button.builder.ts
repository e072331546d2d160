import type {
  ViberActionType,
  ViberBgMediaType,
  ViberButton,
  ViberButtonFrame,
  ViberColor,
  ViberInternalBrowser,
  ViberMediaPlayer,
  ViberOpenURLMediaType,
  ViberOpenURLType,
  ViberScaleType,
  ViberTextHAlign,
  ViberTextSize,
  ViberTextVAlign,
} from '../types/keyboard.types';

/**
 * Builds one keyboard or rich-media button (docs/protocol/keyboards.md, "Button object"). Each
 * method sets the Viber field of the same name (`openURLType` → `OpenURLType`, `bgColor` →
 * `BgColor`, …); fields never set are left out, so Viber's defaults apply. `build()` returns a
 * plain {@link ViberButton}. Ranges are checked when the button's keyboard or rich media is
 * built or sent.
 *
 * @example
 * ViberButtonBuilder.reply('buy:42').text('<b>Buy</b>').columns(3).bgColor('#2db9b9').build();
 */
export class ViberButtonBuilder {
  private readonly button: ViberButton;

  /** Starts a button whose tap sends `actionBody` (its `ActionType` is left to the default, `reply`). */
  constructor(actionBody: string) {
    this.button = { ActionBody: actionBody };
  }

  /** A button without an explicit `ActionType` (Viber's default is `reply`). */
  static create(actionBody: string): ViberButtonBuilder {
    return new ViberButtonBuilder(actionBody);
  }

  /** A `reply` button: a tap sends `actionBody` to the bot as a text message. */
  static reply(actionBody: string): ViberButtonBuilder {
    return new ViberButtonBuilder(actionBody).actionType('reply');
  }

  /** An `open-url` button: a tap opens `url` (and sends it back as a reply). */
  static openUrl(url: string): ViberButtonBuilder {
    return new ViberButtonBuilder(url).actionType('open-url');
  }

  /** A `location-picker` button (not on desktop); `actionBody` must not be empty. */
  static locationPicker(actionBody: string): ViberButtonBuilder {
    return new ViberButtonBuilder(actionBody).actionType('location-picker');
  }

  /** A `share-phone` button (not on desktop); `actionBody` must not be empty. */
  static sharePhone(actionBody: string): ViberButtonBuilder {
    return new ViberButtonBuilder(actionBody).actionType('share-phone');
  }

  /** A button that does nothing when tapped (`ActionType: "none"`), e.g. a label or a picture. */
  static none(actionBody: string): ViberButtonBuilder {
    return new ViberButtonBuilder(actionBody).actionType('none');
  }

  /** `Columns`: width, 1–6 (default 6). */
  columns(columns: number): this {
    this.button.Columns = columns;
    return this;
  }

  /** `Rows`: height, 1–2 on keyboards, 1–7 in rich media (default 1). */
  rows(rows: number): this {
    this.button.Rows = rows;
    return this;
  }

  /** `Columns` and `Rows` at once. */
  size(columns: number, rows: number): this {
    return this.columns(columns).rows(rows);
  }

  /** `BgColor`: background colour, `#RRGGBB` or `#RGB`. */
  bgColor(color: ViberColor): this {
    this.button.BgColor = color;
    return this;
  }

  /** `Silent`: hide the user's tap from the conversation. */
  silent(silent = true): this {
    this.button.Silent = silent;
    return this;
  }

  /** `BgMedia` (and `BgMediaType` when given): background picture or gif URL. */
  bgMedia(url: string, type?: ViberBgMediaType): this {
    if (type !== undefined) this.button.BgMediaType = type;
    this.button.BgMedia = url;
    return this;
  }

  /** `BgMediaType`: `picture` (default) or `gif`. */
  bgMediaType(type: ViberBgMediaType): this {
    this.button.BgMediaType = type;
    return this;
  }

  /** `BgMediaScaleType` (API 6): `crop`, `fill` or `fit`. */
  bgMediaScaleType(scale: ViberScaleType): this {
    this.button.BgMediaScaleType = scale;
    return this;
  }

  /** `BgLoop`: loop an animated gif background (default true). */
  bgLoop(loop = true): this {
    this.button.BgLoop = loop;
    return this;
  }

  /** `ActionType`: what a tap does. */
  actionType(type: ViberActionType): this {
    this.button.ActionType = type;
    return this;
  }

  /** `ActionBody`: the text sent back, or the URL opened. */
  actionBody(body: string): this {
    this.button.ActionBody = body;
    return this;
  }

  /** `Image`: picture URL drawn over the background. */
  image(url: string): this {
    this.button.Image = url;
    return this;
  }

  /** `ImageScaleType` (API 6): `crop`, `fill` or `fit`. */
  imageScaleType(scale: ViberScaleType): this {
    this.button.ImageScaleType = scale;
    return this;
  }

  /** `Text`: at most 250 characters; `<b> <i> <u> <br> <font color>`, and `<s> <font size>` (API 4). */
  text(text: string): this {
    this.button.Text = text;
    return this;
  }

  /** `TextVAlign`: `top`, `middle` (default) or `bottom`. */
  textVAlign(align: ViberTextVAlign): this {
    this.button.TextVAlign = align;
    return this;
  }

  /** `TextHAlign`: `left`, `center` (default) or `right`. */
  textHAlign(align: ViberTextHAlign): this {
    this.button.TextHAlign = align;
    return this;
  }

  /** `TextPaddings` (API 4): each 0–12, in the documented order top, left, bottom, right. */
  textPaddings(top: number, left: number, bottom: number, right: number): this {
    this.button.TextPaddings = [top, left, bottom, right];
    return this;
  }

  /** `TextOpacity`: 0–100 (default 100). */
  textOpacity(opacity: number): this {
    this.button.TextOpacity = opacity;
    return this;
  }

  /** `TextSize`: `small`, `regular` (default) or `large`. */
  textSize(size: ViberTextSize): this {
    this.button.TextSize = size;
    return this;
  }

  /** `OpenURLType`: `internal` (default) or `external` browser. */
  openURLType(type: ViberOpenURLType): this {
    this.button.OpenURLType = type;
    return this;
  }

  /** `OpenURLMediaType`: `not-media` (default), `video`, `gif` or `picture`. */
  openURLMediaType(type: ViberOpenURLMediaType): this {
    this.button.OpenURLMediaType = type;
    return this;
  }

  /** `TextBgGradientColor`: `#RRGGBB` gradient under the text (with `TextVAlign` top/bottom). */
  textBgGradientColor(color: ViberColor): this {
    this.button.TextBgGradientColor = color;
    return this;
  }

  /** `TextShouldFit` (API 6): shrink the text to fit. */
  textShouldFit(fit = true): this {
    this.button.TextShouldFit = fit;
    return this;
  }

  /** `InternalBrowser` (API 3; `send-to-bot` and `ActionReplyData` need API 6). */
  internalBrowser(browser: ViberInternalBrowser): this {
    this.button.InternalBrowser = { ...browser };
    return this;
  }

  /** `Map` (API 6): a map centred on `latitude`, `longitude` (numbers or decimal strings). */
  map(latitude: string | number, longitude: string | number): this {
    this.button.Map = { Latitude: latitude, Longitude: longitude };
    return this;
  }

  /** `Frame` (API 6): border width 0–10, colour, corner radius 0–10. */
  frame(frame: ViberButtonFrame): this {
    this.button.Frame = { ...frame };
    return this;
  }

  /** `MediaPlayer` (API 6): player metadata for `open-url` video buttons. */
  mediaPlayer(player: ViberMediaPlayer): this {
    this.button.MediaPlayer = { ...player };
    return this;
  }

  /** The button as a plain object (a copy: later builder calls do not change it). */
  build(): ViberButton {
    return structuredClone(this.button);
  }
}

/** A button given as a plain object or as a builder. */
export type ViberButtonInput = ViberButton | ViberButtonBuilder;

/** Turns a button or builder into a plain (copied) button. */
export function toViberButton(button: ViberButtonInput): ViberButton {
  return button instanceof ViberButtonBuilder ? button.build() : structuredClone(button);
}
