import { type ViberStatus, type ViberValidationIssue } from 'nestjs-viber';
import { viberStatusName } from 'nestjs-viber/internal';
import type { ApiRefusal } from '../api-request.validator';

/** An answer to an API request: the JSON body (bigints become raw numbers) and follow-up work. */
export interface ApiAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
  /** Runs once the answer was sent (e.g. the accepted message reaches the user). */
  after?: () => void;
  /** What the emulator flags in the request (unknown fields, documented-example oddities). */
  warnings?: ViberValidationIssue[];
}

/**
 * Builds the API's answers the way Viber writes them: HTTP 200 with `status`, `status_message`
 * (the status name, then `: <details>` on refusals), the endpoint's fields and `chat_hostname`.
 */
export class ApiAnswerBuilder {
  constructor(private readonly chatHostname: string) {}

  /** An answer with this status and fields (`message` replaces the status name). */
  reply(status: ViberStatus, fields: Record<string, unknown>, message?: string): ApiAnswer {
    return {
      httpStatus: 200,
      body: {
        status,
        status_message: message ?? viberStatusName(status),
        ...fields,
        chat_hostname: this.chatHostname,
      },
    };
  }

  /** The answer to a refused request. */
  fail(refusal: ApiRefusal): ApiAnswer {
    const name = viberStatusName(refusal.status);
    return this.reply(refusal.status, {}, refusal.detail ? `${name}: ${refusal.detail}` : name);
  }
}
