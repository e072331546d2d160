import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the chat page's browser script lives: `client/chat-page.client.js`, next to this module.
 *
 * It is a real JavaScript file, not a string in TypeScript, so that ESLint lints it (browser
 * globals) and TypeScript type-checks it against the DOM library (`client/tsconfig.json`, run by
 * `npm run typecheck`). It needs no build step: the page inlines the file's text as is. The file
 * is found next to the module that reads it in the sources (ts-node, jest) and in the package,
 * where `scripts/build-package.mjs` copies `client/*.js` next to the compiled `chat-page.script.js`.
 */
export const CHAT_PAGE_SCRIPT_FILE = join(__dirname, 'client', 'chat-page.client.js');

/** The chat page's browser script, read once when the emulator is loaded. */
export const CHAT_PAGE_SCRIPT = readChatPageScript(CHAT_PAGE_SCRIPT_FILE);

function readChatPageScript(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: unknown) {
    throw new Error(
      `nestjs-viber/testing: the chat page script ${file} is missing (${error instanceof Error ? error.message : String(error)}); ` +
        'it must ship next to chat-page.script.js',
    );
  }
  // The page inlines the script in <script>…</script>: a closing tag inside would end it early.
  if (/<\/script/i.test(text)) throw new Error(`${file} must not contain "</script"`);
  return text;
}
