/**
 * The message box under a conversation: Enter sends over the chat socket (the button
 * is enabled while it is live), Shift+Enter starts a new line; and the others are told
 * the user is typing, at most once a TYPING_EVERY_MS.
 *
 * Other features add to what is sent: `addToMessage(part)` registers a function whose
 * answer (an object of new_message fields, e.g. the message answered) joins each
 * message's payload, and `onSent(callback)` is told once a message has gone.
 */

import { clearError, showError } from './api.js';
import { $ } from './dom.js';

// While the user types, `typing` goes at most this often (others show it for 5 s).
const TYPING_EVERY_MS = 2000;

export class Composer {
  constructor(socket, error) {
    this.socket = socket;
    this.error = error;
    this.form = $('#send-form');
    this.input = $('#message-input');
    this.button = $('#send-button');
    this.parts = [];
    this.sentCallbacks = [];
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.input.addEventListener('keydown', (event) => {
      // Enter while an input method composes a character is the method's.
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      this.send();
    });
    let typingSent = 0;
    this.input.addEventListener('input', () => {
      if (!this.input.value.trim() || Date.now() - typingSent < TYPING_EVERY_MS) return;
      if (socket.act('typing')) typingSent = Date.now();
    });
  }

  addToMessage(part) {
    this.parts.push(part);
  }

  onSent(callback) {
    this.sentCallbacks.push(callback);
  }

  /** The socket is live or not: sending is possible or not. */
  setLive(live) {
    this.button.disabled = !live;
  }

  send() {
    clearError(this.error);
    const content = this.input.value.trim();
    if (!content) return;
    const payload = Object.assign({ content }, ...this.parts.map((part) => part()));
    if (!this.socket.say(payload)) {
      showError(this.error, 'Not connected: your message is kept; send it again once connected.');
      return;
    }
    this.form.reset();
    for (const callback of this.sentCallbacks) callback(payload);
  }
}
