import { Inject } from '@nestjs/common';
import { getViberClientToken } from './viber.constants';

/** Injects the {@link ViberClient} of a bot: `@InjectViber('sales') client: ViberClient`. */
export function InjectViber(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getViberClientToken(name));
}
