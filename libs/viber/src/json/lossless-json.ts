/**
 * JSON parsing that keeps Viber's 64-bit ids exact. `JSON.parse` rounds integers above 2^53
 * (`5491057495223473139` → `5491057495223473000`); `message_token` and `chat_id` are such
 * integers. Their values are quoted before parsing, so they come out as exact decimal strings.
 * Every other number parses as `JSON.parse` would.
 */

// An integer value of a `message_token` or `chat_id` key. It cannot match inside a JSON string:
// quotes inside strings are escaped, so `"message_token"` followed by `:` is always a real key.
// The pattern has no nested quantifiers: its cost is linear in the text, even for broken input.
// Only integers JSON allows are quoted (no leading zero): `0123` is left for JSON.parse to refuse.
const TOKEN_INTEGER = /("(?:message_token|chat_id)"\s*:\s*)(-?(?:0|[1-9]\d*))(?=\s*[,}\]])/g;

/** Top-level fields that are 64-bit ids: always returned as strings. */
const TOKEN_FIELDS = ['message_token', 'chat_id'] as const;

/**
 * Parses JSON text; `message_token` and `chat_id` integers become exact decimal strings.
 * Throws `SyntaxError` for text that is not JSON, like `JSON.parse`.
 */
export function parseJsonLossless(text: string): unknown {
  const value: unknown = JSON.parse(text.replace(TOKEN_INTEGER, '$1"$2"'));
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
