import { make, number, show } from './dom.js';
import { daySeparator, messageContent, messageItem } from './message-view.js';

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
export class MessageList {
  /** `limit`: the server's longest message, for the edit form. */
  constructor(element, me, limit) {
    this.element = element;
    this.me = me;
    this.limit = limit;
    this.byId = new Map();
    this.idBySeq = new Map();
    this.lastId = 0;
    this.highestSeq = 0;
    this.inOrder = { seq: 0, id: 0 };
    this.state = new Map(); // id -> the message as last received
    this.canModerate = false;
    this.actions = { edit() {}, remove() {} };
    this.parts = [];
    this.found = null; // the message a search result opened, kept in view
  }

  /** Show message `id` (a search result) in the middle of the view, marked, and keep
   * it there while newer messages load, until the user sends one. */
  reveal(id) {
    this.found?.classList.remove('found');
    this.found = this.byId.get(id) ?? null;
    if (!this.found) return;
    this.found.classList.add('found');
    this.found.scrollIntoView({ block: 'center' });
  }

  /**
   * Another feature's part of each message: `part(item, message)` draws it into the
   * message's <li> (in its place: .message-quote, .message-attachments, .message-reactions,
   * .message-seen),
   * each time the message is shown or changes.
   */
  addPart(part) {
    this.parts.push(part);
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
    if (isMine && this.found) {
      this.found.classList.remove('found');
      this.found = null;
    }
    const stickToBottom =
      this.found === null &&
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
    item.querySelector('.show-more')?.remove();
    item.querySelector('.content, .edit-form').replaceWith(...messageContent(message));
    const meta = item.querySelector('.meta');
    meta.querySelector('.edited')?.remove();
    if (message.edited_at && !message.deleted) {
      const edited = make('span', 'edited', 'edited');
      edited.title = new Date(message.edited_at).toLocaleString();
      meta.append(edited);
    }
    this.showActions(item, message);
    for (const part of this.parts) part(item, message);
  }

  /** The Edit / Delete buttons this user may use on the message. */
  showActions(item, message) {
    item.querySelector('.message-actions')?.remove();
    const mine = message.sender?.id === this.me.id;
    if (message.deleted || !(mine || this.canModerate)) return;
    const buttons = make('span', 'message-actions');
    if (mine) buttons.append(this.button('Edit', () => this.startEditing(message)));
    buttons.append(this.button('Delete', () => this.confirmDelete(item, message)));
    item.querySelector('.meta').append(buttons);
  }

  /** Delete asks first: the buttons become the question, Delete and Cancel. */
  confirmDelete(item, message) {
    const question = make('span', 'message-actions confirm-delete', 'Delete this message for everyone?');
    const remove = this.button('Delete', () => this.actions.remove(message.id));
    remove.classList.add('danger');
    question.append(remove, this.button('Cancel', () => this.showActions(item, message)));
    item.querySelector('.message-actions').replaceWith(question);
    remove.focus();
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

  /** The message's text becomes a form; saved, the server's message_edited redraws it.
   * Nothing is cut silently: an edit over the limit stays in the form, with the reason. */
  startEditing(message) {
    const item = this.byId.get(message.id);
    const form = make('form', 'edit-form inline-form');
    const input = make('input');
    input.value = message.content;
    input.setAttribute('aria-label', 'Edit message');
    const save = make('button', '', 'Save');
    save.type = 'submit';
    const error = make('p', 'notice error');
    error.setAttribute('role', 'alert');
    show(error, false);
    form.append(input, save, this.button('Cancel', () => this.update(message)), error);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text.length > this.limit) {
        error.textContent =
          `This message is ${number(text.length)} characters long and a message holds at ` +
          `most ${number(this.limit)}: shorten it to save it.`;
        show(error);
      } else if (text && text !== message.content) this.actions.edit(message.id, text);
      else this.update(message);
    });
    item.querySelector('.show-more')?.remove();
    item.querySelector('.content').replaceWith(form);
    input.focus();
  }
}
