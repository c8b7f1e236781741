/**
 * What a conversation has shown, while the page is visible, is read: mark_read on the
 * chat socket, READ_DELAY_MS after it changed, and in a busy chat at most once a
 * READ_EVERY_MS (the server stores and tells the chat's reads once a second anyway:
 * READ_GATHER_SECONDS; docs/benchmarks.md measures a chat where everyone reports at
 * this rate).
 */

// A page marks what it has shown read this long after it changed,
const READ_DELAY_MS = 500;
// and no sooner than this after its last report.
const READ_EVERY_MS = 2000;

export class ReadMarker {
  constructor(messages, socket) {
    this.messages = messages;
    this.socket = socket;
    this.readUpTo = 0;
    this.sentAt = -Infinity;
    this.timer = null;
    this.markRead = () => this.mark();
    document.addEventListener('visibilitychange', this.markRead);
  }

  mark() {
    if (this.timer !== null || document.visibilityState !== 'visible') return;
    const wait = Math.max(READ_DELAY_MS, this.sentAt + READ_EVERY_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      const seq = this.messages.highestSeq;
      if (seq > this.readUpTo && this.socket.act('mark_read', { seq })) {
        this.readUpTo = seq;
        this.sentAt = performance.now();
      }
    }, wait);
  }

  /** The conversation is closed: nothing more to mark. */
  stop() {
    clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.markRead);
  }
}
