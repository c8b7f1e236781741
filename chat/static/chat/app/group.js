/**
 * A group's page: its header, the conversation (history, then live over the chat
 * socket), the members panel, who is online and typing, and the message form.
 */

import { ApiError, api, clearError, showError } from './api.js';
import { $, show, showConnection } from './dom.js';
import { groupHeader } from './group-header.js';
import { History } from './history.js';
import { MessageList } from './message-list.js';
import { membersPanel } from './members.js';
import { Presence } from './presence.js';
import { ChatSocket } from './socket.js';
import { loadUser } from './topbar.js';

// The chat socket's events that change the members panel.
const MEMBER_EVENTS = new Set(['member_added', 'member_removed', 'member_role_changed']);
// A page marks what it has shown read this long after it changed.
const READ_DELAY_MS = 500;
// The page says `here` this often (the server keeps a member online 45 s after).
const HERE_EVERY_MS = 20_000;
// While the user types, `typing` goes at most this often (others show it for 5 s).
const TYPING_EVERY_MS = 2000;

/**
 * What this page has shown, while it is visible, is read: mark_read, at most once a
 * READ_DELAY_MS (the socket's frame limits bound it anyway). Returns `markRead`.
 */
function readMarker(messages, socket) {
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
  return markRead;
}

/** The message form: sends over the socket (enabled while it is live), and tells the
 * others the user is typing, at most once a TYPING_EVERY_MS. */
function composer(socket, chatError) {
  const form = $('#send-form');
  const input = $('#message-input');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(chatError);
    const content = input.value.trim();
    if (!content) return;
    if (socket.say(content)) form.reset();
    else showError(chatError, 'Not connected: your message is kept; send it again once connected.');
  });
  let typingSent = 0;
  input.addEventListener('input', () => {
    if (!input.value.trim() || Date.now() - typingSent < TYPING_EVERY_MS) return;
    if (socket.act('typing')) typingSent = Date.now();
  });
}

/** The chat socket's handlers: each frame to the part of the page it changes. */
function chatHandlers({ socket, messages, history, presence, loadMembers, markRead, denied }) {
  const chatError = $('#chat-error');
  const setState = (state, text) => {
    showConnection(state, text);
    $('#send-button').disabled = state !== 'live';
  };
  return {
    onState: setState,
    onChange: (payload) => messages.update(payload),
    onEvent(frame) {
      if (frame.action === 'online_members') presence.setOnline(frame.payload.users);
      else if (frame.action === 'presence') presence.changed(frame.payload.user, frame.payload.online);
      // The user's own other pages typing are not shown.
      else if (frame.action === 'member_typing' && !frame.is_mine) presence.typing(frame.payload.user, frame.payload.seconds);
      // Someone added, removed, or given another role: the members panel, fetched again.
      else if (MEMBER_EVENTS.has(frame.action)) loadMembers().catch((failure) => showError($('#member-error'), failure));
    },
    onLive() {
      socket.act('here');
      history.watchIdle();
      history
        .catchUp()
        .then(markRead)
        .catch((failure) => showError(chatError, failure));
    },
    onMessage(payload, isMine) {
      messages.add(payload, isMine);
      presence.spoke(payload.sender);
      history.received();
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
  };
}

export async function groupPage() {
  const groupId = document.body.dataset.groupId;
  const base = `/api/groups/${groupId}`;
  const chatError = $('#chat-error');
  const showChatError = (failure) => showError(chatError, failure);

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
    else showChatError(failure);
    return;
  }
  groupHeader(group, `${base}/`, (pending) => {
    deleting = pending;
  });
  show($('#chat'));

  const presence = new Presence($('#member-list'), $('#typing'));
  const messages = new MessageList($('#messages'), me);
  const loadMembers = membersPanel(base, me, presence, (canManage) => messages.setModerator(canManage));
  const socket = new ChatSocket(`/ws/chat/${groupId}/`);
  const history = new History(base, messages, () => socket.live, showChatError);
  const markRead = readMarker(messages, socket);
  socket.handlers = chatHandlers({ socket, messages, history, presence, loadMembers, markRead, denied });
  const notConnected = () => showChatError('Not connected: try again once connected.');
  messages.actions = {
    edit: (id, content) => socket.act('edit_message', { id, content }) || notConnected(),
    remove: (id) => socket.act('delete_message', { id }) || notConnected(),
  };
  composer(socket, chatError);
  // The heartbeat that keeps this member online for the others.
  setInterval(() => socket.act('here'), HERE_EVERY_MS);

  try {
    await Promise.all([loadMembers(), history.loadRecent()]);
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return denied();
    showChatError(failure);
  }
  socket.connect();
}
