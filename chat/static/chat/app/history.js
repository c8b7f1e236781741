/**
 * A group page's history: the newest page first, older pages as the reader scrolls
 * up, and catching up with what the socket did not bring. Opened at a search result,
 * the page around it and the newest page; the pages between them come one at a time
 * as the reader scrolls near them.
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
// The pages between a search result's and the newest load once the reader is this many
// screens' heights from them.
const BETWEEN_AT_SCREENS = 1;

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
    // The messages not loaded between a search result's page and the newest page: those
    // after the id `after` (the last shown above them) and before `before` (the first below).
    this.between = null;
    this.loadingBetween = null;
    this.stopped = false;
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

  /** The page of history around message `id` (a search result), shown and marked,
   * and, when it is not the newest, the newest page below it; what came after the
   * newest is fetched by the catch-up once the socket is live. */
  async loadAround(id) {
    const around = await api('GET', `${this.base}/messages/?around=${id}`);
    this.show(around);
    this.messages.reveal(id);
    if (around.previous) {
      const newest = await api('GET', `${this.base}/messages/`);
      const [above, below] = [around.results[0], newest.results.at(-1)];
      if (below.seq > above.seq + 1) {
        // Nothing is missing from the newest page on: the catch-up starts after it.
        this.messages.startAt(below.seq);
        this.between = { after: above.id, before: below.id };
      }
      [...newest.results].reverse().forEach((message) => this.messages.add(message));
    }
    this.scrolled();
  }

  /** Scrolled: near the pages between a search result's and the newest, those; at the
   * top, the page before. One at a time each. */
  scrolled() {
    if (this.between && !this.loadingBetween) this.fillBetween().catch(this.onError);
    if (this.older === null || this.loadingOlder || this.messages.element.scrollTop > OLDER_AT_PX) return;
    this.olderPage().catch(this.onError);
  }

  /** Load the pages message `id` is in, between a search result's and the newest or
   * older, until it is shown; false when the history no longer has it. */
  async reach(id) {
    while (!this.messages.byId.has(id)) {
      const between = this.between && id > this.between.after && id < this.between.before;
      if (!(await (between ? this.betweenPage() : this.olderPage()))) return false;
    }
    return true;
  }

  /** The pages between a search result's and the newest, while the reader is near them. */
  async fillBetween() {
    while (!this.stopped && this.between && this.nearBetween()) await this.betweenPage();
  }

  /** Whether the place of the messages not loaded is within BETWEEN_AT_SCREENS of the view. */
  nearBetween() {
    const list = this.messages.element;
    const above = this.messages.byId.get(this.between.after);
    const place = above.getBoundingClientRect().bottom - list.getBoundingClientRect().top;
    const reach = BETWEEN_AT_SCREENS * list.clientHeight;
    return place > -reach && place < list.clientHeight + reach;
  }

  /** The next page between a search result's and the newest (the one on its way, if
   * asked already). */
  async betweenPage() {
    this.loadingBetween ??= this.loadBetween().finally(() => {
      this.loadingBetween = null;
    });
    await this.loadingBetween;
    return true;
  }

  /** The page after the last message shown above the gap, shown below it: a reader
   * above the gap sees it come below them, one below it keeps their place. */
  async loadBetween() {
    const { after, before } = this.between;
    const page = await api('GET', `${this.base}/messages/?after=${after}`);
    if (this.stopped) return;
    const list = this.messages.element;
    const readerBelow =
      this.messages.byId.get(after).getBoundingClientRect().bottom < list.getBoundingClientRect().top;
    const fromBottom = list.scrollHeight - list.scrollTop;
    page.results.forEach((message) => this.messages.add(message));
    if (readerBelow) list.scrollTop = list.scrollHeight - fromBottom;
    const last = page.results.at(-1);
    this.between = page.next && last && last.id < before ? { after: last.id, before } : null;
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
      if (this.stopped) return;
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
    if (this.stopped || this.gapTimer !== null) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.messages.hasGap()) this.catchUp().catch(this.onError);
    }, GAP_GRACE_MS);
  }

  /** The conversation is closed: no more fetches. */
  stop() {
    this.stopped = true;
    clearTimeout(this.gapTimer);
    clearTimeout(this.idleTimer);
    this.gapTimer = null;
    this.idleTimer = null;
  }

  /** (Re)start the quiet socket's clock: after IDLE_CHECK_MS without a message, catch up. */
  watchIdle() {
    clearTimeout(this.idleTimer);
    if (this.stopped) return;
    this.idleTimer = setTimeout(() => {
      if (this.isLive()) this.catchUp().catch(this.onError);
      this.watchIdle();
    }, IDLE_CHECK_MS);
  }
}
