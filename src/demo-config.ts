/** How the demo bot runs: against the local emulator (default) or the real Viber API. */
export interface DemoConfig {
  /** `offline`: an embedded emulator plays Viber; `viber`: the real API with a public URL. */
  mode: 'offline' | 'viber';
  /** Port of the bot's HTTP server. */
  port: number;
  /** Port of the embedded emulator (offline mode). */
  emulatorPort: number;
  /** Real bot token (viber mode). */
  token?: string;
  /** Public HTTPS URL of the webhook (viber mode). */
  webhookUrl?: string;
  /** User ids the NotBlockedGuard refuses. */
  blockedUsers: string[];
  /** Redis URL: conversations (the order wizard) are kept there and survive restarts. */
  redisUrl?: string;
}

function port(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) &&
    parsed >= 0 &&
    parsed < 65536 &&
    value !== undefined &&
    value !== ''
    ? parsed
    : fallback;
}

/**
 * Reads the demo's settings from the environment. With `VIBER_TOKEN` and `VIBER_WEBHOOK_URL`
 * set, the demo talks to the real Viber; otherwise it runs offline against the emulator.
 */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const token = env.VIBER_TOKEN?.trim() || undefined;
  const webhookUrl = env.VIBER_WEBHOOK_URL?.trim() || undefined;
  return {
    mode: token && webhookUrl ? 'viber' : 'offline',
    port: port(env.PORT, 3000),
    emulatorPort: port(env.EMULATOR_PORT, 3001),
    token,
    webhookUrl,
    blockedUsers: (env.BLOCKED_USERS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
    redisUrl: env.REDIS_URL?.trim() || undefined,
  };
}
