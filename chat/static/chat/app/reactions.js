/**
 * Reactions under each message: each emoji with its count, pressed when it is the
 * user's; who put it there on hover or keyboard focus, and on a long press on a touch
 * screen; a tap puts the user's on or takes it off. "Add a reaction" opens the set the
 * server allows (the messages list's data-reaction-emoji). Every member's change
 * arrives as reaction_changed and is drawn at once.
 */

import { button, make } from './dom.js';

// A touch held this long shows who reacted, and is not a tap.
const LONG_PRESS_MS = 500;
// How long a long press's list of who reacted stays up.
const WHO_SHOWN_MS = 4000;

export class Reactions {
  /**
   * `messages`: the MessageList (its messages as last received, by id); `me`: the user;
   * `react(id, emoji, reacted)` sends a change, and answers false when it could not.
   */
  constructor(messages, me, react) {
    this.messages = messages;
    this.me = me;
    this.react = react;
    // The reactions the server allows, as the page carries them.
    this.emoji = messages.element.dataset.reactionEmoji.split(' ');
    this.draw = this.draw.bind(this);
  }

  /** A MessageList part: the message's reactions below it, and "Add a reaction" beside
   * its other actions. */
  draw(item, message) {
    const place = item.querySelector('.message-reactions');
    place.replaceChildren();
    item.querySelector('.add-reaction')?.remove();
    if (message.deleted) return;
    for (const reaction of message.reactions ?? []) place.append(this.chip(message, reaction));
    item.querySelector('.meta').append(this.picker(message, place));
  }

  /** reaction_changed: the message's list changes (if the message is on the page; the
   * history carries the reactions of those that are not). */
  changed(change) {
    const message = this.messages.state.get(change.message_id);
    if (!message) return;
    const reactions = (message.reactions ??= []);
    let reaction = reactions.find((known) => known.emoji === change.emoji);
    if (!reaction) {
      reaction = { emoji: change.emoji, count: 0, users: [] };
      reactions.push(reaction);
    }
    reaction.users = reaction.users.filter((user) => user.id !== change.user.id);
    if (change.reacted) reaction.users.push(change.user);
    // The server's count: right again at the next change even if one was missed.
    reaction.count = change.count;
    message.reactions = reactions.filter((known) => known.count > 0);
    this.draw(this.messages.byId.get(message.id), message);
  }

  isMine(reaction) {
    return reaction.users.some((user) => user.id === this.me.id);
  }

  /** "You, ann and bob": who put the emoji there (and how many more, if the page missed some). */
  who(reaction) {
    // The user first, as "You"; then the others by name, as they came.
    const mine = this.isMine(reaction) ? ['You'] : [];
    const others = reaction.users.filter((user) => user.id !== this.me.id);
    const names = [...mine, ...others.map((user) => user.username)];
    const more = reaction.count - names.length;
    if (more > 0) names.push(`${more} more`);
    return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
  }

  /** One emoji's button: the count; pressed, it puts the user's on or takes it off. */
  chip(message, reaction) {
    const mine = this.isMine(reaction);
    const chip = make('span', 'reaction');
    const toggle = make('button', mine ? 'reaction-toggle mine' : 'reaction-toggle');
    toggle.type = 'button';
    toggle.append(
      make('span', 'reaction-emoji', reaction.emoji),
      make('span', 'reaction-count', String(reaction.count)),
    );
    toggle.setAttribute('aria-pressed', String(mine));
    const who = this.who(reaction);
    toggle.setAttribute('aria-label', `${reaction.emoji} ${reaction.count}: ${who}`);
    const list = make('span', 'reaction-who', `${who} reacted with ${reaction.emoji}`);
    list.setAttribute('role', 'tooltip');
    chip.append(toggle, list);
    this.onTapOrHold(toggle, () => this.react(message.id, reaction.emoji, !mine), () => {
      chip.classList.add('showing-who');
      setTimeout(() => chip.classList.remove('showing-who'), WHO_SHOWN_MS);
    });
    return chip;
  }

  /** `tap()` on a click; `hold()` instead when a touch lasts LONG_PRESS_MS. */
  onTapOrHold(element, tap, hold) {
    let timer = null;
    let held = false;
    element.addEventListener('pointerdown', (event) => {
      if (event.pointerType !== 'touch') return;
      held = false;
      timer = setTimeout(() => {
        held = true;
        hold();
      }, LONG_PRESS_MS);
    });
    for (const end of ['pointerup', 'pointercancel', 'pointerleave']) {
      element.addEventListener(end, () => clearTimeout(timer));
    }
    // A long press opens no menu of the browser's.
    element.addEventListener('contextmenu', (event) => held && event.preventDefault());
    element.addEventListener('click', () => {
      if (held) held = false;
      else tap();
    });
  }

  /** "Add a reaction": it opens the set below the message (in `place`), one tap each. */
  picker(message, place) {
    const open = button('☺+', () => {
      const shown = place.querySelector('.reaction-choices');
      if (shown) shown.remove();
      else place.append(this.choices(message, () => this.draw(place.closest('.message'), message)));
      open.setAttribute('aria-expanded', String(!shown));
    });
    open.classList.add('add-reaction');
    open.setAttribute('aria-label', 'Add a reaction');
    open.setAttribute('aria-expanded', 'false');
    return open;
  }

  /** The set: a tap puts that reaction on (or takes the user's off), then `done()`. */
  choices(message, done) {
    const choices = make('span', 'reaction-choices');
    const mine = new Set((message.reactions ?? []).filter((r) => this.isMine(r)).map((r) => r.emoji));
    for (const emoji of this.emoji) {
      const choice = button(emoji, () => {
        this.react(message.id, emoji, !mine.has(emoji));
        done();
      });
      choice.className = 'reaction-choice';
      choice.setAttribute('aria-label', `React with ${emoji}`);
      choices.append(choice);
    }
    return choices;
  }
}
