import { unknownFieldWarnings } from './unknown-fields.validator';

const IGNORED = 'is not a field Viber knows: Viber ignores it';

describe('unknownFieldWarnings', () => {
  it('knows every field of a full message request, at every depth', () => {
    const body = {
      auth_token: 't',
      receiver: 'r',
      sender: { name: 'Bot', avatar: 'https://x/a.jpg' },
      tracking_data: 'x',
      min_api_version: 6,
      chat_id: 'c',
      type: 'text',
      text: 'hi',
      keyboard: {
        Type: 'keyboard',
        BgColor: '#fff',
        DefaultHeight: true,
        InputFieldState: 'hidden',
        FavoritesMetadata: { type: 'link', url: 'https://x', title: 't', width: 1 },
        Buttons: [
          {
            ActionType: 'open-url',
            ActionBody: 'https://x',
            OpenURLType: 'internal',
            InternalBrowser: { Mode: 'fullscreen', ActionReplyData: 'd' },
            Map: { Latitude: 1, Longitude: 2 },
            Frame: { BorderWidth: 1 },
            MediaPlayer: { Title: 't', Loop: true },
          },
        ],
      },
    };
    expect(unknownFieldWarnings('send_message', body)).toEqual([]);
    expect(
      unknownFieldWarnings('send_message', {
        type: 'rich_media',
        alt_text: 'a',
        rich_media: { Type: 'rich_media', HeightScale: 50, Buttons: [{ ActionBody: 'a' }] },
      }),
    ).toEqual([]);
  });

  it('reports unknown fields with their path and the field meant, when one is spelled alike', () => {
    const body = {
      reciever: 'r',
      keyboard: {
        Type: 'keyboard',
        Colums: 6,
        Buttons: [{ ActionBody: 'a', OpenUrlType: 'external', Frame: { Radius: 2 } }, 'x'],
      },
      contact: { name: 'A', phoneNumber: '1' },
    };
    expect(unknownFieldWarnings('send_message', body)).toEqual([
      { path: 'reciever', message: `${IGNORED} (did you mean receiver?)` },
      { path: 'keyboard.Colums', message: IGNORED },
      {
        path: 'keyboard.Buttons[0].OpenUrlType',
        message: `${IGNORED} (did you mean OpenURLType?)`,
      },
      { path: 'keyboard.Buttons[0].Frame.Radius', message: IGNORED },
      { path: 'contact.phoneNumber', message: `${IGNORED} (did you mean phone_number?)` },
    ]);
  });

  it('suggests a field one edit away per three letters (two at most), or in another case', () => {
    const warnings = unknownFieldWarnings('send_message', {
      keyboard: {
        Type: 'keyboard',
        Buttons: [{ ActionBody: 'a', Colums: 2, Txt: 'x', Rws: 1, Zz: 1, actionbody: 'b' }],
      },
    });
    expect(warnings.map((warning) => [warning.path, warning.message])).toEqual([
      ['keyboard.Buttons[0].Colums', `${IGNORED} (did you mean Columns?)`],
      ['keyboard.Buttons[0].Txt', `${IGNORED} (did you mean Text?)`],
      ['keyboard.Buttons[0].Rws', `${IGNORED} (did you mean Rows?)`],
      ['keyboard.Buttons[0].Zz', IGNORED],
      ['keyboard.Buttons[0].actionbody', `${IGNORED} (did you mean ActionBody?)`],
    ]);
  });

  it('checks each endpoint against its own fields', () => {
    expect(
      unknownFieldWarnings('broadcast_message', { broadcast_list: [], receiver: 'r' }),
    ).toEqual([{ path: 'receiver', message: IGNORED }]);
    expect(unknownFieldWarnings('set_webhook', { url: 'u', send_names: true })).toEqual([
      { path: 'send_names', message: `${IGNORED} (did you mean send_name?)` },
    ]);
    expect(unknownFieldWarnings('welcome', { type: 'text', text: 'hi', receiver: 'r' })).toEqual([
      { path: 'receiver', message: IGNORED },
    ]);
    expect(unknownFieldWarnings('get_online', { ids: [], auth_token: 't' })).toEqual([]);
    expect(unknownFieldWarnings('unknown_endpoint', { anything: 1 })).toEqual([]);
    expect(unknownFieldWarnings('send_message', 'not an object')).toEqual([]);
  });
});
