import { Option, type Command } from 'commander';
import {
  VIBER_WEBHOOK_EVENT_TYPES,
  ViberApiError,
  ViberStatus,
  type ViberWebhookEventType,
} from 'nestjs-viber';
import type { CliContext } from '../cli.context';
import { usageError } from '../cli.errors';
import { CLI_DOCTOR_TIMEOUT_MS } from '../cli.defaults';
import { renderDoctorReport } from '../doctor/doctor-report';
import { runWebhookDoctor } from '../doctor/webhook-doctor';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { renderFields } from '../output/table';
import { examples, type CommandKit } from './command-kit';

function parseEvents(
  value: string,
  previous: ViberWebhookEventType[] = [],
): ViberWebhookEventType[] {
  const events = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const unknown = events.filter(
    (item) => !(VIBER_WEBHOOK_EVENT_TYPES as readonly string[]).includes(item),
  );
  if (unknown.length > 0) {
    throw usageError(
      `Unknown event type ${unknown.join(', ')}: choose among ${VIBER_WEBHOOK_EVENT_TYPES.join(', ')} (message, subscribed and unsubscribed always come).`,
    );
  }
  return [...previous, ...(events as ViberWebhookEventType[])];
}

async function withClient<T>(
  ctx: CliContext,
  work: (client: ReturnType<CliContext['client']>) => Promise<T>,
): Promise<T> {
  const client = ctx.client();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** `webhook set|remove|info|doctor`. */
export function registerWebhookCommands(program: Command, kit: CommandKit): void {
  const webhook = program
    .command('webhook')
    .description("set, remove, show or diagnose the bot's webhook")
    .addHelpText(
      'after',
      examples([
        [
          'nestjs-viber webhook doctor https://bot.example.com/viber/webhook',
          'why does set_webhook fail?',
        ],
        ['nestjs-viber webhook set https://bot.example.com/viber/webhook --events delivered,seen'],
        ['nestjs-viber webhook info --json'],
      ]),
    );

  webhook
    .command('set')
    .description(
      'register the webhook (set_webhook). Viber calls the URL during this request: the app must already answer',
    )
    .argument('<url>', 'the public HTTPS URL of the webhook')
    .addOption(
      new Option(
        '--events <list>',
        `optional events to receive, comma-separated (${VIBER_WEBHOOK_EVENT_TYPES.join(', ')}); default: all`,
      ).argParser(parseEvents),
    )
    .option('--send-name', "receive the users' names in callbacks")
    .option('--send-photo', "receive the users' avatars in callbacks")
    .addHelpText(
      'after',
      examples([
        ['nestjs-viber webhook set https://bot.example.com/viber/webhook'],
        [
          'nestjs-viber webhook set https://bot.example.com/viber/webhook --events conversation_started,delivered --send-name',
        ],
      ]),
    )
    .action(
      kit.action(
        async (
          ctx,
          url: string,
          options: { events?: ViberWebhookEventType[]; sendName?: boolean; sendPhoto?: boolean },
        ): Promise<ExitCode> => {
          try {
            const answer = await withClient(ctx, (client) =>
              client.setWebhook(url, {
                eventTypes: options.events,
                sendName: options.sendName,
                sendPhoto: options.sendPhoto,
              }),
            );
            ctx.out.result({ ok: true, url, event_types: answer.event_types ?? [] });
            ctx.out.line(`${ctx.out.paint('green', 'Webhook set:')} ${url}`);
            ctx.out.line(`  events  ${(answer.event_types ?? []).join(', ') || '-'}`);
            return EXIT_CODES.ok;
          } catch (error) {
            if (error instanceof ViberApiError && error.status === ViberStatus.invalidUrl) {
              ctx.out.note(
                `Viber could not use ${url}. Run \`nestjs-viber webhook doctor ${url}\` to see why.`,
              );
            }
            throw error;
          }
        },
      ),
    );

  webhook
    .command('remove')
    .description('remove the webhook (set_webhook with an empty URL): 1-on-1 chats stop')
    .addHelpText('after', examples([['nestjs-viber webhook remove']]))
    .action(
      kit.action(async (ctx): Promise<ExitCode> => {
        await withClient(ctx, (client) => client.removeWebhook());
        ctx.out.result({ ok: true });
        ctx.out.line('Webhook removed.');
        return EXIT_CODES.ok;
      }),
    );

  webhook
    .command('info')
    .description('show the registered webhook and its events (from get_account_info)')
    .addHelpText(
      'after',
      examples([
        ['nestjs-viber webhook info'],
        ['nestjs-viber webhook info --json | jq -r .webhook'],
      ]),
    )
    .action(
      kit.action(async (ctx): Promise<ExitCode> => {
        const account = await withClient(ctx, (client) => client.getAccountInfo());
        const url = account.webhook ?? '';
        ctx.out.result({ webhook: url || null, event_types: account.event_types ?? [] });
        if (url === '') {
          ctx.out.line('No webhook is set: Viber delivers no messages to this bot.');
          ctx.out.line('Set one with `nestjs-viber webhook set <url>`.');
        } else {
          ctx.out.lines(
            renderFields(
              [
                ['webhook', url],
                ['events', account.event_types ?? []],
              ],
              '',
            ),
          );
        }
        return EXIT_CODES.ok;
      }),
    );

  webhook
    .command('doctor')
    .description(
      'check a webhook the way Viber uses it: URL, DNS, certificate chain, a correctly signed `webhook` event (must get 200) and a wrong signature (must be refused). Works with any webhook',
    )
    .argument('<url>', 'the webhook URL to check')
    .addHelpText(
      'after',
      '\nThe events are signed with the bot token (VIBER_TOKEN or --token), as Viber signs them.\n' +
        `Each answer is awaited at most --timeout ms (default ${CLI_DOCTOR_TIMEOUT_MS}: Viber waits about 5 s).\n` +
        'Exit code: 0 the webhook works (warnings allowed), 1 it has a problem, 3 nothing answers.\n' +
        examples([
          ['nestjs-viber webhook doctor https://bot.example.com/viber/webhook'],
          [
            'nestjs-viber webhook doctor http://127.0.0.1:3000/viber/webhook',
            'a local bot, before using the emulator',
          ],
          [
            'nestjs-viber webhook doctor https://bot.example.com/viber/webhook --json | jq .verdict',
          ],
        ]),
    )
    .action(
      kit.action(async (ctx, url: string): Promise<ExitCode> => {
        const token = ctx.requireToken('sign the test events the way Viber does');
        const report = await runWebhookDoctor(url, token, {
          timeoutMs: ctx.requestedTimeout ?? CLI_DOCTOR_TIMEOUT_MS,
        });
        ctx.out.result(report);
        ctx.out.lines(renderDoctorReport(report, ctx.out.paint));
        return report.exitCode;
      }),
    );
}
