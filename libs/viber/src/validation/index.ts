export * from './viber-limits';
export * from './validation-context';
export * from './message.validator';
export * from './keyboard.validator';
export * from './min-api-version';
