export * from './viber-bot';
