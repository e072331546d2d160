export * from './viber-user.dto';
export * from './viber-incoming-message.dto';
export * from './viber-callback.dto';
