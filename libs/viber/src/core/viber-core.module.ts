import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ViberHealthIndicator } from '../health/viber-health.indicator';
import { ViberExplorer } from '../routing/viber.explorer';
import { ViberBotRegistry } from './viber-bot.registry';

/**
 * What all bots share, created once however many `ViberModule.forRoot` an app has: the bot
 * registry, the one explorer that routes every bot's handlers in a single scan, and the health
 * indicator of every bot (which loads nothing until a check runs).
 * @internal
 */
@Module({
  imports: [DiscoveryModule],
  providers: [ViberBotRegistry, ViberExplorer, ViberHealthIndicator],
  exports: [ViberBotRegistry, ViberHealthIndicator],
})
export class ViberCoreModule {}
