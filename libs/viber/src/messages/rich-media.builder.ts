import type { ViberColor, ViberRichMedia } from '../types/keyboard.types';
import { validateRichMedia } from '../validation/keyboard.validator';
import { throwIfInvalid } from '../validation/message.validator';
import { ValidationContext } from '../validation/validation-context';
import { toViberButton, type ViberButtonInput } from './button.builder';

/**
 * Builds a rich-media carousel (docs/protocol/keyboards.md, "Rich media"): `Type: "rich_media"`
 * plus the fields set. Buttons flow onto cards of `ButtonsGroupColumns` × `ButtonsGroupRows`
 * cells (default 6 × 7); a new card starts when the next button no longer fits; 1–6 cards are
 * allowed. `build()` checks every documented rule and throws a `ViberValidationError` naming
 * the path and the limit.
 *
 * @example
 * new ViberRichMediaBuilder()
 *   .buttonsGroupColumns(6)
 *   .buttonsGroupRows(2)
 *   .addButtons(
 *     ViberButtonBuilder.openUrl('https://shop.example/1').image('https://shop.example/1.png'),
 *     ViberButtonBuilder.reply('buy:1').text('Buy'),
 *   )
 *   .build();
 */
export class ViberRichMediaBuilder {
  private readonly richMedia: ViberRichMedia = { Type: 'rich_media', Buttons: [] };

  /** Starts an empty carousel. */
  static create(): ViberRichMediaBuilder {
    return new ViberRichMediaBuilder();
  }

  /** `ButtonsGroupColumns`: card width, 1–6 (default 6). */
  buttonsGroupColumns(columns: number): this {
    this.richMedia.ButtonsGroupColumns = columns;
    return this;
  }

  /** `ButtonsGroupRows`: card height, 1–7 (default 7). */
  buttonsGroupRows(rows: number): this {
    this.richMedia.ButtonsGroupRows = rows;
    return this;
  }

  /** `BgColor`: background, `#RRGGBB` or `#RGB`. */
  bgColor(color: ViberColor): this {
    this.richMedia.BgColor = color;
    return this;
  }

  /** Appends one button (plain object or builder). */
  addButton(button: ViberButtonInput): this {
    this.richMedia.Buttons.push(toViberButton(button));
    return this;
  }

  /** Appends several buttons. */
  addButtons(...buttons: ViberButtonInput[]): this {
    for (const button of buttons) this.addButton(button);
    return this;
  }

  /**
   * The carousel as a plain object (a copy). Throws a `ViberValidationError` when a documented
   * rule is broken; warnings (Viber's own example values) are left to the sender to log.
   */
  build(): ViberRichMedia {
    const richMedia = structuredClone(this.richMedia);
    const ctx = new ValidationContext();
    validateRichMedia(ctx, 'rich_media', richMedia);
    throwIfInvalid(ctx);
    return richMedia;
  }
}
