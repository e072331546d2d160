import {
  BadRequestException,
  Catch,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { textMessage, type ViberContext, type ViberOutgoingMessage } from 'nestjs-viber';
import { orderQuestion, type OrderDraft } from './shop.keyboards';

/**
 * A Nest exception filter on the order wizard: an answer its pipe rejects (a `ValidationPipe`
 * throws `BadRequestException`) is answered with the reason and the same question again, and the
 * user stays on the step.
 */
@Catch(BadRequestException)
export class InvalidAnswerFilter implements ExceptionFilter {
  /** The returned messages are the reply, as a handler's would be. */
  catch(_exception: BadRequestException, host: ArgumentsHost): ViberOutgoingMessage[] {
    const ctx = host.getArgByIndex<ViberContext>(0);
    const step = ctx.wizard.step ?? 1;
    return [
      textMessage('That does not look like a phone number.'),
      orderQuestion(step, ctx.wizard.state as OrderDraft),
    ];
  }
}
