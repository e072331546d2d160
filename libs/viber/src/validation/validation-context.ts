import type { ViberValidationIssue } from '../errors/viber-validation.error';

/**
 * Collects the issues found while checking one payload. Documented rules that Viber's own
 * examples break are reported through `warn` instead, exactly those three cases
 * (docs/protocol/uncertain.md, "Documented rules Viber's own examples break").
 */
export class ValidationContext {
  /** Errors: the payload must not be sent. */
  readonly issues: ViberValidationIssue[] = [];
  /** Warnings: sent anyway, logged by the caller. */
  readonly warnings: ViberValidationIssue[] = [];

  /** Records an error at `path`. */
  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Records a warning at `path`. */
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/** Joins a parent path and a key: `join('keyboard', 'Buttons')` → `keyboard.Buttons`. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `value` without the object keys whose value is `null`, at every depth: Viber treats
 * a field sent as `null` like an absent one (docs/protocol/null-fields.md), so an optional
 * field may be `null` and a required one sent as `null` is missing. Array items are kept (a
 * `null` button is still an error). Anything that is not an object or an array is returned as is.
 */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null) copy[key] = withoutNullFields(field);
  }
  return copy;
}

/** Checks an optional string's type and maximum length. Returns the string when valid. */
export function checkString(
  ctx: ValidationContext,
  path: string,
  value: unknown,
  rule: { required?: boolean; max?: number; min?: number },
): string | undefined {
  if (value === undefined || value === null) {
    if (rule.required) ctx.fail(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    ctx.fail(path, 'must be a string');
    return undefined;
  }
  if (rule.min !== undefined && value.length < rule.min) {
    ctx.fail(
      path,
      rule.min === 1 ? 'must not be empty' : `must be at least ${rule.min} characters`,
    );
  }
  if (rule.max !== undefined && value.length > rule.max) {
    ctx.fail(path, `must be at most ${rule.max} characters (got ${value.length})`);
  }
  return value;
}

/** Checks an optional number's type and range. Returns the number when valid. */
export function checkNumber(
  ctx: ValidationContext,
  path: string,
  value: unknown,
  rule: { required?: boolean; min?: number; max?: number; integer?: boolean },
): number | undefined {
  if (value === undefined || value === null) {
    if (rule.required) ctx.fail(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    ctx.fail(path, 'must be a finite number');
    return undefined;
  }
  if (rule.integer && !Number.isInteger(value)) {
    ctx.fail(path, 'must be an integer');
    return undefined;
  }
  const outside =
    (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max);
  if (outside) {
    const range =
      rule.min !== undefined && rule.max !== undefined
        ? `must be ${rule.min}..${rule.max}`
        : rule.min !== undefined
          ? `must be at least ${rule.min}`
          : `must be at most ${rule.max}`;
    ctx.fail(path, `${range} (got ${value})`);
  }
  return value;
}
