/** The users of the registry benchmark (bench/registry-scale.ts): deterministic, realistic shares. */
import type { ViberSubscriberObservation } from 'nestjs-viber';

/** Country shares: a few large markets and a long tail, like a real audience. */
const COUNTRIES = [
  ...Array<string>(30).fill('UA'),
  ...Array<string>(10).fill('PL'),
  ...Array<string>(8).fill('GB'),
  ...Array<string>(5).fill('DE'),
  ...['US', 'FR', 'IT', 'ES', 'NL', 'BE', 'RO', 'BG', 'GR', 'CZ', 'HU', 'AT', 'CH', 'SE', 'NO'],
  ...['FI', 'DK', 'IE', 'PT', 'LT', 'LV', 'EE', 'SK', 'SI', 'HR', 'RS', 'MD', 'GE', 'AM', 'KZ'],
  ...['IL', 'TR', 'IN', 'PH', 'VN', 'TH', 'MY', 'ID', 'BR', 'MX', 'AR', 'CL', 'CA', 'AU', 'NZ'],
  ...['JP', 'KR', 'CN', 'EG'],
];
const LANGUAGES = ['uk', 'uk', 'uk', 'ru', 'pl', 'en', 'en-GB', 'de', 'fr', 'es', 'it', 'nl'];
const OSES = ['android 13', 'android 14', 'android 12', 'iOS 17.4', 'iOS 16.7', 'android 11'];

/** The id of user `i`: 24 characters, like Viber's (base64 of 16 bytes, `=`-padded). */
export function benchUserId(i: number): string {
  return `${i.toString(36).padStart(10, '0')}AbCdEfGhIjKl==`;
}

/**
 * User `i` as a text message records them: every profile field, distinct name and avatar (about
 * 75 bytes of profile values), 90% subscribed.
 */
export function benchUser(i: number): ViberSubscriberObservation {
  return {
    id: benchUserId(i),
    at: 1_700_000_000_000 + i * 7,
    subscribed: i % 10 !== 9,
    message: true,
    profile: {
      name: `User ${i}`,
      avatar: `https://example.com/avatars/${i}.jpg`,
      country: COUNTRIES[(i * 7919) % COUNTRIES.length]!,
      language: LANGUAGES[(i * 104_729) % LANGUAGES.length]!,
      api_version: 3 + ((i * 31) % 8),
      primary_device_os: OSES[(i * 13) % OSES.length]!,
    },
  };
}
