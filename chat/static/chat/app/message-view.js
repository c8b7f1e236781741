/** How one message looks: its <li>, its links, the line above a day's first message. */

import { make } from './dom.js';

// A link is http(s) and nothing else: javascript:, data: and the like never match.
const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence rather than the address.
const LINK_TAIL = /[.,;:!?'")\]]+$/;

/** The text as nodes: its http(s) addresses as links opening a new tab, the rest as text. */
export function linkified(text) {
  const nodes = [];
  let done = 0;
  for (const match of text.matchAll(LINK)) {
    const address = match[0].replace(LINK_TAIL, '');
    let url;
    try {
      url = new URL(address);
    } catch {
      continue; // not an address after all ("http://["): it stays text
    }
    const link = make('a', '', address);
    link.href = url.href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    nodes.push(document.createTextNode(text.slice(done, match.index)), link);
    done = match.index + address.length;
  }
  nodes.push(document.createTextNode(text.slice(done)));
  return nodes;
}

/** A date's day where the reader is, as YYYY-MM-DD. */
function localDay(date) {
  const pad = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The line above a day's first message, with the day in full. */
export function daySeparator(day) {
  const [year, month, date] = day.split('-').map(Number);
  const separator = make('li', 'day');
  const time = make('time', '', new Date(year, month - 1, date).toLocaleDateString([], { dateStyle: 'full' }));
  time.dateTime = day;
  separator.append(time);
  return separator;
}

// A message this long, or of this many lines, is shown collapsed, with "Show more".
const LONG_CHARACTERS = 700;
const LONG_LINES = 10;

/**
 * A message's text as it is now (its links live; its tombstone once deleted), laid out
 * in the direction of its own script (dir="auto": Arabic or Hebrew right to left);
 * a long one collapsed, followed by the button that opens and closes it.
 */
export function messageContent(message) {
  const content = make('p', 'content');
  content.dir = 'auto';
  if (message.deleted) {
    content.textContent = 'This message was deleted.';
    return [content];
  }
  content.append(...linkified(message.content));
  const long = message.content.length > LONG_CHARACTERS || message.content.split('\n').length > LONG_LINES;
  if (!long) return [content];
  content.classList.add('collapsed');
  const toggle = make('button', 'link-button show-more', 'Show more');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.addEventListener('click', () => {
    const collapsed = content.classList.toggle('collapsed');
    toggle.textContent = collapsed ? 'Show more' : 'Show less';
    toggle.setAttribute('aria-expanded', String(!collapsed));
  });
  return [content, toggle];
}

/**
 * One message's <li>: who said it and when (the time; the full date and time on hover),
 * a place for its text (MessageList.update fills it), and empty places for other
 * features' parts. The message list shows every message through this.
 */
export function messageItem(message, isMine) {
  const sent = new Date(message.created_at);
  const item = make('li', isMine ? 'message mine' : 'message');
  item.dataset.id = message.id;
  item.dataset.day = localDay(sent);
  const meta = make('div', 'meta');
  const sender = make('span', 'sender', message.sender?.username ?? 'deleted user');
  sender.dir = 'auto';
  meta.append(sender);
  if (isMine) meta.append(make('span', 'badge', 'you'));
  const time = make('time', '', sent.toLocaleTimeString());
  time.dateTime = message.created_at;
  time.title = sent.toLocaleString([], { dateStyle: 'full', timeStyle: 'long' });
  meta.append(time);
  // Where other features draw their parts of a message (MessageList.addPart): the
  // message it answers above the text; its files, its reactions, and who has seen it,
  // below.
  item.append(
    meta,
    make('div', 'message-quote'),
    make('p', 'content'),
    make('div', 'message-attachments'),
    make('div', 'message-reactions'),
    make('div', 'message-seen'),
  );
  return item;
}
