/**
 * The open conversation (the chats page's right pane): its header, the messages
 * (history, then live over the chat socket), the members panel, who is online and
 * typing, and the composer. `mountConversation` puts a fresh copy of the page's
 * <template id="conversation-template"> in the pane for one chat; `unmount()` closes
 * its socket and stops its timers, and the copy goes, with every listener on it.
 */

import { ApiError, api, showError } from './api.js';
import { attachFiles } from './attachments.js';
import { $, show, showConnection } from './dom.js';
import { Composer } from './composer.js';
import { groupHeader } from './group-header.js';
import { History } from './history.js';
import { inviteLinks } from './invite-links.js';
import { MessageList } from './message-list.js';
import { membersPanel } from './members.js';
import { MentionPicker, mentionPart } from './mentions.js';
import { muteToggle } from './notifications.js';
import { Presence } from './presence.js';
import { Reactions } from './reactions.js';
import { ReadMarker } from './read-marker.js';
import { Replies } from './replies.js';
import { searchBox } from './search.js';
import { SeenBy } from './seen-by.js';
import { ChatSocket } from './socket.js';

// The page says `here` this often (the server keeps a member online 45 s after).
const HERE_EVERY_MS = 20_000;

/**
 * The chat socket's frames other than messages and their changes, by action: each
 * handler gets the conversation's parts and the frame. A feature with frames of its
 * own adds its handlers here.
 */
const FRAME_HANDLERS = {
  online_members: ({ presence }, frame) => presence.setOnline(frame.payload.users),
  presence: ({ presence }, frame) => presence.changed(frame.payload.user, frame.payload.online),
  // The user's own other pages typing are not shown.
  member_typing: ({ presence }, frame) => frame.is_mine || presence.typing(frame.payload.user, frame.payload.seconds),
  // Someone added, removed, or given another role: the members panel, fetched again.
  member_added: ({ reloadMembers }) => reloadMembers(),
  member_removed: ({ reloadMembers }) => reloadMembers(),
  member_role_changed: ({ reloadMembers }) => reloadMembers(),
  reaction_changed: ({ reactions }, frame) => reactions.changed(frame.payload),
  // Members read further: who has seen this user's messages.
  members_read: ({ seenBy }, frame) => seenBy.read(frame.payload.reads),
};

/** The chat socket's handlers: each frame to the part of the conversation it changes. */
function chatHandlers(parts, denied) {
  const { socket, messages, history, presence, readMarker, composer, showChatError, showEmpty } = parts;
  const setState = (state, text) => {
    showConnection(state, text);
    composer.setLive(state === 'live');
    // Without the socket the page cannot know who is online: nobody is shown so.
    if (state !== 'live') presence.setOnline([]);
  };
  return {
    onState: setState,
    onChange: (payload) => messages.update(payload),
    onEvent: (frame) => FRAME_HANDLERS[frame.action]?.(parts, frame),
    onLive() {
      socket.act('here');
      history.watchIdle();
      history
        .catchUp()
        .then(() => {
          showEmpty();
          readMarker.mark();
        })
        .catch(showChatError);
    },
    onMessage(payload, isMine) {
      if (isMine) composer.saved();
      messages.add(payload, isMine);
      showEmpty();
      presence.spoke(payload.sender);
      history.received();
      readMarker.mark();
    },
    onError(payload, refused) {
      const details = (payload.errors ?? []).map((error) => error.msg);
      showChatError([payload.message, ...details].join(' '));
      if (refused) composer.refused(refused);
    },
    onDenied() {
      setState('denied', 'No access');
      denied();
    },
  };
}

/**
 * Open chat `groupId` in `pane` for user `me`, at its newest messages or, with `at`,
 * at that message (the history around it, the message shown and marked). `leave()`
 * takes the page back to the list (the group deleted, or the user left it);
 * `openAt(chatId, messageId)` opens a search result. Returns the mounted
 * conversation: { unmount(), renamed(name), muted(isMuted) }.
 */
export function mountConversation(pane, groupId, me, { leave, openAt, at = null }) {
  const root = $('#conversation-template').content.firstElementChild.cloneNode(true);
  pane.append(root);
  const chat = chatCore(groupId, me);
  const { socket, history, readMarker } = chat;
  const heartbeat = setInterval(() => socket.act('here'), HERE_EVERY_MS);
  // What the page learns once mounted: the header, the mute toggle's setter, and whether
  // a deletion is on its way (deleting the group closes the socket too, 4404: no
  // "access denied" then).
  const view = { mounted: true, deleting: false, header: null, setMuted: null };
  const denied = () => {
    if (view.deleting || !view.mounted) return;
    show($('#chat'), false);
    show($('#access-denied'));
  };
  const unmount = () => {
    view.mounted = false;
    socket.close();
    history.stop();
    readMarker.stop();
    clearInterval(heartbeat);
    root.remove();
  };

  const start = async () => {
    const group = await loadGroup(chat, denied);
    if (group === null || !view.mounted) return;
    showGroup(chat, group, view, leave);
    const parts = conversationParts(chat, root, view.header, { leave, openAt });
    socket.handlers = chatHandlers(parts, denied);
    if ((await loadHistory(parts, at, denied)) && view.mounted) socket.connect();
  };
  start();
  return { unmount, renamed: (name) => view.header?.named(name), muted: (isMuted) => view.setMuted?.(isMuted) };
}

/** What a conversation has from the start, before its group loads: the chat socket,
 * the message list, its history and read marker, and where its errors show. */
function chatCore(groupId, me) {
  const base = `/api/groups/${groupId}`;
  const chatError = $('#chat-error');
  const showChatError = (failure) => showError(chatError, failure);
  const socket = new ChatSocket(`/ws/chat/${groupId}/`);
  const limit = Number($('#message-input').dataset.maxLength);
  const messages = new MessageList($('#messages'), me, limit);
  const history = new History(base, messages, () => socket.live, showChatError);
  const readMarker = new ReadMarker(messages, socket);
  return { groupId, me, base, chatError, showChatError, socket, messages, history, readMarker };
}

/** The group (GET …/), or null when it cannot be shown (a non-member is denied). */
async function loadGroup({ base, showChatError }, denied) {
  try {
    return await api('GET', `${base}/`);
  } catch (failure) {
    // Non-members get 404, never a hint that the group exists.
    if (failure instanceof ApiError && [403, 404].includes(failure.status)) denied();
    else showChatError(failure);
    return null;
  }
}

/** The chat shown, under the group's header and its mute toggle (kept in `view`). */
function showGroup({ base, groupId, showChatError }, group, view, leave) {
  view.header = groupHeader(group, `${base}/`, {
    deleting: (pending) => {
      view.deleting = pending;
    },
    deleted: leave,
  });
  show($('#chat'));
  view.setMuted = muteToggle($('#header-tools'), groupId, group.muted, showChatError);
}

/** The conversation's features, wired to its messages; the parts the chat socket's
 * handlers change. */
function conversationParts(chat, root, header, { leave, openAt }) {
  const { base, groupId, me, socket, messages, history, readMarker, chatError, showChatError } = chat;
  const presence = new Presence($('#member-list'), $('#typing'));
  const composer = new Composer(socket, chatError);
  searchBox($('#header-tools'), groupId, openAt);
  const { seenBy, loadMembers } = memberParts(chat, presence, composer, header, leave);
  const reloadMembers = () => loadMembers().catch((failure) => showError($('#member-error'), failure));
  attachFiles({
    base,
    messages,
    composer,
    dropZone: root.querySelector('.conversation'),
    tools: $('#composer-tools'),
    showError: showChatError,
  });
  // An empty chat says how to start it.
  const emptyNote = $('#empty-chat');
  const showEmpty = () => show(emptyNote, messages.byId.size === 0);
  const reactions = messageTools(chat, composer);
  return {
    socket,
    messages,
    history,
    presence,
    readMarker,
    composer,
    reactions,
    seenBy,
    loadMembers,
    reloadMembers,
    showChatError,
    showEmpty,
  };
}

/** The members panel and what follows the members: the header's and the invite
 * links' tools by the user's role, mentions, and who has seen each message. */
function memberParts({ base, me, messages }, presence, composer, header, leave) {
  const links = inviteLinks($('#members-tools'), base);
  const mentions = new MentionPicker(composer, $('#composer-tools'), me);
  messages.addPart(mentionPart(me));
  const seenBy = new SeenBy(messages, me);
  const loadMembers = membersPanel(base, me, presence, {
    roleIs: (role) => {
      header.setRole(role);
      links.setRole(role);
      messages.setModerator(['owner', 'admin'].includes(role));
    },
    loaded: (members) => {
      mentions.setMembers(members);
      seenBy.setMembers(members);
    },
    left: leave,
  });
  return { seenBy, loadMembers };
}

/** What a member does to a message over the chat socket: react, reply, edit, delete.
 * Returns the reactions. */
function messageTools({ me, socket, messages, history, showChatError }, composer) {
  const notConnected = () => showChatError('Not connected: try again once connected.');
  const react = (id, emoji, reacted) => socket.act('react', { id, emoji, reacted }) || notConnected();
  const reactions = new Reactions(messages, me, react);
  const replies = new Replies(messages, history, composer, $('#composer-tools'), showChatError);
  messages.addPart(replies.draw);
  messages.addPart(reactions.draw);
  messages.actions = {
    edit: (id, content) => socket.act('edit_message', { id, content }) || notConnected(),
    remove: (id) => socket.act('delete_message', { id }) || notConnected(),
  };
  return reactions;
}

/** The members and the history (the newest messages, or those around `at`); false
 * when the group has gone meanwhile (the user denied). */
async function loadHistory({ history, loadMembers, showEmpty, showChatError }, at, denied) {
  try {
    await Promise.all([loadMembers(), at === null ? history.loadRecent() : history.loadAround(at)]);
    showEmpty();
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) {
      denied();
      return false;
    }
    showChatError(failure);
  }
  return true;
}
