import {
  ViberActionTypes,
  ViberBgMediaTypes,
  ViberInternalBrowserActionButtons,
  ViberOpenURLMediaTypes,
  ViberOpenURLTypes,
  ViberScaleTypes,
  ViberTextHAligns,
  ViberTextSizes,
  ViberTextVAligns,
  type ViberButton,
} from '../types/keyboard.types';
import { ViberButtonBuilder, toViberButton } from './button.builder';

describe('ViberButtonBuilder', () => {
  it('maps every method to Viber’s exact PascalCase key', () => {
    const button = new ViberButtonBuilder('https://shop.example/item/1')
      .actionType(ViberActionTypes.OpenUrl)
      .columns(3)
      .rows(2)
      .bgColor('#2db9b9')
      .silent()
      .bgMediaType(ViberBgMediaTypes.Gif)
      .bgMedia('https://cdn.example/bg.gif')
      .bgMediaScaleType(ViberScaleTypes.Crop)
      .bgLoop(false)
      .image('https://cdn.example/fg.png')
      .imageScaleType(ViberScaleTypes.Fit)
      .text('<b>Item</b>')
      .textVAlign(ViberTextVAligns.Bottom)
      .textHAlign(ViberTextHAligns.Left)
      .textPaddings(1, 2, 3, 4)
      .textOpacity(80)
      .textSize(ViberTextSizes.Small)
      .openURLType(ViberOpenURLTypes.External)
      .openURLMediaType(ViberOpenURLMediaTypes.Video)
      .textBgGradientColor('#000000')
      .textShouldFit()
      .internalBrowser({
        ActionButton: ViberInternalBrowserActionButtons.SendToBot,
        ActionReplyData: 'opened',
        CustomTitle: 'Shop',
        Mode: 'partial-size',
        TitleType: 'domain',
        FooterType: 'hidden',
        ActionPredefinedURL: 'https://shop.example',
      })
      .map('12.12345', 23.5)
      .frame({ BorderWidth: 2, BorderColor: '#ff0000', CornerRadius: 4 })
      .mediaPlayer({
        Title: 'Clip',
        Subtitle: 'Sub',
        ThumbnailURL: 'https://cdn.example/t.jpg',
        Loop: true,
      })
      .build();

    expect(button).toStrictEqual<ViberButton>({
      ActionBody: 'https://shop.example/item/1',
      ActionType: 'open-url',
      Columns: 3,
      Rows: 2,
      BgColor: '#2db9b9',
      Silent: true,
      BgMediaType: 'gif',
      BgMedia: 'https://cdn.example/bg.gif',
      BgMediaScaleType: 'crop',
      BgLoop: false,
      Image: 'https://cdn.example/fg.png',
      ImageScaleType: 'fit',
      Text: '<b>Item</b>',
      TextVAlign: 'bottom',
      TextHAlign: 'left',
      TextPaddings: [1, 2, 3, 4],
      TextOpacity: 80,
      TextSize: 'small',
      OpenURLType: 'external',
      OpenURLMediaType: 'video',
      TextBgGradientColor: '#000000',
      TextShouldFit: true,
      InternalBrowser: {
        ActionButton: 'send-to-bot',
        ActionReplyData: 'opened',
        CustomTitle: 'Shop',
        Mode: 'partial-size',
        TitleType: 'domain',
        FooterType: 'hidden',
        ActionPredefinedURL: 'https://shop.example',
      },
      Map: { Latitude: '12.12345', Longitude: 23.5 },
      Frame: { BorderWidth: 2, BorderColor: '#ff0000', CornerRadius: 4 },
      MediaPlayer: {
        Title: 'Clip',
        Subtitle: 'Sub',
        ThumbnailURL: 'https://cdn.example/t.jpg',
        Loop: true,
      },
    });
    expect(Object.keys(button)).not.toContain('OpenUrlType');
  });

  it('leaves unset fields out (no undefined keys) and sets the action of each factory', () => {
    expect(ViberButtonBuilder.create('x').build()).toStrictEqual({ ActionBody: 'x' });
    expect(ViberButtonBuilder.reply('buy:1').text('Buy').build()).toStrictEqual({
      ActionBody: 'buy:1',
      ActionType: 'reply',
      Text: 'Buy',
    });
    expect(ViberButtonBuilder.openUrl('https://a.example').build()).toStrictEqual({
      ActionBody: 'https://a.example',
      ActionType: 'open-url',
    });
    expect(ViberButtonBuilder.locationPicker('loc').build()).toStrictEqual({
      ActionBody: 'loc',
      ActionType: 'location-picker',
    });
    expect(ViberButtonBuilder.sharePhone('phone').build()).toStrictEqual({
      ActionBody: 'phone',
      ActionType: 'share-phone',
    });
    expect(ViberButtonBuilder.none('label').build()).toStrictEqual({
      ActionBody: 'label',
      ActionType: 'none',
    });
  });

  it('size() sets Columns and Rows; bgMedia() sets the type only when given; actionBody() replaces', () => {
    expect(
      ViberButtonBuilder.create('a')
        .size(2, 1)
        .bgMedia('https://c.example/b.png')
        .actionBody('b')
        .build(),
    ).toStrictEqual({ ActionBody: 'b', Columns: 2, Rows: 1, BgMedia: 'https://c.example/b.png' });
    expect(
      ViberButtonBuilder.create('a').bgMedia('https://c.example/b.gif', 'gif').build(),
    ).toStrictEqual({
      ActionBody: 'a',
      BgMediaType: 'gif',
      BgMedia: 'https://c.example/b.gif',
    });
  });

  it('build() returns an independent copy', () => {
    const builder = ViberButtonBuilder.reply('a').frame({ BorderWidth: 1 });
    const first = builder.build();
    builder.columns(2);
    first.Frame!.BorderWidth = 9;
    expect(builder.build()).toStrictEqual({
      ActionBody: 'a',
      ActionType: 'reply',
      Frame: { BorderWidth: 1 },
      Columns: 2,
    });
    expect(first.Columns).toBeUndefined();
  });

  it('toViberButton accepts plain objects and builders, returning copies', () => {
    const plain: ViberButton = { ActionBody: 'p', Text: 'P' };
    const copied = toViberButton(plain);
    expect(copied).toStrictEqual(plain);
    expect(copied).not.toBe(plain);
    expect(toViberButton(ViberButtonBuilder.reply('b'))).toStrictEqual({
      ActionBody: 'b',
      ActionType: 'reply',
    });
  });
});

describe('enum constants', () => {
  it('hold exactly the documented values', () => {
    expect(Object.values(ViberActionTypes)).toEqual([
      'reply',
      'open-url',
      'location-picker',
      'share-phone',
      'none',
      'buy',
    ]);
    expect(Object.values(ViberOpenURLTypes)).toEqual(['internal', 'external']);
    expect(Object.values(ViberOpenURLMediaTypes)).toEqual(['not-media', 'video', 'gif', 'picture']);
    expect(Object.values(ViberTextSizes)).toEqual(['small', 'regular', 'large']);
    expect(Object.values(ViberTextHAligns)).toEqual(['left', 'center', 'right']);
    expect(Object.values(ViberTextVAligns)).toEqual(['top', 'middle', 'bottom']);
    expect(Object.values(ViberScaleTypes)).toEqual(['crop', 'fill', 'fit']);
    expect(Object.values(ViberBgMediaTypes)).toEqual(['picture', 'gif']);
  });
});
