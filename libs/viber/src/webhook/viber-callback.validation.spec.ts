import 'reflect-metadata';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { parseJsonLossless } from '../json/lossless-json';
import type { DtoClass } from './dto/validate-nested-dto.decorator';
import {
  DTO_VALIDATOR_OPTIONS,
  compileDtoValidator,
  hydrateDto,
  isValidDto,
} from './dto-validator.compiler';
import { EVENT_SCHEMAS } from './viber-callback.parser';

type Rec = Record<string, unknown>;
const isPlain = (v: unknown): v is Rec =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

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
/** One valid message of each type. */
const MESSAGES: Rec[] = [
  { type: 'text', text: 'hi', tracking_data: 't' },
  { type: 'picture', media: 'https://m', thumbnail: 't', file_name: 'f', size: 10 },
  { type: 'video', media: 'https://m', size: 10, duration: 3 },
  { type: 'file', media: 'https://m', file_name: 'f', file_size: 10 },
  { type: 'sticker', sticker_id: 46105 },
  { type: 'sticker', sticker_id: '46105' },
  { type: 'contact', contact: { name: 'n', phone_number: '+1' } },
  { type: 'url', media: 'https://u' },
  { type: 'location', location: { lat: 1.5, lon: -2, address: 'a' } },
  { type: 'rich_media', rich_media: { Type: 'rich_media' } },
];
/** A valid callback of every event (`message`: one per message type). */
const BASES: ReadonlyArray<readonly [string, Rec]> = [
  ...MESSAGES.map(
    (message) =>
      [
        'message',
        {
          ...base,
          event: 'message',
          sender: user,
          message,
          silent: false,
          reply_type: 'message',
          chat_id: 'c',
        },
      ] as const,
  ),
  ['webhook', { ...base, event: 'webhook', chat_hostname: 'x' }],
  ['subscribed', { ...base, event: 'subscribed', user }],
  [
    'conversation_started',
    { ...base, event: 'conversation_started', type: 'open', context: 'c', user, subscribed: false },
  ],
  ['unsubscribed', { ...base, event: 'unsubscribed', user_id: 'u' }],
  ['delivered', { ...base, event: 'delivered', user_id: 'u', chat_id: 'c' }],
  ['seen', { ...base, event: 'seen', user_id: 'u' }],
  ['failed', { ...base, event: 'failed', user_id: 'u', desc: 'd' }],
  [
    'client_status',
    {
      ...base,
      event: 'client_status',
      user,
      status: { type: 'payment', code: 0, supported_psps: ['a', 'b'], tracking_data: 't' },
    },
  ],
];
const TYPES = ['text', 'picture', 'video', 'file', 'sticker', 'contact', 'url', 'location'];
const PATHS = [
  'event',
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
  'user.primary_device_os',
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
  'status',
  'status.type',
  'status.code',
  'status.supported_psps',
  'status.tracking_data',
];
const VALUE = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -1, 7, 1.5, 91, -181, 2 ** 53 + 2),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', '123', '-12', '1'.repeat(21), '9'.repeat(25), 'message', 'query', ...TYPES),
  fc.constantFrom([], {}, { lat: 1, lon: 2 }, { lat: 100, lon: 2 }, { id: 'x' }, { id: '' }),
  fc.constantFrom(['a'], ['a', 1], [{ id: 'x' }], [[]], { type: 't', code: 1 }, { code: 1.5 }),
);
/** Every top-level key a callback may have. */
const KEYS = [...new Set(PATHS.map((path) => path.split('.')[0]!)), 'extra'];

/** As the webhook sees a body: JSON text, parsed losslessly, hydrated by the parser's walk. */
function asParsed(event: string, body: Rec): Rec | undefined {
  const parsed = parseJsonLossless(JSON.stringify(body)) as Rec;
  return hydrateDto(parsed, EVENT_SCHEMAS.get(event)!) === undefined ? parsed : undefined;
}

/** Both paths on one parsed callback: the compiled check and class-validator. */
function agree(event: string, parsed: Rec, counts: { valid: number; invalid: number }): void {
  const slow = validateSync(parsed, DTO_VALIDATOR_OPTIONS).length === 0;
  expect(compileDtoValidator(EVENT_SCHEMAS.get(event)!).check(parsed)).toBe(slow);
  expect(isValidDto(parsed)).toBe(slow);
  counts[slow ? 'valid' : 'invalid']++;
}

describe('callback validation: the check compiled from the DTOs and class-validator agree', () => {
  it('covers every event', () => {
    expect(new Set(BASES.map(([event]) => event))).toEqual(new Set(EVENT_SCHEMAS.keys()));
  });

  it('every event DTO, and every DTO nested in one, compiles (no fallback to validateSync)', () => {
    const seen = new Set<DtoClass>();
    const visit = (dto: DtoClass): void => {
      if (seen.has(dto)) return;
      seen.add(dto);
      const compiled = compileDtoValidator(dto);
      expect({ dto: dto.name, fallback: compiled.fallback }).toEqual({
        dto: dto.name,
        fallback: undefined,
      });
      for (const field of compiled.nested) visit(field.dto);
    };
    for (const dto of EVENT_SCHEMAS.values()) visit(dto);
    // The nested DTOs are found from the DTOs themselves.
    expect([...seen].map((dto) => dto.name)).toEqual(
      expect.arrayContaining([
        'ViberUserDto',
        'ViberIncomingMessageDto',
        'ViberLocationDto',
        'ViberContactDto',
        'ViberClientStatusDto',
      ]),
    );
  });

  it('accepts the valid callback of every event (both paths)', () => {
    const counts = { valid: 0, invalid: 0 };
    for (const [event, body] of BASES)
      agree(event, asParsed(event, structuredClone(body))!, counts);
    expect(counts).toEqual({ valid: BASES.length, invalid: 0 });
  });

  it('agrees on mutated bodies of every event (JSON bodies, up to 4 edits)', () => {
    const counts = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...BASES),
        fc.array(fc.tuple(fc.constantFrom(...PATHS), VALUE), { maxLength: 4 }),
        ([event, original], edits) => {
          const body = structuredClone(original);
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
          const parsed = asParsed(event, body);
          if (parsed) agree(event, parsed, counts);
        },
      ),
      { numRuns: 20_000 },
    );
    // Not vacuous: both answers come up often.
    expect(counts.valid).toBeGreaterThan(1_000);
    expect(counts.invalid).toBeGreaterThan(1_000);
  });

  it('agrees on random bodies of every event', () => {
    const counts = { valid: 0, invalid: 0 };
    const json = fc.oneof(VALUE, fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_SCHEMAS.keys()),
        fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: KEYS.length }),
        (event, fields) => {
          const parsed = asParsed(event, { ...fields, event });
          if (parsed) agree(event, parsed, counts);
        },
      ),
      { numRuns: 5_000 },
    );
    expect(counts.invalid).toBeGreaterThan(1_000);
  });
});
