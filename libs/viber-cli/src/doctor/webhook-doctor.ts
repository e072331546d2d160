import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { computeViberSignature, VIBER_SIGNATURE_HEADER } from 'nestjs-viber';
import { usageError } from '../cli.errors';
import { CLI_DOCTOR_CERT_WARN_DAYS, CLI_DOCTOR_SLOW_MS } from '../cli.defaults';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { postProbe, type HttpProbeResult } from './http-probe';
import { isLocalHost, isPrivateAddress, unbracket } from './local-address';
import { probeTls, type TlsProbeResult } from './tls-probe';

/** The result of one check. */
export type DoctorOutcome = 'pass' | 'warn' | 'fail' | 'skip';

/** One check of the doctor, with what it saw and what to fix. */
export interface DoctorCheck {
  id: 'url' | 'dns' | 'certificate' | 'signed-event' | 'wrong-signature';
  title: string;
  outcome: DoctorOutcome;
  /** One line: what was seen. */
  summary: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
  /** A failure of the network (nothing reachable), as opposed to the webhook misbehaving. */
  network?: boolean;
  /** Raw facts (status, time, body, certificate, addresses). */
  details?: Record<string, unknown>;
}

/** What the doctor concluded. */
export type DoctorVerdict = 'ok' | 'ok-local' | 'problems' | 'unreachable';

/** The doctor's full report. */
export interface DoctorReport {
  url: string;
  /** The URL can only be reached from this machine or its network. */
  local: boolean;
  verdict: DoctorVerdict;
  /** One sentence for a newcomer. */
  headline: string;
  checks: DoctorCheck[];
  /** 0 ok, 1 a problem with the webhook, 3 nothing reachable. */
  exitCode: ExitCode;
}

/** Options of {@link runWebhookDoctor}. */
export interface DoctorOptions {
  /** How long to wait for each answer, in ms. */
  timeoutMs: number;
}

/** A random 19-digit `message_token`, as Viber's (a 64-bit integer written as a JSON number). */
function randomMessageToken(): string {
  const value =
    1_000_000_000_000_000_000n + (randomBytes(8).readBigUInt64BE() % 8_000_000_000_000_000_000n);
  return value.toString();
}

/** The `webhook` event Viber posts during `set_webhook`, as exact JSON text. */
export function webhookEventBody(now = Date.now()): string {
  return `{"event":"webhook","timestamp":${now},"chat_hostname":"SN-CHAT-DOCTOR_","message_token":${randomMessageToken()}}`;
}

/** The headers and URL of a callback signed with `signature`, the way Viber sends them. */
function signedRequest(url: URL, signature: string): { url: URL; headers: Record<string, string> } {
  const signed = new URL(url);
  signed.searchParams.set('sig', signature);
  return {
    url: signed,
    headers: { 'content-type': 'application/json', [VIBER_SIGNATURE_HEADER]: signature },
  };
}

function ms(value: number): string {
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

function bodyText(probe: HttpProbeResult): string {
  const text = probe.body.trim();
  if (text === '') return 'empty body';
  return `body ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)}`;
}

function answerDetails(probe: HttpProbeResult): Record<string, unknown> {
  return {
    httpStatus: probe.httpStatus,
    durationMs: probe.durationMs,
    body: probe.body,
    contentType: probe.contentType,
    location: probe.location,
    timedOut: probe.timedOut || undefined,
    error: probe.error,
  };
}

/** Connection failures that mean nothing is reachable (as opposed to a webhook that misbehaves). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);

/** Plain words for the certificate problems Node reports. */
function certificateProblem(
  code: string,
  tlsResult: TlsProbeResult,
  host: string,
): { summary: string; fix: string } {
  const cert = tlsResult.certificate;
  const trustFix =
    "Viber only accepts certificates from a trusted authority (Java's list): get a free one from " +
    "Let's Encrypt (certbot, or a proxy such as Caddy that does it for you), or put the bot behind a " +
    'service that has one (a tunnel such as ngrok or cloudflared in development).';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return {
        summary: `certificate not trusted: it is self-signed (${code})`,
        fix: `Viber refuses self-signed certificates. ${trustFix}`,
      };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        summary: `certificate not trusted: the chain to a trusted authority is incomplete (${code})`,
        fix:
          'The server sends its certificate without the intermediate certificate(s): configure it ' +
          'with the full chain (with certbot: fullchain.pem, not cert.pem). If the certificate comes ' +
          `from a private authority, ${trustFix}`,
      };
    case 'CERT_HAS_EXPIRED':
      return {
        summary: `certificate expired on ${cert?.validTo ?? '?'} (${code})`,
        fix: 'Renew the certificate (with certbot: `certbot renew`) and reload the server.',
      };
    case 'CERT_NOT_YET_VALID':
      return {
        summary: `certificate not valid before ${cert?.validFrom ?? '?'} (${code})`,
        fix: "Check the server's clock and the certificate's dates.",
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        summary: `certificate is for ${cert?.altNames ?? cert?.subject ?? 'another name'}, not ${host}`,
        fix: `Get a certificate that covers ${host}, or use the host name the certificate was issued for.`,
      };
    default:
      return { summary: `certificate not trusted (${code})`, fix: trustFix };
  }
}

/**
 * Checks a webhook the way Viber uses it during `set_webhook`: the URL (HTTPS, public), its host
 * name, its certificate chain, then a correctly signed `webhook` event (which must be answered
 * 200) and an event with a wrong signature (which must be refused). Works against any webhook,
 * whatever it is written with.
 */
export async function runWebhookDoctor(
  rawUrl: string,
  token: string,
  options: DoctorOptions,
): Promise<DoctorReport> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw usageError(
      `Not a URL: ${rawUrl}`,
      'Give the full webhook URL, e.g. https://bot.example.com/viber/webhook',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usageError(`Not a web URL: ${rawUrl}`, 'The webhook URL starts with https://');
  }
  const host = unbracket(url.hostname);
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const local = isLocalHost(host);
  const checks: DoctorCheck[] = [];

  // 1. The URL itself.
  if (https) {
    checks.push({
      id: 'url',
      title: 'URL',
      outcome: 'pass',
      summary: `HTTPS, ${host} port ${port}`,
    });
  } else if (local) {
    checks.push({
      id: 'url',
      title: 'URL',
      outcome: 'warn',
      summary: `plain HTTP on a local address (${host}:${port}): fine with the emulator`,
      fix:
        'Viber itself only calls public HTTPS URLs: for the real Viber, expose the bot over HTTPS ' +
        '(a tunnel such as ngrok or cloudflared in development, a proxy with a certificate in production).',
    });
  } else {
    checks.push({
      id: 'url',
      title: 'URL',
      outcome: 'fail',
      summary: 'plain HTTP: Viber only calls HTTPS URLs',
      fix:
        "Serve the webhook over HTTPS with a certificate from a trusted authority (Let's Encrypt is " +
        'free), e.g. behind nginx or Caddy, and use the https:// URL.',
    });
  }

  // 2. The host name.
  let unreachable = false;
  if (isIP(host) !== 0) {
    checks.push({
      id: 'dns',
      title: 'Host',
      outcome: 'pass',
      summary: `${host} is an IP address${isPrivateAddress(host) && !local ? ' (private)' : ''}`,
    });
  } else {
    try {
      const addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
      const allPrivate = addresses.every((address) => isPrivateAddress(address));
      if (allPrivate && !local) {
        checks.push({
          id: 'dns',
          title: 'Host',
          outcome: 'warn',
          summary: `${host} resolves only to private addresses (${addresses.join(', ')})`,
          fix: "Viber's servers cannot reach private addresses: the name must resolve to a public address.",
          details: { addresses },
        });
      } else {
        checks.push({
          id: 'dns',
          title: 'Host',
          outcome: 'pass',
          summary: `${host} resolves to ${addresses.join(', ')}`,
          details: { addresses },
        });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      unreachable = true;
      checks.push({
        id: 'dns',
        title: 'Host',
        outcome: 'fail',
        network: true,
        summary: `${host} does not resolve (${code ?? 'DNS error'})`,
        fix:
          'Check the host name for typos. A new DNS record can take from minutes to hours to be ' +
          'visible everywhere.',
        details: { code },
      });
    }
  }

  // 3. The certificate.
  if (!https) {
    checks.push({
      id: 'certificate',
      title: 'Certificate',
      outcome: 'skip',
      summary: 'plain HTTP: no certificate',
    });
  } else if (unreachable) {
    checks.push({
      id: 'certificate',
      title: 'Certificate',
      outcome: 'skip',
      summary: 'not checked: the host does not resolve',
    });
  } else {
    const result = await probeTls(host, port, options.timeoutMs);
    checks.push(certificateCheck(result, host, port));
    if (!result.connected && !isTlsProtocolError(result)) unreachable = true;
  }

  // 4. A correctly signed `webhook` event, as Viber posts it during set_webhook.
  let signedProbe: HttpProbeResult | undefined;
  if (unreachable) {
    checks.push({
      id: 'signed-event',
      title: 'Signed event',
      outcome: 'skip',
      summary: 'not sent: nothing to connect to',
    });
  } else {
    const body = webhookEventBody();
    const request = signedRequest(url, computeViberSignature(body, token));
    signedProbe = await postProbe(request.url, body, request.headers, options.timeoutMs);
    const check = signedEventCheck(signedProbe, host, port, options.timeoutMs);
    check.details = {
      request: { url: redactedSig(request.url), body },
      answer: answerDetails(signedProbe),
    };
    checks.push(check);
    if (check.network) unreachable = true;
  }

  // 5. The same kind of event with a wrong signature: must be refused.
  if (unreachable || signedProbe === undefined || signedProbe.timedOut) {
    checks.push({
      id: 'wrong-signature',
      title: 'Wrong signature',
      outcome: 'skip',
      summary: unreachable
        ? 'not sent: nothing to connect to'
        : 'not sent: the signed event got no answer',
    });
  } else {
    const body = webhookEventBody();
    const forged = createHmac('sha256', `${token}-not-the-token`).update(body).digest('hex');
    const request = signedRequest(url, forged);
    const probe = await postProbe(request.url, body, request.headers, options.timeoutMs);
    const check = wrongSignatureCheck(probe);
    check.details = { answer: answerDetails(probe) };
    checks.push(check);
  }

  return conclude(url.toString(), local, checks);
}

function redactedSig(url: URL): string {
  const copy = new URL(url);
  copy.searchParams.set('sig', '<signature>');
  return copy.toString().replace('%3Csignature%3E', '<signature>');
}

function isTlsProtocolError(result: TlsProbeResult): boolean {
  const code = result.connectError?.code ?? '';
  return (
    code.startsWith('ERR_SSL') ||
    code === 'EPROTO' ||
    /wrong version number/i.test(result.connectError?.message ?? '')
  );
}

function certificateCheck(result: TlsProbeResult, host: string, port: number): DoctorCheck {
  const base = { id: 'certificate' as const, title: 'Certificate' };
  const details: Record<string, unknown> = {
    certificate: result.certificate,
    protocol: result.protocol,
    authorizationError: result.authorizationError,
    connectError: result.connectError,
  };
  if (result.timedOut) {
    return {
      ...base,
      outcome: 'fail',
      network: true,
      summary: `no TLS handshake with ${host}:${port} within the timeout`,
      fix: 'Check that the server runs and that a firewall lets port ' + port + ' in.',
      details,
    };
  }
  if (!result.connected) {
    const code = result.connectError?.code;
    if (isTlsProtocolError(result)) {
      return {
        ...base,
        outcome: 'fail',
        summary: `${host}:${port} does not speak TLS (${code ?? result.connectError?.message})`,
        fix: 'This port answers plain HTTP (or something else): point the https:// URL at the TLS port (usually 443), or put a TLS proxy in front.',
        details,
      };
    }
    return {
      ...base,
      outcome: 'fail',
      network: true,
      summary:
        code === 'ECONNREFUSED'
          ? `nothing listens on ${host}:${port} (connection refused)`
          : `cannot connect to ${host}:${port} (${code ?? result.connectError?.message})`,
      fix: 'Start the app (or the proxy in front of it) and check the port in the URL.',
      details,
    };
  }
  if (!result.trusted) {
    const problem = certificateProblem(result.authorizationError ?? 'UNKNOWN', result, host);
    return { ...base, outcome: 'fail', summary: problem.summary, fix: problem.fix, details };
  }
  const cert = result.certificate;
  const days = cert?.daysLeft;
  const summary = `trusted, issued to ${cert?.subject ?? host} by ${cert?.issuer ?? '?'}, valid until ${cert?.validTo ?? '?'}`;
  if (days !== undefined && days < CLI_DOCTOR_CERT_WARN_DAYS) {
    return {
      ...base,
      outcome: 'warn',
      summary: `${summary} (expires in ${days} days)`,
      fix: 'Renew the certificate soon (certbot renews automatically when its timer runs).',
      details,
    };
  }
  return { ...base, outcome: 'pass', summary, details };
}

function signedEventCheck(
  probe: HttpProbeResult,
  host: string,
  port: number,
  timeoutMs: number,
): DoctorCheck {
  const base = { id: 'signed-event' as const, title: 'Signed event' };
  if (probe.timedOut) {
    return {
      ...base,
      outcome: 'fail',
      summary: `no answer within ${ms(timeoutMs)}`,
      fix:
        'Viber gives up after about 5 s and set_webhook fails: answer the `webhook` event with 200 ' +
        'at once, and do slow work after answering.',
    };
  }
  if (probe.error) {
    const code = probe.error.code;
    if (code !== undefined && UNREACHABLE_CODES.has(code)) {
      return {
        ...base,
        outcome: 'fail',
        network: true,
        summary:
          code === 'ECONNREFUSED'
            ? `nothing listens on ${host}:${port} (connection refused)`
            : `cannot connect to ${host}:${port} (${code})`,
        fix:
          'Start the app before calling set_webhook (Viber calls the URL during set_webhook), and ' +
          'check the port in the URL. Behind a proxy, check that it forwards to the port the app listens on.',
      };
    }
    return {
      ...base,
      outcome: 'fail',
      summary: `the connection ended without an answer (${code ?? probe.error.message})`,
      fix: "Look at the app's (or the proxy's) log: it closed the connection instead of answering 200.",
    };
  }
  const status = probe.httpStatus ?? 0;
  const seen = `HTTP ${status} in ${ms(probe.durationMs)}, ${bodyText(probe)}`;
  if (status === 200) {
    if (probe.durationMs > CLI_DOCTOR_SLOW_MS) {
      return {
        ...base,
        outcome: 'warn',
        summary: `${seen}: slow`,
        fix: 'Viber re-sends callbacks not answered within about 5 s: answer first, work afterwards.',
      };
    }
    return { ...base, outcome: 'pass', summary: seen };
  }
  const fail = (fix: string, why?: string): DoctorCheck => ({
    ...base,
    outcome: 'fail',
    summary: why ? `${seen}: ${why}` : seen,
    fix,
  });
  if (status >= 200 && status < 300) {
    return fail(
      'Answer exactly 200: Viber counts any other status as a failure.',
      'Viber wants 200',
    );
  }
  if (status >= 300 && status < 400) {
    return fail(
      `Viber does not follow redirects: register the final URL${probe.location ? ` (${probe.location})` : ''}. ` +
        'Common causes: http → https, a missing or extra trailing slash.',
      `a redirect${probe.location ? ` to ${probe.location}` : ''}`,
    );
  }
  if (status === 401 || status === 403) {
    return fail(
      'The webhook refused a correctly signed event: it checks signatures with another token. Make ' +
        'sure the app and this command use the same bot token (VIBER_TOKEN).',
      'refused a correct signature',
    );
  }
  if (status === 404) {
    return fail(
      'Nothing answers at this path: check the path in the URL (nestjs-viber serves /viber/webhook ' +
        'unless webhook.path says otherwise; a proxy may add or strip a prefix).',
      'not found',
    );
  }
  if (status === 405) {
    return fail('The path does not accept POST: Viber POSTs every callback.', 'POST not allowed');
  }
  if (status === 400 || status === 422 || status === 415) {
    return fail(
      'The webhook refused the `webhook` event as invalid: a webhook must accept every Viber event ' +
        '(including `webhook`, and events it does not know) and answer 200.',
      'refused as invalid',
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return fail(
      'A proxy answered instead of the app: it cannot reach the app (is the app running, on the port ' +
        'the proxy forwards to?).',
      'the proxy could not reach the app',
    );
  }
  if (status >= 500) {
    return fail(
      'The app failed while handling the `webhook` event: look in its log for the error. A handler of ' +
        'the `webhook` event (or a guard, middleware or filter before it) threw; the event must be ' +
        'answered 200 (nestjs-viber answers it by itself).',
      'the app failed',
    );
  }
  return fail('Answer the `webhook` event with HTTP 200: set_webhook fails otherwise.');
}

function wrongSignatureCheck(probe: HttpProbeResult): DoctorCheck {
  const base = { id: 'wrong-signature' as const, title: 'Wrong signature' };
  const securityFix =
    'Check X-Viber-Content-Signature on every callback: the lowercase hex HMAC-SHA256 of the raw ' +
    'request body, keyed by the bot token, compared in constant time; answer 403 when it does not ' +
    "match (nestjs-viber's webhook does this for you).";
  if (probe.timedOut) {
    return {
      ...base,
      outcome: 'warn',
      summary: 'not answered (the request was left open)',
      fix: 'Answer a wrong signature with 403 at once instead of leaving the request open.',
    };
  }
  if (probe.error) {
    return {
      ...base,
      outcome: 'warn',
      summary: `the connection was closed without an answer (${probe.error.code ?? probe.error.message})`,
      fix: 'Answer a wrong signature with 403 instead of dropping the connection.',
    };
  }
  const status = probe.httpStatus ?? 0;
  const seen = `HTTP ${status} in ${ms(probe.durationMs)}`;
  if (status >= 200 && status < 300) {
    return {
      ...base,
      outcome: 'fail',
      summary: `accepted (${seen}): anyone who knows the URL can post fake callbacks`,
      fix: securityFix,
    };
  }
  if (status >= 500) {
    return {
      ...base,
      outcome: 'warn',
      summary: `${seen} instead of a refusal`,
      fix: 'Refuse a wrong signature with 403 rather than failing with 5xx.',
    };
  }
  return { ...base, outcome: 'pass', summary: `refused with ${seen}` };
}

function conclude(url: string, local: boolean, checks: DoctorCheck[]): DoctorReport {
  const failures = checks.filter((check) => check.outcome === 'fail');
  const network = failures.find((check) => check.network);
  if (network) {
    return {
      url,
      local,
      checks,
      verdict: 'unreachable',
      exitCode: EXIT_CODES.network,
      headline: `Nothing answered at the webhook URL: ${network.summary}.`,
    };
  }
  if (failures.length > 0) {
    const signed = checks.find((check) => check.id === 'signed-event');
    const onlySignature =
      failures.length === 1 && failures[0]!.id === 'wrong-signature' && signed?.outcome !== 'fail';
    return {
      url,
      local,
      checks,
      verdict: 'problems',
      exitCode: EXIT_CODES.refused,
      headline: onlySignature
        ? 'set_webhook would work, but the webhook does not check signatures: anyone who knows the URL can post fake messages to the bot.'
        : `set_webhook would fail: ${failures[0]!.title.toLowerCase()}: ${failures[0]!.summary}.`,
    };
  }
  if (local) {
    return {
      url,
      local,
      checks,
      verdict: 'ok-local',
      exitCode: EXIT_CODES.ok,
      headline:
        'The webhook answers the way Viber expects. This is a local URL: fine with the emulator, but Viber itself cannot reach it.',
    };
  }
  return {
    url,
    local,
    checks,
    verdict: 'ok',
    exitCode: EXIT_CODES.ok,
    headline:
      'The webhook answers the way Viber expects: `nestjs-viber webhook set` should succeed.',
  };
}
