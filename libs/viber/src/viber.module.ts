import { Module } from '@nestjs/common';
import { ViberConfigurableModule } from './viber.module-definition';

/**
 * The Viber bot module. `ViberModule.forRoot({ token, … })` or `forRootAsync({ inject,
 * useFactory })` adds one bot: its `ViberClient`, its subscriber registry, its webhook
 * controller at `webhook.path` and the routing of its handlers. Import it once per bot, each
 * with its own `name`.
 */
@Module({})
export class ViberModule extends ViberConfigurableModule {}
