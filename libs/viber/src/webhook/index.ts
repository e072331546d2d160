export * from './viber-signature';
export * from './viber-signature.guard';
export * from './raw-body';
export * from './viber-callback.parser';
export * from './viber-webhook.controller';
export * from './viber-webhook.service';
export * from './dto';
