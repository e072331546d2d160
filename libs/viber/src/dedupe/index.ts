export * from './viber-dedupe.store';
export * from './in-memory-dedupe.store';
export * from './redis-dedupe.store';
