/**
 * The chats page's addresses: /groups/ (no chat open) and /groups/<id>/ (that chat).
 * Following a link to either, or the browser's back and forward buttons, opens the
 * chat without loading the page again; the address stays one to share or reload.
 */

const CHAT_PATH = /^\/groups\/(?:(\d+)\/)?$/;

/** The chat id an address names (null for the list), or undefined for other pages. */
function chatIdOf(url) {
  if (url.origin !== location.origin) return undefined;
  const match = CHAT_PATH.exec(url.pathname);
  return match ? (match[1] ?? null) : undefined;
}

export function chatPath(id) {
  return id === null ? '/groups/' : `/groups/${id}/`;
}

/**
 * Route the page: `open(id)` now for the address it was loaded at, then for each link
 * followed to another chat (a plain click: a new tab or window stays the browser's)
 * and each step back or forward. Returns `go(id, at)`, which opens a chat as a link
 * does (at message `at`, if given: a search result).
 */
export function routeChats(open) {
  const go = (id, at = null) => {
    if (location.pathname !== chatPath(id)) history.pushState({ chat: id }, '', chatPath(id));
    open(id, at);
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
    const id = chatIdOf(new URL(link.href));
    if (id === undefined) return;
    event.preventDefault();
    go(id);
  });
  window.addEventListener('popstate', () => open(chatIdOf(new URL(location.href)) ?? null));
  open(chatIdOf(new URL(location.href)) ?? null);
  return go;
}
