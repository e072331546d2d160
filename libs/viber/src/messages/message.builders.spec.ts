import * as fs from 'fs';
import * as path from 'path';
import type { ViberOutgoingMessage } from '../types/message.types';
import { validateOutgoingMessage } from '../validation/message.validator';
import { ValidationContext } from '../validation/validation-context';
import { ViberButtonBuilder } from './button.builder';
import { ViberKeyboardBuilder } from './keyboard.builder';
import {
  contactMessage,
  fileMessage,
  keyboardMessage,
  locationMessage,
  pictureMessage,
  richMediaMessage,
  stickerMessage,
  textMessage,
  urlMessage,
  videoMessage,
} from './message.builders';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'requests');

/** An official example without its `receiver` (helpers build the message, not the request). */
function example(name: string): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<
    string,
    unknown
  >;
  delete json.receiver;
  return json;
}

const common = {
  min_api_version: 1,
  sender: { name: 'My Awesome Bot', avatar: 'http://avatar.example.com' },
  tracking_data: 'tracking data',
};
const commonBote = { ...common, sender: { ...common.sender, name: 'My Awesome Bote' } };

/** [example file, message built with the helper]. */
const EXAMPLES: ReadonlyArray<[string, ViberOutgoingMessage]> = [
  ['send_message.text.json', textMessage('Hello world!', common)],
  [
    'send_message.picture.json',
    pictureMessage('http://media.example.com/picture.jpg', {
      ...commonBote,
      text: 'My picture',
      thumbnail: 'http://media.example.com/picture_thumbnail.jpg',
    }),
  ],
  [
    'send_message.video.json',
    videoMessage('http://media.example.com/video.mp4', 3861139, {
      ...common,
      thumbnail: 'http://media.example.com/video_thumbnail.jpg',
      duration: 10,
    }),
  ],
  [
    'send_message.file.json',
    fileMessage('http://media.example.com/file.pdf', 3861139, 'file.pdf', common),
  ],
  ['send_message.contact.json', contactMessage('John Doe', '+972501234567', commonBote)],
  ['send_message.location.json', locationMessage(32.0853, 34.7818, commonBote)],
  ['send_message.url.json', urlMessage('http://www.example.com', common)],
  ['send_message.sticker.json', stickerMessage('40129', common)],
  [
    'welcome_message.http_response_body.json',
    textMessage('Hello World', {
      sender: { name: 'Viber Bot', avatar: 'http://avatar.example.com' },
    }),
  ],
];

describe('message helpers', () => {
  it.each(EXAMPLES)('reproduce %s', (name, message) => {
    expect(message).toStrictEqual(example(name));
    const ctx = new ValidationContext();
    validateOutgoingMessage(ctx, message);
    expect(ctx.issues).toEqual([]);
  });

  it('produce the minimal message without extras, and leave undefined extras out', () => {
    expect(textMessage('hi')).toStrictEqual({ type: 'text', text: 'hi' });
    expect(textMessage('hi', { tracking_data: undefined, min_api_version: 3 })).toStrictEqual({
      type: 'text',
      text: 'hi',
      min_api_version: 3,
    });
    expect(pictureMessage('https://m.example/a.png')).toStrictEqual({
      type: 'picture',
      text: '',
      media: 'https://m.example/a.png',
    });
    expect(videoMessage('https://m.example/v.mp4', 100)).toStrictEqual({
      type: 'video',
      media: 'https://m.example/v.mp4',
      size: 100,
    });
    expect(stickerMessage(46105)).toStrictEqual({ type: 'sticker', sticker_id: 46105 });
  });

  it('build a keyboard given as a builder, and accept a plain keyboard', () => {
    const builder = new ViberKeyboardBuilder().addButton(
      ViberButtonBuilder.reply('yes').text('Yes'),
    );
    const expectedKeyboard = {
      Type: 'keyboard',
      Buttons: [{ ActionBody: 'yes', ActionType: 'reply', Text: 'Yes' }],
    };
    expect(urlMessage('https://a.example', { keyboard: builder })).toStrictEqual({
      type: 'url',
      media: 'https://a.example',
      keyboard: expectedKeyboard,
    });
    expect(keyboardMessage(builder, { tracking_data: 'menu' })).toStrictEqual({
      keyboard: expectedKeyboard,
      tracking_data: 'menu',
    });
    const plain = { Type: 'keyboard' as const, Buttons: [{ ActionBody: 'x', Text: 'X' }] };
    expect(keyboardMessage(plain)).toStrictEqual({ keyboard: plain });
  });

  it('richMediaMessage accepts a plain carousel and sets alt_text, not min_api_version', () => {
    const carousel = {
      Type: 'rich_media' as const,
      Buttons: [{ ActionBody: 'a', Text: 'A', Rows: 7 }],
    };
    expect(richMediaMessage(carousel, { alt_text: 'Our products' })).toStrictEqual({
      type: 'rich_media',
      rich_media: carousel,
      alt_text: 'Our products',
    });
  });

  it('build keyboards in extras eagerly, so an invalid keyboard throws at once', () => {
    const broken = new ViberKeyboardBuilder().addButton({ ActionBody: 'a', Text: 'A', Rows: 3 });
    expect(() => textMessage('hi', { keyboard: broken })).toThrow(
      'Invalid Viber payload: keyboard.Buttons[0].Rows must be 1..2 (got 3)',
    );
  });
});
