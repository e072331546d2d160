import { ConfigurableModuleBuilder } from '@nestjs/common';
import { VIBER_MODULE_OPTIONS } from './viber.constants';
import { VIBER_DEFAULT_BOT_NAME } from './viber.defaults';
import type { ViberModuleExtras, ViberModuleOptions } from './viber-module.options';
import { defineViberBotModule } from './viber.providers';

/**
 * The builder behind `ViberModule.forRoot` / `forRootAsync`: the options of one bot, and in
 * `setExtras` the providers, controller and exports of that bot (see `viber.providers.ts`).
 */
export const {
  ConfigurableModuleClass: ViberConfigurableModule,
  OPTIONS_TYPE: VIBER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: VIBER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ViberModuleOptions>({
  moduleName: 'Viber',
  optionsInjectionToken: VIBER_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createViberOptions')
  .setExtras<ViberModuleExtras>(
    { name: VIBER_DEFAULT_BOT_NAME, isGlobal: true },
    (definition, extras) => defineViberBotModule(definition, extras),
  )
  .build();

/** Options of `ViberModule.forRoot`: the bot options plus `name` and `isGlobal`. */
export type ViberForRootOptions = typeof VIBER_OPTIONS_TYPE;
/** Options of `ViberModule.forRootAsync`: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, `name`, `isGlobal`. */
export type ViberForRootAsyncOptions = typeof VIBER_ASYNC_OPTIONS_TYPE;
