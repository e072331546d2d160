export * from './decorators';
export * from './viber-listener.metadata';
export * from './viber-route-table';
export * from './viber.explorer';
export * from './guard-denial';
