/** Internal token of a bot module's own runtime (not exported: each bot module has its own). */
export const VIBER_BOT_INSTANCE = 'nestjs-viber:bot-instance';
/** Internal token of a bot module's own webhook service. */
export const VIBER_WEBHOOK_SERVICE_INSTANCE = 'nestjs-viber:webhook-service-instance';
