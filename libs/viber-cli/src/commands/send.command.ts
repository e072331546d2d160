import type { Command } from 'commander';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { readMessage, withSender, type SenderOptions } from '../messages/message-input';
import { examples, type CommandKit } from './command-kit';
import { describeDryRunRequests } from './dry-run.report';

/** Options of `send`. */
interface SendOptions extends SenderOptions {
  message?: string;
  dryRun?: boolean;
}

/** `send <receiver> [text]`. */
export function registerSendCommand(program: Command, kit: CommandKit): void {
  program
    .command('send')
    .description('send one message to one subscriber (send_message)')
    .argument('<receiver>', "the subscriber's id")
    .argument('[text]', 'the text to send (or --message)')
    .option(
      '--message <file.json>',
      'a Viber message as JSON (any type: picture, keyboard, rich_media, …); - for stdin',
    )
    .option('--sender <name>', "the sender's name shown to the user (default: the account's name)")
    .option('--sender-avatar <url>', "the sender's avatar")
    .option('--dry-run', 'validate the message and print the request, send nothing')
    .addHelpText(
      'after',
      examples([
        ['nestjs-viber send 01234567890A= "Hello from the command line"'],
        ['nestjs-viber send 01234567890A= --message welcome.json --sender "Support"'],
        [
          'nestjs-viber send 01234567890A= "Hi" --dry-run --sender Bot',
          'print the request, send nothing',
        ],
      ]),
    )
    .action(
      kit.action(
        async (
          ctx,
          receiver: string,
          text: string | undefined,
          options: SendOptions,
        ): Promise<ExitCode> => {
          const message = await readMessage(
            { text, messageFile: options.message },
            kit.io.readStdin,
          );
          if (options.dryRun) {
            const { client, requests } = ctx.dryRunClient();
            const real =
              ctx.hasToken && options.sender === undefined && message.sender === undefined
                ? ctx.client()
                : undefined;
            try {
              const prepared = await withSender(message, options, real);
              await client.sendMessage(receiver, prepared.message);
            } finally {
              real?.close();
              client.close();
            }
            const described = describeDryRunRequests(ctx, requests);
            ctx.out.result({ dryRun: true, requests: described.json });
            ctx.out.lines([
              'Dry run: the message is valid; nothing was sent. The request it would make:',
              ...described.lines,
            ]);
            return EXIT_CODES.ok;
          }
          const client = ctx.client();
          try {
            const prepared = await withSender(message, options, client);
            const answer = await client.sendMessage(receiver, prepared.message);
            ctx.out.result({
              ok: true,
              receiver,
              message_token: answer.message_token,
              billing_status: answer.billing_status,
            });
            ctx.out.line(`Sent to ${receiver}: message_token ${answer.message_token}`);
            return EXIT_CODES.ok;
          } finally {
            client.close();
          }
        },
      ),
    );
}
