import { CHAT_PAGE_SCRIPT } from './chat-page.script';
import { CHAT_PAGE_CSS } from './chat-page.styles';

/** The page's markup (inside `<body>`): sidebar with users, conversation, keyboard, composer. */
const CHAT_PAGE_BODY = String.raw`
<div class="app">
  <aside class="sidebar">
    <header class="bot-info">
      <div class="bot-name" id="bot-name">Viber emulator</div>
      <div class="webhook" id="webhook">…</div>
      <div class="live offline" id="live">connecting…</div>
    </header>
    <form class="new-user" id="new-user" autocomplete="off">
      <input id="new-user-name" placeholder="Name" aria-label="New user name" maxlength="100">
      <input id="new-user-id" placeholder="Id (opt.)" title="Id (optional; random when empty)" aria-label="New user id" maxlength="64">
      <button class="btn" type="submit" id="new-user-add">Add</button>
    </form>
    <ul class="users" id="users" aria-label="Simulated users"></ul>
  </aside>
  <main class="chat">
    <header class="chat-header">
      <div class="avatar" id="chat-avatar">?</div>
      <div class="grow">
        <div class="chat-title" id="chat-title">No user picked</div>
        <div class="chat-sub" id="chat-sub">Pick a simulated user or add one</div>
      </div>
      <button class="btn ghost" type="button" id="open-chat" disabled>Open conversation</button>
      <button class="btn ghost" type="button" id="toggle-subscription" disabled>Subscribe</button>
    </header>
    <div class="messages" id="messages" aria-live="polite">
      <div class="empty">Add a user on the left (or pick one) to talk to the bot as a Viber user.</div>
    </div>
    <div class="toast" id="toast" role="alert" hidden><span id="toast-text"></span><button type="button" id="toast-close" aria-label="Dismiss">×</button></div>
    <div class="keyboard" id="keyboard" aria-label="Bot keyboard" hidden></div>
    <form class="composer" id="composer" autocomplete="off">
      <select id="kind" aria-label="Message kind">
        <option value="text">Text</option>
        <option value="picture">Picture</option>
        <option value="location">Location</option>
        <option value="contact">Contact</option>
      </select>
      <div class="fields" data-kind="text"><input id="text" placeholder="Type a message…" aria-label="Message text"></div>
      <div class="fields" data-kind="picture" hidden><input id="picture-url" placeholder="Picture URL (https://…/photo.jpg)" aria-label="Picture URL"><input id="picture-caption" placeholder="Caption (optional)" aria-label="Caption"></div>
      <div class="fields" data-kind="location" hidden><input id="location-lat" value="50.4501" aria-label="Latitude"><input id="location-lon" value="30.5234" aria-label="Longitude"></div>
      <div class="fields" data-kind="contact" hidden><input id="contact-name" value="Taras Shevchenko" aria-label="Contact name"><input id="contact-phone" value="+380501234567" aria-label="Contact phone"></div>
      <button class="btn" type="submit" id="send" disabled>Send</button>
    </form>
  </main>
</div>
`;

/**
 * The emulator's chat page: one self-contained HTML document (inline CSS and vanilla JS, no
 * external resources). `nonce` is the Content-Security-Policy nonce of its `<style>` and
 * `<script>` (base64, fresh for each response).
 */
export function renderChatPage(nonce: string): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new TypeError('renderChatPage: bad nonce');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    '<title>Viber emulator · chat</title>',
    `<style nonce="${nonce}">${CHAT_PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    CHAT_PAGE_BODY,
    `<script nonce="${nonce}">${CHAT_PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
