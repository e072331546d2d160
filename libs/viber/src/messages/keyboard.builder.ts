import type {
  ViberColor,
  ViberFavoritesMetadata,
  ViberInputFieldState,
  ViberKeyboard,
} from '../types/keyboard.types';
import { validateKeyboard } from '../validation/keyboard.validator';
import { throwIfInvalid } from '../validation/message.validator';
import { ValidationContext } from '../validation/validation-context';
import { toViberButton, type ViberButtonInput } from './button.builder';

/**
 * Builds a custom keyboard (docs/protocol/keyboards.md, "Keyboard object"): `Type: "keyboard"`
 * plus the fields set, in Viber's PascalCase keys. `build()` checks every documented rule and
 * throws a `ViberValidationError` naming the path and the limit (e.g.
 * `keyboard.Buttons[3].Columns must be 1..6`).
 *
 * @example
 * new ViberKeyboardBuilder()
 *   .inputFieldState('minimized')
 *   .addButton(ViberButtonBuilder.reply('yes').text('Yes').columns(3))
 *   .addButton(ViberButtonBuilder.reply('no').text('No').columns(3))
 *   .build();
 */
export class ViberKeyboardBuilder {
  private readonly keyboard: ViberKeyboard = { Type: 'keyboard', Buttons: [] };

  /** Starts an empty keyboard. */
  static create(): ViberKeyboardBuilder {
    return new ViberKeyboardBuilder();
  }

  /** Appends one button (plain object or builder). Buttons are laid out in order, 6 columns a row. */
  addButton(button: ViberButtonInput): this {
    this.keyboard.Buttons.push(toViberButton(button));
    return this;
  }

  /** Appends several buttons. */
  addButtons(...buttons: ViberButtonInput[]): this {
    for (const button of buttons) this.addButton(button);
    return this;
  }

  /** `BgColor`: keyboard background, `#RRGGBB` or `#RGB`. */
  bgColor(color: ViberColor): this {
    this.keyboard.BgColor = color;
    return this;
  }

  /** `DefaultHeight`: always use the native keyboard height. */
  defaultHeight(value = true): this {
    this.keyboard.DefaultHeight = value;
    return this;
  }

  /** `CustomDefaultHeight` (API 3): 40–70 % of the free screen height. */
  customDefaultHeight(percent: number): this {
    this.keyboard.CustomDefaultHeight = percent;
    return this;
  }

  /** `HeightScale` (API 3): 20–100. */
  heightScale(percent: number): this {
    this.keyboard.HeightScale = percent;
    return this;
  }

  /** `ButtonsGroupColumns` (API 4): 1–6. */
  buttonsGroupColumns(columns: number): this {
    this.keyboard.ButtonsGroupColumns = columns;
    return this;
  }

  /** `ButtonsGroupRows` (API 4): 1–7. */
  buttonsGroupRows(rows: number): this {
    this.keyboard.ButtonsGroupRows = rows;
    return this;
  }

  /** `InputFieldState` (API 4): `regular`, `minimized` or `hidden`. */
  inputFieldState(state: ViberInputFieldState): this {
    this.keyboard.InputFieldState = state;
    return this;
  }

  /** `FavoritesMetadata` (API 6). */
  favoritesMetadata(metadata: ViberFavoritesMetadata): this {
    this.keyboard.FavoritesMetadata = { ...metadata };
    return this;
  }

  /**
   * The keyboard as a plain object (a copy). Throws a `ViberValidationError` when a documented
   * rule is broken; warnings (Viber's own example values) are left to the sender to log.
   */
  build(): ViberKeyboard {
    const keyboard = structuredClone(this.keyboard);
    const ctx = new ValidationContext();
    validateKeyboard(ctx, 'keyboard', keyboard);
    throwIfInvalid(ctx);
    return keyboard;
  }
}
