export * from './viber-client.options';
export * from './viber-client';
