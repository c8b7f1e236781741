/**
 * What the user is told of their chats when they are not looking: a browser
 * notification for each mention of them while the page is hidden, unless they muted
 * the chat (muted chats still count unread messages and mentions). The page asks for
 * the permission once, at the user's first click or key on it (browsers ask only from
 * a user's gesture), and never again once answered.
 */

import { api } from './api.js';
import { make } from './dom.js';

const supported = () => 'Notification' in window;

/** Ask for the permission at the first click or key press on the page, if not answered yet. */
export function askPermissionOnce() {
  if (!supported() || Notification.permission !== 'default') return;
  const ask = () => {
    document.removeEventListener('pointerdown', ask, true);
    document.removeEventListener('keydown', ask, true);
    if (Notification.permission === 'default') Notification.requestPermission();
  };
  document.addEventListener('pointerdown', ask, true);
  document.addEventListener('keydown', ask, true);
}

/**
 * A notification of `message` (chat_activity's last_message) mentioning the user in
 * the chat named `chatName`, while the page is hidden; clicking it brings the page
 * back with the chat open (`open()`).
 */
export function notifyMention(chatName, message, open) {
  if (!supported() || Notification.permission !== 'granted' || document.visibilityState === 'visible') return;
  const sender = message.sender?.username ?? 'Someone';
  const notification = new Notification(`${sender} mentioned you in ${chatName}`, {
    body: message.preview,
    tag: `mention-${message.id}`,
  });
  notification.addEventListener('click', () => {
    window.focus();
    open();
    notification.close();
  });
}

/**
 * The Mute / Unmute button of a conversation, in `tools`, for chat `groupId` muted or
 * not (`muted`): PUT or DELETE …/mute/. Returns `set(muted)`, for a change made on
 * another page (chat_muted).
 */
export function muteToggle(tools, groupId, muted, showError) {
  const toggle = make('button', 'link-button mute-toggle');
  toggle.type = 'button';
  const set = (isMuted) => {
    toggle.textContent = isMuted ? 'Unmute' : 'Mute';
    toggle.title = isMuted ? 'Notify me of mentions here again' : 'No notifications from this chat';
    toggle.setAttribute('aria-pressed', String(isMuted));
  };
  toggle.addEventListener('click', async () => {
    const mute = toggle.getAttribute('aria-pressed') !== 'true';
    try {
      set((await api(mute ? 'PUT' : 'DELETE', `/api/groups/${groupId}/mute/`)).muted);
    } catch (failure) {
      showError(failure);
    }
  });
  set(muted);
  tools.append(toggle);
  return set;
}
