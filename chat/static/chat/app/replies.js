/**
 * Replies. Each message has a Reply button; the composer then says which message is
 * answered (above the box, with a way out: its × or Escape) and sends it as reply_to.
 * A reply shows its original's sender and first line above its own text, as the
 * original is now: an edit of the original redraws the quotes of its replies on the
 * page, its deletion turns them into its tombstone. A tap on a quote goes to the
 * original, loading the pages of the history it is in.
 */

import { button, make } from './dom.js';

// How much of the original's first line a quote shows (as the server's quotes).
const SNIPPET_CHARS = 100;

/** The quote of `original` (a message as received) as a reply carries it. */
function quoteOf(original) {
  const firstLine = original.content.split('\n', 1)[0];
  return {
    id: original.id,
    seq: original.seq,
    sender: original.sender,
    snippet: original.deleted ? '' : Array.from(firstLine).slice(0, SNIPPET_CHARS).join(''),
    deleted: original.deleted,
  };
}

export class Replies {
  /**
   * `messages`: the MessageList; `history`: the History (the pages not loaded yet); `composer`: the
   * Composer; `tools`: the place above the box; `onError(text)` shows a failure.
   */
  constructor(messages, history, composer, tools, onError) {
    this.messages = messages;
    this.history = history;
    this.tools = tools;
    this.onError = onError;
    this.answering = null; // the message the next one answers
    this.repliesTo = new Map(); // original id -> ids of its replies on the page
    this.draw = this.draw.bind(this);
    composer.addToMessage(() => (this.answering ? { reply_to: this.answering.id } : {}));
    composer.onSent(() => this.cancel());
    composer.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.answering) this.cancel();
    });
    this.input = composer.input;
  }

  /** A MessageList part: the message's quote and Reply button; and, when it is an
   * original of replies on the page, their quotes follow it. */
  draw(item, message) {
    const place = item.querySelector('.message-quote');
    place.replaceChildren();
    if (message.reply_to) {
      place.append(this.quote(message.reply_to));
      const replies = this.repliesTo.get(message.reply_to.id) ?? new Set();
      this.repliesTo.set(message.reply_to.id, replies.add(message.id));
    }
    item.querySelector('.reply-button')?.remove();
    if (!message.deleted) {
      const reply = button('Reply', () => this.answer(message));
      reply.classList.add('reply-button');
      item.querySelector('.meta').append(reply);
    }
    this.follow(message);
  }

  /** The replies on the page to `original` quote it as it is now. */
  follow(original) {
    const quoted = quoteOf(original);
    for (const id of this.repliesTo.get(original.id) ?? []) {
      const reply = this.messages.state.get(id);
      const item = this.messages.byId.get(id);
      if (!reply || !item) continue;
      reply.reply_to = quoted;
      item.querySelector('.message-quote').replaceChildren(this.quote(quoted));
    }
    if (this.answering?.id === original.id) {
      if (original.deleted) this.cancel();
      else this.showAnswering(original);
    }
  }

  /** A quote: who said the original and its first line (or its tombstone); a tap goes there. */
  quote(quoted) {
    const quote = make('button', quoted.deleted ? 'quote deleted' : 'quote');
    quote.type = 'button';
    quote.dataset.original = quoted.id;
    quote.setAttribute('aria-label', `Go to the message this answers, from ${quoted.sender?.username ?? 'a deleted user'}`);
    const text = quoted.deleted ? 'This message was deleted.' : quoted.snippet;
    const snippet = make('span', 'quote-text', text);
    snippet.dir = 'auto';
    quote.append(make('span', 'quote-sender', quoted.sender?.username ?? 'deleted user'), snippet);
    quote.addEventListener('click', () => this.jump(quoted.id).catch(this.onError));
    return quote;
  }

  /** The next message answers `message`. */
  answer(message) {
    this.showAnswering(message);
    this.input.focus();
  }

  /** Above the box: which message the next one answers. */
  showAnswering(message) {
    this.answering = message;
    const quoted = quoteOf(message);
    const preview = make('div', 'replying');
    preview.append(
      make('span', 'replying-label', 'Replying to'),
      make('span', 'quote-sender', quoted.sender?.username ?? 'deleted user'),
      make('span', 'quote-text', quoted.snippet),
    );
    const cancel = button('×', () => this.cancel());
    cancel.setAttribute('aria-label', 'Cancel the reply');
    preview.append(cancel);
    this.tools.querySelector('.replying')?.remove();
    this.tools.append(preview);
  }

  cancel() {
    this.answering = null;
    this.tools.querySelector('.replying')?.remove();
  }

  /** Scroll to message `id` and mark it (as a search result is), after loading the
   * pages it is in. */
  async jump(id) {
    if (await this.history.reach(id)) this.messages.reveal(id);
    else this.onError('That message is no longer in the history.');
  }
}
