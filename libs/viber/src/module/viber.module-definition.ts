import { ConfigurableModuleBuilder } from '@nestjs/common';
import { VIBER_DEFAULT_BOT_NAME } from '../viber.constants';
import type { ViberModuleExtras, ViberModuleOptions } from './viber-module.options';

/** The builder behind `ViberModule.forRoot` / `forRootAsync`. */
export const {
  ConfigurableModuleClass: ViberConfigurableModule,
  MODULE_OPTIONS_TOKEN: VIBER_RAW_OPTIONS,
  OPTIONS_TYPE: VIBER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: VIBER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ViberModuleOptions>({ moduleName: 'Viber' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createViberOptions')
  .setExtras<ViberModuleExtras>(
    { name: VIBER_DEFAULT_BOT_NAME, isGlobal: true },
    (definition) => definition,
  )
  .build();

/** Options of `ViberModule.forRoot`: the bot options plus `name` and `isGlobal`. */
export type ViberForRootOptions = typeof VIBER_OPTIONS_TYPE;
/** Options of `ViberModule.forRootAsync`: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, `name`, `isGlobal`. */
export type ViberForRootAsyncOptions = typeof VIBER_ASYNC_OPTIONS_TYPE;
