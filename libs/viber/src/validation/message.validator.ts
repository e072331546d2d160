import { ViberValidationError } from '../errors/viber-validation.error';
import { validateKeyboard, validateRichMedia } from './keyboard.validator';
import { validateMinApiVersion } from './min-api-version';
import { VIBER_FORBIDDEN_FILE_EXTENSIONS, VIBER_LIMITS } from './viber-limits';
import {
  ValidationContext,
  checkNumber,
  checkString,
  isRecord,
  joinPath,
  withoutNullFields,
} from './validation-context';

const MESSAGE_TYPES = new Set([
  'text',
  'picture',
  'video',
  'file',
  'contact',
  'location',
  'url',
  'sticker',
  'rich_media',
  'payment',
]);

/** Extensions a `picture` message's media URL path may end with (docs/protocol/messages.md). */
export const VIBER_PICTURE_EXTENSIONS: readonly string[] = ['jpg', 'jpeg', 'png', 'gif'];
/** Extensions a `video` message's media URL path may end with (docs/protocol/messages.md). */
export const VIBER_VIDEO_EXTENSIONS: readonly string[] = ['mp4'];

/**
 * Checks one outgoing message (without its receiver) against the documented rules:
 * required fields per type, lengths, ranges, media URL extensions, the forbidden file
 * extensions, keyboards and rich media, and an explicit `min_api_version` against the
 * features used. A field whose value is `null` counts as absent, as Viber treats it
 * (docs/protocol/null-fields.md): `keyboard: null` is no keyboard, `text: null` a missing text.
 * Problems are added to `ctx`; `path` prefixes every reported field.
 */
export function validateOutgoingMessage(ctx: ValidationContext, message: unknown, path = ''): void {
  if (!isRecord(message)) {
    ctx.fail(path || 'message', 'must be an object');
    return;
  }
  const present = withoutNullFields(message) as Record<string, unknown>;
  validateMessageFields(ctx, present, path);
  validateMinApiVersion(ctx, present, path);
}

function validateMessageFields(
  ctx: ValidationContext,
  message: Record<string, unknown>,
  path: string,
): void {
  const at = (key: string): string => joinPath(path, key);

  if (message.sender !== undefined) validateSender(ctx, at('sender'), message.sender);
  checkString(ctx, at('tracking_data'), message.tracking_data, { max: VIBER_LIMITS.trackingData });
  checkNumber(ctx, at('min_api_version'), message.min_api_version, { min: 1, integer: true });
  if (message.keyboard !== undefined) validateKeyboard(ctx, at('keyboard'), message.keyboard);

  const type = message.type;
  if (type === undefined) {
    if (message.keyboard === undefined) ctx.fail(at('type'), 'is required (or send a keyboard)');
    return;
  }
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
    ctx.fail(at('type'), `must be one of ${[...MESSAGE_TYPES].join(', ')}`);
    return;
  }

  switch (type) {
    case 'text':
      checkString(ctx, at('text'), message.text, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.text,
      });
      break;
    case 'picture':
      checkString(ctx, at('text'), message.text, { required: true, max: VIBER_LIMITS.pictureText });
      checkMediaExtension(
        ctx,
        at('media'),
        checkString(ctx, at('media'), message.media, { required: true, min: 1 }),
        VIBER_PICTURE_EXTENSIONS,
      );
      checkString(ctx, at('thumbnail'), message.thumbnail, {});
      break;
    case 'video':
      checkMediaExtension(
        ctx,
        at('media'),
        checkString(ctx, at('media'), message.media, { required: true, min: 1 }),
        VIBER_VIDEO_EXTENSIONS,
      );
      checkNumber(ctx, at('size'), message.size, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.videoBytes,
        integer: true,
      });
      checkNumber(ctx, at('duration'), message.duration, {
        min: 0,
        max: VIBER_LIMITS.videoDuration,
        integer: true,
      });
      checkString(ctx, at('thumbnail'), message.thumbnail, {});
      break;
    case 'file': {
      const media = checkString(ctx, at('media'), message.media, { required: true, min: 1 });
      checkNumber(ctx, at('size'), message.size, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.fileBytes,
        integer: true,
      });
      const name = checkString(ctx, at('file_name'), message.file_name, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.fileName,
      });
      const extension =
        name === undefined ? undefined : checkFileExtension(ctx, at('file_name'), name);
      if (extension !== undefined) {
        checkMediaExtension(ctx, at('media'), media, [extension], 'the extension of file_name');
      }
      break;
    }
    case 'contact': {
      const contact = message.contact;
      if (!isRecord(contact)) {
        ctx.fail(at('contact'), 'is required (an object with name and phone_number)');
        break;
      }
      checkString(ctx, joinPath(at('contact'), 'name'), contact.name, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.contactName,
      });
      checkString(ctx, joinPath(at('contact'), 'phone_number'), contact.phone_number, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.contactPhone,
      });
      break;
    }
    case 'location': {
      const location = message.location;
      if (!isRecord(location)) {
        ctx.fail(at('location'), 'is required (an object with lat and lon)');
        break;
      }
      checkNumber(ctx, joinPath(at('location'), 'lat'), location.lat, {
        required: true,
        min: -90,
        max: 90,
      });
      checkNumber(ctx, joinPath(at('location'), 'lon'), location.lon, {
        required: true,
        min: -180,
        max: 180,
      });
      break;
    }
    case 'url':
      checkString(ctx, at('media'), message.media, {
        required: true,
        min: 1,
        max: VIBER_LIMITS.url,
      });
      break;
    case 'sticker': {
      const id = message.sticker_id;
      const valid =
        (typeof id === 'number' && Number.isInteger(id) && id > 0) ||
        (typeof id === 'string' && /^\d+$/.test(id));
      if (id === undefined) ctx.fail(at('sticker_id'), 'is required');
      else if (!valid) ctx.fail(at('sticker_id'), 'must be a positive integer or its digits');
      break;
    }
    case 'rich_media':
      if (message.rich_media === undefined) ctx.fail(at('rich_media'), 'is required');
      else validateRichMedia(ctx, at('rich_media'), message.rich_media);
      checkString(ctx, at('alt_text'), message.alt_text, {});
      break;
    case 'payment': {
      const payment = message.payment;
      if (!isRecord(payment)) {
        ctx.fail(at('payment'), 'is required');
        break;
      }
      checkString(ctx, joinPath(at('payment'), 'type'), payment.type, { required: true, min: 1 });
      checkNumber(ctx, joinPath(at('payment'), 'total_price'), payment.total_price, {
        required: true,
        min: 0,
      });
      checkString(ctx, joinPath(at('payment'), 'currency_code'), payment.currency_code, {
        required: true,
        min: 3,
        max: 3,
      });
      if (!Array.isArray(payment.payment_parameters)) {
        ctx.fail(joinPath(at('payment'), 'payment_parameters'), 'must be an array');
      }
      break;
    }
  }
}

/** Checks `sender`: an object whose `name` is 1..28 characters. */
export function validateSender(ctx: ValidationContext, path: string, sender: unknown): void {
  if (!isRecord(sender)) {
    ctx.fail(path, 'must be an object with a name');
    return;
  }
  checkString(ctx, joinPath(path, 'name'), sender.name, {
    required: true,
    min: 1,
    max: VIBER_LIMITS.senderName,
  });
  checkString(ctx, joinPath(path, 'avatar'), sender.avatar, {});
}

/** Checks a file name's extension; returns it (lower case, no dot) when present. */
function checkFileExtension(
  ctx: ValidationContext,
  path: string,
  fileName: string,
): string | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) {
    ctx.fail(path, 'must include a file extension');
    return undefined;
  }
  const extension = fileName.slice(dot + 1).toLowerCase();
  if (VIBER_FORBIDDEN_FILE_EXTENSIONS.has(extension)) {
    ctx.fail(path, `has a forbidden extension .${extension}`);
  }
  return extension;
}

/**
 * The path of a URL, without query string or fragment (`http://h/a.jpg?x=1` → `/a.jpg`).
 * Falls back to cutting at `?`/`#` for strings `URL` cannot parse.
 */
export function urlPathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/, 1)[0] ?? '';
  }
}

/** Checks that a media URL's path ends in one of `extensions` (case-insensitive). */
function checkMediaExtension(
  ctx: ValidationContext,
  path: string,
  url: string | undefined,
  extensions: readonly string[],
  reason?: string,
): void {
  if (url === undefined || url.length === 0) return;
  const urlPath = urlPathOf(url);
  const lower = urlPath.toLowerCase();
  if (extensions.some((extension) => lower.endsWith(`.${extension}`))) return;
  const list = extensions.map((extension) => `.${extension}`);
  const expected =
    list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
  ctx.fail(
    path,
    `must be a URL whose path ends in ${expected}${reason ? ` (${reason})` : ''} (got ${urlPath || 'no path'})`,
  );
}

/** Checks the serialized request against the 30 KB limit. */
export function validateRequestSize(ctx: ValidationContext, json: string): void {
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > VIBER_LIMITS.requestBytes) {
    ctx.fail(
      'request',
      `must be at most ${VIBER_LIMITS.requestBytes} bytes of JSON (got ${bytes})`,
    );
  }
}

/** Throws a {@link ViberValidationError} listing every issue, if any. */
export function throwIfInvalid(ctx: ValidationContext): void {
  if (ctx.issues.length > 0) throw new ViberValidationError(ctx.issues);
}
