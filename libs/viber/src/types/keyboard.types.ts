/**
 * Keyboards and rich media (docs/protocol/keyboards.md), in Viber's own PascalCase key spelling.
 * Every string-valued option is a union of the documented values.
 */

/** A colour in hex form, `#RRGGBB` (Viber also accepts `#RGB`). */
export type ViberColor = string;

/**
 * What a button does when tapped (docs/protocol/keyboards.md, "Button object"). `buy` is listed
 * by the 2023 docs only.
 */
export type ViberActionType =
  'reply' | 'open-url' | 'location-picker' | 'share-phone' | 'none' | 'buy';
/** Which browser `open-url` uses. */
export type ViberOpenURLType = 'internal' | 'external';
/** How `open-url` presents the target. */
export type ViberOpenURLMediaType = 'not-media' | 'video' | 'gif' | 'picture';
/** Background media kind of a button. */
export type ViberBgMediaType = 'picture' | 'gif';
/** Scaling of background media and images (API 6). */
export type ViberScaleType = 'crop' | 'fill' | 'fit';
/** Vertical text alignment inside a button. */
export type ViberTextVAlign = 'top' | 'middle' | 'bottom';
/** Horizontal text alignment inside a button. */
export type ViberTextHAlign = 'left' | 'center' | 'right';
/** Text size inside a button. */
export type ViberTextSize = 'small' | 'regular' | 'large';
/** Visibility of the text input field while a keyboard is shown (API 4). */
export type ViberInputFieldState = 'regular' | 'minimized' | 'hidden';

/** Options of the in-app browser opened by an `open-url` button (API 3). */
export interface ViberInternalBrowser {
  /** Navigation-bar action. `send-to-bot` needs API 6. */
  ActionButton?: 'forward' | 'send' | 'open-externally' | 'send-to-bot' | 'none';
  /** URL used by send/forward instead of the current one. */
  ActionPredefinedURL?: string;
  /** Title source. */
  TitleType?: 'domain' | 'default';
  /** Custom title, at most 15 characters. */
  CustomTitle?: string;
  /** Browser mode. */
  Mode?: 'fullscreen' | 'fullscreen-portrait' | 'fullscreen-landscape' | 'partial-size';
  /** Footer visibility. */
  FooterType?: 'default' | 'hidden';
  /** Data re-sent to the bot by `send-to-bot` (API 6). */
  ActionReplyData?: string;
}

/** A map shown inside a button (API 6). */
export interface ViberButtonMap {
  /** Latitude, as a string such as `"12.12345"`. */
  Latitude: string | number;
  /** Longitude, as a string such as `"12.12345"`. */
  Longitude: string | number;
}

/** A frame drawn over a button (API 6). */
export interface ViberButtonFrame {
  /** 0–10, default 1. */
  BorderWidth?: number;
  /** Hex colour, default `#000000`. */
  BorderColor?: ViberColor;
  /** 0–10, default 0. */
  CornerRadius?: number;
}

/** Media-player metadata for `open-url` video/audio buttons (API 6). */
export interface ViberMediaPlayer {
  /** Player title. */
  Title?: string;
  /** Player subtitle. */
  Subtitle?: string;
  /** Thumbnail URL. */
  ThumbnailURL?: string;
  /** Loop playback, default false. */
  Loop?: boolean;
}

/** A keyboard or rich-media button (docs/protocol/keyboards.md, "Button object"). */
export interface ViberButton {
  /** Width in columns, 1–6 (default 6). */
  Columns?: number;
  /** Height in rows: 1–2 on keyboards, 1–7 in rich media (default 1). */
  Rows?: number;
  /** Background colour. */
  BgColor?: ViberColor;
  /** Hide the user's action from the conversation. */
  Silent?: boolean;
  /** Kind of `BgMedia`. */
  BgMediaType?: ViberBgMediaType;
  /** Background picture or gif URL. */
  BgMedia?: string;
  /** Background scaling (API 6). */
  BgMediaScaleType?: ViberScaleType;
  /** Image scaling (API 6). */
  ImageScaleType?: ViberScaleType;
  /** Loop an animated gif background (default true). */
  BgLoop?: boolean;
  /** Action on tap (default `reply`). */
  ActionType?: ViberActionType;
  /** Text sent back for `reply`, the URL for `open-url`. Required. */
  ActionBody: string;
  /** Image URL drawn over the background. */
  Image?: string;
  /** Button text (HTML subset), at most 250 characters. */
  Text?: string;
  /** Vertical alignment of the text. */
  TextVAlign?: ViberTextVAlign;
  /** Horizontal alignment of the text. */
  TextHAlign?: ViberTextHAlign;
  /** `[top, left, bottom, right]`, each 0–12 (API 4). */
  TextPaddings?: [number, number, number, number];
  /** Text opacity 0–100. */
  TextOpacity?: number;
  /** Text size. */
  TextSize?: ViberTextSize;
  /** Browser used by `open-url`. */
  OpenURLType?: ViberOpenURLType;
  /** Presentation used by `open-url`. */
  OpenURLMediaType?: ViberOpenURLMediaType;
  /** Gradient colour under the text (only with TextVAlign top/bottom). */
  TextBgGradientColor?: ViberColor;
  /** Shrink text to fit (API 6). */
  TextShouldFit?: boolean;
  /** In-app browser options (API 3). */
  InternalBrowser?: ViberInternalBrowser;
  /** A map (API 6). */
  Map?: ViberButtonMap;
  /** A frame (API 6). */
  Frame?: ViberButtonFrame;
  /** Media-player metadata (API 6). */
  MediaPlayer?: ViberMediaPlayer;
}

/** Content saved through the favourites bot (API 6). */
export interface ViberFavoritesMetadata {
  /** Kind of content. */
  type: 'gif' | 'link' | 'video';
  /** Content URL. */
  url: string;
  /** Title. */
  title?: string;
  /** Thumbnail URL. */
  thumbnail?: string;
  /** Domain shown. */
  domain?: string;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Fallback URL. */
  alternativeUrl?: string;
  /** Fallback text. */
  alternativeText?: string;
}

/** A custom keyboard (docs/protocol/keyboards.md, "Keyboard object"). */
export interface ViberKeyboard {
  /** Always `"keyboard"`. */
  Type: 'keyboard';
  /** Buttons in display order. */
  Buttons: ViberButton[];
  /** Background colour. */
  BgColor?: ViberColor;
  /** Always use the native keyboard height. */
  DefaultHeight?: boolean;
  /** 40–70, % of the free screen height (API 3). */
  CustomDefaultHeight?: number;
  /** 20–100 (API 3). */
  HeightScale?: number;
  /** 1–6 (API 4). */
  ButtonsGroupColumns?: number;
  /** 1–7 (API 4). */
  ButtonsGroupRows?: number;
  /** Text input visibility (API 4). */
  InputFieldState?: ViberInputFieldState;
  /** Favourites metadata (API 6). */
  FavoritesMetadata?: ViberFavoritesMetadata;
}

/** A rich-media carousel (docs/protocol/keyboards.md, "Rich media"). */
export interface ViberRichMedia {
  /** Always `"rich_media"`. */
  Type: 'rich_media';
  /** Card width in columns, 1–6 (default 6). */
  ButtonsGroupColumns?: number;
  /** Card height in rows, 1–7 (default 7). */
  ButtonsGroupRows?: number;
  /** Background colour. */
  BgColor?: ViberColor;
  /** The buttons, laid out into 1–6 cards. */
  Buttons: ViberButton[];
}

/** In-app browser navigation-bar action (`InternalBrowser.ActionButton`). */
export type ViberInternalBrowserActionButton = NonNullable<ViberInternalBrowser['ActionButton']>;
/** In-app browser title source (`InternalBrowser.TitleType`). */
export type ViberInternalBrowserTitleType = NonNullable<ViberInternalBrowser['TitleType']>;
/** In-app browser mode (`InternalBrowser.Mode`). */
export type ViberInternalBrowserMode = NonNullable<ViberInternalBrowser['Mode']>;
/** In-app browser footer visibility (`InternalBrowser.FooterType`). */
export type ViberInternalBrowserFooterType = NonNullable<ViberInternalBrowser['FooterType']>;
/** Kind of content saved through the favourites bot (`FavoritesMetadata.type`). */
export type ViberFavoritesMetadataType = ViberFavoritesMetadata['type'];

/** Named values of {@link ViberActionType}, e.g. `ViberActionTypes.OpenUrl` → `'open-url'`. */
export const ViberActionTypes = {
  /** Send `ActionBody` back to the bot as a text message (the default). */
  Reply: 'reply',
  /** Open the URL in `ActionBody` (and send it back as a reply). */
  OpenUrl: 'open-url',
  /** Let the user pick a location (not on desktop; needs a non-empty `ActionBody`). */
  LocationPicker: 'location-picker',
  /** Let the user share their phone number (not on desktop; needs a non-empty `ActionBody`). */
  SharePhone: 'share-phone',
  /** Do nothing. */
  None: 'none',
  /** Payment button (listed by the 2023 docs only). */
  Buy: 'buy',
} as const satisfies Record<string, ViberActionType>;

/** Named values of {@link ViberOpenURLType}. */
export const ViberOpenURLTypes = {
  /** Viber's in-app browser (the default). */
  Internal: 'internal',
  /** The device's browser. */
  External: 'external',
} as const satisfies Record<string, ViberOpenURLType>;

/** Named values of {@link ViberOpenURLMediaType}. */
export const ViberOpenURLMediaTypes = {
  /** Open in a browser (the default). */
  NotMedia: 'not-media',
  /** Open in the media player. */
  Video: 'video',
  /** Show a full-screen gif. */
  Gif: 'gif',
  /** Show a full-screen picture. */
  Picture: 'picture',
} as const satisfies Record<string, ViberOpenURLMediaType>;

/** Named values of {@link ViberBgMediaType}. */
export const ViberBgMediaTypes = {
  /** JPEG/PNG picture (the default). */
  Picture: 'picture',
  /** Animated gif. */
  Gif: 'gif',
} as const satisfies Record<string, ViberBgMediaType>;

/** Named values of {@link ViberScaleType} (API 6). */
export const ViberScaleTypes = {
  /** Fill keeping the aspect ratio (may clip). */
  Crop: 'crop',
  /** Stretch to fill. */
  Fill: 'fill',
  /** Fit one axis, keeping the aspect ratio. */
  Fit: 'fit',
} as const satisfies Record<string, ViberScaleType>;

/** Named values of {@link ViberTextVAlign}. */
export const ViberTextVAligns = {
  /** Top. */
  Top: 'top',
  /** Middle (the default). */
  Middle: 'middle',
  /** Bottom. */
  Bottom: 'bottom',
} as const satisfies Record<string, ViberTextVAlign>;

/** Named values of {@link ViberTextHAlign}. */
export const ViberTextHAligns = {
  /** Left. */
  Left: 'left',
  /** Center (the default). */
  Center: 'center',
  /** Right. */
  Right: 'right',
} as const satisfies Record<string, ViberTextHAlign>;

/** Named values of {@link ViberTextSize}. */
export const ViberTextSizes = {
  /** Small. */
  Small: 'small',
  /** Regular (the default). */
  Regular: 'regular',
  /** Large. */
  Large: 'large',
} as const satisfies Record<string, ViberTextSize>;

/** Named values of {@link ViberInputFieldState} (API 4). */
export const ViberInputFieldStates = {
  /** Normal text input (the default). */
  Regular: 'regular',
  /** Collapsed text input. */
  Minimized: 'minimized',
  /** No text input. */
  Hidden: 'hidden',
} as const satisfies Record<string, ViberInputFieldState>;

/** Named values of {@link ViberInternalBrowserActionButton}. */
export const ViberInternalBrowserActionButtons = {
  /** Forward the page (the default). */
  Forward: 'forward',
  /** Send the page. */
  Send: 'send',
  /** Open in the device's browser. */
  OpenExternally: 'open-externally',
  /** Re-send `ActionReplyData` to the bot (API 6). */
  SendToBot: 'send-to-bot',
  /** No action button. */
  None: 'none',
} as const satisfies Record<string, ViberInternalBrowserActionButton>;

/** Named values of {@link ViberInternalBrowserTitleType}. */
export const ViberInternalBrowserTitleTypes = {
  /** Show the domain. */
  Domain: 'domain',
  /** Show the page title (the default). */
  Default: 'default',
} as const satisfies Record<string, ViberInternalBrowserTitleType>;

/** Named values of {@link ViberInternalBrowserMode}. */
export const ViberInternalBrowserModes = {
  /** Full screen (the default). */
  Fullscreen: 'fullscreen',
  /** Full screen, portrait. */
  FullscreenPortrait: 'fullscreen-portrait',
  /** Full screen, landscape. */
  FullscreenLandscape: 'fullscreen-landscape',
  /** Half the screen height. */
  PartialSize: 'partial-size',
} as const satisfies Record<string, ViberInternalBrowserMode>;

/** Named values of {@link ViberInternalBrowserFooterType}. */
export const ViberInternalBrowserFooterTypes = {
  /** Footer shown (the default). */
  Default: 'default',
  /** Footer hidden. */
  Hidden: 'hidden',
} as const satisfies Record<string, ViberInternalBrowserFooterType>;

/** Named values of {@link ViberFavoritesMetadataType} (API 6). */
export const ViberFavoritesMetadataTypes = {
  /** A gif. */
  Gif: 'gif',
  /** A link. */
  Link: 'link',
  /** A video. */
  Video: 'video',
} as const satisfies Record<string, ViberFavoritesMetadataType>;
