export * from './viber-testing.harness';
