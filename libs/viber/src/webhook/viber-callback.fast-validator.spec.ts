import 'reflect-metadata';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { parseJsonLossless } from '../json/lossless-json';
import {
  ViberConversationStartedCallbackDto,
  ViberMessageCallbackDto,
  ViberSubscribedCallbackDto,
  ViberUserIdCallbackDto,
  ViberWebhookCallbackDto,
} from './dto/viber-callback.dto';
import {
  ViberContactDto,
  ViberIncomingMessageDto,
  ViberLocationDto,
} from './dto/viber-incoming-message.dto';
import { ViberUserDto } from './dto/viber-user.dto';
import { isValidCallbackFast } from './viber-callback.fast-validator';

type Rec = Record<string, unknown>;
const isPlain = (v: unknown): v is Rec =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const as = (v: unknown, type: new () => object): void => {
  if (isPlain(v)) Object.setPrototypeOf(v, type.prototype);
};

/** What the parser does before validating: the schema's prototypes on the parsed objects. */
function hydrate(event: string, c: Rec): void {
  if (event === 'message') {
    as(c, ViberMessageCallbackDto);
    as(c.sender, ViberUserDto);
    as(c.message, ViberIncomingMessageDto);
    if (isPlain(c.message) || c.message instanceof ViberIncomingMessageDto) {
      const m = c.message as Rec;
      as(m.location, ViberLocationDto);
      as(m.contact, ViberContactDto);
    }
  } else if (event === 'webhook') as(c, ViberWebhookCallbackDto);
  else if (event === 'subscribed') {
    as(c, ViberSubscribedCallbackDto);
    as(c.user, ViberUserDto);
  } else if (event === 'conversation_started') {
    as(c, ViberConversationStartedCallbackDto);
    as(c.user, ViberUserDto);
  } else as(c, ViberUserIdCallbackDto);
}

const user = {
  id: 'u1',
  name: 'N',
  avatar: 'a',
  country: 'GB',
  language: 'en',
  api_version: 8,
  primary_device_os: 'ios',
};
const base = { timestamp: 1, message_token: '5491057495223473139' };
const BASES: Record<string, Rec> = {
  message: {
    ...base,
    event: 'message',
    sender: user,
    message: { type: 'text', text: 'hi', tracking_data: 't' },
    silent: false,
    reply_type: 'message',
    chat_id: 'c',
  },
  webhook: { ...base, event: 'webhook', chat_hostname: 'x' },
  subscribed: { ...base, event: 'subscribed', user },
  conversation_started: {
    ...base,
    event: 'conversation_started',
    type: 'open',
    context: 'c',
    user,
    subscribed: false,
  },
  unsubscribed: { ...base, event: 'unsubscribed', user_id: 'u' },
  delivered: { ...base, event: 'delivered', user_id: 'u' },
  failed: { ...base, event: 'failed', user_id: 'u', desc: 'd' },
};
const TYPES = ['text', 'picture', 'video', 'file', 'sticker', 'contact', 'url', 'location'];
const PATHS = [
  'timestamp',
  'message_token',
  'chat_hostname',
  'silent',
  'reply_type',
  'chat_id',
  'type',
  'context',
  'subscribed',
  'user_id',
  'desc',
  'sender',
  'sender.id',
  'sender.name',
  'sender.api_version',
  'user',
  'user.id',
  'user.api_version',
  'message',
  'message.type',
  'message.text',
  'message.media',
  'message.location',
  'message.location.lat',
  'message.location.lon',
  'message.location.address',
  'message.contact',
  'message.contact.phone_number',
  'message.sticker_id',
  'message.tracking_data',
  'message.file_size',
  'message.size',
  'message.duration',
  'message.thumbnail',
];
const VALUE = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -1, 7, 1.5, 91, -181, 2 ** 53 + 2),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', '123', '-12', '1'.repeat(21), '9'.repeat(25), 'message', 'query', ...TYPES),
  fc.constantFrom([], {}, { lat: 1, lon: 2 }, { lat: 100, lon: 2 }, { id: 'x' }, { id: '' }),
);

describe('isValidCallbackFast', () => {
  it('accepts exactly what the class-validator DTOs accept (JSON bodies, mutated)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(BASES)),
        fc.array(fc.tuple(fc.constantFrom(...PATHS), VALUE), { maxLength: 4 }),
        (event, edits) => {
          const body = structuredClone(BASES[event]!) as Rec;
          for (const [path, value] of edits) {
            const keys = path.split('.');
            let target = body;
            for (const key of keys.slice(0, -1)) {
              if (!isPlain(target[key])) target[key] = {};
              target = target[key] as Rec;
            }
            if (value === undefined) delete target[keys.at(-1)!];
            else target[keys.at(-1)!] = structuredClone(value);
          }
          // As the webhook sees it: JSON text, parsed losslessly, then hydrated.
          const parsed = parseJsonLossless(JSON.stringify(body)) as Rec;
          hydrate(event, parsed);
          const slow =
            validateSync(parsed, { forbidUnknownValues: true, stopAtFirstError: true }).length ===
            0;
          expect(isValidCallbackFast(event, parsed)).toBe(slow);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('leaves events it does not know to class-validator', () => {
    expect(isValidCallbackFast('client_status', {})).toBeUndefined();
    expect(isValidCallbackFast('something_new', {})).toBeUndefined();
  });
});
