/**
 * JSON parsing that keeps 64-bit integers exact. `JSON.parse` rounds integers above 2^53
 * (`5491057495223473139` → `5491057495223473000`); Viber's `message_token` and `chat_id` are such
 * integers. Integers that are not safe are turned into decimal strings before parsing, and the
 * known token fields are always strings.
 */

// A JSON string (skipped as a whole, so digits inside strings are never touched) or an integer
// of 16 or more digits that is a whole number token (not part of a fraction or an exponent).
const STRING_OR_BIG_INTEGER = /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\w.+-])-?\d{16,}(?![\w.])/g;
const HAS_LONG_DIGIT_RUN = /\d{16}/;

/** Top-level fields that are 64-bit ids: always returned as strings. */
const TOKEN_FIELDS = ['message_token', 'chat_id'] as const;

function quoteUnsafeInteger(match: string): string {
  if (match.charCodeAt(0) === 34 /* " */) return match;
  return Number.isSafeInteger(Number(match)) ? match : `"${match}"`;
}

/**
 * Parses JSON text; integers beyond `Number.MAX_SAFE_INTEGER` become exact decimal strings.
 * Throws `SyntaxError` for text that is not JSON, like `JSON.parse`.
 */
export function parseJsonLossless(text: string): unknown {
  const source = HAS_LONG_DIGIT_RUN.test(text)
    ? text.replace(STRING_OR_BIG_INTEGER, quoteUnsafeInteger)
    : text;
  const value: unknown = JSON.parse(source);
  normalizeTokenFields(value);
  return value;
}

/** Turns numeric `message_token` / `chat_id` of a parsed object into strings, in place. */
export function normalizeTokenFields(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const record = value as Record<string, unknown>;
  for (const field of TOKEN_FIELDS) {
    const token = record[field];
    if (typeof token === 'number') record[field] = String(token);
  }
}
