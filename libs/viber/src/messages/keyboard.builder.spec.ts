import * as fs from 'fs';
import * as path from 'path';
import { ViberValidationError } from '../errors/viber-validation.error';
import type { ViberKeyboard } from '../types/keyboard.types';
import { ValidationContext } from '../validation/validation-context';
import { validateOutgoingMessage } from '../validation/message.validator';
import { ViberButtonBuilder } from './button.builder';
import { ViberKeyboardBuilder } from './keyboard.builder';
import { textMessage } from './message.builders';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'requests');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

describe('ViberKeyboardBuilder', () => {
  it('reproduces send_message.keyboard.json', () => {
    const { receiver, ...expected } = fixture('send_message.keyboard.json');
    const message = textMessage('Hello world!', {
      min_api_version: 1,
      sender: { name: 'Leggy Cat', avatar: 'https://i.imgur.com/QH13Pzp.png' },
      tracking_data: 'tracking data',
      keyboard: new ViberKeyboardBuilder()
        .defaultHeight(false)
        .bgColor('#FFFFFF')
        .addButton(
          ViberButtonBuilder.openUrl('https://www.viber.com/')
            .size(6, 1)
            .bgColor('#2db9b9')
            .bgMedia(
              'https://res.cloudinary.com/hcabpjybe/image/upload/v1662541096/application-assets/fablfhcfjrlxind5tozc.png',
              'gif',
            )
            .bgLoop()
            .image(
              'https://res.cloudinary.com/hcabpjybe/image/upload/v1662014438/application-assets/w21cyafzreqmiwb8abit.jpg',
            )
            .text('<font color=#FFFFFF><b>Click to Subscribe</b></font>')
            .textVAlign('middle')
            .textHAlign('center')
            .textOpacity(60)
            .textSize('regular'),
        ),
    });
    expect(receiver).toBe('K917PBuvPZmhKfb8Vw3b2Q==');
    expect(message).toStrictEqual(expected);
  });

  it('maps every method to its field and always sets Type', () => {
    const keyboard = ViberKeyboardBuilder.create()
      .bgColor('#000')
      .defaultHeight()
      .customDefaultHeight(55)
      .heightScale(80)
      .buttonsGroupColumns(3)
      .buttonsGroupRows(2)
      .inputFieldState('minimized')
      .favoritesMetadata({ type: 'link', url: 'https://a.example', title: 'A' })
      .addButtons(
        { ActionBody: 'one', Text: '1', Columns: 3 },
        ViberButtonBuilder.reply('two').text('2').columns(3),
      )
      .build();
    expect(keyboard).toStrictEqual<ViberKeyboard>({
      Type: 'keyboard',
      Buttons: [
        { ActionBody: 'one', Text: '1', Columns: 3 },
        { ActionBody: 'two', ActionType: 'reply', Text: '2', Columns: 3 },
      ],
      BgColor: '#000',
      DefaultHeight: true,
      CustomDefaultHeight: 55,
      HeightScale: 80,
      ButtonsGroupColumns: 3,
      ButtonsGroupRows: 2,
      InputFieldState: 'minimized',
      FavoritesMetadata: { type: 'link', url: 'https://a.example', title: 'A' },
    });
    const ctx = new ValidationContext();
    validateOutgoingMessage(ctx, { keyboard });
    expect(ctx.issues).toEqual([]);
  });

  it('build() throws a ViberValidationError naming the path and the limit', () => {
    const builder = new ViberKeyboardBuilder()
      .addButton(ViberButtonBuilder.reply('a').text('A'))
      .addButton(ViberButtonBuilder.reply('b').text('B').columns(7).rows(3));
    expect(() => builder.build()).toThrow(ViberValidationError);
    expect(() => builder.build()).toThrow(
      'Invalid Viber payload: keyboard.Buttons[1].Columns must be 1..6 (got 7); keyboard.Buttons[1].Rows must be 1..2 (got 3)',
    );
  });

  it('build() refuses an empty keyboard', () => {
    expect(() => new ViberKeyboardBuilder().build()).toThrow(
      'Invalid Viber payload: keyboard.Buttons must be a non-empty array',
    );
  });

  it('build() returns an independent copy each time', () => {
    const builder = new ViberKeyboardBuilder().addButton({ ActionBody: 'a', Text: 'A' });
    const first = builder.build();
    builder.addButton({ ActionBody: 'b', Text: 'B' });
    first.Buttons[0]!.Text = 'changed';
    expect(first.Buttons).toHaveLength(1);
    expect(builder.build().Buttons).toStrictEqual([
      { ActionBody: 'a', Text: 'A' },
      { ActionBody: 'b', Text: 'B' },
    ]);
  });
});
