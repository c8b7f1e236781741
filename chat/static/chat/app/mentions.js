/**
 * Mentions in a conversation. Typing "@" in the composer offers the chat's members
 * whose names start with what follows it (the arrow keys or the mouse choose, Enter or
 * Tab takes, Escape closes); a member taken is written "@name " and sent by id too
 * (new_message's `mentions`), while their name is still in the text. Each message's
 * mentions are shown highlighted, with the member's name as it is now (a renamed member
 * keeps theirs); a message that mentions this user stands out.
 */

import { make } from './dom.js';

// "@" and what is typed of a name, right before the caret; not after a name's
// character (an e-mail address mentions nobody).
const TYPED = /(?:^|[^\p{L}\p{N}_.@+-])@([\p{L}\p{N}_.@+-]*)$/u;
const MAX_SUGGESTIONS = 8;

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MentionPicker {
  /** `composer`: the conversation's Composer; `tools`: where the suggestions show. */
  constructor(composer, tools, me) {
    this.input = composer.input;
    this.me = me;
    this.members = [];
    this.picked = new Map(); // username -> user id
    this.shown = [];
    this.active = 0;
    this.list = make('ul', 'mention-suggestions');
    this.list.id = 'mention-suggestions';
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', 'Members to mention');
    this.tools = tools;
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', this.list.id);
    this.input.addEventListener('input', () => this.suggest());
    this.input.addEventListener('blur', () => this.close());
    // On the form, before the composer's own keys (Enter sends): while suggestions show,
    // these keys are theirs.
    this.input.form.addEventListener('keydown', (event) => this.key(event), { capture: true });
    composer.addToMessage(() => this.mentionsIn(this.input.value));
    composer.onSent(() => this.picked.clear());
  }

  /** The chat's members (GET …/members/), whom it offers. */
  setMembers(members) {
    this.members = members.map((member) => member.user).filter((user) => user.id !== this.me.id);
  }

  /** The ids of the members taken from the suggestions that the text still names. */
  mentionsIn(text) {
    const ids = [...this.picked]
      .filter(([name]) => new RegExp(`(^|[^\\p{L}\\p{N}_.@+-])@${escaped(name)}(?![\\p{L}\\p{N}_])`, 'u').test(text))
      .map(([, id]) => id);
    return ids.length ? { mentions: ids } : {};
  }

  suggest() {
    const typed = TYPED.exec(this.input.value.slice(0, this.input.selectionStart));
    if (!typed) return this.close();
    const start = typed[1].toLowerCase();
    this.shown = this.members
      .filter((user) => user.username.toLowerCase().startsWith(start))
      .slice(0, MAX_SUGGESTIONS);
    if (!this.shown.length) return this.close();
    this.active = 0;
    this.list.replaceChildren(
      ...this.shown.map((user, index) => {
        const option = make('li', 'mention-option', `@${user.username}`);
        option.id = `mention-option-${user.id}`;
        option.dir = 'auto';
        option.setAttribute('role', 'option');
        // Before the box loses the focus (blur closes the list).
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          this.take(index);
        });
        return option;
      }),
    );
    // In the composer's tools only while it shows (empty tools take no room).
    if (!this.list.isConnected) this.tools.append(this.list);
    this.mark();
  }

  mark() {
    [...this.list.children].forEach((option, index) => option.setAttribute('aria-selected', String(index === this.active)));
    this.input.setAttribute('aria-activedescendant', this.list.children[this.active]?.id ?? '');
  }

  close() {
    this.list.remove();
    this.shown = [];
    this.input.removeAttribute('aria-activedescendant');
  }

  key(event) {
    if (!this.list.isConnected || event.isComposing) return;
    const moves = { ArrowDown: 1, ArrowUp: this.shown.length - 1 };
    if (event.key in moves) {
      this.active = (this.active + moves[event.key]) % this.shown.length;
      this.mark();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      this.take(this.active);
    } else if (event.key === 'Escape') {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  /** Write the suggestion taken in place of what was typed of it. */
  take(index) {
    const user = this.shown[index];
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret).replace(/@[\p{L}\p{N}_.@+-]*$/u, `@${user.username} `);
    this.input.value = before + this.input.value.slice(caret);
    this.input.setSelectionRange(before.length, before.length);
    this.picked.set(user.username, user.id);
    this.close();
    this.input.focus();
    this.input.dispatchEvent(new Event('input'));
  }
}

/**
 * The messages' part that shows their mentions: each "@name" a mention wrote becomes
 * the member's name as it is now, highlighted (this user's own the most).
 */
export function mentionPart(me) {
  return (item, message) => {
    const mentions = message.deleted ? [] : (message.mentions ?? []);
    item.classList.toggle('mentions-me', mentions.some((mention) => mention.user.id === me.id));
    if (!mentions.length) return;
    const users = new Map(mentions.map((mention) => [mention.handle, mention.user]));
    const handles = [...users.keys()].sort((a, b) => b.length - a.length).map(escaped);
    // The name as written, not run on into more of a name ("@ann." names ann).
    const written = new RegExp(`@(${handles.join('|')})(?![\\p{L}\\p{N}_]|[.@+-][\\p{L}\\p{N}_])`, 'gu');
    const content = item.querySelector('.content');
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (walker.nextNode()) if (!walker.currentNode.parentElement.closest('a')) texts.push(walker.currentNode);
    for (const text of texts) {
      const nodes = [];
      let done = 0;
      for (const match of text.data.matchAll(written)) {
        const user = users.get(match[1]);
        const mention = make('span', user.id === me.id ? 'mention mention-me' : 'mention', `@${user.username}`);
        mention.dataset.userId = user.id;
        nodes.push(document.createTextNode(text.data.slice(done, match.index)), mention);
        done = match.index + match[0].length;
      }
      if (!nodes.length) continue;
      nodes.push(document.createTextNode(text.data.slice(done)));
      text.replaceWith(...nodes);
    }
  };
}
