export * from './viber-status.enum';
export * from './keyboard.types';
export * from './message.types';
export * from './api.types';
export * from './callback.types';
