/**
 * Whether the server lets this page open WebSockets, and the words when it does not.
 *
 * The server refuses a WebSocket handshake from an origin it does not allow (its
 * Origin check, WEBSOCKET_ALLOWED_ORIGINS, which defaults to SERVER_URL), and a browser
 * tells the page nothing about why: the socket closes with 1006 before it ever opens.
 * So the page knows the allowed origins (<body data-socket-origins>, rendered from the
 * same setting, written exactly as a browser writes an origin) and compares its own;
 * and a socket that closes before it opens while the server answers HTTP is explained
 * too (an origin or a proxy the page could not foresee).
 */

import { $, make, show } from './dom.js';

const SETTINGS = 'SERVER_URL / WEBSOCKET_ALLOWED_ORIGINS';

/** The origins the server allows, or null when this page's own is one of them. */
export function refusedAddress() {
  const allowed = (document.body.dataset.socketOrigins ?? '').split(' ').filter(Boolean);
  return allowed.includes(location.origin) ? null : allowed;
}

/** This page at an allowed origin, where there is one to offer. */
function samePageAt(allowed) {
  const origin = allowed.find((candidate) => /^https?:\/\//.test(candidate));
  if (!origin) return [];
  const link = make('a', '', origin);
  link.href = origin + location.pathname + location.search;
  return [' Open this page at ', link, `, or add ${location.origin} to WEBSOCKET_ALLOWED_ORIGINS.`];
}

/** The page's address is not an allowed origin: say so, and where it would work. */
export function explainRefusedAddress(allowed) {
  const notice = $('#address-refused');
  notice.replaceChildren(
    `This page's address, ${location.origin}, is not allowed by the server's settings ` +
      `(${SETTINGS}), so it cannot open its live connection.`,
    ...samePageAt(allowed),
  );
  show(notice);
}

/** Sockets keep closing before they open while the server answers: the handshake is refused. */
export function explainRefusedHandshake() {
  const notice = $('#address-refused');
  notice.textContent =
    `The server answers this page but refused its live connection at the handshake: this ` +
    `address, ${location.origin}, may not be allowed by the server's settings (${SETTINGS}), ` +
    'or a proxy in front of the server does not pass WebSocket upgrades. Trying again…';
  show(notice);
}

export function clearRefusal() {
  show($('#address-refused'), false);
}

/** Whether the server answers HTTP at all (the liveness probe), as against being away. */
export function serverAnswers() {
  return fetch('/healthz', { cache: 'no-store' }).then((response) => response.ok, () => false);
}
