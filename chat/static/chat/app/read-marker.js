/**
 * What a conversation has shown, while the page is visible, is read: mark_read on the
 * chat socket, at most once a READ_DELAY_MS (the socket's frame limits bound it anyway).
 */

// A page marks what it has shown read this long after it changed.
const READ_DELAY_MS = 500;

export class ReadMarker {
  constructor(messages, socket) {
    this.messages = messages;
    this.socket = socket;
    this.readUpTo = 0;
    this.timer = null;
    this.markRead = () => this.mark();
    document.addEventListener('visibilitychange', this.markRead);
  }

  mark() {
    if (this.timer !== null || document.visibilityState !== 'visible') return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const seq = this.messages.highestSeq;
      if (seq > this.readUpTo && this.socket.act('mark_read', { seq })) this.readUpTo = seq;
    }, READ_DELAY_MS);
  }

  /** The conversation is closed: nothing more to mark. */
  stop() {
    clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.markRead);
  }
}
