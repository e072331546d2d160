/**
 * A fast structural check of a parsed callback, equivalent to the class-validator rules of the
 * DTOs (`ViberMessageCallbackDto`, …). It only answers "valid or not": when it says no, the parser
 * runs class-validator to produce the exact error message, so answers never change. Keeps
 * class-validator (and its metadata lookups) off the hot path of valid callbacks.
 */
import { isUint64Digits } from './dto/viber-callback.dto';
import { VIBER_INCOMING_MESSAGE_TYPES } from './dto/viber-incoming-message.dto';

type Rec = Record<string, unknown>;

const MESSAGE_TYPES: ReadonlySet<unknown> = new Set(VIBER_INCOMING_MESSAGE_TYPES);
const MEDIA_TYPES: ReadonlySet<unknown> = new Set(['picture', 'video', 'file', 'url']);
const DIGITS_24 = /^-?\d{1,24}$/;
const DIGITS = /^\d+$/;

const absent = (v: unknown): boolean => v === undefined || v === null;
const isObject = (v: unknown): v is Rec =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && !Array.isArray(v);
const optString = (v: unknown): boolean => absent(v) || typeof v === 'string';
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const optInt = (v: unknown): boolean => absent(v) || isInt(v);
const optNonNegInt = (v: unknown): boolean => absent(v) || (isInt(v) && (v as number) >= 0);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function base(c: Rec): boolean {
  return (
    typeof c.event === 'string' &&
    ((typeof c.timestamp === 'number' && Number.isInteger(c.timestamp)) ||
      (typeof c.timestamp === 'string' && DIGITS_24.test(c.timestamp))) &&
    isUint64Digits(c.message_token) &&
    optString(c.chat_hostname)
  );
}

function user(u: unknown): boolean {
  if (!isObject(u)) return false;
  return (
    typeof u.id === 'string' &&
    u.id.length > 0 &&
    optString(u.name) &&
    optString(u.avatar) &&
    optString(u.country) &&
    optString(u.language) &&
    optInt(u.api_version) &&
    optString(u.primary_device_os)
  );
}

function location(l: unknown): boolean {
  if (!isObject(l)) return false;
  return (
    isFiniteNumber(l.lat) &&
    l.lat >= -90 &&
    l.lat <= 90 &&
    isFiniteNumber(l.lon) &&
    l.lon >= -180 &&
    l.lon <= 180 &&
    optString(l.address)
  );
}

function contact(c: unknown): boolean {
  return isObject(c) && optString(c.name) && optString(c.phone_number) && optString(c.avatar);
}

function incomingMessage(m: unknown): boolean {
  if (!isObject(m)) return false;
  const t = m.type;
  return (
    MESSAGE_TYPES.has(t) &&
    ((t !== 'text' && m.text === undefined) || typeof m.text === 'string') &&
    ((!MEDIA_TYPES.has(t) && m.media === undefined) || typeof m.media === 'string') &&
    ((t !== 'location' && m.location === undefined) || location(m.location)) &&
    ((t !== 'contact' && m.contact === undefined) || contact(m.contact)) &&
    ((t !== 'sticker' && m.sticker_id === undefined) ||
      (typeof m.sticker_id === 'number' && Number.isInteger(m.sticker_id) && m.sticker_id >= 0) ||
      (typeof m.sticker_id === 'string' && DIGITS.test(m.sticker_id))) &&
    optString(m.tracking_data) &&
    optString(m.thumbnail) &&
    optString(m.file_name) &&
    optNonNegInt(m.file_size) &&
    optNonNegInt(m.size) &&
    optNonNegInt(m.duration)
  );
}

/** True when class-validator would find no error in the callback of `event`; undefined: unknown. */
export function isValidCallbackFast(event: string, c: Rec): boolean | undefined {
  switch (event) {
    case 'message':
      return (
        base(c) &&
        user(c.sender) &&
        incomingMessage(c.message) &&
        (absent(c.silent) || typeof c.silent === 'boolean') &&
        (absent(c.reply_type) || c.reply_type === 'message' || c.reply_type === 'query') &&
        optString(c.chat_id)
      );
    case 'webhook':
      return base(c);
    case 'subscribed':
      return base(c) && user(c.user);
    case 'conversation_started':
      return (
        base(c) &&
        typeof c.type === 'string' &&
        optString(c.context) &&
        user(c.user) &&
        (absent(c.subscribed) || typeof c.subscribed === 'boolean')
      );
    case 'unsubscribed':
    case 'delivered':
    case 'seen':
    case 'failed':
      return (
        base(c) &&
        typeof c.user_id === 'string' &&
        c.user_id.length > 0 &&
        optString(c.desc) &&
        optString(c.chat_id)
      );
    default:
      return undefined; // client_status and anything else: class-validator decides
  }
}
