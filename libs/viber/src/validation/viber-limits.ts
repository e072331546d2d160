/** Documented limits of the Viber REST Bot API (docs/protocol/limits.md). */
export const VIBER_LIMITS = {
  /** Whole request JSON, in bytes (30 KB). */
  requestBytes: 30 * 1024,
  /** `sender.name`, characters. */
  senderName: 28,
  /** `tracking_data`, characters. */
  trackingData: 4000,
  /** Text message, characters. */
  text: 7000,
  /** Picture caption, characters. */
  pictureText: 768,
  /** Video size, bytes (26 MB). */
  videoBytes: 26 * 1024 * 1024,
  /** Video duration, seconds. */
  videoDuration: 180,
  /** File size, bytes (50 MB). */
  fileBytes: 50 * 1024 * 1024,
  /** `file_name`, characters. */
  fileName: 256,
  /** Contact name, characters. */
  contactName: 28,
  /** Contact phone number, characters. */
  contactPhone: 18,
  /** URL message, characters. */
  url: 2000,
  /** Receivers per `broadcast_message` request. */
  broadcastReceivers: 300,
  /** Ids per `get_online` request. */
  onlineIds: 100,
} as const;

/**
 * File extensions Viber refuses to send (docs/protocol/messages.md, "Forbidden file extensions"),
 * lower case without the dot.
 */
export const VIBER_FORBIDDEN_FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  // Windows
  'bat',
  'bin',
  'cmd',
  'com',
  'cpl',
  'exe',
  'gadget',
  'inf1',
  'ins',
  'inx',
  'isu',
  'job',
  'jse',
  'lnk',
  'msc',
  'msi',
  'msp',
  'mst',
  'paf',
  'pif',
  'ps1',
  'reg',
  'rgs',
  'sct',
  'shb',
  'shs',
  'u3p',
  'vb',
  'vbe',
  'vbs',
  'vbscript',
  'ws',
  'wsf',
  // macOS
  'action',
  'app',
  'command',
  'csh',
  'osx',
  'workflow',
  // Linux
  'ksh',
  'out',
  'run',
  // Android, iOS, and one more listed by a third-party client
  'apk',
  'ipa',
  'prg',
]);
