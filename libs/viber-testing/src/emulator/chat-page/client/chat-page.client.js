// @ts-check
/*
 * The chat page's browser script (vanilla JS, inlined into the page as is; no framework, no build
 * step: chat-page.script.ts reads this file). It talks to the emulator's `/_emulator/` endpoints
 * and follows `/_emulator/events` (Server-Sent Events).
 *
 * Everything that comes from the bot is put in the DOM with `textContent`, attributes set through
 * properties, and URLs only when they are http(s). The one exception is button `Text`, whose
 * documented HTML subset (`<b> <i> <u> <s> <br> <font color size>`, docs/protocol/keyboards.md,
 * "Button object") is rebuilt element by element from a parse that keeps nothing else (unknown
 * tags are shown as text).
 *
 * The page inlines the file in a `<script>` element: it must not contain a closing script tag.
 *
 * Type-checked by TypeScript against the DOM library (`tsconfig.json` here, `npm run typecheck`).
 * The types below describe the JSON the emulator sends: they mirror `../chat-page.types.ts` and
 * the Viber message types (only the fields the page reads). The page still checks what it reads
 * from the bot (`typeof`, `safeUrl`, `safeColor`, `intIn`) before using it.
 */
/**
 * @typedef {object} ChatPageInfo What the page shows about the bot (`GET /_emulator/info`).
 * @property {string} botName
 * @property {string} apiUrl
 * @property {string | null} webhook
 * @property {string[]} eventTypes
 */
/**
 * @typedef {object} ChatPageUser A simulated user as the page lists it.
 * @property {string} id
 * @property {string} name
 * @property {string} [avatar]
 * @property {boolean} subscribed
 * @property {number} apiVersion
 * @property {number} messageCount
 */
/**
 * @typedef {object} UserEntry The user wrote (or tapped a button).
 * @property {'user'} kind
 * @property {string} userId
 * @property {string} token
 * @property {ViberMessage} message
 * @property {boolean} silent
 * @property {number} timestamp
 */
/**
 * @typedef {object} BotEntry The bot wrote.
 * @property {'bot'} kind
 * @property {string} userId
 * @property {string} token
 * @property {'send_message' | 'broadcast_message' | 'welcome'} source
 * @property {ViberMessage} message
 * @property {MessageStatus} status
 * @property {string} [statusDetail]
 * @property {string[]} [warnings] What the emulator flags (e.g. a field Viber does not know).
 * @property {number} timestamp
 */
/**
 * @typedef {object} NoteEntry Something to tell the person at the page (`error` in red,
 * `warning` in amber).
 * @property {'note'} kind
 * @property {string | null} userId
 * @property {'info' | 'warning' | 'error'} level
 * @property {string} text
 * @property {number} timestamp
 */
/** @typedef {UserEntry | BotEntry | NoteEntry} ChatPageEntry One item of a conversation. */
/** @typedef {'sent' | 'delivered' | 'seen' | 'failed'} MessageStatus */
/**
 * @typedef {object} ChatPageKeyboard The keyboard under the input and the message that carried it.
 * @property {string} token
 * @property {ViberKeyboard} keyboard
 */
/**
 * @typedef {object} ChatPageConversation `GET /_emulator/users/:id/messages`.
 * @property {ChatPageUser} user
 * @property {ChatPageEntry[]} entries
 * @property {ChatPageKeyboard | null} keyboard
 */
/**
 * @typedef {object} ChatPageReceipt A bot message was delivered, seen or failed (event `receipt`).
 * @property {string} token
 * @property {'delivered' | 'seen' | 'failed'} status
 * @property {string} [desc]
 */
/**
 * @typedef {object} ViberMessage A message of any type, from the bot or the user.
 * @property {string} [type]
 * @property {string} [text]
 * @property {string} [media]
 * @property {string} [thumbnail]
 * @property {number} [size]
 * @property {number} [file_size]
 * @property {number} [duration]
 * @property {string} [file_name]
 * @property {{ name?: string, phone_number?: string }} [contact]
 * @property {{ lat?: number, lon?: number, address?: string }} [location]
 * @property {number} [sticker_id]
 * @property {ViberRichMedia} [rich_media]
 * @property {string} [alt_text]
 * @property {{ type?: string, description?: string, total_price?: unknown, currency_code?: unknown }} [payment]
 * @property {ViberKeyboard} [keyboard]
 * @property {{ name?: string }} [sender]
 * @property {string} [tracking_data]
 */
/**
 * @typedef {object} ViberKeyboard
 * @property {ViberButton[]} [Buttons]
 * @property {string} [BgColor]
 */
/**
 * @typedef {object} ViberRichMedia
 * @property {ViberButton[]} [Buttons]
 * @property {number} [ButtonsGroupColumns]
 * @property {number} [ButtonsGroupRows]
 * @property {string} [BgColor]
 */
/**
 * @typedef {object} ViberButton A keyboard or rich media button.
 * @property {string} [ActionType]
 * @property {string} [ActionBody]
 * @property {boolean} [Silent]
 * @property {number} [Columns]
 * @property {number} [Rows]
 * @property {string} [BgColor]
 * @property {string} [BgMedia]
 * @property {string} [BgMediaScaleType]
 * @property {string} [Image]
 * @property {string} [ImageScaleType]
 * @property {{ BorderWidth?: number, BorderColor?: string, CornerRadius?: number }} [Frame]
 * @property {string} [Text]
 * @property {{ Latitude?: number, Longitude?: number }} [Map]
 * @property {string} [TextHAlign]
 * @property {string} [TextVAlign]
 * @property {string} [TextSize]
 * @property {number} [TextOpacity]
 * @property {number[]} [TextPaddings]
 * @property {string} [TextBgGradientColor]
 */
/**
 * @typedef {object} LayoutItem A button placed on a grid.
 * @property {ViberButton} button
 * @property {number} index
 * @property {number} row
 * @property {number} column
 * @property {number} width
 * @property {number} height
 */
/**
 * @typedef {object} LayoutCard One grid of buttons (a rich media card, or the keyboard).
 * @property {LayoutItem[]} items
 * @property {boolean[][]} cells
 * @property {number} used
 * @property {number} row
 * @property {number} column
 */

(function () {
  'use strict';
  var API = '/_emulator';
  var KEYBOARD_COLUMNS = 6;
  /**
   * @type {{
   *   info: ChatPageInfo | null,
   *   users: Map<string, ChatPageUser>,
   *   current: string | null,
   *   loading: boolean,
   *   pending: ChatPageEntry[],
   *   rendered: Set<string>,
   *   statusNodes: Map<string, HTMLElement>,
   *   keyboard: ChatPageKeyboard | null,
   *   unread: Map<string, number>,
   * }}
   */
  var state = {
    info: null,
    users: new Map(),
    current: null,
    loading: false,
    pending: [],
    rendered: new Set(),
    statusNodes: new Map(),
    keyboard: null,
    unread: new Map(),
  };

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  function byId(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error('The chat page has no #' + id);
    return node;
  }
  /**
   * @param {string} id
   * @returns {HTMLInputElement}
   */
  function inputById(id) {
    return /** @type {HTMLInputElement} */ (byId(id));
  }
  /**
   * @param {string} id
   * @returns {HTMLButtonElement}
   */
  function buttonById(id) {
    return /** @type {HTMLButtonElement} */ (byId(id));
  }
  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string | null} [className]
   * @param {unknown} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  /** @param {Node} node */
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  /** @param {string | number} value */
  function enc(value) {
    return encodeURIComponent(value);
  }
  /** @returns {string | null} */
  function hashUser() {
    try {
      return location.hash ? decodeURIComponent(location.hash.slice(1)) : null;
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------ safety helpers

  /**
   * @param {unknown} value
   * @returns {string | null}
   */
  function safeUrl(value) {
    if (typeof value !== 'string' || value === '') return null;
    try {
      var url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }
  /**
   * @param {unknown} value
   * @returns {string | null}
   */
  function safeColor(value) {
    return typeof value === 'string' &&
      /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(value)
      ? value
      : null;
  }
  /** @param {string} href */
  function cssUrl(href) {
    return (
      'url("' +
      href.replace(/["\\\r\n]/g, function (c) {
        return '\\' + c.charCodeAt(0).toString(16) + ' ';
      }) +
      '")'
    );
  }
  /**
   * @param {unknown} value
   * @param {number} min
   * @param {number} max
   * @param {number} fallback
   * @returns {number}
   */
  function intIn(value, min, max, fallback) {
    return typeof value === 'number' && isFinite(value)
      ? Math.min(max, Math.max(min, Math.floor(value)))
      : fallback;
  }

  /** @type {Record<string, string>} */
  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  /** @param {string} text */
  function decodeEntities(text) {
    return text.replace(
      /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g,
      /**
       * @param {string} all
       * @param {string} name
       */
      function (all, name) {
        var code = null;
        if (name[0] === '#') {
          code =
            name[1] === 'x' || name[1] === 'X'
              ? parseInt(name.slice(2), 16)
              : parseInt(name.slice(1), 10);
          return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
        }
        return Object.prototype.hasOwnProperty.call(ENTITIES, name.toLowerCase())
          ? ENTITIES[name.toLowerCase()]
          : all;
      },
    );
  }
  /**
   * @param {Node} parent
   * @param {string} text
   */
  function addText(parent, text) {
    if (text) parent.appendChild(document.createTextNode(decodeEntities(text)));
  }

  /** @type {Record<string, string>} */
  var ALLOWED_TAGS = { b: 'b', i: 'i', u: 'u', s: 's', br: 'br', font: 'span' };
  var ATTRIBUTE = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
  /**
   * @param {HTMLElement} node
   * @param {string} attributes
   */
  function fontStyle(node, attributes) {
    var match;
    ATTRIBUTE.lastIndex = 0;
    while ((match = ATTRIBUTE.exec(attributes))) {
      var name = match[1].toLowerCase();
      var value = match[2] !== undefined ? match[2] : match[3] !== undefined ? match[3] : match[4];
      if (name === 'color') {
        var color = safeColor(value) || (/^[a-zA-Z]{3,20}$/.test(value) ? value : null);
        if (color) node.style.color = color;
      } else if (name === 'size' && /^[0-9]{1,2}$/.test(value)) {
        node.style.fontSize = intIn(Number(value), 12, 32, 14) + 'px';
      }
    }
  }
  /**
   * Draws button Text: only the documented HTML subset becomes elements; the rest is text.
   *
   * @param {HTMLElement} target
   * @param {string} source
   */
  function richText(target, source) {
    /** @type {Array<{ node: Node, tag: string | null }>} */
    var stack = [{ node: target, tag: null }];
    var tag = /<\s*(\/?)\s*([a-zA-Z]+)([^<>]*)>/g;
    var last = 0;
    var match;
    while ((match = tag.exec(source))) {
      var top = stack[stack.length - 1].node;
      addText(top, source.slice(last, match.index));
      last = tag.lastIndex;
      var closing = match[1] === '/';
      var name = match[2].toLowerCase();
      if (!Object.prototype.hasOwnProperty.call(ALLOWED_TAGS, name)) {
        top.appendChild(document.createTextNode(match[0]));
        continue;
      }
      if (name === 'br') {
        if (!closing) top.appendChild(document.createElement('br'));
        continue;
      }
      if (closing) {
        for (var depth = stack.length - 1; depth > 0; depth--) {
          if (stack[depth].tag === name) {
            stack.length = depth;
            break;
          }
        }
        continue;
      }
      var node = document.createElement(ALLOWED_TAGS[name]);
      if (name === 'font') fontStyle(node, match[3]);
      top.appendChild(node);
      stack.push({ node: node, tag: name });
    }
    addText(stack[stack.length - 1].node, source.slice(last));
  }

  // ------------------------------------------------------------ API

  /**
   * Calls one of the page's endpoints; resolves with its JSON answer (see chat-page.router.ts).
   *
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<unknown>}
   */
  function api(method, path, body) {
    /** @type {{ method: string, headers: Record<string, string>, body?: string }} */
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (response) {
      return response.text().then(function (text) {
        /** @type {{ error?: string } | null} */
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch {
          data = null;
        }
        if (!response.ok) {
          throw new Error(
            data && data.error ? data.error : 'HTTP ' + response.status + ' ' + response.statusText,
          );
        }
        return data;
      });
    });
  }

  /** @type {ReturnType<typeof setTimeout> | null} */
  var toastTimer = null;
  /** @param {unknown} error */
  function showError(error) {
    var message =
      typeof error === 'object' && error !== null && 'message' in error ? error.message : null;
    var text = message ? String(message) : String(error);
    if (text === 'Failed to fetch') text = 'The emulator is not reachable (was it closed?)';
    byId('toast-text').textContent = text;
    byId('toast').hidden = false;
    if (toastTimer) clearTimeout(toastTimer);
    toastTimer = setTimeout(hideToast, 10000);
  }
  function hideToast() {
    byId('toast').hidden = true;
  }

  // ------------------------------------------------------------ users

  /** @param {unknown} name */
  function initials(name) {
    var parts = String(name || '?')
      .trim()
      .split(/\s+/);
    return (parts[0].charAt(0) + (parts.length > 1 ? parts[1].charAt(0) : '')).toUpperCase() || '?';
  }
  /**
   * @param {HTMLElement} node
   * @param {ChatPageUser | null | undefined} user
   */
  function drawAvatar(node, user) {
    node.textContent = initials(user ? user.name : '?');
    var avatar = user ? safeUrl(user.avatar) : null;
    node.style.backgroundImage = avatar ? cssUrl(avatar) : '';
    if (avatar) node.textContent = '';
  }
  function renderUsers() {
    var list = byId('users');
    clear(list);
    state.users.forEach(function (user) {
      var item = el('li');
      var button = el('button', 'user-item' + (user.id === state.current ? ' active' : ''));
      button.type = 'button';
      button.dataset.userId = user.id;
      button.title = 'id: ' + user.id;
      var avatar = el('div', 'avatar');
      drawAvatar(avatar, user);
      var text = el('div', 'user-text');
      text.appendChild(el('div', 'user-name', user.name));
      text.appendChild(
        el(
          'div',
          'user-sub',
          (user.subscribed ? 'subscribed' : 'not subscribed') +
            ' · ' +
            user.messageCount +
            ' messages',
        ),
      );
      button.appendChild(avatar);
      button.appendChild(text);
      var unread = state.unread.get(user.id);
      if (unread) button.appendChild(el('span', 'unread', unread));
      button.addEventListener('click', function () {
        selectUser(user.id);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    if (state.users.size === 0) list.appendChild(el('li', 'empty', 'No users yet'));
  }
  function renderHeader() {
    var user = state.current !== null ? state.users.get(state.current) : null;
    drawAvatar(byId('chat-avatar'), user);
    byId('chat-title').textContent = user ? user.name : 'No user picked';
    byId('chat-sub').textContent = user
      ? 'id ' +
        user.id +
        ' · ' +
        (user.subscribed ? 'subscribed' : 'not subscribed') +
        ' · API ' +
        user.apiVersion
      : 'Pick a simulated user or add one';
    buttonById('open-chat').disabled = !user;
    buttonById('toggle-subscription').disabled = !user;
    buttonById('toggle-subscription').textContent =
      user && user.subscribed ? 'Unsubscribe' : 'Subscribe';
    buttonById('send').disabled = !user;
  }
  /** @param {ChatPageUser} user */
  function upsertUser(user) {
    state.users.set(user.id, user);
    renderUsers();
    if (user.id === state.current) renderHeader();
  }

  /** @param {string} id */
  function selectUser(id) {
    if (!state.users.has(id)) return;
    if (location.hash !== '#' + enc(id)) history.replaceState(null, '', '#' + enc(id));
    state.current = id;
    state.unread.delete(id);
    state.loading = true;
    state.pending = [];
    state.rendered = new Set();
    state.statusNodes = new Map();
    state.keyboard = null;
    clear(byId('messages'));
    renderKeyboard();
    renderUsers();
    renderHeader();
    api('GET', '/users/' + enc(id) + '/messages')
      .then(function (answer) {
        var conversation = /** @type {ChatPageConversation} */ (answer);
        if (state.current !== id) return;
        upsertUser(conversation.user);
        conversation.entries.forEach(appendEntry);
        state.keyboard = conversation.keyboard;
        renderKeyboard();
        state.loading = false;
        var pending = state.pending;
        state.pending = [];
        pending.forEach(receiveEntry);
        if (byId('messages').children.length === 0) {
          byId('messages').appendChild(
            el('div', 'empty', 'No messages yet: open the conversation or say hi.'),
          );
        }
        inputById('text').focus();
      })
      .catch(function (/** @type {unknown} */ error) {
        state.loading = false;
        showError(error);
      });
  }

  // ------------------------------------------------------------ conversation

  /** @param {number} timestamp */
  function timeOf(timestamp) {
    return new Date(timestamp).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }
  function scrollDown() {
    var box = byId('messages');
    box.scrollTop = box.scrollHeight;
  }
  /**
   * @param {unknown} href
   * @param {string} [text]
   */
  function link(href, text) {
    var safe = safeUrl(href);
    if (!safe) return el('span', null, text || href);
    var a = el('a', null, text || safe);
    a.href = safe;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  /** @param {unknown} bytes */
  function size(bytes) {
    if (typeof bytes !== 'number') return '';
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }
  /**
   * @param {string} icon
   * @param {Array<string | Node>} lines
   */
  function cardLine(icon, lines) {
    var row = el('div', 'card-line');
    row.appendChild(el('span', 'icon', icon));
    var text = el('div');
    lines.forEach(function (line, index) {
      if (line === null || line === undefined || line === '') return;
      var node = typeof line === 'string' ? el('div', index > 0 ? 'small' : null, line) : line;
      text.appendChild(node);
    });
    row.appendChild(text);
    return row;
  }
  /**
   * @param {unknown} media
   * @param {string} [caption]
   */
  function picture(media, caption) {
    var box = el('div', 'picture');
    var src = safeUrl(media);
    if (src) {
      var img = el('img');
      img.alt = caption || 'picture';
      img.src = src;
      img.referrerPolicy = 'no-referrer';
      box.appendChild(img);
    } else {
      box.appendChild(el('div', 'small', 'picture: ' + String(media)));
    }
    if (caption) box.appendChild(el('div', 'caption', caption));
    return box;
  }
  /**
   * @param {number} lat
   * @param {number} lon
   */
  function osm(lat, lon) {
    return (
      'https://www.openstreetmap.org/?mlat=' +
      enc(lat) +
      '&mlon=' +
      enc(lon) +
      '#map=15/' +
      enc(lat) +
      '/' +
      enc(lon)
    );
  }

  /**
   * The body of a message of any type, sent by the bot or the user.
   *
   * @param {ViberMessage} message
   * @param {{ token: string }} entry
   * @returns {HTMLElement}
   */
  function messageBody(message, entry) {
    var type = message.type;
    if (type === 'text') return el('div', 'text', message.text);
    if (type === 'picture') return picture(message.media, message.text);
    if (type === 'video') {
      var box = el('div', 'video');
      var src = safeUrl(message.media);
      if (src) {
        var video = el('video');
        video.controls = true;
        video.preload = 'none';
        video.src = src;
        var poster = safeUrl(message.thumbnail);
        if (poster) video.poster = poster;
        box.appendChild(video);
      }
      var details = [
        size(message.size),
        typeof message.duration === 'number' ? message.duration + ' s' : '',
      ]
        .filter(Boolean)
        .join(' · ');
      box.appendChild(cardLine('▶', [link(message.media, 'video'), details]));
      return box;
    }
    if (type === 'file') {
      var fileSize = typeof message.size === 'number' ? message.size : message.file_size;
      return cardLine('▤', [link(message.media, message.file_name || 'file'), size(fileSize)]);
    }
    if (type === 'contact') {
      var contact = message.contact || /** @type {NonNullable<ViberMessage['contact']>} */ ({});
      return cardLine('☎', [contact.name || 'contact', contact.phone_number || '']);
    }
    if (type === 'location') {
      var location = message.location || /** @type {NonNullable<ViberMessage['location']>} */ ({});
      return cardLine('⚑', [
        'Location ' + location.lat + ', ' + location.lon,
        location.address || '',
        link(
          osm(/** @type {number} */ (location.lat), /** @type {number} */ (location.lon)),
          'open map',
        ),
      ]);
    }
    if (type === 'url') return cardLine('↗', [link(message.media)]);
    if (type === 'sticker') return el('div', 'sticker', 'Sticker #' + message.sticker_id);
    if (type === 'rich_media') return richMedia(message, entry);
    if (type === 'payment') {
      var payment = message.payment || /** @type {NonNullable<ViberMessage['payment']>} */ ({});
      return cardLine('¤', [
        'Payment: ' + (payment.description || payment.type || ''),
        String(payment.total_price) + ' ' + String(payment.currency_code),
      ]);
    }
    if (type === undefined && message.keyboard) return el('div', 'small', '⌨ keyboard');
    var unknown = el('pre', 'small', JSON.stringify(message, null, 2));
    return unknown;
  }

  /**
   * @param {MessageStatus} status
   * @param {string} [detail]
   */
  function statusText(status, detail) {
    if (status === 'seen') return '✓✓ seen';
    if (status === 'delivered') return '✓✓ delivered';
    if (status === 'failed') return '⚠ failed' + (detail ? ': ' + detail : '');
    return '✓ sent';
  }
  /**
   * @param {HTMLElement} node
   * @param {MessageStatus} status
   * @param {string} [detail]
   */
  function setStatus(node, status, detail) {
    node.textContent = statusText(status, detail);
    node.className = 'status ' + status;
  }

  /**
   * @param {ChatPageEntry} entry
   * @returns {HTMLElement | null}
   */
  function entryNode(entry) {
    if (entry.kind === 'note')
      return el('div', 'note' + (entry.level === 'info' ? '' : ' ' + entry.level), entry.text);
    if (entry.kind === 'user') {
      if (entry.silent) return null;
      var mine = el('div', 'msg user');
      mine.dataset.token = entry.token;
      var myBubble = el('div', 'bubble');
      myBubble.appendChild(messageBody(entry.message, entry));
      mine.appendChild(myBubble);
      mine.appendChild(el('div', 'meta', timeOf(entry.timestamp)));
      return mine;
    }
    var message = entry.message || /** @type {ViberMessage} */ ({});
    var node = el('div', 'msg bot' + (message.type === 'rich_media' ? ' rich' : ''));
    node.dataset.token = entry.token;
    node.dataset.type = message.type || 'keyboard';
    if (message.sender && message.sender.name)
      node.appendChild(el('div', 'sender', message.sender.name));
    var bubble = el('div', 'bubble');
    bubble.appendChild(messageBody(message, entry));
    node.appendChild(bubble);
    if (Array.isArray(entry.warnings) && entry.warnings.length > 0) {
      // Accepted, but probably a mistake: Viber would ignore these fields silently.
      var warnings = el('ul', 'warnings');
      warnings.title = 'Flagged by the emulator; Viber accepts the message';
      entry.warnings.forEach(function (warning) {
        warnings.appendChild(el('li', '', '⚠ ' + String(warning)));
      });
      node.appendChild(warnings);
    }
    var meta = el(
      'div',
      'meta',
      timeOf(entry.timestamp) +
        (entry.source === 'welcome'
          ? ' · welcome message'
          : entry.source === 'broadcast_message'
            ? ' · broadcast'
            : '') +
        ' · ',
    );
    if (typeof message.tracking_data === 'string')
      meta.title = 'tracking_data: ' + message.tracking_data;
    var status = el('span');
    setStatus(status, entry.status, entry.statusDetail);
    meta.appendChild(status);
    state.statusNodes.set(entry.token, status);
    node.appendChild(meta);
    return node;
  }

  /** @param {ChatPageEntry} entry */
  function appendEntry(entry) {
    var key = entry.kind === 'note' ? null : entry.kind + ':' + entry.token;
    if (key !== null) {
      if (state.rendered.has(key)) return;
      state.rendered.add(key);
    }
    var node = entryNode(entry);
    if (!node) return;
    var box = byId('messages');
    var empty = box.querySelector(':scope > .empty');
    if (empty) empty.remove();
    box.appendChild(node);
    scrollDown();
  }

  /** @param {ChatPageEntry} entry */
  function receiveEntry(entry) {
    if (entry.userId !== null && entry.userId !== state.current) {
      if (entry.kind !== 'note' && !(entry.kind === 'user' && entry.silent)) {
        state.unread.set(entry.userId, (state.unread.get(entry.userId) || 0) + 1);
        renderUsers();
      }
      return;
    }
    if (state.current === null) {
      if (entry.kind === 'note' && entry.level === 'error') showError(new Error(entry.text));
      return;
    }
    if (state.loading) {
      state.pending.push(entry);
      return;
    }
    appendEntry(entry);
    if (entry.kind === 'bot' && entry.message && entry.message.keyboard) {
      state.keyboard = { token: entry.token, keyboard: entry.message.keyboard };
      renderKeyboard();
    }
  }

  // ------------------------------------------------------------ keyboards and rich media

  /**
   * Places buttons in order on grids of columns x rows (a card each), wrapping to the next row
   * when a button does not fit and starting a new card when the grid is full
   * (docs/protocol/keyboards.md, "General" and "Rich media").
   *
   * @param {ViberButton[]} buttons
   * @param {number} columns
   * @param {number} rows
   * @param {number} maxButtonRows
   * @returns {LayoutCard[]}
   */
  function layout(buttons, columns, rows, maxButtonRows) {
    /** @type {LayoutCard[]} */
    var cards = [];
    var card = newCard();
    function newCard() {
      /** @type {LayoutCard} */
      var created = { items: [], cells: [], used: 0, row: 0, column: 0 };
      cards.push(created);
      return created;
    }
    /**
     * @param {number} row
     * @param {number} column
     * @param {number} width
     * @param {number} height
     */
    function free(row, column, width, height) {
      for (var y = row; y < row + height; y++) {
        for (var x = column; x < column + width; x++) {
          if (card.cells[y] && card.cells[y][x]) return false;
        }
      }
      return true;
    }
    /**
     * @param {number} width
     * @param {number} height
     * @returns {[number, number] | null}
     */
    function find(width, height) {
      for (var row = card.row; row + height <= rows; row++) {
        for (var column = row === card.row ? card.column : 0; column + width <= columns; column++) {
          if (free(row, column, width, height)) return [row, column];
        }
      }
      return null;
    }
    buttons.forEach(function (button, index) {
      if (!button || typeof button !== 'object') return;
      var width = intIn(button.Columns, 1, columns, columns);
      var height = intIn(button.Rows, 1, Math.min(rows, maxButtonRows), 1);
      var spot = find(width, height);
      if (!spot) {
        card = newCard();
        spot = find(width, height) || [0, 0];
      }
      for (var y = spot[0]; y < spot[0] + height; y++) {
        card.cells[y] = card.cells[y] || [];
        for (var x = spot[1]; x < spot[1] + width; x++) card.cells[y][x] = true;
      }
      card.items.push({
        button: button,
        index: index,
        row: spot[0],
        column: spot[1],
        width: width,
        height: height,
      });
      card.row = spot[0];
      card.column = spot[1] + width;
      card.used = Math.max(card.used, spot[0] + height);
    });
    return cards;
  }

  /** @type {Record<string, string>} */
  var SCALE = { fit: 'contain', fill: '100% 100%', crop: 'cover' };
  /** @type {Record<string, string>} */
  var OBJECT_FIT = { fit: 'contain', fill: 'fill', crop: 'cover' };
  /** @type {Record<string, string>} */
  var BADGES = { 'open-url': '↗', 'share-phone': '☎', 'location-picker': '⚑', none: '' };

  /**
   * @param {LayoutItem} item
   * @param {(button: ViberButton, action: string) => void} onTap
   */
  function buttonNode(item, onTap) {
    var button = item.button;
    var action = typeof button.ActionType === 'string' ? button.ActionType : 'reply';
    var node = el('button', 'vb-button');
    node.type = 'button';
    node.style.gridColumn = item.column + 1 + ' / span ' + item.width;
    node.style.gridRow = item.row + 1 + ' / span ' + item.height;
    node.dataset.actionType = action;
    node.dataset.index = String(item.index);
    if (typeof button.ActionBody === 'string') node.dataset.actionBody = button.ActionBody;
    node.title =
      action +
      (typeof button.ActionBody === 'string' ? ': ' + button.ActionBody : '') +
      (button.Silent ? ' (silent)' : '');
    var color = safeColor(button.BgColor);
    if (color) node.style.backgroundColor = color;
    var media = safeUrl(button.BgMedia);
    if (media) {
      node.style.backgroundImage = cssUrl(media);
      node.style.backgroundSize = SCALE[String(button.BgMediaScaleType)] || 'cover';
    }
    var image = safeUrl(button.Image);
    if (image) {
      var img = el('img', 'vb-image');
      img.alt = '';
      img.src = image;
      img.referrerPolicy = 'no-referrer';
      img.style.objectFit = OBJECT_FIT[String(button.ImageScaleType)] || 'cover';
      node.appendChild(img);
    }
    var frame = button.Frame;
    if (frame && typeof frame === 'object') {
      node.style.border =
        intIn(frame.BorderWidth, 0, 10, 1) +
        'px solid ' +
        (safeColor(frame.BorderColor) || '#000000');
      node.style.borderRadius = intIn(frame.CornerRadius, 0, 10, 0) + 'px';
    }
    var text = typeof button.Text === 'string' ? button.Text : '';
    if (!text && button.Map && typeof button.Map === 'object')
      text = '⚑ ' + button.Map.Latitude + ', ' + button.Map.Longitude;
    if (text) {
      var label = el('span', 'vb-text');
      richText(label, text);
      var halign =
        button.TextHAlign === 'left' || button.TextHAlign === 'right'
          ? button.TextHAlign
          : 'center';
      label.classList.add('h-' + halign);
      if (button.TextSize === 'small' || button.TextSize === 'large')
        label.classList.add('size-' + button.TextSize);
      if (typeof button.TextOpacity === 'number')
        label.style.opacity = String(intIn(button.TextOpacity, 0, 100, 100) / 100);
      if (Array.isArray(button.TextPaddings) && button.TextPaddings.length === 4) {
        var p = button.TextPaddings.map(function (value) {
          return intIn(value, 0, 12, 12) + 'px';
        });
        label.style.padding = p[0] + ' ' + p[3] + ' ' + p[2] + ' ' + p[1];
      }
      var gradient = safeColor(button.TextBgGradientColor);
      if (gradient && (button.TextVAlign === 'top' || button.TextVAlign === 'bottom')) {
        label.style.backgroundImage =
          'linear-gradient(to ' +
          (button.TextVAlign === 'top' ? 'bottom' : 'top') +
          ', ' +
          gradient +
          ', transparent)';
      }
      node.appendChild(label);
    }
    if (button.TextVAlign === 'top' || button.TextVAlign === 'bottom')
      node.classList.add('v-' + button.TextVAlign);
    if (BADGES[action]) node.appendChild(el('span', 'vb-badge', BADGES[action]));
    if (action === 'none') node.classList.add('inert');
    node.addEventListener('click', function () {
      onTap(button, action);
    });
    return node;
  }

  /**
   * @param {'keyboard' | 'rich_media'} from
   * @param {string} token
   * @param {number} index
   * @returns {(button: ViberButton, action: string) => void}
   */
  function tap(from, token, index) {
    return function (button, action) {
      if (state.current === null || action === 'none') return;
      if (action === 'open-url') {
        var url = safeUrl(button.ActionBody);
        if (url) window.open(url, '_blank', 'noopener,noreferrer');
      }
      api('POST', '/users/' + enc(state.current) + '/tap', {
        token: token,
        from: from,
        index: index,
      }).catch(showError);
    };
  }

  /**
   * @param {ViberMessage} message
   * @param {{ token: string }} entry
   */
  function richMedia(message, entry) {
    var rich = message.rich_media || /** @type {ViberRichMedia} */ ({});
    var columns = intIn(rich.ButtonsGroupColumns, 1, 6, 6);
    var rows = intIn(rich.ButtonsGroupRows, 1, 7, 7);
    var carousel = el('div', 'carousel');
    if (typeof message.alt_text === 'string') carousel.title = message.alt_text;
    var buttons = Array.isArray(rich.Buttons) ? rich.Buttons : [];
    layout(buttons, columns, rows, 7).forEach(function (card) {
      var node = el('div', 'card');
      node.style.gridTemplateColumns = 'repeat(' + columns + ', var(--col))';
      node.style.gridTemplateRows = 'repeat(' + rows + ', var(--row))';
      var color = safeColor(rich.BgColor);
      if (color) node.style.backgroundColor = color;
      card.items.forEach(function (item) {
        node.appendChild(buttonNode(item, tap('rich_media', entry.token, item.index)));
      });
      carousel.appendChild(node);
    });
    return carousel;
  }

  function renderKeyboard() {
    var box = byId('keyboard');
    clear(box);
    var current = state.keyboard;
    var keyboard = current && current.keyboard;
    if (
      !current ||
      !keyboard ||
      !Array.isArray(keyboard.Buttons) ||
      keyboard.Buttons.length === 0
    ) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    var token = current.token;
    box.dataset.token = token;
    var color = safeColor(keyboard.BgColor);
    box.style.backgroundColor = color || '';
    layout(keyboard.Buttons, KEYBOARD_COLUMNS, Infinity, 2).forEach(function (card) {
      card.items.forEach(function (item) {
        box.appendChild(buttonNode(item, tap('keyboard', token, item.index)));
      });
    });
  }

  // ------------------------------------------------------------ composer and actions

  function currentKind() {
    return /** @type {HTMLSelectElement} */ (byId('kind')).value;
  }
  function showKind() {
    var kind = currentKind();
    /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.composer .fields')).forEach(
      function (fields) {
        fields.hidden = fields.dataset.kind !== kind;
      },
    );
  }
  /** @returns {object | null} the body of `POST /_emulator/users/:id/send` (ChatPageSendRequest) */
  function composed() {
    var kind = currentKind();
    if (kind === 'text') {
      var text = inputById('text').value;
      return text.trim() ? { text: text } : null;
    }
    if (kind === 'picture') {
      var media = inputById('picture-url').value.trim();
      var caption = inputById('picture-caption').value;
      return media
        ? { picture: caption ? { media: media, text: caption } : { media: media } }
        : null;
    }
    if (kind === 'location') {
      return {
        location: {
          lat: Number(inputById('location-lat').value),
          lon: Number(inputById('location-lon').value),
        },
      };
    }
    return {
      contact: {
        name: inputById('contact-name').value,
        phone_number: inputById('contact-phone').value,
      },
    };
  }
  /** @param {Event} event */
  function send(event) {
    event.preventDefault();
    if (state.current === null) return showError(new Error('Pick or add a user first'));
    var body = composed();
    if (!body) return;
    var kind = currentKind();
    var button = buttonById('send');
    button.disabled = true;
    void api('POST', '/users/' + enc(state.current) + '/send', body)
      .then(function () {
        if (kind === 'text') inputById('text').value = '';
        if (kind === 'picture') {
          inputById('picture-url').value = '';
          inputById('picture-caption').value = '';
        }
        hideToast();
      })
      .catch(showError)
      .then(function () {
        button.disabled = state.current === null;
        if (kind === 'text') inputById('text').focus();
      });
  }
  /** @param {Event} event */
  function addUser(event) {
    event.preventDefault();
    var name = inputById('new-user-name').value.trim();
    var id = inputById('new-user-id').value.trim();
    /** @type {{ name?: string, id?: string }} */
    var body = {};
    if (name) body.name = name;
    if (id) body.id = id;
    if (!name && !id) return showError(new Error('Give the new user a name or an id'));
    api('POST', '/users', body)
      .then(function (answer) {
        var user = /** @type {ChatPageUser} */ (answer);
        inputById('new-user-name').value = '';
        inputById('new-user-id').value = '';
        upsertUser(user);
        selectUser(user.id);
      })
      .catch(showError);
  }
  /** @param {string} action */
  function userAction(action) {
    return function () {
      if (state.current === null) return;
      api('POST', '/users/' + enc(state.current) + '/' + action, {})
        .then(hideToast)
        .catch(showError);
    };
  }

  // ------------------------------------------------------------ info and live updates

  function renderInfo() {
    var info = state.info;
    if (!info) return;
    byId('bot-name').textContent = info.botName;
    var webhook = byId('webhook');
    if (info.webhook) {
      webhook.textContent = 'Webhook: ' + info.webhook;
      webhook.className = 'webhook';
    } else {
      webhook.textContent =
        'No webhook set: the bot must call set_webhook on ' +
        info.apiUrl +
        ' before users can write to it.';
      webhook.className = 'webhook missing';
    }
    document.title = info.botName + ' · Viber emulator';
  }

  function connect() {
    var source = new EventSource(API + '/events');
    var live = byId('live');
    source.addEventListener('open', function () {
      live.textContent = 'live';
      live.className = 'live';
    });
    source.addEventListener('error', function () {
      live.textContent = 'reconnecting…';
      live.className = 'live offline';
    });
    source.addEventListener('info', function (event) {
      state.info = JSON.parse(event.data);
      renderInfo();
    });
    source.addEventListener('user', function (event) {
      upsertUser(JSON.parse(event.data));
    });
    source.addEventListener('entry', function (event) {
      receiveEntry(JSON.parse(event.data));
    });
    source.addEventListener('receipt', function (event) {
      /** @type {ChatPageReceipt} */
      var receipt = JSON.parse(event.data);
      var node = state.statusNodes.get(receipt.token);
      if (node) setStatus(node, receipt.status, receipt.desc);
    });
  }

  function start() {
    byId('composer').addEventListener('submit', send);
    byId('new-user').addEventListener('submit', addUser);
    byId('kind').addEventListener('change', showKind);
    byId('open-chat').addEventListener('click', userAction('open'));
    byId('toggle-subscription').addEventListener('click', function () {
      var user = state.current !== null ? state.users.get(state.current) : null;
      if (user) userAction(user.subscribed ? 'unsubscribe' : 'subscribe')();
    });
    byId('toast-close').addEventListener('click', hideToast);
    window.addEventListener('hashchange', function () {
      var id = hashUser();
      if (id && id !== state.current) selectUser(id);
    });
    connect();
    Promise.all([api('GET', '/info'), api('GET', '/users')])
      .then(function (results) {
        state.info = /** @type {ChatPageInfo} */ (results[0]);
        renderInfo();
        /** @type {ChatPageUser[]} */ (results[1]).forEach(function (user) {
          state.users.set(user.id, user);
        });
        renderUsers();
        renderHeader();
        var wanted = hashUser();
        if (wanted && state.users.has(wanted)) selectUser(wanted);
        else if (state.users.size === 1)
          selectUser(/** @type {string} */ (state.users.keys().next().value));
      })
      .catch(showError);
  }

  start();
})();
