import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ViberExplorer } from '../routing/viber.explorer';
import { ViberBotRegistry } from './viber-bot.registry';

/**
 * What all bots share, created once however many `ViberModule.forRoot` an app has: the bot
 * registry and the one explorer that routes every bot's handlers in a single scan.
 * @internal
 */
@Module({
  imports: [DiscoveryModule],
  providers: [ViberBotRegistry, ViberExplorer],
  exports: [ViberBotRegistry],
})
export class ViberCoreModule {}
