import * as fs from 'fs';
import * as path from 'path';
import { ViberValidationError } from '../errors/viber-validation.error';
import { throwIfInvalid, urlPathOf, validateOutgoingMessage } from './message.validator';
import { ValidationContext } from './validation-context';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'requests');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

function check(message: unknown): ValidationContext {
  const ctx = new ValidationContext();
  validateOutgoingMessage(ctx, message);
  return ctx;
}

const EXAMPLE_WARNING = "sent as is because Viber's own rich-media example uses it";

describe('validateOutgoingMessage on the official examples', () => {
  const clean = [
    'send_message.text.json',
    'send_message.picture.json',
    'send_message.video.json',
    'send_message.file.json',
    'send_message.contact.json',
    'send_message.location.json',
    'send_message.url.json',
    'send_message.sticker.json',
    'send_message.keyboard.json',
    'send_message.payment.json',
    'broadcast_message.json',
    'welcome_message.http_response_body.json',
  ];

  it.each(clean)('%s passes with no error and no warning', (name) => {
    const ctx = check(fixture(name));
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('keyboard.internal_browser.reconstructed.json (an older doc copy) is refused only for its missing Type', () => {
    // docs/protocol/keyboards.md: Viber answers "object has missing required properties (["Type"])".
    const example = fixture('keyboard.internal_browser.reconstructed.json');
    expect(check(example).issues).toEqual([
      { path: 'keyboard.Type', message: 'is required (must be "keyboard")' },
    ]);
    const keyboard = { Type: 'keyboard', ...(example.keyboard as object) };
    const ctx = check({ ...example, keyboard });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('send_message.rich_media.json passes with exactly the three documented-example warnings', () => {
    const ctx = check(fixture('send_message.rich_media.json'));
    expect(ctx.issues).toEqual([]);
    const hAlign = `should be one of left, center, right (got "middle", ${EXAMPLE_WARNING})`;
    const size = `should be one of small, regular, large (got "medium", ${EXAMPLE_WARNING})`;
    expect(ctx.warnings).toEqual([
      { path: 'rich_media.Buttons[1].TextSize', message: size },
      { path: 'rich_media.Buttons[2].TextHAlign', message: hAlign },
      { path: 'rich_media.Buttons[3].TextHAlign', message: hAlign },
      { path: 'rich_media.Buttons[5].TextSize', message: size },
      { path: 'rich_media.Buttons[6].TextHAlign', message: hAlign },
      { path: 'rich_media.Buttons[7].TextHAlign', message: hAlign },
      {
        path: 'min_api_version',
        message:
          "should be at least 2 (rich_media needs API 2; sent as is because Viber's own rich-media example uses 1)",
      },
    ]);
    expect(() => throwIfInvalid(ctx)).not.toThrow();
  });
});

describe('min_api_version checks', () => {
  const richMedia = {
    type: 'rich_media',
    rich_media: { Type: 'rich_media', Buttons: [{ ActionBody: 'a', Text: 'A' }] },
  };

  it('does not check an absent min_api_version (the client derives it)', () => {
    const ctx = check({
      ...richMedia,
      keyboard: { Type: 'keyboard', Buttons: [{ ActionBody: 'a', Frame: {}, Text: 'x' }] },
    });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('gates keyboard-only messages too', () => {
    const ctx = check({
      min_api_version: 1,
      keyboard: {
        Type: 'keyboard',
        CustomDefaultHeight: 50,
        Buttons: [{ ActionBody: 'a', Text: 'A' }],
      },
    });
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 3 (keyboard.CustomDefaultHeight needs API 3)',
      },
    ]);
  });

  it('names the feature needing the highest level when several are too high', () => {
    const ctx = check({
      type: 'text',
      text: 'hi',
      min_api_version: 2,
      keyboard: {
        Type: 'keyboard',
        InputFieldState: 'hidden',
        Buttons: [{ ActionBody: 'a', Text: 'A', TextShouldFit: true, InternalBrowser: {} }],
      },
    });
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 6 (keyboard.Buttons[0].TextShouldFit needs API 6)',
      },
    ]);
  });

  it('warns only for rich media at 1, and errors when another feature needs more', () => {
    expect(check({ ...richMedia, min_api_version: 1 }).issues).toEqual([]);
    const ctx = check({
      ...richMedia,
      min_api_version: 1,
      rich_media: {
        Type: 'rich_media',
        Buttons: [{ ActionBody: 'a', Text: 'A', Map: { Latitude: 1, Longitude: 2 } }],
      },
    });
    expect(ctx.issues).toEqual([
      {
        path: 'min_api_version',
        message: 'must be at least 6 (rich_media.Buttons[0].Map needs API 6)',
      },
    ]);
    expect(ctx.warnings).toEqual([]);
  });

  it('does not gate ButtonsGroupColumns/Rows of rich media (part of the rich-media payload)', () => {
    const ctx = check({
      ...richMedia,
      min_api_version: 2,
      rich_media: { ...richMedia.rich_media, ButtonsGroupColumns: 6, ButtonsGroupRows: 7 },
    });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('throws a ViberValidationError whose message names the field and the feature', () => {
    const ctx = check({
      type: 'text',
      text: 'hi',
      min_api_version: 3,
      keyboard: {
        Type: 'keyboard',
        InputFieldState: 'hidden',
        Buttons: [{ ActionBody: 'a', Text: 'A' }],
      },
    });
    expect(() => throwIfInvalid(ctx)).toThrow(
      new ViberValidationError([
        {
          path: 'min_api_version',
          message: 'must be at least 4 (keyboard.InputFieldState needs API 4)',
        },
      ]),
    );
    expect(() => throwIfInvalid(ctx)).toThrow(
      'Invalid Viber payload: min_api_version must be at least 4 (keyboard.InputFieldState needs API 4)',
    );
  });
});

describe('null fields count as absent (docs/protocol/null-fields.md)', () => {
  it('accepts the body viber-bot 1.0.18 sends for a plain text: keyboard and chat_id null', () => {
    const ctx = check({
      sender: { name: 'Bot', avatar: null },
      tracking_data: '""',
      keyboard: null,
      chat_id: null,
      min_api_version: null,
      type: 'text',
      text: 'hi',
    });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('accepts null optional fields at every depth (rich media alt_text, button fields)', () => {
    const ctx = check({
      type: 'rich_media',
      min_api_version: 2,
      alt_text: null,
      tracking_data: null,
      rich_media: {
        Type: 'rich_media',
        BgColor: null,
        Buttons: [{ ActionBody: 'a', Text: 'A', Frame: null, TextPaddings: null, Silent: null }],
      },
      keyboard: {
        Type: 'keyboard',
        InputFieldState: null,
        Buttons: [{ ActionBody: 'b', Text: 'B', ActionType: null, InternalBrowser: null }],
      },
    });
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('does not count a null field towards min_api_version', () => {
    const ctx = check({
      type: 'text',
      text: 'hi',
      min_api_version: 1,
      keyboard: {
        Type: 'keyboard',
        InputFieldState: null,
        Buttons: [{ ActionBody: 'a', Text: 'A', Map: null }],
      },
    });
    expect(ctx.issues).toEqual([]);
  });

  it('reports a required field sent as null as required, and a null button as not an object', () => {
    expect(check({ type: 'text', text: null }).issues).toEqual([
      { path: 'text', message: 'is required' },
    ]);
    expect(check({ type: null, keyboard: null }).issues).toEqual([
      { path: 'type', message: 'is required (or send a keyboard)' },
    ]);
    expect(check({ type: 'contact', contact: null }).issues).toEqual([
      { path: 'contact', message: 'is required (an object with name and phone_number)' },
    ]);
    expect(check({ keyboard: { Type: null, Buttons: [null] } }).issues).toEqual([
      { path: 'keyboard.Type', message: 'is required (must be "keyboard")' },
      { path: 'keyboard.Buttons[0]', message: 'must be an object' },
    ]);
  });

  it('still refuses a present field of the wrong type', () => {
    expect(check({ type: 'text', text: 'hi', keyboard: 'none' }).issues).toEqual([
      { path: 'keyboard', message: 'must be an object' },
    ]);
    expect(check({ type: 'text', text: 'hi', tracking_data: 5 }).issues).toEqual([
      { path: 'tracking_data', message: 'must be a string' },
    ]);
  });

  it('does not change the message it checks', () => {
    const message = { type: 'text', text: 'hi', keyboard: null };
    check(message);
    expect(message).toEqual({ type: 'text', text: 'hi', keyboard: null });
  });
});

describe('media URL extensions', () => {
  it('names the media path of a message inside a list', () => {
    const ctx = new ValidationContext();
    validateOutgoingMessage(
      ctx,
      { type: 'video', media: 'https://m.example/clip', size: 1 },
      '[1]',
    );
    expect(ctx.issues).toEqual([
      { path: '[1].media', message: 'must be a URL whose path ends in .mp4 (got /clip)' },
    ]);
  });

  it('reports a file without an extension once (on file_name), not on media', () => {
    const ctx = check({
      type: 'file',
      media: 'https://m.example/readme',
      size: 1,
      file_name: 'README',
    });
    expect(ctx.issues).toEqual([{ path: 'file_name', message: 'must include a file extension' }]);
  });

  it('checks the path of URLs that cannot be parsed, cutting query and fragment', () => {
    expect(urlPathOf('https://m.example/a/b.jpg?x=1.png#c.gif')).toBe('/a/b.jpg');
    expect(urlPathOf('media.example.com/pic.png?size=2')).toBe('media.example.com/pic.png');
    expect(urlPathOf('https://m.example')).toBe('/');
    const ctx = check({ type: 'picture', text: '', media: 'm.example/photo.webp?x=.jpg' });
    expect(ctx.issues).toEqual([
      {
        path: 'media',
        message:
          'must be a URL whose path ends in .jpg, .jpeg, .png or .gif (got m.example/photo.webp)',
      },
    ]);
  });
});
