/**
 * Searching messages, from the open conversation's header (#header-tools): this chat's,
 * or all of the user's chats. Each result shows its highlight as text, the words found
 * in <mark> (the API gives plain-text pieces: nothing in a message becomes markup);
 * choosing one opens its chat at that message.
 */

import { api, clearError, showError } from './api.js';
import { make, onSubmit, show } from './dom.js';

function highlighted(pieces) {
  const text = make('span', 'highlight');
  for (const piece of pieces) {
    text.append(piece.match ? make('mark', '', piece.text) : document.createTextNode(piece.text));
  }
  return text;
}

function resultItem(result, everywhere, openAt) {
  const item = make('li', 'search-result');
  const open = make('button', 'search-hit');
  open.type = 'button';
  const when = new Date(result.created_at).toLocaleString();
  const who = result.sender?.username ?? 'deleted user';
  const where = everywhere ? `${result.group_chat_name} · ` : '';
  open.append(make('span', 'meta', `${where}${who} · ${when}`), highlighted(result.highlight));
  open.addEventListener('click', () => openAt(result.group_chat_id, result.id));
  item.append(open);
  return item;
}

/** The search form and its results in `tools`, for chat `groupId`; `openAt(chatId,
 * messageId)` opens a result. */
export function searchBox(tools, groupId, openAt) {
  const form = make('form', 'search-form inline-form');
  form.setAttribute('role', 'search');
  const input = make('input');
  Object.assign(input, { type: 'search', name: 'q', maxLength: 200, placeholder: 'Search messages' });
  input.setAttribute('aria-label', 'Search messages');
  const all = make('input');
  Object.assign(all, { type: 'checkbox', id: 'search-everywhere' });
  const allLabel = make('label', 'search-scope', 'All my chats');
  allLabel.prepend(all);
  const submit = make('button', '', 'Search');
  Object.assign(submit, { type: 'submit', disabled: true });
  form.append(input, allLabel, submit);
  const results = make('ol', 'search-results');
  results.setAttribute('aria-label', 'Search results');
  results.hidden = true;
  const more = make('button', 'link-button', 'More results');
  Object.assign(more, { type: 'button', hidden: true });
  const error = make('p', 'notice error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  tools.append(form, error, results, more);

  let next = null;
  let everywhere = false;
  // The search shown: the answer of one searched before it (still on its way when the
  // form was sent again) is dropped.
  let current = 0;
  const showPage = (page) => {
    results.append(...page.results.map((result) => resultItem(result, everywhere, openAt)));
    if (!results.children.length) results.append(make('li', 'muted', 'No message found.'));
    show(results);
    next = page.next;
    show(more, next !== null);
  };
  const fetchPage = async (url) => {
    const search = current;
    clearError(error);
    // One page at a time: hidden until this one is shown.
    show(more, false);
    try {
      const page = await api('GET', url);
      if (search === current) showPage(page);
    } catch (failure) {
      if (search !== current) return;
      showError(error, failure);
      show(more, next !== null);
    }
  };
  onSubmit(form, () => {
    current += 1;
    everywhere = all.checked;
    const query = new URLSearchParams({ q: input.value });
    if (!everywhere) query.set('group', groupId);
    results.replaceChildren();
    fetchPage(`/api/search/?${query}`);
  });
  more.addEventListener('click', () => fetchPage(next));
}
