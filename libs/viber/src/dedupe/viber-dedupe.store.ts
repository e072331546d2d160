/**
 * Remembers which callbacks were already taken, so a re-sent callback (same event and
 * `message_token`) is handled once. Implement it over a shared store (Redis, a database) to
 * deduplicate across replicas.
 */
export interface ViberDedupeStore {
  /**
   * Claims `key` for `ttlMs` milliseconds. Resolves `true` for the first claim, `false` while an
   * earlier claim holds (in progress or done). Must be atomic across everyone sharing the store.
   */
  claim(key: string, ttlMs: number): Promise<boolean> | boolean;
  /** Drops a claim, so a re-delivery is handled again (used when handling failed). */
  release(key: string): Promise<void> | void;
  /**
   * Optional: resolves when the store answers, rejects when it does not (readiness checks of
   * `ViberHealthIndicator` call it; without it the store is reported as not checked).
   */
  ping?(): Promise<unknown> | unknown;
}
