/**
 * A group page's history: the newest page first, older pages as the reader scrolls
 * up, and catching up with what the socket did not bring.
 *
 * Nothing is lost silently: after every (re)connect the page fetches what came after
 * the last message it holds in order; a hole in the seqs is fetched a moment after it
 * shows (a message relayed out of order fills it by itself); and a socket that has
 * been quiet for a while checks, since a lost last message leaves no hole to see.
 */

import { api, pages } from './api.js';

// A hole in the seqs waits this long before it is fetched.
const GAP_GRACE_MS = 1000;
// A socket that has heard nothing for this long fetches what it may have missed.
const IDLE_CHECK_MS = 30_000;
// The conversation scrolled this close to its top loads the page before.
const OLDER_AT_PX = 40;

export class History {
  /** `messages`: the MessageList; `isLive()`: whether the socket is connected;
   * `onError(failure)`: shows a failed fetch. */
  constructor(base, messages, isLive, onError) {
    this.base = base;
    this.messages = messages;
    this.isLive = isLive;
    this.onError = onError;
    this.older = null; // the cursor of the page before the oldest shown (null once the first is)
    this.loadingOlder = null;
    this.fetching = null;
    this.gapTimer = null;
    this.idleTimer = null;
    messages.element.addEventListener('scroll', () => this.scrolled());
  }

  async loadRecent() {
    this.show(await api('GET', `${this.base}/messages/`));
  }

  /** A page of history (newest first) shown from its oldest message on; the page
   * before it is the next one to load above. */
  show(page) {
    const oldestFirst = [...page.results].reverse();
    if (page.next && oldestFirst.length) this.messages.startAt(oldestFirst[0].seq);
    oldestFirst.forEach((message) => this.messages.add(message));
    this.older = page.next;
  }

  /** The page of history around message `id` (a search result), which is shown and
   * marked; what came after it is fetched by the catch-up once the socket is live. */
  async loadAround(id) {
    this.show(await api('GET', `${this.base}/messages/?around=${id}`));
    this.messages.reveal(id);
  }

  /** Scrolled to the top: the page before, one at a time. */
  scrolled() {
    if (this.older === null || this.loadingOlder || this.messages.element.scrollTop > OLDER_AT_PX) return;
    this.olderPage().catch(this.onError);
  }

  /** The page before the oldest shown (the one on its way, if the reader's scroll
   * asked first); false when the first page is already shown. */
  async olderPage() {
    if (this.older === null) return false;
    this.loadingOlder ??= this.loadOlder().finally(() => {
      this.loadingOlder = null;
    });
    await this.loadingOlder;
    return true;
  }

  async loadOlder() {
    const page = await api('GET', this.older);
    this.messages.addOlder(page.results);
    this.older = page.next;
  }

  async fetchMissed() {
    const { messages } = this;
    if (messages.byId.size === 0) return this.loadRecent();
    let newest = messages.inOrder.seq;
    for await (const batch of pages(`${this.base}/messages/?after=${messages.inOrder.id}`)) {
      batch.forEach((message) => {
        messages.add(message);
        newest = Math.max(newest, message.seq);
      });
    }
    messages.settleUpTo(newest);
  }

  /** Fetch what came after the last message held in order; one fetch at a time, and a
   * hole seen meanwhile is looked at again once it ends. */
  catchUp() {
    this.fetching ??= this.fetchMissed().finally(() => {
      this.fetching = null;
      if (this.messages.hasGap()) this.repairSoon();
    });
    return this.fetching;
  }

  /** A message arrived: a hole it shows is fetched unless it fills by itself. */
  received() {
    this.watchIdle();
    if (this.messages.hasGap()) this.repairSoon();
  }

  repairSoon() {
    if (this.gapTimer !== null) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.messages.hasGap()) this.catchUp().catch(this.onError);
    }, GAP_GRACE_MS);
  }

  /** The conversation is closed: no more fetches. */
  stop() {
    clearTimeout(this.gapTimer);
    clearTimeout(this.idleTimer);
    this.gapTimer = null;
    this.idleTimer = null;
  }

  /** (Re)start the quiet socket's clock: after IDLE_CHECK_MS without a message, catch up. */
  watchIdle() {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.isLive()) this.catchUp().catch(this.onError);
      this.watchIdle();
    }, IDLE_CHECK_MS);
  }
}
