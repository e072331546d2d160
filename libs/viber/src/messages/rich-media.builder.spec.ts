import * as fs from 'fs';
import * as path from 'path';
import { ViberValidationError } from '../errors/viber-validation.error';
import type { ViberTextHAlign, ViberTextSize } from '../types/keyboard.types';
import { ViberButtonBuilder } from './button.builder';
import { richMediaMessage } from './message.builders';
import { ViberRichMediaBuilder } from './rich-media.builder';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'requests');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

/**
 * Viber's example uses two values outside the documented tables; the builder's types only
 * offer documented values, so reproducing the example verbatim needs these casts.
 */
const MEDIUM = 'medium' as ViberTextSize;
const MIDDLE = 'middle' as ViberTextHAlign;

/** One product card of the example: image, description, "Buy", "More details". */
function productCard(image: string, description: string): ViberButtonBuilder[] {
  return [
    ViberButtonBuilder.openUrl('https://www.google.com').size(6, 3).image(image),
    ViberButtonBuilder.openUrl('https://www.google.com')
      .size(6, 2)
      .text(description)
      .textSize(MEDIUM)
      .textVAlign('middle')
      .textHAlign('left'),
    ViberButtonBuilder.reply('https://www.google.com')
      .size(6, 1)
      .text('<font color=#ffffff>Buy</font>')
      .textSize('large')
      .textVAlign('middle')
      .textHAlign(MIDDLE)
      .image('https://s14.postimg.org/4mmt4rw1t/Button.png'),
    ViberButtonBuilder.reply('https://www.google.com')
      .size(6, 1)
      .text('<font color=#8367db>MORE DETAILS</font>')
      .textSize('small')
      .textVAlign('middle')
      .textHAlign(MIDDLE),
  ];
}

describe('ViberRichMediaBuilder', () => {
  it('reproduces send_message.rich_media.json', () => {
    const { receiver, ...expected } = fixture('send_message.rich_media.json');
    const carousel = new ViberRichMediaBuilder()
      .buttonsGroupColumns(6)
      .buttonsGroupRows(7)
      .bgColor('#FFFFFF')
      .addButtons(
        ...productCard(
          'http://html-test:8080/myweb/guy/assets/imageRMsmall2.png',
          '<font color=#323232><b>Headphones with Microphone, On-ear Wired earphones</b></font><font color=#777777><br>Sound Intone </font><font color=#6fc133>$17.99</font>',
        ),
        ...productCard(
          'https://s16.postimg.org/wi8jx20wl/image_RMsmall2.png',
          "<font color=#323232><b>Hanes Men's Humor Graphic T-Shirt</b></font><font color=#777777><br>Hanes</font><font color=#6fc133>$10.99</font>",
        ),
      );
    const message = richMediaMessage(carousel, {
      min_api_version: 1,
      sender: { name: 'My Awesome Bot', avatar: 'http://avatar.example.com' },
      tracking_data: 'tracking data',
    });
    expect(receiver).toBe('jc9HsWTZ2Yf2NkRZ8KcNug==');
    expect(message).toStrictEqual(expected);
  });

  it('builds Type first and only the fields set', () => {
    expect(
      ViberRichMediaBuilder.create().addButton({ ActionBody: 'a', Text: 'A', Rows: 7 }).build(),
    ).toStrictEqual({ Type: 'rich_media', Buttons: [{ ActionBody: 'a', Text: 'A', Rows: 7 }] });
  });

  it('build() refuses more than 6 cards, naming the button that starts card 7', () => {
    const builder = new ViberRichMediaBuilder().buttonsGroupColumns(6).buttonsGroupRows(1);
    for (let i = 0; i < 7; i++) builder.addButton(ViberButtonBuilder.reply(`p${i}`).text(`P${i}`));
    const error = (() => {
      try {
        builder.build();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ViberValidationError);
    expect((error as ViberValidationError).issues).toEqual([
      {
        path: 'rich_media.Buttons',
        message:
          'must lay out into 1..6 cards of 6x1 (ButtonsGroupColumns x ButtonsGroupRows) (got 7; Buttons[6] starts card 7)',
      },
    ]);
  });

  it('build() refuses a button wider than the card', () => {
    const builder = new ViberRichMediaBuilder()
      .buttonsGroupColumns(2)
      .addButton(ViberButtonBuilder.reply('a').text('A').columns(3));
    expect(() => builder.build()).toThrow(
      'Invalid Viber payload: rich_media.Buttons[0].Columns must be 1..2 (ButtonsGroupColumns) (got 3)',
    );
  });
});
