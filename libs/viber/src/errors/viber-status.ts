import { ViberStatus, type ViberStatusName } from '../types/viber-status.enum';

/** Returns the enum name of a status code, or `'unknown'` for codes outside 0–24. */
export function viberStatusName(status: number): ViberStatusName {
  const name = (ViberStatus as unknown as Record<number, string | undefined>)[status];
  return Number.isInteger(status) && typeof name === 'string'
    ? (name as ViberStatusName)
    : 'unknown';
}

/** True for the statuses worth retrying later with the same request (only rate limiting). */
export function isRetryableViberStatus(status: number): boolean {
  return status === ViberStatus.tooManyRequests;
}
