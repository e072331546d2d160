/** The chat page's stylesheet (inlined into the page; no external resources). */
export const CHAT_PAGE_CSS = String.raw`
:root {
  --viber: #7360f2;
  --viber-dark: #59489e;
  --bg: #f4f3fa;
  --panel: #ffffff;
  --line: #e3e1ef;
  --text: #1f1d2b;
  --muted: #7b7891;
  --bot: #ffffff;
  --user: #e4dcff;
  --error: #c62f45;
  --error-bg: #fde8eb;
  --warning: #8a5a00;
  --warning-bg: #fff3d6;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif;
  font-size: 14px;
  color: var(--text);
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: var(--bg); }
button, input, select { font: inherit; color: inherit; }
.app { display: grid; grid-template-columns: 280px 1fr; height: 100vh; }
.sidebar { background: var(--panel); border-right: 1px solid var(--line); display: flex; flex-direction: column; min-height: 0; }
.bot-info { padding: 14px 16px; background: var(--viber); color: #fff; }
.bot-name { font-weight: 700; font-size: 16px; }
.webhook { margin-top: 4px; font-size: 12px; opacity: .9; word-break: break-all; }
.webhook.missing { background: #ffd9de; color: var(--error); border-radius: 6px; padding: 4px 6px; opacity: 1; }
.live { font-size: 11px; margin-top: 6px; opacity: .85; }
.live::before { content: '● '; color: #9be29b; }
.live.offline::before { color: #ffb3b3; }
.new-user { display: grid; grid-template-columns: 1fr 1fr auto; gap: 6px; padding: 10px; border-bottom: 1px solid var(--line); }
.new-user input { min-width: 0; }
.users { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
.user-item { width: 100%; display: flex; align-items: center; gap: 10px; padding: 10px 14px; border: 0; background: none; text-align: left; cursor: pointer; border-bottom: 1px solid var(--line); }
.user-item:hover { background: #f6f4ff; }
.user-item.active { background: #ece8ff; }
.avatar { width: 34px; height: 34px; border-radius: 50%; background: var(--viber); color: #fff; display: flex; align-items: center; justify-content: center; font-weight: 700; flex: none; background-size: cover; background-position: center; }
.user-text { min-width: 0; flex: 1; }
.user-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.user-sub { font-size: 12px; color: var(--muted); }
.unread { background: var(--viber); color: #fff; border-radius: 9px; font-size: 11px; padding: 1px 6px; }
input, select { border: 1px solid var(--line); border-radius: 8px; padding: 7px 9px; background: #fff; }
input:focus, select:focus { outline: 2px solid #cfc6ff; border-color: var(--viber); }
.btn { border: 0; border-radius: 8px; padding: 7px 12px; background: var(--viber); color: #fff; cursor: pointer; font-weight: 600; white-space: nowrap; }
.btn:hover { background: var(--viber-dark); }
.btn.ghost { background: #ece8ff; color: var(--viber-dark); }
.btn:disabled { opacity: .5; cursor: default; }
.chat { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.chat-header { display: flex; align-items: center; gap: 10px; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
.chat-title { font-weight: 700; font-size: 15px; }
.chat-sub { font-size: 12px; color: var(--muted); }
.chat-header .grow { flex: 1; min-width: 0; }
.messages { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; min-height: 0; }
.empty { margin: auto; color: var(--muted); text-align: center; }
.msg { max-width: min(520px, 80%); display: flex; flex-direction: column; }
.msg.bot { align-self: flex-start; }
.msg.user { align-self: flex-end; align-items: flex-end; }
.bubble { background: var(--bot); border-radius: 14px; padding: 8px 11px; box-shadow: 0 1px 1px rgba(40, 30, 90, .08); overflow-wrap: anywhere; }
.msg.user .bubble { background: var(--user); }
.msg.bot .bubble { border-top-left-radius: 4px; }
.msg.user .bubble { border-top-right-radius: 4px; }
.sender { font-size: 12px; font-weight: 600; color: var(--viber-dark); margin: 0 0 2px 4px; }
.meta { font-size: 11px; color: var(--muted); margin: 2px 6px 0; }
.meta .seen { color: var(--viber); }
.meta .failed { color: var(--error); }
.text { white-space: pre-wrap; }
.picture img { display: block; max-width: 280px; max-height: 280px; border-radius: 10px; background: #ddd; min-width: 60px; min-height: 40px; }
.caption { margin-top: 6px; white-space: pre-wrap; }
.video video { display: block; max-width: 300px; border-radius: 10px; background: #000; }
.card-line { display: flex; gap: 8px; align-items: center; }
.card-line .icon { font-size: 22px; }
.small { font-size: 12px; color: var(--muted); }
.sticker { width: 120px; height: 120px; border-radius: 16px; background: #fff6d8; border: 2px dashed #e6c35c; display: flex; align-items: center; justify-content: center; text-align: center; font-size: 12px; color: #8a6d12; }
a { color: var(--viber-dark); }
.msg.rich { max-width: min(820px, 94%); }
.msg.rich .bubble { background: transparent; box-shadow: none; padding: 0; }
.carousel { display: flex; gap: 8px; overflow-x: auto; padding: 2px 2px 6px; max-width: 100%; }
.card { --col: 40px; --row: 34px; flex: none; display: grid; gap: 2px; padding: 2px; border-radius: 12px; background: #fff; box-shadow: 0 1px 2px rgba(40, 30, 90, .15); overflow: hidden; }
.note { align-self: center; font-size: 12px; color: var(--muted); background: #ebe9f5; border-radius: 10px; padding: 4px 10px; max-width: 80%; text-align: center; }
.note.error { color: var(--error); background: var(--error-bg); }
.note.warning { color: var(--warning); background: var(--warning-bg); }
.warnings { list-style: none; margin: 4px 0 0; padding: 4px 8px; border-radius: 8px; font-size: 12px; color: var(--warning); background: var(--warning-bg); overflow-wrap: anywhere; }
.toast { margin: 0 16px 8px; padding: 8px 12px; border-radius: 8px; background: var(--error-bg); color: var(--error); display: flex; gap: 10px; align-items: flex-start; }
.toast[hidden] { display: none; }
.toast span { flex: 1; white-space: pre-wrap; }
.toast button { border: 0; background: none; color: inherit; cursor: pointer; font-size: 16px; line-height: 1; }
.keyboard { display: grid; grid-template-columns: repeat(6, 1fr); grid-auto-rows: 40px; gap: 4px; padding: 6px; background: #ebe9f3; border-top: 1px solid var(--line); max-height: 40vh; overflow-y: auto; }
.keyboard[hidden] { display: none; }
.vb-button { position: relative; display: flex; flex-direction: column; align-items: center; justify-content: center; border: 0; margin: 0; padding: 0; border-radius: 8px; background-color: #e2dcff; background-size: cover; background-position: center; background-repeat: no-repeat; cursor: pointer; overflow: hidden; min-width: 0; min-height: 0; color: var(--text); font-size: 14px; line-height: 1.25; }
.card .vb-button { border-radius: 6px; background-color: #f3f1fb; }
.vb-button:hover { filter: brightness(.96); }
.vb-button:active { filter: brightness(.9); }
.vb-button.inert { cursor: default; }
.vb-image { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; pointer-events: none; }
.vb-text { position: relative; padding: 4px 8px; width: 100%; overflow: hidden; text-overflow: ellipsis; overflow-wrap: anywhere; }
.vb-button.v-top { justify-content: flex-start; }
.vb-button.v-bottom { justify-content: flex-end; }
.vb-text.h-left { text-align: left; }
.vb-text.h-center { text-align: center; }
.vb-text.h-right { text-align: right; }
.vb-text.size-small { font-size: 12px; }
.vb-text.size-large { font-size: 17px; }
.vb-badge { position: absolute; top: 2px; right: 4px; font-size: 10px; opacity: .6; pointer-events: none; }
.composer { display: flex; gap: 8px; padding: 10px 12px; background: var(--panel); border-top: 1px solid var(--line); align-items: center; }
.composer .fields { flex: 1; display: flex; gap: 6px; min-width: 0; }
.composer .fields[hidden] { display: none; }
.composer .fields input { flex: 1; min-width: 0; }
@media (max-width: 720px) {
  .app { grid-template-columns: 1fr; grid-template-rows: auto 1fr; }
  .sidebar { max-height: 34vh; }
}
`;
