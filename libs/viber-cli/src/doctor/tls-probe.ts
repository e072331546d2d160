import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { unbracket } from './local-address';

/** What a TLS handshake with the webhook's server showed. */
export interface TlsProbeResult {
  /** The handshake completed (whether or not the certificate is trusted). */
  connected: boolean;
  /** The certificate chain is trusted by Node's authorities and matches the host name. */
  trusted: boolean;
  /** Node's code for why it is not trusted (`DEPTH_ZERO_SELF_SIGNED_CERT`, …). */
  authorizationError?: string;
  /** Why the handshake did not complete. */
  connectError?: { code?: string; message: string };
  /** The handshake did not complete in time. */
  timedOut: boolean;
  /** The server's certificate. */
  certificate?: {
    subject?: string;
    issuer?: string;
    altNames?: string;
    validFrom?: string;
    validTo?: string;
    /** Whole days until it expires (negative once expired). */
    daysLeft?: number;
  };
  /** TLS version negotiated, e.g. `TLSv1.3`. */
  protocol?: string;
  durationMs: number;
}

function commonName(name: unknown): string | undefined {
  if (name === null || typeof name !== 'object') return undefined;
  const record = name as Record<string, unknown>;
  const value = record.CN ?? record.O;
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/**
 * Opens a TLS connection to `host:port` the way a client that checks certificates would (SNI with
 * the host name, the chain checked against Node's trusted authorities, the name checked against
 * the certificate), without refusing a bad certificate, so that it can be described.
 */
export function probeTls(host: string, port: number, timeoutMs: number): Promise<TlsProbeResult> {
  const started = Date.now();
  const name = unbracket(host);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<TlsProbeResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, durationMs: Date.now() - started });
    };
    const socket = tls.connect({
      host: name,
      port,
      servername: isIP(name) === 0 ? name : undefined,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(
      () => finish({ connected: false, trusted: false, timedOut: true }),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const validTo = peer?.valid_to;
      const expires = validTo ? Date.parse(validTo) : Number.NaN;
      finish({
        connected: true,
        trusted: socket.authorized,
        authorizationError:
          socket.authorizationError === null || socket.authorizationError === undefined
            ? undefined
            : String(socket.authorizationError),
        timedOut: false,
        protocol: socket.getProtocol() ?? undefined,
        certificate:
          peer && Object.keys(peer).length > 0
            ? {
                subject: commonName(peer.subject),
                issuer: commonName(peer.issuer),
                altNames: peer.subjectaltname,
                validFrom: peer.valid_from,
                validTo,
                daysLeft: Number.isNaN(expires)
                  ? undefined
                  : Math.floor((expires - Date.now()) / 86_400_000),
              }
            : undefined,
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        connected: false,
        trusted: false,
        timedOut: false,
        connectError: { code: error.code, message: error.message },
      }),
    );
  });
}
