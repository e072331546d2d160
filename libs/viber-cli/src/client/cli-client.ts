import * as http from 'node:http';
import * as https from 'node:https';
import type { LoggerService } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { ViberClient, type ViberClientOptions } from 'nestjs-viber';
import type { CliOutput } from '../output/cli-output';

/** Settings of the command line's client. */
export interface CliClientSettings {
  token: string;
  apiUrl: string;
  timeout: number;
  /** Print the client's debug lines (retries, requests) on stderr. */
  verbose: boolean;
  /** `broadcast_message` requests in flight at once. */
  broadcastConcurrency?: number;
}

/** The client's log lines go to stderr: warnings always, debug lines with `--verbose`. */
function cliLogger(out: CliOutput, verbose: boolean): LoggerService {
  return {
    log: (message: unknown) => {
      if (verbose) out.note(String(message));
    },
    error: (message: unknown) => out.note(String(message)),
    warn: (message: unknown) => out.warn(String(message)),
    debug: (message: unknown) => {
      if (verbose) out.note(out.paintErr('dim', String(message)));
    },
    verbose: (message: unknown) => {
      if (verbose) out.note(out.paintErr('dim', String(message)));
    },
  };
}

/** A `ViberClient` on its own keep-alive agents (released by `client.close()`). */
export function createCliClient(settings: CliClientSettings, out: CliOutput): ViberClient {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const instance = axios.create({ httpAgent, httpsAgent });
  return new ViberClient(new HttpService(instance), {
    ...clientOptions(settings, out),
    ownedAgents: [httpAgent, httpsAgent],
  });
}

/** One request the dry-run client would have sent. */
export interface DryRunRequest {
  method: 'POST';
  url: string;
  endpoint: string;
  /** The exact JSON body. */
  json: string;
}

/** A fake success for each endpoint the dry run may call. */
function dryRunAnswer(endpoint: string): string {
  if (endpoint === 'broadcast_message' || endpoint === 'send_message') {
    return '{"status":0,"status_message":"ok","message_token":"0","failed_list":[]}';
  }
  return '{"status":0,"status_message":"ok"}';
}

/**
 * A `ViberClient` that sends nothing: every request it would make is recorded (with its exact
 * body) and answered with a success. Messages are validated exactly as for real.
 */
export function createDryRunClient(
  settings: Omit<CliClientSettings, 'token'> & { token?: string },
  out: CliOutput,
): { client: ViberClient; requests: DryRunRequest[] } {
  const requests: DryRunRequest[] = [];
  const recorder = {
    request: (config: AxiosRequestConfig) => {
      const url = String(config.url);
      const endpoint = url.slice(url.lastIndexOf('/') + 1);
      requests.push({ method: 'POST', url, endpoint, json: String(config.data) });
      return Promise.resolve({ status: 200, data: dryRunAnswer(endpoint), headers: {} });
    },
  } as unknown as AxiosInstance;
  const client = new ViberClient(new HttpService(recorder), {
    ...clientOptions({ ...settings, token: settings.token ?? 'dry-run' }, out),
    rateLimits: { broadcast_message: false },
    retry: false,
  });
  return { client, requests };
}

function clientOptions(settings: CliClientSettings, out: CliOutput): ViberClientOptions {
  return {
    token: settings.token,
    apiUrl: settings.apiUrl,
    timeout: settings.timeout,
    logger: cliLogger(out, settings.verbose),
    broadcastConcurrency: settings.broadcastConcurrency,
  };
}
