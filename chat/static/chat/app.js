/**
 * The chat's browser side: one dependency-free ES module for every page
 * (<body data-page="login|groups|group">), so there are no imports for the
 * static files storage to rewrite.
 *
 * The JWTs live in HttpOnly cookies this script never sees; every write
 * echoes the csrftoken cookie in X-CSRFToken. User content reaches the page
 * through textContent only, never innerHTML.
 */

const $ = (selector) => document.querySelector(selector);

const ROLES = ['member', 'admin', 'owner'];
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
// A hole in the seqs waits this long before it is fetched: a message relayed out of
// order fills it by itself.
const GAP_GRACE_MS = 1000;
// A socket that has heard nothing for this long fetches what it may have missed.
const IDLE_CHECK_MS = 30_000;
// The chat socket's events that change the members panel.
const MEMBER_EVENTS = new Set(['member_added', 'member_removed', 'member_role_changed']);
// A page marks what it has shown read this long after it changed.
const READ_DELAY_MS = 500;
// The conversation scrolled this close to its top loads the page before.
const OLDER_AT_PX = 40;
// The page says `here` this often (the server keeps a member online 45 s after).
const HERE_EVERY_MS = 20_000;
// While the user types, `typing` goes at most this often (others show it for 5 s).
const TYPING_EVERY_MS = 2000;

// ---------------------------------------------------------------- the API

/** An API answer other than 2xx, with the body's explanation as its message. */
class ApiError extends Error {
  constructor(status, body) {
    super(describeError(body) || `The server answered HTTP ${status}.`);
    this.status = status;
  }
}

/** DRF error bodies: {"detail": "..."} or {"field": ["problem", ...], ...}. */
function describeError(body) {
  if (!body || typeof body !== 'object') return '';
  if (typeof body.detail === 'string') return body.detail;
  return Object.entries(body)
    .map(([field, problems]) => {
      const text = [problems].flat().join(' ');
      return field === 'non_field_errors' ? text : `${field}: ${text}`;
    })
    .join(' ');
}

function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split('; ').find((item) => item.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : '';
}

function send(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRFToken'] = cookie('csrftoken');
  return fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

let refreshing = null;

/**
 * Trade the refresh cookie for fresh tokens. Callers share one attempt: the
 * refresh token rotates, and the old one is blacklisted once used.
 */
function refreshSession() {
  refreshing ??= send('POST', '/api/auth/refresh/')
    .then((response) => response.ok, () => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

// Set by "Log out": the logout closes this page's sockets (4401), which must not send
// it to log in again with a ?next= while it is on its way to /login/.
let loggingOut = false;

function goToLogin() {
  if (loggingOut) return;
  const next = location.pathname + location.search;
  location.assign(`/login/?next=${encodeURIComponent(next)}`);
}

/**
 * Call the API and return its JSON (null for 204). A 401 refreshes the
 * session and retries once; if that fails the user is sent to log in.
 */
async function api(method, url, body) {
  let response = await send(method, url, body);
  if (response.status === 401 && (await refreshSession())) {
    response = await send(method, url, body);
  }
  if (response.status === 401) goToLogin();
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Every page of a paginated list ({next, results}); a plain list as it is. */
async function* pages(url) {
  while (url) {
    const page = await api('GET', url);
    if (Array.isArray(page)) {
      yield page;
      return;
    }
    yield page.results;
    url = page.next;
  }
}

// ---------------------------------------------------------------- page bits

function show(element, visible = true) {
  element.hidden = !visible;
}

function showError(element, error) {
  // A 401 is already on its way to the login page.
  if (error instanceof ApiError && error.status === 401) return;
  const message = error instanceof Error ? error.message : String(error ?? '');
  element.textContent = message;
  show(element, message !== '');
}

function clearError(element) {
  showError(element, '');
}

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The top bar: who is logged in, and a way out. Returns the user. */
async function loadUser() {
  const me = await api('GET', '/api/auth/me/');
  $('#whoami').textContent = `Signed in as ${me.username}`;
  show($('#whoami'));
  show($('#account-link'));
  const logout = $('#logout');
  logout.addEventListener('click', async () => {
    loggingOut = true;
    await send('POST', '/api/auth/logout/').catch(() => null);
    location.assign('/login/');
  });
  show(logout);
  return me;
}

// ---------------------------------------------------------------- account pages

/**
 * Where to go after logging in: the server's choice (<body data-next>, a path on
 * this site), checked again by parsing it as the browser will navigate, so that
 * nothing that resolves to another origin ("//host", "/\t/host", "/\\host") is
 * followed. Never a pattern.
 */
function nextPath() {
  const fallback = '/groups/';
  const next = document.body.dataset.next ?? '';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  if (!next.startsWith('/') || url.origin !== location.origin) return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * Handle a form's submit here; its submit button, disabled in the page so
 * that nothing posts before this script runs, is enabled now.
 */
function onSubmit(form, handler) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handler(event);
  });
  form.querySelector('button[type="submit"]').disabled = false;
}

/**
 * A form of the account pages, posted as JSON to `url`; `done(body)` runs on
 * success. Every refusal is shown in `error`, a 401 included: here it means
 * wrong credentials, not an expired session.
 */
function accountForm(form, error, url, done) {
  const button = form.querySelector('button[type="submit"]');
  onSubmit(form, async () => {
    clearError(error);
    button.disabled = true;
    try {
      const response = await send('POST', url, Object.fromEntries(new FormData(form)));
      const body = response.status === 204 ? null : await response.json().catch(() => null);
      if (response.ok) done(body);
      else showError(error, new ApiError(response.status, body).message);
    } catch {
      showError(error, 'Cannot reach the server; try again.');
    } finally {
      button.disabled = false;
    }
  });
}

/** The links between the login and sign-up pages keep the ?next= they came with. */
function keepNext() {
  for (const link of document.querySelectorAll('a.keeps-next')) link.search = location.search;
}

function loginPage() {
  keepNext();
  accountForm($('#login-form'), $('#login-error'), '/api/auth/login/', () => location.assign(nextPath()));
}

function signupPage() {
  keepNext();
  accountForm($('#signup-form'), $('#signup-error'), '/api/auth/signup/', () => location.assign(nextPath()));
}

async function accountPage() {
  const form = $('#password-form');
  accountForm(form, $('#password-error'), '/api/auth/password/', () => {
    form.reset();
    show($('#password-done'));
  });
  form.addEventListener('input', () => show($('#password-done'), false));
  await loadUser().catch((failure) => showError($('#password-error'), failure));
  await blockedUsers($('#blocked-list'), $('#blocked-error'));
}

/** The users I blocked (they cannot add me to groups), each with a way to unblock. */
async function blockedUsers(list, error) {
  const load = async () => {
    const blocks = await api('GET', '/api/blocks/');
    list.replaceChildren(
      ...blocks.map((block) => {
        const item = make('li', 'blocked-user', block.user.username);
        item.append(
          button('Unblock', async () => {
            clearError(error);
            await api('DELETE', `/api/blocks/${block.user.id}/`).catch((failure) => showError(error, failure));
            await load();
          }),
        );
        return item;
      }),
    );
    show($('#blocked-none'), blocks.length === 0);
  };
  await load().catch((failure) => showError(error, failure));
}

// ---------------------------------------------------------------- groups page

function groupItem(group) {
  const item = make('li', 'group-item');
  const link = make('a', 'group-link', group.name);
  link.href = `/groups/${group.id}/`;
  item.append(link, make('span', 'badge', group.my_role));
  return item;
}

async function groupsPage() {
  const list = $('#group-list');
  const error = $('#groups-error');
  const form = $('#create-group-form');
  let me;
  const listGroups = async () => {
    const items = [];
    for await (const batch of pages('/api/groups/')) items.push(...batch.map((group) => withActivity(group, me)));
    list.replaceChildren(...items);
    show($('#groups-empty'), list.children.length === 0);
  };
  const live = liveGroups(list, () => me, listGroups, error);

  onSubmit(form, async () => {
    clearError(error);
    try {
      const group = await api('POST', '/api/groups/', { name: form.elements.name.value });
      if (!list.querySelector(`[data-group-id="${group.id}"]`)) list.prepend(withActivity(group, me));
      show($('#groups-empty'), false);
      form.reset();
    } catch (failure) {
      showError(error, failure);
    }
  });

  try {
    me = await loadUser();
    await listGroups();
    live.connect();
  } catch (failure) {
    showError(error, failure);
  } finally {
    show($('#groups-loading'), false);
  }
}

// ---------------------------------------------------------------- groups page: unread and live updates

/** A group's <li> with its unread count and latest message (GET /api/groups/ or chat_added). */
function withActivity(group, me) {
  const item = groupItem(group);
  item.dataset.groupId = group.id;
  const unread = make('span', 'badge unread');
  unread.setAttribute('aria-label', 'Unread messages');
  item.append(unread, make('p', 'preview muted'));
  setUnread(item, group.unread_count ?? 0);
  if (group.last_message) showLastMessage(item, group.last_message, me);
  return item;
}

function setUnread(item, count) {
  const badge = item.querySelector('.unread');
  badge.textContent = String(count);
  show(badge, count > 0);
}

function showLastMessage(item, message, me) {
  const who = message.sender?.id === me.id ? 'you' : (message.sender?.username ?? 'deleted user');
  const text = message.deleted ? 'This message was deleted.' : message.preview;
  item.querySelector('.preview').textContent = `${who}: ${text}`;
}

/**
 * The groups page's socket (/ws/me/): the user's chats as they change. A new message
 * moves its chat to the top with one more unread (unless it is the user's own); a
 * chat is added, removed, renamed, or read (from a group page). After each
 * (re)connect the whole list is fetched again, for what happened meanwhile.
 */
function liveGroups(list, currentUser, reload, error) {
  const itemOf = (groupId) => list.querySelector(`[data-group-id="${groupId}"]`);
  const events = {
    chat_activity({ group_chat_id: groupId, last_message: message }) {
      const item = itemOf(groupId);
      if (!item) return;
      const me = currentUser();
      showLastMessage(item, message, me);
      if (message.sender?.id !== me.id) setUnread(item, Number(item.querySelector('.unread').textContent) + 1);
      list.prepend(item);
    },
    chat_added(group) {
      if (!itemOf(group.id)) list.prepend(withActivity(group, currentUser()));
    },
    chat_removed({ group_chat_id: groupId }) {
      itemOf(groupId)?.remove();
    },
    chat_deleted({ group_chat_id: groupId }) {
      itemOf(groupId)?.remove();
    },
    chat_renamed({ group_chat_id: groupId, name }) {
      const link = itemOf(groupId)?.querySelector('.group-link');
      if (link) link.textContent = name;
    },
    chat_read({ group_chat_id: groupId, unread_count: count }) {
      const item = itemOf(groupId);
      if (item) setUnread(item, count);
    },
  };
  const connection = $('#connection');
  return new ChatSocket(null, {
    onState(state, text) {
      connection.dataset.state = state;
      connection.textContent = text;
    },
    onLive: () => reload().catch((failure) => showError(error, failure)),
    onEvent(frame) {
      events[frame.action]?.(frame.payload);
      show($('#groups-empty'), list.children.length === 0);
    },
    onMessage() {},
    onError() {},
    onDenied() {},
  }, '/ws/me/');
}

// ---------------------------------------------------------------- group page

// A link is http(s) and nothing else: javascript:, data: and the like never match.
const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence rather than the address.
const LINK_TAIL = /[.,;:!?'")\]]+$/;

/** The text as nodes: its http(s) addresses as links opening a new tab, the rest as text. */
function linkified(text) {
  const nodes = [];
  let done = 0;
  for (const match of text.matchAll(LINK)) {
    const address = match[0].replace(LINK_TAIL, '');
    let url;
    try {
      url = new URL(address);
    } catch {
      continue; // not an address after all ("http://["): it stays text
    }
    const link = make('a', '', address);
    link.href = url.href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    nodes.push(document.createTextNode(text.slice(done, match.index)), link);
    done = match.index + address.length;
  }
  nodes.push(document.createTextNode(text.slice(done)));
  return nodes;
}

/** A date's day where the reader is, as YYYY-MM-DD. */
function localDay(date) {
  const pad = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The line above a day's first message, with the day in full. */
function daySeparator(day) {
  const [year, month, date] = day.split('-').map(Number);
  const separator = make('li', 'day');
  const time = make('time', '', new Date(year, month - 1, date).toLocaleDateString([], { dateStyle: 'full' }));
  time.dateTime = day;
  separator.append(time);
  return separator;
}

/**
 * One message's <li>: who said it, when (the time; the full date and time on hover)
 * and what, with its links. The message list shows every message through this.
 */
function messageItem(message, isMine) {
  const sent = new Date(message.created_at);
  const item = make('li', isMine ? 'message mine' : 'message');
  item.dataset.id = message.id;
  item.dataset.day = localDay(sent);
  const meta = make('div', 'meta');
  meta.append(make('span', 'sender', message.sender?.username ?? 'deleted user'));
  if (isMine) meta.append(make('span', 'badge', 'you'));
  const time = make('time', '', sent.toLocaleTimeString());
  time.dateTime = message.created_at;
  time.title = sent.toLocaleString([], { dateStyle: 'full', timeStyle: 'long' });
  meta.append(time);
  const content = make('p', 'content');
  content.append(...linkified(message.content));
  item.append(meta, content);
  return item;
}

/**
 * The conversation: one <li> per message id, kept in id order, and a day line
 * (<li class="day">) right before the first message of each day.
 *
 * Each message carries its place in the chat (seq: 1, 2, 3... with no holes). The list
 * knows the last message it holds with nothing missing before it (inOrder), so a hole
 * (a live message lost on its way, or relayed out of order) shows as hasGap(), and
 * what to fetch is everything after inOrder.id. Older pages, loaded when the reader
 * scrolls up, hold messages below inOrder: they leave it, and the holes, as they are.
 */
class MessageList {
  constructor(element, me) {
    this.element = element;
    this.me = me;
    this.byId = new Map();
    this.idBySeq = new Map();
    this.lastId = 0;
    this.highestSeq = 0;
    this.inOrder = { seq: 0, id: 0 };
    this.state = new Map(); // id -> the message as last received
    this.canModerate = false;
    this.actions = { edit() {}, remove() {} };
  }

  /** The newest page starts at seq: no hole before it (what is older is loaded on demand). */
  startAt(seq) {
    this.inOrder = { seq: seq - 1, id: 0 };
  }

  hasGap() {
    return this.highestSeq > this.inOrder.seq;
  }

  /** The server answered everything after inOrder up to seq: a hole left below it is a
   * message the server no longer has, not one on its way. */
  settleUpTo(seq) {
    const last = [...this.idBySeq.keys()].filter((known) => known <= seq);
    if (last.length) this.advance(Math.max(...last));
  }

  advance(seq) {
    let current = seq;
    while (this.idBySeq.has(current + 1)) current += 1;
    this.inOrder = { seq: current, id: this.idBySeq.get(current) ?? this.inOrder.id };
  }

  /** Add a message unless it is already shown (history and socket overlap). */
  add(message, isMine = message.sender?.id === this.me.id) {
    if (this.byId.has(message.id)) return;
    this.idBySeq.set(message.seq, message.id);
    this.highestSeq = Math.max(this.highestSeq, message.seq);
    if (message.seq === this.inOrder.seq + 1) this.advance(message.seq);
    const item = messageItem(message, isMine);

    // A catch-up page can arrive after newer live messages: insert in order.
    const stickToBottom =
      this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 40;
    const before =
      message.id < this.lastId
        ? [...this.element.children].find((child) => Number(child.dataset.id) > message.id)
        : null;
    this.element.insertBefore(item, before ?? null);
    this.markDays(item);
    this.byId.set(message.id, item);
    this.update(message);
    this.lastId = Math.max(this.lastId, message.id);
    if (stickToBottom) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Older messages (a page of history) above those shown; what the reader was
   * looking at stays where it was on the screen. */
  addOlder(messages) {
    const fromBottom = this.element.scrollHeight - this.element.scrollTop;
    messages.forEach((message) => this.add(message));
    this.element.scrollTop = this.element.scrollHeight - fromBottom;
  }

  /**
   * The day lines around a message just inserted: each message whose day differs from
   * the message before it has one right before it, and no other message has. Only the
   * new item and the message after it can have changed.
   */
  markDays(item) {
    for (const message of [item, item.nextElementSibling]) {
      if (!message) continue;
      let previous = message.previousElementSibling;
      if (previous?.classList.contains('day')) {
        previous.remove();
        previous = message.previousElementSibling;
      }
      if (previous?.dataset.day !== message.dataset.day) message.before(daySeparator(message.dataset.day));
    }
  }

  // ---- edits and deletes (message_edited / message_deleted, and history's state)

  /**
   * Show a message's current state: its text, "edited", or its tombstone; and the
   * Edit / Delete buttons this user may use on it. `actions` (set by the page) sends
   * them: { edit(id, content), remove(id) }; `canModerate` (owners and admins) may
   * delete anyone's message.
   */
  update(message) {
    const item = this.byId.get(message.id);
    if (!item) return;
    this.state.set(message.id, message);
    item.classList.toggle('deleted', message.deleted);
    const content = make('p', 'content');
    if (message.deleted) content.textContent = 'This message was deleted.';
    else content.append(...linkified(message.content));
    item.querySelector('.content, .edit-form')?.replaceWith(content);
    const meta = item.querySelector('.meta');
    meta.querySelector('.edited')?.remove();
    if (message.edited_at && !message.deleted) {
      const edited = make('span', 'edited', 'edited');
      edited.title = new Date(message.edited_at).toLocaleString();
      meta.append(edited);
    }
    item.querySelector('.message-actions')?.remove();
    const mine = message.sender?.id === this.me.id;
    if (message.deleted || !(mine || this.canModerate)) return;
    const buttons = make('span', 'message-actions');
    if (mine) buttons.append(this.button('Edit', () => this.startEditing(message)));
    buttons.append(this.button('Delete', () => this.actions.remove(message.id)));
    meta.append(buttons);
  }

  /** Owners and admins may delete others' messages: redraw the buttons when that changes. */
  setModerator(canModerate) {
    if (canModerate === this.canModerate) return;
    this.canModerate = canModerate;
    for (const message of this.state.values()) this.update(message);
  }

  button(label, onClick) {
    const button = make('button', 'link-button', label);
    button.type = 'button';
    button.addEventListener('click', onClick);
    return button;
  }

  /** The message's text becomes a form; saved, the server's message_edited redraws it. */
  startEditing(message) {
    const item = this.byId.get(message.id);
    const form = make('form', 'edit-form inline-form');
    const input = make('input');
    input.value = message.content;
    input.maxLength = 4000;
    input.setAttribute('aria-label', 'Edit message');
    const save = make('button', '', 'Save');
    save.type = 'submit';
    form.append(input, save, this.button('Cancel', () => this.update(message)));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text && text !== message.content) this.actions.edit(message.id, text);
      else this.update(message);
    });
    item.querySelector('.content').replaceWith(form);
    input.focus();
  }
}

/** A new id for a message this page sends (the server stores it once per id). */
function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context: 128 random bits as hex.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The group's socket: reconnects with growing, jittered delays after a drop,
 * refreshes the session on 4401, and gives up for good on 4403/4404.
 *
 * Every message sent carries a client id and stays pending until the server
 * answers message_saved; after a reconnect the pending ones are sent again
 * with the same ids, so a message whose answer was lost is not stored twice.
 */
class ChatSocket {
  constructor(groupId, handlers, path = `/ws/chat/${groupId}/`) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.url = `${scheme}://${location.host}${path}`;
    this.handlers = handlers; // onState(state, text), onLive(), onMessage(payload, isMine), onError(payload), onDenied()
    this.failures = 0;
    this.live = false;
    this.pending = new Map(); // client id -> content, in the order sent
  }

  connect() {
    this.handlers.onState('connecting', 'Connecting…');
    const socket = new WebSocket(this.url);
    socket.addEventListener('message', (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener('close', (event) => this.closed(event.code));
    this.socket = socket;
  }

  receive(frame) {
    switch (frame.action) {
      case 'authentication':
        // A refusal is followed by a close code that says what to do.
        if (frame.payload.status_code === 200) {
          this.failures = 0;
          this.live = true;
          this.handlers.onState('live', 'Connected');
          this.handlers.onLive();
          for (const clientId of this.pending.keys()) this.transmit(clientId);
        }
        break;
      case 'message_saved':
        // Stored (a resend is answered with the original); shown even if the
        // relay to the members failed.
        this.pending.delete(frame.payload.message.client_id);
        this.handlers.onMessage(frame.payload.message, true);
        break;
      case 'member_message':
        this.handlers.onMessage(frame.payload, frame.is_mine);
        break;
      case 'message_edited':
      case 'message_deleted':
        this.handlers.onChange(frame.payload);
        break;
      case 'error':
        // Frames are answered in order: a refused new_message is the oldest
        // pending one, and sending it again would be refused again.
        if (frame.payload.errors?.[0]?.loc?.[0] === 'new_message') {
          const [oldest] = this.pending.keys();
          this.pending.delete(oldest);
        }
        this.handlers.onError(frame.payload);
        break;
      default: // /ws/me/'s events; pong, and completion markers should a server send them
        this.handlers.onEvent?.(frame);
    }
  }

  async closed(code) {
    this.live = false;
    if (code === 4403 || code === 4404) {
      this.handlers.onDenied();
      return;
    }
    if (code === 4401 && !(await refreshSession())) {
      goToLogin();
      return;
    }
    // Jitter keeps a restarted server from being hit by every client at once.
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.failures);
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    this.failures += 1;
    this.handlers.onState('reconnecting', `Disconnected; reconnecting in ${Math.ceil(jittered / 1000)} s…`);
    setTimeout(() => this.connect(), jittered);
  }

  /** Send a message; false when not connected (the caller keeps the text). */
  say(content) {
    if (!this.live) return false;
    const clientId = newClientId();
    this.pending.set(clientId, content);
    this.transmit(clientId);
    return true;
  }

  transmit(clientId) {
    const content = this.pending.get(clientId);
    this.socket.send(JSON.stringify({ action: 'new_message', payload: { content, client_id: clientId } }));
  }

  /** Send an action that is not a new message; false when not connected. */
  act(action, payload) {
    if (!this.live) return false;
    this.socket.send(JSON.stringify({ action, payload }));
    return true;
  }
}

function memberItem(member, me, canManage, onChange) {
  const item = make('li', 'member');
  item.dataset.username = member.user.username;
  item.dataset.userId = member.user.id;
  const dot = make('span', 'presence-dot');
  dot.title = 'offline';
  const name = make('span', 'member-name', member.user.username);
  if (member.user.id === me.id) name.append(make('span', 'badge', 'you'));
  item.append(dot, name);
  const mine = member.user.id === me.id;
  if (canManage) item.append(roleSelect(member, onChange));
  else item.append(make('span', 'badge', member.chat_role));
  // Anyone may leave; owners and admins may remove the others.
  if (mine || canManage) {
    item.append(button(mine ? 'Leave' : 'Remove', () => onChange('DELETE', member)));
  }
  // Added by someone else, without being asked: leave, and never be added by them again.
  const adder = member.added_by;
  if (mine && adder && adder.id !== me.id) {
    const block = button(`Leave and block ${adder.username}`, () =>
      onChange('DELETE', member, undefined, '?block_adder=true'),
    );
    block.classList.add('danger');
    item.append(block);
  }
  return item;
}

function roleSelect(member, onChange) {
  const role = make('select', 'member-role');
  role.setAttribute('aria-label', `Role of ${member.user.username}`);
  for (const value of ROLES) {
    const option = make('option', '', value);
    option.value = value;
    option.selected = value === member.chat_role;
    role.append(option);
  }
  role.addEventListener('change', () => onChange('PATCH', member, { chat_role: role.value }));
  return role;
}

function button(text, onClick) {
  const element = make('button', 'link-button', text);
  element.type = 'button';
  element.addEventListener('click', onClick);
  return element;
}

/**
 * Who is online (a dot in the members panel) and who is typing (a line under the
 * conversation), as the chat socket tells them; nothing is stored. Each answer to
 * `here` replaces the online list, and a typist is shown for the seconds the server
 * says: someone whose server died drops out by themselves.
 */
class Presence {
  constructor(memberList, typingLine) {
    this.memberList = memberList;
    this.typingLine = typingLine;
    this.online = new Set(); // user ids
    this.typists = new Map(); // user id -> {username, until (ms)}
    this.typingTimer = null;
  }

  setOnline(users) {
    this.online = new Set(users.map((user) => user.id));
    this.showOnline();
  }

  changed(user, online) {
    if (online) this.online.add(user.id);
    else {
      this.online.delete(user.id);
      this.spoke(user);
    }
    this.showOnline();
  }

  /** The members panel's dots (again after the panel is rebuilt). */
  showOnline() {
    for (const item of this.memberList.querySelectorAll('.member')) {
      const online = this.online.has(Number(item.dataset.userId));
      item.classList.toggle('online', online);
      item.querySelector('.presence-dot').title = online ? 'online' : 'offline';
    }
  }

  typing(user, seconds) {
    this.typists.set(user.id, { username: user.username, until: Date.now() + seconds * 1000 });
    this.showTyping();
  }

  /** A typist who sent their message, or left, is no longer typing. */
  spoke(user) {
    if (user && this.typists.delete(user.id)) this.showTyping();
  }

  showTyping() {
    clearTimeout(this.typingTimer);
    const now = Date.now();
    for (const [id, typist] of this.typists) if (typist.until <= now) this.typists.delete(id);
    const typists = [...this.typists.values()];
    const names = typists.map((typist) => typist.username).join(', ');
    this.typingLine.textContent = typists.length ? `${names} ${typists.length === 1 ? 'is' : 'are'} typing…` : '';
    if (typists.length) {
      const next = Math.min(...typists.map((typist) => typist.until));
      this.typingTimer = setTimeout(() => this.showTyping(), next - now);
    }
  }
}

/**
 * The group's header: its name, renaming it (owners and admins) and deleting it
 * (owners, after a confirmation). The server has the last word: its refusal is shown.
 * `onDelete(deleting)` is told when a deletion starts and when it fails.
 */
function groupHeader(group, url, onDelete) {
  const title = $('#group-title');
  const error = $('#group-error');
  const actions = $('#group-actions');
  const form = $('#rename-form');
  const confirmation = $('#delete-confirm');
  const named = (name) => {
    title.textContent = name;
    document.title = `${name} · Channels chat`;
  };
  // One of the name, the rename form or the confirmation at a time.
  const showOnly = (shown) => {
    show(actions, shown === actions);
    show(form, shown === form);
    show(confirmation, shown === confirmation);
  };
  named(group.name);
  show($('#rename-button'), ['owner', 'admin'].includes(group.my_role));
  show($('#delete-button'), group.my_role === 'owner');

  $('#rename-button').addEventListener('click', () => {
    clearError(error);
    form.elements.name.value = title.textContent;
    showOnly(form);
    form.elements.name.select();
  });
  onSubmit(form, async () => {
    clearError(error);
    try {
      const renamed = await api('PATCH', url, { name: form.elements.name.value.trim() });
      named(renamed.name);
      showOnly(actions);
    } catch (failure) {
      showError(error, failure);
    }
  });

  $('#delete-button').addEventListener('click', () => {
    clearError(error);
    showOnly(confirmation);
  });
  $('#delete-confirm-button').addEventListener('click', async () => {
    clearError(error);
    onDelete(true);
    try {
      await api('DELETE', url);
      location.assign('/groups/');
    } catch (failure) {
      onDelete(false);
      showError(error, failure);
    }
  });
  for (const cancel of [$('#rename-cancel'), $('#delete-cancel')]) {
    cancel.addEventListener('click', () => {
      clearError(error);
      showOnly(actions);
    });
  }
}

async function groupPage() {
  const groupId = document.body.dataset.groupId;
  const base = `/api/groups/${groupId}`;
  const chatError = $('#chat-error');
  const memberError = $('#member-error');

  // Deleting the group closes this page's socket too (4404): no "access denied" then.
  let deleting = false;
  const denied = () => {
    if (deleting) return;
    show($('#chat'), false);
    show($('#access-denied'));
  };

  let me;
  let group;
  try {
    [me, group] = await Promise.all([loadUser(), api('GET', `${base}/`)]);
  } catch (failure) {
    // Non-members get 404, never a hint that the group exists.
    if (failure instanceof ApiError && [403, 404].includes(failure.status)) denied();
    else showError(chatError, failure);
    return;
  }
  groupHeader(group, `${base}/`, (pending) => {
    deleting = pending;
  });
  show($('#chat'));
  const presence = new Presence($('#member-list'), $('#typing'));

  // Members, and their management for owners and admins.
  const loadMembers = async () => {
    const members = await api('GET', `${base}/members/`);
    const mine = members.find((member) => member.user.id === me.id);
    const canManage = ['owner', 'admin'].includes(mine?.chat_role);
    const change = async (method, member, body, query = '') => {
      clearError(memberError);
      try {
        await api(method, `${base}/members/${member.id}/${query}`, body);
        if (method === 'DELETE' && member.user.id === me.id) {
          location.assign('/groups/');
          return;
        }
      } catch (failure) {
        showError(memberError, failure);
      }
      await loadMembers().catch((failure) => showError(memberError, failure));
    };
    $('#member-list').replaceChildren(...members.map((member) => memberItem(member, me, canManage, change)));
    presence.showOnline();
    show($('#add-member-form'), canManage);
    messages.setModerator(canManage);
  };
  const addForm = $('#add-member-form');
  onSubmit(addForm, async () => {
    clearError(memberError);
    try {
      await api('POST', `${base}/members/`, Object.fromEntries(new FormData(addForm)));
      addForm.reset();
      await loadMembers();
    } catch (failure) {
      showError(memberError, failure);
    }
  });

  // History first, then live; each (re)connect fetches whatever came in between.
  const messages = new MessageList($('#messages'), me);
  // The cursor of the page before the oldest shown (null once the first message is).
  let older = null;
  const loadRecent = async () => {
    const page = await api('GET', `${base}/messages/`);
    const oldestFirst = [...page.results].reverse();
    if (page.next && oldestFirst.length) messages.startAt(oldestFirst[0].seq);
    oldestFirst.forEach((message) => messages.add(message));
    older = page.next;
  };
  // Scrolled to the top: the page before, one at a time.
  let loadingOlder = null;
  const loadOlder = async () => {
    const page = await api('GET', older);
    messages.addOlder(page.results);
    older = page.next;
  };
  messages.element.addEventListener('scroll', () => {
    if (older === null || loadingOlder || messages.element.scrollTop > OLDER_AT_PX) return;
    loadingOlder = loadOlder()
      .catch((failure) => showError(chatError, failure))
      .finally(() => {
        loadingOlder = null;
      });
  });
  const fetchMissed = async () => {
    if (messages.byId.size === 0) return loadRecent();
    let newest = messages.inOrder.seq;
    for await (const batch of pages(`${base}/messages/?after=${messages.inOrder.id}`)) {
      batch.forEach((message) => {
        messages.add(message);
        newest = Math.max(newest, message.seq);
      });
    }
    messages.settleUpTo(newest);
  };
  // One fetch at a time; a hole seen meanwhile is looked at again once it ends.
  let fetching = null;
  let gapTimer = null;
  const catchUp = () => {
    fetching ??= fetchMissed().finally(() => {
      fetching = null;
      if (messages.hasGap()) repairSoon();
    });
    return fetching;
  };
  const repairSoon = () => {
    if (gapTimer !== null) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      if (messages.hasGap()) catchUp().catch((failure) => showError(chatError, failure));
    }, GAP_GRACE_MS);
  };
  // A message lost after the chat's last one leaves no hole to see: a quiet socket
  // checks the history now and then.
  let idleTimer = null;
  const watchIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (socket.live) catchUp().catch((failure) => showError(chatError, failure));
      watchIdle();
    }, IDLE_CHECK_MS);
  };

  const connection = $('#connection');
  const setState = (state, text) => {
    connection.dataset.state = state;
    connection.textContent = text;
    $('#send-button').disabled = state !== 'live';
  };
  // What this page has shown, while it is visible, is read: mark_read, at most once a
  // READ_DELAY_MS (the socket's frame limits bound it anyway).
  let readUpTo = 0;
  let readTimer = null;
  const markRead = () => {
    if (readTimer !== null || document.visibilityState !== 'visible') return;
    readTimer = setTimeout(() => {
      readTimer = null;
      const seq = messages.highestSeq;
      if (seq > readUpTo && socket.act('mark_read', { seq })) readUpTo = seq;
    }, READ_DELAY_MS);
  };
  document.addEventListener('visibilitychange', markRead);
  const notConnected = () => showError(chatError, 'Not connected: try again once connected.');
  messages.actions = {
    edit: (id, content) => socket.act('edit_message', { id, content }) || notConnected(),
    remove: (id) => socket.act('delete_message', { id }) || notConnected(),
  };
  const socket = new ChatSocket(groupId, {
    onState: setState,
    onChange(payload) {
      messages.update(payload);
    },
    onEvent(frame) {
      if (frame.action === 'online_members') presence.setOnline(frame.payload.users);
      else if (frame.action === 'presence') presence.changed(frame.payload.user, frame.payload.online);
      // The user's own other pages typing are not shown.
      else if (frame.action === 'member_typing' && !frame.is_mine) presence.typing(frame.payload.user, frame.payload.seconds);
      // Someone added, removed, or given another role: the members panel, fetched again.
      else if (MEMBER_EVENTS.has(frame.action)) loadMembers().catch((failure) => showError(memberError, failure));
    },
    onLive() {
      socket.act('here');
      watchIdle();
      catchUp()
        .then(markRead)
        .catch((failure) => showError(chatError, failure));
    },
    onMessage(payload, isMine) {
      messages.add(payload, isMine);
      presence.spoke(payload.sender);
      watchIdle();
      if (messages.hasGap()) repairSoon();
      markRead();
    },
    onError(payload) {
      const details = (payload.errors ?? []).map((error) => error.msg);
      showError(chatError, [payload.message, ...details].join(' '));
    },
    onDenied() {
      setState('denied', 'No access');
      denied();
    },
  });

  const form = $('#send-form');
  const input = $('#message-input');
  // Send is enabled while the socket is live (setState), not by onSubmit.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(chatError);
    const content = input.value.trim();
    if (!content) return;
    if (socket.say(content)) form.reset();
    else showError(chatError, 'Not connected: your message is kept; send it again once connected.');
  });
  // Typing tells the others, at most once a TYPING_EVERY_MS.
  let typingSent = 0;
  input.addEventListener('input', () => {
    if (!input.value.trim() || Date.now() - typingSent < TYPING_EVERY_MS) return;
    if (socket.act('typing')) typingSent = Date.now();
  });
  // The heartbeat that keeps this member online for the others.
  setInterval(() => socket.act('here'), HERE_EVERY_MS);

  try {
    await Promise.all([loadMembers(), loadRecent()]);
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return denied();
    showError(chatError, failure);
  }
  socket.connect();
}

// ---------------------------------------------------------------- start

const PAGES = {
  login: loginPage,
  signup: signupPage,
  account: accountPage,
  groups: groupsPage,
  group: groupPage,
};
PAGES[document.body.dataset.page]?.();
