import type {
  ViberBroadcastRequest,
  ViberButton,
  ViberButtonFrame,
  ViberButtonMap,
  ViberFavoritesMetadata,
  ViberInternalBrowser,
  ViberKeyboard,
  ViberMediaPlayer,
  ViberOutgoingMessage,
  ViberPaymentMessage,
  ViberPaymentParameter,
  ViberPostRequest,
  ViberRichMedia,
  ViberSendMessageRequest,
  ViberSender,
  ViberSetWebhookRequest,
  ViberValidationIssue,
} from 'nestjs-viber';
import { isRecord } from 'nestjs-viber/internal';

/*
 * Fields Viber does not know. Viber ignores them silently (a misspelled `OpenUrlType` or `Colums`
 * simply has no effect), which hides bugs; the emulator reports each one as a warning and still
 * accepts the request (docs/protocol/unknown-fields.md).
 *
 * The known fields are the library's own request types, checked at compile time: each table must
 * list exactly the keys of its type, so a field added to a type cannot be forgotten here.
 */

/** Every key of every member of a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;

/** The keys of `T` as a set; the object literal must name each key of `T`, and nothing else. */
function fieldsOf<T>(fields: Record<KeysOf<T>, true>): ReadonlySet<string> {
  return new Set(Object.keys(fields));
}

/** One level of a request body: its known fields and how to check the values below it. */
interface FieldTable {
  fields: ReadonlySet<string>;
  /** Objects under a field (checked with their own table). */
  objects?: Readonly<Record<string, FieldTable>>;
  /** Arrays of objects under a field (each item checked with the table). */
  arrays?: Readonly<Record<string, FieldTable>>;
}

const MESSAGE_FIELDS = fieldsOf<ViberOutgoingMessage>({
  sender: true,
  tracking_data: true,
  min_api_version: true,
  keyboard: true,
  chat_id: true,
  type: true,
  text: true,
  media: true,
  thumbnail: true,
  size: true,
  duration: true,
  file_name: true,
  contact: true,
  location: true,
  sticker_id: true,
  rich_media: true,
  alt_text: true,
  payment: true,
});

const SENDER: FieldTable = { fields: fieldsOf<ViberSender>({ name: true, avatar: true }) };

const BUTTON: FieldTable = {
  fields: fieldsOf<ViberButton>({
    Columns: true,
    Rows: true,
    BgColor: true,
    Silent: true,
    BgMediaType: true,
    BgMedia: true,
    BgMediaScaleType: true,
    ImageScaleType: true,
    BgLoop: true,
    ActionType: true,
    ActionBody: true,
    Image: true,
    Text: true,
    TextVAlign: true,
    TextHAlign: true,
    TextPaddings: true,
    TextOpacity: true,
    TextSize: true,
    OpenURLType: true,
    OpenURLMediaType: true,
    TextBgGradientColor: true,
    TextShouldFit: true,
    InternalBrowser: true,
    Map: true,
    Frame: true,
    MediaPlayer: true,
  }),
  objects: {
    InternalBrowser: {
      fields: fieldsOf<ViberInternalBrowser>({
        ActionButton: true,
        ActionPredefinedURL: true,
        TitleType: true,
        CustomTitle: true,
        Mode: true,
        FooterType: true,
        ActionReplyData: true,
      }),
    },
    Map: { fields: fieldsOf<ViberButtonMap>({ Latitude: true, Longitude: true }) },
    Frame: {
      fields: fieldsOf<ViberButtonFrame>({
        BorderWidth: true,
        BorderColor: true,
        CornerRadius: true,
      }),
    },
    MediaPlayer: {
      fields: fieldsOf<ViberMediaPlayer>({
        Title: true,
        Subtitle: true,
        ThumbnailURL: true,
        Loop: true,
      }),
    },
  },
};

const KEYBOARD: FieldTable = {
  fields: fieldsOf<ViberKeyboard>({
    Type: true,
    Buttons: true,
    BgColor: true,
    DefaultHeight: true,
    CustomDefaultHeight: true,
    HeightScale: true,
    ButtonsGroupColumns: true,
    ButtonsGroupRows: true,
    InputFieldState: true,
    FavoritesMetadata: true,
  }),
  objects: {
    FavoritesMetadata: {
      fields: fieldsOf<ViberFavoritesMetadata>({
        type: true,
        url: true,
        title: true,
        thumbnail: true,
        domain: true,
        width: true,
        height: true,
        alternativeUrl: true,
        alternativeText: true,
      }),
    },
  },
  arrays: { Buttons: BUTTON },
};

const RICH_MEDIA: FieldTable = {
  // `HeightScale` is documented in the keyboard table for carousels too
  // (docs/protocol/keyboards.md, "Rich media").
  fields: new Set([
    ...fieldsOf<ViberRichMedia>({
      Type: true,
      ButtonsGroupColumns: true,
      ButtonsGroupRows: true,
      BgColor: true,
      Buttons: true,
    }),
    'HeightScale',
  ]),
  arrays: { Buttons: BUTTON },
};

const MESSAGE_OBJECTS: Readonly<Record<string, FieldTable>> = {
  sender: SENDER,
  keyboard: KEYBOARD,
  rich_media: RICH_MEDIA,
  // `avatar`: the official Node SDK sends it with a contact (docs/protocol/viber-bot-sdk.md).
  contact: { fields: new Set(['name', 'phone_number', 'avatar']) },
  location: { fields: new Set(['lat', 'lon']) },
  payment: {
    fields: fieldsOf<ViberPaymentMessage['payment']>({
      type: true,
      description: true,
      total_price: true,
      currency_code: true,
      payment_parameters: true,
    }),
    arrays: {
      payment_parameters: {
        fields: fieldsOf<ViberPaymentParameter>({ key: true, value: true }),
      },
    },
  },
};

/** A message request: the message's fields plus the request's own. */
function messageRequest(fields: ReadonlySet<string>): FieldTable {
  return {
    fields: new Set([...MESSAGE_FIELDS, ...fields, 'auth_token']),
    objects: MESSAGE_OBJECTS,
  };
}

/** What the emulator checks, per endpoint (`welcome`: the answer to `conversation_started`). */
const REQUEST_TABLES: Readonly<Record<string, FieldTable>> = {
  set_webhook: {
    fields: new Set([
      ...fieldsOf<ViberSetWebhookRequest>({
        url: true,
        event_types: true,
        send_name: true,
        send_photo: true,
        is_inline: true,
      }),
      'auth_token',
    ]),
  },
  send_message: messageRequest(
    fieldsOf<Omit<ViberSendMessageRequest, keyof ViberOutgoingMessage>>({ receiver: true }),
  ),
  broadcast_message: messageRequest(
    fieldsOf<Omit<ViberBroadcastRequest, keyof ViberOutgoingMessage>>({ broadcast_list: true }),
  ),
  post: messageRequest(
    fieldsOf<Omit<ViberPostRequest, keyof ViberOutgoingMessage>>({ from: true }),
  ),
  welcome: { fields: MESSAGE_FIELDS, objects: MESSAGE_OBJECTS },
  get_account_info: { fields: new Set(['auth_token']) },
  get_user_details: { fields: new Set(['id', 'auth_token']) },
  get_online: { fields: new Set(['ids', 'auth_token']) },
};

/**
 * Lists the fields of a request body that Viber does not know, at every depth, each as a warning
 * with its path and, when a known field is spelled alike, the field meant:
 * `keyboard.Buttons[0].OpenUrlType is not a field Viber knows (did you mean OpenURLType?)`.
 * `endpoint` is the endpoint name, or `welcome` for the answer to `conversation_started`.
 */
export function unknownFieldWarnings(endpoint: string, body: unknown): ViberValidationIssue[] {
  const table = REQUEST_TABLES[endpoint];
  const warnings: ViberValidationIssue[] = [];
  if (table !== undefined) collect(table, body, '', warnings);
  return warnings;
}

function collect(
  table: FieldTable,
  value: unknown,
  path: string,
  warnings: ViberValidationIssue[],
): void {
  if (!isRecord(value)) return;
  for (const [key, field] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (!table.fields.has(key)) {
      const meant = closestField(key, table.fields);
      warnings.push({
        path: at,
        message:
          'is not a field Viber knows: Viber ignores it' +
          (meant !== undefined ? ` (did you mean ${meant}?)` : ''),
      });
      continue;
    }
    const object = table.objects?.[key];
    if (object !== undefined) collect(object, field, at, warnings);
    const items = table.arrays?.[key];
    if (items !== undefined && Array.isArray(field)) {
      field.forEach((item: unknown, index) => collect(items, item, `${at}[${index}]`, warnings));
    }
  }
}

/** The known field spelled like `key`: the same letters in another case, else 1–2 edits away. */
function closestField(key: string, fields: ReadonlySet<string>): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(key.length / 3));
  for (const field of fields) {
    const known = field.toLowerCase();
    if (known === lower) return field;
    const distance = editDistance(lower, known);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = field;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance of two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
