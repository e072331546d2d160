import type { ViberClient } from 'nestjs-viber';
import { VIBER_DEFAULT_API_URL } from 'nestjs-viber/internal';
import { usageError, type ErrorContext } from './cli.errors';
import { CLI_DEFAULT_TIMEOUT_MS, CLI_TOKEN_ENV } from './cli.defaults';
import { createCliClient, createDryRunClient, type DryRunRequest } from './client/cli-client';
import { CliOutput } from './output/cli-output';
import type { CliStream } from './output/terminal';

/** What the command line reads and writes: the process's streams and signals, or a test's. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Reads all of standard input (for `--to -`). */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): () => void;
  /** The working directory (files the commands write go there by default). */
  cwd: string;
}

/** The options every command accepts (see `nestjs-viber --help`). */
export interface GlobalOptions {
  token?: string;
  apiUrl?: string;
  json?: boolean;
  timeout?: number;
  verbose?: boolean;
}

/** One run of a command: its global options resolved, its output, and its clients. */
export class CliContext {
  readonly out: CliOutput;
  readonly apiUrl: string;
  readonly timeout: number;
  /** `--timeout` as given (undefined when left out). */
  readonly requestedTimeout?: number;
  readonly verbose: boolean;
  private readonly token?: string;

  constructor(
    options: GlobalOptions,
    readonly io: CliIo,
  ) {
    this.out = new CliOutput(io.stdout, io.stderr, options.json === true, io.env);
    this.apiUrl = (options.apiUrl ?? VIBER_DEFAULT_API_URL).replace(/\/+$/, '');
    this.timeout = options.timeout ?? CLI_DEFAULT_TIMEOUT_MS;
    this.requestedTimeout = options.timeout;
    this.verbose = options.verbose === true;
    this.token = options.token === '' ? undefined : options.token;
  }

  /** Whether requests go to Viber itself (not to the emulator or a proxy). */
  get isViberApi(): boolean {
    return this.apiUrl === VIBER_DEFAULT_API_URL;
  }

  /** Whether a token was given (`--token` or `VIBER_TOKEN`). */
  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** The token, or a usage error saying how to give it. Never print what this returns. */
  requireToken(purpose = 'call the Viber API'): string {
    if (this.token === undefined) {
      throw usageError(
        `A bot token is needed to ${purpose}.`,
        `Set ${CLI_TOKEN_ENV} (e.g. \`export ${CLI_TOKEN_ENV}=…\`) or pass --token; with the emulator, use the token it printed.`,
      );
    }
    return this.token;
  }

  /** A client of the API at `apiUrl` (close it when done). */
  client(options: { broadcastConcurrency?: number } = {}): ViberClient {
    return createCliClient(
      {
        token: this.requireToken(),
        apiUrl: this.apiUrl,
        timeout: this.timeout,
        verbose: this.verbose,
        broadcastConcurrency: options.broadcastConcurrency,
      },
      this.out,
    );
  }

  /** A client that records the requests it would make and sends nothing. */
  dryRunClient(options: { broadcastConcurrency?: number } = {}): {
    client: ViberClient;
    requests: DryRunRequest[];
  } {
    return createDryRunClient(
      {
        token: this.token,
        apiUrl: this.apiUrl,
        timeout: this.timeout,
        verbose: this.verbose,
        broadcastConcurrency: options.broadcastConcurrency,
      },
      this.out,
    );
  }

  /** What error hints need to know. */
  get errorContext(): ErrorContext {
    return { apiUrl: this.apiUrl, isViberApi: this.isViberApi };
  }
}
