import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ViberHealthIndicator } from 'nestjs-viber';

/**
 * The demo's health endpoints (Terminus): `GET /health` is readiness (the token works, the
 * registered webhook and events match, the stores answer; Viber is asked at most every 30 s),
 * `GET /health/live` liveness (no I/O).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly viber: ViberHealthIndicator,
  ) {}

  /** Readiness: 200 when every bot is ready, 503 with what is down otherwise. */
  @Get()
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.viber.checkReadiness('viber')]);
  }

  /** Liveness: no call to Viber, to a store or to the queue. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.viber.checkLiveness('viber')]);
  }
}
