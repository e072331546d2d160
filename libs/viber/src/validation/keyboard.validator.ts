import { ValidationContext, checkString, isRecord, joinPath } from './validation-context';

/**
 * Checks a keyboard object (SPEC §7.2–7.3). Paths are reported from `path`,
 * e.g. `keyboard.Buttons[3].Columns`.
 */
export function validateKeyboard(ctx: ValidationContext, path: string, keyboard: unknown): void {
  if (!isRecord(keyboard)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  validateButtons(ctx, joinPath(path, 'Buttons'), keyboard.Buttons);
}

/** Checks a rich-media object (SPEC §7.4). */
export function validateRichMedia(ctx: ValidationContext, path: string, richMedia: unknown): void {
  if (!isRecord(richMedia)) {
    ctx.fail(path, 'must be an object');
    return;
  }
  validateButtons(ctx, joinPath(path, 'Buttons'), richMedia.Buttons);
}

function validateButtons(ctx: ValidationContext, path: string, buttons: unknown): void {
  if (!Array.isArray(buttons) || buttons.length === 0) {
    ctx.fail(path, 'must be a non-empty array');
    return;
  }
  buttons.forEach((button: unknown, index) => {
    const buttonPath = joinPath(path, index);
    if (!isRecord(button)) {
      ctx.fail(buttonPath, 'must be an object');
      return;
    }
    checkString(ctx, joinPath(buttonPath, 'ActionBody'), button.ActionBody, { required: true });
  });
}
