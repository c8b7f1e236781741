/**
 * The message box under a conversation: Enter sends over the chat socket (the button
 * is enabled while it is live), Shift+Enter starts a new line; and the others are told
 * the user is typing, at most once a TYPING_EVERY_MS.
 *
 * Nothing is cut silently: the box counts the characters as the message nears the
 * server's limit (<textarea data-max-length>), a paste that would pass it is refused
 * with a message, a message over it is not sent, and one the server refuses comes back
 * into the box. What went wrong stays said until a message is sent and saved.
 *
 * Other features add to what is sent: `addToMessage(part)` registers a function whose
 * answer (an object of new_message fields, e.g. the message answered) joins each
 * message's payload, and `onSent(callback)` is told once a message has gone. A source of
 * content besides the text (files) registers with `addSource`: a message may then go
 * without text, and not before the source is ready.
 */

import { clearError, showError } from './api.js';
import { $, number, show } from './dom.js';

// While the user types, `typing` goes at most this often (others show it for 5 s).
const TYPING_EVERY_MS = 2000;
// The count shows from this share of the limit on.
const COUNT_FROM = 0.8;

export class Composer {
  constructor(socket, error) {
    this.socket = socket;
    this.error = error;
    this.form = $('#send-form');
    this.input = $('#message-input');
    this.button = $('#send-button');
    this.count = $('#composer-count');
    this.parts = [];
    this.sources = [];
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
    this.input.addEventListener('paste', (event) => this.pasted(event));
    let typingSent = 0;
    this.input.addEventListener('input', () => {
      this.showCount();
      if (!this.input.value.trim() || Date.now() - typingSent < TYPING_EVERY_MS) return;
      if (socket.act('typing')) typingSent = Date.now();
    });
  }

  /** The server's limit, as the page was given it. */
  get limit() {
    return Number(this.input.dataset.maxLength);
  }

  addToMessage(part) {
    this.parts.push(part);
  }

  /** `source.hasContent()`: a message may go without text; `source.waitReason()`: why
   * nothing may go yet, or ''. */
  addSource(source) {
    this.sources.push(source);
  }

  onSent(callback) {
    this.sentCallbacks.push(callback);
  }

  /** The socket is live or not: sending is possible or not. */
  setLive(live) {
    this.button.disabled = !live;
  }

  showCount() {
    const length = this.input.value.length;
    this.count.textContent = `${number(length)} of ${number(this.limit)} characters`;
    this.count.classList.toggle('over', length > this.limit);
    show(this.count, length >= COUNT_FROM * this.limit);
  }

  /** A paste that would take the message over the limit is refused whole, and said. */
  pasted(event) {
    const { value, selectionStart, selectionEnd } = this.input;
    const pasted = event.clipboardData.getData('text/plain');
    const length = value.length - (selectionEnd - selectionStart) + pasted.length;
    if (length <= this.limit) return;
    event.preventDefault();
    showError(
      this.error,
      `Not pasted: the message would be ${number(length)} characters long, ` +
        `and a message holds at most ${number(this.limit)}.`,
    );
  }

  send() {
    const content = this.input.value.trim();
    const waiting = this.sources.map((source) => source.waitReason()).find(Boolean);
    if (waiting) {
      showError(this.error, waiting);
      return;
    }
    if (!content && !this.sources.some((source) => source.hasContent())) return;
    if (content.length > this.limit) {
      showError(
        this.error,
        `This message is ${number(content.length)} characters long and a message holds at ` +
          `most ${number(this.limit)}: shorten it to send it.`,
      );
      return;
    }
    const payload = Object.assign({ content }, ...this.parts.map((part) => part()));
    if (!this.socket.say(payload)) {
      showError(this.error, 'Not connected: your message is kept; send it again once connected.');
      return;
    }
    this.form.reset();
    this.showCount();
    for (const callback of this.sentCallbacks) callback(payload);
  }

  /** The server stored a message from this page: what went wrong before is past. */
  saved() {
    clearError(this.error);
  }

  /** The server refused a message: its text comes back into the box, unless the user
   * has started another meanwhile. */
  refused(payload) {
    if (this.input.value.trim() === '') {
      this.input.value = payload.content;
      this.showCount();
    }
  }
}
