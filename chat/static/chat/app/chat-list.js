/**
 * The list of the user's chats (the chats page's left pane), each with its unread count,
 * the mentions of the user among them, and its latest message, the latest activity
 * first, kept current by the user's own socket (/ws/me/); and a form to create one. The
 * open chat is marked (aria-current), and so are the chats the user muted. A mention
 * of the user while the page is hidden is a browser notification, unless the chat is
 * muted (notifications.js).
 */

import { api, clearError, pages, showError } from './api.js';
import { $, make, onSubmit, setAutoText, show } from './dom.js';
import { askPermissionOnce, notifyMention } from './notifications.js';
import { ChatSocket } from './socket.js';
import { chatPath } from './routes.js';

/** A group's <li> with its unread and mention counts and latest message (GET /api/groups/
 * or chat_added). */
function groupItem(group, me) {
  const item = make('li', 'group-item');
  item.dataset.groupId = group.id;
  const link = make('a', 'group-link');
  link.href = chatPath(group.id);
  setAutoText(link, group.name);
  const preview = make('p', 'preview muted');
  const unread = make('span', 'badge unread');
  unread.setAttribute('aria-label', 'Unread messages');
  const mentions = make('span', 'badge mentions');
  mentions.setAttribute('aria-label', 'Unread mentions of you');
  const muted = make('span', 'badge muted-badge', 'muted');
  item.append(link, make('span', 'badge', group.my_role), mentions, unread, muted, preview);
  setUnread(item, group.unread_count ?? 0);
  setMentions(item, group.mention_count ?? 0);
  setMuted(item, group.muted ?? false);
  if (group.last_message) showLastMessage(item, group.last_message, me);
  return item;
}

function setUnread(item, count) {
  const badge = item.querySelector('.unread');
  badge.textContent = String(count);
  show(badge, count > 0);
}

function setMentions(item, count) {
  const badge = item.querySelector('.mentions');
  badge.dataset.count = String(count);
  badge.textContent = `@${count}`;
  show(badge, count > 0);
}

function setMuted(item, muted) {
  item.classList.toggle('is-muted', muted);
  show(item.querySelector('.muted-badge'), muted);
}

function showLastMessage(item, message, me) {
  const who = message.sender?.id === me.id ? 'you' : (message.sender?.username ?? 'deleted user');
  // A message without text that is not deleted is files alone.
  const text = message.deleted ? 'This message was deleted.' : message.preview || 'sent files.';
  setAutoText(item.querySelector('.preview'), `${who}: ${text}`);
}

// The /ws/me/ events, each handled by the ChatList method of its name.
const EVENTS = new Set([
  'chat_activity',
  'chat_added',
  'chat_removed',
  'chat_deleted',
  'chat_renamed',
  'members_read',
  'chat_muted',
]);

export class ChatList {
  /** `me`: the user; `on.renamed(id, name)` and `on.muted(id, muted)` are told of each
   * chat renamed or (un)muted, `on.open(id)` opens a chat (a notification clicked). */
  constructor(me, on) {
    this.me = me;
    this.on = on;
    askPermissionOnce();
    this.list = $('#group-list');
    this.error = $('#groups-error');
    this.openId = null;
    this.socket = new ChatSocket('/ws/me/', {
      onState: (state, text) => {
        const connection = $('#list-connection');
        connection.dataset.state = state;
        connection.textContent = text;
      },
      // After each (re)connect the whole list is fetched again, for what happened meanwhile.
      onLive: () => this.load().catch((failure) => showError(this.error, failure)),
      onEvent: (frame) => {
        if (EVENTS.has(frame.action)) this[frame.action](frame.payload);
        this.showEmpty();
      },
      onMessage() {},
      onChange() {},
      onError() {},
      onDenied() {},
    });
    this.createForm();
  }

  async start() {
    try {
      await this.load();
      this.socket.connect();
    } catch (failure) {
      showError(this.error, failure);
    } finally {
      show($('#groups-loading'), false);
    }
  }

  /** Every page of the list, then the chats in order of latest activity: the pages go
   * by chat, each in that order, so that a chat that moves while they are read is in one. */
  async load() {
    const groups = [];
    for await (const batch of pages('/api/groups/')) groups.push(...batch);
    groups.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at) || b.id - a.id);
    this.list.replaceChildren(...groups.map((group) => groupItem(group, this.me)));
    this.markOpen(this.openId);
    this.showEmpty();
  }

  showEmpty() {
    show($('#groups-empty'), this.list.children.length === 0);
  }

  itemOf(groupId) {
    return this.list.querySelector(`[data-group-id="${groupId}"]`);
  }

  /** The chat now open (null: none): marked in the list. */
  markOpen(groupId) {
    this.openId = groupId === null ? null : String(groupId);
    for (const link of this.list.querySelectorAll('.group-link')) link.removeAttribute('aria-current');
    this.itemOf(this.openId)?.querySelector('.group-link').setAttribute('aria-current', 'page');
  }

  createForm() {
    const form = $('#create-group-form');
    onSubmit(form, async () => {
      clearError(this.error);
      try {
        const group = await api('POST', '/api/groups/', { name: form.elements.name.value });
        this.chat_added(group);
        this.showEmpty();
        form.reset();
      } catch (failure) {
        showError(this.error, failure);
      }
    });
  }

  // ---- the /ws/me/ events, by action

  /** A new message moves its chat to the top with one more unread (and one more
   * mention when it mentions the user), unless it is the user's own or shown in the open
   * chat of a visible page (the page marks it read). A mention of the user is notified
   * while the page is hidden, unless the chat is muted. */
  chat_activity({ group_chat_id: groupId, last_message: message, mentions }) {
    const item = this.itemOf(groupId);
    if (!item) return;
    showLastMessage(item, message, this.me);
    const seen = String(groupId) === this.openId && document.visibilityState === 'visible';
    const theirs = message.sender?.id !== this.me.id;
    if (theirs && !seen) {
      setUnread(item, Number(item.querySelector('.unread').textContent) + 1);
    }
    if (theirs && (mentions ?? []).includes(this.me.id)) {
      if (!seen) setMentions(item, Number(item.querySelector('.mentions').dataset.count) + 1);
      const name = item.querySelector('.group-link').textContent;
      if (!item.classList.contains('is-muted')) notifyMention(name, message, () => this.on.open(String(groupId)));
    }
    this.list.prepend(item);
  }

  chat_added(group) {
    if (this.itemOf(group.id)) return;
    this.list.prepend(groupItem(group, this.me));
    this.markOpen(this.openId);
  }

  chat_removed({ group_chat_id: groupId }) {
    this.itemOf(groupId)?.remove();
  }

  chat_deleted({ group_chat_id: groupId }) {
    this.chat_removed({ group_chat_id: groupId });
  }

  chat_renamed({ group_chat_id: groupId, name }) {
    const link = this.itemOf(groupId)?.querySelector('.group-link');
    if (link) setAutoText(link, name);
    this.on.renamed(groupId, name);
  }

  chat_muted({ group_chat_id: groupId, muted }) {
    const item = this.itemOf(groupId);
    if (item) setMuted(item, muted);
    this.on.muted(groupId, muted);
  }

  /** Members of the chat read further: this user's entry, if any, has the new counts. */
  members_read({ group_chat_id: groupId, reads }) {
    const item = this.itemOf(groupId);
    const mine = reads.find((read) => read.user_id === this.me.id);
    if (!item || !mine) return;
    setUnread(item, mine.unread_count);
    setMentions(item, mine.mention_count);
  }
}
