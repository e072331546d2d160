export * from './viber-subscriber.types';
export * from './viber-subscriber.store';
export * from './in-memory-subscriber.store';
export * from './viber-subscribers.service';
export * from './redis-subscriber.store';
