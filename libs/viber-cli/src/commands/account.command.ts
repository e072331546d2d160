import type { Command } from 'commander';
import type { ViberAccountInfo, ViberClient, ViberOnlineStatus } from 'nestjs-viber';
import type { CliContext } from '../cli.context';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { cell, renderColumns, renderFields } from '../output/table';
import { examples, type CommandKit } from './command-kit';

/** Names of the `get_online` statuses (docs/protocol/endpoints.md, "get_online"). */
const ONLINE_STATUS_NAMES: Record<number, string> = {
  0: 'online',
  1: 'offline',
  2: 'undisclosed',
  3: 'try later',
  4: 'unavailable',
};

async function withClient<T>(
  ctx: CliContext,
  work: (client: ViberClient) => Promise<T>,
): Promise<T> {
  const client = ctx.client();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** The account as `label  value` lines. */
export function renderAccount(account: ViberAccountInfo): string[] {
  const location = account.location
    ? `${account.location.lat}, ${account.location.lon}`
    : undefined;
  return renderFields([
    ['id', account.id],
    ['name', account.name],
    ['uri', account.uri],
    ['category', [account.category, account.subcategory].filter(Boolean).join(' / ') || undefined],
    ['country', account.country],
    ['location', location],
    ['webhook', account.webhook || '(none: the bot receives nothing)'],
    ['events', account.event_types],
    ['subscribers', account.subscribers_count],
    ['icon', account.icon],
    ['background', account.background],
    [
      'members',
      account.members?.map((member) => `${member.name ?? member.id} (${member.role ?? 'member'})`),
    ],
  ]);
}

/** `account`, `user <id>`, `online <id…>`. */
export function registerAccountCommands(program: Command, kit: CommandKit): void {
  program
    .command('account')
    .description("show the bot's account (get_account_info): name, webhook, events, subscribers")
    .addHelpText(
      'after',
      examples([['nestjs-viber account'], ['nestjs-viber account --json | jq .subscribers_count']]),
    )
    .action(
      kit.action(async (ctx): Promise<ExitCode> => {
        const account = await withClient(ctx, (client) => client.getAccountInfo());
        ctx.out.result(account);
        ctx.out.lines([ctx.out.paint('bold', `${account.name}`), ...renderAccount(account)]);
        return EXIT_CODES.ok;
      }),
    );

  program
    .command('user')
    .description("show a user's details (get_user_details; Viber allows 2 calls per user per 12 h)")
    .argument('<id>', "the user's id (from a callback)")
    .addHelpText('after', examples([['nestjs-viber user 01234567890A=']]))
    .action(
      kit.action(async (ctx, id: string): Promise<ExitCode> => {
        const answer = await withClient(ctx, (client) => client.getUserDetails(id));
        ctx.out.result(answer.user);
        const user = answer.user;
        ctx.out.lines(
          renderFields([
            ['id', user.id],
            ['name', user.name],
            ['avatar', user.avatar],
            ['country', user.country],
            ['language', user.language],
            [
              'device',
              [user.device_type, user.primary_device_os].filter(Boolean).join(', ') || undefined,
            ],
            ['viber', user.viber_version],
            ['api version', user.api_version],
            ['mcc / mnc', user.mcc === undefined ? undefined : `${user.mcc} / ${user.mnc ?? '-'}`],
          ]),
        );
        return EXIT_CODES.ok;
      }),
    );

  program
    .command('online')
    .description("show users' online status (get_online; any number of ids, 100 per request)")
    .argument('<ids...>', "the users' ids")
    .addHelpText('after', examples([['nestjs-viber online 01234567890A= 01234567890B=']]))
    .action(
      kit.action(async (ctx, ids: string[]): Promise<ExitCode> => {
        const answer = await withClient(ctx, (client) => client.getOnline(ids));
        ctx.out.result(answer.users);
        const byId = new Map<string, ViberOnlineStatus>(
          answer.users.map((user) => [user.id, user]),
        );
        const rows = ids.map((id) => {
          const user = byId.get(id);
          if (!user) return [id, '(not reported)', '-'];
          const status = ONLINE_STATUS_NAMES[user.online_status] ?? `status ${user.online_status}`;
          const last =
            user.last_online === undefined ? undefined : new Date(user.last_online).toISOString();
          return [id, status, cell(last)];
        });
        ctx.out.lines(renderColumns([['id', 'status', 'last online'], ...rows]));
        return EXIT_CODES.ok;
      }),
    );
}
