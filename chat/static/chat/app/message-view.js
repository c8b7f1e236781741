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

/**
 * One message's <li>: who said it, when (the time; the full date and time on hover)
 * and what, with its links; and empty places for other features' parts. The message
 * list shows every message through this.
 */
export function messageItem(message, isMine) {
  const sent = new Date(message.created_at);
  const item = make('li', isMine ? 'message mine' : 'message');
  item.dataset.id = message.id;
  item.dataset.day = localDay(sent);
  const meta = make('div', 'meta');
  meta.append(make('span', 'sender', message.sender?.username ?? 'deleted user'));
  if (isMine) meta.append(make('span', 'badge', 'you'));
  const time = make('time', '', sent.toLocaleTimeString());
  time.dateTime = message.created_at;
  time.title = sent.toLocaleString([], { dateStyle: 'full', timeStyle: 'long' });
  meta.append(time);
  const content = make('p', 'content');
  content.append(...linkified(message.content));
  // Where other features draw their parts of a message (MessageList.addPart): the
  // message it answers above the text; its reactions, and who has seen it, below.
  item.append(meta, make('div', 'message-quote'), content, make('div', 'message-reactions'), make('div', 'message-seen'));
  return item;
}
