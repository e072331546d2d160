export * from './viber-module.options';
export * from './resolve-viber-options';
export * from './viber.module-definition';
export * from './viber.module';
export * from './inject-viber.decorator';
