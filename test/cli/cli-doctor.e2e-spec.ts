import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { ViberModule, verifyViberSignature } from 'nestjs-viber';
import { builtCli, runCli } from '../support/cli-bin';
import { TEST_TOKEN, freePort, startApp, type RunningApp } from '../support/viber-test-app';

jest.setTimeout(60_000);

/** What a test webhook does with each POST. */
type Behaviour = (body: Buffer, signature: string | undefined) => { status: number; body?: string };

/** A webhook written with node:http alone (the doctor works with any webhook). */
async function webhookServer(
  behaviour: Behaviour,
  tlsOptions?: https.ServerOptions,
): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const handler: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push(body.toString('utf8'));
      const answer = behaviour(
        body,
        request.headers['x-viber-content-signature'] as string | undefined,
      );
      response.writeHead(answer.status, { 'content-type': 'text/plain' });
      response.end(answer.body ?? '');
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}/viber/webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Checks signatures like a correct webhook: 200 when right, 403 otherwise. */
const checksSignatures: Behaviour = (body, signature) =>
  verifyViberSignature(body, signature, TEST_TOKEN)
    ? { status: 200 }
    : { status: 403, body: 'Forbidden' };

interface DoctorJson {
  verdict: string;
  headline: string;
  exitCode: number;
  local: boolean;
  checks: Array<{
    id: string;
    outcome: string;
    summary: string;
    fix?: string;
    details?: Record<string, unknown>;
  }>;
}

function outcomes(report: DoctorJson): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.outcome]));
}

describe('nestjs-viber webhook doctor (the built bin against test webhooks)', () => {
  let bin: string;
  const env = { VIBER_TOKEN: TEST_TOKEN };

  beforeAll(async () => {
    bin = await builtCli();
  }, 300_000);

  async function doctor(
    url: string,
    ...extra: string[]
  ): Promise<{ code: number | null; report: DoctorJson; text: string }> {
    const json = await runCli(bin, ['webhook', 'doctor', url, '--json', ...extra], { env });
    const text = await runCli(bin, ['webhook', 'doctor', url, ...extra], { env });
    expect(text.code).toBe(json.code);
    return { code: json.code, report: JSON.parse(json.stdout) as DoctorJson, text: text.stdout };
  }

  it('a good webhook: a signed `webhook` event gets 200, a wrong signature is refused (exit 0)', async () => {
    const webhook = await webhookServer(checksSignatures);
    try {
      const { code, report, text } = await doctor(webhook.url);
      expect(code).toBe(0);
      expect(report.verdict).toBe('ok-local');
      expect(outcomes(report)).toEqual({
        url: 'warn',
        dns: 'pass',
        certificate: 'skip',
        'signed-event': 'pass',
        'wrong-signature': 'pass',
      });
      // The event was posted the way Viber posts it: the `webhook` event, signed, with ?sig=.
      const [signed] = webhook.received;
      expect(JSON.parse(signed!)).toMatchObject({
        event: 'webhook',
        chat_hostname: expect.any(String),
      });
      expect(signed).toMatch(/"message_token":\d{19}\}$/);
      const signedCheck = report.checks.find((check) => check.id === 'signed-event')!;
      expect(signedCheck.details).toMatchObject({
        request: { url: `${webhook.url}?sig=<signature>` },
        answer: { httpStatus: 200, body: '', durationMs: expect.any(Number) },
      });
      expect(text).toMatch(/ok\s+Signed event\s+HTTP 200 in \d+ ms, empty body/);
      expect(text).toMatch(/ok\s+Wrong signature\s+refused with HTTP 403 in \d+ ms/);
      expect(text).toContain(
        'Verdict: The webhook answers the way Viber expects. This is a local URL',
      );
      expect(text).toContain('warn  URL');
    } finally {
      await webhook.close();
    }
  });

  it("this library's own webhook passes too", async () => {
    @Module({
      imports: [ViberModule.forRoot({ token: TEST_TOKEN, apiUrl: 'http://127.0.0.1:9/pa' })],
    })
    class DoctorAppModule {}
    const running: RunningApp = await startApp('express', { imports: [DoctorAppModule] });
    try {
      const { code, report } = await doctor(`${running.url}/viber/webhook`);
      expect(code).toBe(0);
      expect(outcomes(report)).toMatchObject({ 'signed-event': 'pass', 'wrong-signature': 'pass' });
    } finally {
      await running.app.close();
    }
  });

  it('a webhook answering 500: set_webhook would fail, the app failed (exit 1)', async () => {
    const webhook = await webhookServer(() => ({ status: 500, body: 'Internal Server Error' }));
    try {
      const { code, report, text } = await doctor(webhook.url);
      expect(code).toBe(1);
      expect(report.verdict).toBe('problems');
      const signed = report.checks.find((check) => check.id === 'signed-event')!;
      expect(signed.outcome).toBe('fail');
      expect(signed.summary).toMatch(
        /^HTTP 500 in \d+ ms, body "Internal Server Error": the app failed$/,
      );
      expect(report.headline).toMatch(/^set_webhook would fail: signed event: HTTP 500/);
      expect(text).toMatch(/FAIL\s+Signed event\s+HTTP 500/);
      expect(text).toContain(
        'The app failed while handling the `webhook` event: look in its log for the error.',
      );
    } finally {
      await webhook.close();
    }
  });

  it('a webhook that accepts a wrong signature: works, but anyone can post fake callbacks (exit 1)', async () => {
    const webhook = await webhookServer(() => ({ status: 200 }));
    try {
      const { code, report, text } = await doctor(webhook.url);
      expect(code).toBe(1);
      expect(report.verdict).toBe('problems');
      expect(outcomes(report)).toMatchObject({ 'signed-event': 'pass', 'wrong-signature': 'fail' });
      expect(report.headline).toBe(
        'set_webhook would work, but the webhook does not check signatures: anyone who knows the URL can post fake messages to the bot.',
      );
      expect(text).toMatch(/FAIL\s+Wrong signature\s+accepted \(HTTP 200 in \d+ ms\)/);
      expect(text).toContain('Check X-Viber-Content-Signature on every callback');
    } finally {
      await webhook.close();
    }
  });

  it('a closed port: nothing answers (exit 3)', async () => {
    const port = await freePort();
    const { code, report, text } = await doctor(`http://127.0.0.1:${port}/viber/webhook`);
    expect(code).toBe(3);
    expect(report.verdict).toBe('unreachable');
    expect(outcomes(report)).toMatchObject({ 'signed-event': 'fail', 'wrong-signature': 'skip' });
    expect(report.headline).toBe(
      `Nothing answered at the webhook URL: nothing listens on 127.0.0.1:${port} (connection refused).`,
    );
    expect(text).toContain('Start the app before calling set_webhook');
  });

  it('a webhook that refuses a correct signature: probably another token (exit 1)', async () => {
    const webhook = await webhookServer(() => ({ status: 403, body: 'Invalid signature' }));
    try {
      const { code, report } = await doctor(webhook.url);
      expect(code).toBe(1);
      const signed = report.checks.find((check) => check.id === 'signed-event')!;
      expect(signed.summary).toContain('refused a correct signature');
      expect(signed.fix).toContain('checks signatures with another token');
    } finally {
      await webhook.close();
    }
  });

  describe('over HTTPS', () => {
    let dir: string;
    let tlsOptions: https.ServerOptions;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'nestjs-viber-doctor-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      tlsOptions = {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
      };
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a self-signed certificate: "certificate not trusted", set_webhook would fail (exit 1)', async () => {
      const webhook = await webhookServer(checksSignatures, tlsOptions);
      try {
        const { code, report, text } = await doctor(webhook.url);
        expect(code).toBe(1);
        expect(outcomes(report)).toEqual({
          url: 'pass',
          dns: 'pass',
          certificate: 'fail',
          'signed-event': 'pass',
          'wrong-signature': 'pass',
        });
        const certificate = report.checks.find((check) => check.id === 'certificate')!;
        expect(certificate.summary).toBe(
          'certificate not trusted: it is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)',
        );
        expect(certificate.fix).toContain('Viber refuses self-signed certificates');
        expect(report.headline).toBe(
          'set_webhook would fail: certificate: certificate not trusted: it is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT).',
        );
        expect(text).toMatch(/FAIL\s+Certificate\s+certificate not trusted: it is self-signed/);
      } finally {
        await webhook.close();
      }
    });

    it('an https:// URL on a plain HTTP port: "does not speak TLS"', async () => {
      const webhook = await webhookServer(checksSignatures);
      try {
        const { code, report } = await doctor(webhook.url.replace('http://', 'https://'));
        expect(code).toBe(1);
        const certificate = report.checks.find((check) => check.id === 'certificate')!;
        expect(certificate.outcome).toBe('fail');
        expect(certificate.summary).toMatch(/does not speak TLS/);
      } finally {
        await webhook.close();
      }
    });
  });

  it('needs the token to sign, and a URL (exit 2)', async () => {
    const noToken = await runCli(bin, ['webhook', 'doctor', 'https://example.com/viber/webhook']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain(
      'A bot token is needed to sign the test events the way Viber does.',
    );
    const notUrl = await runCli(bin, ['webhook', 'doctor', 'example.com/viber'], { env });
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toContain('Not a URL: example.com/viber');
  });
});
