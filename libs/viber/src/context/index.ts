export * from './viber-context';
export * from './is-viber-context';
