export * from './viber-client.options';
export * from './viber-client';
export * from './viber-retry.policy';
export * from './viber-rate-limiter';
