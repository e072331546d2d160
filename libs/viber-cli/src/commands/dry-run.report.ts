import type { CliContext } from '../cli.context';
import type { DryRunRequest } from '../client/cli-client';

/** A recorded request, its body parsed. */
export interface DryRunRequestView {
  method: string;
  url: string;
  bytes: number;
  body: unknown;
}

/** The requests a dry run recorded: as JSON (bodies parsed) for `--json`, and as text. */
export function describeDryRunRequests(
  ctx: CliContext,
  requests: readonly DryRunRequest[],
  abbreviate: (body: Record<string, unknown>) => Record<string, unknown> = (body) => body,
): { json: DryRunRequestView[]; lines: string[] } {
  const json = requests.map((request): DryRunRequestView => ({
    method: request.method,
    url: request.url,
    bytes: Buffer.byteLength(request.json),
    body: JSON.parse(request.json),
  }));
  const lines: string[] = [];
  for (const request of json) {
    lines.push(
      `${ctx.out.paint('bold', `${request.method} ${request.url}`)}  (${request.bytes} bytes)`,
    );
    lines.push(
      ...JSON.stringify(abbreviate(request.body as Record<string, unknown>), null, 2)
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  return { json, lines };
}
