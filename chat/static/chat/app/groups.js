/**
 * The groups page: the user's chats, each with its unread count and latest message,
 * kept current by the user's own socket (/ws/me/); and a form to create one.
 */

import { api, clearError, pages, showError } from './api.js';
import { $, make, onSubmit, show, showConnection } from './dom.js';
import { ChatSocket } from './socket.js';
import { loadUser } from './topbar.js';

/** A group's <li> with its unread count and latest message (GET /api/groups/ or chat_added). */
function groupItem(group, me) {
  const item = make('li', 'group-item');
  item.dataset.groupId = group.id;
  const link = make('a', 'group-link', group.name);
  link.href = `/groups/${group.id}/`;
  const unread = make('span', 'badge unread');
  unread.setAttribute('aria-label', 'Unread messages');
  item.append(link, make('span', 'badge', group.my_role), unread, make('p', 'preview muted'));
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
      if (!itemOf(group.id)) list.prepend(groupItem(group, currentUser()));
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
    // Members of the chat read further: this user's entry, if any, is the new count.
    members_read({ group_chat_id: groupId, reads }) {
      const item = itemOf(groupId);
      const mine = reads.find((read) => read.user_id === currentUser().id);
      if (item && mine) setUnread(item, mine.unread_count);
    },
  };
  return new ChatSocket('/ws/me/', {
    onState: showConnection,
    onLive: () => reload().catch((failure) => showError(error, failure)),
    onEvent(frame) {
      events[frame.action]?.(frame.payload);
      show($('#groups-empty'), list.children.length === 0);
    },
    onMessage() {},
    onChange() {},
    onError() {},
    onDenied() {},
  });
}

export async function groupsPage() {
  const list = $('#group-list');
  const error = $('#groups-error');
  const form = $('#create-group-form');
  let me;
  const listGroups = async () => {
    const items = [];
    for await (const batch of pages('/api/groups/')) items.push(...batch.map((group) => groupItem(group, me)));
    list.replaceChildren(...items);
    show($('#groups-empty'), list.children.length === 0);
  };
  const live = liveGroups(list, () => me, listGroups, error);

  onSubmit(form, async () => {
    clearError(error);
    try {
      const group = await api('POST', '/api/groups/', { name: form.elements.name.value });
      if (!list.querySelector(`[data-group-id="${group.id}"]`)) list.prepend(groupItem(group, me));
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
