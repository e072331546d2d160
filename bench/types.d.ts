/**
 * Minimal declarations of the benchmark-only dependencies (installed in bench/node_modules by
 * `npm run bench`): only what the harness uses. Declared here so the root `tsc` type-checks bench/
 * without those packages installed.
 */

declare module 'viber-bot' {
  import type { EventEmitter } from 'node:events';

  export interface ViberBotConfiguration {
    authToken: string;
    name: string;
    avatar: string;
    logger?: unknown;
  }

  export class Bot extends EventEmitter {
    constructor(configuration: ViberBotConfiguration);
    /** An express app: `app.use('/viber/webhook', bot.middleware())`. */
    middleware(): (...args: unknown[]) => void;
    sendMessage(userProfile: { id: string }, messages: unknown): Promise<unknown[]>;
    /** Its REST client; `_url` is the API base URL (the module constant `API_URL`). */
    _client: { _url: string };
  }

  export const Events: {
    MESSAGE_RECEIVED: 'message';
    MESSAGE_SENT: 'message_sent';
    SUBSCRIBED: 'subscribed';
    UNSUBSCRIBED: 'unsubscribed';
    CONVERSATION_STARTED: 'conversation_started';
    ERROR: 'error';
    FAILED: 'failed';
  };

  export const Message: {
    Text: new (text: string) => object;
  };
}

declare module 'messaging-api-viber' {
  export interface ViberClientConfig {
    accessToken: string;
    sender: { name: string; avatar?: string };
    /** Replaces `https://chatapi.viber.com`; requests go to `${origin}/pa/…`. */
    origin?: string;
  }

  export class ViberClient {
    constructor(config: ViberClientConfig);
    sendText(receiver: string, text: string): Promise<{ messageToken?: number | string }>;
    broadcastText(
      broadcastList: string[],
      text: string,
    ): Promise<{ messageToken?: number | string; failedList?: unknown[] }>;
  }
}

declare module 'autocannon' {
  export interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: AutocannonRequest, context: object) => AutocannonRequest;
  }

  export interface AutocannonOptions extends AutocannonRequest {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
  }

  export interface AutocannonHistogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }

  export interface AutocannonResult {
    requests: AutocannonHistogram & { sent: number };
    latency: AutocannonHistogram;
    throughput: AutocannonHistogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    '2xx': number;
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult> & {
    stop(): void;
  };
  export default autocannon;
}
