/** Every default of the command line, in one place. */

/** Environment variable holding the bot's token. */
export const CLI_TOKEN_ENV = 'VIBER_TOKEN';
/** Environment variable holding the API base URL (e.g. the emulator's). */
export const CLI_API_URL_ENV = 'VIBER_API_URL';
/** Timeout of one API request, in ms. */
export const CLI_DEFAULT_TIMEOUT_MS = 10_000;
/** How long the doctor waits for the webhook's answer, in ms (Viber gives up after about 5 s). */
export const CLI_DOCTOR_TIMEOUT_MS = 5000;
/** An answer slower than this gets a warning from the doctor, in ms. */
export const CLI_DOCTOR_SLOW_MS = 2000;
/** A certificate expiring within this many days gets a warning from the doctor. */
export const CLI_DOCTOR_CERT_WARN_DAYS = 14;
/** Port of `nestjs-viber emulator` (the demo bot's emulator port too). */
export const CLI_EMULATOR_PORT = 3001;
/** Interface of `nestjs-viber emulator`. */
export const CLI_EMULATOR_HOST = '127.0.0.1';
