import type { ViberButton, ViberKeyboard } from '../types/keyboard.types';
import type { ViberOutgoingMessage } from '../types/message.types';
import { deriveMinApiVersion, listApiFeatures, validateMinApiVersion } from './min-api-version';
import { ValidationContext } from './validation-context';

const base: ViberButton = { ActionBody: 'a', Text: 'A' };

const withKeyboard = (fields: Partial<ViberKeyboard>): ViberOutgoingMessage => ({
  type: 'text',
  text: 'hi',
  keyboard: { Type: 'keyboard', Buttons: [base], ...fields },
});

const withButton = (fields: Partial<ViberButton>): ViberOutgoingMessage =>
  withKeyboard({ Buttons: [{ ...base, ...fields }] });

const richMedia = (
  fields: Record<string, unknown> = {},
  button: Partial<ViberButton> = {},
): ViberOutgoingMessage => ({
  type: 'rich_media',
  rich_media: { Type: 'rich_media', Buttons: [{ ...base, ...button }], ...fields },
});

/** [gated feature, expected level, expected feature name, message using only that feature]. */
const GATED: ReadonlyArray<[string, number, string, ViberOutgoingMessage]> = [
  ['rich_media', 2, 'rich_media', richMedia()],
  [
    'keyboard CustomDefaultHeight',
    3,
    'keyboard.CustomDefaultHeight',
    withKeyboard({ CustomDefaultHeight: 50 }),
  ],
  ['keyboard HeightScale', 3, 'keyboard.HeightScale', withKeyboard({ HeightScale: 50 })],
  [
    'button InternalBrowser',
    3,
    'keyboard.Buttons[0].InternalBrowser',
    withButton({ InternalBrowser: { Mode: 'partial-size' } }),
  ],
  [
    'button ActionType share-phone',
    3,
    'keyboard.Buttons[0].ActionType "share-phone"',
    withButton({ ActionType: 'share-phone' }),
  ],
  [
    'button ActionType location-picker',
    3,
    'keyboard.Buttons[0].ActionType "location-picker"',
    withButton({ ActionType: 'location-picker' }),
  ],
  [
    'button ActionType none',
    3,
    'keyboard.Buttons[0].ActionType "none"',
    withButton({ ActionType: 'none' }),
  ],
  [
    'keyboard ButtonsGroupColumns',
    4,
    'keyboard.ButtonsGroupColumns',
    withKeyboard({ ButtonsGroupColumns: 3 }),
  ],
  [
    'keyboard ButtonsGroupRows',
    4,
    'keyboard.ButtonsGroupRows',
    withKeyboard({ ButtonsGroupRows: 2 }),
  ],
  [
    'keyboard InputFieldState',
    4,
    'keyboard.InputFieldState',
    withKeyboard({ InputFieldState: 'hidden' }),
  ],
  [
    'button TextPaddings',
    4,
    'keyboard.Buttons[0].TextPaddings',
    withButton({ TextPaddings: [1, 2, 3, 4] }),
  ],
  [
    '<s> in button text',
    4,
    'keyboard.Buttons[0].Text <s>',
    withButton({ Text: 'was <s>10</s> 8' }),
  ],
  [
    '<font size> in button text',
    4,
    'keyboard.Buttons[0].Text <font size>',
    withButton({ Text: '<font size="20">Big</font>' }),
  ],
  [
    'keyboard FavoritesMetadata',
    6,
    'keyboard.FavoritesMetadata',
    withKeyboard({ FavoritesMetadata: { type: 'link', url: 'https://x.example' } }),
  ],
  [
    'button BgMediaScaleType',
    6,
    'keyboard.Buttons[0].BgMediaScaleType',
    withButton({ BgMediaScaleType: 'fit' }),
  ],
  [
    'button ImageScaleType',
    6,
    'keyboard.Buttons[0].ImageScaleType',
    withButton({ ImageScaleType: 'crop' }),
  ],
  [
    'button TextShouldFit',
    6,
    'keyboard.Buttons[0].TextShouldFit',
    withButton({ TextShouldFit: false }),
  ],
  [
    'button Map',
    6,
    'keyboard.Buttons[0].Map',
    withButton({ Map: { Latitude: '12.12345', Longitude: '1.5' } }),
  ],
  ['button Frame', 6, 'keyboard.Buttons[0].Frame', withButton({ Frame: { BorderWidth: 2 } })],
  [
    'button MediaPlayer',
    6,
    'keyboard.Buttons[0].MediaPlayer',
    withButton({ MediaPlayer: { Title: 'Song' } }),
  ],
  [
    'payment',
    10,
    'payment',
    {
      type: 'payment',
      payment: { type: 'GooglePay', total_price: 1, currency_code: 'UAH', payment_parameters: [] },
    },
  ],
];

describe('deriveMinApiVersion', () => {
  it('is 1 when nothing is gated', () => {
    expect(deriveMinApiVersion({ type: 'text', text: 'hi' })).toBe(1);
    expect(
      deriveMinApiVersion(withButton({ Text: '<b>bold</b> <font color="#ff0000">red</font>' })),
    ).toBe(1);
    expect(deriveMinApiVersion(withButton({ Text: '<small>not s</small><span>x</span>' }))).toBe(1);
  });

  it.each(GATED)('%s needs API %i, named %s', (_name, level, feature, message) => {
    expect(deriveMinApiVersion(message)).toBe(level);
    const features = listApiFeatures(message);
    expect(features.map((f) => [f.feature, f.level])).toEqual([[feature, level]]);
  });

  it('gates InternalBrowser send-to-bot and ActionReplyData at 6', () => {
    const message = withButton({
      InternalBrowser: { ActionButton: 'send-to-bot', ActionReplyData: 'x' },
    });
    expect(deriveMinApiVersion(message)).toBe(6);
    expect(listApiFeatures(message)).toEqual([
      {
        path: 'keyboard.Buttons[0].InternalBrowser',
        feature: 'keyboard.Buttons[0].InternalBrowser',
        level: 3,
      },
      {
        path: 'keyboard.Buttons[0].InternalBrowser.ActionButton',
        feature: 'keyboard.Buttons[0].InternalBrowser.ActionButton "send-to-bot"',
        level: 6,
      },
      {
        path: 'keyboard.Buttons[0].InternalBrowser.ActionReplyData',
        feature: 'keyboard.Buttons[0].InternalBrowser.ActionReplyData',
        level: 6,
      },
    ]);
  });

  it('counts rich-media button features and a keyboard attached to rich media', () => {
    expect(deriveMinApiVersion(richMedia({ HeightScale: 60 }))).toBe(3);
    expect(deriveMinApiVersion(richMedia({}, { Frame: { CornerRadius: 3 } }))).toBe(6);
    expect(
      deriveMinApiVersion({
        ...richMedia(),
        keyboard: { Type: 'keyboard', InputFieldState: 'minimized', Buttons: [base] },
      }),
    ).toBe(4);
  });

  it('does not gate rich-media ButtonsGroupColumns/Rows beyond rich media itself', () => {
    expect(deriveMinApiVersion(richMedia({ ButtonsGroupColumns: 6, ButtonsGroupRows: 7 }))).toBe(2);
  });

  it('takes the highest level and ignores the declared min_api_version', () => {
    const message: ViberOutgoingMessage = {
      ...withKeyboard({
        InputFieldState: 'hidden',
        Buttons: [
          { ...base, InternalBrowser: {} },
          { ...base, Map: { Latitude: 1, Longitude: 1 } },
        ],
      }),
      min_api_version: 1,
    };
    expect(deriveMinApiVersion(message)).toBe(6);
    expect(listApiFeatures(message).map((f) => f.path)).toEqual([
      'keyboard.InputFieldState',
      'keyboard.Buttons[0].InternalBrowser',
      'keyboard.Buttons[1].Map',
    ]);
  });

  it('gates <s> with attributes, and names the Text path', () => {
    for (const Text of ['<s>x</s>', '<S>x</S>', '<s class="old">10</s>', '<s\tstyle=a>x</s>']) {
      expect(listApiFeatures(withButton({ Text }))).toEqual([
        {
          path: 'keyboard.Buttons[0].Text',
          feature: 'keyboard.Buttons[0].Text <s>',
          level: 4,
        },
      ]);
    }
    for (const Text of ['<span>x</span>', '<sub>2</sub>', '<s', 's>']) {
      expect(listApiFeatures(withButton({ Text }))).toEqual([]);
    }
    for (const Text of [
      '<font size="3">x</font>',
      '<FONT SIZE=3>x</FONT>',
      '<font color="#ff0000" size="3">x</font>',
      '<font size = "3">x</font>',
    ]) {
      expect(listApiFeatures(withButton({ Text }))).toEqual([
        {
          path: 'keyboard.Buttons[0].Text',
          feature: 'keyboard.Buttons[0].Text <font size>',
          level: 4,
        },
      ]);
    }
    for (const Text of [
      '<font color="red">x</font>',
      '<fontsize=3>',
      '<font fontsize=3>x</font>',
    ]) {
      expect(listApiFeatures(withButton({ Text }))).toEqual([]);
    }
  });

  it('reads a rich_media container only on a rich_media message', () => {
    const textWithStray: Record<string, unknown> = {
      type: 'text',
      text: 'hi',
      rich_media: { HeightScale: 50, Buttons: [{ ...base, Map: {} }] },
    };
    expect(listApiFeatures(textWithStray)).toEqual([]);
  });

  it.each(['reply', 'open-url', 'buy', undefined, 'constructor', 3])(
    'does not gate ActionType %p',
    (ActionType) => {
      const message = withButton({ ActionType } as Partial<ViberButton>);
      expect(listApiFeatures(message)).toEqual([]);
      expect(deriveMinApiVersion(message)).toBe(1);
    },
  );

  it('gates share-phone / location-picker / none in rich media too, with their path', () => {
    expect(listApiFeatures(richMedia({}, { ActionType: 'location-picker' }))).toEqual([
      { path: 'type', feature: 'rich_media', level: 2 },
      {
        path: 'rich_media.Buttons[0].ActionType',
        feature: 'rich_media.Buttons[0].ActionType "location-picker"',
        level: 3,
      },
    ]);
    expect(deriveMinApiVersion(richMedia({}, { ActionType: 'none' }))).toBe(3);
  });

  it('tolerates malformed input', () => {
    expect(listApiFeatures('text')).toEqual([]);
    expect(listApiFeatures({ keyboard: { Buttons: [null, 'x'] } })).toEqual([]);
    expect(listApiFeatures({ type: 'rich_media', rich_media: 5 })).toEqual([
      { path: 'type', feature: 'rich_media', level: 2 },
    ]);
  });
});

describe('validateMinApiVersion', () => {
  function validate(message: unknown, path?: string): ValidationContext {
    const ctx = new ValidationContext();
    if (path === undefined) validateMinApiVersion(ctx, message);
    else validateMinApiVersion(ctx, message, path);
    return ctx;
  }

  const keyboardMessage = (
    min_api_version: unknown,
    keyboard: Partial<ViberKeyboard>,
  ): Record<string, unknown> => ({
    type: 'text',
    text: 'hi',
    min_api_version,
    keyboard: { Type: 'keyboard', Buttons: [base], ...keyboard },
  });

  it('fails below the level a feature needs, at `min_api_version` of the message', () => {
    const ctx = validate(keyboardMessage(3, { InputFieldState: 'hidden' }));
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 4 (keyboard.InputFieldState needs API 4)',
      },
    ]);
    expect(ctx.warnings).toEqual([]);
  });

  it('prefixes the path of a message inside a list', () => {
    const ctx = validate(keyboardMessage(1, { HeightScale: 50 }), 'messages[2]');
    expect(ctx.issues).toEqual([
      {
        path: 'messages[2].min_api_version',
        message: 'must be at least 3 (keyboard.HeightScale needs API 3)',
      },
    ]);
  });

  it('accepts a level equal to or above what the features need', () => {
    for (const declared of [4, 5, 10]) {
      const ctx = validate(keyboardMessage(declared, { InputFieldState: 'hidden' }));
      expect(ctx.issues).toEqual([]);
      expect(ctx.warnings).toEqual([]);
    }
  });

  const check = (message: unknown): ValidationContext => {
    const ctx = new ValidationContext();
    validateMinApiVersion(ctx, message);
    return ctx;
  };

  it('refuses an explicit level below what a share-phone / location-picker / none button needs', () => {
    for (const action of ['share-phone', 'location-picker', 'none'] as const) {
      const ctx = check({ ...withButton({ ActionType: action }), min_api_version: 2 });
      expect(ctx.issues).toEqual([
        {
          path: 'min_api_version',
          message: `must be at least 3 (keyboard.Buttons[0].ActionType "${action}" needs API 3)`,
        },
      ]);
      expect(ctx.warnings).toEqual([]);
    }
  });

  it('names the first feature of the highest level, wherever it is in the payload', () => {
    // Payload order: FavoritesMetadata (6), InputFieldState (4), Buttons[0].InternalBrowser (3),
    // Buttons[0].Map (6), Buttons[1].TextPaddings (4).
    const ctx = validate(
      keyboardMessage(2, {
        FavoritesMetadata: { type: 'link', url: 'https://x.example' },
        InputFieldState: 'hidden',
        Buttons: [
          { ...base, InternalBrowser: {}, Map: { Latitude: 1, Longitude: 1 } },
          { ...base, TextPaddings: [1, 1, 1, 1] },
        ],
      }),
    );
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 6 (keyboard.FavoritesMetadata needs API 6)',
      },
    ]);
  });

  it('only warns for rich media below 2, naming the declared level', () => {
    const ctx = validate({ ...richMedia(), min_api_version: 1 });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([
      {
        path: 'min_api_version',
        message:
          "should be at least 2 (rich_media needs API 2; sent as is because Viber's own rich-media example uses 1)",
      },
    ]);
    const ok = validate({ ...richMedia(), min_api_version: 2 });
    expect([ok.issues, ok.warnings]).toEqual([[], []]);
  });

  it('fails (and does not warn) for rich media when another feature needs more', () => {
    const ctx = validate({ ...richMedia({ HeightScale: 50 }), min_api_version: 1 });
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 3 (rich_media.HeightScale needs API 3)',
      },
    ]);
    expect(ctx.warnings).toEqual([]);
    // At 2 the rich media itself is fine, the HeightScale still is not.
    expect(validate({ ...richMedia({ HeightScale: 50 }), min_api_version: 2 }).issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 3 (rich_media.HeightScale needs API 3)',
      },
    ]);
  });

  it('fails a payment below 10: only rich media has the warning exception', () => {
    const ctx = validate({
      type: 'payment',
      min_api_version: 9,
      payment: { type: 'GooglePay', total_price: 1, currency_code: 'UAH', payment_parameters: [] },
    });
    expect(ctx.issues).toEqual([
      { path: 'min_api_version', message: 'must be at least 10 (payment needs API 10)' },
    ]);
    expect(ctx.warnings).toEqual([]);
  });

  it('does not check an absent, non-integer or non-number level, nor a non-object', () => {
    for (const declared of [undefined, 2.5, '1', null, Number.NaN]) {
      const ctx = validate(keyboardMessage(declared, { InputFieldState: 'hidden' }));
      expect([ctx.issues, ctx.warnings]).toEqual([[], []]);
    }
    for (const message of [null, 'text', [{ min_api_version: 1, type: 'rich_media' }]]) {
      const ctx = validate(message);
      expect([ctx.issues, ctx.warnings]).toEqual([[], []]);
    }
  });

  it('does not fail or warn when nothing is gated', () => {
    const ctx = validate({ type: 'text', text: 'hi', min_api_version: 1 });
    expect([ctx.issues, ctx.warnings]).toEqual([[], []]);
  });

  it('accepts such a button with min_api_version 3, and leaves an absent value to the client', () => {
    expect(
      check({ ...withButton({ ActionType: 'share-phone' }), min_api_version: 3 }).issues,
    ).toEqual([]);
    expect(check(withButton({ ActionType: 'share-phone' })).issues).toEqual([]);
  });
});
