/**
 * Viber API status codes (docs/protocol/status-codes.md). `0` is success; anything not listed
 * here (such as `999`, "Bad receiver ID") is reported as {@link ViberStatusName} `'unknown'`.
 */
export enum ViberStatus {
  ok = 0,
  invalidUrl = 1,
  invalidAuthToken = 2,
  badData = 3,
  missingData = 4,
  receiverNotRegistered = 5,
  receiverNotSubscribed = 6,
  publicAccountBlocked = 7,
  publicAccountNotFound = 8,
  publicAccountSuspended = 9,
  webhookNotSet = 10,
  receiverNoSuitableDevice = 11,
  tooManyRequests = 12,
  apiVersionNotSupported = 13,
  incompatibleWithVersion = 14,
  publicAccountNotAuthorized = 15,
  inchatReplyMessageNotAllowed = 16,
  publicAccountIsNotInline = 17,
  noPublicChat = 18,
  cannotSendBroadcast = 19,
  broadcastNotAllowed = 20,
  unsupportedCountry = 21,
  paymentUnsupported = 22,
  freeMessagesExceeded = 23,
  noBalance = 24,
}

/** The name of a known status (`'tooManyRequests'`, …) or `'unknown'` for any other code. */
export type ViberStatusName = keyof typeof ViberStatus | 'unknown';

/** Human-readable meaning of each known status, from the Viber error table. */
export const VIBER_STATUS_DESCRIPTIONS: Readonly<Record<ViberStatus, string>> = {
  [ViberStatus.ok]: 'Success',
  [ViberStatus.invalidUrl]:
    'The webhook URL is not valid, or the webhook check callback was not answered 200',
  [ViberStatus.invalidAuthToken]: 'The authentication token is not valid',
  [ViberStatus.badData]:
    'There is an error in the request itself (malformed JSON or invalid values)',
  [ViberStatus.missingData]: 'Some mandatory data is missing',
  [ViberStatus.receiverNotRegistered]: 'The receiver is not registered to Viber',
  [ViberStatus.receiverNotSubscribed]: 'The receiver is not subscribed to the account',
  [ViberStatus.publicAccountBlocked]: 'The account is blocked',
  [ViberStatus.publicAccountNotFound]: 'The account associated with the token is not found',
  [ViberStatus.publicAccountSuspended]: 'The account is suspended',
  [ViberStatus.webhookNotSet]: 'No webhook was set for the account',
  [ViberStatus.receiverNoSuitableDevice]:
    "The receiver's device or Viber version does not support bots",
  [ViberStatus.tooManyRequests]: 'Rate control breach: too many requests',
  [ViberStatus.apiVersionNotSupported]:
    "The maximum API version of the user's devices is below the message's min_api_version",
  [ViberStatus.incompatibleWithVersion]:
    'min_api_version is not compatible with the message fields (a feature needs a higher level)',
  [ViberStatus.publicAccountNotAuthorized]: 'The account is not authorized',
  [ViberStatus.inchatReplyMessageNotAllowed]: 'Inline (chat extension) message not allowed',
  [ViberStatus.publicAccountIsNotInline]: 'The account is not inline',
  [ViberStatus.noPublicChat]: 'Failed to post: the bot has no public chat',
  [ViberStatus.cannotSendBroadcast]: 'Cannot send broadcast message',
  [ViberStatus.broadcastNotAllowed]: 'The bot is not authorized to send broadcast messages',
  [ViberStatus.unsupportedCountry]: 'The message is not supported in the destination country',
  [ViberStatus.paymentUnsupported]: 'The bot does not support payment messages',
  [ViberStatus.freeMessagesExceeded]:
    'A non-billable bot reached the monthly threshold of free out-of-session messages',
  [ViberStatus.noBalance]: 'A billable bot is over the free threshold and has no balance',
};
