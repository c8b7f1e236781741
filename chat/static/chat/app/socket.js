/**
 * A page's WebSocket: reconnects with growing, jittered delays after a drop,
 * refreshes the session on 4401, gives up for good on 4403/4404, and opens nothing
 * from an address the server does not allow (address.js says why).
 *
 * Every message sent carries a client id and stays pending until the server
 * answers message_saved; after a reconnect the pending ones are sent again
 * with the same ids, so a message whose answer was lost is not stored twice.
 */

import { goToLogin, refreshSession } from './api.js';
import {
  clearRefusal,
  explainRefusedAddress,
  explainRefusedHandshake,
  refusedAddress,
  serverAnswers,
} from './address.js';

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
// Handshakes refused in a row (closed before open, the server up) before the page says so.
const REFUSALS_EXPLAINED = 2;

/** A new id for a message this page sends (the server stores it once per id). */
function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context: 128 random bits as hex.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class ChatSocket {
  /**
   * handlers (given here, or set before connect()): onState(state, text), onLive(),
   * onMessage(payload, isMine), onChange(payload), onError(payload, refused) (refused:
   * the new_message payload the error refuses, or null), onDenied(), and onEvent(frame)
   * for every other frame.
   */
  constructor(path, handlers = null) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.url = `${scheme}://${location.host}${path}`;
    this.handlers = handlers;
    this.failures = 0;
    this.refusals = 0;
    this.live = false;
    this.stopped = false;
    this.retry = null;
    this.pending = new Map(); // client id -> the new_message payload, in the order sent
  }

  connect() {
    if (this.stopped) return;
    const allowed = refusedAddress();
    if (allowed) {
      explainRefusedAddress(allowed);
      this.handlers.onState('refused', 'Not connected: this address is not allowed');
      return;
    }
    if (this.refusals < REFUSALS_EXPLAINED) this.handlers.onState('connecting', 'Connecting…');
    const socket = new WebSocket(this.url);
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
    });
    socket.addEventListener('message', (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener('close', (event) => this.closed(event.code, opened));
    this.socket = socket;
  }

  receive(frame) {
    switch (frame.action) {
      case 'authentication':
        // A refusal is followed by a close code that says what to do.
        if (frame.payload.status_code === 200) this.welcomed();
        break;
      case 'message_saved':
        // Stored (a resend is answered with the original); shown even if the
        // relay to the members failed.
        this.pending.delete(frame.payload.message.client_id);
        this.handlers.onMessage(frame.payload.message, true);
        break;
      case 'member_message':
        this.handlers.onMessage(frame.payload, frame.is_mine);
        break;
      case 'message_edited':
      case 'message_deleted':
        this.handlers.onChange(frame.payload);
        break;
      case 'error':
        // Frames are answered in order: a refused new_message is the oldest
        // pending one, and sending it again would be refused again.
        // It is given back to the page with the error, for its text to be kept.
        if (frame.payload.errors?.[0]?.loc?.[0] === 'new_message') {
          const [oldest] = this.pending.keys();
          const refused = this.pending.get(oldest);
          this.pending.delete(oldest);
          this.handlers.onError(frame.payload, refused);
        } else {
          this.handlers.onError(frame.payload, null);
        }
        break;
      default: // /ws/me/'s events; pong, and completion markers should a server send them
        this.handlers.onEvent(frame);
    }
  }

  welcomed() {
    this.failures = 0;
    this.refusals = 0;
    this.live = true;
    clearRefusal();
    this.handlers.onState('live', 'Connected');
    this.handlers.onLive();
    for (const clientId of this.pending.keys()) this.transmit(clientId);
  }

  /** Close for good (the page no longer shows what this socket is for): no reconnect. */
  close() {
    this.stopped = true;
    this.live = false;
    clearTimeout(this.retry);
    this.socket?.close(1000);
  }

  async closed(code, opened) {
    this.live = false;
    if (this.stopped) return;
    if (code === 4403 || code === 4404) {
      this.handlers.onDenied();
      return;
    }
    if (code === 4401 && !(await refreshSession())) {
      goToLogin();
      return;
    }
    // Closed before it ever opened while the server answers HTTP: refused at the handshake.
    this.refusals = !opened && (await serverAnswers()) ? this.refusals + 1 : 0;
    if (this.stopped) return; // closed for good while the server was asked
    // Jitter keeps a restarted server from being hit by every client at once.
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.failures);
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    const seconds = Math.ceil(jittered / 1000);
    this.failures += 1;
    if (this.refusals >= REFUSALS_EXPLAINED) {
      explainRefusedHandshake();
      this.handlers.onState('refused', `Refused by the server; trying again in ${seconds} s…`);
    } else {
      this.handlers.onState('reconnecting', `Disconnected; reconnecting in ${seconds} s…`);
    }
    this.retry = setTimeout(() => this.connect(), jittered);
  }

  /** Send a new message ({content, ...}); false when not connected (the caller keeps the text). */
  say(payload) {
    if (!this.live) return false;
    const clientId = newClientId();
    this.pending.set(clientId, payload);
    this.transmit(clientId);
    return true;
  }

  transmit(clientId) {
    const payload = { ...this.pending.get(clientId), client_id: clientId };
    this.socket.send(JSON.stringify({ action: 'new_message', payload }));
  }

  /** Send an action that is not a new message; false when not connected. */
  act(action, payload) {
    if (!this.live) return false;
    this.socket.send(JSON.stringify({ action, payload }));
    return true;
  }
}
