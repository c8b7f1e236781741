/**
 * The chats page (/groups/ and /groups/<id>/): the list of the user's chats beside the
 * open one. Opening another chat unmounts the conversation shown and mounts the new
 * one, without loading the page again (routes.js keeps the address and the browser's
 * history in step). On a phone's screen one pane shows at a time
 * (<div id="panes" data-showing="list|chat">, the stylesheet's choice).
 */

import { showError } from './api.js';
import { ChatList } from './chat-list.js';
import { mountConversation } from './conversation.js';
import { $, show } from './dom.js';
import { routeChats } from './routes.js';
import { loadUser } from './topbar.js';

export async function chatsPage() {
  let me;
  try {
    me = await loadUser();
  } catch (failure) {
    showError($('#groups-error'), failure);
    return;
  }
  let open = null; // { id, conversation }
  let go = null;
  const list = new ChatList(me, {
    renamed: (groupId, name) => {
      if (open?.id === String(groupId)) open.conversation.renamed(name);
    },
    muted: (groupId, muted) => {
      if (open?.id === String(groupId)) open.conversation.muted(muted);
    },
    open: (groupId) => go(groupId),
  });
  // `at`: a message to open the chat at (a search result), even when it is open.
  const openChat = (id, at = null) => {
    if (open?.id === id && at === null) return;
    open?.conversation.unmount();
    open = null;
    list.markOpen(id);
    show($('#no-chat'), id === null);
    $('#panes').dataset.showing = id === null ? 'list' : 'chat';
    if (id === null) {
      document.title = 'My groups · Channels chat';
      return;
    }
    const conversation = mountConversation($('#conversation-pane'), id, me, {
      leave: () => go(null),
      openAt: (chatId, messageId) => go(String(chatId), messageId),
      at,
    });
    open = { id, conversation };
  };
  go = routeChats(openChat);
  await list.start();
}
