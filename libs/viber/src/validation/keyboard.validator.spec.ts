import type { ViberValidationIssue } from '../errors/viber-validation.error';
import { layoutRichMediaCards } from './keyboard.validator';
import { validateOutgoingMessage } from './message.validator';
import { ValidationContext } from './validation-context';

type Json = Record<string, unknown>;

/** A minimal valid button with extra fields merged in. */
const button = (fields: Json = {}): Json => ({ ActionBody: 'tap', Text: 'Tap', ...fields });

/** A text message carrying a keyboard of one button. */
const withButton = (fields: Json, keyboard: Json = {}): Json => ({
  type: 'text',
  text: 'hi',
  keyboard: { Type: 'keyboard', Buttons: [button(fields)], ...keyboard },
});

/** A text message carrying a keyboard with the given top-level fields. */
const withKeyboard = (keyboard: Json): Json => withButton({}, keyboard);

/** A rich-media message. */
const richMedia = (buttons: unknown[], fields: Json = {}): Json => ({
  type: 'rich_media',
  rich_media: {
    Type: 'rich_media',
    ButtonsGroupColumns: 6,
    ButtonsGroupRows: 7,
    Buttons: buttons,
    ...fields,
  },
});

/** `count` copies of a button of the given size. */
const buttons = (count: number, Columns: number, Rows: number): Json[] =>
  Array.from({ length: count }, (_, i) => button({ Columns, Rows, ActionBody: `b${i}` }));

function check(message: unknown, path = ''): ValidationContext {
  const ctx = new ValidationContext();
  validateOutgoingMessage(ctx, message, path);
  return ctx;
}

const ENUM_ACTION = 'reply, open-url, location-picker, share-phone, none, buy';
const COLOR_RULE = 'must be a colour #RRGGBB or #RGB';

/** [description, message, expected path, expected message] — exactly one issue each. */
const INVALID: ReadonlyArray<[string, Json, string, string]> = [
  // keyboard object
  [
    'keyboard not an object',
    { type: 'text', text: 'hi', keyboard: 'menu' },
    'keyboard',
    'must be an object',
  ],
  [
    'keyboard Type wrong',
    withKeyboard({ Type: 'rich_media' }),
    'keyboard.Type',
    'must be "keyboard"',
  ],
  [
    'keyboard Type missing (docs/protocol/keyboards.md)',
    { type: 'text', text: 'hi', keyboard: { Buttons: [button()] } },
    'keyboard.Type',
    'is required (must be "keyboard")',
  ],
  [
    'keyboard Type null',
    withKeyboard({ Type: null }),
    'keyboard.Type',
    'is required (must be "keyboard")',
  ],
  [
    'keyboard Buttons missing',
    { keyboard: { Type: 'keyboard' } },
    'keyboard.Buttons',
    'is required',
  ],
  [
    'keyboard Buttons empty',
    withKeyboard({ Buttons: [] }),
    'keyboard.Buttons',
    'must be a non-empty array',
  ],
  [
    'keyboard Buttons not an array',
    withKeyboard({ Buttons: {} }),
    'keyboard.Buttons',
    'must be a non-empty array',
  ],
  [
    'keyboard BgColor without #',
    withKeyboard({ BgColor: 'FFFFFF' }),
    'keyboard.BgColor',
    `${COLOR_RULE} (got "FFFFFF")`,
  ],
  [
    'keyboard DefaultHeight not boolean',
    withKeyboard({ DefaultHeight: 'no' }),
    'keyboard.DefaultHeight',
    'must be a boolean',
  ],
  [
    'CustomDefaultHeight below 40',
    withKeyboard({ CustomDefaultHeight: 39 }),
    'keyboard.CustomDefaultHeight',
    'must be 40..70 (got 39)',
  ],
  [
    'CustomDefaultHeight above 70',
    withKeyboard({ CustomDefaultHeight: 71 }),
    'keyboard.CustomDefaultHeight',
    'must be 40..70 (got 71)',
  ],
  [
    'keyboard HeightScale below 20',
    withKeyboard({ HeightScale: 19 }),
    'keyboard.HeightScale',
    'must be 20..100 (got 19)',
  ],
  [
    'keyboard HeightScale above 100',
    withKeyboard({ HeightScale: 101 }),
    'keyboard.HeightScale',
    'must be 20..100 (got 101)',
  ],
  [
    'keyboard ButtonsGroupColumns 7',
    withKeyboard({ ButtonsGroupColumns: 7 }),
    'keyboard.ButtonsGroupColumns',
    'must be 1..6 (got 7)',
  ],
  [
    'keyboard ButtonsGroupRows 0',
    withKeyboard({ ButtonsGroupRows: 0 }),
    'keyboard.ButtonsGroupRows',
    'must be 1..7 (got 0)',
  ],
  [
    'keyboard ButtonsGroupRows 8',
    withKeyboard({ ButtonsGroupRows: 8 }),
    'keyboard.ButtonsGroupRows',
    'must be 1..7 (got 8)',
  ],
  [
    'InputFieldState unknown',
    withKeyboard({ InputFieldState: 'visible' }),
    'keyboard.InputFieldState',
    'must be one of regular, minimized, hidden (got "visible")',
  ],
  [
    'FavoritesMetadata type unknown',
    withKeyboard({ FavoritesMetadata: { type: 'image', url: 'https://x.example/a' } }),
    'keyboard.FavoritesMetadata.type',
    'must be one of gif, link, video (got "image")',
  ],
  [
    'FavoritesMetadata url missing',
    withKeyboard({ FavoritesMetadata: { type: 'link' } }),
    'keyboard.FavoritesMetadata.url',
    'is required',
  ],
  [
    'FavoritesMetadata width negative',
    withKeyboard({ FavoritesMetadata: { type: 'gif', url: 'https://x.example/a.gif', width: -1 } }),
    'keyboard.FavoritesMetadata.width',
    'must be at least 0 (got -1)',
  ],
  // button basics
  [
    'button not an object',
    withKeyboard({ Buttons: ['Yes'] }),
    'keyboard.Buttons[0]',
    'must be an object',
  ],
  ['Columns 0', withButton({ Columns: 0 }), 'keyboard.Buttons[0].Columns', 'must be 1..6 (got 0)'],
  ['Columns 7', withButton({ Columns: 7 }), 'keyboard.Buttons[0].Columns', 'must be 1..6 (got 7)'],
  [
    'Columns fractional',
    withButton({ Columns: 2.5 }),
    'keyboard.Buttons[0].Columns',
    'must be an integer',
  ],
  [
    'Columns as string',
    withButton({ Columns: '3' }),
    'keyboard.Buttons[0].Columns',
    'must be a finite number',
  ],
  ['keyboard Rows 3', withButton({ Rows: 3 }), 'keyboard.Buttons[0].Rows', 'must be 1..2 (got 3)'],
  ['keyboard Rows 0', withButton({ Rows: 0 }), 'keyboard.Buttons[0].Rows', 'must be 1..2 (got 0)'],
  [
    'button BgColor name',
    withButton({ BgColor: 'red' }),
    'keyboard.Buttons[0].BgColor',
    `${COLOR_RULE} (got "red")`,
  ],
  [
    'button BgColor 5 digits',
    withButton({ BgColor: '#12345' }),
    'keyboard.Buttons[0].BgColor',
    `${COLOR_RULE} (got "#12345")`,
  ],
  [
    'button BgColor not hex',
    withButton({ BgColor: '#GGGGGG' }),
    'keyboard.Buttons[0].BgColor',
    `${COLOR_RULE} (got "#GGGGGG")`,
  ],
  [
    'TextBgGradientColor short form',
    withButton({ TextBgGradientColor: '#FFF', TextVAlign: 'top' }),
    'keyboard.Buttons[0].TextBgGradientColor',
    'must be a colour #RRGGBB',
  ],
  [
    'ActionType unknown',
    withButton({ ActionType: 'open' }),
    'keyboard.Buttons[0].ActionType',
    `must be one of ${ENUM_ACTION} (got "open")`,
  ],
  [
    'ActionBody missing',
    withKeyboard({ Buttons: [{ Text: 'x' }] }),
    'keyboard.Buttons[0].ActionBody',
    'is required',
  ],
  [
    'ActionBody empty',
    withButton({ ActionBody: '' }),
    'keyboard.Buttons[0].ActionBody',
    'must not be empty',
  ],
  [
    'ActionBody not a string',
    withButton({ ActionBody: 42 }),
    'keyboard.Buttons[0].ActionBody',
    'must be a string',
  ],
  [
    'Text over 250',
    withButton({ Text: 'x'.repeat(251) }),
    'keyboard.Buttons[0].Text',
    'must be at most 250 characters (got 251)',
  ],
  [
    'no Text/BgMedia/Image/BgColor',
    withKeyboard({ Buttons: [{ ActionBody: 'tap' }] }),
    'keyboard.Buttons[0]',
    'must have at least one of Text, BgMedia, Image, BgColor',
  ],
  [
    'only an empty Text',
    withKeyboard({ Buttons: [{ ActionBody: 'tap', Text: '' }] }),
    'keyboard.Buttons[0]',
    'must have at least one of Text, BgMedia, Image, BgColor',
  ],
  [
    'TextSize unknown',
    withButton({ TextSize: 'huge' }),
    'keyboard.Buttons[0].TextSize',
    'must be one of small, regular, large (got "huge")',
  ],
  [
    'TextHAlign unknown',
    withButton({ TextHAlign: 'justify' }),
    'keyboard.Buttons[0].TextHAlign',
    'must be one of left, center, right (got "justify")',
  ],
  [
    'TextVAlign "center" (not an exception)',
    withButton({ TextVAlign: 'center' }),
    'keyboard.Buttons[0].TextVAlign',
    'must be one of top, middle, bottom (got "center")',
  ],
  [
    'TextOpacity 101',
    withButton({ TextOpacity: 101 }),
    'keyboard.Buttons[0].TextOpacity',
    'must be 0..100 (got 101)',
  ],
  [
    'TextOpacity -1',
    withButton({ TextOpacity: -1 }),
    'keyboard.Buttons[0].TextOpacity',
    'must be 0..100 (got -1)',
  ],
  [
    'TextPaddings of 3',
    withButton({ TextPaddings: [12, 12, 12] }),
    'keyboard.Buttons[0].TextPaddings',
    'must be an array of 4 numbers [top, left, bottom, right]',
  ],
  [
    'TextPaddings entry 13',
    withButton({ TextPaddings: [0, 13, 0, 0] }),
    'keyboard.Buttons[0].TextPaddings[1]',
    'must be 0..12 (got 13)',
  ],
  [
    'OpenURLType unknown',
    withButton({ OpenURLType: 'browser' }),
    'keyboard.Buttons[0].OpenURLType',
    'must be one of internal, external (got "browser")',
  ],
  [
    'OpenURLMediaType unknown',
    withButton({ OpenURLMediaType: 'audio' }),
    'keyboard.Buttons[0].OpenURLMediaType',
    'must be one of not-media, video, gif, picture (got "audio")',
  ],
  [
    'BgMediaType unknown',
    withButton({ BgMediaType: 'video' }),
    'keyboard.Buttons[0].BgMediaType',
    'must be one of picture, gif (got "video")',
  ],
  [
    'BgMediaScaleType unknown',
    withButton({ BgMediaScaleType: 'stretch' }),
    'keyboard.Buttons[0].BgMediaScaleType',
    'must be one of crop, fill, fit (got "stretch")',
  ],
  [
    'ImageScaleType unknown',
    withButton({ ImageScaleType: 'zoom' }),
    'keyboard.Buttons[0].ImageScaleType',
    'must be one of crop, fill, fit (got "zoom")',
  ],
  [
    'Silent not boolean',
    withButton({ Silent: 'yes' }),
    'keyboard.Buttons[0].Silent',
    'must be a boolean',
  ],
  [
    'BgLoop not boolean',
    withButton({ BgLoop: 1 }),
    'keyboard.Buttons[0].BgLoop',
    'must be a boolean',
  ],
  [
    'TextShouldFit not boolean',
    withButton({ TextShouldFit: 'true' }),
    'keyboard.Buttons[0].TextShouldFit',
    'must be a boolean',
  ],
  [
    '<font size> 40',
    withButton({ Text: '<font size="40">Big</font>' }),
    'keyboard.Buttons[0].Text',
    '<font size> must be 12..32 (got 40)',
  ],
  [
    '<font size> 11',
    withButton({ Text: '<font color=#fff size=11>Small</font>' }),
    'keyboard.Buttons[0].Text',
    '<font size> must be 12..32 (got 11)',
  ],
  // InternalBrowser, Map, Frame, MediaPlayer
  [
    'InternalBrowser not an object',
    withButton({ InternalBrowser: 'full' }),
    'keyboard.Buttons[0].InternalBrowser',
    'must be an object',
  ],
  [
    'CustomTitle over 15',
    withButton({ InternalBrowser: { CustomTitle: 'x'.repeat(16) } }),
    'keyboard.Buttons[0].InternalBrowser.CustomTitle',
    'must be at most 15 characters (got 16)',
  ],
  [
    'browser Mode unknown',
    withButton({ InternalBrowser: { Mode: 'half' } }),
    'keyboard.Buttons[0].InternalBrowser.Mode',
    'must be one of fullscreen, fullscreen-portrait, fullscreen-landscape, partial-size (got "half")',
  ],
  [
    'browser ActionButton unknown',
    withButton({ InternalBrowser: { ActionButton: 'close' } }),
    'keyboard.Buttons[0].InternalBrowser.ActionButton',
    'must be one of forward, send, open-externally, send-to-bot, none (got "close")',
  ],
  [
    'browser TitleType unknown',
    withButton({ InternalBrowser: { TitleType: 'page' } }),
    'keyboard.Buttons[0].InternalBrowser.TitleType',
    'must be one of domain, default (got "page")',
  ],
  [
    'browser FooterType unknown',
    withButton({ InternalBrowser: { FooterType: 'none' } }),
    'keyboard.Buttons[0].InternalBrowser.FooterType',
    'must be one of default, hidden (got "none")',
  ],
  [
    'ActionPredefinedURL empty',
    withButton({ InternalBrowser: { ActionPredefinedURL: '' } }),
    'keyboard.Buttons[0].InternalBrowser.ActionPredefinedURL',
    'must not be empty',
  ],
  [
    'Map Latitude 91',
    withButton({ Map: { Latitude: 91, Longitude: 0 } }),
    'keyboard.Buttons[0].Map.Latitude',
    'must be -90..90 (got 91)',
  ],
  [
    'Map Longitude "-180.5"',
    withButton({ Map: { Latitude: '0', Longitude: '-180.5' } }),
    'keyboard.Buttons[0].Map.Longitude',
    'must be -180..180 (got -180.5)',
  ],
  [
    'Map Latitude not numeric',
    withButton({ Map: { Latitude: 'north', Longitude: '1' } }),
    'keyboard.Buttons[0].Map.Latitude',
    'must be a number or a decimal string such as "12.12345"',
  ],
  [
    'Map Longitude missing',
    withButton({ Map: { Latitude: '12.12345' } }),
    'keyboard.Buttons[0].Map.Longitude',
    'is required',
  ],
  [
    'Frame BorderWidth 11',
    withButton({ Frame: { BorderWidth: 11 } }),
    'keyboard.Buttons[0].Frame.BorderWidth',
    'must be 0..10 (got 11)',
  ],
  [
    'Frame CornerRadius -1',
    withButton({ Frame: { CornerRadius: -1 } }),
    'keyboard.Buttons[0].Frame.CornerRadius',
    'must be 0..10 (got -1)',
  ],
  [
    'Frame BorderColor malformed',
    withButton({ Frame: { BorderColor: '#00000' } }),
    'keyboard.Buttons[0].Frame.BorderColor',
    `${COLOR_RULE} (got "#00000")`,
  ],
  [
    'MediaPlayer Loop not boolean',
    withButton({ MediaPlayer: { Loop: 'yes' } }),
    'keyboard.Buttons[0].MediaPlayer.Loop',
    'must be a boolean',
  ],
  [
    'MediaPlayer Title not a string',
    withButton({ MediaPlayer: { Title: 5 } }),
    'keyboard.Buttons[0].MediaPlayer.Title',
    'must be a string',
  ],
  // rich media
  [
    'rich_media not an object',
    { type: 'rich_media', rich_media: [] },
    'rich_media',
    'must be an object',
  ],
  ['rich_media missing', { type: 'rich_media' }, 'rich_media', 'is required'],
  [
    'rich_media Type wrong',
    richMedia(buttons(1, 6, 1), { Type: 'keyboard' }),
    'rich_media.Type',
    'must be "rich_media"',
  ],
  [
    'rich_media Buttons missing',
    { type: 'rich_media', rich_media: { Type: 'rich_media' } },
    'rich_media.Buttons',
    'is required',
  ],
  [
    'rich_media BgColor malformed',
    richMedia(buttons(1, 6, 1), { BgColor: '#FFFFFFF' }),
    'rich_media.BgColor',
    `${COLOR_RULE} (got "#FFFFFFF")`,
  ],
  [
    'rich ButtonsGroupColumns 0',
    richMedia(buttons(1, 1, 1), { ButtonsGroupColumns: 0 }),
    'rich_media.ButtonsGroupColumns',
    'must be 1..6 (got 0)',
  ],
  [
    'rich ButtonsGroupRows 8',
    richMedia(buttons(1, 6, 1), { ButtonsGroupRows: 8 }),
    'rich_media.ButtonsGroupRows',
    'must be 1..7 (got 8)',
  ],
  [
    'rich button Rows 8',
    richMedia(buttons(1, 6, 8)),
    'rich_media.Buttons[0].Rows',
    'must be 1..7 (got 8)',
  ],
  [
    'rich button wider than the card',
    richMedia(buttons(1, 4, 1), { ButtonsGroupColumns: 3 }),
    'rich_media.Buttons[0].Columns',
    'must be 1..3 (ButtonsGroupColumns) (got 4)',
  ],
  [
    'rich button default width on a narrow card',
    richMedia([button({ Rows: 1 })], { ButtonsGroupColumns: 3 }),
    'rich_media.Buttons[0].Columns',
    'is required when ButtonsGroupColumns is 3 (the default 6 does not fit on a card)',
  ],
  [
    'rich button taller than the card',
    richMedia(buttons(1, 6, 5), { ButtonsGroupRows: 4 }),
    'rich_media.Buttons[0].Rows',
    'must be 1..4 (ButtonsGroupRows) (got 5)',
  ],
  [
    '7 full cards',
    richMedia(buttons(7, 6, 7)),
    'rich_media.Buttons',
    'must lay out into 1..6 cards of 6x7 (ButtonsGroupColumns x ButtonsGroupRows) (got 7; Buttons[6] starts card 7)',
  ],
  [
    '13 one-row buttons on 2-row cards',
    richMedia(buttons(13, 6, 1), { ButtonsGroupRows: 2 }),
    'rich_media.Buttons',
    'must lay out into 1..6 cards of 6x2 (ButtonsGroupColumns x ButtonsGroupRows) (got 7; Buttons[12] starts card 7)',
  ],
  [
    '37 cells on 3x2 cards',
    richMedia(buttons(37, 1, 1), { ButtonsGroupColumns: 3, ButtonsGroupRows: 2 }),
    'rich_media.Buttons',
    'must lay out into 1..6 cards of 3x2 (ButtonsGroupColumns x ButtonsGroupRows) (got 7; Buttons[36] starts card 7)',
  ],
  [
    'rich button Text over 250',
    richMedia([button({ Columns: 6, Rows: 1, Text: 'y'.repeat(251) })]),
    'rich_media.Buttons[0].Text',
    'must be at most 250 characters (got 251)',
  ],
  // media URLs
  [
    'picture .bmp',
    { type: 'picture', text: '', media: 'https://m.example/p.bmp' },
    'media',
    'must be a URL whose path ends in .jpg, .jpeg, .png or .gif (got /p.bmp)',
  ],
  [
    'picture extension only in the query',
    { type: 'picture', text: '', media: 'https://m.example/img?f=a.jpg' },
    'media',
    'must be a URL whose path ends in .jpg, .jpeg, .png or .gif (got /img)',
  ],
  [
    'video .mov',
    { type: 'video', media: 'https://m.example/v.mov', size: 10 },
    'media',
    'must be a URL whose path ends in .mp4 (got /v.mov)',
  ],
  [
    'file URL not ending with file_name extension',
    { type: 'file', media: 'https://m.example/f.txt', size: 10, file_name: 'f.pdf' },
    'media',
    'must be a URL whose path ends in .pdf (the extension of file_name) (got /f.txt)',
  ],
  // min_api_version against the features used
  [
    'min_api_version below InputFieldState',
    { ...withKeyboard({ InputFieldState: 'hidden' }), min_api_version: 3 },
    'min_api_version',
    'must be at least 4 (keyboard.InputFieldState needs API 4)',
  ],
  [
    'min_api_version below Map',
    { ...withButton({ Map: { Latitude: '1', Longitude: '2' } }), min_api_version: 5 },
    'min_api_version',
    'must be at least 6 (keyboard.Buttons[0].Map needs API 6)',
  ],
  [
    'min_api_version below InternalBrowser',
    { ...withButton({ InternalBrowser: { Mode: 'fullscreen' } }), min_api_version: 2 },
    'min_api_version',
    'must be at least 3 (keyboard.Buttons[0].InternalBrowser needs API 3)',
  ],
  [
    'rich_media min 1 with HeightScale',
    { ...richMedia(buttons(1, 6, 1), { HeightScale: 50 }), min_api_version: 1 },
    'min_api_version',
    'must be at least 3 (rich_media.HeightScale needs API 3)',
  ],
  [
    'min_api_version below <s>',
    { ...withButton({ Text: '<s>old</s> new' }), min_api_version: 3 },
    'min_api_version',
    'must be at least 4 (keyboard.Buttons[0].Text <s> needs API 4)',
  ],
  [
    'payment with min_api_version 9',
    {
      type: 'payment',
      min_api_version: 9,
      payment: { type: 'GooglePay', total_price: 1, currency_code: 'UAH', payment_parameters: [] },
    },
    'min_api_version',
    'must be at least 10 (payment needs API 10)',
  ],
];

/** Messages with a value exactly at a documented limit: no error, no warning. */
const VALID: ReadonlyArray<[string, Json]> = [
  ['Columns 1', withButton({ Columns: 1 })],
  ['Columns 6', withButton({ Columns: 6 })],
  ['keyboard Rows 1', withButton({ Rows: 1 })],
  ['keyboard Rows 2', withButton({ Rows: 2 })],
  ['rich Rows 7 on a 6x7 card', richMedia(buttons(1, 6, 7))],
  ['Text of 250', withButton({ Text: 'x'.repeat(250) })],
  ['TextOpacity 0', withButton({ TextOpacity: 0 })],
  ['TextOpacity 100', withButton({ TextOpacity: 100 })],
  ['TextPaddings 0 and 12', withButton({ TextPaddings: [0, 12, 0, 12] })],
  ['CustomDefaultHeight 40', withKeyboard({ CustomDefaultHeight: 40 })],
  ['CustomDefaultHeight 70', withKeyboard({ CustomDefaultHeight: 70 })],
  ['HeightScale 20', withKeyboard({ HeightScale: 20 })],
  ['HeightScale 100', withKeyboard({ HeightScale: 100 })],
  [
    'keyboard ButtonsGroupColumns 1 and Rows 7',
    withKeyboard({ ButtonsGroupColumns: 1, ButtonsGroupRows: 7 }),
  ],
  [
    'keyboard ButtonsGroupColumns 6 and Rows 1',
    withKeyboard({ ButtonsGroupColumns: 6, ButtonsGroupRows: 1 }),
  ],
  [
    'Frame at 0 and 10',
    withButton({ Frame: { BorderWidth: 0, CornerRadius: 10, BorderColor: '#000' } }),
  ],
  ['Frame BorderWidth 10', withButton({ Frame: { BorderWidth: 10 } })],
  ['Map at -90 / 180 as strings', withButton({ Map: { Latitude: '-90', Longitude: '180.0' } })],
  ['Map at 90 / -180 as numbers', withButton({ Map: { Latitude: 90, Longitude: -180 } })],
  ['CustomTitle of 15', withButton({ InternalBrowser: { CustomTitle: 'x'.repeat(15) } })],
  ['<font size> 12 and 32', withButton({ Text: '<font size=12>a</font><font size="32">b</font>' })],
  ['#RGB and lower-case #rrggbb', withButton({ BgColor: '#fff' }, { BgColor: '#abcdef' })],
  [
    'TextBgGradientColor #RRGGBB',
    withButton({ TextBgGradientColor: '#000000', TextVAlign: 'bottom' }),
  ],
  [
    'button with only BgColor (empty Text)',
    withKeyboard({ Buttons: [{ ActionBody: 'x', Text: '', BgColor: '#000' }] }),
  ],
  [
    'button with only Image',
    withKeyboard({ Buttons: [{ ActionBody: 'x', Image: 'https://i.example/a.png' }] }),
  ],
  [
    'button with only BgMedia',
    withKeyboard({ Buttons: [{ ActionBody: 'x', BgMedia: 'https://i.example/a.gif' }] }),
  ],
  ['ActionType buy', withButton({ ActionType: 'buy' })],
  ['exactly 6 full cards', richMedia(buttons(6, 6, 7))],
  [
    'exactly 36 cells on 3x2 cards',
    richMedia(buttons(36, 1, 1), { ButtonsGroupColumns: 3, ButtonsGroupRows: 2 }),
  ],
  [
    'tall button beside two short ones, 6 cards of 6x2',
    richMedia(
      Array.from({ length: 6 }, () => [
        button({ Columns: 3, Rows: 2 }),
        button({ Columns: 3, Rows: 1 }),
        button({ Columns: 3, Rows: 1 }),
      ]).flat(),
      { ButtonsGroupRows: 2 },
    ),
  ],
  [
    'rich media with default card size',
    { type: 'rich_media', rich_media: { Buttons: buttons(6, 6, 7) } },
  ],
  [
    'picture .JPEG with query and fragment',
    { type: 'picture', text: '', media: 'https://m.example/a/P.JPEG?v=2#x' },
  ],
  ['picture .gif', { type: 'picture', text: 'x'.repeat(768), media: 'https://m.example/a.gif' }],
  ['picture .png', { type: 'picture', text: '', media: 'https://m.example/a.png' }],
  [
    'video .mp4 with query',
    {
      type: 'video',
      media: 'https://m.example/v.mp4?token=1',
      size: 26 * 1024 * 1024,
      duration: 180,
    },
  ],
  [
    'file URL extension in another case, with query',
    {
      type: 'file',
      media: 'https://m.example/Report.PDF?dl=1',
      size: 50 * 1024 * 1024,
      file_name: 'report.pdf',
    },
  ],
  [
    'min_api_version exactly 4 for InputFieldState',
    { ...withKeyboard({ InputFieldState: 'minimized' }), min_api_version: 4 },
  ],
  [
    'min_api_version exactly 6 for Map',
    { ...withButton({ Map: { Latitude: '1', Longitude: '2' } }), min_api_version: 6 },
  ],
  [
    'min_api_version exactly 2 for rich media',
    { ...richMedia(buttons(1, 6, 1)), min_api_version: 2 },
  ],
];

describe('keyboard, button and rich-media rules', () => {
  it('has at least 40 invalid and 20 valid cases', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
    expect(VALID.length).toBeGreaterThanOrEqual(20);
  });

  it.each(INVALID)('rejects %s', (_name, message, path, text) => {
    const ctx = check(message);
    expect(ctx.issues).toEqual<ViberValidationIssue[]>([{ path, message: text }]);
    expect(ctx.warnings).toEqual([]);
  });

  it.each(VALID)('accepts %s', (_name, message) => {
    const ctx = check(message);
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });

  it('prefixes every path with the message path', () => {
    const ctx = check(withButton({ Columns: 9 }), 'messages[2]');
    expect(ctx.issues).toEqual([
      { path: 'messages[2].keyboard.Buttons[0].Columns', message: 'must be 1..6 (got 9)' },
    ]);
  });

  it('reports every broken rule of a button, not just the first', () => {
    const ctx = check(
      withKeyboard({ Buttons: [button(), { Columns: 8, Rows: 4, TextOpacity: 200 }] }),
    );
    expect(ctx.issues).toEqual([
      { path: 'keyboard.Buttons[1].Columns', message: 'must be 1..6 (got 8)' },
      { path: 'keyboard.Buttons[1].Rows', message: 'must be 1..2 (got 4)' },
      { path: 'keyboard.Buttons[1].ActionBody', message: 'is required' },
      { path: 'keyboard.Buttons[1].TextOpacity', message: 'must be 0..100 (got 200)' },
      {
        path: 'keyboard.Buttons[1]',
        message: 'must have at least one of Text, BgMedia, Image, BgColor',
      },
    ]);
  });

  it('does not count cards while a button has an invalid size', () => {
    const ctx = check(richMedia([...buttons(7, 6, 7), button({ Columns: 6, Rows: 9 })]));
    expect(ctx.issues).toEqual([
      { path: 'rich_media.Buttons[7].Rows', message: 'must be 1..7 (got 9)' },
    ]);
  });
});

describe('documented-example exceptions (warnings, not errors)', () => {
  it('warns for TextSize "medium" and TextHAlign "middle", on keyboards too', () => {
    const ctx = check(withButton({ TextSize: 'medium', TextHAlign: 'middle' }));
    expect(ctx.issues).toEqual([]);
    expect(ctx.warnings).toEqual([
      {
        path: 'keyboard.Buttons[0].TextHAlign',
        message:
          'should be one of left, center, right (got "middle", sent as is because Viber\'s own rich-media example uses it)',
      },
      {
        path: 'keyboard.Buttons[0].TextSize',
        message:
          'should be one of small, regular, large (got "medium", sent as is because Viber\'s own rich-media example uses it)',
      },
    ]);
  });

  it('still refuses "medium" and "middle" where the example does not use them', () => {
    const ctx = check(withButton({ TextVAlign: 'medium', TextSize: 'middle' }));
    expect(ctx.issues).toEqual([
      {
        path: 'keyboard.Buttons[0].TextVAlign',
        message: 'must be one of top, middle, bottom (got "medium")',
      },
      {
        path: 'keyboard.Buttons[0].TextSize',
        message: 'must be one of small, regular, large (got "middle")',
      },
    ]);
    expect(ctx.warnings).toEqual([]);
  });
});

describe('layoutRichMediaCards', () => {
  it('stacks full-width buttons until the card is full', () => {
    const rows = [3, 2, 1, 1, 3, 2, 1, 1];
    const cards = layoutRichMediaCards(rows.map((Rows) => ({ Columns: 6, Rows })));
    expect(cards).toEqual([
      [
        { index: 0, column: 0, row: 0, columns: 6, rows: 3 },
        { index: 1, column: 0, row: 3, columns: 6, rows: 2 },
        { index: 2, column: 0, row: 5, columns: 6, rows: 1 },
        { index: 3, column: 0, row: 6, columns: 6, rows: 1 },
      ],
      [
        { index: 4, column: 0, row: 0, columns: 6, rows: 3 },
        { index: 5, column: 0, row: 3, columns: 6, rows: 2 },
        { index: 6, column: 0, row: 5, columns: 6, rows: 1 },
        { index: 7, column: 0, row: 6, columns: 6, rows: 1 },
      ],
    ]);
  });

  it('places buttons beside a taller one and wraps rows within a card', () => {
    const cards = layoutRichMediaCards(
      [
        { Columns: 3, Rows: 2 },
        { Columns: 3, Rows: 1 },
        { Columns: 3, Rows: 1 },
        { Columns: 4, Rows: 1 },
        { Columns: 4, Rows: 1 },
      ],
      6,
      3,
    );
    expect(cards).toEqual([
      [
        { index: 0, column: 0, row: 0, columns: 3, rows: 2 },
        { index: 1, column: 3, row: 0, columns: 3, rows: 1 },
        { index: 2, column: 3, row: 1, columns: 3, rows: 1 },
        { index: 3, column: 0, row: 2, columns: 4, rows: 1 },
      ],
      [{ index: 4, column: 0, row: 0, columns: 4, rows: 1 }],
    ]);
  });

  it('uses the defaults Columns 6, Rows 1 and never goes back to an earlier gap', () => {
    const cards = layoutRichMediaCards([{ Columns: 2 }, {}, { Columns: 2 }], 6, 2);
    expect(cards).toEqual([
      [
        { index: 0, column: 0, row: 0, columns: 2, rows: 1 },
        { index: 1, column: 0, row: 1, columns: 6, rows: 1 },
      ],
      [{ index: 2, column: 0, row: 0, columns: 2, rows: 1 }],
    ]);
  });
});

describe('layoutRichMediaCards on unvalidated input', () => {
  it('clamps sizes to the card instead of failing', () => {
    const cards = layoutRichMediaCards(
      [
        { Columns: 9, Rows: 0 },
        { Columns: 'x', Rows: 2.5 },
      ],
      3,
      2,
    );
    expect(cards).toEqual([
      [{ index: 0, column: 0, row: 0, columns: 3, rows: 1 }],
      [{ index: 1, column: 0, row: 0, columns: 3, rows: 2 }],
    ]);
  });
});
