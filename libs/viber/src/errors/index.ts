export * from './viber.error';
export * from './viber-api.error';
export * from './viber-transport.error';
export * from './viber-validation.error';
